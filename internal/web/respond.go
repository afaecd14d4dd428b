package web

import (
	"errors"
	"net/http"

	"github.com/atrium-mlops/atrium/internal/mlflow"

	"github.com/atrium-mlops/atrium/internal/web/respond"
)

// MaxBodyBytes bounds every request body.
const MaxBodyBytes = respond.MaxBodyBytes

// Problem is an RFC 9457 problem document; see package respond.
type Problem = respond.Problem

// fail reports err to the client: problem+json under /api/, an error page
// elsewhere.
// MLflow's API answers with MLflow's error body instead.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	if mlflow.IsPath(r) {
		if errors.Is(err, errNoRoute) {
			s.mlflow.NotFound(w, r)
			return
		}
		mlflow.Fail(w, r, s.log, err)
		return
	}
	s.resp.Fail(w, r, err)
}
