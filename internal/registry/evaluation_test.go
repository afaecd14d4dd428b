package registry

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/atrium-mlops/atrium/internal/atrium"
	"github.com/atrium-mlops/atrium/internal/canvas"
)

func TestEvaluationValidate(t *testing.T) {
	ok := func() Evaluation {
		return Evaluation{Dataset: VersionRef{"loans", 2}, Metric: " AUC ", Value: 0.81, Slice: " segment = young ", Note: "Hold-out\r\nset"}
	}
	e := ok()
	if err := e.Validate(); err != nil {
		t.Fatalf("Validate = %v", err)
	}
	if e.Metric != "AUC" || e.Slice != "segment=young" || e.Note != "Hold-out\nset" {
		t.Errorf("normalised = %+v", e)
	}
	for _, tc := range []struct {
		name string
		edit func(*Evaluation)
	}{
		{"NaN", func(e *Evaluation) { e.Value = math.NaN() }},
		{"+Inf", func(e *Evaluation) { e.Value = math.Inf(1) }},
		{"-Inf", func(e *Evaluation) { e.Value = math.Inf(-1) }},
		{"no metric", func(e *Evaluation) { e.Metric = "  " }},
		{"huge metric", func(e *Evaluation) { e.Metric = strings.Repeat("m", MaxMetric+1) }},
		{"control character in metric", func(e *Evaluation) { e.Metric = "auc\x00" }},
		{"no dataset", func(e *Evaluation) { e.Dataset = VersionRef{} }},
		{"dataset version 0", func(e *Evaluation) { e.Dataset.Version = 0 }},
		{"dataset name path", func(e *Evaluation) { e.Dataset.Name = "../etc" }},
		{"negative samples", func(e *Evaluation) { e.Samples = -1 }},
		{"huge note", func(e *Evaluation) { e.Note = strings.Repeat("n", MaxNote+1) }},
		{"bad slice", func(e *Evaluation) { e.Slice = "young" }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := ok()
			tc.edit(&e)
			if err := e.Validate(); atrium.KindOf(err) != atrium.Invalid {
				t.Fatalf("Validate = %v, want invalid", err)
			}
		})
	}
}

func TestCheckSlice(t *testing.T) {
	for in, want := range map[string]string{
		"":                              "",
		"  ":                            "",
		"segment=young":                 "segment=young",
		" region = north , segment=old": "region=north,segment=old",
		"segment=old,region=north":      "region=north,segment=old",
		"age:band=18-25":                "age:band=18-25",
	} {
		got, err := CheckSlice(in)
		if err != nil || got != want {
			t.Errorf("CheckSlice(%q) = %q, %v, want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"young", "=young", "segment=", "a=b,a=c", "a b=c", "a=b=c", "a=[b]", "a=b,", strings.Repeat("a", MaxSlice+1), "a=\x01"} {
		if _, err := CheckSlice(in); atrium.KindOf(err) != atrium.Invalid {
			t.Errorf("CheckSlice(%q) = %v, want invalid", in, err)
		}
	}
}

func TestObjectiveTarget(t *testing.T) {
	for _, tc := range []struct{ in, name, slice string }{
		{"AUC", "AUC", ""},
		{" recall [segment=young] ", "recall", "segment=young"},
		{"recall [ region=north, segment=young ]", "recall", "region=north,segment=young"},
		{"recall [not a slice]", "recall [not a slice]", ""},
		{"[segment=young]", "[segment=young]", ""},
		{"f1 []", "f1 []", ""},
	} {
		name, slice := ObjectiveTarget(tc.in)
		if name != tc.name || slice != tc.slice {
			t.Errorf("ObjectiveTarget(%q) = %q, %q, want %q, %q", tc.in, name, slice, tc.name, tc.slice)
		}
	}
}

func TestCheckObjectives(t *testing.T) {
	v1 := Node{Kind: Model, Name: "scorer", Version: 1}
	v2 := Node{Kind: Model, Name: "scorer", Version: 2}
	p1 := Node{Kind: Prompt, Name: "summary", Version: 1}
	t0 := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
	ev := func(v Node, metric string, value float64, slice string, samples int64, at int, id string) Evaluation {
		return Evaluation{ID: id, Version: v, Dataset: VersionRef{"loans", 2}, Metric: metric, Value: value, Slice: slice,
			Samples: samples, CreatedAt: t0.Add(time.Duration(at) * time.Hour)}
	}
	objectives := []canvas.Objective{
		{ID: 1, Metric: "AUC", Comparator: ">=", Target: 0.78, MeasuredAt: canvas.AtEvaluation},
		{ID: 2, Metric: "recall [segment=young]", Comparator: ">", Target: 0.6, MeasuredAt: canvas.AtEvaluation},
		{ID: 3, Metric: "latency ms", Comparator: "<", Target: 50, MeasuredAt: canvas.AtEvaluation},
		{ID: 4, Metric: "approval rate", Comparator: ">=", Target: 0.5, MeasuredAt: canvas.AtProduction},
		{ID: 5, Metric: "calibration error", Comparator: "<=", Target: 0.05, MeasuredAt: canvas.AtEvaluation, MinSamples: 1000},
		{ID: 6, Metric: "bias gap", Comparator: "==", Target: 0, MeasuredAt: canvas.AtEvaluation},
	}
	evals := []Evaluation{
		// v1: AUC measured twice; the later (lower) one counts.
		ev(v1, "AUC", 0.80, "", 0, 0, "a"),
		ev(v1, "auc", 0.76, "", 0, 2, "b"),
		// The overall recall does not answer the segment objective.
		ev(v1, "recall", 0.9, "", 0, 0, "c"),
		ev(v1, "latency  MS", 50, "", 0, 0, "d"), // not < 50
		ev(v1, "calibration error", 0.01, "", 999, 0, "e"),
		ev(v1, "bias gap", 0, "", 0, 0, "f"),
		// v2: meets everything measured.
		ev(v2, "AUC", 0.78, "", 0, 0, "g"), // exactly the target, >= holds
		ev(v2, "recall", 0.61, "segment=young", 0, 0, "h"),
		ev(v2, "recall", 0.2, "segment=old", 0, 0, "i"),
		ev(v2, "latency ms", 49.9, "", 0, 0, "j"),
		ev(v2, "calibration error", 0.05, "", 1000, 0, "k"),
		ev(v2, "bias gap", 0.0001, "", 0, 0, "l"),
		// Objectives measured in production are not compared here.
		ev(v2, "approval rate", 0.1, "", 0, 0, "m"),
		// Another version's result never leaks.
		ev(p1, "AUC", 0.99, "", 0, 5, "z"),
	}
	evals = append(evals, ev(v1, "bias gap", 1, "", 0, 0, "0")) // same time as "f", smaller id: "f" wins
	got := CheckObjectives([]Node{v1, v2}, objectives, evals)
	if len(got) != 2 {
		t.Fatalf("CheckObjectives = %d versions, want 2", len(got))
	}
	want := map[Node][]struct {
		state string
		value float64
	}{
		v1: {{NotMet, 0.76}, {NotMeasured, 0}, {NotMet, 50}, {NotMeasured, 0}, {Met, 0}},
		v2: {{Met, 0.78}, {Met, 0.61}, {Met, 49.9}, {Met, 0.05}, {NotMet, 0.0001}},
	}
	for _, vo := range got {
		w := want[vo.Version]
		if len(vo.Checks) != len(w) {
			t.Fatalf("%s: %d checks, want %d (the production objective skipped)", vo.Version, len(vo.Checks), len(w))
		}
		for i, c := range vo.Checks {
			if c.State != w[i].state {
				t.Errorf("%s objective %d: state %q (%s), want %q", vo.Version, c.ObjectiveID, c.State, c.Reason, w[i].state)
			}
			if c.State != NotMeasured && (c.Value == nil || *c.Value != w[i].value) {
				t.Errorf("%s objective %d: value %v, want %v", vo.Version, c.ObjectiveID, c.Value, w[i].value)
			}
			if c.State == NotMeasured && c.Value != nil {
				t.Errorf("%s objective %d: not measured but carries value %v", vo.Version, c.ObjectiveID, *c.Value)
			}
			if c.Reason == "" {
				t.Errorf("%s objective %d: no reason", vo.Version, c.ObjectiveID)
			}
		}
	}
	if v1s := got[0]; v1s.Met != 1 || v1s.NotMet != 2 || v1s.NotMeasured != 2 {
		t.Errorf("v1 tallies = %d met, %d not met, %d not measured", v1s.Met, v1s.NotMet, v1s.NotMeasured)
	}
	if c := got[0].Checks[3]; !strings.Contains(c.Reason, "999") || c.Evaluation == nil {
		t.Errorf("too few samples: reason %q, evaluation %v", c.Reason, c.Evaluation)
	}
	if c := got[0].Checks[1]; !strings.Contains(c.Reason, "segment=young") || c.Slice != "segment=young" || c.Metric != "recall" {
		t.Errorf("segment objective = %+v", c)
	}

	// Every comparator, at, above and below its target.
	for _, tc := range []struct {
		cmp              canvas.Comparator
		below, at, above string
	}{
		{">=", NotMet, Met, Met},
		{">", NotMet, NotMet, Met},
		{"<=", Met, Met, NotMet},
		{"<", Met, NotMet, NotMet},
		{"==", NotMet, Met, NotMet},
	} {
		for value, want := range map[float64]string{0.49: tc.below, 0.5: tc.at, 0.51: tc.above} {
			o := []canvas.Objective{{ID: 1, Metric: "m", Comparator: tc.cmp, Target: 0.5, MeasuredAt: canvas.AtEvaluation}}
			r := CheckObjectives([]Node{v1}, o, []Evaluation{ev(v1, "m", value, "", 0, 0, "x")})
			if s := r[0].Checks[0].State; s != want {
				t.Errorf("%v %s 0.5 = %q, want %q", value, tc.cmp, s, want)
			}
		}
	}

	// No versions, no objectives, no evaluations.
	if r := CheckObjectives(nil, objectives, evals); len(r) != 0 {
		t.Errorf("no versions = %+v", r)
	}
	if r := CheckObjectives([]Node{v1}, nil, evals); len(r) != 1 || len(r[0].Checks) != 0 {
		t.Errorf("no objectives = %+v", r)
	}
	if r := CheckObjectives([]Node{p1}, objectives, nil); r[0].NotMeasured != 5 {
		t.Errorf("no evaluations = %+v, want 5 not measured", r[0])
	}
}

func TestProposals(t *testing.T) {
	p := &Profile{Columns: []ColumnProfile{
		{Name: "email", Type: String, Suggested: &Suggestion{Classification: DirectIdentifier, Detector: "email"}},
		{Name: "birth_date", Type: Timestamp, Suggested: &Suggestion{Classification: QuasiIdentifier, Detector: "birth-date"}},
		{Name: "amount", Type: Number},
	}}
	s := Sensitivity{Columns: map[string]Classification{"email": DirectIdentifier, "amount": NotPersonal}}
	got := Proposals(p, s)
	if len(got) != 1 || got[0].Column != "birth_date" || got[0].Classification != QuasiIdentifier {
		t.Errorf("Proposals = %+v, want birth_date only", got)
	}
	if Proposals(nil, s) != nil {
		t.Error("Proposals without a profile are not empty")
	}
	if c := s.Counts(); c[DirectIdentifier] != 1 || c[NotPersonal] != 1 || c[SpecialCategory] != 0 {
		t.Errorf("Counts = %v", c)
	}
	if !s.Equal(Sensitivity{Columns: map[string]Classification{"amount": NotPersonal, "email": DirectIdentifier}}) || s.Equal(Sensitivity{}) {
		t.Error("Equal is wrong")
	}
	if !(Sensitivity{}).Equal(Sensitivity{Columns: map[string]Classification{}}) {
		t.Error("an empty and a nil column map differ")
	}
}
