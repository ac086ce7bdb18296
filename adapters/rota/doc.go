// Package rota is an on-call source read from a small schedule file: weekly
// (or any length) rotations of people by email, matched to catalog entities
// by their paging annotations. It implements bot.OnCall, the interface
// PagerDuty and Opsgenie implement, so the embedded example organisation
// names a person on call with no paging tool configured; its answers are
// labelled as example data when the file says it is.
//
// It depends on bot and yaml.v3, never on a chat platform or a network.
package rota
