package scaffold

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"testing/fstest"
	"time"
)

func langData() map[string]any {
	return templateData(map[string]any{
		"parameters": map[string]any{"name": "Ledger", "tags": []any{"a", "b"}, "port": float64(8080), "on": true,
			"repoUrl": "github.com?owner=acme&repo=ledger", "owner": "group:payments/team-a", "desc": "  hi  "},
		"steps": map[string]any{"publish": map[string]any{"output": map[string]any{"remoteUrl": "https://github.com/acme/ledger"}}},
		"user":  map[string]any{"entity": map[string]any{"metadata": map[string]any{"name": "jdoe"}}},
	}).(map[string]any)
}

func TestLanguageEvaluatesBackstageExpressions(t *testing.T) {
	l := NewLang()
	cases := []struct {
		in   any
		want any
	}{
		{"${{ parameters.name }}", "Ledger"},
		{"x-${{ parameters.name | lower }}-y", "x-ledger-y"},
		{"${{ parameters.name | upper }}", "LEDGER"},
		{"${{ parameters.tags }}", []any{"a", "b"}},
		{"${{ parameters.port }}", float64(8080)},
		{"port ${{ parameters.port }}", "port 8080"},
		{"${{ parameters.on }}", true},
		{"${{ parameters.repoUrl | parseRepoUrl }}", map[string]any{"host": "github.com", "owner": "acme", "repo": "ledger"}},
		{"${{ (parameters.repoUrl | parseRepoUrl).repo }}", "ledger"},
		{"${{ parameters.repoUrl | parseRepoUrl | pick('owner') }}", "acme"},
		{"${{ parameters.repoUrl | projectSlug }}", "acme/ledger"},
		{"${{ parameters.owner | parseEntityRef }}", map[string]any{"kind": "group", "namespace": "payments", "name": "team-a"}},
		{"${{ (parameters.owner | parseEntityRef).name }}", "team-a"},
		{"${{ steps['publish'].output.remoteUrl }}", "https://github.com/acme/ledger"},
		{"${{ steps.publish.output.remoteUrl }}", "https://github.com/acme/ledger"},
		{"${{ user.entity.metadata.name }}", "jdoe"},
		{"${{ parameters.missing | default('none') }}", "none"},
		{"${{ parameters.name | replace('L', 'l') }}", "ledger"},
		{"[${{ parameters.desc | trim }}]", "[hi]"},
		{"${{ parameters.tags | join('+') }}", "a+b"},
		{"${{ parameters.tags | dump }}", `["a","b"]`},
		{"{% if parameters.on %}yes{% else %}no{% endif %}", "yes"},
		{"{% for t in parameters.tags %}<${{ t }}>{% endfor %}", "<a><b>"},
		{"${{ parameters.nothing if parameters.nothing else parameters.name }}", "Ledger"},
		{map[string]any{"list": []any{"${{ parameters.name }}", 3}}, map[string]any{"list": []any{"Ledger", 3}}},
		{"no expression", "no expression"},
	}
	for _, c := range cases {
		got, err := l.Eval("t", c.in, langData())
		if err != nil {
			t.Errorf("%v: %v", c.in, err)
			continue
		}
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("%v = %#v, want %#v", c.in, got, c.want)
		}
	}
}

func TestStepConditionsUseJavaScriptComparisons(t *testing.T) {
	l := NewLang()
	for cond, want := range map[any]bool{
		"${{ parameters.on !== true }}": false,
		"${{ parameters.on === true }}": true,
		"${{ parameters.missing }}":     false,
		true:                            true,
		false:                           false,
	} {
		got, err := l.Truthy("if", cond, langData())
		if err != nil || got != want {
			t.Errorf("if %v = %v, %v; want %v", cond, got, err, want)
		}
	}
}

func TestTemplateErrorsSayFileAndLine(t *testing.T) {
	l := NewLang()
	_, err := l.Render("skeleton/README.md", "line one\nline two ${{ values.name | }}\n", map[string]any{})
	var te *TemplateError
	if !errors.As(err, &te) || te.File != "skeleton/README.md" || te.Line != 2 {
		t.Fatalf("err = %#v", err)
	}
	if strings.Contains(te.Error(), "line one") {
		t.Errorf("the error repeats the whole source: %q", te.Error())
	}
	_, err = l.Render("a.txt", "x\n{% if %}\n", map[string]any{})
	if err == nil || !strings.HasPrefix(err.Error(), "a.txt") {
		t.Errorf("block error = %v", err)
	}
}

func TestRenderedPathsCannotLeaveTheTarget(t *testing.T) {
	l := NewLang()
	cases := []struct {
		name   string
		values map[string]any
		files  fstest.MapFS
		want   string
	}{
		{"dot-dot from a value", map[string]any{"name": "../../etc"}, fstest.MapFS{"sk/${{ values.name }}/passwd": {Data: []byte("x")}}, "leaves the target"},
		{"absolute from a value", map[string]any{"name": "/etc"}, fstest.MapFS{"sk/${{ values.name }}": {Data: []byte("x")}}, "absolute"},
		{"symlink in the skeleton", nil, fstest.MapFS{"sk/link": {Data: []byte("/etc/passwd"), Mode: 0o777 | 1<<27}}, "symbolic link"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := NewWorkspace()
			err := fetchTree(l, c.files, "sk", fetchOptions{}, map[string]any{"values": c.values}, w)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want %q", err, c.want)
			}
			if w.Len() != 0 {
				t.Errorf("a file was written: %v", w.Files(""))
			}
		})
	}
	for _, p := range []string{"../x", "a/../../x", "/x", "C:/x", "a/\x00"} {
		if _, err := CleanPath(p); err == nil {
			t.Errorf("CleanPath(%q) accepted", p)
		}
	}
}

func TestSkeletonOptions(t *testing.T) {
	l := NewLang()
	files := fstest.MapFS{
		"sk/README.md.njk":            {Data: []byte("# ${{ values.name }}\n")},
		"sk/raw.txt":                  {Data: []byte("${{ values.name }}\n")},
		"sk/{{cookiecutter.name}}.md": {Data: []byte("{{ cookiecutter.name }}\n")},
		"sk/bin.dat":                  {Data: []byte{0xff, 0xfe, '$', '{', '{'}},
	}
	w := NewWorkspace()
	// Backstage refuses templateFileExtension with cookiecutterCompat: each
	// is tested alone. Outside cookiecutterCompat, {{ }} is plain text.
	if err := fetchTree(l, files, "sk", fetchOptions{templateExt: ".njk", targetPath: "out"}, map[string]any{"values": map[string]any{"name": "led"}}, w); err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, f := range w.Files("") {
		got[f.Path] = string(f.Data)
	}
	want := map[string]string{"out/README.md": "# led\n", "out/raw.txt": "${{ values.name }}\n", "out/{{cookiecutter.name}}.md": "{{ cookiecutter.name }}\n", "out/bin.dat": string([]byte{0xff, 0xfe, '$', '{', '{'})}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("templateFileExtension tree = %q\nwant %q", got, want)
	}
	w = NewWorkspace()
	if err := fetchTree(l, files, "sk", fetchOptions{cookiecutter: true}, map[string]any{"values": map[string]any{"name": "led"}}, w); err != nil {
		t.Fatal(err)
	}
	if f, ok := w.Get("led.md"); !ok || string(f.Data) != "led\n" {
		t.Errorf("cookiecutterCompat: %v", w.Files(""))
	}
}

func FuzzLanguageNeverPanicsAndKeepsPathsInside(f *testing.F) {
	for _, s := range []string{"${{ values.name }}", "{% for x in values.list %}${{ x }}{% endfor %}", "${{ values.name | parseRepoUrl }}", "{% if %}", "${{ (", "../${{ values.name }}", "${{ values.list | join(',') | upper }}", "{{ cookiecutter.x }}"} {
		f.Add(s, "a/b")
	}
	l := NewLang()
	f.Fuzz(func(t *testing.T, src, name string) {
		watchdog := time.AfterFunc(5*time.Second, func() { panic(fmt.Sprintf("rendering still running after 5s: src %q name %q", src, name)) })
		defer watchdog.Stop()
		data := map[string]any{"values": map[string]any{"name": name, "list": []any{"x", int64(1)}}}
		_, _ = l.Render("f", src, data)
		_, _ = l.Eval("f", src, data)
		w := NewWorkspace()
		fs := fstest.MapFS{"sk/" + "f": {Data: []byte(src)}}
		if fsName := "sk/" + src; len(src) > 0 && !strings.ContainsAny(src, "\x00") && validFSName(fsName) {
			fs[fsName] = &fstest.MapFile{Data: []byte("x")}
		}
		_ = fetchTree(l, fs, "sk", fetchOptions{cookiecutter: len(name)%2 == 0}, data, w)
		for _, file := range w.Files("") {
			if _, err := CleanPath(file.Path); err != nil || strings.HasPrefix(file.Path, "/") {
				t.Fatalf("path %q left the target", file.Path)
			}
		}
	})
}

func validFSName(p string) bool {
	for _, part := range strings.Split(p, "/") {
		if part == "" || part == "." || part == ".." {
			return false
		}
	}
	return true
}
