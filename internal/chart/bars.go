package chart

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/atrium-mlops/atrium/internal/atrium"
)

// Limits on histograms and bar charts.
const (
	MaxBins = 1000
	MaxBars = 100
)

// Bin is one histogram bucket [Low, High) and how many values fell in it.
type Bin struct {
	Low, High float64
	Count     int64
}

// Histogram draws the distribution of a numeric column.
type Histogram struct {
	Title, Desc    string
	XLabel, YLabel string
	Bins           []Bin
}

// Bar is one category and its count.
type Bar struct {
	Label string
	Count int64
}

// BarChart draws categories as horizontal bars, in the order given (the
// caller sorts, usually by count).
type BarChart struct {
	Title, Desc string
	XLabel      string // what the counts count, e.g. "rows"
	Bars        []Bar
}

func (h Histogram) check() ([]Bin, error) {
	if len(h.Bins) > MaxBins {
		return nil, atrium.Errorf(atrium.TooLarge, "a histogram can show at most %d bins; this one has %d", MaxBins, len(h.Bins))
	}
	bins := slices.Clone(h.Bins)
	for i, b := range bins {
		if !finite(b.Low) || !finite(b.High) || !(b.Low < b.High) {
			return nil, atrium.Errorf(atrium.Invalid, "histogram bin %d: the low edge must be a number below the high edge", i+1)
		}
		if b.Count < 0 {
			return nil, atrium.Errorf(atrium.Invalid, "histogram bin %d: the count cannot be negative", i+1)
		}
	}
	slices.SortStableFunc(bins, func(a, b Bin) int { return cmp.Compare(a.Low, b.Low) })
	for i := 1; i < len(bins); i++ {
		if bins[i].Low < bins[i-1].High {
			return nil, atrium.Errorf(atrium.Invalid, "histogram bins overlap at %s", valueLabel(bins[i].Low))
		}
	}
	return bins, nil
}

// countTicks returns whole-number ticks from 0 to at least top.
func countTicks(top int64) ([]float64, float64) {
	if top < 1 {
		top = 1
	}
	ts, _, hi := niceTicks(0, float64(top), 5)
	var out []float64
	for _, t := range ts {
		if t == math.Trunc(t) {
			out = append(out, t)
		}
	}
	return out, hi
}

// SVG draws the histogram.
func (h Histogram) SVG() ([]byte, error) {
	bins, err := h.check()
	if err != nil {
		return nil, err
	}
	const W, H = 640.0, 300.0
	var top, total int64
	for _, b := range bins {
		top = max(top, b.Count)
		total += b.Count
	}
	yt, yhi := countTicks(top)
	labelW := 0.0
	for _, t := range yt {
		labelW = math.Max(labelW, textWidth(tickLabel(t, 1), 11))
	}
	left := 14 + labelW
	if h.YLabel != "" {
		left += 16
	}
	bottom := 30.0
	if h.XLabel != "" {
		bottom += 18
	}
	xlo, xhi := 0.0, 1.0
	if len(bins) > 0 {
		xlo, xhi = bins[0].Low, bins[len(bins)-1].High
	}
	p := plot{x0: left, y0: 22, w: W - left - 20, h: H - 22 - bottom, xlo: xlo, xhi: xhi, ylo: 0, yhi: yhi}

	title := h.Title
	if strings.TrimSpace(title) == "" {
		title = "Histogram"
	}
	desc := h.Desc
	if strings.TrimSpace(desc) == "" {
		desc = describeBins(bins, total)
	}
	var s svg
	s.open("chart-histogram", W, H, title, desc)
	p.yAxis(&s, yt, h.YLabel)

	// x ticks: the bin edges when there are few bins, round numbers otherwise.
	var at []float64
	var labels []string
	if len(bins) > 0 && len(bins) <= 10 {
		edges := []float64{bins[0].Low}
		for _, b := range bins {
			if b.Low != edges[len(edges)-1] {
				edges = append(edges, b.Low)
			}
			edges = append(edges, b.High)
		}
		for _, e := range edges {
			at = append(at, e)
			labels = append(labels, valueLabel(e))
		}
	} else if len(bins) > 0 {
		xt, _, _ := niceTicks(xlo, xhi, 7)
		step := 1.0
		if len(xt) > 1 {
			step = xt[1] - xt[0]
		}
		for _, t := range xt {
			if t >= xlo-step*1e-9 && t <= xhi+step*1e-9 {
				at = append(at, t)
				labels = append(labels, tickLabel(t, step))
			}
		}
	}
	if len(bins) == 0 {
		s.textEl("chart-empty", p.x0+p.w/2, p.y0+p.h/2, `text-anchor="middle" fill="`+colMuted+`"`, "No values.")
	}
	s.raw(`<g class="chart-bars">` + "\n")
	for _, b := range bins {
		x1, x2 := p.px(b.Low), p.px(b.High)
		y := p.py(float64(b.Count))
		bw := math.Max(x2-x1-1, 1)
		s.raw(`<g class="chart-bar">`)
		s.tip(fmt.Sprintf("%s to %s: %s", valueLabel(b.Low), valueLabel(b.High), countLabel(b.Count)))
		s.raw(`<rect x="` + num(x1+0.5) + `" y="` + num(y) + `" width="` + num(bw) + `" height="` + num(p.y0+p.h-y) + `" fill="` + palette[0] + `"/>`)
		if lbl := countLabel(b.Count); len(bins) <= 40 && textWidth(lbl, 10) <= bw+4 {
			s.textEl("chart-value", x1+(x2-x1)/2, y-4, `text-anchor="middle" font-size="10" fill="`+colText+`"`, lbl)
		}
		s.raw("</g>\n")
	}
	s.raw("</g>\n")
	p.xAxis(&s, at, thin(at, labels, p), h.XLabel, false)
	return s.close(), nil
}

// thin blanks tick labels that would overlap their left neighbour.
func thin(at []float64, labels []string, p plot) []string {
	out := slices.Clone(labels)
	lastEnd := math.Inf(-1)
	for i, v := range at {
		x := p.px(v)
		w := textWidth(labels[i], 11)
		if x-w/2 < lastEnd+4 {
			out[i] = ""
			continue
		}
		lastEnd = x + w/2
	}
	return out
}

func describeBins(bins []Bin, total int64) string {
	if len(bins) == 0 {
		return "Histogram with no values."
	}
	d := fmt.Sprintf("Histogram of %s %s in %d %s from %s to %s.", countLabel(total), plural(int(min(total, 2)), "value"), len(bins), plural(len(bins), "bin"), valueLabel(bins[0].Low), valueLabel(bins[len(bins)-1].High))
	if len(bins) <= 30 {
		var parts []string
		for _, b := range bins {
			parts = append(parts, fmt.Sprintf("%s to %s: %s", valueLabel(b.Low), valueLabel(b.High), countLabel(b.Count)))
		}
		d += " " + strings.Join(parts, "; ") + "."
	}
	return d
}

// SVG draws the bar chart.
func (c BarChart) SVG() ([]byte, error) {
	if len(c.Bars) > MaxBars {
		return nil, atrium.Errorf(atrium.TooLarge, "a bar chart can show at most %d bars; this one has %d", MaxBars, len(c.Bars))
	}
	var top int64
	for i, b := range c.Bars {
		if b.Count < 0 {
			return nil, atrium.Errorf(atrium.Invalid, "bar %d: the count cannot be negative", i+1)
		}
		top = max(top, b.Count)
	}
	const W, rowH, labelN = 640.0, 24.0, 28
	labelW := 40.0
	for _, b := range c.Bars {
		t, _ := fitWidth(b.Label, labelN, 200, 12)
		labelW = math.Max(labelW, textWidth(t, 12))
	}
	xt, xhi := countTicks(top)
	left := 16 + labelW + 8
	bottom := 30.0
	if c.XLabel != "" {
		bottom += 18
	}
	rows := max(len(c.Bars), 1)
	plotH := float64(rows) * rowH
	H := 12 + plotH + bottom
	p := plot{x0: left, y0: 12, w: W - left - 56, h: plotH, xlo: 0, xhi: xhi, ylo: 0, yhi: 1}

	title := c.Title
	if strings.TrimSpace(title) == "" {
		title = "Bar chart"
	}
	desc := c.Desc
	if strings.TrimSpace(desc) == "" {
		desc = describeBars(c.Bars)
	}
	var s svg
	s.open("chart-bar-chart", W, H, title, desc)
	labels := make([]string, len(xt))
	for i, t := range xt {
		labels[i] = tickLabel(t, 1)
		if t >= 1e4 {
			labels[i] = siLabel(t)
		}
	}
	p.xAxis(&s, xt, thin(xt, labels, p), c.XLabel, true)
	if len(c.Bars) == 0 {
		s.textEl("chart-empty", p.x0+p.w/2, p.y0+rowH/2+4, `text-anchor="middle" fill="`+colMuted+`"`, "No categories.")
	}
	s.raw(`<g class="chart-bars">` + "\n")
	for i, b := range c.Bars {
		y := p.y0 + float64(i)*rowH
		w := p.px(float64(b.Count)) - p.x0
		label, cut := fitWidth(b.Label, labelN, 200, 12)
		if label == "" {
			label = "(empty)"
		}
		s.raw(`<g class="chart-bar">`)
		tipText := strings.TrimSpace(b.Label)
		if !cut {
			tipText = label
		}
		s.tip(tipText + ": " + countLabel(b.Count))
		s.textEl("chart-bar-label", left-8, y+rowH/2+4, `text-anchor="end" fill="`+colText+`"`, label)
		s.raw(`<rect x="` + num(p.x0) + `" y="` + num(y+4) + `" width="` + num(w) + `" height="` + num(rowH-8) + `" fill="` + palette[0] + `"/>`)
		s.textEl("chart-value", p.x0+w+5, y+rowH/2+4, `font-size="11" fill="`+colText+`"`, countLabel(b.Count))
		s.raw("</g>\n")
	}
	s.raw("</g>\n")
	s.raw(`<line class="chart-axis-line" x1="` + num(p.x0) + `" y1="` + num(p.y0) + `" x2="` + num(p.x0) + `" y2="` + num(p.y0+p.h) + `" stroke="` + colAxis + `"/>` + "\n")
	return s.close(), nil
}

func describeBars(bars []Bar) string {
	if len(bars) == 0 {
		return "Bar chart with no categories."
	}
	var parts []string
	for i, b := range bars {
		if i == 30 {
			parts = append(parts, fmt.Sprintf("and %d more", len(bars)-30))
			break
		}
		parts = append(parts, atrium.Truncate(strings.TrimSpace(clean(b.Label)), 80)+": "+countLabel(b.Count))
	}
	return fmt.Sprintf("Bar chart of %d %s. ", len(bars), map[bool]string{true: "category", false: "categories"}[len(bars) == 1]) + strings.Join(parts, "; ") + "."
}
