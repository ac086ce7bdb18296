package redis

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"time"

	goredis "github.com/redis/go-redis/v9"
)

// Channel is a pub/sub channel between the replicas that works alike on a
// single node, through Sentinel and on a Cluster.
//
// On a Cluster it is a sharded channel (SPUBLISH and SSUBSCRIBE, Redis 7):
// publisher and subscribers meet on the master of the channel's slot, so
// Publish's count is every subscriber. A classic PUBLISH there is broadcast
// to every node but counts only the subscribers of the node that took it,
// so "0 receivers" would not mean "nobody listens". A Cluster that does not
// know the sharded commands (Redis 6) gets classic pub/sub.
type Channel struct {
	C    goredis.UniversalClient
	Name string
}

func (ch Channel) sharded() bool { return clusterOf(ch.C) != nil }

// isUnknownCommand is a server without the sharded commands.
func isUnknownCommand(err error) bool {
	return err != nil && strings.Contains(strings.ToLower(err.Error()), "unknown command")
}

// Publish sends msg and returns how many subscribers received it.
func (ch Channel) Publish(ctx context.Context, msg any) (int64, error) {
	if ch.sharded() {
		n, err := ch.C.SPublish(ctx, ch.Name, msg).Result()
		if !isUnknownCommand(err) {
			return n, err
		}
	}
	return ch.C.Publish(ctx, ch.Name, msg).Result()
}

// Subscribe subscribes and waits until Redis confirms it, so a message
// published after it returns is received.
func (ch Channel) Subscribe(ctx context.Context) (*Subscription, error) {
	sub, err := ch.subscribe(ctx, ch.sharded())
	if isUnknownCommand(err) {
		sub, err = ch.subscribe(ctx, false)
	}
	if err != nil {
		return nil, err
	}
	s := &Subscription{ps: sub, name: ch.Name, msgs: make(chan string, 64), done: make(chan struct{})}
	rctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	s.cancel = cancel
	go func() {
		select {
		case <-ctx.Done():
			s.Close()
		case <-s.done:
		}
	}()
	go s.receive(rctx)
	return s, nil
}

func (ch Channel) subscribe(ctx context.Context, sharded bool) (*goredis.PubSub, error) {
	var sub *goredis.PubSub
	if sharded {
		sub = ch.C.SSubscribe(ctx, ch.Name)
	} else {
		sub = ch.C.Subscribe(ctx, ch.Name)
	}
	if _, err := sub.Receive(ctx); err != nil {
		_ = sub.Close()
		return nil, fmt.Errorf("redis subscribe %s: %w", ch.Name, err)
	}
	return sub, nil
}

// Subscription is a subscribed Channel. Its Messages end when the context
// given to Subscribe is done, on Close, when the connection is lost, or on a
// Cluster when the server drops the subscription (the channel's slot moved
// to another master): subscribe again then, and catch up on what may have
// been missed.
type Subscription struct {
	ps     *goredis.PubSub
	name   string
	msgs   chan string
	done   chan struct{}
	cancel context.CancelFunc
	once   sync.Once
	err    error
}

// Messages delivers each payload published; it is closed when the
// subscription ends.
func (s *Subscription) Messages() <-chan string { return s.msgs }

// Err is why the subscription ended (nil after Close).
func (s *Subscription) Err() error {
	<-s.done
	return s.err
}

// Close ends the subscription.
func (s *Subscription) Close() {
	s.once.Do(func() {
		s.cancel()
		_ = s.ps.Close()
	})
}

// idle is how long a subscription waits for a message before it pings the
// server to learn whether the connection still stands.
const idle = 15 * time.Second

func (s *Subscription) receive(ctx context.Context) {
	defer close(s.done)
	defer close(s.msgs)
	defer s.Close()
	pinged := false
	for {
		m, err := s.ps.ReceiveTimeout(ctx, idle)
		if ctx.Err() != nil {
			return
		}
		var ne net.Error
		if err != nil && errors.As(err, &ne) && ne.Timeout() && !pinged {
			pinged = true
			if err := s.ps.Ping(ctx); err == nil {
				continue
			}
		}
		if err != nil {
			s.err = fmt.Errorf("redis subscription %s: %w", s.name, err)
			return
		}
		pinged = false
		switch m := m.(type) {
		case *goredis.Message:
			select {
			case s.msgs <- m.Payload:
			case <-ctx.Done():
				return
			}
		case *goredis.Subscription:
			if (m.Kind == "sunsubscribe" || m.Kind == "unsubscribe") && m.Channel == s.name {
				s.err = fmt.Errorf("redis subscription %s: dropped by the server (%s)", s.name, m.Kind)
				return
			}
		}
	}
}

// Listen subscribes and calls f with each message, until ctx is done (its
// error) or the subscription ends (the subscription's error).
func (ch Channel) Listen(ctx context.Context, f func(msg string)) error {
	sub, err := ch.Subscribe(ctx)
	if err != nil {
		return err
	}
	defer sub.Close()
	msgs := sub.Messages()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case m, ok := <-msgs:
			if !ok {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				return sub.Err()
			}
			f(m)
		}
	}
}
