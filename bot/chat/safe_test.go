package chat

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

func TestPublicTextTakesOutAddressesAndTokens(t *testing.T) {
	tests := []struct{ in, want string }{
		{`Post "http://127.0.0.1:41234/api/views.open": context deadline exceeded`, "context deadline exceeded"},
		{"dial tcp 10.0.3.7:6379: connect: connection refused", "connect: connection refused"},
		{"write tree: POST http://127.0.0.1:43423/api/v3/repos/a/b/git/trees: 422 bad tree []", "write tree: 422 bad tree"},
		{"GitHub said ghp_ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 is bad", "GitHub said [redacted] is bad"},
		{"see http://localhost:9000/debug or 192.168.1.4:80", "see [internal address] or [internal address]"},
		{"lookup redis.internal on 10.0.0.2:53: no such host", "no such host"},
		{"repository https://github.com/acme/x exists", "repository https://github.com/acme/x exists"},
		{"plain sentence.", "plain sentence."},
	}
	for _, tc := range tests {
		if got := PublicText(tc.in); got != tc.want {
			t.Errorf("PublicText(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestErrorResponseShowsOnlyThePublicMessageAndLogsTheCause(t *testing.T) {
	cause := fmt.Errorf(`Post "http://127.0.0.1:8080/x": token xoxb-1234567890-abcdef leaked`)
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	for _, tc := range []struct {
		err  error
		want string
	}{
		{cause, "Something went wrong answering that"},
		{fmt.Errorf("wrapped: %w", NewUserError("The repository already exists.", cause)), "The repository already exists."},
		{context.DeadlineExceeded, "That took longer than allowed"},
	} {
		resp := ErrorResponse(context.Background(), log, tc.err)
		if !strings.HasPrefix(resp.Text, tc.want) || resp.Status != StatusError || !strings.Contains(resp.Text, "(reference ") {
			t.Errorf("answer %q, want it to start %q and name a reference", resp.Text, tc.want)
		}
		if strings.Contains(resp.Text, "127.0.0.1") || strings.Contains(resp.Text, "xoxb") {
			t.Errorf("the cause reached the answer: %q", resp.Text)
		}
		ref := resp.Text[strings.LastIndex(resp.Text, "reference ")+10 : len(resp.Text)-1]
		if !strings.Contains(logs.String(), "error_ref="+ref) {
			t.Errorf("the log has no line with reference %s:\n%s", ref, logs.String())
		}
	}
	if !strings.Contains(logs.String(), "127.0.0.1:8080") {
		t.Error("the log lost the cause")
	}
	var ue *UserError
	if !errors.As(fmt.Errorf("x: %w", NewUserError("m", cause)), &ue) || !errors.Is(ue, ue.Cause) {
		t.Error("UserError does not unwrap")
	}
}

func TestRedactingCoversAnswersAndFollowUps(t *testing.T) {
	r := NewRouter(RouterOptions{})
	tok := "ghp_ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	r.MustRegister(Command{Name: "leak", Handler: HandlerFunc(func(ctx context.Context, req *Request) (*Response, error) {
		return &Response{Title: "t " + tok, Text: "secret-value-42", Fields: []Field{{Name: "f", Value: tok}},
			Sections: []Section{{Items: []Item{{Text: tok, Detail: tok}}}},
			Follow: func(ctx context.Context, update func(*Response) error) error {
				return update(&Response{Text: "done " + tok})
			}}, nil
	})})
	r.Use(Redacting(Redactor{"secret-value-42"}.Text))
	resp, err := r.Handle(context.Background(), &Request{Text: "leak"})
	if err != nil {
		t.Fatal(err)
	}
	var all []string
	_ = resp.Follow(context.Background(), func(x *Response) error { all = append(all, x.Text); return nil })
	all = append(all, resp.Title, resp.Text, resp.Fields[0].Value, resp.Sections[0].Items[0].Text, resp.Sections[0].Items[0].Detail)
	for _, s := range all {
		if strings.Contains(s, "ghp_") || strings.Contains(s, "secret-value-42") || !strings.Contains(s, "[redacted]") {
			t.Errorf("not redacted: %q", s)
		}
	}
}
