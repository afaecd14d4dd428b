package decision

import (
	"strings"
	"testing"

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

func TestDecisionNormalize(t *testing.T) {
	d := Decision{Title: " Use gradient boosting ", DecidedAt: "2026-11-27", Links: []Link{
		{Kind: "section", Target: "model-selection-evaluation"},
		{Kind: "Section", Target: "0f3a9c/objectives", Label: "the objectives"},
		{Kind: "version", Target: "model:fraud@3"},
		{Kind: "decision", Target: "2"},
		{Kind: "url", Target: "https://wiki.example/adr/7"},
	}}
	if err := d.Normalize(); err != nil {
		t.Fatal(err)
	}
	if d.Title != "Use gradient boosting" || d.Status != Proposed || d.Links[1].Kind != "section" {
		t.Errorf("Normalize = %+v", d)
	}
	e := Decision{Title: "x"}
	if err := e.Normalize(); err != nil || e.Links == nil {
		t.Errorf("no links: %v, %v; want an empty list", err, e.Links)
	}
	tooMany := make([]Link, 51)
	for i := range tooMany {
		tooMany[i] = Link{Kind: "decision", Target: "1"}
	}
	for _, tc := range []struct {
		d    Decision
		frag string
	}{
		{Decision{}, "the title is required"},
		{Decision{Title: strings.Repeat("t", 201)}, "the title is too long"},
		{Decision{Title: "x", Rationale: strings.Repeat("r", 10001)}, "the rationale is too long"},
		{Decision{Title: "x", Options: "a\x1bb"}, "control character"},
		{Decision{Title: "x", Status: "maybe"}, `status "maybe" is not one of proposed, accepted, rejected, superseded`},
		{Decision{Title: "x", DecidedBy: strings.Repeat("b", 201)}, "who decided is too long"},
		{Decision{Title: "x", DecidedAt: "yesterday"}, "YYYY-MM-DD"},
		{Decision{Title: "x", Supersedes: -1}, "must not be negative"},
		{Decision{Title: "x", Links: tooMany}, "51 links; at most 50"},
		{Decision{Title: "x", Links: []Link{{Kind: "file", Target: "a"}}}, `link 1: kind "file" is not one of section, version, decision, url`},
		{Decision{Title: "x", Links: []Link{{Kind: "url"}}}, "link 1: the target is required"},
		{Decision{Title: "x", Links: []Link{{Kind: "version", Target: strings.Repeat("v", 501)}}}, "too long"},
		{Decision{Title: "x", Links: []Link{{Kind: "version", Target: "v", Label: strings.Repeat("l", 201)}}}, "the label is too long"},
		{Decision{Title: "x", Links: []Link{{Kind: "url", Target: "javascript:alert(1)"}}}, "not an absolute http or https address"},
		{Decision{Title: "x", Links: []Link{{Kind: "url", Target: "/relative"}}}, "not an absolute http or https address"},
		{Decision{Title: "x", Links: []Link{{Kind: "url", Target: "https://"}}}, "not an absolute http or https address"},
		{Decision{Title: "x", Links: []Link{{Kind: "decision", Target: "0"}}}, "decision's number"},
		{Decision{Title: "x", Links: []Link{{Kind: "decision", Target: "two"}}}, "decision's number"},
		{Decision{Title: "x", Links: []Link{{Kind: "section", Target: "Not A Section"}}}, "a section link is a section id"},
		{Decision{Title: "x", Links: []Link{{Kind: "section", Target: "a/b/c"}}}, "a section link is a section id"},
	} {
		wantInvalid(t, "Decision", tc.d.Normalize(), tc.frag)
	}
}

func TestFormChoices(t *testing.T) {
	if len(Statuses) != 4 {
		t.Errorf("choice lists = %v", Statuses)
	}
}
