package bot

import (
	"reflect"
	"testing"

	"github.com/callboard/callboard/catalog"
	"github.com/callboard/callboard/scaffold"
)

// A form's command carries the values given before it; they must parse
// back exactly, whatever they hold.
func TestModalCommandKeepsGivenValuesExactly(t *testing.T) {
	tmpl := &scaffold.Template{Ref: catalog.MustParseRef("template:default/go-service")}
	given := map[string]string{
		"name":        "ledger-export",
		"description": `Pays "things" \ back`,
		"title":       "it's “smart”",
		"repoUrl":     "github.com?owner=tallybird&repo=ledger-export",
		"empty":       "",
		"eq":          "a = b",
	}
	for _, dry := range []bool{false, true} {
		cmd := modalCommand(tmpl, given, dry)
		got, rest, err := scaffold.ParseAssignments(cmd)
		if err != nil {
			t.Fatalf("%s: %v", cmd, err)
		}
		if !reflect.DeepEqual(got, given) {
			t.Errorf("%s\nparsed %q\nwant   %q", cmd, got, given)
		}
		want := []string{"scaffold", "go-service"}
		if dry {
			want = append(want, "--dry-run")
		}
		if !reflect.DeepEqual(rest, want) {
			t.Errorf("%s: words %q, want %q", cmd, rest, want)
		}
	}
}
