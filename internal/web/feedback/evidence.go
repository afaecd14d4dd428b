package feedback

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/atrium-mlops/atrium/internal/canvas"
	"github.com/atrium-mlops/atrium/internal/evidence"
	"github.com/atrium-mlops/atrium/internal/telemetry"
)

// panelWindow is how far back the canvas panel looks.
const panelWindow = 7 * 24 * time.Hour

// panel is the "feedback" evidence of a canvas section: the inbox's
// numbers over the last week, straight from the store.
func (h *Handlers) panel(ctx context.Context, req canvas.EvidenceRequest) (evidence.Panel, error) {
	inbox := InboxPath(req.UseCase.Slug)
	p := evidence.Panel{Title: "Feedback, last 7 days", Items: []evidence.Item{}, Href: inbox}
	s, err := h.DB.FeedbackSummary(ctx, req.UseCase.Slug, h.now().Add(-panelWindow))
	if err != nil {
		return p, err
	}
	p.Data = s
	if n := s.ToTriage; n > 0 {
		p.Items = append(p.Items, evidence.Item{Label: "New, to read", Value: strconv.FormatInt(n, 10), Href: inbox + "?status=new&said=1", Tone: "warn"})
	}
	if s.OpenBugs > 0 {
		p.Items = append(p.Items, evidence.Item{Label: "Open problem reports", Value: strconv.FormatInt(s.OpenBugs, 10), Href: inbox + "?kind=bug", Tone: "bad"})
	}
	if s.Total == 0 {
		p.Empty = "No feedback in the last 7 days. Create a feedback link on the inbox and place it next to the model's " +
			"answers, so the people who use them can say in a few clicks what they think."
		return p, nil
	}
	if s.Rated > 0 {
		tone := "good"
		if s.PositiveShare < 0.5 {
			tone = "warn"
		}
		p.Items = append(p.Items, evidence.Item{Label: "Positive", Value: fmt.Sprintf("%.0f%%", s.PositiveShare*100),
			Detail: fmt.Sprintf("of %d thumbs and ratings (thumbs up, or 4 or 5 of 5)", s.Rated), Tone: tone})
	}
	for _, k := range telemetry.FeedbackKinds {
		if n := s.ByKind[k]; n > 0 {
			p.Items = append(p.Items, evidence.Item{Label: kindLabel(k), Value: strconv.FormatInt(n, 10), Href: inbox + "?kind=" + string(k)})
		}
	}
	return p, nil
}
