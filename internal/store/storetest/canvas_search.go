package storetest

import (
	"context"
	"maps"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/atrium-mlops/atrium/internal/atrium"
	"github.com/atrium-mlops/atrium/internal/canvas"
	"github.com/atrium-mlops/atrium/internal/decision"
	"github.com/atrium-mlops/atrium/internal/people"
	"github.com/atrium-mlops/atrium/internal/store"
	"github.com/atrium-mlops/atrium/internal/usecase"
)

// hits runs a search and returns "kind:usecase:section-or-number" for each hit, sorted.
func hits(t *testing.T, ctx context.Context, db *store.DB, q string) []string {
	t.Helper()
	page, err := db.Search(ctx, q, atrium.PageRequest{Size: atrium.MaxPageSize})
	if err != nil {
		t.Fatalf("Search(%q): %v", q, err)
	}
	var out []string
	for _, h := range page.Items {
		ref := h.SectionID
		if h.Kind == "decision" {
			ref = "#" + strconv.Itoa(h.Decision)
		}
		out = append(out, h.Kind+":"+h.UseCaseSlug+":"+ref)
	}
	slices.Sort(out)
	if page.Total != len(out) {
		t.Errorf("Search(%q) Total=%d for %d hits", q, page.Total, len(out))
	}
	return out
}

func testSearch(t *testing.T, open Opener) {
	w := newWorld(t, open)
	ctx := t.Context()
	hc := template(t, humanCentric)
	oc, ec := as(ctx, w.owner), as(ctx, w.editor)
	gina := mustUser(t, ctx, w.db, "gina@example.org", "Gina", false)
	mustTeam(t, ctx, w.db, "gamma", gina)
	gc := as(ctx, gina)
	mustUseCase(t, gc, w.db, usecase.UseCase{Slug: "fraud", Name: "Fraud", TeamSlug: "gamma"})

	churn := mustCanvas(t, ec, w.db, "churn", hc)
	mustSave(t, ec, w.db, churn, "problem-definition", "Customers cancel before their retention offer arrives.")
	mustSave(t, ec, w.db, churn, "feasibility", "Two years of call logs.")
	if _, err := w.db.CreateDecision(ec, "churn", decision.Decision{Title: "Pick gradient boosting", Rationale: "Better retention recall than rules."}); err != nil {
		t.Fatalf("CreateDecision: %v", err)
	}
	fraud := mustCanvas(t, gc, w.db, "fraud", hc)
	mustSave(t, gc, w.db, fraud, "data-acquisition", "Card holder retention and Überprüfung der Kartendaten.")

	for _, tc := range []struct {
		who  context.Context
		name string
		q    string
		want []string
	}{
		{oc, "owner", "retention", []string{"decision:churn:#1", "section:churn:problem-definition"}},
		{as(ctx, w.viewer), "viewer by grant", "RETENTION", []string{"decision:churn:#1", "section:churn:problem-definition"}},
		{as(ctx, w.reviewer), "reviewer by team grant", "retention offer", []string{"section:churn:problem-definition"}},
		{gc, "other team", "retention", []string{"section:fraud:data-acquisition"}},
		{as(ctx, w.stranger), "stranger", "retention", nil},
		{as(ctx, w.admin), "administrator", "retention", []string{"decision:churn:#1", "section:churn:problem-definition", "section:fraud:data-acquisition"}},
		{oc, "decision title", "gradient", []string{"decision:churn:#1"}},
		{oc, "decision rationale", "rules", []string{"decision:churn:#1"}},
		{oc, "every word must match", "retention logs", nil},
		{gc, "unicode", "Überprüfung", []string{"section:fraud:data-acquisition"}},
		{oc, "other team's words", "Kartendaten", nil},
	} {
		if got := hits(t, tc.who, w.db, tc.q); !slices.Equal(got, tc.want) {
			t.Errorf("%s: Search(%q)=%q, want %q", tc.name, tc.q, got, tc.want)
		}
	}

	page, err := w.db.Search(oc, "retention offer", atrium.PageRequest{Size: 10})
	if err != nil || len(page.Items) != 1 {
		t.Fatalf("Search: %+v, %v", page, err)
	}
	h := page.Items[0]
	if h.UseCaseName != "Churn" || h.CanvasID != churn.ID || h.CanvasTitle != hc.Name || h.Title != "problem-definition" {
		t.Errorf("hit=%+v, want the use case, the canvas and the section id", h)
	}
	if !strings.Contains(h.Snippet, store.SnippetMarkStart+"retention"+store.SnippetMarkEnd) || !strings.Contains(h.Snippet, "Customers") {
		t.Errorf("Snippet=%q, want the text with the match marked", h.Snippet)
	}

	// Nothing a person types is query syntax.
	for _, q := range []string{`"`, `*`, `NEAR(`, `OR`, `-`, `retention OR`, `"retention`, `retention*`, `NOT retention`, `^retention`,
		`title:retention`, `(`, `AND AND`, `'; DROP TABLE search_docs; --`, `a & b | !c`, `retention:*`, `\`, `%_`, `日本語`, "e\u0301", "\u0301", `🙂`} {
		if _, err := w.db.Search(oc, q, atrium.PageRequest{Size: 10}); err != nil {
			t.Errorf("Search(%q): %v, want no error", q, err)
		}
	}
	if got := hits(t, oc, w.db, `"*" -- NEAR(`); len(got) != 0 {
		t.Errorf("punctuation only: %q, want nothing", got)
	}
	for _, q := range []string{"", "   ", strings.Repeat("r", 201), "retention\x00"} {
		_, err := w.db.Search(oc, q, atrium.PageRequest{Size: 10})
		if atrium.KindOf(err) != atrium.Invalid {
			t.Errorf("Search(%q): %v, want Invalid", q, err)
		}
	}

	first, err := w.db.Search(as(ctx, w.admin), "retention", atrium.PageRequest{Size: 1})
	if err != nil || len(first.Items) != 1 || first.Total != 3 || first.NextPageToken == "" {
		t.Errorf("first page of one=%+v, %v; want 1 of 3 and a next token", first, err)
	}

	// The index follows edits, and archived use cases drop out.
	mustSave(t, ec, w.db, churn, "problem-definition", "Customers cancel before the loyalty offer arrives.")
	if got := hits(t, oc, w.db, "loyalty"); len(got) != 1 {
		t.Errorf("after an edit, new words: %q, want the section", got)
	}
	if got := hits(t, oc, w.db, "retention"); !slices.Equal(got, []string{"decision:churn:#1"}) {
		t.Errorf("after an edit, old words: %q, want only the decision", got)
	}
	mustSave(t, ec, w.db, churn, "feasibility", "")
	if got := hits(t, oc, w.db, "logs"); len(got) != 0 {
		t.Errorf("after clearing a section: %q, want nothing", got)
	}
	if _, err := w.db.SetArchived(oc, "churn", true); err != nil {
		t.Fatalf("SetArchived: %v", err)
	}
	if got := hits(t, as(ctx, w.admin), w.db, "retention"); !slices.Equal(got, []string{"section:fraud:data-acquisition"}) {
		t.Errorf("with churn archived: %q, want only fraud", got)
	}

	t.Run("WorstCase", func(t *testing.T) { testSearchWorstCase(t, open) })
}

// testSearchWorstCase fills sections with one word as often as they can
// hold it, the costliest text to search and to cut snippets from, and
// checks that such searches still page and keep their snippets short.
func testSearchWorstCase(t *testing.T, open Opener) {
	w := newWorld(t, open)
	ec := as(t.Context(), w.editor)
	hc := template(t, humanCentric)
	c := mustCanvas(t, ec, w.db, "churn", hc)
	text := strings.Repeat("a ", 24_999)
	for _, id := range hc.SectionIDs()[:3] {
		mustSave(t, ec, w.db, c, id, text)
	}
	const maxSnippet = 400 // bytes, marks included; the text is 49,998
	for _, q := range []string{"a", "a a", "a a a a", "A a", strings.Repeat("a ", 100), `"a" "a"`, `a"a`, `a*`, `(a) -a ^a`} {
		seen := map[string]bool{}
		for _, tc := range []struct {
			offset, n int
			more      bool
		}{{0, 2, true}, {2, 1, false}} {
			page, err := w.db.Search(ec, q, atrium.PageRequest{Size: 2, Offset: tc.offset})
			if err != nil {
				t.Fatalf("Search(%q, offset %d): %v", q, tc.offset, err)
			}
			if len(page.Items) != tc.n || page.Total != 3 || (page.NextPageToken != "") != tc.more {
				t.Errorf("Search(%q, offset %d): %d hits of %d, next %q; want %d of 3, next token %v",
					q, tc.offset, len(page.Items), page.Total, page.NextPageToken, tc.n, tc.more)
			}
			for _, h := range page.Items {
				if seen[h.SectionID] {
					t.Errorf("Search(%q): %s on two pages", q, h.SectionID)
				}
				seen[h.SectionID] = true
				if !strings.Contains(h.Snippet, store.SnippetMarkStart+"a"+store.SnippetMarkEnd) || len(h.Snippet) > maxSnippet {
					t.Errorf("Search(%q): snippet of %d bytes %.80q…, want at most %d with the match marked", q, len(h.Snippet), h.Snippet, maxSnippet)
				}
			}
		}
	}

	// Past the terms searched for, words are ignored, never an error.
	var pairs []string
	for i := range 66 {
		pairs = append(pairs, string(rune('a'+i/26))+string(rune('a'+i%26)))
	}
	if got := hits(t, ec, w.db, strings.Join(pairs, " ")); len(got) != 0 {
		t.Errorf("66 words none of the texts has: %q, want nothing", got)
	}
	if got := hits(t, ec, w.db, "a "+strings.Join(pairs[:60], " ")); len(got) != 0 {
		t.Errorf("a and 60 words the texts lack: %q, want nothing", got)
	}
	for _, q := range []string{strings.Repeat("a", 201), "a\x00", strings.Repeat("a ", 101) + "a"} {
		if _, err := w.db.Search(ec, q, atrium.PageRequest{Size: 2}); atrium.KindOf(err) != atrium.Invalid {
			t.Errorf("Search(%.20q…): %v, want Invalid", q, err)
		}
	}
}

// testCanvasAudit makes every kind of canvas change once and checks each
// left exactly the entries it should, with the right object type.
func testCanvasAudit(t *testing.T, open Opener) {
	w := newWorld(t, open)
	ctx := t.Context()
	ec := as(ctx, w.editor)
	hc := template(t, humanCentric)
	before := map[string]int{}
	for _, e := range allEntries(t, ctx, w.db) {
		before[e.Action]++
	}

	c := mustCanvas(t, ec, w.db, "churn", hc)
	if _, err := w.db.UpdateCanvasHeader(ec, "churn", c.ID, ptr("Renamed"), nil, 1); err != nil {
		t.Fatal(err)
	}
	mustSave(t, ec, w.db, c, "problem-definition", "one")
	mustSave(t, ec, w.db, c, "problem-definition", "two")
	mustSave(t, ec, w.db, c, "problem-definition", "two") // no change, no entry
	if _, err := w.db.AddComment(ec, "churn", c.ID, "problem-definition", "Why?"); err != nil {
		t.Fatal(err)
	}
	if _, err := w.db.PublishIteration(ec, "churn", c.ID, ""); err != nil {
		t.Fatal(err)
	}
	o, err := w.db.CreateObjective(ec, "churn", c.ID, canvas.Objective{SectionID: "objective-setting", Metric: "recall", Comparator: ">=", Target: 0.8, MeasuredAt: "evaluation"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.db.UpdateObjective(ec, "churn", c.ID, o); err != nil {
		t.Fatal(err)
	}
	if err := w.db.DeleteObjective(ec, "churn", c.ID, o.ID); err != nil {
		t.Fatal(err)
	}
	s, err := w.db.CreateStakeholder(ec, "churn", people.Stakeholder{Kind: people.DecisionMaker, Name: "Head of retention"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.db.UpdateStakeholder(ec, "churn", s); err != nil {
		t.Fatal(err)
	}
	if err := w.db.DeleteStakeholder(ec, "churn", s.ID); err != nil {
		t.Fatal(err)
	}
	d, err := w.db.CreateDecision(ec, "churn", decision.Decision{Title: "First"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.db.UpdateDecision(ec, "churn", d); err != nil {
		t.Fatal(err)
	}
	if _, err := w.db.CreateDecision(ec, "churn", decision.Decision{Title: "Second", Status: decision.Accepted, Supersedes: 1}); err != nil {
		t.Fatal(err)
	}

	want := map[string]struct {
		n          int
		objectType string
	}{
		"canvas.create": {1, "canvas"}, "canvas.update": {1, "canvas"}, "canvas.section.save": {2, "canvas"},
		"canvas.comment.add": {1, "canvas"}, "canvas.iteration.publish": {1, "canvas"},
		"objective.create": {1, "objective"}, "objective.update": {1, "objective"}, "objective.delete": {1, "objective"},
		"stakeholder.create": {1, "stakeholder"}, "stakeholder.update": {1, "stakeholder"}, "stakeholder.delete": {1, "stakeholder"},
		"decision.create": {2, "decision"}, "decision.update": {1, "decision"}, "decision.supersede": {1, "decision"},
	}
	got := map[string]int{}
	for _, e := range allEntries(t, ctx, w.db) {
		if before[e.Action] > 0 {
			before[e.Action]--
			continue
		}
		got[e.Action]++
		if wt, ok := want[e.Action]; !ok || wt.objectType != e.ObjectType {
			t.Errorf("entry %d: action %q on %q, want one of the canvas actions with its object type", e.Seq, e.Action, e.ObjectType)
		}
		if e.ActorID != w.editor.ID || e.ObjectID == "" {
			t.Errorf("entry %d (%s): actor %q object %q, want the editor and an object id", e.Seq, e.Action, e.ActorID, e.ObjectID)
		}
	}
	for _, action := range slices.Sorted(maps.Keys(want)) {
		if got[action] != want[action].n {
			t.Errorf("%s: %d entries, want %d", action, got[action], want[action].n)
		}
	}
	checkChain(t, ctx, w.db)
}
