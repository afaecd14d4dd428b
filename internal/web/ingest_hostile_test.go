package web

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	ingestion "github.com/atrium-mlops/atrium/internal/ingest"
	"github.com/atrium-mlops/atrium/internal/telemetry"
)

// Hostile input on the ingestion routes: bodies past the limits, gzip
// bombs, deep nesting, huge objects, numbers JSON cannot hold, events for
// another use case or an unknown prediction, revoked keys; and what a
// client relies on: retries that change nothing and a batch that answers
// for every event.

const ingestPredictions = "/api/v1/ingest/predictions"

func gzipped(t *testing.T, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if _, err := zw.Write(b); err != nil {
		t.Fatal(err)
	}
	zw.Close()
	return buf.Bytes()
}

func TestIngestHostileBodiesStoreNothing(t *testing.T) {
	f := newFixture(t)
	f.seedTelemetry()
	valid := `{"model": "scorer", "output": {"score": 0.5}}`
	deep := `{"model": "scorer", "output": {"score": 0.5}, "features": {"a": ` + strings.Repeat(`{"b": `, 200) + `1` + strings.Repeat(`}`, 200) + `}}`
	var wide strings.Builder
	wide.WriteString(`{"model": "scorer", "output": {"score": 0.5}, "features": {`)
	for i := range 100_000 {
		if i > 0 {
			wide.WriteByte(',')
		}
		fmt.Fprintf(&wide, `"f%d": %d`, i, i)
	}
	wide.WriteString(`}}`)
	bomb := gzipped(t, bytes.Repeat([]byte(" "), 100<<20)) // 100 MiB of spaces in about 100 KiB
	for name, tc := range map[string]struct {
		path, ctype string
		body        []byte
		header      []string
		want        int
	}{
		"over the wire limit":         {ingestPredictions + "/batch", "application/json", []byte(`[` + strings.Repeat(valid+",", telemetry.MaxWireBytes/len(valid)+10) + valid + `]`), nil, 413},
		"gzip bomb":                   {ingestPredictions + "/batch", "application/json", bomb, []string{"Content-Encoding", "gzip"}, 413},
		"not gzip":                    {ingestPredictions, "application/json", []byte(valid), []string{"Content-Encoding", "gzip"}, 400},
		"unknown encoding":            {ingestPredictions, "application/json", []byte(valid), []string{"Content-Encoding", "br"}, 400},
		"deep nesting":                {ingestPredictions, "application/json", []byte(deep), nil, 400},
		"100,000 features":            {ingestPredictions, "application/json", []byte(wide.String()), nil, 0},
		"NaN":                         {ingestPredictions, "application/json", []byte(`{"model": "scorer", "output": {"score": NaN}}`), nil, 400},
		"Infinity":                    {ingestPredictions, "application/json", []byte(`{"model": "scorer", "output": {"score": Infinity}}`), nil, 400},
		"1e999":                       {ingestPredictions, "application/json", []byte(`{"model": "scorer", "output": {"score": 0.5}, "latency_ms": 1e999}`), nil, 400},
		"score above 1":               {ingestPredictions, "application/json", []byte(`{"model": "scorer", "output": {"score": 7}}`), nil, 400},
		"not JSON":                    {ingestPredictions, "application/json", []byte(`model=scorer`), nil, 400},
		"a form":                      {ingestPredictions, "application/x-www-form-urlencoded", []byte(`model=scorer`), nil, 400},
		"NDJSON to single":            {ingestPredictions, "application/x-ndjson", []byte(valid + "\n"), nil, 400},
		"an array to single":          {ingestPredictions, "application/json", []byte(`[` + valid + `]`), nil, 400},
		"duplicate key":               {ingestPredictions, "application/json", []byte(`{"model": "scorer", "model": "other", "output": {"score": 0.5}}`), nil, 400},
		"bad id":                      {ingestPredictions, "application/json", []byte(`{"id": "../../etc", "model": "scorer", "output": {"score": 0.5}}`), nil, 400},
		"unknown model":               {ingestPredictions, "application/json", []byte(`{"model": "nope", "output": {"score": 0.5}}`), nil, 404},
		"unknown version":             {ingestPredictions, "application/json", []byte(`{"model": "scorer", "version": "9", "output": {"score": 0.5}}`), nil, 404},
		"far future":                  {ingestPredictions, "application/json", []byte(`{"model": "scorer", "time": "2999-01-01T00:00:00Z", "output": {"score": 0.5}}`), nil, 400},
		"another use case":            {ingestPredictions, "application/json", []byte(`{"use_case": "beta", "model": "scorer", "output": {"score": 0.5}}`), nil, 0},
		"unknown prediction":          {"/api/v1/ingest/outcomes", "application/json", []byte(`{"prediction_id": "never-made", "label": "approve"}`), nil, 404},
		"feedback bad kind":           {"/api/v1/ingest/feedback", "application/json", []byte(`{"kind": "shout", "text": "hi"}`), nil, 400},
		"rating out of range":         {"/api/v1/ingest/feedback", "application/json", []byte(`{"kind": "rating", "value": "11"}`), nil, 400},
		"feedback unknown prediction": {"/api/v1/ingest/feedback", "application/json", []byte(`{"kind": "thumbs", "value": "up", "prediction_id": "never-made"}`), nil, 404},
	} {
		t.Run(name, func(t *testing.T) {
			before, audit := f.predictionCount("alpha"), f.auditSize()
			rec := f.ingest("alpha", tc.path, tc.ctype, tc.body, tc.header...)
			if tc.want == 0 && (rec.Code < 400 || rec.Code >= 500) || tc.want != 0 && rec.Code != tc.want {
				t.Fatalf("= %d, want %d (body %.300s)", rec.Code, tc.want, rec.Body)
			}
			p := problem(t, rec)
			if name == "another use case" && !strings.Contains(p.Detail, "use case") {
				t.Fatalf("detail %q does not say the use case differs", p.Detail)
			}
			if f.predictionCount("alpha") != before || f.auditSize() != audit {
				t.Fatal("a refused event was stored")
			}
		})
	}
}

func TestIngestRetryIsIdempotent(t *testing.T) {
	f := newFixture(t)
	f.seedTelemetry()
	body := []byte(`{"id": "req-7f3a", "model": "scorer", "output": {"label": "approve", "score": 0.91}}`)
	first := f.ingest("alpha", ingestPredictions, "application/json", body)
	if first.Code != http.StatusCreated || first.Header().Get("Location") != "/api/v1/usecases/alpha/predictions/req-7f3a" {
		t.Fatalf("first = %d Location %q (body %s)", first.Code, first.Header().Get("Location"), first.Body)
	}
	n := f.predictionCount("alpha")
	for range 3 {
		again := f.ingest("alpha", ingestPredictions, "application/json", body)
		if it := itemOf(t, again); again.Code != http.StatusOK || it.Status != telemetry.Duplicate || it.ID != "req-7f3a" {
			t.Fatalf("retry = %d %+v, want 200 duplicate", again.Code, it)
		}
	}
	// A retry of a batch is all duplicates, and so is a batch naming the
	// same id twice: the first wins.
	batch := []byte(`[` + string(body) + `, {"id": "req-8", "model": "scorer", "output": {"score": 0.2}}, {"id": "req-8", "model": "scorer", "output": {"score": 0.9}}]`)
	a := batchOf(t, f.ingest("alpha", ingestPredictions+"/batch", "application/json", batch))
	if a.Accepted != 1 || a.Duplicates != 2 {
		t.Fatalf("batch with a retry and an id twice: %+v, want 1 accepted and 2 duplicates", a)
	}
	if got := f.predictionCount("alpha"); got != n+1 {
		t.Fatalf("predictions = %d, want %d", got, n+1)
	}
	p, err := f.db.GetPrediction(f.ownerCtx(), "alpha", "req-8")
	if err != nil || p.Output.Score == nil || *p.Output.Score != 0.2 {
		t.Fatalf("req-8 = %+v, %v; want the first one sent (score 0.2)", p.Output, err)
	}
	// Outcomes and feedback retry alike.
	for _, path := range []string{"/api/v1/ingest/outcomes", "/api/v1/ingest/feedback"} {
		body := []byte(`{"prediction_id": "req-7f3a", "label": "approve"}`)
		if strings.HasSuffix(path, "feedback") {
			body = []byte(`{"id": "fb-1", "prediction_id": "req-7f3a", "kind": "thumbs", "value": "down"}`)
		}
		if rec := f.ingest("alpha", path, "application/json", body); rec.Code != http.StatusCreated {
			t.Fatalf("%s first = %d %s", path, rec.Code, rec.Body)
		}
		if rec := f.ingest("alpha", path, "application/json", body); rec.Code != http.StatusOK {
			t.Fatalf("%s retry = %d %s, want 200", path, rec.Code, rec.Body)
		}
	}
}

func TestIngestBatchAnswersEveryEvent(t *testing.T) {
	f := newFixture(t)
	f.seedTelemetry()
	lines := strings.Join([]string{
		`{"id": "b-1", "model": "scorer", "output": {"score": 0.3}}`,
		`{"id": "b-2", "model": "scorer", "output": {"score": NaN}}`,
		`{"id": "b-3", "model": "nope", "output": {"score": 0.3}}`,
		``,
		`{"id": "b-4", "use_case": "beta", "output": {"score": 0.3}}`,
		`not json at all`,
		`{"id": "b-5", "output": {"label": "approve"}}`, // the key's default model
		`{"id": "` + matrixPrediction + `", "model": "scorer", "output": {"score": 0.3}}`,
	}, "\n")
	a := batchOf(t, f.ingest("alpha", ingestPredictions+"/batch", "application/x-ndjson", gzipped(t, []byte(lines)), "Content-Encoding", "gzip"))
	want := map[int]telemetry.ItemStatus{0: telemetry.Accepted, 1: telemetry.Refused, 2: telemetry.Refused, 3: telemetry.Refused,
		4: telemetry.Refused, 5: telemetry.Accepted, 6: telemetry.Duplicate}
	if len(a.Items) != len(want) {
		t.Fatalf("%d answers for %d events: %+v", len(a.Items), len(want), a.Items)
	}
	for _, it := range a.Items {
		if it.Status != want[it.Index] {
			t.Errorf("event %d: %+v, want %s", it.Index, it, want[it.Index])
		}
		if it.Status == telemetry.Refused && (it.Code == "" || it.Error == "") {
			t.Errorf("event %d is refused without a code and a reason: %+v", it.Index, it)
		}
	}
	if a.Accepted != 2 || a.Duplicates != 1 || a.Refused != 4 {
		t.Fatalf("counts %+v", a)
	}
	// A batch over the event limit is refused whole.
	many := strings.Repeat(`{"model": "scorer", "output": {"score": 0.1}}`+"\n", telemetry.MaxBatch+1)
	if rec := f.ingest("alpha", ingestPredictions+"/batch", "application/x-ndjson", []byte(many)); rec.Code != 413 {
		t.Fatalf("%d events = %d, want 413", telemetry.MaxBatch+1, rec.Code)
	}
}

// TestIngestOverloadAnswers503: when every decoding slot is taken, an
// ingestion request is refused 503 with Retry-After, its body unread and
// nothing stored; once a slot is free the same request is accepted.
func TestIngestOverloadAnswers503(t *testing.T) {
	f := newFixture(t)
	f.seedTelemetry()
	f.srv.telemetry.Gate = ingestion.NewGate(1, 10*time.Millisecond)
	release, err := f.srv.telemetry.Gate.Enter(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	body := []byte(`{"id": "busy-1", "model": "scorer", "output": {"score": 0.4}}`)
	n := f.predictionCount("alpha")
	rec := f.ingest("alpha", ingestPredictions, "application/json", body)
	if rec.Code != http.StatusServiceUnavailable || rec.Header().Get("Retry-After") == "" {
		t.Fatalf("with every slot taken = %d, Retry-After %q: %s", rec.Code, rec.Header().Get("Retry-After"), rec.Body)
	}
	problem(t, rec)
	if got := f.predictionCount("alpha"); got != n {
		t.Fatalf("a refused request stored %d predictions", got-n)
	}
	release()
	if rec := f.ingest("alpha", ingestPredictions, "application/json", body); rec.Code != http.StatusCreated {
		t.Fatalf("with a slot free = %d: %s", rec.Code, rec.Body)
	}
}
