package chart

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/atrium-mlops/atrium/internal/atrium"
)

// Limits on a line chart.
const (
	MaxSeries      = 20
	MaxPoints      = 1_000_000 // over all series
	maxDrawnPoints = 1000      // over all series, after downsampling
)

// maxAxisLabel is the most characters an axis label shows.
const maxAxisLabel = 60

// Point is one measurement: X is a step (or Unix seconds when the chart's
// XTime is set), Y the value.
type Point struct{ X, Y float64 }

// Series is one named line.
type Series struct {
	Name   string
	Points []Point
}

// LineChart draws metric series against steps or time. Points with a NaN or
// infinite coordinate are skipped; a long series is downsampled, keeping the
// lowest and highest value of every bucket so spikes stay visible.
type LineChart struct {
	Title, Desc    string
	XLabel, YLabel string
	XTime          bool // X is Unix seconds; the axis shows UTC dates
	Series         []Series
}

// plot is the drawing area of an x/y chart and its scales.
type plot struct {
	x0, y0, w, h float64 // area, y0 at the top
	xlo, xhi     float64
	ylo, yhi     float64
}

func (p plot) px(x float64) float64 {
	if p.xhi == p.xlo {
		return p.x0 + p.w/2
	}
	return p.x0 + (x-p.xlo)/(p.xhi-p.xlo)*p.w
}

func (p plot) py(y float64) float64 {
	if p.yhi == p.ylo {
		return p.y0 + p.h/2
	}
	return p.y0 + p.h - (y-p.ylo)/(p.yhi-p.ylo)*p.h
}

// yAxis draws horizontal grid lines and labels at the y ticks.
func (p plot) yAxis(s *svg, ticks []float64, label string) {
	step := 1.0
	if len(ticks) > 1 {
		step = ticks[1] - ticks[0]
	}
	s.raw(`<g class="chart-axis chart-axis-y">` + "\n")
	for _, t := range ticks {
		y := p.py(t)
		s.raw(`<line class="chart-grid" x1="` + num(p.x0) + `" y1="` + num(y) + `" x2="` + num(p.x0+p.w) + `" y2="` + num(y) + `" stroke="` + colGrid + `"/>`)
		s.textEl("chart-tick", p.x0-6, y+4, `text-anchor="end" font-size="11" fill="`+colMuted+`"`, tickLabel(t, step))
	}
	s.raw(`<line class="chart-axis-line" x1="` + num(p.x0) + `" y1="` + num(p.y0) + `" x2="` + num(p.x0) + `" y2="` + num(p.y0+p.h) + `" stroke="` + colAxis + `"/>` + "\n")
	if label != "" {
		t, _ := fitWidth(label, maxAxisLabel, p.h, 12)
		x, y := 14.0, p.y0+p.h/2
		s.textEl("chart-axis-label", x, y, `text-anchor="middle" fill="`+colText+`" transform="rotate(-90 `+num(x)+" "+num(y)+`)"`, t)
	}
	s.raw("</g>\n")
}

// xAxis draws the bottom axis line, ticks at the given positions and the label.
func (p plot) xAxis(s *svg, at []float64, labels []string, label string, grid bool) {
	s.raw(`<g class="chart-axis chart-axis-x">` + "\n")
	bottom := p.y0 + p.h
	for i, v := range at {
		x := p.px(v)
		if grid {
			s.raw(`<line class="chart-grid" x1="` + num(x) + `" y1="` + num(p.y0) + `" x2="` + num(x) + `" y2="` + num(bottom) + `" stroke="` + colGrid + `"/>`)
		}
		s.raw(`<line class="chart-tick-mark" x1="` + num(x) + `" y1="` + num(bottom) + `" x2="` + num(x) + `" y2="` + num(bottom+5) + `" stroke="` + colAxis + `"/>`)
		s.textEl("chart-tick", x, bottom+18, `text-anchor="middle" font-size="11" fill="`+colMuted+`"`, labels[i])
	}
	s.raw(`<line class="chart-axis-line" x1="` + num(p.x0) + `" y1="` + num(bottom) + `" x2="` + num(p.x0+p.w) + `" y2="` + num(bottom) + `" stroke="` + colAxis + `"/>` + "\n")
	if label != "" {
		t, _ := fitWidth(label, maxAxisLabel, p.w, 12)
		s.textEl("chart-axis-label", p.x0+p.w/2, bottom+36, `text-anchor="middle" fill="`+colText+`"`, t)
	}
	s.raw("</g>\n")
}

// prepared is a series after cleaning and downsampling.
type prepared struct {
	name  string
	pts   []Point
	n     int // finite points before downsampling
	minY  float64
	maxY  float64
	lastY float64
}

func (c LineChart) prepare() ([]prepared, error) {
	if len(c.Series) > MaxSeries {
		return nil, atrium.Errorf(atrium.TooLarge, "a line chart can show at most %d series; this one has %d", MaxSeries, len(c.Series))
	}
	total := 0
	for _, s := range c.Series {
		total += len(s.Points)
	}
	if total > MaxPoints {
		return nil, atrium.Errorf(atrium.TooLarge, "a line chart can take at most %d points; this one has %d", MaxPoints, total)
	}
	budget := maxDrawnPoints
	if len(c.Series) > 0 {
		budget = max(maxDrawnPoints/len(c.Series), 40)
	}
	out := make([]prepared, 0, len(c.Series))
	for i, s := range c.Series {
		p := prepared{name: strings.TrimSpace(s.Name)}
		if p.name == "" {
			p.name = fmt.Sprintf("series %d", i+1)
		}
		for _, pt := range s.Points {
			if finite(pt.X) && finite(pt.Y) {
				p.pts = append(p.pts, pt)
			}
		}
		slices.SortStableFunc(p.pts, func(a, b Point) int { return cmp.Compare(a.X, b.X) })
		p.n = len(p.pts)
		if p.n > 0 {
			p.minY, p.maxY, p.lastY = p.pts[0].Y, p.pts[0].Y, p.pts[p.n-1].Y
			for _, pt := range p.pts {
				p.minY, p.maxY = math.Min(p.minY, pt.Y), math.Max(p.maxY, pt.Y)
			}
		}
		p.pts = downsample(p.pts, budget)
		out = append(out, p)
	}
	return out, nil
}

// downsample keeps at most about n of pts (sorted by X): the first and the
// last, and the lowest and highest of each of n/2 equal buckets, in X order.
func downsample(pts []Point, n int) []Point {
	if len(pts) <= n {
		return pts
	}
	buckets := max((n-2)/2, 1)
	out := make([]Point, 0, n)
	out = append(out, pts[0])
	inner := pts[1 : len(pts)-1]
	for b := 0; b < buckets; b++ {
		lo, hi := b*len(inner)/buckets, (b+1)*len(inner)/buckets
		if lo >= hi {
			continue
		}
		mi, ma := lo, lo
		for i := lo; i < hi; i++ {
			if inner[i].Y < inner[mi].Y {
				mi = i
			}
			if inner[i].Y > inner[ma].Y {
				ma = i
			}
		}
		first, second := min(mi, ma), max(mi, ma)
		out = append(out, inner[first])
		if second != first {
			out = append(out, inner[second])
		}
	}
	return append(out, pts[len(pts)-1])
}

// SVG draws the chart.
func (c LineChart) SVG() ([]byte, error) {
	series, err := c.prepare()
	if err != nil {
		return nil, err
	}
	const W, H = 640.0, 320.0
	have := false
	xlo, xhi, ylo, yhi := math.Inf(1), math.Inf(-1), math.Inf(1), math.Inf(-1)
	for _, s := range series {
		for _, p := range s.pts {
			have = true
			xlo, xhi = math.Min(xlo, p.X), math.Max(xhi, p.X)
			ylo, yhi = math.Min(ylo, p.Y), math.Max(yhi, p.Y)
		}
	}
	if !have {
		xlo, xhi, ylo, yhi = 0, 1, 0, 1
	}
	yt, tylo, tyhi := niceTicks(ylo, yhi, 5)
	step := 1.0
	if len(yt) > 1 {
		step = yt[1] - yt[0]
	}
	labelW := 0.0
	for _, t := range yt {
		labelW = math.Max(labelW, textWidth(tickLabel(t, step), 11))
	}
	left := 14 + labelW
	if c.YLabel != "" {
		left += 16
	}
	legendH := 0.0
	if len(series) > 1 || (len(series) == 1 && strings.TrimSpace(c.Series[0].Name) != "") {
		legendH = 22 * float64(legendRows(series, W-left-16))
	}
	bottom := 30.0
	if c.XLabel != "" {
		bottom += 18
	}
	p := plot{x0: left, y0: 12 + legendH, w: W - left - 20, h: H - 12 - legendH - bottom, xlo: xlo, xhi: xhi, ylo: tylo, yhi: tyhi}

	title := c.Title
	if strings.TrimSpace(title) == "" {
		title = "Line chart"
	}
	desc := c.Desc
	if strings.TrimSpace(desc) == "" {
		desc = describeLines(c, series)
	}
	var s svg
	s.open("chart-line", W, H, title, desc)
	if legendH > 0 {
		lineLegend(&s, series, left, W-left-16)
	}
	p.yAxis(&s, yt, c.YLabel)
	// x ticks
	var at []float64
	var labels []string
	if c.XTime {
		ts, ls := timeTicks(unixTime(xlo), unixTime(xhi), 6)
		for i, t := range ts {
			at = append(at, float64(t.UnixNano())/1e9)
			labels = append(labels, ls[i])
		}
		if xlo == xhi {
			at, labels = []float64{xlo}, []string{unixTime(xlo).Format("2 Jan 2006 15:04")}
		}
	} else {
		xt, _, _ := niceTicks(xlo, xhi, 7)
		xs := 1.0
		if len(xt) > 1 {
			xs = xt[1] - xt[0]
		}
		if xs < 1 && integral(series) {
			// Steps are whole numbers: no tick between two steps.
			xt, xs = nil, 1
			for v := math.Floor(xlo); v <= xhi; v++ {
				xt = append(xt, v)
			}
		}
		for _, t := range xt {
			if xlo == xhi || (t >= xlo-xs*1e-9 && t <= xhi+xs*1e-9) {
				if xlo == xhi && t != xlo {
					continue
				}
				at = append(at, t)
				labels = append(labels, tickLabel(t, xs))
			}
		}
	}
	p.xAxis(&s, at, labels, c.XLabel, false)
	if !have {
		s.textEl("chart-empty", p.x0+p.w/2, p.y0+p.h/2, `text-anchor="middle" fill="`+colMuted+`"`, "No data points.")
	}
	s.raw(`<g class="chart-series-group" fill="none">` + "\n")
	for i, se := range series {
		if len(se.pts) == 0 {
			continue
		}
		col, dash := palette[i%len(palette)], dashes[i%len(dashes)]
		s.raw(`<g class="chart-series chart-series-` + fmt.Sprint(i) + `">`)
		s.tip(se.name)
		if len(se.pts) > 1 {
			var d strings.Builder
			for j, pt := range se.pts {
				if j == 0 {
					d.WriteString("M")
				} else {
					d.WriteString(" L")
				}
				d.WriteString(num(p.px(pt.X)) + " " + num(p.py(pt.Y)))
			}
			s.raw(`<path d="` + d.String() + `" stroke="` + col + `" stroke-width="2" stroke-linejoin="round"`)
			if dash != "" {
				s.raw(` stroke-dasharray="` + dash + `"`)
			}
			s.raw("/>")
		}
		if len(se.pts) <= 24 {
			for _, pt := range se.pts {
				s.raw(`<circle class="chart-point" cx="` + num(p.px(pt.X)) + `" cy="` + num(p.py(pt.Y)) + `" r="` + map[bool]string{true: "4", false: "3"}[len(se.pts) == 1] + `" fill="` + col + `"/>`)
			}
		}
		s.raw("</g>\n")
	}
	s.raw("</g>\n")
	return s.close(), nil
}

// integral reports whether every drawn x is a whole number.
func integral(series []prepared) bool {
	for _, s := range series {
		for _, p := range s.pts {
			if p.X != math.Trunc(p.X) {
				return false
			}
		}
	}
	return true
}

func unixTime(sec float64) time.Time {
	whole := math.Floor(sec)
	return time.Unix(int64(whole), int64((sec-whole)*1e9)).UTC()
}

func legendItemWidth(name string) float64 {
	t, _ := fitWidth(name, 28, 200, 12)
	return 28 + textWidth(t, 12) + 18
}

func legendRows(series []prepared, width float64) int {
	rows, x := 1, 0.0
	for _, s := range series {
		w := legendItemWidth(s.name)
		if x > 0 && x+w > width {
			rows++
			x = 0
		}
		x += w
	}
	return rows
}

func lineLegend(s *svg, series []prepared, left, width float64) {
	s.raw(`<g class="chart-legend">` + "\n")
	x, y := 0.0, 8.0
	for i, se := range series {
		w := legendItemWidth(se.name)
		if x > 0 && x+w > width {
			x, y = 0, y+22
		}
		col, dash := palette[i%len(palette)], dashes[i%len(dashes)]
		s.raw(`<g class="chart-legend-item chart-series-` + fmt.Sprint(i) + `"><line x1="` + num(left+x) + `" y1="` + num(y+7) + `" x2="` + num(left+x+22) + `" y2="` + num(y+7) + `" stroke="` + col + `" stroke-width="2.5"`)
		if dash != "" {
			s.raw(` stroke-dasharray="` + dash + `"`)
		}
		s.raw("/>")
		t, cut := fitWidth(se.name, 28, 200, 12)
		if cut {
			s.tip(se.name)
		}
		s.textEl("chart-legend-label", left+x+28, y+11, `fill="`+colText+`"`, t)
		s.raw("</g>\n")
		x += w
	}
	s.raw("</g>\n")
}

func describeLines(c LineChart, series []prepared) string {
	if len(series) == 0 {
		return "Line chart with no series."
	}
	var parts []string
	for _, s := range series {
		name := atrium.Truncate(s.name, 80)
		if s.n == 0 {
			parts = append(parts, name+": no points")
			continue
		}
		parts = append(parts, fmt.Sprintf("%s: %d %s, from %s to %s, last %s", name, s.n, plural(s.n, "point"), valueLabel(s.minY), valueLabel(s.maxY), valueLabel(s.lastY)))
	}
	return fmt.Sprintf("Line chart of %d series. ", len(series)) + strings.Join(parts, "; ") + "."
}
