package registry

import (
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/atrium-mlops/atrium/internal/atrium"
	"github.com/atrium-mlops/atrium/internal/canvas"
)

// Evaluation is one metric result of a model or prompt version on a dataset
// version of the same use case: "AUC 0.81 on loan-applications v2", perhaps
// on one slice of it ("segment=young"). Evaluations are written once and
// never change; a version has as many as were recorded.
type Evaluation struct {
	ID      string     `json:"id"`
	Version Node       `json:"version"` // the model or prompt version evaluated
	Dataset VersionRef `json:"dataset"`
	Metric  string     `json:"metric"`
	Value   float64    `json:"value"`
	Slice   string     `json:"slice"`   // "" for the whole dataset; "segment=young,region=north"
	Samples int64      `json:"samples"` // how many examples the value is over; 0 when not recorded
	Note    string     `json:"note"`
	// Run is set when the value is the latest of a metric the version's
	// training run logged (produced_by), rather than a recorded evaluation.
	Run       string    `json:"run,omitempty"`
	CreatedBy string    `json:"created_by"`
	CreatedAt time.Time `json:"created_at"`
}

// Limits on evaluations.
const (
	MaxMetric = 200
	MaxSlice  = 500
	MaxNote   = 2000
	// MaxEvaluations bounds the evaluations of one version.
	MaxEvaluations = 10_000
)

// sliceKeyRE is a slice key: like a tag key.
var sliceKeyRE = regexp.MustCompile(`^[A-Za-z0-9_.:/-]{1,100}$`)

// CheckSlice validates a slice, "key=value" pairs joined by commas, and
// returns it normalised: spaces trimmed, pairs sorted by key, each key once.
// The empty slice is the whole dataset.
func CheckSlice(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", nil
	}
	if len(s) > MaxSlice {
		return "", atrium.Errorf(atrium.Invalid, "slice is too long (%d characters, at most %d)", len(s), MaxSlice)
	}
	type pair struct{ k, v string }
	var pairs []pair
	for _, part := range strings.Split(s, ",") {
		k, v, ok := strings.Cut(part, "=")
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		if !ok || !sliceKeyRE.MatchString(k) || v == "" || strings.ContainsAny(v, "=[]") {
			return "", atrium.Errorf(atrium.Invalid, "slice must be key=value pairs separated by commas, like segment=young (got %q)", atrium.Truncate(s, 70))
		}
		if _, err := atrium.CheckText("slice value", v, MaxTagValue, true, false); err != nil {
			return "", err
		}
		pairs = append(pairs, pair{k, v})
	}
	slices.SortFunc(pairs, func(a, b pair) int { return strings.Compare(a.k, b.k) })
	parts := make([]string, len(pairs))
	for i, p := range pairs {
		if i > 0 && pairs[i-1].k == p.k {
			return "", atrium.Errorf(atrium.Invalid, "slice names %q twice", p.k)
		}
		parts[i] = p.k + "=" + p.v
	}
	return strings.Join(parts, ","), nil
}

// Validate checks a new evaluation's input fields and normalises them. The
// evaluated version and the creator are set by the store.
func (e *Evaluation) Validate() error {
	if err := CheckName(e.Dataset.Name); err != nil {
		return atrium.Errorf(atrium.Invalid, "dataset: %s", atrium.MessageOf(err))
	}
	if e.Dataset.Version < 1 {
		return atrium.Errorf(atrium.Invalid, "dataset version must be 1 or more")
	}
	var err error
	if e.Metric, err = atrium.CheckText("metric", e.Metric, MaxMetric, true, false); err != nil {
		return err
	}
	if math.IsNaN(e.Value) || math.IsInf(e.Value, 0) {
		return atrium.Errorf(atrium.Invalid, "the value of %q must be a finite number", atrium.Truncate(e.Metric, 70))
	}
	if e.Slice, err = CheckSlice(e.Slice); err != nil {
		return err
	}
	if e.Samples < 0 {
		return atrium.Errorf(atrium.Invalid, "samples must not be negative")
	}
	e.Note, err = atrium.CheckText("note", atrium.NormalizeNewlines(e.Note), MaxNote, false, true)
	return err
}

// The states of an objective for one version.
const (
	Met         = "met"
	NotMet      = "not met"
	NotMeasured = "not measured"
)

// ObjectiveCheck is how one version stands against one measurable objective.
type ObjectiveCheck struct {
	ObjectiveID int64    `json:"objective_id"`
	CanvasID    string   `json:"canvas_id"`
	Section     string   `json:"section"`
	Metric      string   `json:"metric"` // the evaluation metric compared
	Slice       string   `json:"slice"`  // the slice compared; "" is the whole dataset
	Comparator  string   `json:"comparator"`
	Target      float64  `json:"target"`
	Unit        string   `json:"unit"`
	State       string   `json:"state"`           // met, not met or not measured
	Value       *float64 `json:"value,omitempty"` // the value compared, when there was one
	Reason      string   `json:"reason"`
	// Evaluation is the result the value came from.
	Evaluation *Evaluation `json:"evaluation,omitempty"`
}

// VersionObjectives is one model or prompt version against every
// evaluation objective of its use case.
type VersionObjectives struct {
	Version     Node             `json:"version"`
	Checks      []ObjectiveCheck `json:"checks"`
	Met         int              `json:"met"`
	NotMet      int              `json:"not_met"`
	NotMeasured int              `json:"not_measured"`
}

// ObjectiveTarget splits an objective's metric into the evaluation metric
// and slice it is compared with. An objective names a slice by ending its
// metric with it in square brackets: "recall [segment=young]" is compared
// with evaluations of "recall" on the slice segment=young; "AUC" with
// evaluations of "AUC" on the whole dataset (the empty slice). Metric
// names are compared without regard to case or surrounding spaces.
func ObjectiveTarget(metric string) (name, slice string) {
	metric = strings.TrimSpace(metric)
	if strings.HasSuffix(metric, "]") {
		if i := strings.LastIndex(metric, "["); i > 0 {
			if s, err := CheckSlice(metric[i+1 : len(metric)-1]); err == nil && s != "" {
				return strings.TrimSpace(metric[:i]), s
			}
		}
	}
	return metric, ""
}

// MetricKey is how metric names are compared: lower case, runs of spaces
// as one, none around.
func MetricKey(m string) string { return strings.ToLower(strings.Join(strings.Fields(m), " ")) }

// CheckObjectives compares each version with each objective measured at
// evaluation (others are skipped), using evals, the evaluations recorded
// for those versions. The rule, per version and objective:
//
//   - the value used is that of the most recently recorded evaluation of
//     the version with the objective's metric and slice (see
//     ObjectiveTarget), on any dataset; ties on time go to the later id;
//   - with no such evaluation the objective is not measured;
//   - when the objective asks for a minimum number of samples and the
//     evaluation records fewer (or none), it is not measured either: a
//     result on too little data says nothing;
//   - otherwise it is met when the objective's comparator holds between
//     the value and the target, and not met when it does not.
//
// The result has one entry per version, in the order given, each with one
// check per evaluation objective in the order given.
func CheckObjectives(versions []Node, objectives []canvas.Objective, evals []Evaluation) []VersionObjectives {
	type key struct {
		v             Node
		metric, slice string
	}
	latest := map[key]Evaluation{}
	for _, e := range evals {
		k := key{e.Version, MetricKey(e.Metric), e.Slice}
		cur, ok := latest[k]
		if !ok || e.CreatedAt.After(cur.CreatedAt) || e.CreatedAt.Equal(cur.CreatedAt) && e.ID > cur.ID {
			latest[k] = e
		}
	}
	out := make([]VersionObjectives, 0, len(versions))
	for _, v := range versions {
		vo := VersionObjectives{Version: v, Checks: []ObjectiveCheck{}}
		for _, o := range objectives {
			if o.MeasuredAt != canvas.AtEvaluation {
				continue
			}
			name, slice := ObjectiveTarget(o.Metric)
			c := ObjectiveCheck{ObjectiveID: o.ID, CanvasID: o.CanvasID, Section: o.SectionID, Metric: name, Slice: slice,
				Comparator: string(o.Comparator), Target: o.Target, Unit: o.Unit}
			e, ok := latest[key{v, MetricKey(name), slice}]
			switch {
			case !ok:
				c.State, c.Reason = NotMeasured, "no evaluation of "+name+" on "+sliceLabel(slice)
			case o.MinSamples > 0 && e.Samples < o.MinSamples:
				c.State, c.Evaluation = NotMeasured, &e
				if e.Samples == 0 {
					c.Reason = "the evaluation does not say how many samples it used; at least " + strconv.FormatInt(o.MinSamples, 10) + " are needed"
				} else {
					c.Reason = "only " + strconv.FormatInt(e.Samples, 10) + " samples; at least " + strconv.FormatInt(o.MinSamples, 10) + " are needed"
				}
			default:
				value := e.Value
				c.Value, c.Evaluation = &value, &e
				if o.Comparator.Holds(value, o.Target) {
					c.State = Met
				} else {
					c.State = NotMet
				}
				c.Reason = name + " " + strconv.FormatFloat(value, 'g', -1, 64) + " on " + e.Dataset.Name + " v" + strconv.Itoa(e.Dataset.Version) +
					", target " + string(o.Comparator) + " " + strconv.FormatFloat(o.Target, 'g', -1, 64)
			}
			switch c.State {
			case Met:
				vo.Met++
			case NotMet:
				vo.NotMet++
			default:
				vo.NotMeasured++
			}
			vo.Checks = append(vo.Checks, c)
		}
		out = append(out, vo)
	}
	return out
}

func sliceLabel(s string) string {
	if s == "" {
		return "the whole dataset"
	}
	return "the slice " + s
}
