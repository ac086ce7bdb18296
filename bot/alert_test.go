package bot_test

import (
	"context"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/callboard/callboard/bot"
	"github.com/callboard/callboard/catalog"
	"github.com/callboard/callboard/examples"
)

func TestAlertsMapToEntities(t *testing.T) {
	res := catalog.LoadFS(context.Background(), examples.FS, []string{examples.Root}, catalog.LoadOptions{Source: "files"})
	org := catalog.Build(res)
	k8s := catalog.Build(catalog.LoadFS(context.Background(), fstest.MapFS{"c.yaml": {Data: []byte(`apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: ledger-writer
  annotations:
    backstage.io/kubernetes-id: ledger-writer-prod
spec: {type: service, lifecycle: production, owner: group:default/ledger}
`)}}, []string{"c.yaml"}, catalog.LoadOptions{Source: "files"}))
	for _, c := range []struct {
		name  string
		s     *catalog.Snapshot
		r     bot.AlertRouting
		g     bot.AlertGroup
		want  string // entity ref, "" for none
		tried string // in Tried when none
	}{
		{"entity ref label wins", org, bot.AlertRouting{}, group(map[string]string{"backstage_entity": "component:default/payments-api", "service": "ledger"}), "component:default/payments-api", ""},
		{"a bare name in the ref label is a component", org, bot.AlertRouting{}, group(map[string]string{"backstage_entity": "ledger"}), "component:default/ledger", ""},
		{"first label that names an entity", org, bot.AlertRouting{}, group(map[string]string{"service": "nope", "app": "checkout", "job": "ledger"}), "component:default/checkout", ""},
		{"kubernetes-id", k8s, bot.AlertRouting{}, group(map[string]string{"app_kubernetes_io_name": "ledger-writer-prod"}), "component:default/ledger-writer", ""},
		{"configured labels only", org, bot.AlertRouting{Labels: []string{"team_service"}}, group(map[string]string{"service": "ledger", "team_service": "auth-service"}), "component:default/auth-service", ""},
		{"pagerduty service id", org, bot.AlertRouting{}, bot.AlertGroup{ServiceID: "PIDN5TS"}, "component:default/auth-service", ""},
		{"nothing", org, bot.AlertRouting{}, group(map[string]string{"job": "node", "instance": "10.0.0.1:9100"}), "", "job=node"},
	} {
		m := bot.MatchAlert(c.s, c.r, &c.g)
		got := ""
		if m.Entity != nil {
			got = m.Entity.Ref().String()
		}
		if got != c.want {
			t.Errorf("%s: matched %q (%s), want %q", c.name, got, m.By, c.want)
		}
		if c.tried != "" && !strings.Contains(strings.Join(m.Tried, " "), c.tried) {
			t.Errorf("%s: tried %v, want %s among them", c.name, m.Tried, c.tried)
		}
	}
}

func group(labels map[string]string) bot.AlertGroup {
	return bot.AlertGroup{Source: bot.AlertSourceAlertmanager, Key: "k", Status: bot.AlertFiring, Alerts: []bot.Alert{{Name: "X", Status: bot.AlertFiring, Labels: labels}}}
}
