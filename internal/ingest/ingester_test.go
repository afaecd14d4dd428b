package ingest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/atrium-mlops/atrium/internal/atrium"
	"github.com/atrium-mlops/atrium/internal/telemetry"
)

func TestSubmit(t *testing.T) {
	for _, d := range dialects {
		t.Run(d.name, func(t *testing.T) {
			f := newFixture(t, d.url(t))
			testSubmitPredictions(t, f)
			testSubmitOutcomesAndFeedback(t, f)
		})
	}
}

func testSubmitPredictions(t *testing.T, f *fixture) {
	in := f.ingester(t, Options{})
	ctx := context.Background()
	body := `[
		{"id":"p1","subject":"customer-1","segments":{"country":"FR"},"features":{"age":42,"email":"ann@example.org"},"output":{"label":"churn","score":0.9}},
		{"id":"p2","model":"churn","version":"2","output":{"label":"stay","score":0.2}},
		{"id":"p3","model":"churn@1","output":{"value":3}},
		{"id":"p4","model":"nope","output":{"label":"x"}},
		{"id":"p5","use_case":"someone-else","output":{"label":"x"}},
		{"id":"p6","features":{"x":NaN}},
		{"id":"p7","model":"churn","version":"champion","output":{"label":"stay"},"use_case":"retention"},
		{"id":"p1","output":{"label":"again in one request"}},
		{"id":"p8","model":"churn","version":"9","output":{"label":"x"}},
		{"id":"bad id with spaces"}
	]`
	res, err := submitJSON(t, ctx, in, f.scope, Predictions, body)
	if err != nil {
		t.Fatalf("Submit: %v", err)
	}
	want := "0:accepted 1:accepted 2:accepted 3:refused 4:refused 5:refused 6:accepted 7:duplicate 8:refused 9:refused"
	if got := statuses(res); got != want {
		t.Fatalf("statuses\n got %s\nwant %s\n%+v", got, want, res)
	}
	for i, msg := range map[int]string{3: `no model "nope"`, 4: `use_case "someone-else" is not the use case`, 5: "NaN", 8: "no version 9"} {
		if !strings.Contains(res[i].Error, msg) || res[i].Code == "" {
			t.Errorf("item %d: %q (%s), want it to say %q", i, res[i].Error, res[i].Code, msg)
		}
	}
	// A retry of the whole request changes nothing.
	res, err = submitJSON(t, ctx, in, f.scope, Predictions, body)
	if err != nil {
		t.Fatalf("retry: %v", err)
	}
	want = "0:duplicate 1:duplicate 2:duplicate 3:refused 4:refused 5:refused 6:duplicate 7:duplicate 8:refused 9:refused"
	if got := statuses(res); got != want {
		t.Fatalf("retry statuses\n got %s\nwant %s", got, want)
	}
	for _, c := range []struct {
		id, alias string
		version   int
	}{{"p1", "champion", 1}, {"p2", "", 2}, {"p3", "", 1}, {"p7", "champion", 1}} {
		p, err := f.db.GetPrediction(f.owner, "retention", c.id)
		if err != nil {
			t.Fatalf("GetPrediction(%s): %v", c.id, err)
		}
		if p.ModelVersion != c.version || p.Alias != c.alias || p.Model != "churn" || p.Source != "api" {
			t.Errorf("%s stored as %s v%d alias %q source %q, want churn v%d alias %q source api", c.id, p.Model, p.ModelVersion, p.Alias, p.Source, c.version, c.alias)
		}
	}
	p, _ := f.db.GetPrediction(f.owner, "retention", "p1")
	if !strings.HasPrefix(p.Subject, "s_") || p.Subject == "customer-1" {
		t.Errorf("subject stored as %q, want a pseudonym", p.Subject)
	}
	if p.Features["email"] != "[email]" {
		t.Errorf("email feature stored as %v, want masked by the default policy", p.Features["email"])
	}
	if p.Output.Label == nil || *p.Output.Label != "churn" {
		t.Errorf("p1 output %+v: the first of two events with one id wins", p.Output)
	}
	s := in.Stats()
	if s.Accepted != 4 || s.Duplicates != 1+5 || s.Refused != 10 || s.Pending != 0 || s.Commits != 2 {
		t.Errorf("Stats=%+v, want 4 accepted, 6 duplicates, 10 refused, 2 commits", s)
	}
}

func testSubmitOutcomesAndFeedback(t *testing.T, f *fixture) {
	in := f.ingester(t, Options{})
	ctx := context.Background()
	res, err := submitJSON(t, ctx, in, f.scope, Outcomes, `[{"prediction_id":"p1","label":"churn"},{"prediction_id":"missing","label":"x"},{"prediction_id":"p2"}]`)
	if err != nil {
		t.Fatalf("Submit outcomes: %v", err)
	}
	if got, want := statuses(res), "0:accepted 1:refused 2:refused"; got != want {
		t.Fatalf("outcomes %s, want %s (%+v)", got, want, res)
	}
	res, err = submitJSON(t, ctx, in, f.scope, Feedback, `[{"id":"f1","prediction_id":"p1","kind":"thumbs","value":"down","text":"call me on ann@example.org","status":"actioned"},{"kind":"rating","value":9}]`)
	if err != nil {
		t.Fatalf("Submit feedback: %v", err)
	}
	if got, want := statuses(res), "0:accepted 1:refused"; got != want {
		t.Fatalf("feedback %s, want %s (%+v)", got, want, res)
	}
	fb, err := f.db.GetFeedback(f.owner, "retention", "f1")
	if err != nil {
		t.Fatalf("GetFeedback: %v", err)
	}
	if fb.Status != telemetry.New || fb.KeyID != f.scope.KeyID || strings.Contains(fb.Text, "ann@") {
		t.Errorf("feedback stored as %+v: want status new, the key's id, the address masked", fb)
	}

	// People's feedback gets a receipt.
	it, receipt, err := in.SubmitFeedback(ctx, f.scope.UseCaseID, "", telemetry.Feedback{PredictionID: "p2", Kind: telemetry.Comment, Text: "Odd answer", Status: telemetry.Dismissed})
	if err != nil || it.Status != telemetry.Accepted || !strings.HasPrefix(receipt, ReceiptPrefix) || len(receipt) < len(ReceiptPrefix)+40 {
		t.Fatalf("SubmitFeedback = %+v, %q, %v; want accepted with a receipt", it, receipt, err)
	}
	got, name, err := f.db.FeedbackByReceipt(ctx, receipt)
	if err != nil || got.ID != it.ID || got.Status != telemetry.New || name != "Retention" {
		t.Fatalf("FeedbackByReceipt = %+v, %q, %v", got, name, err)
	}
	_, _, err = in.SubmitFeedback(ctx, f.scope.UseCaseID, "", telemetry.Feedback{PredictionID: "other", Kind: telemetry.Thumbs, Value: "up"})
	if err == nil {
		t.Fatalf("feedback on an unknown prediction was accepted")
	}
	_, _, err = in.SubmitFeedback(ctx, f.scope.UseCaseID, "", telemetry.Feedback{Kind: telemetry.Thumbs, Value: "sideways"})
	if atrium.KindOf(err) != atrium.Invalid {
		t.Fatalf("invalid feedback: %v, want Invalid", err)
	}
}

func TestSubmitAppliesPolicy(t *testing.T) {
	f := newFixture(t, dialects[0].url(t))
	pol := telemetry.DefaultPolicy()
	pol.Drop = []string{"email"}
	pol.Hash = []string{"city", "country"}
	if _, err := f.db.SetTelemetryPolicy(f.owner, "retention", pol); err != nil {
		t.Fatalf("SetTelemetryPolicy: %v", err)
	}
	in := f.ingester(t, Options{})
	// PolicyFor is cached for up to 2 s; this ingester never read it before.
	res, err := submitJSON(t, context.Background(), in, f.scope, Predictions, `[{"id":"q1","segments":{"country":"FR"},"features":{"email":"a@b.org","city":"Lyon","age":3},"output":{"score":0.5}}]`)
	if err != nil || res[0].Status != telemetry.Accepted {
		t.Fatalf("Submit: %+v, %v", res, err)
	}
	p, err := f.db.GetPrediction(f.owner, "retention", "q1")
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := p.Features["email"]; ok {
		t.Errorf("dropped feature stored: %v", p.Features)
	}
	if c, _ := p.Features["city"].(string); !strings.HasPrefix(c, "h_") || !strings.HasPrefix(p.Segments["country"], "h_") {
		t.Errorf("hashed values stored as %v / %v, want pseudonyms", p.Features["city"], p.Segments)
	}
}

func TestAliasMoveFollowed(t *testing.T) {
	f := newFixture(t, dialects[0].url(t))
	in := f.ingester(t, Options{})
	var mu sync.Mutex
	clock := time.Now()
	in.models.now = func() time.Time { mu.Lock(); defer mu.Unlock(); return clock }
	version := func(id string) int {
		t.Helper()
		if _, err := submitJSON(t, context.Background(), in, f.scope, Predictions, `[{"id":"`+id+`","output":{"label":"stay"}}]`); err != nil {
			t.Fatal(err)
		}
		p, err := f.db.GetPrediction(f.owner, "retention", id)
		if err != nil {
			t.Fatal(err)
		}
		return p.ModelVersion
	}
	if v := version("a1"); v != 1 {
		t.Fatalf("version %d, want 1", v)
	}
	if _, err := f.db.SetAlias(f.owner, "retention", f.model.Ref(), "champion", 2, "promote"); err != nil {
		t.Fatal(err)
	}
	if v := version("a2"); v != 1 {
		t.Fatalf("version %d within the cache's second, want 1 still", v)
	}
	mu.Lock()
	clock = clock.Add(modelTTL)
	mu.Unlock()
	if v := version("a3"); v != 2 {
		t.Fatalf("version %d after the alias moved a second ago, want 2", v)
	}
}

func TestQueueFullIsBusy(t *testing.T) {
	f := newFixture(t, dialects[0].url(t))
	in, g := f.gatedIngester(t, Options{DB: f.db, MaxPending: 3})
	ctx := context.Background()
	first := make(chan error, 1)
	go func() {
		_, err := submitJSON(t, ctx, in, f.scope, Predictions, `[{"id":"b1","output":{"label":"stay"}},{"id":"b2","output":{"label":"stay"}}]`)
		first <- err
	}()
	g.wait(t) // the first request is being written: 2 events pending
	_, err := submitJSON(t, ctx, in, f.scope, Predictions, `[{"id":"b3","output":{"label":"stay"}},{"id":"b4","output":{"label":"stay"}}]`)
	wait, ok := atrium.RetryAfter(err)
	if atrium.KindOf(err) != atrium.Unavailable || !ok || wait <= 0 {
		t.Fatalf("err=%v, want Busy with a wait", err)
	}
	// One more event fits.
	second := make(chan error, 1)
	go func() {
		_, err := submitJSON(t, ctx, in, f.scope, Predictions, `[{"id":"b5","output":{"label":"stay"}}]`)
		second <- err
	}()
	g.release <- struct{}{}
	if err := <-first; err != nil {
		t.Fatalf("first: %v", err)
	}
	g.wait(t)
	g.release <- struct{}{}
	if err := <-second; err != nil {
		t.Fatalf("second: %v", err)
	}
	if s := in.Stats(); s.Busy != 1 || s.Pending != 0 {
		t.Fatalf("Stats=%+v, want 1 busy, 0 pending", s)
	}
	// A request larger than the whole queue still goes when it is empty.
	done := make(chan error, 1)
	go func() {
		_, err := submitJSON(t, ctx, in, f.scope, Predictions, `[{"id":"c1","output":{"label":"stay"}},{"id":"c2","output":{"label":"stay"}},{"id":"c3","output":{"label":"stay"}},{"id":"c4","output":{"label":"stay"}}]`)
		done <- err
	}()
	g.wait(t)
	g.release <- struct{}{}
	if err := <-done; err != nil {
		t.Fatalf("large request on an empty queue: %v", err)
	}
}

func TestCancelWhileQueued(t *testing.T) {
	f := newFixture(t, dialects[0].url(t))
	in, g := f.gatedIngester(t, Options{DB: f.db})
	ctx := context.Background()
	first := make(chan error, 1)
	go func() {
		_, err := submitJSON(t, ctx, in, f.scope, Predictions, `[{"id":"k1","output":{"label":"stay"}}]`)
		first <- err
	}()
	g.wait(t)
	cctx, cancel := context.WithCancel(ctx)
	queued := make(chan error, 1)
	go func() {
		_, err := submitJSON(t, cctx, in, f.scope, Predictions, `[{"id":"k2","output":{"label":"stay"}}]`)
		queued <- err
	}()
	waitFor(t, func() bool { return in.Stats().Pending == 2 })
	cancel()
	err := <-queued
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled request: %v, want context.Canceled", err)
	}
	g.release <- struct{}{}
	if err := <-first; err != nil {
		t.Fatal(err)
	}
	// The withdrawn request is not written: nothing more enters the store.
	in.Close()
	if _, err := f.db.GetPrediction(f.owner, "retention", "k2"); atrium.KindOf(err) != atrium.NotFound {
		t.Fatalf("withdrawn prediction: %v, want NotFound", err)
	}
	if s := in.Stats(); s.Withdrawn != 1 || s.Commits != 1 || s.Pending != 0 {
		t.Fatalf("Stats=%+v, want 1 withdrawn, 1 commit", s)
	}
}

func TestCancelAfterTakenWaitsForOutcome(t *testing.T) {
	f := newFixture(t, dialects[0].url(t))
	in, g := f.gatedIngester(t, Options{DB: f.db})
	cctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		res, err := submitJSON(t, cctx, in, f.scope, Predictions, `[{"id":"t1","output":{"label":"stay"}}]`)
		if err == nil && res[0].Status != telemetry.Accepted {
			err = fmt.Errorf("status %s", res[0].Status)
		}
		done <- err
	}()
	g.wait(t)
	cancel()
	g.release <- struct{}{}
	if err := <-done; err != nil {
		t.Fatalf("a request cancelled after it was taken must get its real outcome: %v", err)
	}
}

func TestCloseDrainsAndCoalesces(t *testing.T) {
	f := newFixture(t, dialects[0].url(t))
	in, g := f.gatedIngester(t, Options{DB: f.db})
	ctx := context.Background()
	errs := make(chan error, 10)
	submit := func(id string) {
		res, err := submitJSON(t, ctx, in, f.scope, Predictions, `[{"id":"`+id+`","output":{"label":"stay"}}]`)
		if err == nil && res[0].Status != telemetry.Accepted {
			err = fmt.Errorf("%s: %s", id, res[0].Status)
		}
		errs <- err
	}
	go submit("d0")
	g.wait(t)
	for i := 1; i <= 5; i++ {
		go submit(fmt.Sprintf("d%d", i))
	}
	waitFor(t, func() bool { return in.Stats().Pending == 6 })
	closed := make(chan struct{})
	go func() { in.Close(); close(closed) }()
	g.release <- struct{}{}
	if n := g.wait(t); n != 5 {
		t.Fatalf("the second write held %d requests, want the 5 queued during the first", n)
	}
	g.release <- struct{}{}
	<-closed
	for range 6 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if _, err := submitJSON(t, ctx, in, f.scope, Predictions, `[{"id":"late","output":{"label":"stay"}}]`); atrium.KindOf(err) != atrium.Unavailable {
		t.Fatalf("submit after Close: %v, want Unavailable", err)
	}
	if s := in.Stats(); s.Commits != 2 || s.Requests != 6 || s.Accepted != 6 {
		t.Fatalf("Stats=%+v, want 2 commits of 6 requests", s)
	}
}

func TestSubmitAllRefusedSkipsStore(t *testing.T) {
	f := newFixture(t, dialects[0].url(t))
	in, _ := f.gatedIngester(t, Options{DB: f.db})
	res, err := submitJSON(t, context.Background(), in, f.scope, Predictions, `[{"features":{"x":1e999}},{"use_case":"x"}]`)
	if err != nil || statuses(res) != "0:refused 1:refused" {
		t.Fatalf("Submit = %s, %v", statuses(res), err)
	}
	if s := in.Stats(); s.Commits != 0 {
		t.Fatalf("Stats=%+v, want no commit", s)
	}
}

func TestRedact(t *testing.T) {
	got := redact(errors.New(`no model "secret-name" in use case "x"; value "a\"b"`))
	if strings.Contains(got, "secret") || !strings.Contains(got, "no model") {
		t.Fatalf("redact = %q", got)
	}
}

// waitFor polls cond until it holds (a state the test arranged, reached by
// another goroutine); it fails the test after ten seconds.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not reached")
		}
		time.Sleep(time.Millisecond)
	}
}
