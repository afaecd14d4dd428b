package ingest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/atrium-mlops/atrium/internal/atrium"
	"github.com/atrium-mlops/atrium/internal/identity"
	"github.com/atrium-mlops/atrium/internal/registry"
	"github.com/atrium-mlops/atrium/internal/store"
	"github.com/atrium-mlops/atrium/internal/store/pgtest"
	"github.com/atrium-mlops/atrium/internal/telemetry"
	"github.com/atrium-mlops/atrium/internal/usecase"
)

// dialects open a fresh, migrated store: SQLite always, PostgreSQL when
// ATRIUM_TEST_POSTGRES_URL is set.
var dialects = []struct {
	name string
	url  func(testing.TB) string
}{
	{"sqlite", func(tb testing.TB) string { return filepath.Join(tb.TempDir(), "atrium.db") }},
	{"postgres", func(tb testing.TB) string { return pgtest.URL(tb) }},
}

// fixture is a store with a use case "retention" holding a model "churn"
// of two versions, its alias champion on version 1, and an ingestion key
// whose default model is churn.
type fixture struct {
	db    *store.DB
	owner context.Context // acting as the use case's owner
	scope telemetry.KeyScope
	model registry.Asset
	ps    *telemetry.Pseudonymiser
}

func newFixture(tb testing.TB, url string) *fixture {
	tb.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, url)
	if err != nil {
		tb.Fatalf("store.Open: %v", err)
	}
	tb.Cleanup(func() { db.Close() })
	u, err := db.CreateUser(ctx, identity.User{Email: "owner@example.org", Name: "Owner"}, "")
	if err != nil {
		tb.Fatalf("CreateUser: %v", err)
	}
	if _, err := db.CreateTeam(ctx, identity.Team{Slug: "ml", Name: "ML"}); err != nil {
		tb.Fatalf("CreateTeam: %v", err)
	}
	if err := db.AddTeamMember(ctx, "ml", u.ID); err != nil {
		tb.Fatalf("AddTeamMember: %v", err)
	}
	owner := atrium.WithActor(ctx, atrium.Actor{UserID: u.ID, Email: u.Email, Name: u.Name})
	if _, err := db.CreateUseCase(owner, usecase.UseCase{Slug: "retention", Name: "Retention", TeamSlug: "ml"}); err != nil {
		tb.Fatalf("CreateUseCase: %v", err)
	}
	a, err := db.CreateAsset(owner, "retention", registry.Asset{Kind: registry.Model, Name: "churn"})
	if err != nil {
		tb.Fatalf("CreateAsset: %v", err)
	}
	for i := range 2 {
		sum := sha256.Sum256([]byte(fmt.Sprint(i)))
		if _, err := db.CreateVersion(owner, "retention", a.Ref(), registry.Version{URI: fmt.Sprintf("s3://models/churn/%d", i+1), Digest: hex.EncodeToString(sum[:])}); err != nil {
			tb.Fatalf("CreateVersion: %v", err)
		}
	}
	if _, err := db.SetAlias(owner, "retention", a.Ref(), "champion", 1, "first"); err != nil {
		tb.Fatalf("SetAlias: %v", err)
	}
	_, secret, err := db.CreateIngestKey(owner, "retention", "service", "churn")
	if err != nil {
		tb.Fatalf("CreateIngestKey: %v", err)
	}
	scope, err := db.IngestKeyScope(ctx, secret)
	if err != nil {
		tb.Fatalf("IngestKeyScope: %v", err)
	}
	ps, err := telemetry.NewPseudonymiser([]byte(strings.Repeat("k", 32)))
	if err != nil {
		tb.Fatal(err)
	}
	return &fixture{db: db, owner: owner, scope: scope, model: a, ps: ps}
}

// ingester starts an Ingester on the fixture's store, closed on cleanup.
func (f *fixture) ingester(tb testing.TB, o Options) *Ingester {
	tb.Helper()
	o.DB, o.Pseudonymiser = f.db, f.ps
	in := New(o)
	tb.Cleanup(in.Close)
	return in
}

// gated is the store with a gate before each write: a test holds the
// writer inside a commit for as long as it needs, so that what queues
// behind it is known without depending on timing.
type gated struct {
	*store.DB
	entered chan int      // receives the number of requests of each write
	release chan struct{} // each write waits for one value
}

func newGated(db *store.DB) *gated {
	return &gated{DB: db, entered: make(chan int, 100), release: make(chan struct{}, 100)}
}

func (g *gated) WriteTelemetry(ctx context.Context, batches []store.TelemetryBatch) ([][]telemetry.ItemResult, error) {
	g.entered <- len(batches)
	<-g.release
	return g.DB.WriteTelemetry(ctx, batches)
}

// wait returns the number of requests of the next write to reach the
// gate; it fails the test if none comes within ten seconds (a request the
// test expected to be written was refused).
func (g *gated) wait(tb testing.TB) int {
	tb.Helper()
	select {
	case n := <-g.entered:
		return n
	case <-time.After(10 * time.Second):
		tb.Fatal("no write reached the store")
		return 0
	}
}

// gatedIngester starts an Ingester on a gated store.
func (f *fixture) gatedIngester(tb testing.TB, o Options) (*Ingester, *gated) {
	tb.Helper()
	g := newGated(f.db)
	o.Pseudonymiser = f.ps
	in := newWith(g, o)
	var once sync.Once
	tb.Cleanup(func() {
		once.Do(func() {
			close(g.release)
			in.Close()
		})
	})
	return in, g
}

// submitJSON decodes body as a batch of kind and submits it.
func submitJSON(tb testing.TB, ctx context.Context, in *Ingester, scope telemetry.KeyScope, kind Kind, body string) ([]telemetry.ItemResult, error) {
	tb.Helper()
	r, err := Decode(kind, strings.NewReader(body), "application/json", "", false, time.Now())
	if err != nil {
		tb.Fatalf("Decode: %v", err)
	}
	return in.Submit(ctx, scope, r)
}

// statuses renders results as "0:accepted 1:refused …".
func statuses(rs []telemetry.ItemResult) string {
	var b strings.Builder
	for i, r := range rs {
		if i > 0 {
			b.WriteByte(' ')
		}
		fmt.Fprintf(&b, "%d:%s", r.Index, r.Status)
	}
	return b.String()
}
