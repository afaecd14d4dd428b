package canvas

import (
	"strings"
	"testing"
)

func TestNextStatus(t *testing.T) {
	st := func(s Status) *Status { return &s }
	for _, tc := range []struct {
		name      string
		cur       Section
		content   string
		requested *Status
		want      Status
	}{
		{"first text makes a draft", Section{Status: Empty}, "text", nil, Draft},
		{"first text with a status asked for", Section{Status: Empty}, "text", st(InReview), InReview},
		{"more text keeps the status", Section{Content: "a", Status: InReview}, "ab", nil, InReview},
		{"agreed text edited stays agreed", Section{Content: "a", Status: Agreed}, "b", nil, Agreed},
		{"text removed empties it", Section{Content: "a", Status: Agreed}, "", nil, Empty},
		{"text removed with a status asked for", Section{Content: "a", Status: Draft}, "", st(InReview), InReview},
		{"still empty stays empty", Section{Status: Empty}, "", nil, Empty},
		{"a review alone", Section{Content: "a", Status: Draft}, "a", st(Agreed), Agreed},
		// An empty text with another status (set by a review before any
		// text) is not a first draft: the status chosen is kept.
		{"text arrives in a reviewed empty section", Section{Status: InReview}, "text", nil, InReview},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := NextStatus(tc.cur, tc.content, tc.requested); got != tc.want {
				t.Errorf("NextStatus = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestSectionEditNormalize(t *testing.T) {
	tpl := builtinByID(t, "mlops-canvas-v0.1")
	content, status := "line one\r\nline two", Status("In_Review")
	e := SectionEdit{SectionID: "value-proposition", Content: &content, Status: &status}
	if err := e.Normalize(tpl); err != nil {
		t.Fatal(err)
	}
	if *e.Content != "line one\nline two" || *e.Status != InReview {
		t.Errorf("Normalize = %q, %q; want LF line endings and in review", *e.Content, *e.Status)
	}
	if content != "line one\r\nline two" || status != "In_Review" {
		t.Errorf("Normalize wrote through to the caller's values: %q, %q", content, status)
	}
	if err := (&SectionEdit{SectionID: "value-proposition"}).Normalize(tpl); err != nil {
		t.Errorf("an edit of the owner alone: %v", err)
	}
	long, bogus := strings.Repeat("x", MaxContent+1), Status("finished")
	for _, tc := range []struct {
		name string
		tpl  *Template
		e    SectionEdit
		frag string
	}{
		{"no template", nil, SectionEdit{SectionID: "value-proposition"}, "needs the canvas's template"},
		{"no such section", tpl, SectionEdit{SectionID: "no-such-section"}, `has no section "no-such-section"`},
		{"content too long", tpl, SectionEdit{SectionID: "value-proposition", Content: &long}, "too long"},
		{"unknown status", tpl, SectionEdit{SectionID: "value-proposition", Status: &bogus}, `status "finished" is not one of`},
	} {
		wantInvalid(t, tc.name, tc.e.Normalize(tc.tpl), tc.frag)
	}
}
