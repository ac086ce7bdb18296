package discord

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/callboard/callboard/adapters/rota"
	"github.com/callboard/callboard/bot"
	"github.com/callboard/callboard/bot/chat"
	"github.com/callboard/callboard/catalog"
	"github.com/callboard/callboard/examples"
)

// Discord has no Home tab: `/callboard me` gives the same page, to the
// asker alone.
func TestCallboardMeIsThePersonsPage(t *testing.T) {
	s := catalog.Build(catalog.LoadFS(context.Background(), examples.FS, []string{examples.Root}, catalog.LoadOptions{Source: "files"}))
	rt, err := rota.Load(examples.FS, examples.Rota)
	if err != nil {
		t.Fatal(err)
	}
	r := chat.NewRouter(chat.RouterOptions{Default: "info", Empty: "help"})
	if err := bot.RegisterBuiltins(r, bot.Options{Catalog: catalog.NewStore(s), OnCall: rt}); err != nil {
		t.Fatal(err)
	}
	f := newFixture(t, r.Handle, nil)
	body := bytes.Replace(commandPayload("callboard", opt("query", "me")), []byte(`"id":"u42"`), []byte(`"id":"1187341000000000004"`), 1)
	a := f.interact(body)
	var text strings.Builder
	for _, e := range a.Data.Embeds {
		text.WriteString(e.Title + "\n" + e.Description + "\n")
		for _, fl := range e.Fields {
			text.WriteString(fl.Name + ": " + fl.Value + "\n")
		}
	}
	got := text.String() + a.Data.Content
	for _, want := range []string{"You are Priya Raman", "Team Payments", "On call now", "Your recent scaffold jobs"} {
		if !strings.Contains(got, want) {
			t.Errorf("/callboard me lacks %q:\n%s", want, a.raw)
		}
	}
	if a.Data.Flags&64 == 0 {
		t.Errorf("not ephemeral (flags %d)", a.Data.Flags)
	}
}
