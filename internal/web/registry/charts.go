package registry

import (
	"html/template"
	"strconv"
	"time"

	"github.com/atrium-mlops/atrium/internal/chart"
	domain "github.com/atrium-mlops/atrium/internal/registry"
)

// The registry's charts. Each page also shows what a chart draws as a table
// or a list, for whoever cannot see the drawing; a chart that cannot be
// drawn (a profile's bins overlap, say) is left out and the table stays.

// aliasTimeline draws alias moves, oldest first, as one row per alias with
// a span for each version it pointed at. now is the right edge.
func aliasTimeline(asset string, moves []domain.AliasMove, now time.Time) template.HTML {
	if len(moves) == 0 {
		return ""
	}
	if last := moves[len(moves)-1].MovedAt; last.After(now) {
		now = last
	}
	var rows []chart.TimelineRow
	at := map[string]int{}
	for _, m := range moves {
		i, ok := at[m.Alias]
		if !ok {
			i = len(rows)
			at[m.Alias] = i
			rows = append(rows, chart.TimelineRow{Label: m.Alias})
		}
		r := &rows[i]
		if n := len(r.Spans); n > 0 && r.Spans[n-1].To.IsZero() {
			r.Spans[n-1].To = m.MovedAt
			if !r.Spans[n-1].To.After(r.Spans[n-1].From) {
				r.Spans = r.Spans[:n-1] // moved again within the same instant
			}
		}
		if m.To != 0 {
			r.Spans = append(r.Spans, chart.Span{From: m.MovedAt, Label: "v" + strconv.Itoa(m.To)})
		}
	}
	if len(rows) > chart.MaxRows {
		rows = rows[:chart.MaxRows]
	}
	html, err := chart.Inline(chart.Timeline{Title: "Aliases of " + asset, Now: now, Rows: rows,
		Desc: "Which version each alias pointed at over time, in UTC. The list below has every move."})
	if err != nil {
		return ""
	}
	return html
}

// histogram draws a numeric column's histogram.
func histogram(c *domain.ColumnProfile) template.HTML {
	if len(c.Histogram) == 0 {
		return ""
	}
	bins := make([]chart.Bin, len(c.Histogram))
	for i, b := range c.Histogram {
		bins[i] = chart.Bin{Low: b.Low, High: b.High, Count: b.Count}
	}
	html, err := chart.Inline(chart.Histogram{Title: "Histogram of " + c.Name, XLabel: c.Name, YLabel: "rows", Bins: bins,
		Desc: "How the values of " + c.Name + " are distributed; the table below lists the bins."})
	if err != nil {
		return ""
	}
	return html
}

// topValues draws a column's most frequent values as bars.
func topValues(c *domain.ColumnProfile) template.HTML {
	if len(c.Top) == 0 {
		return ""
	}
	bars := make([]chart.Bar, 0, len(c.Top))
	for _, t := range c.Top {
		if len(bars) == chart.MaxBars {
			break
		}
		bars = append(bars, chart.Bar{Label: t.Value, Count: t.Count})
	}
	html, err := chart.Inline(chart.BarChart{Title: "Most frequent values of " + c.Name, XLabel: "rows", Bars: bars,
		Desc: "The most frequent values of " + c.Name + " and how often each occurs; the list beside it has the same."})
	if err != nil {
		return ""
	}
	return html
}
