package registry

import (
	"strings"
	"testing"

	"github.com/atrium-mlops/atrium/internal/atrium"
)

func TestCheckEdge(t *testing.T) {
	model1 := Node{Kind: Model, Name: "scorer", Version: 1}
	model2 := Node{Kind: Model, Name: "scorer", Version: 2}
	data1 := Node{Kind: Dataset, Name: "loans", Version: 1}
	data2 := Node{Kind: Dataset, Name: "loans", Version: 2}
	prompt := Node{Kind: Prompt, Name: "summary", Version: 1}
	run := RunNode("a1b2c3")
	for _, tc := range []struct {
		name     string
		from, to Node
		rel      Relation
		ok       bool
	}{
		{"model trained on dataset", model1, data1, TrainedOn, true},
		{"model evaluated on dataset", model1, data2, EvaluatedOn, true},
		{"prompt evaluated on dataset", prompt, data1, EvaluatedOn, true},
		{"dataset derived from dataset", data2, data1, DerivedFrom, true},
		{"model fine-tuned from model", model2, model1, FineTunedFrom, true},
		{"model produced by run", model1, run, ProducedBy, true},
		{"dataset trained on dataset", data1, data2, TrainedOn, false},
		{"prompt trained on dataset", prompt, data1, TrainedOn, false},
		{"model trained on model", model2, model1, TrainedOn, false},
		{"model derived from dataset", model1, data1, DerivedFrom, false},
		{"dataset fine-tuned from model", data1, model1, FineTunedFrom, false},
		{"dataset produced by run", data1, run, ProducedBy, false},
		{"model produced by a version", model1, data1, ProducedBy, false},
		{"model trained on a run", model1, run, TrainedOn, false},
		{"run as the source", run, data1, DerivedFrom, false},
		{"self edge", data1, data1, DerivedFrom, false},
		{"self fine-tune", model1, model1, FineTunedFrom, false},
		{"unknown relation", model1, data1, "inspired_by", false},
		{"empty relation", model1, data1, "", false},
		{"relation case", model1, data1, "TRAINED_ON", false},
		{"version zero", Node{Kind: Model, Name: "scorer"}, data1, TrainedOn, false},
		{"negative version", model1, Node{Kind: Dataset, Name: "loans", Version: -1}, TrainedOn, false},
		{"bad name", model1, Node{Kind: Dataset, Name: "../x", Version: 1}, TrainedOn, false},
		{"unknown kind", Node{Kind: "notebook", Name: "n", Version: 1}, data1, TrainedOn, false},
		{"run id with a slash", model1, RunNode("a/b"), ProducedBy, false},
		{"run id too long", model1, RunNode(strings.Repeat("a", 65)), ProducedBy, false},
		{"run and version at once", model1, Node{Kind: Dataset, Name: "loans", Version: 1, Run: "abc"}, ProducedBy, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := CheckEdge(tc.from, tc.to, tc.rel)
			if tc.ok && err != nil {
				t.Fatalf("CheckEdge = %v, want ok", err)
			}
			if !tc.ok && atrium.KindOf(err) != atrium.Invalid {
				t.Fatalf("CheckEdge = %v, want invalid", err)
			}
		})
	}
}

func TestWouldCycle(t *testing.T) {
	n := func(i int) Node { return Node{Kind: Dataset, Name: "d", Version: i} }
	// 1 ← 2 ← 3 ← 4, and 5 ← 3 (3 derived from 2 and from 5).
	edges := []Edge{
		{From: n(2), To: n(1), Relation: DerivedFrom},
		{From: n(3), To: n(2), Relation: DerivedFrom},
		{From: n(4), To: n(3), Relation: DerivedFrom},
		{From: n(3), To: n(5), Relation: DerivedFrom},
	}
	for _, tc := range []struct {
		from, to int
		want     bool
	}{
		{1, 4, true}, // 4 already depends on 1
		{1, 2, true},
		{5, 4, true},
		{5, 1, false},
		{4, 1, false}, // a shortcut, not a cycle
		{6, 4, false},
		{1, 1, true},
		{2, 5, false},
	} {
		if got := WouldCycle(edges, n(tc.from), n(tc.to)); got != tc.want {
			t.Errorf("WouldCycle(%d → %d) = %v, want %v", tc.from, tc.to, got, tc.want)
		}
	}
	if WouldCycle(nil, n(1), n(2)) {
		t.Error("WouldCycle on an empty graph = true")
	}
}

func TestModelEdges(t *testing.T) {
	self := Node{Kind: Model, Name: "m", Version: 3}
	got := ModelEdges(self, &ModelInfo{
		TrainingData:   []VersionRef{{"loans", 1}, {"loans", 1}, {"bureau", 2}},
		EvaluationData: []VersionRef{{"loans", 2}},
		RunID:          "r1",
	})
	want := []string{"dataset/loans/1 trained_on", "dataset/bureau/2 trained_on", "dataset/loans/2 evaluated_on", "run/r1 produced_by"}
	if len(got) != len(want) {
		t.Fatalf("ModelEdges = %+v, want %v", got, want)
	}
	for i, e := range got {
		if e.From != self || e.To.String()+" "+string(e.Relation) != want[i] {
			t.Errorf("edge %d = %s %s %s, want from %s to %s", i, e.From, e.Relation, e.To, self, want[i])
		}
		if err := CheckEdge(e.From, e.To, e.Relation); err != nil {
			t.Errorf("edge %d does not pass CheckEdge: %v", i, err)
		}
	}
	if ModelEdges(self, nil) != nil {
		t.Error("ModelEdges(nil) is not empty")
	}
}

func TestCheckDepth(t *testing.T) {
	for in, want := range map[int]int{0: DefaultDepth, 1: 1, MaxDepth: MaxDepth} {
		if got, err := CheckDepth(in); err != nil || got != want {
			t.Errorf("CheckDepth(%d) = %d, %v, want %d", in, got, err, want)
		}
	}
	for _, in := range []int{-1, MaxDepth + 1, 1 << 40} {
		if _, err := CheckDepth(in); atrium.KindOf(err) != atrium.Invalid {
			t.Errorf("CheckDepth(%d) = %v, want invalid", in, err)
		}
	}
}

func TestNodeString(t *testing.T) {
	if s := (Node{Kind: Model, Name: "credit-scorer", Version: 2}).String(); s != "model/credit-scorer/2" {
		t.Errorf("String = %q", s)
	}
	if s := RunNode("abc").String(); s != "run/abc" {
		t.Errorf("String = %q", s)
	}
}
