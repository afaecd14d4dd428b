package web

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/atrium-mlops/atrium/internal/atrium"
	ingestion "github.com/atrium-mlops/atrium/internal/ingest"
	"github.com/atrium-mlops/atrium/internal/registry"
	"github.com/atrium-mlops/atrium/internal/telemetry"
	"github.com/atrium-mlops/atrium/internal/web/feedback"
	"github.com/atrium-mlops/atrium/internal/web/throttle"
)

// testFeedbackKey signs the public forms of feedbackFixture's server.
var testFeedbackKey = []byte("feedback test key, 32 bytes long")

// feedbackFixture is the usual fixture whose server has an ingester, a
// known form key, a log the test can read, and the given limits (zero: the
// defaults); alpha has a model with two versions.
func feedbackFixture(t *testing.T, limits feedback.Limits) (*fixture, *bytes.Buffer) {
	t.Helper()
	f := newFixture(t)
	f.seedAssets()
	ps, err := telemetry.NewPseudonymiser([]byte("pseudonym test key, 32 bytes long"))
	if err != nil {
		t.Fatal(err)
	}
	in := ingestion.New(ingestion.Options{DB: f.db, Pseudonymiser: ps, Linger: time.Millisecond})
	t.Cleanup(in.Close)
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&lockedWriter{w: &logs}, nil))
	srv, err := New(Options{DB: f.db, Log: log, Version: "test", Artifacts: testBlobs(t), ArtifactMaxBytes: testArtifactMax,
		Ingester: in, FeedbackKey: testFeedbackKey, FeedbackLimits: limits})
	if err != nil {
		t.Fatal(err)
	}
	f.srv = srv
	feedbackIngesters.Store(f, in)
	return f, &logs
}

// lockedWriter lets the server's goroutines write one buffer.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

var feedbackIngesters sync.Map

// predict reports a prediction of alpha's scorer through the ingester,
// with an ingestion key, and returns its id.
func (f *fixture) predict(id string) string { return f.predictIn("alpha", id) }

// predictIn reports a prediction of the use case's scorer (registering one
// in beta the first time).
func (f *fixture) predictIn(slug, id string) string {
	f.t.Helper()
	v, _ := feedbackIngesters.Load(f)
	in := v.(*ingestion.Ingester)
	ctx := f.ownerCtx()
	if slug == "beta" {
		ctx = atrium.WithActor(context.Background(), atrium.Actor{UserID: f.users["stranger"].ID, Name: "stranger"})
		ref := registry.Ref{Kind: registry.Model, Name: "scorer"}
		if _, err := f.db.CreateAsset(ctx, "beta", registry.Asset{Kind: registry.Model, Name: "scorer"}); err == nil {
			for range 2 {
				if _, err := f.db.CreateVersion(ctx, "beta", ref, registry.Version{URI: "s3://beta/scorer", Digest: testDigest}); err != nil {
					f.t.Fatal(err)
				}
			}
		}
	}
	_, secret, err := f.db.CreateIngestKey(ctx, slug, "test "+id, "scorer")
	if err != nil {
		f.t.Fatal(err)
	}
	scope, err := f.db.IngestKeyScope(context.Background(), secret)
	if err != nil {
		f.t.Fatal(err)
	}
	score := 0.72
	res, err := in.Submit(context.Background(), scope, &ingestion.Request{Kind: ingestion.Kind("predictions"), Index: []int{0},
		Predictions: []telemetry.Prediction{{ID: id, Model: "scorer", Version: "2", Time: time.Now().UTC().Add(-time.Minute), Output: telemetry.Output{Score: &score}}}})
	if err != nil || len(res) != 1 || res[0].Status != telemetry.Accepted {
		f.t.Fatalf("predict %s: %v %+v", id, err, res)
	}
	return id
}

var tokenField = regexp.MustCompile(`name="token" value="([^"]+)"`)

// formToken reads the form token from a page.
func formToken(t *testing.T, body string) string {
	t.Helper()
	m := tokenField.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no form token on the page:\n%s", body)
	}
	return m[1]
}

// forgeToken makes a token for linkID as the server would at the given
// time, with the given key.
func forgeToken(key []byte, linkID string, at time.Time) string {
	w := at.Unix() / 3600
	m := hmac.New(sha256.New, key)
	m.Write([]byte("atrium feedback form\x00" + linkID + "\x00" + strconv.FormatInt(w, 10)))
	return strconv.FormatInt(w, 10) + "." + hex.EncodeToString(m.Sum(nil))
}

// anon sends a request with no credentials from the given client address.
func (f *fixture) anon(method, path, addr string, form url.Values) *httptest.ResponseRecorder {
	f.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req := httptest.NewRequest(method, path, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if addr != "" {
		req.RemoteAddr = addr + ":40000"
	}
	rec := httptest.NewRecorder()
	f.srv.ServeHTTP(rec, req)
	return rec
}

// give sends a piece of feedback through the link page as an anonymous
// person and returns the answer.
func (f *fixture) give(secret, addr string, form url.Values) *httptest.ResponseRecorder {
	f.t.Helper()
	page := f.anon(http.MethodGet, "/f/"+secret+"?prediction="+url.QueryEscape(form.Get("prediction")), addr, nil)
	if page.Code != http.StatusOK {
		f.t.Fatalf("link page = %d: %s", page.Code, page.Body)
	}
	if form.Get("token") == "" {
		form.Set("token", formToken(f.t, page.Body.String()))
	}
	return f.anon(http.MethodPost, "/f/"+secret, addr, form)
}

// limitsOff are limits far above what a test sends.
var limitsOff = feedback.Limits{Address: throttle.Rate{PerSecond: 1000, Burst: 1000}, Link: throttle.Rate{PerSecond: 1000, Burst: 1000},
	Lookup: throttle.Rate{PerSecond: 1000, Burst: 1000}}
