package canvas

import (
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/atrium-mlops/atrium/internal/atrium"
)

// wantInvalid fails unless err is an Invalid error whose message mentions
// every fragment.
func wantInvalid(t *testing.T, what string, err error, fragments ...string) {
	t.Helper()
	if err == nil {
		t.Errorf("%s: passed, want an Invalid error", what)
		return
	}
	if k := atrium.KindOf(err); k != atrium.Invalid {
		t.Errorf("%s: kind %q, want invalid (%v)", what, k, err)
	}
	for _, f := range fragments {
		if !strings.Contains(err.Error(), f) {
			t.Errorf("%s: err = %q, want it to mention %q", what, err, f)
		}
	}
}

func TestParseStatus(t *testing.T) {
	for in, want := range map[string]Status{
		"empty": Empty, "draft": Draft, "Draft": Draft, " agreed ": Agreed,
		"in review": InReview, "in_review": InReview, "in-review": InReview, "In Review": InReview,
	} {
		if got, err := ParseStatus(in); err != nil || got != want {
			t.Errorf("ParseStatus(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "done", "inreview", "review"} {
		_, err := ParseStatus(bad)
		wantInvalid(t, "ParseStatus("+bad+")", err, "is not one of empty, draft, in review, agreed")
	}
	if got := InReview.Label(); got != "In review" {
		t.Errorf("InReview.Label() = %q, want In review", got)
	}
}

func TestNormalizeContent(t *testing.T) {
	for in, want := range map[string]string{
		"":                              "",
		"  keep  \n\n spaces ":          "  keep  \n\n spaces ",
		"tab\there\n":                   "tab\there\n",
		"windows\r\nlines\r\n":          "windows\nlines\n",
		"old\rmac":                      "old\nmac",
		"☃ \u2028 ok":                   "☃ \u2028 ok",
		strings.Repeat("é", MaxContent): strings.Repeat("é", MaxContent),
	} {
		if got, err := NormalizeContent(in); err != nil || got != want {
			t.Errorf("NormalizeContent(%.30q) = %.30q, %v; want %.30q", in, got, err, want)
		}
	}
	for in, frag := range map[string]string{
		"nul\x00":                         "control character (U+0000)",
		"bell\a":                          "control character (U+0007)",
		"c1\u0085":                        "control character (U+0085)",
		"\xff":                            "not valid UTF-8",
		strings.Repeat("x", MaxContent+1): "too long (50001 characters, at most 50000)",
	} {
		_, err := NormalizeContent(in)
		wantInvalid(t, "NormalizeContent", err, frag)
	}
}

func TestNormalizeCommentAndTitle(t *testing.T) {
	if got, err := NormalizeComment("  Looks good.\r\nShip it.  "); err != nil || got != "Looks good.\nShip it." {
		t.Errorf("NormalizeComment = %q, %v", got, err)
	}
	_, err := NormalizeComment("   ")
	wantInvalid(t, "blank comment", err, "the comment is required")
	_, err = NormalizeComment(strings.Repeat("c", MaxComment+1))
	wantInvalid(t, "long comment", err, "too long")
	if got, err := NormalizeTitle(" Fraud "); err != nil || got != "Fraud" {
		t.Errorf("NormalizeTitle = %q, %v", got, err)
	}
	for _, bad := range []string{"", "two\nlines", strings.Repeat("t", 201)} {
		_, err := NormalizeTitle(bad)
		wantInvalid(t, "NormalizeTitle", err, "the title")
	}
}

func TestNormalizeHeader(t *testing.T) {
	tpl := builtinByID(t, "mlops-canvas-v0.1")
	got, err := NormalizeHeader(tpl, map[string]string{"product-name": " Fraud ", "designed-by": "", "date": "2026-11-27", "iteration": "007"})
	if want := map[string]string{"product-name": "Fraud", "date": "2026-11-27", "iteration": "7"}; err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("NormalizeHeader = %v, %v; want %v", got, err, want)
	}
	if got, err := NormalizeHeader(tpl, nil); err != nil || got == nil || len(got) != 0 {
		t.Errorf("NormalizeHeader(nil) = %v, %v; want an empty map", got, err)
	}
	for _, tc := range []struct {
		h    map[string]string
		frag string
	}{
		{map[string]string{"colour": "red"}, `no header field "colour"`},
		{map[string]string{"date": "27.11.2026"}, "Date must be a date written as YYYY-MM-DD"},
		{map[string]string{"date": "2026-02-30"}, "YYYY-MM-DD"},
		{map[string]string{"iteration": "1.5"}, "Iteration must be a whole number from 0 to 1,000,000,000"},
		{map[string]string{"iteration": "-1"}, "whole number"},
		{map[string]string{"iteration": "+3"}, "whole number"},
		{map[string]string{"iteration": "1000000001"}, "whole number"},
		{map[string]string{"product-name": strings.Repeat("p", 201)}, "too long"},
		{map[string]string{"product-name": "a\nb"}, "control character"},
	} {
		_, err := NormalizeHeader(tpl, tc.h)
		wantInvalid(t, "NormalizeHeader", err, tc.frag)
	}
}

func goodObjective() Objective {
	return Objective{Metric: "recall", Comparator: ">=", Target: 0.9, MeasuredAt: AtEvaluation, Window: "30d", MinSamples: 500}
}

func TestObjectiveNormalize(t *testing.T) {
	o := goodObjective()
	o.Metric, o.MeasuredAt, o.Window = " recall ", " Production ", " 4W "
	if err := o.Normalize(); err != nil || o.Metric != "recall" || o.MeasuredAt != AtProduction || o.Window != "4w" {
		t.Errorf("Normalize = %+v, %v", o, err)
	}
	for _, window := range []string{"", "90m", "12h", "7d", "1826d", "260w"} {
		o := goodObjective()
		o.Window = window
		if err := o.Normalize(); err != nil {
			t.Errorf("window %q: %v", window, err)
		}
	}
	for _, tc := range []struct {
		change func(*Objective)
		frag   string
	}{
		{func(o *Objective) { o.Metric = "" }, "the metric is required"},
		{func(o *Objective) { o.Metric = strings.Repeat("m", 201) }, "too long"},
		{func(o *Objective) { o.Comparator = "=>" }, "comparator"},
		{func(o *Objective) { o.Comparator = "" }, "comparator"},
		{func(o *Objective) { o.Target = math.NaN() }, "finite"},
		{func(o *Objective) { o.Target = math.Inf(1) }, "finite"},
		{func(o *Objective) { o.Unit = strings.Repeat("u", 41) }, "the unit is too long"},
		{func(o *Objective) { o.MeasuredAt = "" }, "must be one of evaluation, production, feedback, business"},
		{func(o *Objective) { o.MeasuredAt = "staging" }, "must be one of"},
		{func(o *Objective) { o.Window = "0d" }, "longer than zero"},
		{func(o *Objective) { o.Window = "30" }, "followed by m, h, d or w"},
		{func(o *Objective) { o.Window = "30s" }, "followed by m, h, d or w"},
		{func(o *Objective) { o.Window = "-3d" }, "followed by"},
		{func(o *Objective) { o.Window = "1827d" }, "at most five years"},
		{func(o *Objective) { o.Window = "261w" }, "at most five years"},
		{func(o *Objective) { o.MinSamples = -1 }, "minimum sample size"},
		{func(o *Objective) { o.MinSamples = 1e12 + 1 }, "minimum sample size"},
		{func(o *Objective) { o.Notes = strings.Repeat("n", 2001) }, "the notes is too long"},
	} {
		o := goodObjective()
		tc.change(&o)
		wantInvalid(t, "Objective", o.Normalize(), tc.frag)
	}
	if d, _ := ParseWindow("2w"); d != 14*24*time.Hour {
		t.Errorf("ParseWindow(2w) = %v, want 336h", d)
	}
}

func TestComparatorHolds(t *testing.T) {
	for _, tc := range []struct {
		c     Comparator
		value float64
		want  bool
	}{
		{">=", 0.9, true}, {">=", 0.89, false}, {">", 0.9, false}, {"<=", 0.9, true},
		{"<", 0.8, true}, {"==", 0.9, true}, {"==", 0.91, false}, {"~", 0.9, false},
	} {
		if got := tc.c.Holds(tc.value, 0.9); got != tc.want {
			t.Errorf("%q.Holds(%v, 0.9) = %v, want %v", tc.c, tc.value, got, tc.want)
		}
	}
}

func TestFormChoices(t *testing.T) {
	if len(Comparators) != 5 || len(MeasuredAt) != 4 || len(EvidenceKinds) != 8 {
		t.Errorf("choice lists = %v %v %v", Comparators, MeasuredAt, EvidenceKinds)
	}
}
