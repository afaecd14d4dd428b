package telemetry

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// TestAggregateJSONShowsDistinctSubjects: the API shows the distinct-subject
// estimate, not the counter's registers.
func TestAggregateJSONShowsDistinctSubjects(t *testing.T) {
	as := Aggregates{}
	score := 0.4
	for _, s := range []string{"s_a", "s_b", "s_c", "s_a"} {
		as.AddPrediction(&Prediction{ID: s, Model: "m", ModelAssetID: "asset", ModelVersion: 1, Time: time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC),
			Subject: s, Output: Output{Score: &score}}, Reference{})
	}
	a := as[AggKey{ModelAssetID: "asset", ModelVersion: 1, Hour: time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)}]
	if a == nil {
		t.Fatalf("no aggregate under the all-predictions key: %v", as.Keys())
	}
	b, err := json.Marshal(a)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"subjects":{"distinct":3}`) || strings.Contains(string(b), "registers") {
		t.Fatalf("aggregate JSON = %s, want the subjects as {\"distinct\":3}", b)
	}
}
