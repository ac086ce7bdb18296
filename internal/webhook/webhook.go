package webhook

import (
	"errors"
	"fmt"
	"io"
	"net/http"
)

// Refusal is why a request is refused: the HTTP status, a short reason
// (a metrics label, a log field) and the message written back.
type Refusal struct {
	Status int
	Reason string
	Msg    string
}

// Post refuses a request that is not a POST (405, with Allow: POST).
func Post(w http.ResponseWriter, r *http.Request) *Refusal {
	if r.Method == http.MethodPost {
		return nil
	}
	w.Header().Set("Allow", http.MethodPost)
	return &Refusal{Status: http.StatusMethodNotAllowed, Reason: "method", Msg: "POST only"}
}

// ReadBody reads r's body, at most max bytes: a longer one is refused
// with 413, one that cannot be read with 400.
func ReadBody(w http.ResponseWriter, r *http.Request, max int64) ([]byte, *Refusal) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, max))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, &Refusal{Status: http.StatusRequestEntityTooLarge, Reason: "size", Msg: fmt.Sprintf("body over %d bytes", max)}
		}
		return nil, &Refusal{Status: http.StatusBadRequest, Reason: "read", Msg: "cannot read the body"}
	}
	return body, nil
}

// ReadPost is Post, then ReadBody.
func ReadPost(w http.ResponseWriter, r *http.Request, max int64) ([]byte, *Refusal) {
	if no := Post(w, r); no != nil {
		return nil, no
	}
	return ReadBody(w, r, max)
}
