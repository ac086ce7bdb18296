package slack

import (
	"net/url"
	"os"
	"slices"
	"testing"

	"gopkg.in/yaml.v3"
)

// TestManifestMatchesTheAdapter keeps deploy/slack-app-manifest.yaml and the
// code in step: the URLs, commands, shortcut and scopes it declares are the
// ones served and needed.
func TestManifestMatchesTheAdapter(t *testing.T) {
	raw, err := os.ReadFile("../../deploy/slack-app-manifest.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		Features struct {
			AppHome struct {
				HomeTab bool `yaml:"home_tab_enabled"`
			} `yaml:"app_home"`
			SlashCommands []struct {
				Command, URL, Description string
			} `yaml:"slash_commands"`
			Shortcuts []struct {
				Type       string
				CallbackID string `yaml:"callback_id"`
			}
		}
		OAuth struct {
			Scopes struct{ Bot []string }
		} `yaml:"oauth_config"`
		Settings struct {
			Events struct {
				RequestURL string   `yaml:"request_url"`
				BotEvents  []string `yaml:"bot_events"`
			} `yaml:"event_subscriptions"`
			Interactivity struct {
				Enabled    bool   `yaml:"is_enabled"`
				RequestURL string `yaml:"request_url"`
			}
		}
	}
	if err := yaml.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	path := func(u string) string {
		p, err := url.Parse(u)
		if err != nil {
			t.Fatal(err)
		}
		return p.Path
	}
	if len(m.Features.SlashCommands) == 0 {
		t.Fatal("no slash commands")
	}
	for _, c := range m.Features.SlashCommands {
		if path(c.URL) != PathCommands {
			t.Errorf("%s posts to %s, served at %s", c.Command, c.URL, PathCommands)
		}
		if _, ok := DefaultAliases[c.Command]; !ok && c.Command != "/callboard" {
			t.Errorf("%s is not the umbrella command nor a default alias", c.Command)
		}
	}
	for alias := range DefaultAliases {
		if !slices.ContainsFunc(m.Features.SlashCommands, func(c struct{ Command, URL, Description string }) bool { return c.Command == alias }) {
			t.Errorf("default alias %s missing from the manifest", alias)
		}
	}
	if path(m.Settings.Events.RequestURL) != PathEvents || path(m.Settings.Interactivity.RequestURL) != PathInteractions || !m.Settings.Interactivity.Enabled {
		t.Errorf("events/interactivity URLs: %+v", m.Settings)
	}
	if !m.Features.AppHome.HomeTab {
		t.Error("the Home tab is not enabled, so app_home_opened never comes")
	}
	for _, ev := range []string{"app_mention", "message.im", "app_home_opened"} {
		if !slices.Contains(m.Settings.Events.BotEvents, ev) {
			t.Errorf("event %s not subscribed", ev)
		}
	}
	for _, s := range []string{"commands", "chat:write", "app_mentions:read", "im:history", "users:read", "users:read.email"} {
		if !slices.Contains(m.OAuth.Scopes.Bot, s) {
			t.Errorf("scope %s missing", s)
		}
	}
	if len(m.Features.Shortcuts) != 1 || m.Features.Shortcuts[0].CallbackID != callbackShortcut || m.Features.Shortcuts[0].Type != "message" {
		t.Errorf("shortcuts %+v, want the message shortcut %s", m.Features.Shortcuts, callbackShortcut)
	}
}
