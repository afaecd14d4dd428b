package ingest

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"strings"
	"testing"
	"time"
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
			for b.Loop() {
				r, err := Decode(Predictions, bytes.NewReader(c.body), c.ct, c.enc, false, decodeNow)
				if err != nil || len(r.Predictions) != 1000 {
					b.Fatalf("Decode: %v", err)
				}
			}
			b.ReportMetric(float64(b.N)*1000/b.Elapsed().Seconds(), "events/s")
		})
	}
}
