package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/callboard/callboard/adapters/discord"
	"github.com/callboard/callboard/adapters/discord/discordtest"
	"github.com/callboard/callboard/catalog"
)

func TestDiscordRegister(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		env      map[string]string
		limit    bool // the first PUT is rate-limited
		wantCode int
		wantOut  string
		wantErr  string
		wantPath string // the PUT sent, "" for none
	}{
		{name: "globally", args: []string{"register"}, wantCode: 0,
			wantOut: "registered 5 commands globally", wantPath: "/api/v9/applications/app1/commands"},
		{name: "in a guild", args: []string{"register", "--guild", "81384788765712384"}, wantCode: 0,
			wantOut: "in guild 81384788765712384: /callboard /owner /impact /docs /scaffold", wantPath: "/api/v9/applications/app1/guilds/81384788765712384/commands"},
		{name: "through a 429", args: []string{"register"}, limit: true, wantCode: 0,
			wantOut: "registered 5 commands", wantPath: "/api/v9/applications/app1/commands"},
		{name: "dry run sends nothing", args: []string{"register", "--dry-run"}, wantCode: 0, wantOut: `"name": "callboard"`},
		{name: "missing app id", args: []string{"register"}, env: map[string]string{"DISCORD_APP_ID": ""}, wantCode: 2, wantErr: "set DISCORD_APP_ID"},
		{name: "missing token", args: []string{"register"}, env: map[string]string{"DISCORD_BOT_TOKEN": ""}, wantCode: 2, wantErr: "DISCORD_BOT_TOKEN"},
		{name: "wrong token", args: []string{"register"}, env: map[string]string{"DISCORD_BOT_TOKEN": "not-the-token"}, wantCode: 1,
			wantErr: "Discord refused the commands", wantPath: "/api/v9/applications/app1/commands"},
		{name: "guild that is not an id", args: []string{"register", "--guild", "my-server"}, wantCode: 2, wantErr: "not a guild id"},
		{name: "unknown sub-command", args: []string{"unregister"}, wantCode: 2, wantErr: "unknown sub-command"},
		{name: "no sub-command", args: nil, wantCode: 2, wantErr: "usage: callboard discord register"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api := discordtest.NewServer()
			defer api.Close()
			api.Token = "s3cret-token"
			if tt.limit {
				api.RateLimit(http.MethodPut, "applications/", 1, 20*time.Millisecond, false)
			}
			env := map[string]string{"DISCORD_APP_ID": "app1", "DISCORD_BOT_TOKEN": "s3cret-token", "DISCORD_API_URL": api.URL}
			for k, v := range tt.env {
				env[k] = v
			}
			var stdout, stderr bytes.Buffer
			code := Run(context.Background(), &Env{Stdin: strings.NewReader(""), Stdout: &stdout, Stderr: &stderr,
				Getenv: func(k string) string { return env[k] }}, append([]string{"discord"}, tt.args...))
			if code != tt.wantCode {
				t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", code, tt.wantCode, &stdout, &stderr)
			}
			if !strings.Contains(stdout.String(), tt.wantOut) || !strings.Contains(stderr.String(), tt.wantErr) {
				t.Fatalf("stdout %q (want %q)\nstderr %q (want %q)", &stdout, tt.wantOut, &stderr, tt.wantErr)
			}
			if strings.Contains(stdout.String()+stderr.String(), "s3cret-token") || strings.Contains(stderr.String(), "not-the-token") {
				t.Fatal("the token was printed")
			}
			puts := 0
			for _, c := range api.Calls() {
				if c.Method != http.MethodPut {
					continue
				}
				puts++
				if c.Path != tt.wantPath {
					t.Fatalf("PUT %s, want %s", c.Path, tt.wantPath)
				}
			}
			if tt.wantPath == "" && puts > 0 {
				t.Fatalf("%d commands sent", puts)
			}
			if tt.wantCode == 0 && tt.wantPath != "" {
				guild := ""
				if len(tt.args) == 3 {
					guild = tt.args[2]
				}
				got := api.Commands("app1", guild)
				if len(got) != 5 || got[1].Name != "owner" || !got[1].Options[0].Autocomplete {
					b, _ := json.Marshal(got)
					t.Fatalf("registered %s", b)
				}
			}
		})
	}
}

// serve's Discord autocomplete answers from the live catalog (it was never
// wired: every choice list came back empty).
func TestDiscordCompleterAnswersFromTheCatalog(t *testing.T) {
	res := catalog.LoadFS(context.Background(), os.DirFS("testdata"), []string{"org.yaml"}, catalog.LoadOptions{Source: "files"})
	store := catalog.NewStore(catalog.Build(res))
	c := discordCompleter(store)
	got := c.Complete(context.Background(), discord.KindEntity, "sear", 25)
	if len(got) < 2 || !strings.HasSuffix(got[0].Value, ":default/search") || !strings.HasSuffix(got[1].Value, ":default/search") {
		t.Errorf("entity choices for sear: %+v", got)
	}
	if got := c.Complete(context.Background(), discord.KindTemplate, "", 25); len(got) != 0 {
		t.Errorf("template choices from a catalog without templates: %+v", got)
	}
}
