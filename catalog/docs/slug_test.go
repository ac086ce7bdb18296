package docs

import "testing"

func TestSlugFollowsPythonMarkdownToc(t *testing.T) {
	cases := []struct{ in, want string }{
		{"Getting Started", "getting-started"},
		{"Installing MkDocs", "installing-mkdocs"},
		{"site_name", "site_name"},
		{"What's new?", "whats-new"},
		{"Version 1.5.0 (2023-07-26)", "version-150-2023-07-26"},
		{"Žlutý kůň", "zluty-kun"},
		{"日本語", ""},
		{"  Leading and trailing  ", "leading-and-trailing"},
		{"a -- b", "a-b"},
		{"Use `mkdocs.yml`", "use-mkdocsyml"},
		{"C++ & Go", "c-go"},
		{"trailing -", "trailing-"},
	}
	for _, c := range cases {
		if got := slugify(c.in); got != c.want {
			t.Errorf("slugify(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestDuplicateHeadingsGetNumberedAnchors(t *testing.T) {
	// What Python-Markdown's toc gives (markdown 3.4.1, checked by hand).
	used := newIDSet()
	var got []string
	for _, id := range []string{"usage", "usage", "usage", "", "", "x_1", "x_1", "x", "x", "usage_1", "usage", "v_9", "v_9", "v_9"} {
		got = append(got, used.unique(id))
	}
	want := []string{"usage", "usage_1", "usage_2", "_1", "_2", "x_1", "x_2", "x", "x_3", "usage_3", "usage_4", "v_9", "v_10", "v_11"}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("id %d = %q, want %q (all %v)", i, got[i], want[i], got)
		}
	}
}
