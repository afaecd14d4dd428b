package chart

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/atrium-mlops/atrium/internal/atrium"
)

// Limits on a timeline.
const (
	MaxRows  = 100
	MaxSpans = 2000 // over all rows
)

// Span is one interval [From, To) of a row, such as the time an alias
// pointed at one version. A zero To means the span is still open: it runs to
// the timeline's Now.
type Span struct {
	From, To time.Time
	Label    string // e.g. "v3"
}

// TimelineRow is one row, such as one alias; time not covered by a span (an
// alias deleted for a while) is drawn as a gap.
type TimelineRow struct {
	Label string
	Spans []Span
}

// Timeline draws rows of intervals on a time axis in UTC. Now is the right
// edge and the end of open spans; the package never reads the clock itself.
type Timeline struct {
	Title, Desc string
	Now         time.Time
	Rows        []TimelineRow
}

func (t Timeline) check() error {
	if t.Now.IsZero() {
		return atrium.Errorf(atrium.Invalid, "a timeline needs the current time")
	}
	if len(t.Rows) > MaxRows {
		return atrium.Errorf(atrium.TooLarge, "a timeline can show at most %d rows; this one has %d", MaxRows, len(t.Rows))
	}
	n := 0
	for i, r := range t.Rows {
		n += len(r.Spans)
		for j, s := range r.Spans {
			if s.From.IsZero() {
				return atrium.Errorf(atrium.Invalid, "timeline row %d, span %d has no start", i+1, j+1)
			}
			if s.From.After(t.Now) {
				return atrium.Errorf(atrium.Invalid, "timeline row %d, span %d starts after now", i+1, j+1)
			}
			if !s.To.IsZero() && !s.To.After(s.From) {
				return atrium.Errorf(atrium.Invalid, "timeline row %d, span %d ends before it starts", i+1, j+1)
			}
		}
	}
	if n > MaxSpans {
		return atrium.Errorf(atrium.TooLarge, "a timeline can show at most %d spans; this one has %d", MaxSpans, n)
	}
	return nil
}

// SVG draws the timeline.
func (t Timeline) SVG() ([]byte, error) {
	if err := t.check(); err != nil {
		return nil, err
	}
	now := t.Now.UTC()
	lo, hi := now, now
	for _, r := range t.Rows {
		for _, s := range r.Spans {
			if s.From.Before(lo) {
				lo = s.From.UTC()
			}
			if s.To.After(hi) {
				hi = s.To.UTC()
			}
		}
	}
	if !hi.After(lo) {
		lo = hi.Add(-time.Hour)
	}
	// A little room on the left so the first span does not sit on the edge.
	lo = lo.Add(-hi.Sub(lo) / 50)

	const W, rowH, barH, labelN = 720.0, 30.0, 20.0, 20
	labelW := 40.0
	for _, r := range t.Rows {
		l, _ := fitWidth(r.Label, labelN, 160, 12)
		labelW = math.Max(labelW, textWidth(l, 12))
	}
	left := 16 + labelW + 10
	rows := max(len(t.Rows), 1)
	top := 24.0
	plotH := float64(rows) * rowH
	H := top + plotH + 34
	p := plot{x0: left, y0: top, w: W - left - 24, h: plotH, xlo: 0, xhi: hi.Sub(lo).Seconds(), ylo: 0, yhi: 1}
	tx := func(v time.Time) float64 { return p.px(v.Sub(lo).Seconds()) }

	title := t.Title
	if strings.TrimSpace(title) == "" {
		title = "Timeline"
	}
	desc := t.Desc
	if strings.TrimSpace(desc) == "" {
		desc = describeTimeline(t)
	}
	var s svg
	s.open("chart-timeline", W, H, title, desc)

	ticks, labels := timeTicks(lo, hi, 7)
	at := make([]float64, len(ticks))
	for i, tk := range ticks {
		at[i] = tk.Sub(lo).Seconds()
	}
	p.xAxis(&s, at, thin(at, labels, p), "", true)

	// One colour per version label, in order of first appearance.
	colour := map[string]string{}
	next := 0
	if len(t.Rows) == 0 {
		s.textEl("chart-empty", p.x0+p.w/2, p.y0+rowH/2+4, `text-anchor="middle" fill="`+colMuted+`"`, "Nothing to show.")
	}
	for i, r := range t.Rows {
		y := p.y0 + float64(i)*rowH
		label, cut := fitWidth(r.Label, labelN, 160, 12)
		s.raw(`<g class="chart-row">`)
		if cut {
			s.tip(r.Label)
		}
		s.textEl("chart-row-label", left-10, y+rowH/2+4, `text-anchor="end" fill="`+colText+`"`, label)
		s.raw(`<line class="chart-row-line" x1="` + num(p.x0) + `" y1="` + num(y+rowH/2) + `" x2="` + num(p.x0+p.w) + `" y2="` + num(y+rowH/2) + `" stroke="` + colGrid + `" stroke-dasharray="2 3"/>` + "\n")
		spans := slices.Clone(r.Spans)
		slices.SortStableFunc(spans, func(a, b Span) int { return a.From.Compare(b.From) })
		for _, sp := range spans {
			end, open := sp.To, sp.To.IsZero()
			if open {
				end = now
			}
			x1, x2 := tx(sp.From), tx(end)
			w := math.Max(x2-x1, 2)
			key := strings.TrimSpace(clean(sp.Label))
			col, ok := colour[key]
			if !ok {
				col = palette[next%len(palette)]
				colour[key] = col
				next++
			}
			class := "chart-span"
			if open {
				class += " chart-span-open"
			}
			s.raw(`<g class="` + class + `">`)
			when := sp.From.UTC().Format("2 Jan 2006 15:04") + " to "
			if open {
				when += "now"
			} else {
				when += sp.To.UTC().Format("2 Jan 2006 15:04")
			}
			s.tip(strings.TrimSpace(r.Label) + ": " + key + ", " + when + " UTC")
			by := y + (rowH-barH)/2
			if open {
				// An open span ends in a point: it is still going.
				tip := math.Min(8, w)
				s.raw(`<path d="M` + num(x1) + " " + num(by) + " H" + num(x1+w-tip) + " L" + num(x1+w) + " " + num(by+barH/2) + " L" + num(x1+w-tip) + " " + num(by+barH) + " H" + num(x1) + ` Z" fill="` + col + `"/>`)
			} else {
				s.raw(`<rect x="` + num(x1) + `" y="` + num(by) + `" width="` + num(w) + `" height="` + num(barH) + `" rx="3" fill="` + col + `"/>`)
			}
			if txt, cut := fitWidth(key, 40, w-10, 11); key != "" && !cut {
				s.textEl("chart-span-label", x1+5, by+barH/2+4, `font-size="11" font-weight="600" fill="`+colBack+`"`, txt)
			}
			s.raw("</g>\n")
		}
		s.raw("</g>\n")
	}
	// Now.
	nx := tx(now)
	s.raw(`<g class="chart-now"><line x1="` + num(nx) + `" y1="` + num(p.y0-6) + `" x2="` + num(nx) + `" y2="` + num(p.y0+p.h) + `" stroke="` + colText + `" stroke-dasharray="3 2"/>`)
	s.textEl("chart-now-label", nx, p.y0-10, `text-anchor="end" font-size="11" fill="`+colText+`"`, "now")
	s.raw("</g>\n")
	return s.close(), nil
}

func describeTimeline(t Timeline) string {
	if len(t.Rows) == 0 {
		return "Timeline with no rows."
	}
	var parts []string
	count := 0
	for _, r := range t.Rows {
		var ss []string
		for _, sp := range r.Spans {
			count++
			if count > 60 {
				break
			}
			end := "now"
			if !sp.To.IsZero() {
				end = sp.To.UTC().Format("2 Jan 2006 15:04")
			}
			ss = append(ss, fmt.Sprintf("%s from %s to %s", atrium.Truncate(strings.TrimSpace(clean(sp.Label)), 40), sp.From.UTC().Format("2 Jan 2006 15:04"), end))
		}
		if len(ss) == 0 {
			ss = []string{"nothing"}
		}
		parts = append(parts, atrium.Truncate(strings.TrimSpace(clean(r.Label)), 60)+": "+strings.Join(ss, ", "))
	}
	return fmt.Sprintf("Timeline of %d %s, times in UTC. ", len(t.Rows), plural(len(t.Rows), "row")) + strings.Join(parts, "; ") + "."
}
