package catalog

import (
	"regexp"
	"strings"
	"testing"
)

// The regular expressions the hand-written checks in validate.go replace
// (Backstage's KubernetesValidatorFunctions); the checks must agree with them
// on every input.
var (
	refDNSLabel = regexp.MustCompile(`^[a-z0-9]+(?:-+[a-z0-9]+)*$`)
	refName     = regexp.MustCompile(`^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$`)
	refKind     = regexp.MustCompile(`^[a-zA-Z][a-z0-9A-Z]*$`)
	refVersion  = regexp.MustCompile(`^[a-z0-9A-Z]+$`)
	// catalog-model's makeValidator isValidTag (colons allowed since the
	// colon-free CommonValidatorFunctions rule went out of use).
	refTag = regexp.MustCompile(`^[a-z0-9:+#]+(\-[a-z0-9:+#]+)*$`)
)

func refBounded(re *regexp.Regexp, max int) func(string) bool {
	return func(s string) bool { return len(s) >= 1 && len(s) <= max && re.MatchString(s) }
}

func refSubdomain(s string) bool {
	if len(s) < 1 || len(s) > 253 {
		return false
	}
	for _, p := range strings.Split(s, ".") {
		if !refBounded(refDNSLabel, 63)(p) {
			return false
		}
	}
	return true
}

func refPrefixed(s string, prefix, suffix func(string) bool) bool {
	parts := strings.Split(s, "/")
	switch len(parts) {
	case 1:
		return suffix(parts[0])
	case 2:
		return prefix(parts[0]) && suffix(parts[1])
	}
	return false
}

// formatChecks pairs each exported check with its regexp definition.
var formatChecks = []struct {
	name string
	got  func(string) bool
	want func(string) bool
}{
	{"DNSLabel", isValidDNSLabel, refBounded(refDNSLabel, 63)},
	{"DNSSubdomain", isValidDNSSubdomain, refSubdomain},
	{"Name", isValidName, refBounded(refName, 63)},
	{"Kind", isValidKind, refBounded(refKind, 63)},
	{"APIVersion", isValidAPIVersion, func(s string) bool { return refPrefixed(s, refSubdomain, refBounded(refVersion, 63)) }},
	{"Key", isValidKey, func(s string) bool { return refPrefixed(s, refSubdomain, refBounded(refName, 63)) }},
	{"LabelValue", isValidLabelValue, func(s string) bool { return s == "" || refBounded(refName, 63)(s) }},
	{"Tag", isValidTag, refBounded(refTag, 63)},
}

var formatSeeds = []string{
	"", "a", "-", "a-", "-a", "a--b", "a-b", "A", "Ab", "aB9", "9a", "a_b", "a.b", "_a", "a_", ".a", "a.",
	"c++", "c#", "+", "#-#", "a-+", "ü", "aü", "a b", "a\n", "\na", "backstage.io/managed-by-location",
	"backstage.io/v1alpha1", "v1", "a/b/c", "/a", "a/", "a..b/c", "A.b/c", "x.y-z.w/n_a.m-e",
	strings.Repeat("a", 63), strings.Repeat("a", 64), strings.Repeat("a.", 126) + "a", strings.Repeat("a.", 127) + "a",
	"apiVersion", "Component", "1Component", "Comp-onent", "team:backend", "a::b", ":x", "x:", "a:-b", "a-:b",
}

func TestFormatChecksAgreeWithBackstageRegexps(t *testing.T) {
	for _, c := range formatChecks {
		for _, s := range formatSeeds {
			if got, want := c.got(s), c.want(s); got != want {
				t.Errorf("IsValid%s(%q) = %v, the regexp says %v", c.name, s, got, want)
			}
		}
	}
}

func FuzzFormatChecks(f *testing.F) {
	for _, s := range formatSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, c := range formatChecks {
			if got, want := c.got(s), c.want(s); got != want {
				t.Errorf("IsValid%s(%q) = %v, the regexp says %v", c.name, s, got, want)
			}
		}
	})
}

// What a WHATWG URL parser (new URL(s), as Backstage's isValidUrl calls it)
// says of each, recorded from Node.js.
func TestIsValidURLAgreesWithWHATWG(t *testing.T) {
	cases := []struct {
		url  string
		want bool
	}{
		{"https://example.com", true},
		{"https://example.com/a b", true},
		{"http://localhost:3000/x", true},
		{"mailto:a@b.c", true},
		{"slack://channel?id=1", true},
		{"file:///tmp/x", true},
		{"https:example.com", true},
		{"HTTPS://EXAMPLE.COM", true},
		{"https://user:pw@host/", true},
		{"https://[::1]:8080/", true},
		{"tel:+123", true},
		{"urn:isbn:123", true},
		{"ftp://ftp.example.com", true},
		{"www.example.com", false},
		{"./docs/index.md", false},
		{"https://", false},
		{"", false},
		{"example", false},
		{"https://exa mple.com", false},
		{"1http://x", false},
		{"/abs/path", false},
		{"http://:80", false},
		{"https://x.com:", true},
		{"https://x.com:abc", false},
		{"https://x%20y.com", false},
		{"https://a^b.com", false},
		{"C:\\docs", true},
		{"javascript:alert(1)", true},
		{"https://a@", false},
		{"https://@x.com", true},
	}
	for _, c := range cases {
		if got := isValidURL(c.url); got != c.want {
			t.Errorf("isValidURL(%q) = %v, want %v", c.url, got, c.want)
		}
	}
}
