package web

import (
	"net/http"

	"github.com/atrium-mlops/atrium/internal/web/respond"
)

// MaxBodyBytes bounds every request body.
const MaxBodyBytes = respond.MaxBodyBytes

// Problem is an RFC 9457 problem document; see package respond.
type Problem = respond.Problem

// fail reports err to the client: problem+json under /api/, an error page
// elsewhere.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) { s.resp.Fail(w, r, err) }
