// Package loadgen measures callboard's HTTP request path: a load generator
// that sends Slack slash commands signed as Slack signs them (v0
// HMAC-SHA256), and the "floor" server, which does only what any Slack
// endpoint must (read the body, check the signature, write a fixed reply),
// so that what callboard adds is measured against it in one run.
//
// It is internal and used by `callboard bench` and benchmarks only; no
// serving path imports it. It depends on the standard library alone.
package loadgen
