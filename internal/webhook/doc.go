// Package webhook is what callboard's inbound webhooks (Alertmanager,
// PagerDuty, GitHub) share before each checks its own sender: a POST only,
// and its body read within a bound, each refusal with the status a sender
// understands (405 with Allow, 413, 400) and a reason to count it by.
//
// It depends on the standard library alone; the webhook adapters import it.
package webhook
