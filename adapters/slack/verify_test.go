package slack

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/callboard/callboard/internal/loadgen"
	"github.com/slack-go/slack"
)

// signer.verify passes and refuses what slack.NewSecretsVerifier and
// Ensure do, with the same errors, the pooled HMAC reused across calls.
func TestSignerVerifiesAsSlackGo(t *testing.T) {
	s := newSigner(testSecret)
	now := time.Now().Unix()
	ts := strconv.FormatInt(now, 10)
	body := []byte("command=%2Fcallboard&text=who+owns+payments-api&trigger_id=1.2.3")
	good := loadgen.Sign(testSecret, ts, body)
	stale := strconv.FormatInt(now-6*60, 10)
	ahead := strconv.FormatInt(now+6*60, 10)
	hexsig := strings.TrimPrefix(good, "v0=")
	cases := []struct {
		sig, ts string
		body    []byte
	}{
		{good, ts, body},
		{good, ts, append([]byte("x"), body...)},
		{good, ts, nil},
		{loadgen.Sign(testSecret, ts, nil), ts, nil},
		{loadgen.Sign("other-secret", ts, body), ts, body},
		{loadgen.Sign(testSecret, stale, body), stale, body},
		{loadgen.Sign(testSecret, ahead, body), ahead, body},
		{loadgen.Sign(testSecret, strconv.FormatInt(now-4*60, 10), body), strconv.FormatInt(now-4*60, 10), body},
		{"", ts, body}, {good, "", body}, {"", "", body},
		{hexsig, ts, body}, {"v1=" + hexsig, ts, body}, {"V0=" + hexsig, ts, body},
		{"v0=" + strings.ToUpper(hexsig), ts, body},
		{"v0=" + hexsig[:63], ts, body}, {"v0=" + hexsig + "0", ts, body}, {"v0=" + hexsig[:62], ts, body},
		{"v0=" + hexsig + "00", ts, body}, {"v0=" + hexsig[:62] + "zz", ts, body}, {"v0=" + hexsig[:63] + "z", ts, body},
		{"v0=zz" + hexsig[2:] + "0", ts, body}, {"v0=" + hexsig[:32], ts, body}, {"v0=", ts, body},
		{good, ts + "x", body}, {good, "-" + ts, body}, {good, " " + ts, body}, {good, "99999999999999999999", body},
	}
	for i, c := range cases {
		h := http.Header{}
		if c.sig != "" {
			h.Set("X-Slack-Signature", c.sig)
		}
		if c.ts != "" {
			h.Set("X-Slack-Request-Timestamp", c.ts)
		}
		var wantBad, wantMismatch error
		sv, err := slack.NewSecretsVerifier(h, testSecret)
		if err != nil {
			wantBad = err
		} else {
			_, _ = sv.Write(c.body)
			wantMismatch = sv.Ensure()
		}
		for round := 0; round < 2; round++ { // a fresh HMAC, then one from the pool
			bad, mismatch := s.verify(h, c.body)
			if fmt.Sprint(bad) != fmt.Sprint(wantBad) || fmt.Sprint(mismatch) != fmt.Sprint(wantMismatch) {
				t.Errorf("case %d (%q, %q): verify = %v, %v; slack-go %v, %v", i, c.sig, c.ts, bad, mismatch, wantBad, wantMismatch)
			}
		}
	}
	if bad, mismatch := s.verify(http.Header{"X-Slack-Signature": {good}, "X-Slack-Request-Timestamp": {ts}}, body); bad != nil || mismatch != nil {
		t.Fatalf("a good signature refused: %v %v", bad, mismatch)
	}
}
