package discord

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/callboard/callboard/bot/chat"
)

// GatewayLock is the name of the leader lock that the replica holding the
// Discord gateway holds.
const GatewayLock = "discord-gateway"

// Conn is the gateway connection: *discordgo.Session is one.
type Conn interface {
	Open() error
	Close() error
}

// Gateway states: messages are answered when no gateway loop runs (a caller
// feeding OnMessage itself) or while this replica leads.
const (
	gatewayUnmanaged int32 = iota
	gatewayFollower
	gatewayLeader
)

// Intents are the gateway intents callboard asks for: guild and direct
// messages, the privileged MESSAGE_CONTENT (enable it in the developer
// portal) so prefix commands can be read, and GUILDS, whose GUILD_CREATE
// fills the state with the guild's roles and the bot's member, so a
// mention of the bot's own role is recognised.
const Intents = discordgo.IntentsGuilds | discordgo.IntentsGuildMessages | discordgo.IntentsDirectMessages | discordgo.IntentsMessageContent

// RunGateway holds the Discord gateway while this replica holds the leader
// lock (GatewayLock), answering messages through OnMessage. It gives the
// gateway up when the lease is lost (and competes for it again) and when ctx
// is done, releasing the lease; it returns nil then. conn nil means
// Config.Session, which is configured with Intents and OnMessage.
func (a *Adapter) RunGateway(ctx context.Context, locker chat.Locker, conn Conn) error {
	if conn == nil {
		s := a.cfg.Session
		s.Identify.Intents = Intents
		s.AddHandler(a.OnMessage)
		conn = s
	}
	a.gateway.Store(gatewayFollower)
	defer a.gateway.Store(gatewayUnmanaged)
	backoff := time.Second
	wait := func() bool {
		select {
		case <-ctx.Done():
			return false
		case <-time.After(backoff):
			backoff = min(2*backoff, time.Minute)
			return true
		}
	}
	for {
		lease, err := locker.Acquire(ctx, GatewayLock)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			a.log.Warn("discord: acquiring the gateway lock failed", "err", err)
			if !wait() {
				return nil
			}
			continue
		}
		if err := conn.Open(); err != nil {
			a.log.Error("discord: opening the gateway failed", "err", err)
			a.release(lease)
			if !wait() {
				return nil
			}
			continue
		}
		backoff = time.Second
		a.gateway.Store(gatewayLeader)
		a.log.Info("discord: gateway held", "token", lease.Token())
		select {
		case <-ctx.Done():
		case <-lease.Lost():
			a.log.Warn("discord: leadership lost; closing the gateway")
		}
		a.gateway.Store(gatewayFollower)
		if err := conn.Close(); err != nil {
			a.log.Warn("discord: closing the gateway failed", "err", err)
		}
		a.release(lease)
		if ctx.Err() != nil {
			return nil
		}
	}
}

func (a *Adapter) release(l chat.Lease) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := l.Release(ctx); err != nil {
		a.log.Warn("discord: releasing the gateway lock failed", "err", err)
	}
}

// OnMessage answers a gateway message that mentions the bot, starts with
// the prefix ("!cb who owns X") or is a direct message. Messages from bots
// (itself included) are ignored. It is a discordgo event handler; tests call
// it directly with a session pointed at a fake REST API.
func (a *Adapter) OnMessage(s *discordgo.Session, m *discordgo.MessageCreate) {
	if m == nil || m.Message == nil || m.Author == nil || m.Author.Bot || m.Author.System || m.WebhookID != "" {
		return
	}
	// Only what people write: not joins, pins, boosts, thread notices or
	// the messages that show someone else's slash command.
	if m.Type != discordgo.MessageTypeDefault && m.Type != discordgo.MessageTypeReply {
		return
	}
	if a.gateway.Load() == gatewayFollower {
		return
	}
	self := ""
	if s != nil && s.State != nil && s.State.User != nil {
		self = s.State.User.ID
	}
	if self != "" && m.Author.ID == self {
		return
	}
	if resp := chat.TextTooLong(m.Content); resp != nil {
		// Too long to read: answer only a message that is plainly for the
		// bot (a DM, or one naming it), without parsing it.
		if m.GuildID == "" || (self != "" && strings.Contains(m.Content, "<@"+self+">")) {
			a.log.Warn("discord: message over the command limit; not read", "channel", m.ChannelID, "message", m.ID, "bytes", len(m.Content))
			if s == nil {
				s = a.cfg.Session
			}
			ctx, cancel := context.WithTimeout(a.ctx, a.cfg.TokenLife)
			defer cancel()
			if _, err := s.ChannelMessageSendComplex(m.ChannelID, a.send(resp, m.Reference()), discordgo.WithContext(ctx)); err != nil {
				a.log.Error("discord: replying to a message failed", "err", err, "channel", m.ChannelID, "message", m.ID)
			}
		}
		return
	}
	content := othersNamed(m.Message, self)
	if role := ownRoleMentioned(s, m.Message, self); role != "" {
		content = strings.ReplaceAll(content, "<@&"+role+">", "<@"+self+">")
	}
	text, ok := addressed(content, self, a.cfg.Prefix, m.GuildID == "")
	if !ok {
		return
	}
	ctx, cancel := context.WithTimeout(a.ctx, a.cfg.TokenLife)
	defer cancel()
	// Its own key: the Router's dedupe middleware uses "discord:"+DeliveryID.
	if first, err := a.dedupe.FirstSeen(ctx, "discord:adapter:message:"+m.ID, replayTTL); err == nil && !first {
		return
	}
	name := m.Author.GlobalName
	if m.Member != nil && m.Member.Nick != "" {
		name = m.Member.Nick
	}
	if name == "" {
		name = m.Author.Username
	}
	req := &chat.Request{Text: text, Platform: chat.PlatformDiscord, Channel: m.ChannelID, DeliveryID: "message:" + m.ID,
		User:     chat.User{Platform: chat.PlatformDiscord, ID: m.Author.ID, Name: name, Team: m.GuildID},
		Received: a.cfg.Now()}
	resp := a.answer(ctx, req)
	if s == nil {
		s = a.cfg.Session
	}
	sent, err := s.ChannelMessageSendComplex(m.ChannelID, a.send(resp, m.Reference()), discordgo.WithContext(ctx))
	if err != nil {
		a.log.Error("discord: replying to a message failed", "err", err, "channel", m.ChannelID, "message", m.ID)
		return
	}
	if resp.Follow == nil {
		return
	}
	err = resp.Follow(ctx, func(next *chat.Response) error {
		w := wire(a.render.render(next)[0])
		edit := &discordgo.MessageEdit{ID: sent.ID, Channel: sent.ChannelID, Content: &w.Content, Embeds: &w.Embeds,
			Components: &w.Components, AllowedMentions: noMentions}
		if _, err := s.ChannelMessageEditComplex(edit, discordgo.WithContext(ctx)); err != nil {
			return fmt.Errorf("edit reply: %w", err)
		}
		return nil
	})
	if err != nil {
		w := wire(a.render.render(chat.FollowUpFailed(ctx, a.log, err, "platform", "discord", "channel", m.ChannelID, "message", m.ID))[0])
		edit := &discordgo.MessageEdit{ID: sent.ID, Channel: sent.ChannelID, Content: &w.Content, Embeds: &w.Embeds,
			Components: &w.Components, AllowedMentions: noMentions}
		if _, err := s.ChannelMessageEditComplex(edit, discordgo.WithContext(context.WithoutCancel(ctx))); err != nil {
			a.log.Error("discord: reporting the failure failed", "err", err, "channel", m.ChannelID, "message", m.ID)
		}
	}
}

// send is the first part of resp as a reply to ref. Gateway replies cannot
// be ephemeral; they are posted in the channel.
func (a *Adapter) send(resp *chat.Response, ref *discordgo.MessageReference) *discordgo.MessageSend {
	w := wire(a.render.render(resp)[0])
	return &discordgo.MessageSend{Content: w.Content, Embeds: w.Embeds, Components: w.Components, Reference: ref,
		AllowedMentions: noMentions}
}

// addressed reports whether content is meant for the bot and returns the
// command in it: after a mention of the bot (<@ID> or <@!ID>), after the
// prefix, or the whole of a direct message.
func addressed(content, self, prefix string, direct bool) (string, bool) {
	c := strings.TrimSpace(content)
	if self != "" {
		mentioned := false
		for _, tok := range []string{"<@" + self + ">", "<@!" + self + ">"} {
			if strings.Contains(c, tok) {
				mentioned = true
				c = strings.ReplaceAll(c, tok, " ")
			}
		}
		if mentioned {
			return strings.Join(strings.Fields(c), " "), true
		}
	}
	if prefix != "" && len(c) >= len(prefix) && strings.EqualFold(c[:len(prefix)], prefix) {
		rest := c[len(prefix):]
		if rest == "" || rest[0] == ' ' || rest[0] == '\t' || rest[0] == '\n' {
			return strings.TrimSpace(rest), true
		}
	}
	if direct && c != "" {
		return c, true
	}
	return "", false
}

// othersNamed is a message's content with the mentions of people other
// than the bot written as @username, as they were typed; the bot's own
// mention is left for addressed to find.
func othersNamed(m *discordgo.Message, self string) string {
	c := m.Content
	for _, u := range m.Mentions {
		if u == nil || u.ID == "" || u.ID == self || u.Username == "" {
			continue
		}
		c = strings.NewReplacer("<@"+u.ID+">", "@"+u.Username, "<@!"+u.ID+">", "@"+u.Username).Replace(c)
	}
	return c
}

// ownRoleMentioned returns the bot's own role when the message mentions it
// instead of the bot: Discord gives a bot a managed role of the same name,
// and people often pick it from the mention list. It is known from the
// gateway's state (the guild's roles and the bot's member); "" without it.
func ownRoleMentioned(s *discordgo.Session, m *discordgo.Message, self string) string {
	if s == nil || s.State == nil || self == "" || m.GuildID == "" || len(m.MentionRoles) == 0 {
		return ""
	}
	me, err := s.State.Member(m.GuildID, self)
	if err != nil || me == nil {
		return ""
	}
	for _, id := range m.MentionRoles {
		role, err := s.State.Role(m.GuildID, id)
		if err != nil || role == nil || !role.Managed {
			continue
		}
		for _, mine := range me.Roles {
			if mine == id {
				return id
			}
		}
	}
	return ""
}
