// Package health checks a catalog Snapshot against rules that keep a
// catalog honest — every entity owned by a team that exists and has people
// in it, production components that can be paged, have a runbook and docs,
// APIs with a definition, teams with a channel — and scores the result, for
// the whole organisation and per team.
//
// Each Rule has an id, a plain explanation and a default Severity; Config
// turns rules off or changes their severity (callboard.yaml's health.rules).
// Check runs once over the snapshot and returns a Report: the findings,
// the score, per-rule and per-team counts; Report.For narrows it to some
// teams, and TeamState and Diff say what changed for a team between two
// reports (the digest).
//
// It depends on package catalog and the standard library only: nothing here
// knows of chat platforms, GitHub or Redis.
package health
