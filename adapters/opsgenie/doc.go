// Package opsgenie tells who is on call now for a catalog entity's Opsgenie
// team (opsgenie.com/team), through Opsgenie's REST API v2: the schedules the
// team owns, then each schedule's Who-is-on-call (current and next
// recipients) and its timeline for when the shift ends. A thin client of our
// own; it implements bot.OnCall. Requests carry "Authorization: GenieKey …";
// the key never reaches an error or a log line.
//
// It depends on bot only.
package opsgenie
