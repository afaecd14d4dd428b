package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/atrium-mlops/atrium/internal/atrium"
	"github.com/atrium-mlops/atrium/internal/ingest"
	"github.com/atrium-mlops/atrium/internal/store"
	"github.com/atrium-mlops/atrium/internal/telemetry"
)

func testGen(client int) *eventGen {
	return &eventGen{tag: "load-test", client: client, model: "churn", rng: mrand.New(mrand.NewPCG(1, uint64(client)))}
}

// genEvent is what the tool's hand-written JSON must decode to.
type genEvent struct {
	ID       string            `json:"id"`
	Model    string            `json:"model"`
	Time     time.Time         `json:"time"`
	Subject  string            `json:"subject"`
	Segments map[string]string `json:"segments"`
	Features map[string]any    `json:"features"`
	Output   *struct {
		Score *float64 `json:"score"`
		Label *string  `json:"label"`
	} `json:"output"`
	LatencyMS *float64 `json:"latency_ms"`
	Error     string   `json:"error"`
}

func checkEvents(t *testing.T, evs []genEvent, seen map[string]bool) {
	t.Helper()
	timeouts := 0
	for _, e := range evs {
		if seen[e.ID] || !strings.HasPrefix(e.ID, "load-test-") {
			t.Fatalf("id %q repeated or not of the run", e.ID)
		}
		seen[e.ID] = true
		if e.Model != "churn" || e.Time.IsZero() || !strings.HasPrefix(e.Subject, "cust-") || len(e.Segments) != 2 {
			t.Fatalf("event %+v lacks model, time, subject or segments", e)
		}
		if len(e.Features) != 10 {
			t.Fatalf("event has %d features, want 10: %v", len(e.Features), e.Features)
		}
		numeric, categorical := 0, 0
		for _, v := range e.Features {
			switch v.(type) {
			case float64:
				numeric++
			case string, bool:
				categorical++
			}
		}
		if numeric != 6 || categorical != 4 {
			t.Fatalf("features %v: %d numeric, %d categorical, want 6 and 4", e.Features, numeric, categorical)
		}
		if e.LatencyMS == nil || *e.LatencyMS < 0 {
			t.Fatalf("event %s has no latency", e.ID)
		}
		if e.Error != "" {
			if e.Error != "timeout" || e.Output != nil {
				t.Fatalf("failed event %+v must have error timeout and no output", e)
			}
			timeouts++
			continue
		}
		if e.Output == nil || e.Output.Score == nil || *e.Output.Score < 0 || *e.Output.Score > 1 || e.Output.Label == nil {
			t.Fatalf("event %s output %+v, want a score in [0, 1] and a label", e.ID, e.Output)
		}
	}
	if len(evs) >= 2000 && timeouts == 0 {
		t.Errorf("no timeouts among %d events; one in 200 should be", len(evs))
	}
}

func TestGeneratedEvents(t *testing.T) {
	seen := map[string]bool{}
	g := testGen(0)
	body, ct := g.body(2000, false, false)
	if ct != "application/json" {
		t.Fatalf("content type %q", ct)
	}
	var evs []genEvent
	if err := json.Unmarshal(body, &evs); err != nil || len(evs) != 2000 {
		t.Fatalf("array body: %d events, %v", len(evs), err)
	}
	checkEvents(t, evs, seen)

	body, ct = g.body(300, false, true)
	if ct != "application/x-ndjson" {
		t.Fatalf("content type %q", ct)
	}
	sc := bufio.NewScanner(bytes.NewReader(g.compressRoundTrip(t, body)))
	evs = evs[:0]
	for sc.Scan() {
		var e genEvent
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatalf("NDJSON line %q: %v", sc.Text(), err)
		}
		evs = append(evs, e)
	}
	if len(evs) != 300 {
		t.Fatalf("NDJSON body has %d lines, want 300", len(evs))
	}
	checkEvents(t, evs, seen)

	body, _ = g.body(1, true, false)
	var one genEvent
	if err := json.Unmarshal(body, &one); err != nil {
		t.Fatalf("single body %s: %v", body, err)
	}
	checkEvents(t, []genEvent{one}, seen)
	// Another client's ids are its own.
	b2, _ := testGen(1).body(50, false, false)
	var other []genEvent
	json.Unmarshal(b2, &other)
	checkEvents(t, other, seen)
}

// compressRoundTrip gzips body as the tool does and reads it back.
func (g *eventGen) compressRoundTrip(t *testing.T, body []byte) []byte {
	t.Helper()
	for range 2 { // the second time through the reused writer
		z, err := gzip.NewReader(bytes.NewReader(g.compress(body)))
		if err != nil {
			t.Fatal(err)
		}
		out, err := io.ReadAll(z)
		if err != nil || !bytes.Equal(out, body) {
			t.Fatalf("gzip round trip: %v, %d of %d bytes", err, len(out), len(body))
		}
	}
	return body
}

func TestIngestFlags(t *testing.T) {
	env := func(string) string { return "" }
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"-scenario", "ingest-batch"}, "API token is required"},
		{[]string{"-token", "x", "-scenario", "ingest-batch", "-batch", "0"}, "-batch"},
		{[]string{"-token", "x", "-scenario", "ingest-batch", "-batch", "10001"}, "-batch"},
		{[]string{"-token", "x", "-scenario", "ingest-batch", "-format", "xml"}, "-format"},
		{[]string{"-token", "x", "-scenario", "ingest-single", "-rate", "-5"}, "-rate"},
		{[]string{"-token", "x", "-scenario", "ingest-single", "-rate", "NaN"}, "-rate"},
		{[]string{"-token", "x", "-scenario", "ingest-single", "-pid", "-1"}, "-pid"},
	} {
		_, err := parseFlags(tt.args, env, &bytes.Buffer{})
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%v: %v, want %q", tt.args, err, tt.want)
		}
	}
	// An ingestion key alone is enough for the ingest scenarios, from the
	// flag or the environment.
	cfg, err := parseFlags([]string{"-scenario", "ingest-single", "-ingest-key", "atri_k"}, env, &bytes.Buffer{})
	if err != nil || cfg.ingestKey != "atri_k" {
		t.Errorf("-ingest-key without a token: %+v, %v", cfg, err)
	}
	cfg, err = parseFlags([]string{"-scenario", "ingest-batch", "-format", "ndjson", "-gzip"}, func(k string) string {
		if k == "ATRIUM_INGEST_KEY" {
			return "atri_env"
		}
		return ""
	}, &bytes.Buffer{})
	if err != nil || cfg.ingestKey != "atri_env" || !cfg.ndjson || !cfg.gzip || cfg.batch != 1000 {
		t.Errorf("ingest key from the environment: %+v, %v", cfg, err)
	}
	if _, err := parseFlags([]string{"-scenario", "create-version", "-ingest-key", "atri_k"}, env, &bytes.Buffer{}); err == nil {
		t.Errorf("create-version with only an ingestion key was accepted")
	}
}

// TestIngestAccounting drives a small ingest endpoint that answers every
// fourth batch with 503 and checks what the tool counts: statuses, events,
// the answers' counts, the open-loop schedule and the RSS readings.
func TestIngestAccounting(t *testing.T) {
	var n, events atomic.Int64
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer atri_k" || r.URL.Path != "/api/v1/ingest/predictions/batch" {
			http.Error(w, `{"detail":"wrong key or path"}`, http.StatusUnauthorized)
			return
		}
		if r.Header.Get("Content-Type") != "application/x-ndjson" || r.Header.Get("Content-Encoding") != "gzip" {
			http.Error(w, `{"detail":"wrong content type or encoding"}`, http.StatusBadRequest)
			return
		}
		if n.Add(1)%4 == 0 {
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusServiceUnavailable)
			w.Write([]byte(`{"status":503,"detail":"the ingestion queue is full"}`))
			return
		}
		z, err := gzip.NewReader(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		lines := 0
		sc := bufio.NewScanner(z)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			lines++
		}
		events.Add(int64(lines))
		fmt.Fprintf(w, `{"accepted":%d,"duplicates":0,"refused":0,"items":[]}`, lines)
	}))
	defer hs.Close()
	var out bytes.Buffer
	err := run(t.Context(), []string{"-url", hs.URL, "-ingest-key", "atri_k", "-model", "m", "-scenario", "ingest-batch",
		"-batch", "50", "-format", "ndjson", "-gzip", "-clients", "4", "-rate", "200", "-duration", "300ms",
		"-pid", strconv.Itoa(os.Getpid()), "-json"}, func(string) string { return "" }, &out, &bytes.Buffer{})
	if err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	var rep report
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatal(err)
	}
	total := int(n.Load())
	busy := total / 4
	if total == 0 || total > 60 {
		t.Fatalf("%d requests; the schedule allows 1…60 (200/s for 0.3 s)", total)
	}
	if rep.Requests != total || rep.Statuses["200"] != total-busy || rep.Statuses["503"] != busy || rep.Errors["503"] != busy {
		t.Errorf("report %+v, want %d requests of which %d answered 503", rep, total, busy)
	}
	if rep.Events != int(events.Load()) || rep.Events != 50*(total-busy) || rep.Accepted != rep.Events {
		t.Errorf("events %d, accepted %d; the server read %d", rep.Events, rep.Accepted, events.Load())
	}
	if rep.Rate != 200 || rep.Batch != 50 || rep.Format != "ndjson" || !rep.Gzip || rep.EventsPerSecond <= 0 {
		t.Errorf("report %+v lacks the run's settings", rep)
	}
	if rep.RSS == nil || rep.RSS.Start <= 0 || rep.RSS.Peak < rep.RSS.Start || rep.RSS.Peak < rep.RSS.End {
		t.Errorf("RSS %+v, want readings of this process", rep.RSS)
	}
	if !strings.Contains(rep.Check, "accepted, none refused") {
		t.Errorf("check %q", rep.Check)
	}
	if rep.FirstErrors["503"] != "the ingestion queue is full" {
		t.Errorf("first 503 message %q", rep.FirstErrors["503"])
	}
	// The text report says the same.
	out.Reset()
	rep.writeText(&out)
	for _, want := range []string{"target      200 requests/s", "batch       50 events a request (ndjson, gzip)",
		fmt.Sprintf("statuses    200: %d, 503: %d", total-busy, busy), "server RSS"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("text report lacks %q:\n%s", want, out.String())
		}
	}
}

func TestIngestCheckFailsOnRefusals(t *testing.T) {
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusOK)
		w.Write([]byte(`{"accepted":0,"duplicates":0,"refused":1,"items":[{"index":0,"status":"refused","code":"not_found","error":"model \"m\" not found"}]}`))
	}))
	defer hs.Close()
	var out bytes.Buffer
	err := run(t.Context(), []string{"-url", hs.URL, "-ingest-key", "atri_k", "-model", "m", "-scenario", "ingest-single",
		"-clients", "1", "-duration", "50ms"}, func(string) string { return "" }, &out, &bytes.Buffer{})
	if err == nil {
		t.Fatalf("a run whose events were refused passed:\n%s", out.String())
	}
	// ingest-single: 200 means "stored before", which the check calls out.
	if !strings.Contains(err.Error(), "duplicates") {
		t.Errorf("err = %v, want the duplicates named", err)
	}
	err = run(t.Context(), []string{"-url", hs.URL, "-ingest-key", "atri_k", "-model", "m", "-scenario", "ingest-batch",
		"-batch", "1", "-clients", "1", "-duration", "50ms"}, func(string) string { return "" }, &out, &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), `not_found: model "m" not found`) {
		t.Errorf("err = %v, want the first refusal quoted", err)
	}
}

// TestGeneratedEventsPassTheServersChecks reads the tool's bodies with the
// server's own decoder and validation: a load run whose events the server
// refuses would measure the refusal path, not ingestion.
func TestGeneratedEventsPassTheServersChecks(t *testing.T) {
	g := testGen(3)
	now := time.Now()
	for _, tc := range []struct {
		name           string
		n              int
		single, ndjson bool
	}{{"array", 3000, false, false}, {"ndjson", 500, false, true}, {"single", 1, true, false}} {
		t.Run(tc.name, func(t *testing.T) {
			body, ct := g.body(tc.n, tc.single, tc.ndjson)
			req, err := ingest.Decode(ingest.Predictions, bytes.NewReader(g.compress(body)), ct, "gzip", tc.single, now)
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if len(req.Refused) != 0 || len(req.Predictions) != tc.n {
				t.Fatalf("decoded %d, refused %v; want %d read", len(req.Predictions), req.Refused, tc.n)
			}
			for i := range req.Predictions {
				if err := telemetry.ValidatePrediction(&req.Predictions[i], now); err != nil {
					t.Fatalf("event %d: %v", i, err)
				}
			}
		})
	}
}

// TestIngestAgainstServer drives the real ingestion routes: the tool makes
// the use case, the model with a version and an ingestion key through the
// API, and what the server stored is what the answers said was accepted.
func TestIngestAgainstServer(t *testing.T) {
	e := newTestEnv(t)
	ctx := atrium.WithActor(context.Background(), e.member)
	// What the store holds, counted from its rows.
	stored := func() int {
		t.Helper()
		n := 0
		for p := (atrium.PageRequest{Size: atrium.MaxPageSize}); ; p.Offset += p.Size {
			page, err := e.db.ListPredictions(ctx, "atrium-load", store.PredictionFilter{}, p)
			if err != nil {
				t.Fatal(err)
			}
			n += len(page.Items)
			if page.NextPageToken == "" {
				return n
			}
		}
	}
	total := 0
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"batch, JSON", []string{"-scenario", "ingest-batch", "-batch", "200", "-clients", "4", "-duration", "300ms", "-team", "ml"}},
		{"batch, NDJSON gzipped", []string{"-scenario", "ingest-batch", "-batch", "150", "-format", "ndjson", "-gzip", "-clients", "2", "-duration", "300ms"}},
		{"single, open loop", []string{"-scenario", "ingest-single", "-rate", "300", "-clients", "8", "-duration", "300ms"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rep, err := e.load(t, tc.args...)
			if err != nil {
				t.Fatalf("%v (report %+v)", err, rep)
			}
			if rep.OK == 0 || rep.Failed != 0 || rep.Events == 0 || rep.Accepted != rep.Events || rep.Refused+rep.Duplicates != 0 {
				t.Fatalf("report %+v, want every event of every request accepted", rep)
			}
			want := "200"
			if rep.Scenario == scIngestSingle {
				want = "201"
			}
			if rep.Statuses[want] != rep.OK {
				t.Errorf("statuses %v, want %d answers %s", rep.Statuses, rep.OK, want)
			}
			total += rep.Accepted
			if n := stored(); n != total {
				t.Errorf("the store holds %d predictions, the runs were told %d were accepted", n, total)
			}
			if !strings.Contains(rep.Check, fmt.Sprintf("the aggregates count %d predictions of load-model", total)) {
				t.Errorf("check = %q", rep.Check)
			}
		})
	}
	// With a key of its own and no token, the tool sends without set-up
	// or the count check.
	_, secret, err := e.db.CreateIngestKey(ctx, "atrium-load", "given", "load-model")
	if err != nil {
		t.Fatal(err)
	}
	var out, errw bytes.Buffer
	err = run(t.Context(), []string{"-url", e.url, "-json", "-scenario", "ingest-batch", "-batch", "10", "-clients", "1",
		"-duration", "100ms", "-ingest-key", secret}, func(string) string { return "" }, &out, &errw)
	if err != nil {
		t.Fatalf("with -ingest-key only: %v\n%s", err, errw.String())
	}
	var rep report
	json.Unmarshal(out.Bytes(), &rep)
	if rep.Accepted == 0 || stored() != total+rep.Accepted || strings.Contains(rep.Check, "aggregates") {
		t.Errorf("key-only run %+v; store holds %d, want %d", rep, stored(), total+rep.Accepted)
	}
	// A wrong key is refused at every request, and the run fails.
	out.Reset()
	err = run(t.Context(), []string{"-url", e.url, "-json", "-scenario", "ingest-single", "-clients", "1", "-duration", "50ms",
		"-ingest-key", "atri_wrong"}, func(string) string { return "" }, &out, &errw)
	json.Unmarshal(out.Bytes(), &rep)
	if err == nil || rep.Statuses["401"] == 0 || rep.OK != 0 {
		t.Errorf("wrong key: %v, statuses %v; want every request refused with 401", err, rep.Statuses)
	}
}
