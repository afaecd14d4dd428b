package storetest

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/atrium-mlops/atrium/internal/atrium"
	"github.com/atrium-mlops/atrium/internal/registry"
	"github.com/atrium-mlops/atrium/internal/telemetry"
)

func testTelemetry(t *testing.T, open Opener) {
	t.Run("IngestKeys", func(t *testing.T) { testIngestKeys(t, open) })
	t.Run("Policy", func(t *testing.T) { testTelemetryPolicy(t, open) })
	t.Run("FeedbackLinks", func(t *testing.T) { testFeedbackLinks(t, open) })
	t.Run("ResolveModel", func(t *testing.T) { testResolveModel(t, open) })
	t.Run("Predictions", func(t *testing.T) { testPredictions(t, open) })
	t.Run("Outcomes", func(t *testing.T) { testOutcomes(t, open) })
	t.Run("Feedback", func(t *testing.T) { testFeedback(t, open) })
	t.Run("ConcurrentWriters", func(t *testing.T) { testTelemetryConcurrency(t, open) })
	t.Run("Retention", func(t *testing.T) { testRetention(t, open) })
}

func testIngestKeys(t *testing.T, open Opener) {
	w := newTelemetryWorld(t, open)
	ctx := t.Context()
	oc, ec, vc := as(ctx, w.owner), as(ctx, w.editor), as(ctx, w.viewer)

	_, _, err := w.db.CreateIngestKey(ec, "churn", "gateway", "")
	wantKind(t, err, atrium.Forbidden)
	_, _, err = w.db.CreateIngestKey(as(ctx, w.stranger), "churn", "gateway", "")
	wantKind(t, err, atrium.NotFound)
	_, _, err = w.db.CreateIngestKey(oc, "churn", "gateway", "nosuchmodel")
	wantKind(t, err, atrium.Invalid)
	_, _, err = w.db.CreateIngestKey(oc, "churn", "gateway", "scorer@Not An Alias")
	wantKind(t, err, atrium.Invalid)
	_, _, err = w.db.CreateIngestKey(oc, "churn", " ", "")
	wantKind(t, err, atrium.Invalid)

	before := auditSize(t, ctx, w.db)
	k, secret, err := w.db.CreateIngestKey(oc, "churn", "gateway", "scorer@champion")
	if err != nil {
		t.Fatalf("CreateIngestKey: %v", err)
	}
	if !strings.HasPrefix(secret, "atri_") || len(secret) < 50 || k.Prefix != secret[:10] || k.Model != "scorer@champion" || k.CreatedBy != w.owner.ID {
		t.Fatalf("CreateIngestKey = %+v, secret %q", k, secret)
	}
	wantAuditSize(t, ctx, w.db, before+1)

	if _, err := w.db.ListIngestKeys(vc, "churn"); atrium.KindOf(err) != atrium.Forbidden {
		t.Errorf("ListIngestKeys as viewer: %v, want Forbidden", err)
	}
	keys, err := w.db.ListIngestKeys(ec, "churn")
	if err != nil || len(keys) != 1 || keys[0].ID != k.ID || keys[0].RevokedAt != nil {
		t.Fatalf("ListIngestKeys = %+v, %v", keys, err)
	}

	s, err := w.db.IngestKeyScope(ctx, secret)
	if err != nil || s.KeyID != k.ID || s.UseCaseID != w.churn.ID || s.Slug != "churn" || s.Model != "scorer@champion" {
		t.Fatalf("IngestKeyScope = %+v, %v", s, err)
	}
	for _, bad := range []string{"", "atri_", secret + "x", strings.Replace(secret, "atri_", "atrf_", 1), "Bearer " + secret} {
		_, err := w.db.IngestKeyScope(ctx, bad)
		wantKind(t, err, atrium.Unauthenticated)
	}
	// A key of churn says nothing about fraud.
	fk, fsecret, err := w.db.CreateIngestKey(oc, "fraud", "batch job", "")
	if err != nil {
		t.Fatal(err)
	}
	if s, err := w.db.IngestKeyScope(ctx, fsecret); err != nil || s.UseCaseID != w.fraud.ID || s.KeyID != fk.ID {
		t.Fatalf("IngestKeyScope(fraud) = %+v, %v", s, err)
	}
	if _, err := w.db.RevokeIngestKey(oc, "churn", fk.ID); atrium.KindOf(err) != atrium.NotFound {
		t.Errorf("revoking fraud's key through churn: %v, want NotFound", err)
	}

	// Revoked: refused at once, though the answer was cached.
	if _, err := w.db.RevokeIngestKey(ec, "churn", k.ID); atrium.KindOf(err) != atrium.Forbidden {
		t.Errorf("RevokeIngestKey as editor: %v, want Forbidden", err)
	}
	r, err := w.db.RevokeIngestKey(oc, "churn", k.ID)
	if err != nil || r.RevokedAt == nil || !r.RevokedAt.Equal(w.now) {
		t.Fatalf("RevokeIngestKey = %+v, %v", r, err)
	}
	_, err = w.db.IngestKeyScope(ctx, secret)
	wantKind(t, err, atrium.Unauthenticated)
	w.now = w.now.Add(time.Hour)
	again, err := w.db.RevokeIngestKey(oc, "churn", k.ID)
	if err != nil || !again.RevokedAt.Equal(*r.RevokedAt) {
		t.Errorf("revoking twice = %+v, %v, want the first time kept", again, err)
	}

	// An archived use case's keys stop working.
	if _, err := w.db.SetArchived(oc, "fraud", true); err != nil {
		t.Fatal(err)
	}
	_, err = w.db.IngestKeyScope(ctx, fsecret)
	wantKind(t, err, atrium.Unauthenticated)
}

func testTelemetryPolicy(t *testing.T, open Opener) {
	w := newTelemetryWorld(t, open)
	ctx := t.Context()
	oc, ec, vc := as(ctx, w.owner), as(ctx, w.editor), as(ctx, w.viewer)

	p, err := w.db.TelemetryPolicy(vc, "churn")
	if err != nil || p.Version != 0 || !p.MaskText || p.RetentionDays != 0 {
		t.Fatalf("default TelemetryPolicy = %+v, %v", p, err)
	}
	_, err = w.db.TelemetryPolicy(as(ctx, w.stranger), "churn")
	wantKind(t, err, atrium.NotFound)

	want := telemetry.Policy{Drop: []string{"email"}, Hash: []string{"customer_id"}, MaskText: true, RetentionDays: 30}
	_, err = w.db.SetTelemetryPolicy(ec, "churn", want)
	wantKind(t, err, atrium.Forbidden)
	stale := want
	stale.Version = 3
	_, err = w.db.SetTelemetryPolicy(oc, "churn", stale)
	wantKind(t, err, atrium.Conflict)
	bad := want
	bad.RetentionDays = -1
	_, err = w.db.SetTelemetryPolicy(oc, "churn", bad)
	wantKind(t, err, atrium.Invalid)

	// PolicyFor is cached; a change through this process is seen at once.
	if pf, high, err := w.db.PolicyFor(ctx, w.churn.ID); err != nil || pf.Version != 0 || high {
		t.Fatalf("PolicyFor = %+v, %v, %v", pf, high, err)
	}
	before := auditSize(t, ctx, w.db)
	got, err := w.db.SetTelemetryPolicy(oc, "churn", want)
	if err != nil || got.Version != 1 || got.RetentionDays != 30 || got.UpdatedBy != w.owner.ID || !got.UpdatedAt.Equal(w.now) {
		t.Fatalf("SetTelemetryPolicy = %+v, %v", got, err)
	}
	wantAuditSize(t, ctx, w.db, before+1)
	if pf, _, err := w.db.PolicyFor(ctx, w.churn.ID); err != nil || pf.Version != 1 || pf.Drop[0] != "email" || pf.Hash[0] != "customer_id" {
		t.Fatalf("PolicyFor after the change = %+v, %v", pf, err)
	}
	_, _, err = w.db.PolicyFor(ctx, "no-such-usecase")
	wantKind(t, err, atrium.NotFound)

	// High risk: refused while payloads are kept 30 days, saying why.
	_, err = w.db.SetHighRisk(ec, "churn", true)
	wantKind(t, err, atrium.Forbidden)
	_, err = w.db.SetHighRisk(oc, "churn", true)
	wantKind(t, err, atrium.Conflict)
	if msg := atrium.MessageOf(err); !strings.Contains(msg, "180") || !strings.Contains(msg, "30") {
		t.Errorf("refusal %q should give the floor and the current retention", msg)
	}
	if u, err := w.db.GetUseCase(vc, "churn"); err != nil || u.HighRisk {
		t.Fatalf("after the refusal: %+v, %v", u, err)
	}
	got.RetentionDays = 0
	if got, err = w.db.SetTelemetryPolicy(oc, "churn", got); err != nil {
		t.Fatal(err)
	}
	u, err := w.db.SetHighRisk(oc, "churn", true)
	if err != nil || !u.HighRisk || u.Version != w.churn.Version+1 {
		t.Fatalf("SetHighRisk = %+v, %v", u, err)
	}
	if u, err := w.db.GetUseCase(vc, "churn"); err != nil || !u.HighRisk {
		t.Fatalf("GetUseCase after SetHighRisk = %+v, %v", u, err)
	}
	if _, high, err := w.db.PolicyFor(ctx, w.churn.ID); err != nil || !high {
		t.Errorf("PolicyFor: high=%v, %v, want true at once", high, err)
	}
	n := auditSize(t, ctx, w.db)
	if u, err := w.db.SetHighRisk(oc, "churn", true); err != nil || !u.HighRisk {
		t.Errorf("SetHighRisk again = %+v, %v", u, err)
	}
	wantAuditSize(t, ctx, w.db, n)
	// Now the floor holds for the policy: 30 days is refused, 180 is fine.
	got.RetentionDays = 30
	_, err = w.db.SetTelemetryPolicy(oc, "churn", got)
	wantKind(t, err, atrium.Invalid)
	got.RetentionDays = telemetry.HighRiskRetentionDays
	if got, err = w.db.SetTelemetryPolicy(oc, "churn", got); err != nil || got.Version != 3 {
		t.Fatalf("SetTelemetryPolicy(180 days) = %+v, %v", got, err)
	}
	if u, err := w.db.SetHighRisk(oc, "churn", false); err != nil || u.HighRisk {
		t.Fatalf("SetHighRisk(false) = %+v, %v", u, err)
	}
}

func testFeedbackLinks(t *testing.T, open Opener) {
	w := newTelemetryWorld(t, open)
	ctx := t.Context()
	oc, ec := as(ctx, w.owner), as(ctx, w.editor)

	for _, origins := range [][]string{{"javascript:alert(1)"}, {"https://a.example/path"}, {"https://user@a.example"}, {"*"}, {"ftp://a.example"},
		{"https://a.example?x=1"}, make([]string, 11)} {
		_, _, err := w.db.CreateFeedbackLink(oc, "churn", "survey", origins, 0)
		wantKind(t, err, atrium.Invalid)
	}
	_, _, err := w.db.CreateFeedbackLink(ec, "churn", "survey", nil, 0)
	wantKind(t, err, atrium.Forbidden)
	_, _, err = w.db.CreateFeedbackLink(oc, "churn", "survey", nil, -time.Hour)
	wantKind(t, err, atrium.Invalid)

	l, secret, err := w.db.CreateFeedbackLink(oc, "churn", "survey", []string{"https://App.Example.com", "https://app.example.com/", "http://localhost:8080"}, 24*time.Hour)
	if err != nil {
		t.Fatalf("CreateFeedbackLink: %v", err)
	}
	if !strings.HasPrefix(secret, "atrf_") || l.URL != "/f/"+secret || len(l.Origins) != 2 || l.Origins[0] != "https://app.example.com" ||
		l.ExpiresAt == nil || !l.ExpiresAt.Equal(w.now.Add(24*time.Hour)) {
		t.Fatalf("CreateFeedbackLink = %+v, %q", l, secret)
	}
	links, err := w.db.ListFeedbackLinks(ec, "churn")
	if err != nil || len(links) != 1 || links[0].URL != "" || links[0].ID != l.ID {
		t.Fatalf("ListFeedbackLinks = %+v, %v (the URL holds the secret and is shown once)", links, err)
	}
	s, err := w.db.FeedbackLinkScope(ctx, secret)
	if err != nil || s.LinkID != l.ID || s.UseCaseID != w.churn.ID || s.Slug != "churn" || s.UseCaseName != "Churn" || len(s.Origins) != 2 {
		t.Fatalf("FeedbackLinkScope = %+v, %v", s, err)
	}
	_, err = w.db.FeedbackLinkScope(ctx, secret[:len(secret)-1])
	wantKind(t, err, atrium.Unauthenticated)

	// Expired: refused, cached answer or not.
	w.now = w.now.Add(24 * time.Hour)
	_, err = w.db.FeedbackLinkScope(ctx, secret)
	wantKind(t, err, atrium.Unauthenticated)

	l2, secret2, err := w.db.CreateFeedbackLink(oc, "churn", "kiosk", nil, 0)
	if err != nil || l2.ExpiresAt != nil {
		t.Fatalf("CreateFeedbackLink without expiry = %+v, %v", l2, err)
	}
	if _, err := w.db.FeedbackLinkScope(ctx, secret2); err != nil {
		t.Fatal(err)
	}
	if r, err := w.db.RevokeFeedbackLink(oc, "churn", l2.ID); err != nil || r.RevokedAt == nil {
		t.Fatalf("RevokeFeedbackLink = %+v, %v", r, err)
	}
	_, err = w.db.FeedbackLinkScope(ctx, secret2)
	wantKind(t, err, atrium.Unauthenticated)
	_, err = w.db.RevokeFeedbackLink(oc, "fraud", l2.ID)
	wantKind(t, err, atrium.NotFound)
}

func testResolveModel(t *testing.T, open Opener) {
	w := newTelemetryWorld(t, open)
	ctx := t.Context()
	ec := as(ctx, w.editor)
	for _, c := range []struct {
		version, alias string
		number         int
	}{{"", "champion", 1}, {"2", "", 2}, {"champion", "champion", 1}} {
		id, n, alias, err := w.db.ResolveModel(ctx, w.churn.ID, "scorer", c.version)
		if err != nil || id != w.scorer || n != c.number || alias != c.alias {
			t.Errorf("ResolveModel(scorer, %q) = %s, %d, %q, %v, want %d through %q", c.version, id, n, alias, err, c.number, c.alias)
		}
	}
	for _, c := range []struct{ uc, model, version string }{
		{w.churn.ID, "detector", ""}, // fraud's model
		{w.churn.ID, "scorer", "3"},
		{w.churn.ID, "scorer", "canary"},
		{w.churn.ID, "nosuch", ""},
		{"no-such-usecase", "scorer", ""},
	} {
		_, _, _, err := w.db.ResolveModel(ctx, c.uc, c.model, c.version)
		wantKind(t, err, atrium.NotFound)
		if atrium.MessageOf(err) == "" {
			t.Errorf("ResolveModel(%q, %q) says nothing", c.model, c.version)
		}
	}
	_, _, _, err := w.db.ResolveModel(ctx, w.churn.ID, "", "")
	wantKind(t, err, atrium.Invalid)
	// Without a champion, the latest version.
	if err := w.db.DeleteAlias(ec, "churn", registry.Ref{Kind: registry.Model, Name: "scorer"}, "champion", "retired"); err != nil {
		t.Fatal(err)
	}
	if _, n, alias, err := w.db.ResolveModel(ctx, w.churn.ID, "scorer", ""); err != nil || n != 2 || alias != "" {
		t.Errorf("ResolveModel without a champion = %d, %q, %v, want the latest version", n, alias, err)
	}

	ref, err := w.db.Reference(ctx, w.scorer, 1)
	if err != nil || !slices.Equal(ref.Edges["income"], w.incomeEdges) {
		t.Fatalf("Reference(scorer 1) = %+v, %v, want the training profile's quartiles", ref, err)
	}
	if ref, err := w.db.Reference(ctx, w.scorer, 2); err != nil || len(ref.Edges) != 0 {
		t.Errorf("Reference(scorer 2, no training data) = %+v, %v, want none", ref, err)
	}
	_, err = w.db.Reference(ctx, w.scorer, 7)
	wantKind(t, err, atrium.NotFound)
}
