package telemetry

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/atrium-mlops/atrium/internal/registry"
)

func TestSketchQuantileAccuracy(t *testing.T) {
	for seed := range uint64(20) {
		r := rand.New(rand.NewPCG(seed, 1))
		n := 1 + r.IntN(5000)
		xs := make([]float64, n)
		var s Sketch
		for i := range xs {
			switch seed % 4 {
			case 0:
				xs[i] = r.ExpFloat64() * 100
			case 1:
				xs[i] = r.NormFloat64() * 50
			case 2:
				xs[i] = math.Exp(r.NormFloat64() * 5) // wide dynamic range
			default:
				xs[i] = float64(r.IntN(5)) - 2 // many zeros and repeats
			}
			s.Add(xs[i])
		}
		slices.Sort(xs)
		for _, q := range []float64{0, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 1} {
			got, ok := s.Quantile(q)
			want := xs[int(q*float64(n-1))]
			if !ok || math.Abs(got-want) > SketchAccuracy*math.Abs(want)+1e-12 {
				t.Fatalf("seed %d n %d q %g: Quantile = %g, want %g within 1%%", seed, n, q, got, want)
			}
		}
		if s.Count != int64(n) || s.Min != xs[0] || s.Max != xs[n-1] {
			t.Fatalf("seed %d: count/min/max = %d %g %g, want %d %g %g", seed, s.Count, s.Min, s.Max, n, xs[0], xs[n-1])
		}
	}
	var empty Sketch
	if _, ok := empty.Quantile(0.5); ok {
		t.Fatalf("empty sketch has a quantile")
	}
}

// The collapse of a sketch with a range too wide for its buckets must give
// the same result however the values arrive and are merged.
func TestSketchCollapseOrderIndependent(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 7))
	xs := make([]float64, 3000)
	for i := range xs {
		xs[i] = math.Exp(r.Float64()*200 - 100) // e^-100 … e^100: beyond 2048 buckets
		if i%3 == 0 {
			xs[i] = -xs[i]
		}
	}
	var one Sketch
	for _, x := range xs {
		one.Add(x)
	}
	if len(one.Pos.Counts) != MaxSketchBuckets {
		t.Fatalf("pos buckets = %d, want the range collapsed to %d", len(one.Pos.Counts), MaxSketchBuckets)
	}
	for seed := range uint64(10) {
		rr := rand.New(rand.NewPCG(seed, 3))
		perm := rr.Perm(len(xs))
		parts := make([]Sketch, 1+rr.IntN(6))
		for _, i := range perm {
			parts[rr.IntN(len(parts))].Add(xs[i])
		}
		var all Sketch
		for _, k := range rr.Perm(len(parts)) {
			all.Merge(&parts[k])
		}
		if !all.equal(&one) {
			t.Fatalf("seed %d: merged sketch differs from one pass", seed)
		}
		// The top quantiles keep their accuracy.
		sorted := slices.Clone(xs)
		slices.Sort(sorted)
		want := sorted[int(0.99*float64(len(xs)-1))]
		if got, _ := all.Quantile(0.99); math.Abs(got-want) > SketchAccuracy*math.Abs(want) {
			t.Fatalf("p99 = %g, want %g", got, want)
		}
	}
}

func TestCountsCapOrderIndependent(t *testing.T) {
	var vals []string
	for i := range 500 {
		for range 1 + i%7 {
			vals = append(vals, fmt.Sprintf("v%d", i))
		}
	}
	var one Counts
	for _, v := range vals {
		one.add(v, 1, MaxCategories)
	}
	if len(one.Values) != MaxCategories || one.Total() != int64(len(vals)) {
		t.Fatalf("kept %d, total %d; want %d kept and %d total", len(one.Values), one.Total(), MaxCategories, len(vals))
	}
	for seed := range uint64(10) {
		r := rand.New(rand.NewPCG(seed, 9))
		parts := make([]Counts, 1+r.IntN(5))
		for _, i := range r.Perm(len(vals)) {
			parts[r.IntN(len(parts))].add(vals[i], 1, MaxCategories)
		}
		var all Counts
		for _, k := range r.Perm(len(parts)) {
			all.merge(&parts[k], MaxCategories)
		}
		if !all.equal(&one) {
			t.Fatalf("seed %d: merged counts differ from one pass", seed)
		}
	}
	// Every kept value has its exact count.
	for v, n := range one.Values {
		var want int64
		for _, w := range vals {
			if w == v {
				want++
			}
		}
		if n != want {
			t.Fatalf("count of %s = %d, want %d", v, n, want)
		}
	}
}

func TestHLL(t *testing.T) {
	var h HLL
	for i := range 20000 {
		h.Add(fmt.Sprintf("s_%d", i%10000))
	}
	if got := h.Estimate(); got < 9500 || got > 10500 {
		t.Fatalf("Estimate = %d, want about 10000", got)
	}
	var small HLL
	for i := range 10 {
		small.Add(fmt.Sprint(i))
	}
	if got := small.Estimate(); got != 10 {
		t.Fatalf("Estimate of 10 = %d", got)
	}
}

var (
	testHour = time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	testRef  = Reference{Edges: map[string][]float64{"age": {25, 40, 60}, "income": {1000, 5000}}}
)

type events struct {
	preds    []Prediction
	outcomes []Outcome
	feedback []Feedback
}

// randomEvents makes predictions of every output shape with features of
// every type, outcomes for some and feedback for some, over three hours,
// two versions and two segment attributes.
func randomEvents(r *rand.Rand, n int) events {
	var ev events
	labels := []string{"yes", "no", "cat", "dog", "1", "0"}
	for i := range n {
		p := Prediction{ID: fmt.Sprintf("p%d", i), ModelAssetID: "m1", ModelVersion: 1 + r.IntN(2),
			Time:     testHour.Add(time.Duration(r.IntN(3*3600)) * time.Second),
			Segments: map[string]string{"region": []string{"north", "south"}[r.IntN(2)]},
			Features: map[string]any{}}
		if r.IntN(2) == 0 {
			p.Segments["plan"] = fmt.Sprint("p", r.IntN(3))
		}
		if r.IntN(3) > 0 {
			p.Subject = fmt.Sprint("s_", r.IntN(50))
		}
		p.LatencyMS = ptr(r.ExpFloat64() * 40)
		switch r.IntN(10) {
		case 0:
			p.Error = "timeout"
		case 1:
			p.Error = "error"
		case 2, 3:
			p.Output.Value = ptr(r.NormFloat64() * 10)
		case 4, 5:
			p.Output.Score = ptr(r.Float64())
		case 6, 7:
			p.Output.Label = ptr(labels[r.IntN(len(labels))])
			p.Output.Score = ptr(r.Float64())
		default:
			p.Output.Label = ptr(fmt.Sprint("class", r.IntN(90))) // beyond the cap
		}
		p.Features["age"] = 18 + r.Float64()*60
		if r.IntN(4) == 0 {
			p.Features["income"] = json.Number(fmt.Sprint(r.IntN(9000)))
		} else {
			p.Features["income"] = nil
		}
		p.Features["city"] = fmt.Sprint("c", r.IntN(100))
		p.Features["vip"] = r.IntN(2) == 0
		if r.IntN(5) == 0 {
			p.Features["mixed"] = "text"
		} else {
			p.Features["mixed"] = r.NormFloat64()
		}
		ev.preds = append(ev.preds, p)
		if r.IntN(2) == 0 {
			o := Outcome{PredictionID: p.ID}
			if p.Output.Value != nil || r.IntN(8) == 0 {
				o.Value = ptr(math.Round(r.NormFloat64() * 10))
			} else {
				o.Label = ptr(labels[r.IntN(len(labels))])
			}
			ev.outcomes = append(ev.outcomes, o)
		}
		if r.IntN(3) == 0 {
			kinds := []Feedback{{Kind: Thumbs, Value: "up"}, {Kind: Thumbs, Value: "down"}, {Kind: Rating, Value: fmt.Sprint(1 + r.IntN(5))},
				{Kind: Correction, Value: "yes"}, {Kind: Bug, Text: "x"}, {Kind: Comment, Text: "y"}}
			f := kinds[r.IntN(len(kinds))]
			f.Time = p.Time
			if r.IntN(4) > 0 {
				f.PredictionID = p.ID
			}
			ev.feedback = append(ev.feedback, f)
		}
	}
	return ev
}

func (ev events) addTo(as Aggregates, preds, outcomes, feedback []int) {
	byID := map[string]*Prediction{}
	for i := range ev.preds {
		byID[ev.preds[i].ID] = &ev.preds[i]
	}
	for _, i := range preds {
		as.AddPrediction(&ev.preds[i], testRef)
	}
	for _, i := range outcomes {
		as.AddOutcome(byID[ev.outcomes[i].PredictionID].Summary(), &ev.outcomes[i])
	}
	for _, i := range feedback {
		f := &ev.feedback[i]
		if f.PredictionID == "" {
			as.AddFeedback(nil, f)
			continue
		}
		s := byID[f.PredictionID].Summary()
		as.AddFeedback(&s, f)
	}
}

func all(n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = i
	}
	return s
}

func TestMergeEqualsOnePass(t *testing.T) {
	for seed := range uint64(40) {
		r := rand.New(rand.NewPCG(seed, 42))
		ev := randomEvents(r, 50+r.IntN(400))
		one := Aggregates{}
		ev.addTo(one, all(len(ev.preds)), all(len(ev.outcomes)), all(len(ev.feedback)))

		// Split every kind of event at random into parts, count each part in
		// a random order, round-trip some through the encoding, and merge the
		// parts in a random order.
		parts := make([]Aggregates, 1+r.IntN(6))
		split := func(n int) [][]int {
			s := make([][]int, len(parts))
			for _, i := range r.Perm(n) {
				k := r.IntN(len(parts))
				s[k] = append(s[k], i)
			}
			return s
		}
		ps, os, fs := split(len(ev.preds)), split(len(ev.outcomes)), split(len(ev.feedback))
		for k := range parts {
			parts[k] = Aggregates{}
			ev.addTo(parts[k], ps[k], os[k], fs[k])
			if r.IntN(2) == 0 {
				parts[k] = roundTrip(t, parts[k])
			}
		}
		merged := Aggregates{}
		for _, k := range r.Perm(len(parts)) {
			merged.Merge(parts[k])
		}
		if !merged.Equal(one) {
			for k, a := range one {
				if !a.Equal(merged[k]) {
					ja, _ := json.Marshal(a)
					jb, _ := json.Marshal(merged[k])
					t.Fatalf("seed %d key %v:\none pass %s\nmerged   %s", seed, k, ja, jb)
				}
			}
			t.Fatalf("seed %d: merged aggregates differ from one pass", seed)
		}
		if seed == 0 {
			checkOnePass(t, ev, one)
		}
	}
}

func roundTrip(t *testing.T, as Aggregates) Aggregates {
	t.Helper()
	out := Aggregates{}
	for k, a := range as {
		b, err := a.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		var c Aggregate
		if err := c.UnmarshalBinary(b); err != nil {
			t.Fatalf("UnmarshalBinary(MarshalBinary()) = %v", err)
		}
		if !c.Equal(a) {
			t.Fatalf("round trip of %v differs", k)
		}
		b2, _ := c.MarshalBinary()
		if !bytes.Equal(b, b2) {
			t.Fatalf("re-encoding of %v differs", k)
		}
		out[k] = &c
	}
	return out
}

// checkOnePass checks the counts of one aggregation against a direct count.
func checkOnePass(t *testing.T, ev events, as Aggregates) {
	t.Helper()
	var preds, errs, subjects int64
	seen := map[string]bool{}
	for _, p := range ev.preds {
		if p.ModelVersion == 1 {
			preds++
			if p.Error == "error" {
				errs++
			}
			if p.Subject != "" && !seen[p.Subject] {
				seen[p.Subject] = true
				subjects++
			}
		}
	}
	var got, gotErrs, gotSubjects int64
	for k, a := range as {
		if k.ModelVersion == 1 && k.Segment == "" {
			got += a.Count()
			gotErrs += a.Errors
		}
		if k.Segment != "" && a.Subjects != nil {
			t.Fatalf("segment %q has a subject counter", k.Segment)
		}
	}
	total := Aggregates{}
	for k, a := range as {
		if k.ModelVersion == 1 && k.Segment == "" {
			total.Merge(Aggregates{AggKey{}: a})
		}
	}
	gotSubjects = total[AggKey{}].DistinctSubjects()
	if got != preds || gotErrs != errs || gotSubjects != subjects {
		t.Fatalf("count %d errors %d subjects %d, want %d %d %d", got, gotErrs, gotSubjects, preds, errs, subjects)
	}
}

func TestAddPredictionKeys(t *testing.T) {
	as := Aggregates{}
	p := &Prediction{ModelAssetID: "m", ModelVersion: 3, Time: time.Date(2026, 3, 1, 10, 59, 59, 0, time.FixedZone("x", 3600)),
		Segments: map[string]string{"region": "north", "plan": "gold"}, Subject: "s_1",
		Features: map[string]any{"age": 30.0, "income": 20000.0, "city": "Berlin", "vip": true, "none": nil, "free": 5.0},
		Output:   Output{Score: ptr(0.95)}, LatencyMS: ptr(12.0)}
	as.AddPrediction(p, testRef)
	hour := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	keys := as.Keys()
	want := []AggKey{{"m", 3, hour, ""}, {"m", 3, hour, "plan=gold"}, {"m", 3, hour, "region=north"}}
	if !slices.Equal(keys, want) {
		t.Fatalf("Keys = %v, want %v", keys, want)
	}
	a := as[want[0]]
	if edges, bins, ok := a.FeatureBins("age"); !ok || !slices.Equal(edges, []float64{25, 40, 60}) || !slices.Equal(bins, []int64{0, 1, 0, 0}) {
		t.Fatalf("age bins = %v %v %v", edges, bins, ok)
	}
	if _, bins, _ := a.FeatureBins("income"); !slices.Equal(bins, []int64{0, 0, 1}) {
		t.Fatalf("income bins = %v, want the top bin", bins)
	}
	if _, _, ok := a.FeatureBins("free"); ok {
		t.Fatalf("a feature without reference has bins")
	}
	if c, _ := a.FeatureCategories("vip"); c["true"] != 1 {
		t.Fatalf("vip = %v", c)
	}
	if a.Features["none"].Missing != 1 {
		t.Fatalf("null not counted as missing")
	}
	if q, ok := a.ScoreQuantile(0.5); !ok || q < 0.95 || q > 0.96 {
		t.Fatalf("ScoreQuantile = %g %v", q, ok)
	}
	if q, _ := a.LatencyQuantile(0.5); math.Abs(q-12) > 0.12 {
		t.Fatalf("LatencyQuantile = %g", q)
	}
	if a.DistinctSubjects() != 1 || as[want[1]].DistinctSubjects() != 0 {
		t.Fatalf("subjects counted on segment keys")
	}
	for _, k := range want[1:] {
		if s := as[k]; s.Features != nil || s.Count() != 1 || s.ScoreCount() != 1 || s.Latency.Count != 1 {
			t.Fatalf("segment key %q: features %v, count %d, scores %d, latencies %d; want no features and the rest counted",
				k.Segment, s.Features, s.Count(), s.ScoreCount(), s.Latency.Count)
		}
	}
	// A reference with other edges for the same key mixes the bins.
	as.AddPrediction(p, Reference{Edges: map[string][]float64{"age": {50}}})
	if _, _, ok := as[want[0]].FeatureBins("age"); ok || !as[want[0]].Features["age"].BinsMixed {
		t.Fatalf("bins against two references were not marked mixed")
	}
}

func TestOutcomeQuality(t *testing.T) {
	for _, tc := range []struct {
		name      string
		out       Output
		actual    Outcome
		p         float64
		positive  bool
		scored    bool
		confusion string
	}{
		{"score only, positive", Output{Score: ptr(0.8)}, Outcome{Label: ptr("True")}, 0.8, true, true, "1\x1f1"},
		{"score only, negative", Output{Score: ptr(0.3)}, Outcome{Label: ptr("no")}, 0.3, false, true, "0\x1f0"},
		{"score only, value 1", Output{Score: ptr(0.3)}, Outcome{Value: ptr(1.0)}, 0.3, true, true, "1\x1f0"},
		{"score only, value 7", Output{Score: ptr(0.3)}, Outcome{Value: ptr(7.0)}, 0, false, false, ""},
		{"positive label", Output{Label: ptr("yes"), Score: ptr(0.9)}, Outcome{Label: ptr("yes")}, 0.9, true, true, "yes\x1fyes"},
		{"negative label, confidence", Output{Label: ptr("no"), Score: ptr(0.9)}, Outcome{Label: ptr("yes")}, 1 - *ptr(0.9), true, true, "yes\x1fno"},
		{"negative label, probability", Output{Label: ptr("0"), Score: ptr(0.2)}, Outcome{Label: ptr("0")}, 0.2, false, true, "0\x1f0"},
		{"named class, right", Output{Label: ptr("cat"), Score: ptr(0.7)}, Outcome{Label: ptr("cat")}, 0.7, true, true, "cat\x1fcat"},
		{"named class, wrong", Output{Label: ptr("cat"), Score: ptr(0.7)}, Outcome{Label: ptr("dog")}, 0.7, false, true, "dog\x1fcat"},
		{"label only", Output{Label: ptr("cat")}, Outcome{Label: ptr("dog")}, 0, false, false, "dog\x1fcat"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var q OutcomeAgg
			q.add(PredictionSummary{Output: tc.out}, &tc.actual)
			if q.Labelled != 1 || (q.Scored == 1) != tc.scored {
				t.Fatalf("labelled %d scored %d, want 1 and %v", q.Labelled, q.Scored, tc.scored)
			}
			if tc.scored {
				bins := q.NegScores
				y := 0.0
				if tc.positive {
					bins, y = q.PosScores, 1
				}
				if bins == nil || bins[scoreBin(tc.p)] != 1 {
					t.Fatalf("p=%g positive=%v not in its bin", tc.p, tc.positive)
				}
				if want := (tc.p - y) * (tc.p - y); math.Abs(q.BrierSum-want) > 1e-12 {
					t.Fatalf("Brier = %g, want %g", q.BrierSum, want)
				}
			}
			if tc.confusion != "" && q.Confusion.Values[tc.confusion] != 1 {
				t.Fatalf("Confusion = %v, want %q", q.Confusion.Values, tc.confusion)
			}
		})
	}
	var q OutcomeAgg
	q.add(PredictionSummary{Output: Output{Value: ptr(12.0)}}, &Outcome{Value: ptr(10.0)})
	q.add(PredictionSummary{Output: Output{Value: ptr(-1.0)}}, &Outcome{Value: ptr(0.0)})
	if q.Regression != 2 || q.AbsErrSum != 3 || q.SqErrSum != 5 || q.APECount != 1 || q.APESum != 0.2 || q.ActualSum != 10 || q.ActualSqSum != 100 {
		t.Fatalf("regression sums = %+v", q)
	}
	var failed OutcomeAgg
	failed.add(PredictionSummary{Error: "timeout"}, &Outcome{Label: ptr("yes")})
	if failed.Labelled != 1 || len(failed.Confusion.Values) != 0 {
		t.Fatalf("an outcome of a failed prediction was scored: %+v", failed)
	}
	a := &Aggregate{}
	a.Outcomes.add(PredictionSummary{Output: Output{Label: ptr("b")}}, &Outcome{Label: ptr("a")})
	if cells, over := a.Confusion(); len(cells) != 1 || cells[0] != (ConfusionCell{"a", "b", 1}) || over != 0 {
		t.Fatalf("Confusion() = %v %d", cells, over)
	}
}

func TestFeedbackCounts(t *testing.T) {
	as := Aggregates{}
	s := PredictionSummary{ModelAssetID: "m", ModelVersion: 1, Time: testHour, Output: Output{Label: ptr("no")}, Segments: map[string]string{"g": "a"}}
	for _, f := range []Feedback{{Kind: Thumbs, Value: "up"}, {Kind: Thumbs, Value: "down"}, {Kind: Rating, Value: "4"},
		{Kind: Rating, Value: "2"}, {Kind: Correction, Value: "yes"}, {Kind: Correction, Value: "no"}} {
		as.AddFeedback(&s, &f)
	}
	as.AddFeedback(nil, &Feedback{Kind: Comment, Text: "x", Time: testHour.Add(90 * time.Minute)})
	fb := as[AggKey{"m", 1, testHour, ""}].Feedback
	if fb.ThumbsUp != 1 || fb.ThumbsDown != 1 || fb.RatingSum != 6 || fb.RatingCount != 2 || fb.Overrides != 1 || fb.ByKind[Correction] != 2 {
		t.Fatalf("feedback = %+v", fb)
	}
	if as[AggKey{"m", 1, testHour, "g=a"}].Feedback.ThumbsUp != 1 {
		t.Fatalf("feedback not counted on the segment key")
	}
	if as[AggKey{Hour: testHour.Add(time.Hour)}].Feedback.ByKind[Comment] != 1 {
		t.Fatalf("feedback without a prediction not counted under the empty key: %v", as.Keys())
	}
}

func TestReferenceFromProfile(t *testing.T) {
	ref := ReferenceFromProfile([]registry.ColumnProfile{
		{Name: "age", Type: registry.Integer, Quantiles: []registry.Quantile{{Q: 0, Value: 18}, {Q: 0.5, Value: 40}, {Q: 0.25, Value: 30}, {Q: 0.75, Value: 40}, {Q: 1, Value: 90}}},
		{Name: "income", Type: registry.Number, Histogram: []registry.Bin{{Low: 0, High: 10, Count: 3}, {Low: 10, High: 20, Count: 1}, {Low: 20, High: 30, Count: 2}}},
		{Name: "city", Type: registry.String},
		{Name: "flat", Type: registry.Number},
	})
	if !slices.Equal(ref.Edges["age"], []float64{30, 40}) || !slices.Equal(ref.Edges["income"], []float64{10, 20}) || len(ref.Edges) != 2 {
		t.Fatalf("Edges = %v", ref.Edges)
	}
}

func TestUnmarshalRefuses(t *testing.T) {
	as := Aggregates{}
	ev := randomEvents(rand.New(rand.NewPCG(1, 2)), 200)
	ev.addTo(as, all(len(ev.preds)), all(len(ev.outcomes)), all(len(ev.feedback)))
	b, err := as[as.Keys()[0]].MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range [][]byte{nil, {}, {2}, b[:len(b)-1], append(slices.Clone(b), 0)} {
		var a Aggregate
		if err := a.UnmarshalBinary(bad); err == nil {
			t.Errorf("UnmarshalBinary(%d bytes) accepted malformed input", len(bad))
		}
	}
	// Every truncation is refused.
	for n := range len(b) {
		var a Aggregate
		if a.UnmarshalBinary(b[:n]) == nil {
			t.Fatalf("truncation to %d of %d bytes accepted", n, len(b))
		}
	}
}

func FuzzUnmarshalBinary(f *testing.F) {
	as := Aggregates{}
	ev := randomEvents(rand.New(rand.NewPCG(3, 4)), 60)
	ev.addTo(as, all(len(ev.preds)), all(len(ev.outcomes)), all(len(ev.feedback)))
	for _, a := range as {
		b, _ := a.MarshalBinary()
		f.Add(b)
	}
	f.Add([]byte{1})
	f.Fuzz(func(t *testing.T, data []byte) {
		var a Aggregate
		if err := a.UnmarshalBinary(data); err != nil {
			return
		}
		// Whatever decodes must encode, merge and compare without trouble.
		b, err := a.MarshalBinary()
		if err != nil {
			t.Fatalf("MarshalBinary of a decoded aggregate: %v", err)
		}
		var c Aggregate
		if err := c.UnmarshalBinary(b); err != nil || !c.Equal(&a) {
			t.Fatalf("re-decoding failed: %v", err)
		}
		m := a.Clone()
		m.Merge(&a)
		_, _ = m.LatencyQuantile(0.5)
		_, _ = m.ScoreQuantile(0.9)
	})
}

// BenchmarkAddPrediction counts predictions shaped like ingestion's
// benchmark (internal/store): ten features, seven of them binned against a
// reference, two segment attributes, a label with a score, a latency and a
// subject.
func BenchmarkAddPrediction(b *testing.B) {
	ref := Reference{Edges: map[string][]float64{}}
	ps := make([]Prediction, 1000)
	for x := range 7 {
		ref.Edges[fmt.Sprintf("x%d", x)] = []float64{10, 25, 50, 75, 90}
	}
	for n := range ps {
		label, score, latency := []string{"yes", "no"}[n%2], float64(n%100)/100, float64(3+n%40)
		f := map[string]any{"plan": []string{"basic", "pro", "team"}[n%3], "country": []string{"de", "fr", "nl", "es"}[n%4], "device": []string{"ios", "android", "web"}[n%3]}
		for x := range 7 {
			f[fmt.Sprintf("x%d", x)] = float64((n*(x+3))%100) + 0.5
		}
		ps[n] = Prediction{ID: fmt.Sprint(n), ModelAssetID: "m", ModelVersion: 1, Time: testHour.Add(time.Duration(n) * time.Second),
			Subject:  fmt.Sprintf("s_%032x", n%500),
			Segments: map[string]string{"region": []string{"north", "south", "east", "west"}[n%4], "channel": []string{"app", "web", "partner"}[n%3]},
			Features: f, Output: Output{Label: &label, Score: &score}, LatencyMS: &latency}
	}
	b.ReportAllocs()
	for b.Loop() {
		as := Aggregates{}
		for i := range ps {
			as.AddPrediction(&ps[i], ref)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(ps)), "ns/event")
}
