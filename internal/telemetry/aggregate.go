package telemetry

import (
	"encoding/json"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// AggKey names one hourly aggregate: a model version, an hour and a
// segment. Segment "" is every prediction; "name=value" the predictions whose
// segment attribute name had that value. Feedback that names no prediction is
// counted under an empty ModelAssetID and version 0.
type AggKey struct {
	ModelAssetID string    `json:"model_asset_id"`
	ModelVersion int       `json:"model_version"`
	Hour         time.Time `json:"hour"` // UTC, truncated to the hour
	Segment      string    `json:"segment"`
}

// HourOf is the aggregate hour of t: t in UTC, truncated to the hour.
func HourOf(t time.Time) time.Time { return t.UTC().Truncate(time.Hour) }

// SegmentKey is the AggKey.Segment of one segment attribute.
func SegmentKey(name, value string) string { return name + "=" + value }

// ScoreBins is the number of equal-width bins on [0, 1] that scores are
// counted in; bin i holds scores in [i/100, (i+1)/100), the last one also 1.
const ScoreBins = 100

// Aggregate is everything a monitor needs to know about the events of one
// AggKey, kept so that aggregates merged in any order and any grouping equal
// one computed from all the events at once: counts and sketches are exact
// and order-independent, float sums agree within a relative 1e-9 (see Equal).
type Aggregate struct {
	// Operations.
	Predictions int64  `json:"predictions"`
	Errors      int64  `json:"errors"`   // Error "error"
	Timeouts    int64  `json:"timeouts"` // Error "timeout"
	Latency     Sketch `json:"latency_ms"`

	// Output. Scores are counted in ScoreBins bins (nil until the first);
	// ScoreSum is their sum. Values is the regression output.
	Scores     []int64 `json:"score_bins,omitempty"`
	ScoreSum   float64 `json:"score_sum"`
	Labels     Counts  `json:"labels"`
	Values     Sketch  `json:"values"`
	ValueSumSq float64 `json:"value_sum_sq"`

	// Features by name; kept on the "" segment only, nil elsewhere: drift
	// is measured on the whole population, while segment keys keep what
	// fairness and cohort monitors compare (counts, errors, latency,
	// outputs, outcomes and feedback). A feature's sketches cost as much as
	// the rest of a prediction's counting, once per key.
	Features map[string]*FeatureAgg `json:"features,omitempty"`

	// Subjects counts distinct subjects (pseudonyms); kept on the ""
	// segment only, nil elsewhere.
	Subjects *HLL `json:"subjects,omitempty"`

	Outcomes OutcomeAgg  `json:"outcomes"`
	Feedback FeedbackAgg `json:"feedback"`
}

// FeatureAgg is what is known of one feature's values. A feature may carry
// numbers in some events and strings in others; both are kept.
type FeatureAgg struct {
	// Numbers sketches the numeric values.
	Numbers Sketch `json:"numbers"`
	// Edges are the reference bin edges the numeric values were counted
	// against and Bins the counts: Bins[0] counts values below Edges[0],
	// Bins[i] values in [Edges[i-1], Edges[i]), the last values ≥ the last
	// edge. Both are empty when there is no reference for the feature, and
	// when events counted against different edges met in one aggregate
	// (BinsMixed; the bins are then no longer meaningful).
	Edges     []float64 `json:"edges,omitempty"`
	Bins      []int64   `json:"bins,omitempty"`
	BinsMixed bool      `json:"bins_mixed,omitempty"`
	// Categories counts string and boolean values ("true", "false").
	Categories Counts `json:"categories"`
	// Missing counts explicit nulls. An event without the feature is not
	// counted; the aggregate's Predictions minus the values seen says how
	// many lacked it.
	Missing int64 `json:"missing,omitempty"`
}

// OutcomeAgg is the quality of the predictions of a key, from the outcomes
// that arrived for them (by prediction time).
//
// The score metrics need the probability p of a "positive" class and
// whether the outcome was that class:
//   - an output with a score and no label: p is the score; the outcome is
//     positive when its label is "1", "true", "yes" or "positive" (any case)
//     or its value is 1 (a value other than 0 or 1 is not counted);
//   - a label named like that with a score: p is the score;
//   - a label named "0", "false", "no" or "negative" with a score: the score
//     is read as the confidence in that label when it is ≥ 0.5 (p = 1 −
//     score) and as the probability of the positive class when it is below
//     (p = score) — either way a consistent binary model is read right;
//   - any other label with a score (multi-class, named classes): the
//     positive class is the predicted label itself, p is the score, and the
//     outcome is positive when its label equals the predicted one; the
//     score bins then show calibration of the model's confidence.
//
// Confusion counts (actual, predicted) labels; for score-only outputs both
// sides are "1"/"0" (predicted "1" when score ≥ 0.5).
type OutcomeAgg struct {
	// Labelled counts every outcome that arrived.
	Labelled int64 `json:"labelled"`
	// Confusion counts pairs keyed actual + "\x1f" + predicted; see
	// Aggregate.Confusion.
	Confusion Counts `json:"confusion"`
	// Score metrics: bins of p for positive and for negative outcomes,
	// their count, and the sums of log loss (p clipped to [1e-15, 1−1e-15])
	// and of the Brier score.
	PosScores  []int64 `json:"pos_score_bins,omitempty"`
	NegScores  []int64 `json:"neg_score_bins,omitempty"`
	Scored     int64   `json:"scored"`
	LogLossSum float64 `json:"log_loss_sum"`
	BrierSum   float64 `json:"brier_sum"`
	// Regression: value outputs with value outcomes; error = predicted −
	// actual. APESum sums |error| / |actual| over the APECount outcomes
	// whose actual is not zero.
	Regression  int64   `json:"regression"`
	AbsErrSum   float64 `json:"abs_err_sum"`
	SqErrSum    float64 `json:"sq_err_sum"`
	APESum      float64 `json:"ape_sum"`
	APECount    int64   `json:"ape_count"`
	ActualSum   float64 `json:"actual_sum"`
	ActualSqSum float64 `json:"actual_sq_sum"`
}

// FeedbackAgg counts what people said about the predictions of a key.
type FeedbackAgg struct {
	ByKind      map[FeedbackKind]int64 `json:"by_kind,omitempty"`
	ThumbsUp    int64                  `json:"thumbs_up"`
	ThumbsDown  int64                  `json:"thumbs_down"`
	RatingSum   int64                  `json:"rating_sum"`
	RatingCount int64                  `json:"rating_count"`
	// Overrides counts corrections of a prediction whose value differs
	// from what the model answered (a person overrode the model).
	Overrides int64 `json:"overrides"`
}

// Aggregates are the aggregates of a set of events, by key.
type Aggregates map[AggKey]*Aggregate

// PredictionSummary is what outcomes and feedback need to know of the
// prediction they are about.
type PredictionSummary struct {
	ModelAssetID string
	ModelVersion int
	Time         time.Time
	Segments     map[string]string
	Output       Output
	Error        string
}

// Summary is the PredictionSummary of p.
func (p *Prediction) Summary() PredictionSummary {
	return PredictionSummary{ModelAssetID: p.ModelAssetID, ModelVersion: p.ModelVersion, Time: p.Time,
		Segments: p.Segments, Output: p.Output, Error: p.Error}
}

// Reference holds, per numeric feature, the ascending inner bin edges taken
// from the reference dataset's profile. Edges must not be modified once the
// Reference is in use: aggregates share them.
type Reference struct {
	Edges map[string][]float64
}

func (as Aggregates) at(k AggKey) *Aggregate {
	a := as[k]
	if a == nil {
		a = &Aggregate{}
		as[k] = a
	}
	return a
}

func keysOf(assetID string, version int, t time.Time, segments map[string]string) []AggKey {
	h := HourOf(t)
	keys := make([]AggKey, 0, 1+len(segments))
	keys = append(keys, AggKey{ModelAssetID: assetID, ModelVersion: version, Hour: h})
	for name, v := range segments {
		keys = append(keys, AggKey{ModelAssetID: assetID, ModelVersion: version, Hour: h, Segment: SegmentKey(name, v)})
	}
	return keys
}

// AddPrediction counts p in the "" key of its version and hour and in one
// key per segment attribute. Features (numeric ones binned against ref) and
// subjects are counted in the "" key only.
func (as Aggregates) AddPrediction(p *Prediction, ref Reference) {
	h := HourOf(p.Time)
	k := AggKey{ModelAssetID: p.ModelAssetID, ModelVersion: p.ModelVersion, Hour: h}
	a := as.at(k)
	a.addPrediction(p)
	for name, v := range p.Features {
		a.feature(name).add(v, ref.Edges[name])
	}
	if p.Subject != "" {
		if a.Subjects == nil {
			a.Subjects = &HLL{}
		}
		a.Subjects.Add(p.Subject)
	}
	for name, v := range p.Segments {
		k.Segment = SegmentKey(name, v)
		as.at(k).addPrediction(p)
	}
}

// AddOutcome counts o in the keys of the prediction it is about.
func (as Aggregates) AddOutcome(p PredictionSummary, o *Outcome) {
	for _, k := range keysOf(p.ModelAssetID, p.ModelVersion, p.Time, p.Segments) {
		as.at(k).Outcomes.add(p, o)
	}
}

// AddFeedback counts f in the keys of the prediction it is about, or, when
// p is nil, in the key with no model at the feedback's hour.
func (as Aggregates) AddFeedback(p *PredictionSummary, f *Feedback) {
	if p == nil {
		as.at(AggKey{Hour: HourOf(f.Time)}).Feedback.add(nil, f)
		return
	}
	for _, k := range keysOf(p.ModelAssetID, p.ModelVersion, p.Time, p.Segments) {
		as.at(k).Feedback.add(&p.Output, f)
	}
}

// Merge merges every aggregate of o into as.
func (as Aggregates) Merge(o Aggregates) {
	for k, b := range o {
		as.at(k).Merge(b)
	}
}

// Keys are the keys of as in a fixed order (asset, version, hour, segment),
// the order the store locks rows in.
func (as Aggregates) Keys() []AggKey {
	keys := make([]AggKey, 0, len(as))
	for k := range as {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, CompareKeys)
	return keys
}

// CompareKeys orders keys by asset, version, hour and segment.
func CompareKeys(a, b AggKey) int {
	if c := strings.Compare(a.ModelAssetID, b.ModelAssetID); c != 0 {
		return c
	}
	if a.ModelVersion != b.ModelVersion {
		if a.ModelVersion < b.ModelVersion {
			return -1
		}
		return 1
	}
	if c := a.Hour.Compare(b.Hour); c != 0 {
		return c
	}
	return strings.Compare(a.Segment, b.Segment)
}

func scoreBin(s float64) int {
	i := int(s * ScoreBins)
	return max(0, min(i, ScoreBins-1))
}

func finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }

// addPrediction counts what every key holds of p: all but its features and
// subject.
func (a *Aggregate) addPrediction(p *Prediction) {
	a.Predictions++
	switch p.Error {
	case "error":
		a.Errors++
	case "timeout":
		a.Timeouts++
	}
	if p.LatencyMS != nil {
		a.Latency.Add(*p.LatencyMS)
	}
	if s := p.Output.Score; s != nil && finite(*s) {
		if a.Scores == nil {
			a.Scores = make([]int64, ScoreBins)
		}
		a.Scores[scoreBin(*s)]++
		a.ScoreSum += *s
	}
	if l := p.Output.Label; l != nil {
		a.Labels.add(*l, 1, MaxCategories)
	}
	if v := p.Output.Value; v != nil && finite(*v) {
		a.Values.Add(*v)
		a.ValueSumSq += *v * *v
	}
}

func (a *Aggregate) feature(name string) *FeatureAgg {
	if a.Features == nil {
		a.Features = map[string]*FeatureAgg{}
	}
	f := a.Features[name]
	if f == nil {
		f = &FeatureAgg{}
		a.Features[name] = f
	}
	return f
}

// NumberOf reads a feature value as a number: float64, json.Number and Go
// integers are numbers.
func NumberOf(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case float32:
		return float64(x), true
	case int:
		return float64(x), true
	case int64:
		return float64(x), true
	case int32:
		return float64(x), true
	case json.Number:
		f, err := strconv.ParseFloat(string(x), 64)
		return f, err == nil
	}
	return 0, false
}

func (f *FeatureAgg) add(v any, edges []float64) {
	if v == nil {
		f.Missing++
		return
	}
	switch x := v.(type) {
	case string:
		f.Categories.add(x, 1, MaxCategories)
		return
	case bool:
		f.Categories.add(strconv.FormatBool(x), 1, MaxCategories)
		return
	}
	x, ok := NumberOf(v)
	if !ok || !finite(x) {
		return
	}
	f.addBins(edges, binOf(edges, x))
	f.Numbers.Add(x)
}

// binOf is the index of the bin of x: the number of edges ≤ x.
func binOf(edges []float64, x float64) int {
	return sort.Search(len(edges), func(i int) bool { return edges[i] > x })
}

// addBins counts one value in bin i of edges. The three states — no numbers
// yet, counted against one set of edges, mixed — combine like a
// commutative monoid, so the outcome does not depend on order.
func (f *FeatureAgg) addBins(edges []float64, i int) {
	switch {
	case f.BinsMixed:
	case f.Numbers.Count == 0:
		f.Edges = edges
		if len(edges) > 0 {
			f.Bins = make([]int64, len(edges)+1)
			f.Bins[i]++
		}
	case slices.Equal(f.Edges, edges):
		if len(edges) > 0 {
			f.Bins[i]++
		}
	default:
		f.Edges, f.Bins, f.BinsMixed = nil, nil, true
	}
}

var (
	positiveNames = []string{"1", "true", "yes", "positive"}
	negativeNames = []string{"0", "false", "no", "negative"}
)

func isNamed(s string, names []string) bool {
	for _, n := range names {
		if strings.EqualFold(s, n) {
			return true
		}
	}
	return false
}

// scoreEvent is the positive-class probability and the outcome's class for
// the score metrics; see OutcomeAgg.
func scoreEvent(out Output, o *Outcome) (p float64, positive, ok bool) {
	if out.Score == nil || !finite(*out.Score) {
		return 0, false, false
	}
	s := *out.Score
	actual := func() (bool, bool) {
		if o.Label != nil {
			return isNamed(*o.Label, positiveNames), true
		}
		if o.Value != nil && (*o.Value == 0 || *o.Value == 1) {
			return *o.Value == 1, true
		}
		return false, false
	}
	switch {
	case out.Label == nil || isNamed(*out.Label, positiveNames):
		y, ok := actual()
		return s, y, ok
	case isNamed(*out.Label, negativeNames):
		y, ok := actual()
		if s >= 0.5 {
			s = 1 - s
		}
		return s, y, ok
	case o.Label != nil:
		return s, *o.Label == *out.Label, true
	}
	return 0, false, false
}

func (q *OutcomeAgg) add(p PredictionSummary, o *Outcome) {
	q.Labelled++
	if p.Error != "" {
		return
	}
	out := p.Output
	switch {
	case o.Label != nil && out.Label != nil:
		q.Confusion.add(*o.Label+"\x1f"+*out.Label, 1, MaxConfusion)
	case out.Label == nil && out.Score != nil && finite(*out.Score):
		if y, ok := binaryActual(o); ok {
			pred := "0"
			if *out.Score >= 0.5 {
				pred = "1"
			}
			q.Confusion.add(y+"\x1f"+pred, 1, MaxConfusion)
		}
	}
	if pp, y, ok := scoreEvent(out, o); ok {
		bins := &q.NegScores
		yf := 0.0
		if y {
			bins, yf = &q.PosScores, 1
		}
		if *bins == nil {
			*bins = make([]int64, ScoreBins)
		}
		(*bins)[scoreBin(pp)]++
		q.Scored++
		c := math.Min(math.Max(pp, 1e-15), 1-1e-15)
		if y {
			q.LogLossSum -= math.Log(c)
		} else {
			q.LogLossSum -= math.Log(1 - c)
		}
		q.BrierSum += (pp - yf) * (pp - yf)
	}
	if o.Value != nil && out.Value != nil && finite(*o.Value) && finite(*out.Value) {
		actual, e := *o.Value, *out.Value-*o.Value
		q.Regression++
		q.AbsErrSum += math.Abs(e)
		q.SqErrSum += e * e
		if actual != 0 {
			q.APESum += math.Abs(e) / math.Abs(actual)
			q.APECount++
		}
		q.ActualSum += actual
		q.ActualSqSum += actual * actual
	}
}

// binaryActual is the outcome as "1" or "0" for a score-only output.
func binaryActual(o *Outcome) (string, bool) {
	switch {
	case o.Label != nil && isNamed(*o.Label, positiveNames):
		return "1", true
	case o.Label != nil:
		return "0", true
	case o.Value != nil && *o.Value == 1:
		return "1", true
	case o.Value != nil && *o.Value == 0:
		return "0", true
	}
	return "", false
}

func (fa *FeedbackAgg) add(out *Output, f *Feedback) {
	if fa.ByKind == nil {
		fa.ByKind = map[FeedbackKind]int64{}
	}
	fa.ByKind[f.Kind]++
	switch f.Kind {
	case Thumbs:
		switch f.Value {
		case "up":
			fa.ThumbsUp++
		case "down":
			fa.ThumbsDown++
		}
	case Rating:
		if r, err := strconv.Atoi(f.Value); err == nil && r >= 1 && r <= 5 {
			fa.RatingSum += int64(r)
			fa.RatingCount++
		}
	case Correction:
		if out != nil && overrides(*out, f.Value) {
			fa.Overrides++
		}
	}
}

// overrides reports whether a correction's value differs from the output.
func overrides(out Output, v string) bool {
	v = strings.TrimSpace(v)
	switch {
	case out.Label != nil:
		return v != *out.Label
	case out.Value != nil:
		x, err := strconv.ParseFloat(v, 64)
		return err != nil || x != *out.Value
	case out.Score != nil:
		x, err := strconv.ParseFloat(v, 64)
		return err != nil || x != *out.Score
	}
	return v != ""
}
