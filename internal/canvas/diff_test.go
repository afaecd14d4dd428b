package canvas

import (
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
)

func joinOps(ops []DiffOp, keep string) string {
	var b strings.Builder
	for _, op := range ops {
		if op.Op == OpEqual || op.Op == keep {
			b.WriteString(op.Text)
		}
	}
	return b.String()
}

func checkOps(t *testing.T, a, b string, ops []DiffOp) {
	t.Helper()
	if got := joinOps(ops, OpDelete); got != a {
		t.Fatalf("DiffWords(%q, %q): equal+delete = %q, want a", a, b, got)
	}
	if got := joinOps(ops, OpInsert); got != b {
		t.Fatalf("DiffWords(%q, %q): equal+insert = %q, want b", a, b, got)
	}
	for i, op := range ops {
		if op.Text == "" {
			t.Fatalf("DiffWords(%q, %q): op %d is empty", a, b, i)
		}
		if i > 0 && ops[i-1].Op == op.Op {
			t.Fatalf("DiffWords(%q, %q): ops %d and %d are both %s, want them merged", a, b, i-1, i, op.Op)
		}
		if op.Op != OpEqual && op.Op != OpInsert && op.Op != OpDelete {
			t.Fatalf("DiffWords: op %q", op.Op)
		}
	}
}

func TestDiffWords(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want []DiffOp
	}{
		{"", "", []DiffOp{}},
		{"same text", "same text", []DiffOp{{OpEqual, "same text"}}},
		{"", "new", []DiffOp{{OpInsert, "new"}}},
		{"old", "", []DiffOp{{OpDelete, "old"}}},
		{"the quick fox", "the slow fox", []DiffOp{{OpEqual, "the "}, {OpDelete, "quick"}, {OpInsert, "slow"}, {OpEqual, " fox"}}},
		{"the fox", "the brown fox", []DiffOp{{OpEqual, "the "}, {OpInsert, "brown "}, {OpEqual, "fox"}}},
		{"a b c d", "a x y d", []DiffOp{{OpEqual, "a "}, {OpDelete, "b c"}, {OpInsert, "x y"}, {OpEqual, " d"}}},
		{"one two", "one  two", []DiffOp{{OpEqual, "one"}, {OpDelete, " "}, {OpInsert, "  "}, {OpEqual, "two"}}},
		{"line one\nline two\n", "line one\nline 2\n", []DiffOp{{OpEqual, "line one\nline "}, {OpDelete, "two"}, {OpInsert, "2"}, {OpEqual, "\n"}}},
		{"Recall ≥ 0.9 für alle", "Recall ≥ 0.95 für alle", []DiffOp{{OpEqual, "Recall ≥ "}, {OpDelete, "0.9"}, {OpInsert, "0.95"}, {OpEqual, " für alle"}}},
	} {
		got := DiffWords(tc.a, tc.b)
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("DiffWords(%q, %q) = %q, want %q", tc.a, tc.b, got, tc.want)
		}
		checkOps(t, tc.a, tc.b, got)
	}
}

func TestDiffWordsProperty(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	words := []string{"a", "b", "model", "data", "é", "☃", "#", "-", "x"}
	spaces := []string{" ", "  ", "\n", "\t", "\n\n", " \n"}
	gen := func() string {
		var b strings.Builder
		for range rng.IntN(30) {
			if rng.IntN(3) == 0 {
				b.WriteString(spaces[rng.IntN(len(spaces))])
			} else {
				b.WriteString(words[rng.IntN(len(words))])
			}
		}
		return b.String()
	}
	for range 2000 {
		a, b := gen(), gen()
		checkOps(t, a, b, DiffWords(a, b))
	}
}

func TestDiffWordsFindsAShortDiff(t *testing.T) {
	// A minimal diff of two texts that differ in one word touches only
	// that word, however long the texts are.
	a := strings.Repeat("word ", 3000) + "middle " + strings.Repeat("more ", 3000)
	b := strings.Repeat("word ", 3000) + "centre " + strings.Repeat("more ", 3000)
	ops := DiffWords(a, b)
	checkOps(t, a, b, ops)
	if len(ops) != 4 || ops[1].Text != "middle" || ops[2].Text != "centre" {
		t.Fatalf("DiffWords(one word changed) = %d ops (%.40q…), want equal, delete middle, insert centre, equal", len(ops), ops)
	}
}

func TestDiffWordsSizeGuard(t *testing.T) {
	var a, b strings.Builder
	for i := range 6000 {
		a.WriteString("a" + strings.Repeat("x", i%7) + " ")
		b.WriteString("b" + strings.Repeat("y", i%5) + " ")
		if i%50 == 49 {
			a.WriteString("\nshared line\n")
			b.WriteString("\nshared line\n")
		}
	}
	ops := DiffWords(a.String(), b.String())
	checkOps(t, a.String(), b.String(), ops)
	// Too many words on both sides: the diff falls back to lines, so the
	// shared lines are kept as equal runs.
	if !strings.Contains(joinOps(filter(ops, OpEqual), ""), "shared line") {
		t.Errorf("fallback diff lost the shared lines")
	}
	// Beyond the line budget as well, the whole text is replaced.
	long := func(c string) string { return strings.Repeat(c+"\n", 5000) }
	ops = DiffWords(long("p"), long("q"))
	if len(ops) != 2 || ops[0].Op != OpDelete || ops[1].Op != OpInsert {
		t.Errorf("huge diff = %d ops, want delete then insert", len(ops))
	}
}

func filter(ops []DiffOp, kind string) []DiffOp {
	var out []DiffOp
	for _, op := range ops {
		if op.Op == kind {
			out = append(out, op)
		}
	}
	return out
}

func TestDiffSnapshots(t *testing.T) {
	tpl := builtinByID(t, "mlops-canvas-v0.1")
	a := Snapshot{
		Title:  "Fraud",
		Header: map[string]string{"iteration": "1", "product-name": "Fraud check", "gone": "x"},
		Sections: map[string]SnapshotItem{
			"background": {Content: "Card fraud costs us.", Status: Draft},
			"objectives": {Content: "Recall 0.9", Status: Agreed},
			"not-here":   {Content: "ignored"},
		},
	}
	b := Snapshot{
		Title:  "Fraud detection",
		Header: map[string]string{"iteration": "2", "product-name": "Fraud check"},
		Sections: map[string]SnapshotItem{
			"background": {Content: "Card fraud costs us a lot.", Status: InReview},
			"objectives": {Content: "Recall 0.9", Status: Agreed},
			"lifetime":   {Content: "Retire in 2030.", Status: Draft, OwnerName: "Ana"},
		},
	}
	header, sections := DiffSnapshots(tpl, a, b)
	wantHeader := []HeaderDiff{
		{Field: "title", Label: "Title", From: "Fraud", To: "Fraud detection"},
		{Field: "iteration", Label: "Iteration", From: "1", To: "2"},
		{Field: "gone", Label: "gone", From: "x", To: ""},
	}
	if !reflect.DeepEqual(header, wantHeader) {
		t.Errorf("header = %+v, want %+v", header, wantHeader)
	}
	if got, want := len(sections), len(tpl.SectionIDs()); got != want {
		t.Fatalf("%d sections, want %d", got, want)
	}
	for i, id := range tpl.SectionIDs() {
		if sections[i].SectionID != id || sections[i].Title == "" || sections[i].Phase == "" || sections[i].PhaseTitle == "" {
			t.Errorf("sections[%d] = %+v, want %s with titles", i, sections[i], id)
		}
	}
	byID := map[string]SectionDiff{}
	for _, s := range sections {
		byID[s.SectionID] = s
	}
	bg := byID["background"]
	if !bg.Changed || bg.StatusFrom != Draft || bg.StatusTo != InReview || bg.Phase != "problem" {
		t.Errorf("background = %+v, want changed draft → in review in phase problem", bg)
	}
	if want := []DiffOp{{OpEqual, "Card fraud costs "}, {OpDelete, "us."}, {OpInsert, "us a lot."}}; !reflect.DeepEqual(bg.Ops, want) {
		t.Errorf("background ops = %q, want %q", bg.Ops, want)
	}
	if o := byID["objectives"]; o.Changed || !reflect.DeepEqual(o.Ops, []DiffOp{{OpEqual, "Recall 0.9"}}) {
		t.Errorf("objectives = %+v, want unchanged with one equal op", o)
	}
	if l := byID["lifetime"]; !l.Changed || l.StatusFrom != Empty || l.OwnerTo != "Ana" {
		t.Errorf("lifetime = %+v, want changed from empty, owner Ana", l)
	}
	if d := byID["decision"]; d.Changed || d.StatusFrom != Empty || len(d.Ops) != 0 {
		t.Errorf("decision = %+v, want unchanged and empty", d)
	}
}

func BenchmarkDiffWordsWorstCase(b *testing.B) {
	// Just under the LCS budget, with nothing in common but the spaces.
	x := strings.Repeat("a ", 2000)
	y := strings.Repeat("b ", 1999) + "c"
	for b.Loop() {
		DiffWords(x, y)
	}
}
