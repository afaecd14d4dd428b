package chart

import (
	"math"
	"strconv"
	"strings"
	"time"
)

// niceTicks returns about n round tick values covering [lo, hi], and the
// extended range they span.
func niceTicks(lo, hi float64, n int) (ticks []float64, tlo, thi float64) {
	if !(hi > lo) {
		d := math.Abs(lo) * 0.1
		if d == 0 {
			d = 1
		}
		lo, hi = lo-d, hi+d
	}
	step := niceNum((hi-lo)/float64(max(n-1, 1)), true)
	tlo = math.Floor(lo/step) * step
	thi = math.Ceil(hi/step) * step
	for i := 0; ; i++ {
		v := tlo + float64(i)*step
		if v > thi+step/2 || i > 50 {
			break
		}
		if math.Abs(v) < step*1e-9 {
			v = 0
		}
		ticks = append(ticks, v)
	}
	return ticks, tlo, thi
}

// niceNum rounds x to 1, 2, 5 or 10 times a power of ten.
func niceNum(x float64, round bool) float64 {
	if x <= 0 || !finite(x) {
		return 1
	}
	e := math.Floor(math.Log10(x))
	f := x / math.Pow(10, e)
	var nf float64
	switch {
	case round && f < 1.5, !round && f <= 1:
		nf = 1
	case round && f < 3, !round && f <= 2:
		nf = 2
	case round && f < 7, !round && f <= 5:
		nf = 5
	default:
		nf = 10
	}
	return nf * math.Pow(10, e)
}

// tickLabel formats a tick value with as many decimals as the step needs.
func tickLabel(v, step float64) string {
	a := math.Abs(v)
	if a != 0 && (a >= 1e7 || a < 1e-4) {
		return strconv.FormatFloat(v, 'g', 3, 64)
	}
	if a >= 1e4 && step >= 1000 {
		return siLabel(v)
	}
	dec := 0
	if step > 0 && step < 1 {
		dec = int(math.Ceil(-math.Log10(step) - 1e-9))
	}
	out := strconv.FormatFloat(v, 'f', min(dec, 8), 64)
	if strings.Contains(out, ".") {
		out = strings.TrimRight(strings.TrimRight(out, "0"), ".")
	}
	if out == "-0" {
		out = "0"
	}
	return out
}

// siLabel writes large round numbers as 20k or 1.5M.
func siLabel(v float64) string {
	a := math.Abs(v)
	switch {
	case a >= 1e6:
		return strconv.FormatFloat(v/1e6, 'f', -1, 64) + "M"
	default:
		return strconv.FormatFloat(v/1e3, 'f', -1, 64) + "k"
	}
}

// valueLabel formats a measured value compactly (up to 4 significant digits).
func valueLabel(v float64) string {
	if v == math.Trunc(v) && math.Abs(v) < 1e15 {
		return strconv.FormatFloat(v, 'f', 0, 64)
	}
	return strconv.FormatFloat(v, 'g', 4, 64)
}

// countLabel formats a count with thin grouping: 12 345.
func countLabel(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := n < 0
	if neg {
		s = s[1:]
	}
	var out []byte
	for i := range len(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, s[i])
	}
	if neg {
		return "-" + string(out)
	}
	return string(out)
}

// A timeStep is one candidate spacing of date ticks.
type timeStep struct {
	d      time.Duration // approximate length, for choosing
	unit   byte          // 's', 'm', 'h', 'D', 'M', 'Y'
	n      int
	layout string // how a tick at this spacing is written
}

var timeSteps = []timeStep{
	{time.Second, 's', 1, "15:04:05"},
	{5 * time.Second, 's', 5, "15:04:05"},
	{15 * time.Second, 's', 15, "15:04:05"},
	{30 * time.Second, 's', 30, "15:04:05"},
	{time.Minute, 'm', 1, "15:04"},
	{5 * time.Minute, 'm', 5, "15:04"},
	{15 * time.Minute, 'm', 15, "15:04"},
	{30 * time.Minute, 'm', 30, "15:04"},
	{time.Hour, 'h', 1, "15:04"},
	{3 * time.Hour, 'h', 3, "15:04"},
	{6 * time.Hour, 'h', 6, "15:04"},
	{12 * time.Hour, 'h', 12, "2 Jan 15:04"},
	{24 * time.Hour, 'D', 1, "2 Jan"},
	{2 * 24 * time.Hour, 'D', 2, "2 Jan"},
	{7 * 24 * time.Hour, 'D', 7, "2 Jan"},
	{14 * 24 * time.Hour, 'D', 14, "2 Jan"},
	{30 * 24 * time.Hour, 'M', 1, "Jan 2006"},
	{91 * 24 * time.Hour, 'M', 3, "Jan 2006"},
	{182 * 24 * time.Hour, 'M', 6, "Jan 2006"},
	{365 * 24 * time.Hour, 'Y', 1, "2006"},
	{2 * 365 * 24 * time.Hour, 'Y', 2, "2006"},
	{5 * 365 * 24 * time.Hour, 'Y', 5, "2006"},
	{10 * 365 * 24 * time.Hour, 'Y', 10, "2006"},
	{25 * 365 * 24 * time.Hour, 'Y', 25, "2006"},
	{50 * 365 * 24 * time.Hour, 'Y', 50, "2006"},
	{100 * 365 * 24 * time.Hour, 'Y', 100, "2006"},
}

// timeTicks returns at most about n calendar-aligned ticks (UTC) inside
// [lo, hi], with their labels. When the spacing is below a day, a tick that
// starts a new day also names the day.
func timeTicks(lo, hi time.Time, n int) ([]time.Time, []string) {
	lo, hi = lo.UTC(), hi.UTC()
	span := hi.Sub(lo)
	st := timeSteps[len(timeSteps)-1]
	for _, c := range timeSteps {
		if span/c.d <= time.Duration(n) {
			st = c
			break
		}
	}
	var t time.Time
	switch st.unit {
	case 's':
		t = lo.Truncate(time.Duration(st.n) * time.Second)
	case 'm':
		t = lo.Truncate(time.Duration(st.n) * time.Minute)
	case 'h':
		t = time.Date(lo.Year(), lo.Month(), lo.Day(), lo.Hour()/st.n*st.n, 0, 0, 0, time.UTC)
	case 'D':
		t = time.Date(lo.Year(), lo.Month(), lo.Day(), 0, 0, 0, 0, time.UTC)
		if st.n == 7 || st.n == 14 { // weeks start on Monday
			t = t.AddDate(0, 0, -((int(t.Weekday()) + 6) % 7))
		}
	case 'M':
		t = time.Date(lo.Year(), time.Month((int(lo.Month())-1)/st.n*st.n+1), 1, 0, 0, 0, 0, time.UTC)
	case 'Y':
		t = time.Date(lo.Year()/st.n*st.n, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	next := func(t time.Time) time.Time {
		switch st.unit {
		case 's':
			return t.Add(time.Duration(st.n) * time.Second)
		case 'm':
			return t.Add(time.Duration(st.n) * time.Minute)
		case 'h':
			return t.Add(time.Duration(st.n) * time.Hour)
		case 'D':
			return t.AddDate(0, 0, st.n)
		case 'M':
			return t.AddDate(0, st.n, 0)
		default:
			return t.AddDate(st.n, 0, 0)
		}
	}
	var ticks []time.Time
	var labels []string
	prevDay := ""
	for ; !t.After(hi) && len(ticks) < 4*n; t = next(t) {
		if t.Before(lo) {
			continue
		}
		label := t.Format(st.layout)
		if st.d < 12*time.Hour {
			day := t.Format("2 Jan")
			if day != prevDay {
				label = t.Format("2 Jan ") + label
				prevDay = day
			}
		}
		ticks = append(ticks, t)
		labels = append(labels, label)
	}
	return ticks, labels
}
