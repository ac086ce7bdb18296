// Package alertmanager receives Prometheus Alertmanager's webhook
// notifications (payload version 4) at /alertmanager/webhook, checks the
// bearer token Alertmanager sends with http_config.authorization, and hands
// each notification to bot as a bot.AlertGroup.
//
// It depends on bot and internal/webhook (the POST and bounded body every
// webhook reads); bot never imports it. The token is never logged.
package alertmanager
