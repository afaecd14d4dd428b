package profile

import (
	"bytes"
	"context"
	"math"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/atrium-mlops/atrium/internal/registry"
)

// distinctTolerance is how far a distinct count may be from the exact one:
// the HyperLogLog standard error is 0.81%, so 3% is well over three sigma.
const distinctTolerance = 0.03

func relClose(got, want, tol float64) bool {
	if got == want {
		return true
	}
	return math.Abs(got-want) <= tol*math.Max(math.Abs(want), math.Abs(got))
}

// checkAgainst compares a profile with the Python reference for the same data.
func checkAgainst(t *testing.T, p registry.Profile, ref refFile, types map[string]registry.ColumnType, skip map[string]bool) {
	t.Helper()
	if p.Rows != ref.Rows {
		t.Errorf("rows = %d, reference %d", p.Rows, ref.Rows)
	}
	if err := p.Check(); err != nil {
		t.Errorf("profile does not pass Check: %v", err)
	}
	byName := map[string]registry.ColumnProfile{}
	for _, c := range p.Columns {
		byName[c.Name] = c
	}
	for _, name := range ref.Order {
		if skip[name] {
			continue
		}
		c, ok := byName[name]
		if !ok {
			t.Errorf("column %q missing from the profile", name)
			continue
		}
		r := ref.Columns[name]
		if want := types[name]; c.Type != want {
			t.Errorf("%s: type %s, want %s", name, c.Type, want)
		}
		if c.Count != r.Count || c.Nulls != r.Nulls {
			t.Errorf("%s: count/nulls %d/%d, reference %d/%d", name, c.Count, c.Nulls, r.Count, r.Nulls)
		}
		if d := math.Abs(float64(c.Distinct - r.Distinct)); d > math.Max(1, distinctTolerance*float64(r.Distinct)) {
			t.Errorf("%s: distinct %d, reference %d (off by %.1f%%)", name, c.Distinct, r.Distinct, 100*d/float64(r.Distinct))
		}
		if r.Mean != nil && c.Type.Numeric() {
			checkNumeric(t, name, c, r)
		}
		if r.Top != nil && (c.Type == registry.String || c.Type == registry.Categorical || c.Type == registry.Boolean) {
			checkTop(t, name, c, r)
		}
	}
}

func checkNumeric(t *testing.T, name string, c registry.ColumnProfile, r refColumn) {
	t.Helper()
	for _, s := range []struct {
		what      string
		got, want *float64
	}{{"min", c.Min, r.Min}, {"max", c.Max, r.Max}, {"mean", c.Mean, r.Mean}, {"std", c.Std, r.Std}} {
		if s.got == nil || s.want == nil {
			t.Errorf("%s: %s missing (got %v, reference %v)", name, s.what, s.got, s.want)
			continue
		}
		if !relClose(*s.got, *s.want, 1e-9) {
			t.Errorf("%s: %s = %.17g, reference %.17g", name, s.what, *s.got, *s.want)
		}
	}
	// A quantile estimate for q must lie between the exact quantiles at
	// q − ε and q + ε: its rank error is at most ε.
	grid := r.QGrid
	for _, q := range c.Quantiles {
		lo := grid[max(0, int(math.Floor((q.Q-kllRankError)*1000)))]
		hi := grid[min(1000, int(math.Ceil((q.Q+kllRankError)*1000)))]
		if q.Value < lo || q.Value > hi {
			t.Errorf("%s: quantile %.2f = %g, outside the exact [%g, %g] for rank error %.2f", name, q.Q, q.Value, lo, hi, kllRankError)
		}
		if (q.Q == 0 && q.Value != *r.Min) || (q.Q == 1 && q.Value != *r.Max) {
			t.Errorf("%s: quantile %.0f = %g, want the exact extreme", name, q.Q, q.Value)
		}
	}
	if len(c.Histogram) != len(r.Histogram) {
		t.Fatalf("%s: %d histogram bins, reference %d", name, len(c.Histogram), len(r.Histogram))
	}
	slack := int64(math.Ceil(2 * kllRankError * float64(c.Count)))
	var sum int64
	for i, b := range c.Histogram {
		sum += b.Count
		if !relClose(b.Low, r.Edges[i], 1e-12) || !relClose(b.High, r.Edges[i+1], 1e-12) {
			t.Errorf("%s: bin %d is [%g, %g), reference [%g, %g)", name, i, b.Low, b.High, r.Edges[i], r.Edges[i+1])
		}
		if d := b.Count - r.Histogram[i]; d > slack || d < -slack {
			t.Errorf("%s: bin %d count %d, reference %d (allowed ±%d)", name, i, b.Count, r.Histogram[i], slack)
		}
	}
	if sum != c.Count {
		t.Errorf("%s: histogram counts sum to %d, want %d", name, sum, c.Count)
	}
}

// checkTop holds the frequent values to the Space-Saving guarantee: a
// reported count is never below the true one and at most n/capacity above.
func checkTop(t *testing.T, name string, c registry.ColumnProfile, r refColumn) {
	t.Helper()
	exact := map[string]int64{}
	var counts []int64
	for _, e := range r.Top {
		v := displayValue([]byte(e["value"].(string)), false)
		exact[v] = int64(e["count"].(float64))
		counts = append(counts, exact[v])
	}
	sort.Slice(counts, func(i, j int) bool { return counts[i] > counts[j] })
	if len(c.Top) == 0 && counts[0] > c.Count/topCapacity+1 {
		t.Errorf("%s: no top values, though %d occurs %d times", name, r.Top[0]["value"], counts[0])
	}
	slack := (c.Count + topCapacity - 1) / topCapacity
	for i, tv := range c.Top {
		want, ok := exact[tv.Value]
		if !ok && tv.Count > slack {
			t.Errorf("%s: top value %q (count %d) is not frequent in the reference", name, tv.Value, tv.Count)
			continue
		}
		if tv.Count < want || tv.Count > want+slack {
			t.Errorf("%s: top value %q counted %d, reference %d (allowed +%d)", name, tv.Value, tv.Count, want, slack)
		}
		if r.Distinct < topCapacity && tv.Count != counts[i] {
			t.Errorf("%s: top %d has count %d, reference %d", name, i, tv.Count, counts[i])
		}
	}
}

var fixtureTypes = map[string]registry.ColumnType{
	"id": registry.Integer, "age": registry.Integer, "income": registry.Number, "score": registry.Number,
	"active": registry.Boolean, "country": registry.Categorical, "email": registry.String,
	"signup": registry.Timestamp, "note": registry.String, "phone": registry.String,
	"instrument": registry.Integer, "birth_date": registry.Timestamp,
	"address.city": registry.Categorical, "address.zip": registry.Integer, "tags": registry.Categorical,
}

func checkSuggestions(t *testing.T, p registry.Profile, want map[string]string) {
	t.Helper()
	for _, c := range p.Columns {
		got := ""
		if c.Suggested != nil {
			got = string(c.Suggested.Classification) + "/" + c.Suggested.Detector
		}
		if got != want[c.Name] {
			t.Errorf("%s: suggestion %q (%+v), want %q", c.Name, got, c.Suggested, want[c.Name])
		}
	}
}

func writeTemp(t *testing.T, name string, data []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestCSVMatchesReference(t *testing.T) {
	ref := loadReference(t).Files["people.csv"]
	data := fixtureBytes(t, writeFixtureCSV)
	path := writeTemp(t, "people.csv", data)
	prog := &Progress{}
	p, schema, err := File(context.Background(), path, Options{Progress: prog})
	if err != nil {
		t.Fatal(err)
	}
	if p.Format != "csv" || p.Bytes != ref.Bytes {
		t.Errorf("format %q bytes %d, want csv %d", p.Format, p.Bytes, ref.Bytes)
	}
	if read, total := prog.Read(); read != int64(len(data)) || total != int64(len(data)) {
		t.Errorf("progress read %d of %d, want %d", read, total, len(data))
	}
	checkAgainst(t, p, ref, fixtureTypes, nil)
	checkSuggestions(t, p, map[string]string{
		"email": "direct-identifier/email", "phone": "direct-identifier/phone", "instrument": "direct-identifier/card",
		"birth_date": "quasi-identifier/birth-date",
	})
	if len(schema) != len(p.Columns) || schema[1] != (registry.Column{Name: "age", Type: registry.Integer, Nullable: true}) ||
		schema[0].Nullable {
		t.Errorf("schema = %+v", schema)
	}
	if err := registry.CheckSchema(schema); err != nil {
		t.Error(err)
	}
}

func TestJSONLMatchesReference(t *testing.T) {
	ref := loadReference(t).Files["people.jsonl"]
	path := writeTemp(t, "people.jsonl", fixtureBytes(t, writeFixtureJSONL))
	p, _, err := File(context.Background(), path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if p.Format != "jsonl" || p.Bytes != ref.Bytes {
		t.Errorf("format %q bytes %d", p.Format, p.Bytes)
	}
	var names []string
	for _, c := range p.Columns {
		names = append(names, c.Name)
	}
	if len(names) != len(ref.Order) {
		t.Fatalf("columns %v, reference %v", names, ref.Order)
	}
	for i := range names {
		if names[i] != ref.Order[i] {
			t.Errorf("column %d is %q, reference %q (first-seen order)", i, names[i], ref.Order[i])
		}
	}
	checkAgainst(t, p, ref, fixtureTypes, nil)
	checkSuggestions(t, p, map[string]string{"email": "direct-identifier/email", "address.city": "quasi-identifier/address",
		"address.zip": "quasi-identifier/address"})
}

func TestParquetMatchesReference(t *testing.T) {
	ref := loadReference(t).Files["people.csv"]
	var buf bytes.Buffer
	if err := writeFixtureParquet(&buf, fixtureData()); err != nil {
		t.Fatal(err)
	}
	path := writeTemp(t, "people.parquet", buf.Bytes())
	prog := &Progress{}
	p, schema, err := File(context.Background(), path, Options{Progress: prog})
	if err != nil {
		t.Fatal(err)
	}
	if p.Format != "parquet" || p.Bytes != int64(buf.Len()) {
		t.Errorf("format %q bytes %d", p.Format, p.Bytes)
	}
	if read, _ := prog.Read(); read == 0 {
		t.Error("progress counted nothing")
	}
	types := map[string]registry.ColumnType{}
	for k, v := range fixtureTypes {
		types[k] = v
	}
	types["instrument"] = registry.String // a string column in the Parquet file
	// The CSV's score column has some values in exponent form, which are
	// other strings but the same numbers; the Parquet's signup is a
	// timestamp, not text: both have the same distinct counts give or take
	// the sketch's error, which checkAgainst allows.
	checkAgainst(t, p, ref, types, nil)
	checkSuggestions(t, p, map[string]string{
		"email": "direct-identifier/email", "phone": "direct-identifier/phone", "instrument": "direct-identifier/card",
		"birth_date": "quasi-identifier/birth-date",
	})
	for _, c := range schema {
		if c.Name == "email" && !c.Nullable || c.Name == "id" && c.Nullable {
			t.Errorf("schema column %+v", c)
		}
	}
}
