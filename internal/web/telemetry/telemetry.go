// Package telemetry serves what a use case's models report back: the
// ingestion endpoints that take predictions, outcomes and feedback from an
// ingestion key (and OpenTelemetry trace exports), the API that manages
// keys, the privacy policy and the high-risk flag and reads predictions and
// aggregates back, and the use case's Telemetry page. It imports no other
// feature of package web.
package telemetry

import (
	"context"
	"embed"
	"html/template"
	"net/url"
	"time"

	"github.com/atrium-mlops/atrium/internal/atrium"
	"github.com/atrium-mlops/atrium/internal/ingest"
	"github.com/atrium-mlops/atrium/internal/store"
	domain "github.com/atrium-mlops/atrium/internal/telemetry"
	"github.com/atrium-mlops/atrium/internal/web/render"
	"github.com/atrium-mlops/atrium/internal/web/respond"
)

//go:embed templates
var files embed.FS

// Handlers serves the ingestion endpoints, the telemetry API and page.
type Handlers struct {
	*respond.Responder // Fail, Reply
	*render.Views      // Frame, Render; loaded with Pages
	DB                 *store.DB
	// Ingester takes accepted events to the store; nil answers every
	// ingestion route 503.
	Ingester *ingest.Ingester
	// Gate bounds the ingestion requests decoded at once, so that memory
	// stays flat when more clients send than the server can take.
	Gate *ingest.Gate
	// Now is the clock events are checked against; nil for time.Now.
	Now func() time.Time
}

// Pages are this package's page templates, functions and notices;
// render.Load must be given them before Handlers can render.
func Pages() render.Pages {
	return render.Pages{FS: files, Glob: "templates/pages/*.html", Funcs: funcs(), Notices: notices}
}

// notices are the confirmations shown after this package's redirects.
var notices = map[string]string{
	"key-revoked":   "Ingestion key revoked. Clients that send it are refused from now on.",
	"policy-saved":  "Privacy policy saved. It applies to events accepted from now on.",
	"risk-high":     "The use case is now marked high-risk.",
	"risk-standard": "The use case is no longer marked high-risk.",
}

func funcs() template.FuncMap {
	return template.FuncMap{
		"telemetryPath": TelemetryPath,
		"num":           formatFloat,
		"join":          joinLines,
	}
}

// TelemetryPath is the address of a use case's Telemetry page.
func TelemetryPath(slug string) string { return render.UseCasePath(slug) + "/telemetry" }

// apiPath is the API address of something below a use case.
func apiPath(slug string, rest ...string) string {
	p := "/api/v1/usecases/" + url.PathEscape(slug)
	for _, r := range rest {
		p += "/" + url.PathEscape(r)
	}
	return p
}

func (h *Handlers) now() time.Time {
	if h.Now != nil {
		return h.Now()
	}
	return time.Now()
}

// scopeKey carries the ingestion key's scope in a request's context.
type scopeKey struct{}

// WithScope returns ctx carrying the scope of the request's ingestion key;
// the server's guard sets it on the ingestion routes.
func WithScope(ctx context.Context, s domain.KeyScope) context.Context {
	return context.WithValue(ctx, scopeKey{}, s)
}

// ScopeFrom is the scope of the request's ingestion key.
func ScopeFrom(ctx context.Context) (domain.KeyScope, bool) {
	s, ok := ctx.Value(scopeKey{}).(domain.KeyScope)
	return s, ok
}

// errNoIngester answers the ingestion routes of a server built without an
// ingester.
var errNoIngester = atrium.Errorf(atrium.Unavailable, "this server does not take events: it was started without an ingester")

// errNoScope is a route reached without the guard's scope: a wiring error.
var errNoScope = atrium.Errorf(atrium.Internal, "ingestion route reached without an ingestion key's scope")
