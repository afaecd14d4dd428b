package telemetry

import (
	"maps"
	"math"
	"slices"
	"strings"
)

// Merge adds everything counted in b to a. b is not modified and shares
// nothing with a afterwards.
func (a *Aggregate) Merge(b *Aggregate) {
	if b == nil {
		return
	}
	a.Predictions += b.Predictions
	a.Errors += b.Errors
	a.Timeouts += b.Timeouts
	a.Latency.Merge(&b.Latency)
	a.Scores = addBins(a.Scores, b.Scores)
	a.ScoreSum += b.ScoreSum
	a.Labels.merge(&b.Labels, MaxCategories)
	a.Values.Merge(&b.Values)
	a.ValueSumSq += b.ValueSumSq
	for name, fb := range b.Features {
		a.feature(name).merge(fb)
	}
	if b.Subjects != nil && len(b.Subjects.Registers) > 0 {
		if a.Subjects == nil {
			a.Subjects = &HLL{}
		}
		a.Subjects.Merge(b.Subjects)
	}
	a.Outcomes.merge(&b.Outcomes)
	a.Feedback.merge(&b.Feedback)
}

func addBins(a, b []int64) []int64 {
	if len(b) == 0 {
		return a
	}
	if a == nil {
		a = make([]int64, len(b))
	}
	for i, n := range b {
		a[i] += n
	}
	return a
}

func (f *FeatureAgg) merge(o *FeatureAgg) {
	switch {
	case o.Numbers.Count == 0:
	case f.BinsMixed:
	case o.BinsMixed:
		f.Edges, f.Bins, f.BinsMixed = nil, nil, true
	case f.Numbers.Count == 0:
		f.Edges = slices.Clone(o.Edges)
		f.Bins = slices.Clone(o.Bins)
	case slices.Equal(f.Edges, o.Edges):
		f.Bins = addBins(f.Bins, o.Bins)
	default:
		f.Edges, f.Bins, f.BinsMixed = nil, nil, true
	}
	f.Numbers.Merge(&o.Numbers)
	f.Categories.merge(&o.Categories, MaxCategories)
	f.Missing += o.Missing
}

func (q *OutcomeAgg) merge(o *OutcomeAgg) {
	q.Labelled += o.Labelled
	q.Confusion.merge(&o.Confusion, MaxConfusion)
	q.PosScores = addBins(q.PosScores, o.PosScores)
	q.NegScores = addBins(q.NegScores, o.NegScores)
	q.Scored += o.Scored
	q.LogLossSum += o.LogLossSum
	q.BrierSum += o.BrierSum
	q.Regression += o.Regression
	q.AbsErrSum += o.AbsErrSum
	q.SqErrSum += o.SqErrSum
	q.APESum += o.APESum
	q.APECount += o.APECount
	q.ActualSum += o.ActualSum
	q.ActualSqSum += o.ActualSqSum
}

func (fa *FeedbackAgg) merge(o *FeedbackAgg) {
	for k, n := range o.ByKind {
		if fa.ByKind == nil {
			fa.ByKind = map[FeedbackKind]int64{}
		}
		fa.ByKind[k] += n
	}
	fa.ThumbsUp += o.ThumbsUp
	fa.ThumbsDown += o.ThumbsDown
	fa.RatingSum += o.RatingSum
	fa.RatingCount += o.RatingCount
	fa.Overrides += o.Overrides
}

// Clone is a deep copy of a.
func (a *Aggregate) Clone() *Aggregate {
	c := &Aggregate{}
	c.Merge(a)
	return c
}

// Equal reports whether a and b count the same events: every count, bin,
// bucket, minimum and maximum exactly, float sums within a relative 1e-9
// (of the sum, or of a bound on the magnitudes summed where one is known).
func (a *Aggregate) Equal(b *Aggregate) bool {
	if a == nil || b == nil {
		return a == b
	}
	if a.Predictions != b.Predictions || a.Errors != b.Errors || a.Timeouts != b.Timeouts ||
		!a.Latency.equal(&b.Latency) || !binsEqual(a.Scores, b.Scores) || !near(a.ScoreSum, b.ScoreSum) ||
		!a.Labels.equal(&b.Labels) || !a.Values.equal(&b.Values) || !near(a.ValueSumSq, b.ValueSumSq) {
		return false
	}
	if len(nonEmpty(a.Features)) != len(nonEmpty(b.Features)) {
		return false
	}
	for name, fa := range a.Features {
		fb := b.Features[name]
		if fb == nil {
			fb = &FeatureAgg{}
		}
		if !fa.equal(fb) {
			return false
		}
	}
	var ha, hb HLL
	if a.Subjects != nil {
		ha = *a.Subjects
	}
	if b.Subjects != nil {
		hb = *b.Subjects
	}
	return ha.equal(&hb) && a.Outcomes.equal(&b.Outcomes) && a.Feedback.equal(&b.Feedback)
}

func nonEmpty(m map[string]*FeatureAgg) []string {
	var names []string
	for name, f := range m {
		if !f.equal(&FeatureAgg{}) {
			names = append(names, name)
		}
	}
	return names
}

func binsEqual(a, b []int64) bool {
	for i := range max(len(a), len(b)) {
		var x, y int64
		if i < len(a) {
			x = a[i]
		}
		if i < len(b) {
			y = b[i]
		}
		if x != y {
			return false
		}
	}
	return true
}

func (f *FeatureAgg) equal(o *FeatureAgg) bool {
	return f.Numbers.equal(&o.Numbers) && slices.Equal(f.Edges, o.Edges) && binsEqual(f.Bins, o.Bins) &&
		f.BinsMixed == o.BinsMixed && f.Categories.equal(&o.Categories) && f.Missing == o.Missing
}

func (q *OutcomeAgg) equal(o *OutcomeAgg) bool {
	actualScale := math.Sqrt(float64(q.Regression) * math.Abs(q.ActualSqSum))
	return q.Labelled == o.Labelled && q.Confusion.equal(&o.Confusion) &&
		binsEqual(q.PosScores, o.PosScores) && binsEqual(q.NegScores, o.NegScores) &&
		q.Scored == o.Scored && near(q.LogLossSum, o.LogLossSum) && near(q.BrierSum, o.BrierSum) &&
		q.Regression == o.Regression && near(q.AbsErrSum, o.AbsErrSum) && near(q.SqErrSum, o.SqErrSum) &&
		near(q.APESum, o.APESum) && q.APECount == o.APECount &&
		nearScaled(q.ActualSum, o.ActualSum, actualScale) && near(q.ActualSqSum, o.ActualSqSum)
}

func (fa *FeedbackAgg) equal(o *FeedbackAgg) bool {
	for _, k := range slices.Collect(maps.Keys(fa.ByKind)) {
		if fa.ByKind[k] != o.ByKind[k] {
			return false
		}
	}
	for _, k := range slices.Collect(maps.Keys(o.ByKind)) {
		if fa.ByKind[k] != o.ByKind[k] {
			return false
		}
	}
	return fa.ThumbsUp == o.ThumbsUp && fa.ThumbsDown == o.ThumbsDown && fa.RatingSum == o.RatingSum &&
		fa.RatingCount == o.RatingCount && fa.Overrides == o.Overrides
}

// Equal reports whether as and o hold equal aggregates for the same keys
// (a key missing on one side equals an empty aggregate on the other).
func (as Aggregates) Equal(o Aggregates) bool {
	empty := &Aggregate{}
	for k, a := range as {
		b := o[k]
		if b == nil {
			b = empty
		}
		if !a.Equal(b) {
			return false
		}
	}
	for k, b := range o {
		if as[k] == nil && !b.Equal(empty) {
			return false
		}
	}
	return true
}

// Read helpers for monitoring and pages.

// Count is the number of predictions.
func (a *Aggregate) Count() int64 { return a.Predictions }

// ErrorRate is the share of predictions that failed with an error (not a
// timeout); 0 when there are none.
func (a *Aggregate) ErrorRate() float64 { return ratio(a.Errors, a.Predictions) }

// TimeoutRate is the share of predictions that timed out.
func (a *Aggregate) TimeoutRate() float64 { return ratio(a.Timeouts, a.Predictions) }

func ratio(n, d int64) float64 {
	if d == 0 {
		return 0
	}
	return float64(n) / float64(d)
}

// LatencyQuantile estimates the q-quantile of latency in milliseconds.
func (a *Aggregate) LatencyQuantile(q float64) (float64, bool) { return a.Latency.Quantile(q) }

// ValueQuantile estimates the q-quantile of the regression output.
func (a *Aggregate) ValueQuantile(q float64) (float64, bool) { return a.Values.Quantile(q) }

// ScoreCount is the number of predictions with a score.
func (a *Aggregate) ScoreCount() int64 {
	var n int64
	for _, c := range a.Scores {
		n += c
	}
	return n
}

// ScoreQuantile estimates the q-quantile of the scores from their bins,
// interpolating within a bin (within 0.01 of the true value).
func (a *Aggregate) ScoreQuantile(q float64) (float64, bool) {
	return BinQuantile(a.Scores, q)
}

// BinQuantile estimates the q-quantile of values counted in ScoreBins bins on
// [0, 1], interpolating linearly within the bin.
func BinQuantile(bins []int64, q float64) (float64, bool) {
	var total int64
	for _, c := range bins {
		total += c
	}
	if total == 0 || !(q >= 0 && q <= 1) {
		return 0, false
	}
	target := q * float64(total)
	var seen float64
	w := 1.0 / float64(len(bins))
	for i, c := range bins {
		if c == 0 {
			continue
		}
		if seen+float64(c) >= target {
			return (float64(i) + (target-seen)/float64(c)) * w, true
		}
		seen += float64(c)
	}
	return 1, true
}

// FeatureQuantile estimates the q-quantile of a numeric feature.
func (a *Aggregate) FeatureQuantile(name string, q float64) (float64, bool) {
	f := a.Features[name]
	if f == nil {
		return 0, false
	}
	return f.Numbers.Quantile(q)
}

// FeatureBins is the counts of a numeric feature's values in the bins of
// its reference edges (len(counts) == len(edges)+1); false when there is no
// reference for it or the bins were mixed.
func (a *Aggregate) FeatureBins(name string) (edges []float64, counts []int64, ok bool) {
	f := a.Features[name]
	if f == nil || len(f.Bins) == 0 || f.BinsMixed {
		return nil, nil, false
	}
	return f.Edges, f.Bins, true
}

// FeatureCategories is the counts of a feature's string and boolean values
// and the count of the values beyond the cap.
func (a *Aggregate) FeatureCategories(name string) (map[string]int64, int64) {
	f := a.Features[name]
	if f == nil {
		return nil, 0
	}
	return f.Categories.Values, f.Categories.Overflow
}

// DistinctSubjects estimates the number of distinct subjects (the ""
// segment only; 0 elsewhere).
func (a *Aggregate) DistinctSubjects() int64 { return a.Subjects.Estimate() }

// ConfusionCell is one cell of a confusion matrix.
type ConfusionCell struct {
	Actual    string `json:"actual"`
	Predicted string `json:"predicted"`
	Count     int64  `json:"count"`
}

// Confusion is the confusion counts, sorted by actual then predicted label,
// and the count of pairs beyond the cap.
func (a *Aggregate) Confusion() ([]ConfusionCell, int64) {
	cells := make([]ConfusionCell, 0, len(a.Outcomes.Confusion.Values))
	for k, n := range a.Outcomes.Confusion.Values {
		actual, predicted, _ := strings.Cut(k, "\x1f")
		cells = append(cells, ConfusionCell{Actual: actual, Predicted: predicted, Count: n})
	}
	slices.SortFunc(cells, func(x, y ConfusionCell) int {
		if c := strings.Compare(x.Actual, y.Actual); c != 0 {
			return c
		}
		return strings.Compare(x.Predicted, y.Predicted)
	})
	return cells, a.Outcomes.Confusion.Overflow
}
