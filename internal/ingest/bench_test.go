package ingest

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"maps"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/atrium-mlops/atrium/internal/telemetry"
)

// sampleBatch is n predictions of ten features each, as a client sends
// them: a JSON array of about 400 bytes an event.
func sampleBatch(n int, prefix string) []byte {
	var b strings.Builder
	b.WriteByte('[')
	t0 := time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"id":"%s-%06d","model":"churn","time":"%s","subject":"customer-%d",`+
			`"segments":{"country":"%s","plan":"pro"},`+
			`"features":{"age":%d,"tenure_months":%d,"monthly_spend":%.2f,"support_calls":%d,"city":"Lyon","channel":"web","has_contract":%t,"discount":0.15,"region_code":"FR-69","last_login_days":%d},`+
			`"output":{"label":"%s","score":%.4f},"latency_ms":%.1f}`,
			prefix, i, t0.Add(time.Duration(i)*time.Millisecond).Format(time.RFC3339Nano), i%5000,
			[]string{"FR", "DE", "ES"}[i%3], 20+i%60, i%120, 10+float64(i%900)/7, i%9, i%2 == 0, i%30,
			[]string{"stay", "churn"}[i%2], float64(i%1000)/1000, 5+float64(i%50)/3)
	}
	b.WriteByte(']')
	return []byte(b.String())
}

func BenchmarkDecode(b *testing.B) {
	body := sampleBatch(1000, "bench")
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(body)
	zw.Close()
	nd := bytes.ReplaceAll(bytes.Trim(body, "[]"), []byte("},{\"id\""), []byte("}\n{\"id\""))
	for _, c := range []struct {
		name, ct, enc string
		body          []byte
	}{
		{"json", "application/json", "", body},
		{"ndjson", "application/x-ndjson", "", nd},
		{"json-gzip", "application/json", "gzip", gz.Bytes()},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			cpu := cpuTime()
			for b.Loop() {
				r, err := Decode(Predictions, bytes.NewReader(c.body), c.ct, c.enc, false, decodeNow)
				if err != nil || len(r.Predictions) != 1000 {
					b.Fatalf("Decode: %v", err)
				}
			}
			b.ReportMetric(float64(b.N)*1000/b.Elapsed().Seconds(), "events/s")
			b.ReportMetric(float64(cpuTime()-cpu)/float64(b.N*1000), "cpu-ns/event")
		})
	}
}

// BenchmarkIngest measures the in-process path behind the HTTP handler:
// Decode and Submit of batches of 1,000 predictions (ten features each)
// from 8 concurrent clients, into a real SQLite store (synchronous=FULL).
// Each event has a new id, so every one is inserted and aggregated.
func BenchmarkIngest(b *testing.B) {
	f := newFixture(b, dialects[0].url(b))
	in := f.ingester(b, Options{})
	body := sampleBatch(1000, "tmpl")
	var seq atomic.Int64
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	b.SetParallelism(4) // 8 clients on 2 cores
	b.ResetTimer()
	cpu := cpuTime()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			r, err := Decode(Predictions, bytes.NewReader(body), "application/json", "", false, time.Now())
			if err != nil {
				b.Fatal(err)
			}
			n := seq.Add(1)
			for i := range r.Predictions {
				r.Predictions[i].ID = "b" + strconv.FormatInt(n, 10) + "-" + strconv.Itoa(i)
			}
			res, err := in.Submit(context.Background(), f.scope, r)
			if err != nil {
				b.Fatal(err)
			}
			if res[0].Status != telemetry.Accepted {
				b.Fatalf("%+v", res[0])
			}
		}
	})
	b.StopTimer()
	s := in.Stats()
	b.ReportMetric(float64(s.Accepted)/b.Elapsed().Seconds(), "events/s")
	b.ReportMetric(float64(cpuTime()-cpu)/float64(s.Accepted), "cpu-ns/event")
	if s.Commits > 0 {
		b.ReportMetric(float64(s.Requests)/float64(s.Commits), "requests/commit")
	}
}

// cpuTime is the CPU time the process has used (user and system, every
// thread), in nanoseconds. On a shared machine it says more about the cost
// of an event than the wall clock does.
func cpuTime() int64 {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return ru.Utime.Nano() + ru.Stime.Nano()
}

// BenchmarkPrepare measures the per-event work Submit does on the request
// goroutine besides resolving the model: ValidatePrediction and the privacy
// policy (masking free text, pseudonymising the subject and, in "hash",
// two features), on the events of one decoded batch.
func BenchmarkPrepare(b *testing.B) {
	r, err := Decode(Predictions, bytes.NewReader(sampleBatch(1000, "prep")), "application/json", "", false, decodeNow)
	if err != nil {
		b.Fatal(err)
	}
	ps, err := telemetry.NewPseudonymiser([]byte(strings.Repeat("k", 32)))
	if err != nil {
		b.Fatal(err)
	}
	hashed := telemetry.DefaultPolicy()
	hashed.Hash = []string{"city", "region_code"}
	hashed.Drop = []string{"channel"}
	for _, c := range []struct {
		name     string
		validate bool
		pol      *telemetry.Policy
	}{
		{"validate", true, nil},
		{"apply", false, &telemetry.Policy{MaskText: true}},
		{"both", true, &telemetry.Policy{MaskText: true}},
		{"both-hash", true, &hashed},
	} {
		b.Run(c.name, func(b *testing.B) {
			var pol *telemetry.CompiledPolicy
			if c.pol != nil {
				pol = c.pol.Compile() // as Submit has it, from its cache
			}
			b.ReportAllocs()
			cpu := cpuTime()
			for b.Loop() {
				for i := range r.Predictions {
					e := r.Predictions[i]
					if c.name == "both-hash" {
						// Apply changes the maps in place; give it its own.
						e.Features = maps.Clone(e.Features)
					}
					if c.validate {
						if err := telemetry.ValidatePrediction(&e, decodeNow); err != nil {
							b.Fatal(err)
						}
					}
					if pol != nil {
						pol.ApplyPrediction(&e, ps, "uc-1")
					}
				}
			}
			b.ReportMetric(float64(cpuTime()-cpu)/float64(b.N*len(r.Predictions)), "cpu-ns/event")
		})
	}
}
