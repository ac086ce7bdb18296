// Package alertmanager receives Prometheus Alertmanager's webhook
// notifications (payload version 4) at /alertmanager/webhook, checks the
// bearer token Alertmanager sends with http_config.authorization, and hands
// each notification to bot as a bot.AlertGroup.
//
// It depends on bot only; bot never imports it. The token is never logged.
package alertmanager
