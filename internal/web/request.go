package web

import (
	"net/http"

	"github.com/atrium-mlops/atrium/internal/atrium"
	"github.com/atrium-mlops/atrium/internal/store"
	"github.com/atrium-mlops/atrium/internal/web/respond"
)

// What the handlers still in this package read from a request; see package
// respond.

func actor(r *http.Request) atrium.Actor { return respond.Actor(r) }

func pageRequest(r *http.Request) (atrium.PageRequest, error) { return respond.PageOf(r) }

func auditFilter(r *http.Request) (store.AuditFilter, error) { return respond.AuditFilter(r) }
