package catalog

import "testing"

// One DisplayName for every answer: a Group's or User's profile name wins
// over the title, which wins over the name.
func TestDisplayNamePrefersProfileThenTitleThenName(t *testing.T) {
	tests := []struct {
		name string
		e    Entity
		want string
	}{
		{"profile", Entity{Kind: KindGroup, Metadata: Metadata{Name: "team-payments", Title: "Payments"},
			Spec: map[string]any{"profile": map[string]any{"displayName": "Payments Team"}}}, "Payments Team"},
		{"title", Entity{Kind: KindComponent, Metadata: Metadata{Name: "payments-api", Title: "Payments API"}}, "Payments API"},
		{"empty profile name", Entity{Kind: KindUser, Metadata: Metadata{Name: "ada"},
			Spec: map[string]any{"profile": map[string]any{"displayName": ""}}}, "ada"},
		{"name", Entity{Kind: KindComponent, Metadata: Metadata{Name: "ledger"}}, "ledger"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.e.DisplayName(); got != tt.want {
				t.Errorf("DisplayName() = %q; want %q", got, tt.want)
			}
		})
	}
}

// Every relation type has its inverse, and the inverse of the inverse is
// the type itself.
func TestInverseIsAnInvolution(t *testing.T) {
	for _, typ := range []string{RelOwnedBy, RelOwnerOf, RelPartOf, RelHasPart, RelDependsOn, RelDependencyOf,
		RelProvidesAPI, RelAPIProvidedBy, RelConsumesAPI, RelAPIConsumedBy, RelMemberOf, RelHasMember, RelParentOf, RelChildOf} {
		inv := Inverse(typ)
		if inv == "" || inv == typ || Inverse(inv) != typ {
			t.Errorf("Inverse(%q) = %q, whose inverse is %q", typ, inv, Inverse(inv))
		}
	}
}
