package main

import (
	"time"

	"github.com/callboard/callboard/bot"
	"github.com/callboard/callboard/bot/chat"
)

// wireDigest runs the per-team health digest (health.digest) when Slack
// can post (a bot token): on every replica, each scheduled time posted
// once, through the Redis lock and state when Redis is configured, else
// in memory (one process).
func (s *Main) wireDigest() error {
	d := s.cfg.Health.Digest
	if d.Enabled != nil && !*d.Enabled {
		return nil
	}
	if s.slack == nil || s.cfg.secrets.SlackBotToken == "" {
		if d.Enabled != nil {
			s.log.Warn("health.digest is enabled but Slack has no bot token (SLACK_BOT_TOKEN or slack.bot_token_file): no digests are posted")
		}
		return nil
	}
	sched, err := bot.ParseSchedule(d.Schedule)
	if err != nil {
		return err // config validation names it at file:line
	}
	loc, err := time.LoadLocation(d.Timezone)
	if err != nil {
		return err
	}
	dg := &bot.Digest{Catalog: catalogView{s.app}, Reports: s.app.Health, Poster: s.slack,
		Schedule: sched, Location: loc, Redact: chat.Redactor(s.cfg.secrets.values()).Text, Logger: s.log.With("component", "health-digest")}
	if s.redis != nil {
		dg.Locker, dg.State = s.redis.Locker, s.redis.Stash
	} else {
		st := chat.NewMemoryStash()
		st.Max = 1 << 20 // one entry per team, never evicted
		dg.Locker, dg.State = chat.NewMemoryLocker(), st
	}
	s.digest = dg
	s.background = append(s.background, dg.Run)
	s.log.Info("health digest scheduled", "schedule", d.Schedule, "timezone", d.Timezone)
	return nil
}
