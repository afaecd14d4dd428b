// Package web serves Atrium over HTTP: the JSON API under /api/v1, the
// server-rendered pages, health and metrics. Every route is listed in
// routes.go; handlers parse, authorise, validate, call the store, respond.
package web

import (
	"crypto/rand"
	"log/slog"
	"net/http"
	"time"

	"gocloud.dev/blob"

	"github.com/atrium-mlops/atrium/internal/canvas"
	"github.com/atrium-mlops/atrium/internal/evidence"
	ingestion "github.com/atrium-mlops/atrium/internal/ingest"
	"github.com/atrium-mlops/atrium/internal/mlflow"
	"github.com/atrium-mlops/atrium/internal/store"
	"github.com/atrium-mlops/atrium/internal/usecase"
	"github.com/atrium-mlops/atrium/internal/web/account"
	webadmin "github.com/atrium-mlops/atrium/internal/web/admin"
	"github.com/atrium-mlops/atrium/internal/web/artifacts"
	"github.com/atrium-mlops/atrium/internal/web/canvases"
	"github.com/atrium-mlops/atrium/internal/web/feedback"
	webregistry "github.com/atrium-mlops/atrium/internal/web/registry"
	"github.com/atrium-mlops/atrium/internal/web/render"
	"github.com/atrium-mlops/atrium/internal/web/respond"
	"github.com/atrium-mlops/atrium/internal/web/search"
	webtelemetry "github.com/atrium-mlops/atrium/internal/web/telemetry"
	"github.com/atrium-mlops/atrium/internal/web/throttle"
	"github.com/atrium-mlops/atrium/internal/web/usecases"
)

// Options configure a Server.
type Options struct {
	DB  *store.DB
	Log *slog.Logger
	// AllowedHosts, when not empty, is the only Host header values accepted.
	AllowedHosts []string
	// TrustedOrigins may make cookie-authenticated writes from another origin.
	TrustedOrigins []string
	// Limits are the rate limits per kind of credential (session, personal
	// token, automation token). When nil, RateLimit and RateBurst apply to
	// every kind alike.
	Limits *throttle.Limits
	// RateLimit is the sustained requests per second allowed to one token or
	// session, with RateBurst requests of headroom. Zero disables the limit.
	RateLimit float64
	RateBurst int
	// SessionTTL is how long a browser session lasts.
	SessionTTL time.Duration
	// Version is shown in the page footer and /api/v1/me.
	Version string
	// Gate checks stage transitions; nil allows every move.
	Gate usecase.Gate
	// Artifacts is the blob store of uploaded files (nil: the artifact
	// routes answer 503), and ArtifactMaxBytes the upload cap (0: the
	// default, artifact.DefaultMaxBytes).
	Artifacts        *blob.Bucket
	ArtifactMaxBytes int64
	// MLflowArtifactRoot is where MLflow experiments created without an
	// artifact location keep their runs' files ("" for the
	// mlflow-artifacts: proxy scheme, which stores nothing).
	MLflowArtifactRoot string
	// FeedbackKey signs the forms of the public feedback pages; every
	// replica needs the same one. Empty: a random key, so forms loaded
	// before a restart must be reloaded.
	FeedbackKey []byte
	// FeedbackLimits bound what one client address and one link may send
	// through the public feedback pages; zero: feedback.DefaultLimits.
	FeedbackLimits feedback.Limits
	// IngestDecoders bounds the ingestion requests decoded at once (0:
	// four per CPU); a request that finds none free within 250 ms is
	// answered 503 with Retry-After.
	IngestDecoders int
	// Ingester takes the events of the ingestion routes to the store; nil
	// answers them 503. The caller closes it, before the store.
	Ingester *ingestion.Ingester
}

// Server is Atrium's HTTP surface.
type Server struct {
	db      *store.DB
	log     *slog.Logger
	opts    Options
	views   *render.Views
	resp    *respond.Responder
	metrics *metrics
	limiter *throttle.Limiters
	// logins throttles password checks whatever RateLimit says.
	logins  *throttle.Logins
	handler http.Handler
	// api is the OpenAPI document built from the route table, and ref the
	// reference page drawn from it.
	api *apiDescription
	ref *apiReference
	// templates are the canvas templates on offer; evidence renders the
	// live panels beside canvas sections.
	templates *canvas.Library
	evidence  *evidence.Registry[canvas.EvidenceRequest]
	// Features served from their own packages.
	usecases *usecases.Handlers
	canvases *canvases.Handlers
	admin    *webadmin.Handlers
	account  *account.Handlers
	search   *search.Handlers
	registry *webregistry.Handlers
	// telemetry serves ingestion and a use case's telemetry.
	telemetry *webtelemetry.Handlers

	// artifacts serves the files uploaded to use cases.
	artifacts *artifacts.Handlers
	mlflow    *mlflow.Handlers
	// feedback serves people's feedback: links, public pages, the inbox.
	feedback *feedback.Handlers
}

// New builds a Server; templates are parsed here so that a broken one stops
// the boot instead of failing a request later.
func New(opts Options) (*Server, error) {
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	if opts.SessionTTL == 0 {
		opts.SessionTTL = 12 * time.Hour
	}
	views, err := render.Load(opts.Version, opts.Log, pages(), usecases.Pages(), canvases.Pages(), webadmin.Pages(), account.Pages(), search.Pages(), webregistry.Pages(), webtelemetry.Pages(), artifacts.Pages(), feedback.Pages())
	if err != nil {
		return nil, err
	}
	// The templates on offer are the store's, so that what the pages offer
	// and what the store accepts cannot differ.
	s := &Server{db: opts.DB, log: opts.Log, opts: opts, views: views, metrics: newMetrics(), templates: opts.DB.Templates(),
		logins: throttle.NewLogins()}
	s.resp = &respond.Responder{Log: opts.Log, Page: views.Error}
	s.usecases = &usecases.Handlers{Responder: s.resp, Views: views, DB: opts.DB, Templates: s.templates, Gate: opts.Gate}
	s.evidence = evidence.NewRegistry[canvas.EvidenceRequest]()
	s.canvases = canvases.New(opts.DB, s.resp, views, s.templates, s.evidence, opts.Version)
	s.admin = &webadmin.Handlers{Responder: s.resp, Views: views, DB: opts.DB}
	s.account = &account.Handlers{Responder: s.resp, Views: views, DB: opts.DB, Logins: s.logins,
		SessionTTL: opts.SessionTTL, SetSessionCookie: s.setSessionCookie, Version: opts.Version}
	s.search = &search.Handlers{Responder: s.resp, Views: views, DB: opts.DB, Templates: s.templates}
	s.registry = &webregistry.Handlers{Responder: s.resp, Views: views, DB: opts.DB}
	s.telemetry = &webtelemetry.Handlers{Responder: s.resp, Views: views, DB: opts.DB, Ingester: opts.Ingester, Gate: ingestion.NewGate(opts.IngestDecoders, 0)}
	s.artifacts = &artifacts.Handlers{Responder: s.resp, Views: views, DB: opts.DB, Blobs: opts.Artifacts, MaxBytes: opts.ArtifactMaxBytes}
	s.mlflow = &mlflow.Handlers{DB: opts.DB, Log: opts.Log, ArtifactRoot: opts.MLflowArtifactRoot}
	var submitter feedback.Submitter
	if opts.Ingester != nil {
		submitter = opts.Ingester
	}
	s.feedback = feedback.New(feedback.Options{Responder: s.resp, Views: views, DB: opts.DB, Evidence: s.evidence,
		Ingester: submitter, Key: feedbackKey(opts.FeedbackKey), Limits: opts.FeedbackLimits})
	if opts.RateLimit > 0 {
		s.limiter = throttle.NewLimiters(throttle.Uniform(throttle.Rate{PerSecond: opts.RateLimit, Burst: opts.RateBurst}))
	}
	if opts.Limits != nil {
		s.limiter = throttle.NewLimiters(*opts.Limits)
	}
	cop := http.NewCrossOriginProtection()
	for _, o := range opts.TrustedOrigins {
		if err := cop.AddTrustedOrigin(o); err != nil {
			return nil, err
		}
	}
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.fail(w, r, errCrossOrigin)
	}))
	routes := s.routes()
	if s.api, err = buildAPIDescription(routes); err != nil {
		return nil, err
	}
	s.ref = newAPIReference(s.api.doc)
	mux := http.NewServeMux()
	for _, rt := range routes {
		mux.Handle(rt.method+" "+rt.pattern, s.guard(rt))
	}
	mux.Handle("/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.fail(w, r, errNoRoute)
	}))
	s.handler = s.recoverer(s.requestID(s.observe(s.checkHost(cop.Handler(s.authenticate(mux))))))
	return s, nil
}

// feedbackKey is the key that signs the public feedback forms.
func feedbackKey(k []byte) []byte {
	if len(k) > 0 {
		return k
	}
	k = make([]byte, 32)
	rand.Read(k)
	return k
}

// ServeHTTP makes Server an http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }
