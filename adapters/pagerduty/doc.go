// Package pagerduty tells who is on call now for a catalog entity's
// PagerDuty service, through PagerDuty's REST API v2 and its own Go client
// (github.com/PagerDuty/go-pagerduty): the service (by
// pagerduty.com/service-id, or found by pagerduty.com/integration-key), its
// escalation policy, then /oncalls for that policy with users included. It
// implements bot.OnCall.
//
// webhook.go receives PagerDuty's webhooks v3 (incident triggered,
// acknowledged, resolved) verified by X-PagerDuty-Signature, as bot.AlertGroups.
//
// It depends on bot, go-pagerduty and internal/webhook (the POST and bounded
// body every webhook reads); bot never imports it. The token goes
// only into the Authorization header, never into an error or a log line.
package pagerduty
