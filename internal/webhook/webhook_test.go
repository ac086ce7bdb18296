package webhook

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, errors.New("connection reset") }

func TestReadPostRefusesWhatIsNotABoundedPost(t *testing.T) {
	cases := []struct {
		name   string
		req    *http.Request
		status int
		reason string
	}{
		{"get", httptest.NewRequest(http.MethodGet, "/", nil), http.StatusMethodNotAllowed, "method"},
		{"too big", httptest.NewRequest(http.MethodPost, "/", strings.NewReader(strings.Repeat("x", 11))), http.StatusRequestEntityTooLarge, "size"},
		{"unreadable", httptest.NewRequest(http.MethodPost, "/", failingReader{}), http.StatusBadRequest, "read"},
	}
	for _, c := range cases {
		w := httptest.NewRecorder()
		body, no := ReadPost(w, c.req, 10)
		if no == nil || no.Status != c.status || no.Reason != c.reason || body != nil {
			t.Errorf("%s: refusal %+v, body %q", c.name, no, body)
		}
		if c.status == http.StatusMethodNotAllowed && w.Header().Get("Allow") != http.MethodPost {
			t.Errorf("%s: Allow %q", c.name, w.Header().Get("Allow"))
		}
	}
	body, no := ReadPost(httptest.NewRecorder(), httptest.NewRequest(http.MethodPost, "/", strings.NewReader("0123456789")), 10)
	if no != nil || string(body) != "0123456789" {
		t.Fatalf("a body at the bound: %+v %q", no, body)
	}
}
