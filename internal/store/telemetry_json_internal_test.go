package store

import (
	"encoding/json"
	"math"
	"reflect"
	"testing"
)

// The hand-written encoders must produce JSON that decodes to what
// encoding/json's would.
func TestTelemetryJSON(t *testing.T) {
	features := map[string]any{"a": 1.5, "b": "x\"y\\z\n\t\x01é\xff", "c": true, "d": nil, "e": math.Copysign(0, -1), "f": 1e21, "g": 1e-7, "<": "</script>", "\u2028": "\u2029"}
	got, err := flatJSON(features)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := json.Marshal(features)
	var a, b any
	if err := json.Unmarshal([]byte(got), &a); err != nil {
		t.Fatalf("flatJSON wrote invalid JSON %s: %v", got, err)
	}
	json.Unmarshal(want, &b)
	if !reflect.DeepEqual(a, b) {
		t.Errorf("flatJSON = %s, decodes unlike encoding/json's %s", got, want)
	}
	// Other value types go through encoding/json.
	if got, err := flatJSON(map[string]any{"n": json.Number("12"), "i": 3}); err != nil || got != `{"i":3,"n":12}` {
		t.Errorf("flatJSON(other types) = %s, %v", got, err)
	}
	if _, err := flatJSON(map[string]any{"x": math.NaN()}); err == nil {
		t.Error("flatJSON(NaN) succeeded")
	}
	if _, err := floatsJSON(map[string]float64{"x": math.Inf(1)}); err == nil {
		t.Error("floatsJSON(+Inf) succeeded")
	}
	if got, _ := floatsJSON(map[string]float64{"b": 0.25, "a": -3}); got != `{"a":-3,"b":0.25}` {
		t.Errorf("floatsJSON = %s", got)
	}
	if got := stringsJSON(map[string]string{"region": "north", "age": "30-40"}); got != `{"age":"30-40","region":"north"}` {
		t.Errorf("stringsJSON = %s", got)
	}
}
