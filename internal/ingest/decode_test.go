package ingest

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/atrium-mlops/atrium/internal/atrium"
	"github.com/atrium-mlops/atrium/internal/telemetry"
)

var decodeNow = time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)

func decode(t *testing.T, kind Kind, body, contentType string, single bool) *Request {
	t.Helper()
	r, err := Decode(kind, strings.NewReader(body), contentType, "", single, decodeNow)
	if err != nil {
		t.Fatalf("Decode: %v", err)
	}
	return r
}

func decodeErr(t *testing.T, kind Kind, body, contentType, encoding string, single bool) error {
	t.Helper()
	_, err := Decode(kind, strings.NewReader(body), contentType, encoding, single, decodeNow)
	if err == nil {
		t.Fatalf("Decode(%.60q) succeeded, want an error", body)
	}
	return err
}

func TestDecodePrediction(t *testing.T) {
	body := `{"id":"p1","model":"churn","version":3,"time":"2026-05-01T13:30:00.5+02:00",
		"subject":"user-42","segments":{"country":"FR","plan":7},
		"features":{"age":42,"income":1234.5,"city":"Lyon","vip":true,"note":null,"neg":-0.25e1,"esc":"a\"b\u00e9\ud83d\ude00"},
		"output":{"label":"churn","score":0.87},"latency_ms":12.5,"explanation":{"age":0.3},
		"use_case":"retention","source":"spoofed","model_version":99,"extra":{"deep":[1,2,{"x":null}]}}`
	r := decode(t, Predictions, body, "application/json", true)
	if len(r.Predictions) != 1 || len(r.Refused) != 0 {
		t.Fatalf("got %d predictions, %d refused (%+v), want 1, 0", len(r.Predictions), len(r.Refused), r.Refused)
	}
	p := r.Predictions[0]
	label := "churn"
	score, latency := 0.87, 12.5
	want := telemetry.Prediction{
		ID: "p1", Model: "churn", Version: "3", Time: time.Date(2026, 5, 1, 11, 30, 0, 5e8, time.UTC),
		Subject: "user-42", Segments: map[string]string{"country": "FR", "plan": "7"},
		Features: map[string]any{"age": 42.0, "income": 1234.5, "city": "Lyon", "vip": true, "note": nil, "neg": -2.5, "esc": "a\"bé😀"},
		Output:   telemetry.Output{Label: &label, Score: &score}, LatencyMS: &latency,
		Explanation: map[string]float64{"age": 0.3}, Source: "api",
	}
	if !reflect.DeepEqual(p, want) {
		t.Fatalf("prediction\n got %+v\nwant %+v", p, want)
	}
	if r.UseCases == nil || r.UseCases[0] != "retention" {
		t.Fatalf("UseCases=%q, want [retention]", r.UseCases)
	}
}

func TestDecodeDefaultsTime(t *testing.T) {
	r := decode(t, Outcomes, `[{"prediction_id":"p1","label":1},{"prediction_id":"p2","value":2.5,"time":null}]`, "", false)
	if len(r.Outcomes) != 2 {
		t.Fatalf("got %d outcomes, want 2 (%+v)", len(r.Outcomes), r.Refused)
	}
	for _, o := range r.Outcomes {
		if !o.Time.Equal(decodeNow) {
			t.Fatalf("Time=%v, want %v", o.Time, decodeNow)
		}
	}
	if r.Outcomes[0].Label == nil || *r.Outcomes[0].Label != "1" {
		t.Fatalf("Label=%v, want 1", r.Outcomes[0].Label)
	}
	if r.Index != nil || r.UseCases != nil {
		t.Fatalf("Index=%v UseCases=%v, want nil for a clean batch", r.Index, r.UseCases)
	}
}

func TestDecodeFeedback(t *testing.T) {
	r := decode(t, Feedback, `{"id":"f1","prediction_id":"p1","kind":"rating","value":4,"text":"ok","contact":"a@b.c","status":"actioned","author_id":"u1"}`, "application/json; charset=utf-8", true)
	f := r.Feedback[0]
	if f.ID != "f1" || f.Kind != telemetry.Rating || f.Value != "4" || f.Text != "ok" || f.Contact != "a@b.c" || f.Status != "" || f.AuthorID != "" {
		t.Fatalf("feedback %+v: server-set fields must stay empty, client fields read", f)
	}
}

// refusals maps request index to error text.
func refusals(r *Request) map[int]string {
	m := map[int]string{}
	for _, it := range r.Refused {
		m[it.Index] = it.Error
	}
	return m
}

func TestDecodePartialBatch(t *testing.T) {
	items := []string{
		`{"id":"a","features":{"x":1}}`,
		`{"id":"b","features":{"x":NaN}}`,
		`{"id":"c","output":{"score":"NaN"}}`,
		`{"id":"d","features":{"x":1e999}}`,
		`"not an object"`,
		`{"id":"e","features":{"x":{"nested":1}}}`,
		`{"id":"f","id":"g"}`,
		`{"id":"h","features":{"x":1,"x":2}}`,
		`{"id":"i","latency_ms":-Infinity}`,
		`{"id":"j","time":"yesterday"}`,
		`{"id":"k","use_case":"other"}`,
		`{"id":"l","features":{"s":"\x01"}}`,
		`{"id":"m","time":"2026-02-30T00:00:00Z"}`,
	}
	items[11] = "{\"id\":\"l\",\"features\":{\"s\":\"\x01\"}}"
	want := map[int]string{
		1:  "features.x: NaN is not a JSON number",
		2:  "output.score: expected a number, found a string",
		3:  "features.x: 1e999 is too large",
		4:  "an event is a JSON object",
		5:  "features.x: a feature is a number, string, boolean or null",
		6:  `id: appears twice`,
		7:  "features.x: appears twice",
		8:  "latency_ms: -Infinity is not a JSON number",
		9:  `time: "yesterday" is not an RFC 3339 time`,
		11: "features.s: a string holds a control character",
		12: `time: "2026-02-30T00:00:00Z" is not an RFC 3339 time`,
	}
	for _, ct := range []string{"application/json", "application/x-ndjson"} {
		t.Run(ct, func(t *testing.T) {
			body := "[" + strings.Join(items, ",\n ") + "]"
			if ct != "application/json" {
				body = strings.Join(items, "\r\n\n") + "\n"
			}
			r := decode(t, Predictions, body, ct, false)
			if r.Len() != len(items) {
				t.Fatalf("Len=%d, want %d", r.Len(), len(items))
			}
			got := refusals(r)
			for i, msg := range want {
				if !strings.HasPrefix(got[i], msg) {
					t.Errorf("item %d refused with %q, want %q…", i, got[i], msg)
				}
			}
			if len(got) != len(want) {
				t.Errorf("refused %v, want %d items", got, len(want))
			}
			var ids []string
			for i, p := range r.Predictions {
				ids = append(ids, fmt.Sprintf("%d:%s", r.index(i), p.ID))
			}
			if g, w := strings.Join(ids, " "), "0:a 10:k"; g != w {
				t.Fatalf("read %s, want %s", g, w)
			}
			if r.useCase(1) != "other" || r.useCase(0) != "" {
				t.Fatalf("UseCases=%q, want [\"\" other]", r.UseCases)
			}
		})
	}
}

func TestDecodeNDJSONExtraOnLine(t *testing.T) {
	r := decode(t, Predictions, "{\"id\":\"a\"} {\"id\":\"b\"}\n{\"id\":\"c\"}\n{\"id\":\"unterminated}\n", "application/jsonl", false)
	got := refusals(r)
	if len(r.Predictions) != 1 || r.Predictions[0].ID != "c" || !strings.Contains(got[0], "more on the line") || !strings.Contains(got[2], "not closed") {
		t.Fatalf("predictions %+v refused %v, want c read, 0 and 2 refused", r.Predictions, got)
	}
}

func TestDecodeBodyErrors(t *testing.T) {
	cases := []struct {
		name, body, ct, enc string
		single              bool
		kind                atrium.Kind
		msg                 string
	}{
		{"array to single", `[{}]`, "application/json", "", true, atrium.Invalid, "one JSON object"},
		{"object to batch", `{}`, "application/json", "", false, atrium.Invalid, "JSON array"},
		{"two objects", `{} {}`, "application/json", "", true, atrium.Invalid, "more after"},
		{"empty", ``, "application/json", "", true, atrium.Invalid, "empty"},
		{"form", `a=b`, "application/x-www-form-urlencoded", "", false, atrium.Invalid, "not accepted"},
		{"latin1", `[]`, "application/json; charset=latin1", "", false, atrium.Invalid, "UTF-8"},
		{"brotli", `[]`, "application/json", "br", false, atrium.Invalid, "gzip"},
		{"not gzip", `[]`, "application/json", "gzip", false, atrium.Invalid, "not gzip"},
		{"unclosed array", `[{"id":"a"},`, "application/json", "", false, atrium.Invalid, "not closed"},
		{"unclosed array 2", `[{"id":"a"}`, "application/json", "", false, atrium.Invalid, "expected ',' or ']'"},
		{"unclosed string", `[{"id":"a}]`, "application/json", "", false, atrium.Invalid, "does not end"},
		{"garbage between", `[{"id":"a"} x]`, "application/json", "", false, atrium.Invalid, "expected ',' or ']'"},
		{"ndjson single", `{}`, "application/x-ndjson", "", true, atrium.Invalid, "one JSON object"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := decodeErr(t, Predictions, c.body, c.ct, c.enc, c.single)
			if atrium.KindOf(err) != c.kind || !strings.Contains(err.Error(), c.msg) {
				t.Fatalf("err=%v (%s), want %s containing %q", err, atrium.KindOf(err), c.kind, c.msg)
			}
		})
	}
}

func TestDecodeGzip(t *testing.T) {
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	zw.Write([]byte(`[{"id":"a"},{"id":"b"}]`))
	zw.Close()
	for range 3 { // the pooled reader is reused
		r, err := Decode(Predictions, bytes.NewReader(b.Bytes()), "application/json", "GZIP", false, decodeNow)
		if err != nil || len(r.Predictions) != 2 {
			t.Fatalf("Decode: %v, %+v", err, r)
		}
	}
	corrupt := append([]byte(nil), b.Bytes()...)
	corrupt[len(corrupt)-5] ^= 0xff // the CRC
	_, err := Decode(Predictions, bytes.NewReader(corrupt), "application/json", "gzip", false, decodeNow)
	if atrium.KindOf(err) != atrium.Invalid || !strings.Contains(err.Error(), "corrupt") {
		t.Fatalf("corrupt gzip: %v, want Invalid", err)
	}
}

func TestDecodeWireLimit(t *testing.T) {
	body := "[" + strings.Repeat(" ", telemetry.MaxWireBytes) + "]"
	err := decodeErr(t, Predictions, body, "application/json", "", false)
	if atrium.KindOf(err) != atrium.TooLarge || !strings.Contains(err.Error(), "8 MB") {
		t.Fatalf("err=%v, want TooLarge naming 8 MB", err)
	}
	// Exactly the limit is fine.
	body = "[" + strings.Repeat(" ", telemetry.MaxWireBytes-2) + "]"
	if _, err := Decode(Predictions, strings.NewReader(body), "application/json", "", false, decodeNow); err != nil {
		t.Fatalf("a body of exactly the limit: %v", err)
	}
}

func TestDecodeGzipBomb(t *testing.T) {
	// One gzip member of 1 MB of spaces, repeated: 512 MB expanded from
	// well under the wire limit.
	var member bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&member, gzip.BestCompression)
	zw.Write(bytes.Repeat([]byte(" "), 1<<20))
	zw.Close()
	bomb := bytes.Repeat(member.Bytes(), 512)
	if len(bomb) > telemetry.MaxWireBytes {
		t.Fatalf("bomb is %d bytes on the wire; it must fit the wire limit", len(bomb))
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	_, err := Decode(Predictions, bytes.NewReader(bomb), "application/json", "gzip", false, decodeNow)
	runtime.ReadMemStats(&after)
	if atrium.KindOf(err) != atrium.TooLarge || !strings.Contains(err.Error(), "expands to more than 32 MB") {
		t.Fatalf("err=%v, want TooLarge, expands to more than 32 MB", err)
	}
	if got := after.TotalAlloc - before.TotalAlloc; got > 3*telemetry.MaxBodyBytes {
		t.Fatalf("decoding the bomb allocated %d MB, want it bounded by the 32 MB cap, not the 512 MB expansion", got>>20)
	}
}

func TestDecodeDeepNesting(t *testing.T) {
	const n = 1_000_000
	deep := `{"id":"deep","x":` + strings.Repeat("[", n) + strings.Repeat("]", n) + `}`
	r := decode(t, Predictions, `[{"id":"ok"},`+deep+`,{"id":"after"}]`, "application/json", false)
	got := refusals(r)
	if len(r.Predictions) != 2 || !strings.Contains(got[1], "nested deeper than 8") {
		t.Fatalf("read %d, refused %v; want the deep event refused and the two others read", len(r.Predictions), got)
	}
	// Unbalanced: the body cannot be split at all.
	err := decodeErr(t, Predictions, `[`+strings.Repeat("[", n), "application/json", "", false)
	if atrium.KindOf(err) != atrium.Invalid {
		t.Fatalf("err=%v, want Invalid", err)
	}
	r = decode(t, Predictions, deep, "application/json", true)
	if len(r.Refused) != 1 {
		t.Fatalf("single deep event: %+v, want refused", r)
	}
}

func TestDecodeManyFeatures(t *testing.T) {
	var b strings.Builder
	b.WriteString(`{"id":"wide","features":{`)
	for i := range 100_000 {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `"f%d":%d`, i, i)
	}
	b.WriteString(`}}`)
	r := decode(t, Predictions, "["+b.String()+`,{"id":"ok"}]`, "application/json", false)
	got := refusals(r)
	if len(r.Predictions) != 1 || !strings.Contains(got[0], "more than 256") {
		t.Fatalf("refused %v, want the wide event refused for its feature count", got)
	}
	// An event over 64 KB in one string is refused for its size.
	big := `{"id":"big","features":{"s":"` + strings.Repeat("x", 70_000) + `"}}`
	r = decode(t, Predictions, big+"\n", "application/x-ndjson", false)
	if got := refusals(r); !strings.Contains(got[0], "larger than 64 KB") || r.Refused[0].Code != string(atrium.TooLarge) {
		t.Fatalf("refused %+v, want too_large: larger than 64 KB", r.Refused)
	}
}

func TestDecodeBatchLimit(t *testing.T) {
	body := "[" + strings.Repeat(`{},`, telemetry.MaxBatch) + "{}]"
	err := decodeErr(t, Outcomes, body, "application/json", "", false)
	if atrium.KindOf(err) != atrium.TooLarge {
		t.Fatalf("err=%v, want TooLarge", err)
	}
	body = "[" + strings.Repeat(`{},`, telemetry.MaxBatch-1) + "{}]"
	if r := decode(t, Outcomes, body, "application/json", false); r.Len() != telemetry.MaxBatch {
		t.Fatalf("Len=%d, want %d", r.Len(), telemetry.MaxBatch)
	}
}

func TestParseTime(t *testing.T) {
	for _, s := range []string{
		"2026-05-01T12:00:00Z", "2026-05-01T12:00:00.123456789Z", "2026-05-01T12:00:00.1-07:30",
		"2024-02-29T00:00:00+00:00", "2026-12-31T23:59:59.999Z", "0001-01-01T00:00:00Z",
	} {
		want, err := time.Parse(time.RFC3339Nano, s)
		got, ok := parseTime([]byte(s))
		if err != nil || !ok || !got.Equal(want) || got.Location() != time.UTC {
			t.Errorf("parseTime(%q)=%v,%v, want %v", s, got, ok, want)
		}
	}
	for _, s := range []string{"2026-02-29T00:00:00Z", "2026-13-01T00:00:00Z", "2026-05-01T24:00:00Z", "2026-05-01", "2026-05-01T12:00:00", "2026-05-01T12:00:00.Z"} {
		if _, ok := parseTime([]byte(s)); ok {
			t.Errorf("parseTime(%q) accepted, want refused", s)
		}
	}
}

func TestParseNumber(t *testing.T) {
	for _, s := range []string{"0", "-0", "1", "-1", "123456789012345", "1234567890123456", "12345678901234567890", "1.5", "-2.5e-3", "1E+2", "5e-324", "1e-999"} {
		want, _ := strconv64(s)
		got, err := parseNumber([]byte(s))
		if err != nil || got != want || math.Signbit(got) != math.Signbit(want) {
			t.Errorf("parseNumber(%s)=%v,%v, want %v", s, got, err, want)
		}
	}
}

func strconv64(s string) (float64, error) {
	var f float64
	err := json.Unmarshal([]byte(s), &f)
	return f, err
}
