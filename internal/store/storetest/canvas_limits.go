package storetest

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/atrium-mlops/atrium/internal/atrium"
	"github.com/atrium-mlops/atrium/internal/canvas"
	"github.com/atrium-mlops/atrium/internal/store"
)

// testCanvasLimits covers the bounds that keep one person's text from
// costing everyone else: Markdown is rendered once, when saved; text that
// would make the renderer work too hard is refused; comment threads page
// and are capped per person and hour.
func testCanvasLimits(t *testing.T, open Opener) {
	hc := template(t, "human-centric-mlops")

	// That reads serve the stored HTML, never rendering, is tested inside
	// the store package, where a test can change the stored HTML.
	t.Run("RenderedOnceWhenSaved", func(t *testing.T) {
		w := newWorld(t, open)
		ctx := t.Context()
		ec := as(ctx, w.editor)
		c := mustCanvas(t, ec, w.db, "churn", hc)
		mustSave(t, ec, w.db, c, "value-impact", "Cut churn by **five** points.")
		if s := section(t, as(ctx, w.viewer), w.db, c, "value-impact"); !strings.Contains(s.HTML, "<strong>five</strong>") {
			t.Fatalf("HTML = %q, want the rendered text", s.HTML)
		}
		if _, err := w.db.PublishIteration(ec, "churn", c.ID, "first"); err != nil {
			t.Fatalf("PublishIteration: %v", err)
		}
		it, err := w.db.GetRenderedIteration(as(ctx, w.viewer), "churn", c.ID, 1)
		if err != nil {
			t.Fatalf("GetIteration: %v", err)
		}
		if got := it.Snapshot.Sections["value-impact"].HTML; !strings.Contains(got, "<strong>five</strong>") {
			t.Errorf("iteration HTML = %q, want the rendered text", got)
		}
	})

	t.Run("IntricateTextRefused", func(t *testing.T) {
		w := newWorld(t, open)
		ctx := t.Context()
		ec := as(ctx, w.editor)
		c := mustCanvas(t, ec, w.db, "churn", hc)
		audited := auditSize(t, ctx, w.db)
		for _, src := range []string{strings.Repeat("_a*", 16_666), strings.Repeat(">", 49_998), strings.Repeat("[a](", 12_499)} {
			_, err := w.db.SaveSection(ec, "churn", c.ID, canvas.SectionEdit{SectionID: "value-impact", Content: &src})
			wantKind(t, err, atrium.Invalid)
			if msg := atrium.MessageOf(err); !strings.HasPrefix(msg, "the content cannot be formatted") {
				t.Errorf("message = %q, want the reason", msg)
			}
			_, err = w.db.AddComment(ec, "churn", c.ID, "value-impact", src[:canvas.MaxComment])
			wantKind(t, err, atrium.Invalid)
		}
		imp := map[string]canvas.SnapshotItem{"value-impact": {Content: strings.Repeat("_a*", 16_666)}}
		_, err := w.db.ImportCanvas(ec, "churn", hc, "Imported", nil, imp)
		wantKind(t, err, atrium.Invalid)
		wantAuditSize(t, ctx, w.db, audited)
		if s := section(t, ec, w.db, c, "value-impact"); s.Version != 0 {
			t.Errorf("section = %+v, want nothing stored", s)
		}
	})

	t.Run("CommentPages", func(t *testing.T) {
		w := newWorld(t, open)
		ctx := t.Context()
		now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
		w.db.SetClock(func() time.Time { return now })
		ec := as(ctx, w.editor)
		c := mustCanvas(t, ec, w.db, "churn", hc)
		const n = 120
		for i := range n {
			now = now.Add(3 * time.Minute) // twenty an hour: under the cap
			if _, err := w.db.AddComment(ec, "churn", c.ID, "value-impact", fmt.Sprintf("comment %d", i)); err != nil {
				t.Fatalf("AddComment %d: %v", i, err)
			}
		}
		var seen []string
		p := atrium.PageRequest{Size: 50}
		for pages := 0; ; pages++ {
			if pages > 5 {
				t.Fatal("more pages than comments")
			}
			page, err := w.db.Comments(as(ctx, w.viewer), "churn", c.ID, "value-impact", p)
			if err != nil {
				t.Fatalf("Comments: %v", err)
			}
			if page.Total != n || len(page.Items) > p.Size {
				t.Fatalf("page: total %d, %d items, want total %d and at most %d", page.Total, len(page.Items), n, p.Size)
			}
			for _, m := range page.Items {
				seen = append(seen, m.Body)
				if m.HTML != fmt.Sprintf("<p>%s</p>\n", m.Body) {
					t.Fatalf("comment HTML = %q", m.HTML)
				}
			}
			if page.NextPageToken == "" {
				break
			}
			if p, err = atrium.ParsePage("50", page.NextPageToken); err != nil {
				t.Fatalf("ParsePage: %v", err)
			}
		}
		if len(seen) != n || seen[0] != "comment 0" || seen[n-1] != fmt.Sprintf("comment %d", n-1) {
			t.Errorf("paged through %d comments (%q … %q), want %d oldest first", len(seen), seen[0], seen[len(seen)-1], n)
		}
	})

	t.Run("CommentCap", func(t *testing.T) {
		w := newWorld(t, open)
		ctx := t.Context()
		now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
		w.db.SetClock(func() time.Time { return now })
		ec := as(ctx, w.editor)
		c := mustCanvas(t, ec, w.db, "churn", hc)
		for i := range store.MaxCommentsPerHour {
			now = now.Add(time.Second)
			if _, err := w.db.AddComment(ec, "churn", c.ID, "value-impact", fmt.Sprintf("comment %d", i)); err != nil {
				t.Fatalf("AddComment %d: %v", i, err)
			}
		}
		audited := auditSize(t, ctx, w.db)
		now = now.Add(10 * time.Minute)
		_, err := w.db.AddComment(ec, "churn", c.ID, "value-impact", "one more")
		wantKind(t, err, atrium.RateLimited)
		// The first comment leaves the hour 60 min + 1 s after the start.
		if wait, ok := atrium.RetryAfter(err); !ok || wait <= 0 || wait > time.Hour {
			t.Errorf("RetryAfter = %v, %v; want a wait within the hour", wait, ok)
		}
		wantAuditSize(t, ctx, w.db, audited)
		// Others, and other sections, are not held back.
		if _, err := w.db.AddComment(as(ctx, w.reviewer), "churn", c.ID, "value-impact", "mine"); err != nil {
			t.Errorf("another person's comment: %v", err)
		}
		if _, err := w.db.AddComment(ec, "churn", c.ID, "objective-setting", "elsewhere"); err != nil {
			t.Errorf("a comment on another section: %v", err)
		}
		now = now.Add(51 * time.Minute)
		if _, err := w.db.AddComment(ec, "churn", c.ID, "value-impact", "an hour later"); err != nil {
			t.Errorf("after the hour: %v", err)
		}
	})
}
