package web

import (
	"context"
	"net/http"
	"time"

	"github.com/atrium-mlops/atrium/internal/web/respond"
)

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	respond.JSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// readyz reports whether the database answers within a second.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), time.Second)
	defer cancel()
	if err := s.db.Ping(ctx); err != nil {
		s.fail(w, r, err)
		return
	}
	respond.JSON(w, http.StatusOK, map[string]string{"status": "ready", "database": s.db.Dialect()})
}
