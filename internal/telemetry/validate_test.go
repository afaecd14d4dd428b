package telemetry

import (
	"encoding/json"
	"math"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/atrium-mlops/atrium/internal/atrium"
)

func ptr[T any](v T) *T { return &v }

func TestIDs(t *testing.T) {
	a, b := NewID(), NewID()
	if !regexp.MustCompile(`^[0-9a-f]{32}$`).MatchString(a) || a == b {
		t.Fatalf("NewID = %q, %q; want two different 32-hex ids", a, b)
	}
	if err := CheckID(a); err != nil {
		t.Fatalf("CheckID(NewID()) = %v", err)
	}
	for _, ok := range []string{"a", "order-123:retry.2_x", "0af7651916cd43dd8448eb211c80319c", strings.Repeat("a", MaxID)} {
		if err := CheckID(ok); err != nil {
			t.Errorf("CheckID(%q) = %v, want nil", ok, err)
		}
	}
	for _, bad := range []string{"", "-a", ".a", "a b", "a/b", "é", strings.Repeat("a", MaxID+1), "a\n", "a%20"} {
		if err := CheckID(bad); atrium.KindOf(err) != atrium.Invalid {
			t.Errorf("CheckID(%q) = %v, want Invalid", bad, err)
		}
	}
}

func TestValidatePrediction(t *testing.T) {
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	good := func() *Prediction {
		return &Prediction{ID: "p1", Model: "credit-risk", Time: now.Add(-time.Minute),
			Segments: map[string]string{"region": "north"},
			Features: map[string]any{"age": 41.0, "n": json.Number("3"), "city": "Berlin", "vip": true, "none": nil, "i": 3},
			Output:   Output{Label: ptr("yes"), Score: ptr(0.8)}, LatencyMS: ptr(12.0),
			Explanation: map[string]float64{"age": 0.2}}
	}
	if err := ValidatePrediction(good(), now); err != nil {
		t.Fatalf("valid prediction refused: %v", err)
	}
	many := map[string]any{}
	for i := range MaxFeatures + 1 {
		many[strings.Repeat("f", 1+i%90)+string(rune('a'+i/90))] = 1.0
	}
	for _, tc := range []struct {
		name string
		edit func(p *Prediction)
		kind atrium.Kind
		says string
	}{
		{"zero time ok", func(p *Prediction) { p.Time = time.Time{} }, "", ""},
		{"error without output ok", func(p *Prediction) { p.Output = Output{}; p.Error = "timeout" }, "", ""},
		{"value only ok", func(p *Prediction) { p.Output = Output{Value: ptr(-3.5)} }, "", ""},
		{"bad id", func(p *Prediction) { p.ID = "a b" }, atrium.Invalid, "id"},
		{"no model", func(p *Prediction) { p.Model = "" }, atrium.Invalid, "model is required"},
		{"model control", func(p *Prediction) { p.Model = "a\x00b" }, atrium.Invalid, "control character"},
		{"too old", func(p *Prediction) { p.Time = time.Date(1999, 12, 31, 0, 0, 0, 0, time.UTC) }, atrium.Invalid, "before 2000"},
		{"future", func(p *Prediction) { p.Time = now.Add(MaxClockSkew + time.Second) }, atrium.Invalid, "future"},
		{"skew ok", func(p *Prediction) { p.Time = now.Add(MaxClockSkew) }, "", ""},
		{"nested object", func(p *Prediction) { p.Features["addr"] = map[string]any{"zip": "1"} }, atrium.Invalid, `feature "addr" is an object or a list`},
		{"list", func(p *Prediction) { p.Features["tags"] = []any{"a"} }, atrium.Invalid, `"tags"`},
		{"nan feature", func(p *Prediction) { p.Features["x"] = math.NaN() }, atrium.Invalid, `feature "x" must be a finite`},
		{"inf feature", func(p *Prediction) { p.Features["x"] = math.Inf(1) }, atrium.Invalid, "finite"},
		{"bad number", func(p *Prediction) { p.Features["x"] = json.Number("1e999") }, atrium.Invalid, "finite"},
		{"long string", func(p *Prediction) { p.Features["x"] = strings.Repeat("a", MaxFeatureText+1) }, atrium.Invalid, "too long"},
		{"bad utf8", func(p *Prediction) { p.Features["x"] = "\xff" }, atrium.Invalid, "UTF-8"},
		{"empty feature name", func(p *Prediction) { p.Features[""] = 1.0 }, atrium.Invalid, "feature name is empty"},
		{"long feature name", func(p *Prediction) { p.Features[strings.Repeat("a", MaxName+1)] = 1.0 }, atrium.Invalid, "too long"},
		{"too many features", func(p *Prediction) { p.Features = many }, atrium.TooLarge, "at most 256 features"},
		{"too many segments", func(p *Prediction) {
			for i := range MaxSegments + 1 {
				p.Segments[string(rune('a'+i))] = "x"
			}
		}, atrium.TooLarge, "segment"},
		{"segment with =", func(p *Prediction) { p.Segments["a=b"] = "x" }, atrium.Invalid, `"="`},
		{"empty segment", func(p *Prediction) { p.Segments["a"] = "" }, atrium.Invalid, "empty value"},
		{"long segment", func(p *Prediction) { p.Segments["a"] = strings.Repeat("x", MaxSegmentText+1) }, atrium.Invalid, "too long"},
		{"score above 1", func(p *Prediction) { p.Output.Score = ptr(1.2) }, atrium.Invalid, "probability"},
		{"score negative", func(p *Prediction) { p.Output.Score = ptr(-0.1) }, atrium.Invalid, "between 0 and 1"},
		{"score nan", func(p *Prediction) { p.Output.Score = ptr(math.NaN()) }, atrium.Invalid, "finite"},
		{"value inf", func(p *Prediction) { p.Output = Output{Value: ptr(math.Inf(-1))} }, atrium.Invalid, "finite"},
		{"no output", func(p *Prediction) { p.Output = Output{} }, atrium.Invalid, "label, a score or a value"},
		{"empty label", func(p *Prediction) { p.Output.Label = ptr("") }, atrium.Invalid, "label is empty"},
		{"bad error", func(p *Prediction) { p.Output = Output{}; p.Error = "crashed" }, atrium.Invalid, `"timeout" or "error"`},
		{"error with output", func(p *Prediction) { p.Error = "error" }, atrium.Invalid, "no output"},
		{"negative latency", func(p *Prediction) { p.LatencyMS = ptr(-1.0) }, atrium.Invalid, "negative"},
		{"latency over an hour", func(p *Prediction) { p.LatencyMS = ptr(MaxLatencyMS + 1) }, atrium.Invalid, "one hour"},
		{"latency nan", func(p *Prediction) { p.LatencyMS = ptr(math.NaN()) }, atrium.Invalid, "finite"},
		{"explanation nan", func(p *Prediction) { p.Explanation["age"] = math.NaN() }, atrium.Invalid, "explanation"},
		{"explanation name", func(p *Prediction) { p.Explanation[""] = 1 }, atrium.Invalid, "explanation entry is empty"},
		{"long subject", func(p *Prediction) { p.Subject = strings.Repeat("s", MaxSubject+1) }, atrium.Invalid, "subject"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := good()
			tc.edit(p)
			err := ValidatePrediction(p, now)
			if tc.kind == "" {
				if err != nil {
					t.Fatalf("ValidatePrediction = %v, want nil", err)
				}
				return
			}
			if atrium.KindOf(err) != tc.kind || !strings.Contains(err.Error(), tc.says) {
				t.Fatalf("ValidatePrediction = %v, want %s saying %q", err, tc.kind, tc.says)
			}
		})
	}
}

func TestValidateOutcome(t *testing.T) {
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name string
		o    Outcome
		says string // "" = valid
	}{
		{"label", Outcome{PredictionID: "p1", Label: ptr("yes")}, ""},
		{"value", Outcome{PredictionID: "p1", Value: ptr(3.0), Time: now}, ""},
		{"no prediction", Outcome{Label: ptr("yes")}, "prediction_id is required"},
		{"bad prediction id", Outcome{PredictionID: "a b", Label: ptr("yes")}, "prediction_id"},
		{"neither", Outcome{PredictionID: "p1"}, "label or the actual value"},
		{"both", Outcome{PredictionID: "p1", Label: ptr("yes"), Value: ptr(1.0)}, "not both"},
		{"nan", Outcome{PredictionID: "p1", Value: ptr(math.NaN())}, "finite"},
		{"empty label", Outcome{PredictionID: "p1", Label: ptr("")}, "empty"},
		{"future", Outcome{PredictionID: "p1", Label: ptr("y"), Time: now.Add(2 * time.Hour)}, "future"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := ValidateOutcome(&tc.o, now)
			if tc.says == "" {
				if err != nil {
					t.Fatalf("ValidateOutcome = %v, want nil", err)
				}
				return
			}
			if atrium.KindOf(err) != atrium.Invalid || !strings.Contains(err.Error(), tc.says) {
				t.Fatalf("ValidateOutcome = %v, want Invalid saying %q", err, tc.says)
			}
		})
	}
}

func TestValidateFeedback(t *testing.T) {
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name string
		f    Feedback
		says string
	}{
		{"thumbs", Feedback{Kind: Thumbs, Value: "up"}, ""},
		{"thumbs trimmed", Feedback{Kind: Thumbs, Value: " down "}, ""},
		{"rating", Feedback{Kind: Rating, Value: "5", PredictionID: "p1"}, ""},
		{"correction", Feedback{Kind: Correction, Value: "no"}, ""},
		{"bug", Feedback{Kind: Bug, Text: "it said yes\nbut meant no", Contact: "me@example.org"}, ""},
		{"comment with status", Feedback{Kind: Comment, Text: "nice", Status: Triaged}, ""},
		{"no kind", Feedback{Value: "up"}, "kind is required"},
		{"unknown kind", Feedback{Kind: "love", Value: "up"}, "kind must be"},
		{"thumbs sideways", Feedback{Kind: Thumbs, Value: "sideways"}, `"up" or "down"`},
		{"rating 0", Feedback{Kind: Rating, Value: "0"}, "1 to 5"},
		{"rating 6", Feedback{Kind: Rating, Value: "6"}, "1 to 5"},
		{"rating 4.5", Feedback{Kind: Rating, Value: "4.5"}, "1 to 5"},
		{"correction empty", Feedback{Kind: Correction}, "needs a value"},
		{"bug without text", Feedback{Kind: Bug, Text: "  "}, "bug report needs text"},
		{"comment without text", Feedback{Kind: Comment}, "comment needs text"},
		{"comment with value", Feedback{Kind: Comment, Text: "x", Value: "up"}, "no value"},
		{"text too long", Feedback{Kind: Comment, Text: strings.Repeat("a", MaxText+1)}, "too long"},
		{"text control", Feedback{Kind: Comment, Text: "a\x07"}, "control character"},
		{"contact not email", Feedback{Kind: Thumbs, Value: "up", Contact: "call me"}, "e-mail address"},
		{"contact display name", Feedback{Kind: Thumbs, Value: "up", Contact: "Me <me@example.org>"}, "e-mail address"},
		{"contact no dot", Feedback{Kind: Thumbs, Value: "up", Contact: "me@localhost"}, "e-mail address"},
		{"contact too long", Feedback{Kind: Thumbs, Value: "up", Contact: strings.Repeat("a", 250) + "@x.org"}, "too long"},
		{"bad status", Feedback{Kind: Thumbs, Value: "up", Status: "done"}, "status must be"},
		{"bad id", Feedback{ID: "/", Kind: Thumbs, Value: "up"}, "id must be"},
		{"bad prediction id", Feedback{PredictionID: "a b", Kind: Thumbs, Value: "up"}, "prediction_id"},
		{"old", Feedback{Kind: Thumbs, Value: "up", Time: time.Unix(0, 0)}, "before 2000"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := ValidateFeedback(&tc.f, now)
			if tc.says == "" {
				if err != nil {
					t.Fatalf("ValidateFeedback = %v, want nil", err)
				}
				return
			}
			if atrium.KindOf(err) != atrium.Invalid || !strings.Contains(err.Error(), tc.says) {
				t.Fatalf("ValidateFeedback = %v, want Invalid saying %q", err, tc.says)
			}
		})
	}
}

// The fast paths must accept only what the full checks accept.
func TestFastPathsAgree(t *testing.T) {
	samples := []string{"", "a", "A-1", "order-123:retry", "_x", "-x", ".x", "x y", " x", "x ", "x\ty", "x\ny", "x\r",
		"x\x00", "x\x7f", "é", "x\u0085", "x\u2028", "x\u00a0", "\xff", "ab=c", "trace.span_1", strings.Repeat("a", 128),
		strings.Repeat("a", 129), strings.Repeat("é", 64), strings.Repeat("b", MaxName+1), "\x1b[31m"}
	for _, s := range samples {
		if plainID(s) != idRE.MatchString(s) {
			t.Errorf("plainID(%q) = %v, the regular expression says %v", s, plainID(s), !plainID(s))
		}
		for _, multi := range []bool{false, true} {
			if plainChars(s, MaxName, multi) && checkChars("x", s, MaxName, multi) != nil {
				t.Errorf("plainChars(%q, %v) accepts what checkChars refuses", s, multi)
			}
		}
		if plainChars(s, MaxName, false) && s != "" && s[0] != ' ' && s[len(s)-1] != ' ' && strings.TrimSpace(s) != s {
			t.Errorf("checkName's fast path accepts %q with space at an end", s)
		}
	}
}
