// Package feedback is how people tell a use case's team what they think of
// its model: the public pages behind a feedback link (no account needed),
// the widget a host application embeds next to a prediction and the small
// script that places it, the author's receipt page, the team's inbox where
// feedback is triaged, the API for both, and the canvas evidence panel that
// shows the inbox's live numbers. It imports no other feature of package
// web.
package feedback

import (
	"context"
	"embed"
	"html/template"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/atrium-mlops/atrium/internal/canvas"
	"github.com/atrium-mlops/atrium/internal/evidence"
	"github.com/atrium-mlops/atrium/internal/store"
	"github.com/atrium-mlops/atrium/internal/telemetry"
	"github.com/atrium-mlops/atrium/internal/web/render"
	"github.com/atrium-mlops/atrium/internal/web/respond"
	"github.com/atrium-mlops/atrium/internal/web/throttle"
)

//go:embed templates
var files embed.FS

//go:embed static/feedback.js
var snippet []byte

// Submitter accepts one piece of feedback given through a link and answers
// with its receipt once it is durably stored; *ingest.Ingester is one.
type Submitter interface {
	SubmitFeedback(ctx context.Context, useCaseID, linkID string, f telemetry.Feedback) (telemetry.ItemResult, string, error)
}

// Options configure Handlers.
type Options struct {
	Responder *respond.Responder
	Views     *render.Views
	DB        *store.DB
	// Ingester stores feedback from the public pages; nil answers them 503.
	Ingester Submitter
	// Evidence is the canvas evidence registry the "feedback" kind is
	// registered into; nil registers nothing.
	Evidence *evidence.Registry[canvas.EvidenceRequest]
	// Key signs the forms of the public pages (see token.go). It must be
	// the same on every replica, or a form loaded from one is refused by
	// another.
	Key []byte
	// Limits bound what one client address and one link may send; the zero
	// value uses DefaultLimits.
	Limits Limits
	// Now is the clock (time.Now when nil).
	Now func() time.Time
}

// Limits are the rate limits of the public pages.
type Limits struct {
	// Address bounds the feedback one client address may send, Link what
	// all clients together may send through one link, Lookup the
	// predictions one address may look up.
	Address, Link, Lookup throttle.Rate
}

// DefaultLimits let a person give several pieces of feedback in a row and
// a busy host application send many through one link, while a script that
// floods a link or guesses prediction ids is slowed to a trickle.
var DefaultLimits = Limits{
	Address: throttle.Rate{PerSecond: 0.2, Burst: 10},
	Link:    throttle.Rate{PerSecond: 20, Burst: 200},
	Lookup:  throttle.Rate{PerSecond: 1, Burst: 60},
}

// Handlers serves the feedback pages and API.
type Handlers struct {
	*respond.Responder
	*render.Views
	DB       *store.DB
	ingester Submitter
	key      []byte
	now      func() time.Time

	byAddress, byLink, lookups *throttle.Limiter
}

// New builds the handlers and registers the "feedback" evidence kind.
func New(o Options) *Handlers {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Limits == (Limits{}) {
		o.Limits = DefaultLimits
	}
	h := &Handlers{Responder: o.Responder, Views: o.Views, DB: o.DB, ingester: o.Ingester, key: o.Key, now: o.Now,
		byAddress: limiter(o.Limits.Address), byLink: limiter(o.Limits.Link), lookups: limiter(o.Limits.Lookup)}
	if o.Evidence != nil {
		o.Evidence.Register("feedback", evidence.ProviderFunc[canvas.EvidenceRequest](h.panel))
	}
	return h
}

func limiter(r throttle.Rate) *throttle.Limiter {
	if r.Off() {
		return nil
	}
	return throttle.NewLimiter(r.PerSecond, r.Burst)
}

// Pages are this package's page templates, partials, template functions
// and notices; render.Load must be given them before Handlers can render.
func Pages() render.Pages {
	return render.Pages{FS: files, Glob: "templates/pages/*.html", Partials: "templates/partials/*.html", Funcs: funcs(), Notices: notices}
}

// notices are the confirmations shown after this package's redirects.
var notices = map[string]string{
	"feedback-updated": "Feedback updated.",
	"link-revoked":     "Feedback link closed. Its address no longer accepts feedback.",
}

func funcs() template.FuncMap {
	return template.FuncMap{
		"inboxPath":     InboxPath,
		"kindLabel":     kindLabel,
		"statusLabel":   statusLabel,
		"statusPublic":  statusPublic,
		"feedbackKinds": func() []telemetry.FeedbackKind { return telemetry.FeedbackKinds },
		"feedbackStatuses": func() []telemetry.FeedbackStatus {
			return telemetry.FeedbackStatuses
		},
		"valueLabel":   valueLabel,
		"linkState":    linkState,
		"join":         strings.Join,
		"itemID":       func(id string) string { return "fb-" + id },
		"ratings":      func() []string { return []string{"1", "2", "3", "4", "5"} },
		"maxText":      func() int { return telemetry.MaxText },
		"contactField": func(kind, value string) contactField { return contactField{kind, value} },
		"originOf": func(u string) string {
			p, err := url.Parse(u)
			if err != nil {
				return ""
			}
			return p.Scheme + "://" + p.Host
		},
		"maxContact": func() int { return telemetry.MaxContact },
	}
}

// contactField is the contact input of one form.
type contactField struct{ Kind, Value string }

// Addresses.

// InboxPath is the address of a use case's feedback inbox.
func InboxPath(slug string) string { return render.UseCasePath(slug) + "/feedback" }

// publicPath is the address of a link's page.
func publicPath(secret string) string { return "/f/" + url.PathEscape(secret) }

// embedPath is the address of a link's widget.
func embedPath(secret string) string { return publicPath(secret) + "/embed" }

// receiptPath is the address of an author's status page.
func receiptPath(receipt string) string { return "/f/" + url.PathEscape(receipt) + "/status" }

// origin is this server's origin as the request reached it, for the
// addresses handed to host applications.
func origin(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil || strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https") {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// Plain words for kinds and states.

var kindLabels = map[telemetry.FeedbackKind]string{
	telemetry.Thumbs: "Thumbs", telemetry.Rating: "Rating", telemetry.Correction: "Correction",
	telemetry.Bug: "Problem report", telemetry.Comment: "Comment",
}

func kindLabel(k telemetry.FeedbackKind) string {
	if l, ok := kindLabels[k]; ok {
		return l
	}
	return render.Capitalise(string(k))
}

var statusLabels = map[telemetry.FeedbackStatus]string{
	telemetry.New: "New", telemetry.Triaged: "Triaged", telemetry.Actioned: "Actioned", telemetry.Dismissed: "Dismissed",
}

func statusLabel(s telemetry.FeedbackStatus) string {
	if l, ok := statusLabels[s]; ok {
		return l
	}
	return render.Capitalise(string(s))
}

// statusPublic says what a status means to the person who gave the
// feedback.
func statusPublic(s telemetry.FeedbackStatus) string {
	switch s {
	case telemetry.Triaged:
		return "The team has read it and is looking into it."
	case telemetry.Actioned:
		return "The team acted on it."
	case telemetry.Dismissed:
		return "The team read it and decided not to change anything."
	}
	return "Received. Nobody has looked at it yet."
}

// valueLabel is a feedback value in words: "helpful", "4 of 5".
func valueLabel(f telemetry.Feedback) string {
	switch f.Kind {
	case telemetry.Thumbs:
		if f.Value == "up" {
			return "Helpful"
		}
		if f.Value == "down" {
			return "Not helpful"
		}
	case telemetry.Rating:
		if f.Value != "" {
			return f.Value + " of 5"
		}
	}
	return f.Value
}

// linkState is a feedback link's state as its badge shows it.
func linkState(l telemetry.FeedbackLink, now time.Time) string {
	switch {
	case l.RevokedAt != nil:
		return "revoked"
	case l.ExpiresAt != nil && !now.Before(*l.ExpiresAt):
		return "expired"
	}
	return "active"
}
