package canvas

import (
	"reflect"
	"testing"
)

func TestTally(t *testing.T) {
	for _, tc := range []struct {
		tally            Tally
		percent, started int
	}{
		{Tally{}, 0, 0},
		{Tally{Empty: 12, Total: 12}, 0, 0},
		{Tally{Empty: 1, Draft: 1, InReview: 1, Agreed: 0, Total: 3}, 0, 2},
		{Tally{Empty: 1, Agreed: 2, Total: 3}, 66, 2},
		{Tally{Agreed: 12, Total: 12}, 100, 12},
	} {
		if got := tc.tally.Percent(); got != tc.percent {
			t.Errorf("%+v.Percent() = %d, want %d", tc.tally, got, tc.percent)
		}
		if got := tc.tally.Started(); got != tc.started {
			t.Errorf("%+v.Started() = %d, want %d", tc.tally, got, tc.started)
		}
	}
}

func TestCompletenessOf(t *testing.T) {
	tpl := builtinByID(t, "mlops-canvas-v0.1")
	c := Canvas{Sections: map[string]Section{
		"background":        {Status: Agreed},
		"value-proposition": {Status: Draft},
		"objectives":        {Status: InReview},
		"data-collection":   {Status: Agreed},
		"lifetime":          {Status: ""}, // saved but never given a status
		"removed-section":   {Status: Agreed},
	}}
	got := CompletenessOf(tpl, c)
	if want := (Tally{Empty: 8, Draft: 1, InReview: 1, Agreed: 2, Total: 12}); got.Overall != want {
		t.Errorf("Overall = %+v, want %+v", got.Overall, want)
	}
	if len(got.Phases) != 5 {
		t.Fatalf("%d phases, want 5", len(got.Phases))
	}
	problem := got.Phases[0]
	if want := (Tally{Draft: 1, InReview: 1, Agreed: 1, Total: 3}); problem.ID != "problem" || problem.Title != "Problem" || problem.Tally != want {
		t.Errorf("Phases[0] = %s %q %+v, want problem %+v", problem.ID, problem.Title, problem.Tally, want)
	}
	wantStates := []SectionState{{"background", "Background", Agreed}, {"value-proposition", "Value proposition", Draft}, {"objectives", "Objectives", InReview}}
	if !reflect.DeepEqual(problem.Sections, wantStates) {
		t.Errorf("Phases[0].Sections = %+v, want %+v", problem.Sections, wantStates)
	}
	if s := got.Phases[4].Sections[1]; s.ID != "lifetime" || s.Status != Empty {
		t.Errorf("lifetime = %+v, want empty", s)
	}
	if got.Overall.Percent() != 16 {
		t.Errorf("Percent = %d, want 16", got.Overall.Percent())
	}
}

func TestCompletenessFromCounts(t *testing.T) {
	tpl := builtinByID(t, "human-centric-mlops")
	for _, tc := range []struct {
		saved map[Status]int
		want  Tally
	}{
		{nil, Tally{Empty: 25, Total: 25}},
		{map[Status]int{Empty: 3, Draft: 2, InReview: 1, Agreed: 4}, Tally{Empty: 18, Draft: 2, InReview: 1, Agreed: 4, Total: 25}},
		{map[Status]int{Agreed: 25}, Tally{Agreed: 25, Total: 25}},
		{map[Status]int{Draft: 20, Agreed: 9, InReview: -1}, Tally{Draft: 20, Agreed: 5, Total: 25}},
	} {
		if got := CompletenessFromCounts(tpl, tc.saved); got != tc.want {
			t.Errorf("CompletenessFromCounts(%v) = %+v, want %+v", tc.saved, got, tc.want)
		}
	}
}
