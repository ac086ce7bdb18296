package scaffold_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/callboard/callboard/catalog"
	"github.com/callboard/callboard/scaffold"
	"github.com/callboard/callboard/scaffold/scaffoldtest"
)

func orgSnapshot() *catalog.Snapshot {
	ent := func(kind, name string, spec map[string]any) *catalog.Entity {
		return &catalog.Entity{APIVersion: "backstage.io/v1alpha1", Kind: kind, Metadata: catalog.Metadata{Name: name, Namespace: "default"}, Spec: spec}
	}
	return catalog.NewSnapshot([]*catalog.Entity{
		ent("Group", "engineering", map[string]any{"type": "org"}),
		ent("Group", "payments", map[string]any{"type": "department", "parent": "engineering"}),
		ent("Group", "team-payments", map[string]any{"type": "team", "parent": "payments"}),
		ent("Group", "marketing", map[string]any{"type": "team"}),
		ent("User", "jdoe", map[string]any{"memberOf": []any{"team-payments"}}),
		ent("User", "ann", map[string]any{"memberOf": []any{"marketing"}}),
	}, nil)
}

func TestPolicyFollowsGroupParentsAndSaysWhyItRefuses(t *testing.T) {
	snap := orgSnapshot()
	policy := &scaffold.Policy{Rules: []scaffold.Rule{
		{Templates: []string{"go-service"}, Groups: []string{"group:default/engineering"}},
		{Templates: []string{"template:default/marketing-site"}, Groups: []string{"marketing"}},
	}}
	cases := []struct {
		user, template string
		allowed        bool
		reason         string
	}{
		{"user:jdoe", "go-service", true, ""},
		{"user:ann", "go-service", false, "go-service may be run only by members of group:default/engineering; ann belongs to marketing"},
		{"user:ann", "marketing-site", true, ""},
		{"user:jdoe", "secret-thing", false, "no rule lets anyone run secret-thing"},
		{"", "go-service", false, "not linked to a catalog User"},
		{"user:ghost", "go-service", false, "ghost belongs to no group"},
	}
	for _, c := range cases {
		var user catalog.Ref
		if c.user != "" {
			user = catalog.MustParseRef(c.user)
		}
		err := policy.Allow(snap, user, catalog.Ref{Kind: "template", Namespace: "default", Name: c.template})
		if c.allowed != (err == nil) {
			t.Errorf("%s runs %s: err = %v, want allowed=%v", c.user, c.template, err, c.allowed)
			continue
		}
		if !c.allowed && !strings.Contains(err.Error(), c.reason) {
			t.Errorf("%s runs %s: %q, want %q", c.user, c.template, err, c.reason)
		}
	}
	if err := (&scaffold.Policy{}).Allow(nil, catalog.Ref{}, catalog.MustParseRef("template:x")); err != nil {
		t.Errorf("empty policy refused: %v", err)
	}
}

func TestRunnerRefusesAUserThePolicyExcludesBeforeAnythingRuns(t *testing.T) {
	snap := orgSnapshot()
	pub := scaffoldtest.NewMemPublisher()
	r := &scaffold.Runner{Store: scaffold.NewMemJobStore(), Publisher: pub, Registrar: newLiveCatalog(),
		Policy:  &scaffold.Policy{Rules: []scaffold.Rule{{Templates: []string{"*"}, Groups: []string{"payments"}}}},
		Catalog: func() *catalog.Snapshot { return snap }}
	_, err := r.Start(context.Background(), scaffold.Request{Template: goService(t), Params: goParams(), User: catalog.MustParseRef("user:ann")})
	var denied *scaffold.DeniedError
	if !errors.As(err, &denied) || len(pub.Calls()) != 0 {
		t.Fatalf("err = %v, calls %v", err, pub.Calls())
	}
	job, err := r.Start(context.Background(), scaffold.Request{Template: goService(t), Params: goParams(), User: catalog.MustParseRef("user:jdoe")})
	if err != nil || job.User != "user:default/jdoe" {
		t.Fatalf("jdoe: %v %+v", err, job)
	}
}
