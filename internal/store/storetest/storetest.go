// Package storetest is the contract every store.DB honours, whichever
// database is behind it. A test runs it with a function that opens a fresh,
// migrated database:
//
//	storetest.Run(t, func(t *testing.T) *store.DB { ... })
//
// Every test opens its own database, which lets the groups of tests run in
// parallel, and checks on cleanup that the audit log it produced is whole and
// verifies.
package storetest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/atrium-mlops/atrium/internal/atrium"
	"github.com/atrium-mlops/atrium/internal/audit"
	"github.com/atrium-mlops/atrium/internal/identity"
	"github.com/atrium-mlops/atrium/internal/store"
	"github.com/atrium-mlops/atrium/internal/usecase"
)

// The store is what the audit checkpointer signs.
var _ audit.Head = (*store.DB)(nil)

// Opener returns a fresh, migrated, empty database and closes it on cleanup.
type Opener func(t *testing.T) *store.DB

// Run runs the contract suite, each group of tests in parallel.
func Run(t *testing.T, open func(t *testing.T) *store.DB) {
	t.Helper()
	groups := []struct {
		name string
		run  func(*testing.T, Opener)
	}{
		{"Migrations", testMigrations},
		{"Users", testUsers},
		{"Sessions", testSessions},
		{"Tokens", testTokens},
		{"Teams", testTeams},
		{"UseCases", testUseCases},
		{"Grants", testGrants},
		{"Audit", testAudit},
		{"Concurrency", testConcurrency},
		{"RoundTrip", testRoundTrip},
		{"Canvases", testCanvases}, {"CanvasIterations", testCanvasIterations}, {"Objectives", testObjectives}, {"Stakeholders", testStakeholders}, {"Decisions", testDecisions}, {"Search", testSearch}, {"CanvasAudit", testCanvasAudit}, {"CanvasLimits", testCanvasLimits},
		{"UseCaseView", testUseCaseView},
		{"Registry", testRegistry},
		{"RegistryView", testRegistryView},
		{"Lineage", testLineage}, {"Evaluations", testEvaluations}, {"Sensitivity", testSensitivity},
		{"Artifacts", testArtifacts}, {"Tracking", testTracking},
		{"Telemetry", testTelemetry},
	}
	for _, g := range groups {
		t.Run(g.name, func(t *testing.T) {
			t.Parallel()
			g.run(t, fresh(open))
		})
	}
}

// fresh wraps open so that every database's audit log is checked when the
// test that used it ends (unless the test failed already).
func fresh(open Opener) Opener {
	return func(t *testing.T) *store.DB {
		t.Helper()
		db := open(t)
		// Registered after open's own cleanup, so it runs while db is open.
		t.Cleanup(func() {
			if t.Failed() {
				return
			}
			checkChain(t, context.Background(), db)
		})
		return db
	}
}

// as returns a context acting as u.
func as(ctx context.Context, u identity.User) context.Context {
	return atrium.WithActor(ctx, atrium.Actor{UserID: u.ID, Email: u.Email, Name: u.Name, Admin: u.Admin})
}

// wantKind fails the test unless err has kind want.
func wantKind(t *testing.T, err error, want atrium.Kind) {
	t.Helper()
	if got := atrium.KindOf(err); err == nil || got != want {
		t.Fatalf("error kind=%q (err=%v), want %q", got, err, want)
	}
}

func mustUser(t *testing.T, ctx context.Context, db *store.DB, email, name string, admin bool) identity.User {
	t.Helper()
	u, err := db.CreateUser(ctx, identity.User{Email: email, Name: name, Admin: admin}, "")
	if err != nil {
		t.Fatalf("CreateUser(%q): %v", email, err)
	}
	return u
}

func mustTeam(t *testing.T, ctx context.Context, db *store.DB, slug string, members ...identity.User) identity.Team {
	t.Helper()
	tm, err := db.CreateTeam(ctx, identity.Team{Slug: slug, Name: "Team " + slug})
	if err != nil {
		t.Fatalf("CreateTeam(%q): %v", slug, err)
	}
	for _, m := range members {
		if err := db.AddTeamMember(ctx, slug, m.ID); err != nil {
			t.Fatalf("AddTeamMember(%q, %q): %v", slug, m.Email, err)
		}
	}
	return tm
}

func mustUseCase(t *testing.T, ctx context.Context, db *store.DB, u usecase.UseCase) usecase.UseCase {
	t.Helper()
	got, err := db.CreateUseCase(ctx, u)
	if err != nil {
		t.Fatalf("CreateUseCase(%q): %v", u.Slug, err)
	}
	return got
}

func mustGrant(t *testing.T, ctx context.Context, db *store.DB, slug string, g usecase.Grant) usecase.Grant {
	t.Helper()
	got, err := db.PutGrant(ctx, slug, g)
	if err != nil {
		t.Fatalf("PutGrant(%q, %+v): %v", slug, g, err)
	}
	return got
}

// auditSize returns the number of audit entries.
func auditSize(t *testing.T, ctx context.Context, db *store.DB) int64 {
	t.Helper()
	n, err := db.AuditHeadSize(ctx)
	if err != nil {
		t.Fatalf("AuditHeadSize: %v", err)
	}
	return n
}

// wantAuditSize fails unless the log holds exactly want entries.
func wantAuditSize(t *testing.T, ctx context.Context, db *store.DB, want int64) {
	t.Helper()
	if got := auditSize(t, ctx, db); got != want {
		t.Fatalf("audit size=%d, want %d", got, want)
	}
}

// allEntries returns the whole audit log in order.
func allEntries(t *testing.T, ctx context.Context, db *store.DB) []audit.Entry {
	t.Helper()
	var out []audit.Entry
	if err := db.AllAuditEntries(ctx, func(e audit.Entry) error {
		out = append(out, e)
		return nil
	}); err != nil {
		t.Fatalf("AllAuditEntries: %v", err)
	}
	return out
}

// checkChain verifies the whole audit log: positions 0..n-1 without gaps,
// the hash chain, the head's recorded size, and that the Merkle root the store
// keeps incrementally equals the one recomputed from the entries.
func checkChain(t *testing.T, ctx context.Context, db *store.DB) audit.Report {
	t.Helper()
	entries := allEntries(t, ctx, db)
	for i, e := range entries {
		if e.Seq != int64(i) {
			t.Fatalf("audit entry %d has Seq=%d, want %d", i, e.Seq, i)
		}
	}
	head := auditSize(t, ctx, db)
	rep, err := audit.Verify(entries, nil, nil, "", head)
	if err != nil {
		t.Fatalf("audit.Verify over %d entries (head %d): %v", len(entries), head, err)
	}
	size, root, err := db.AuditTreeHead(ctx)
	if err != nil {
		t.Fatalf("AuditTreeHead: %v", err)
	}
	if size != int64(len(entries)) {
		t.Fatalf("AuditTreeHead size=%d, want %d", size, len(entries))
	}
	if size > 0 && root != rep.Root {
		t.Fatalf("AuditTreeHead root=%x, want %x (recomputed)", root, rep.Root)
	}
	return rep
}

// collectErrors runs fn n times at once and returns each call's error. The
// calls wait for each other to start, so their transactions overlap as much
// as the database lets them.
func collectErrors(n int, fn func(i int) error) []error {
	errs := make([]error, n)
	var started, done sync.WaitGroup
	started.Add(n)
	for i := range n {
		done.Go(func() {
			started.Done()
			started.Wait()
			errs[i] = fn(i)
		})
	}
	done.Wait()
	return errs
}

// errorSummary counts errors by kind, for failure messages.
func errorSummary(errs []error) string {
	counts := map[atrium.Kind]int{}
	var first error
	for _, err := range errs {
		if err == nil {
			counts["ok"]++
			continue
		}
		counts[atrium.KindOf(err)]++
		if first == nil && atrium.KindOf(err) == atrium.Internal {
			first = err
		}
	}
	s := fmt.Sprint(counts)
	if first != nil {
		s += fmt.Sprintf(" (first internal error: %v)", first)
	}
	return s
}

// usec returns u with its creation time at the microsecond precision the
// databases keep.
func usec(u identity.User) identity.User {
	u.CreatedAt = u.CreatedAt.Truncate(time.Microsecond)
	return u
}
