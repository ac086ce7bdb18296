package main

import (
	"bytes"
	"strings"
	"testing"
)

// countingWriter records each Write it is given.
type countingWriter struct{ writes []string }

func (c *countingWriter) Write(p []byte) (int, error) {
	c.writes = append(c.writes, string(p))
	return len(p), nil
}

// A lineBuffer writes nothing until Flush or 64 KiB, and then only whole
// lines, in one write.
func TestLineBufferWritesWholeLinesInOneWrite(t *testing.T) {
	out := &countingWriter{}
	b := &lineBuffer{out: out}
	line := strings.Repeat("x", 99) + "\n"
	for range 10 {
		_, _ = b.Write([]byte(line))
	}
	if len(out.writes) != 0 {
		t.Fatalf("%d writes before Flush", len(out.writes))
	}
	if err := b.Flush(); err != nil || len(out.writes) != 1 || out.writes[0] != strings.Repeat(line, 10) {
		t.Fatalf("Flush: %v, %d writes", err, len(out.writes))
	}
	if err := b.Flush(); err != nil || len(out.writes) != 1 {
		t.Fatalf("an empty Flush wrote: %v, %d writes", err, len(out.writes))
	}
	for range 700 { // 70,000 bytes: one write at 64 KiB, the rest held
		_, _ = b.Write([]byte(line))
	}
	if len(out.writes) != 2 || len(out.writes[1])%100 != 0 || len(out.writes[1]) < 64<<10 {
		t.Fatalf("%d writes, the second %d bytes", len(out.writes), len(out.writes[len(out.writes)-1]))
	}
	_ = b.Flush()
	var all bytes.Buffer
	for _, w := range out.writes {
		all.WriteString(w)
	}
	if all.String() != strings.Repeat(line, 710) {
		t.Fatal("lines lost, repeated or reordered")
	}
}

// The audit log buffered for the process log's output keeps its format
// (text on a terminal, JSON otherwise: here JSON) and its redaction.
func TestAuditLogIsTheProcessLogsFormat(t *testing.T) {
	cfg := defaultConfig()
	cfg.secrets.SlackSigningSecret = "s3cr3t-signing-value"
	var out bytes.Buffer
	m := NewMain(&cfg, newLogger(&out, cfg.Log, cfg.secrets.values()))
	m.logOut = &out
	a := m.auditLog()
	a.Logger.Info("request", "text", "who owns s3cr3t-signing-value")
	if out.Len() != 0 {
		t.Fatal("the audit line was written before Flush")
	}
	if err := a.Flush(); err != nil {
		t.Fatal(err)
	}
	got := out.String()
	if !strings.HasPrefix(got, "{") || !strings.Contains(got, `"log":"audit"`) || strings.Contains(got, "s3cr3t-signing-value") {
		t.Fatalf("audit line %q", got)
	}
}
