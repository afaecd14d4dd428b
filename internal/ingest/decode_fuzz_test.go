package ingest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/atrium-mlops/atrium/internal/telemetry"
)

// FuzzDecode checks, for any body, that Decode does not panic, answers for
// every event it found exactly once, and agrees with encoding/json on every
// event it reads: what it accepts is valid JSON, and the fields it keeps
// hold what encoding/json reads from them.
func FuzzDecode(f *testing.F) {
	seeds := []string{
		`[{"id":"a","features":{"x":1,"y":"s","z":true,"n":null},"segments":{"c":"FR"},"output":{"label":"l","score":0.5}}]`,
		`[{"id":"a","time":"2026-05-01T12:00:00Z","latency_ms":3,"explanation":{"x":0.1}},{"id":"b","x":[1,{"y":[]}]}]`,
		`[{"id":"\u00e9\ud83d\ude00\ud800","features":{"x":-0.0,"y":1e308,"z":1e999}},"x",1,null,{}]`,
		`[{"id":1,"version":"3","features":{"x":NaN}},{"features":[1]}]`,
		"[{\"a\":\"\\\"}\"},{\"b\":\"]\"}]",
		`[[[[[[[[[[[[[[]]]]]]]]]]]]]]`,
		`[{"id":"a"},{"id":"b","id":"c"}]`,
		`[{"prediction_id":"p","label":true,"value":2}]`,
	}
	for _, s := range seeds {
		f.Add([]byte(s), false)
		f.Add([]byte(strings.ReplaceAll(strings.Trim(s, "[]"), "},{", "}\n{")), true)
	}
	f.Fuzz(func(t *testing.T, body []byte, ndjson bool) {
		ct := "application/json"
		if ndjson {
			ct = "application/x-ndjson"
		}
		for _, kind := range []Kind{Predictions, Outcomes, Feedback} {
			r, err := Decode(kind, bytes.NewReader(body), ct, "", false, decodeNow)
			if err != nil {
				continue
			}
			checkAnswers(t, r)
			if !ndjson {
				checkAgainstEncodingJSON(t, kind, body, r)
			}
		}
	})
}

// checkAnswers checks that every index from 0 to Len-1 is answered once.
func checkAnswers(t *testing.T, r *Request) {
	t.Helper()
	seen := make([]bool, r.Len())
	mark := func(i int) {
		if i < 0 || i >= len(seen) || seen[i] {
			t.Fatalf("index %d answered twice or out of range (Len %d)", i, r.Len())
		}
		seen[i] = true
	}
	for i := range r.items() {
		mark(r.index(i))
	}
	for _, it := range r.Refused {
		mark(it.Index)
		if it.Status != telemetry.Refused || it.Error == "" {
			t.Fatalf("refusal %+v has no status or message", it)
		}
	}
	if r.UseCases != nil && len(r.UseCases) != r.items() {
		t.Fatalf("%d use cases for %d events", len(r.UseCases), r.items())
	}
	if r.Index != nil && len(r.Index) != r.items() {
		t.Fatalf("%d indexes for %d events", len(r.Index), r.items())
	}
}

// checkAgainstEncodingJSON decodes an array body with encoding/json and
// compares the events Decode read with it.
func checkAgainstEncodingJSON(t *testing.T, kind Kind, body []byte, r *Request) {
	t.Helper()
	var raw []json.RawMessage
	if err := json.Unmarshal(body, &raw); err != nil {
		// An event encoding/json cannot read (NaN, a lone bracket inside
		// a refused event) makes it refuse the whole body, where Decode
		// refuses that event only; bodies it reads are compared.
		return
	}
	if len(raw) != r.Len() {
		t.Fatalf("Decode found %d events, encoding/json %d", r.Len(), len(raw))
	}
	for i := range r.items() {
		var m map[string]any
		if err := json.Unmarshal(raw[r.index(i)], &m); err != nil {
			t.Fatalf("event %d read by Decode, refused by encoding/json: %v", r.index(i), err)
		}
		var got map[string]any
		switch kind {
		case Predictions:
			got = predictionFields(r.Predictions[i])
		case Outcomes:
			got = outcomeFields(r.Outcomes[i])
		default:
			got = feedbackFields(r.Feedback[i])
		}
		for k, v := range got {
			w, ok := m[k]
			if !ok || w == nil {
				w = zeroOf(v)
			}
			if o, ok := w.(map[string]any); ok && k == "output" {
				w = keep(o, "label", "score", "value")
			}
			if !sameJSON(v, w) {
				t.Fatalf("event %d field %s: Decode read %#v, encoding/json %#v", r.index(i), k, v, w)
			}
		}
	}
}

func keep(m map[string]any, keys ...string) any {
	o := map[string]any{}
	for _, k := range keys {
		if v, ok := m[k]; ok && v != nil {
			o[k] = v
		}
	}
	if len(o) == 0 {
		return nil
	}
	return o
}

func zeroOf(v any) any {
	switch v.(type) {
	case string:
		return ""
	case map[string]any:
		return map[string]any(nil)
	}
	return nil
}

// sameJSON compares a value Decode produced with what encoding/json read,
// allowing for text fields that hold a number or boolean as written.
func sameJSON(got, want any) bool {
	switch w := want.(type) {
	case float64:
		switch g := got.(type) {
		case string:
			f, err := parseNumber([]byte(g))
			return err == nil && f == w
		case float64:
			return g == w || math.IsNaN(g) && math.IsNaN(w)
		}
		return false
	case bool:
		if g, ok := got.(string); ok {
			return g == fmt.Sprint(w)
		}
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok || len(g) != len(w) {
			return len(g) == 0 && len(w) == 0
		}
		for k, wv := range w {
			gv, ok := g[k]
			if !ok || !sameJSON(gv, wv) {
				if !(ok && gv == nil && wv == nil) {
					return false
				}
			}
		}
		return true
	}
	return reflect.DeepEqual(got, want)
}

func strMap(m map[string]string) map[string]any {
	if m == nil {
		return nil
	}
	o := make(map[string]any, len(m))
	for k, v := range m {
		o[k] = v
	}
	return o
}

func numMap(m map[string]float64) map[string]any {
	if m == nil {
		return nil
	}
	o := make(map[string]any, len(m))
	for k, v := range m {
		o[k] = v
	}
	return o
}

func optNum(p *float64) any {
	if p == nil {
		return nil
	}
	return *p
}

func optStr(p *string) any {
	if p == nil {
		return nil
	}
	return *p
}

func predictionFields(p telemetry.Prediction) map[string]any {
	out := map[string]any{}
	if p.Output.Label != nil || p.Output.Score != nil || p.Output.Value != nil {
		o := map[string]any{}
		if p.Output.Label != nil {
			o["label"] = *p.Output.Label
		}
		if p.Output.Score != nil {
			o["score"] = *p.Output.Score
		}
		if p.Output.Value != nil {
			o["value"] = *p.Output.Value
		}
		out["output"] = o
	}
	out["id"], out["model"], out["version"], out["subject"], out["error"] = p.ID, p.Model, p.Version, p.Subject, p.Error
	out["segments"], out["features"], out["explanation"] = strMap(p.Segments), p.Features, numMap(p.Explanation)
	out["latency_ms"] = optNum(p.LatencyMS)
	return out
}

func outcomeFields(o telemetry.Outcome) map[string]any {
	return map[string]any{"prediction_id": o.PredictionID, "label": optStr(o.Label), "value": optNum(o.Value)}
}

func feedbackFields(f telemetry.Feedback) map[string]any {
	return map[string]any{"id": f.ID, "prediction_id": f.PredictionID, "kind": string(f.Kind), "value": f.Value, "text": f.Text, "contact": f.Contact}
}
