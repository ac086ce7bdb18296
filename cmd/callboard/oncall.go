package main

import (
	"fmt"

	"github.com/callboard/callboard/adapters/opsgenie"
	"github.com/callboard/callboard/adapters/pagerduty"
	"github.com/callboard/callboard/bot"
)

// pagingFrom sets o's on-call source from the configuration: PagerDuty when
// PAGERDUTY_TOKEN (or oncall.pagerduty.secret_file) is set, Opsgenie when
// OPSGENIE_API_KEY (or oncall.opsgenie.secret_file) is; both when both are.
func (o *AppOptions) pagingFrom(cfg *Config) error {
	var tools bot.OnCalls
	if tok := cfg.secrets.PagerDutyToken; tok != "" {
		c, err := pagerduty.New(pagerduty.Options{Token: tok, APIURL: cfg.OnCall.PagerDuty.APIURL})
		if err != nil {
			return fmt.Errorf("oncall.pagerduty: %w", err)
		}
		tools = append(tools, c)
	}
	if key := cfg.secrets.OpsgenieAPIKey; key != "" {
		c, err := opsgenie.New(opsgenie.Options{APIKey: key, APIURL: cfg.OnCall.Opsgenie.APIURL})
		if err != nil {
			return fmt.Errorf("oncall.opsgenie: %w", err)
		}
		tools = append(tools, c)
	}
	o.OnCallTTL, o.OnCallTimeout = cfg.OnCall.CacheTTL, cfg.OnCall.Timeout
	switch len(tools) {
	case 0:
	case 1:
		o.OnCall = tools[0]
	default:
		o.OnCall = tools
	}
	return nil
}
