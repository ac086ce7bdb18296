package githubtest

import (
	"encoding/base64"
	"net/http"
)

// getBlob answers GET /repos/{owner}/{repo}/git/blobs/{sha} as GitHub does:
// the content in base64 (wrapped at 60 characters, as GitHub sends it), its
// size, and an ETag.
func (s *Server) getBlob(sha string) func(rp *reply, req *http.Request, b []byte, r *repo) {
	return func(rp *reply, req *http.Request, b []byte, r *repo) {
		const doc = "/git/blobs#get-a-blob"
		data, ok := r.blobs[sha]
		if !ok {
			rp.err(404, "Not Found", doc)
			return
		}
		enc := base64.StdEncoding.EncodeToString(data)
		wrapped := make([]byte, 0, len(enc)+len(enc)/60+1)
		for len(enc) > 60 {
			wrapped = append(wrapped, enc[:60]...)
			wrapped = append(wrapped, '\n')
			enc = enc[60:]
		}
		wrapped = append(wrapped, enc...)
		wrapped = append(wrapped, '\n')
		s.conditional(rp, req, 200, map[string]any{
			"sha": sha, "size": len(data), "encoding": "base64", "content": string(wrapped),
			"url": s.URL + "/repos/" + r.owner + "/" + r.name + "/git/blobs/" + sha,
		})
	}
}
