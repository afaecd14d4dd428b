package profile

import (
	"encoding/binary"
	"math"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
	"unsafe"

	"github.com/atrium-mlops/atrium/internal/registry"
)

// Report shapes.
const (
	histogramBins = 20
	topShown      = 10
	// A string column is categorical when it has at most this many distinct
	// values and each value occurs on average at least categoricalRepeat times.
	categoricalMax    = 50
	categoricalRepeat = 10
)

// quantilesShown are the quantiles a numeric column's profile lists; 0 and 1
// are the exact minimum and maximum.
var quantilesShown = []float64{0, 0.01, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 1}

// column accumulates one column's statistics in a single pass, in bounded
// memory: about 16 KiB of HyperLogLog registers, 5 KiB of quantile sketch
// and 128 heavy-hitter counters of at most 256 bytes each.
type column struct {
	name  string
	fixed registry.ColumnType // the type a typed format (Parquet) declares; "" to infer
	count int64
	nulls int64

	// Type inference: each flag stays true while every value so far fits.
	maybeInt, maybeNum, maybeBool, maybeTime bool

	// Numbers (exact): Welford's running mean and sum of squared deviations.
	nNum     int64
	mean, m2 float64
	min, max float64

	quant    *kll
	distinct *hll
	top      *spaceSaving
	pii      piiTally
	scratch  []byte
}

func newColumn(name string, fixed registry.ColumnType, sample int, wide bool) *column {
	p := uint(hllPrecision)
	if wide {
		p = hllPrecisionWide
	}
	return &column{
		name: name, fixed: fixed,
		maybeInt: true, maybeNum: true, maybeBool: true, maybeTime: true,
		quant: newKLL(), distinct: newHLL(p),
		pii: piiTally{limit: sample},
	}
}

// counted enters a value in the heavy-hitters table, made on first use:
// numeric columns never need one.
func (c *column) counted(h uint64, b []byte) {
	if c.top == nil {
		c.top = newSpaceSaving()
	}
	c.top.add(h, b)
}

// isNull reports whether a (trimmed) text value stands for a missing value.
// The set follows what spreadsheet and data-frame exports write.
func isNull(b []byte) bool {
	switch len(b) {
	case 0:
		return true
	case 1, 2, 3, 4:
		switch string(b) {
		case "NA", "N/A", "n/a", "nan", "NaN", "null", "NULL", "Null", "None", "<NA>", "#N/A":
			return true
		}
	}
	return false
}

func trimSpace(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t') {
		b = b[1:]
	}
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\t') {
		b = b[:len(b)-1]
	}
	return b
}

// addText counts one value given as text (CSV fields, JSON numbers and
// strings). quoted says the format marked the value as a string (a JSON
// string), so it is not taken for a number or a boolean.
func (c *column) addText(b []byte, quoted bool) {
	b = trimSpace(b)
	if isNull(b) {
		c.nulls++
		return
	}
	c.count++
	if c.maybeBool && !quoted && isBool(b) {
		b = boolText[b[0]|0x20 == 't'] // TRUE, True and true are one value
	}
	h := hash64(b)
	c.distinct.add(h)
	if quoted {
		c.maybeInt, c.maybeNum, c.maybeBool = false, false, false
	}
	if c.maybeNum {
		if f, isInt, ok := parseNumber(b); ok {
			c.maybeInt = c.maybeInt && isInt
			c.addNumber(f)
		} else {
			c.maybeInt, c.maybeNum = false, false
		}
	}
	if c.maybeBool && !isBool(b) {
		c.maybeBool = false
	}
	if c.maybeTime && !isTimestamp(b) {
		c.maybeTime = false
	}
	// Numbers and timestamps get quantiles, not a top list: counting their
	// (mostly unique) values would cost the most for the least.
	if !c.maybeNum && !c.maybeTime {
		c.counted(h, b)
	}
	c.pii.add(b)
}

var boolText = map[bool][]byte{false: []byte("false"), true: []byte("true")}

func (c *column) addNumber(v float64) {
	c.nNum++
	if c.nNum == 1 {
		c.min, c.max = v, v
	} else {
		c.min = math.Min(c.min, v)
		c.max = math.Max(c.max, v)
	}
	d := v - c.mean
	c.mean += d / float64(c.nNum)
	c.m2 += d * (v - c.mean)
	c.quant.add(v)
}

func (c *column) hashBits(v uint64) uint64 {
	var k [8]byte
	binary.LittleEndian.PutUint64(k[:], v)
	return hash64(k[:])
}

// addInt, addFloat, addBool, addBytes and addTime count typed values (Parquet).
func (c *column) addInt(v int64) {
	c.count++
	c.distinct.add(c.hashBits(uint64(v)))
	c.addNumber(float64(v))
	c.scratch = strconv.AppendInt(c.scratch[:0], v, 10)
	c.pii.add(c.scratch)
}

func (c *column) addFloat(v float64) {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		c.nulls++
		return
	}
	c.count++
	if v == 0 {
		v = 0 // one zero, not two
	}
	c.distinct.add(c.hashBits(math.Float64bits(v)))
	c.addNumber(v)
}

func (c *column) addBool(v bool) {
	c.count++
	s := []byte("false")
	if v {
		s = []byte("true")
	}
	h := hash64(s)
	c.distinct.add(h)
	c.counted(h, s)
}

func (c *column) addBytes(b []byte) { c.addText(b, true) }

func (c *column) addTime(unixNano int64) {
	c.count++
	c.distinct.add(c.hashBits(uint64(unixNano)))
}

func (c *column) addNull() { c.nulls++ }

// parseNumber parses a number in one scan without allocating, and says
// whether it is an integer (no point or exponent, at most 18 digits).
func parseNumber(b []byte) (f float64, isInt, ok bool) {
	if f, frac, ok := fastDecimal(b); ok {
		return f, frac < 0, true
	}
	if v, ok := parseInt(b); ok { // integers beyond 2^53
		return float64(v), true, true
	}
	f, ok = parseFloat(b)
	return f, false, ok
}

// parseInt parses a decimal integer of at most 18 digits without allocating.
func parseInt(b []byte) (int64, bool) {
	neg := false
	if len(b) > 0 && (b[0] == '-' || b[0] == '+') {
		neg = b[0] == '-'
		b = b[1:]
	}
	if len(b) == 0 || len(b) > 18 {
		return 0, false
	}
	var v int64
	for _, ch := range b {
		if ch < '0' || ch > '9' {
			return 0, false
		}
		v = v*10 + int64(ch-'0')
	}
	if neg {
		v = -v
	}
	return v, true
}

// parseFloat parses a finite decimal number ("1.5", "-2e-3", ".5"); it
// rejects words strconv accepts ("inf", "NaN"), hexadecimal and underscores.
func parseFloat(b []byte) (float64, bool) {
	if len(b) == 0 || len(b) > 64 {
		return 0, false
	}
	digit := false
	for i, ch := range b {
		switch {
		case ch >= '0' && ch <= '9':
			digit = true
		case ch == '.' || ch == 'e' || ch == 'E':
		case (ch == '-' || ch == '+') && (i == 0 || b[i-1] == 'e' || b[i-1] == 'E'):
		default:
			return 0, false
		}
	}
	if !digit {
		return 0, false
	}
	if f, _, ok := fastDecimal(b); ok {
		return f, true
	}
	// The string shares b's memory only for the call; ParseFloat keeps
	// nothing of it (its errors copy the input).
	f, err := strconv.ParseFloat(unsafe.String(&b[0], len(b)), 64)
	if err != nil || math.IsInf(f, 0) {
		return 0, false
	}
	return f, true
}

var pow10 = [...]float64{1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
	1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22}

// fastDecimal parses plain decimals ("-1234.56") whose digits fit in 2^53
// exactly: an exact integer divided by an exact power of ten is correctly
// rounded, so the result equals strconv.ParseFloat's. It returns the number
// of digits after the point (-1 without a point). Other forms report false
// and go the slow way.
func fastDecimal(b []byte) (float64, int, bool) {
	if len(b) == 0 {
		return 0, 0, false
	}
	neg := false
	if b[0] == '-' || b[0] == '+' {
		neg = b[0] == '-'
		b = b[1:]
	}
	var m uint64
	frac, nd := -1, 0
	for i, ch := range b {
		switch {
		case ch >= '0' && ch <= '9':
			m = m*10 + uint64(ch-'0')
			nd++
			if frac >= 0 {
				frac++
			}
		case ch == '.' && frac < 0:
			frac = 0
		default:
			return 0, 0, false
		}
		if i > 16 {
			return 0, 0, false
		}
	}
	if nd == 0 || m > 1<<53 {
		return 0, 0, false
	}
	f := float64(m)
	if frac > 0 {
		f /= pow10[frac]
	}
	if neg {
		f = -f
	}
	return f, frac, true
}

func isBool(b []byte) bool {
	switch len(b) {
	case 4:
		return (b[0]|0x20) == 't' && (b[1]|0x20) == 'r' && (b[2]|0x20) == 'u' && (b[3]|0x20) == 'e'
	case 5:
		return (b[0]|0x20) == 'f' && (b[1]|0x20) == 'a' && (b[2]|0x20) == 'l' && (b[3]|0x20) == 's' && (b[4]|0x20) == 'e'
	}
	return false
}

func digits(b []byte) (int, bool) {
	v := 0
	for _, ch := range b {
		if ch < '0' || ch > '9' {
			return 0, false
		}
		v = v*10 + int(ch-'0')
	}
	return v, true
}

// isTimestamp accepts a calendar date (2024-03-01) or an RFC 3339 date and
// time, with 'T' or a space between them, optional fractional seconds and an
// optional zone (Z or ±hh:mm).
func isTimestamp(b []byte) bool {
	if len(b) < 10 || b[4] != '-' || b[7] != '-' {
		return false
	}
	y, ok1 := digits(b[0:4])
	m, ok2 := digits(b[5:7])
	d, ok3 := digits(b[8:10])
	if !ok1 || !ok2 || !ok3 || m < 1 || m > 12 || d < 1 || d > daysIn(y, m) {
		return false
	}
	if len(b) == 10 {
		return true
	}
	t := b[10:]
	if (t[0] != 'T' && t[0] != ' ') || len(t) < 9 || t[3] != ':' || t[6] != ':' {
		return false
	}
	hh, ok1 := digits(t[1:3])
	mm, ok2 := digits(t[4:6])
	ss, ok3 := digits(t[7:9])
	if !ok1 || !ok2 || !ok3 || hh > 23 || mm > 59 || ss > 60 {
		return false
	}
	t = t[9:]
	if len(t) > 0 && t[0] == '.' {
		i := 1
		for i < len(t) && t[i] >= '0' && t[i] <= '9' {
			i++
		}
		if i == 1 {
			return false
		}
		t = t[i:]
	}
	switch {
	case len(t) == 0:
		return true
	case len(t) == 1:
		return t[0] == 'Z' || t[0] == 'z'
	case len(t) == 6 && (t[0] == '+' || t[0] == '-') && t[3] == ':':
		oh, ok1 := digits(t[1:3])
		om, ok2 := digits(t[4:6])
		return ok1 && ok2 && oh <= 23 && om <= 59
	}
	return false
}

func daysIn(y, m int) int {
	switch m {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// kind decides the column's type from what its values allowed.
func (c *column) kind() registry.ColumnType {
	if c.fixed != "" && c.fixed != registry.String {
		return c.fixed
	}
	var t registry.ColumnType
	switch {
	case c.count == 0:
		t = registry.String
	case c.fixed == "" && c.maybeBool:
		t = registry.Boolean
	case c.fixed == "" && c.maybeInt:
		t = registry.Integer
	case c.fixed == "" && c.maybeNum:
		t = registry.Number
	case c.maybeTime:
		t = registry.Timestamp
	default:
		t = registry.String
	}
	if t == registry.String && c.count > 0 {
		d := c.distinctCount()
		if d <= categoricalMax && d*categoricalRepeat <= c.count {
			t = registry.Categorical
		}
	}
	return t
}

func finite(f float64) bool { return !math.IsNaN(f) && !math.IsInf(f, 0) }

func (c *column) distinctCount() int64 {
	d := int64(math.Round(c.distinct.estimate()))
	return min(max(d, min(c.count, 1)), c.count)
}

// result builds the column's profile.
func (c *column) result() registry.ColumnProfile {
	t := c.kind()
	p := registry.ColumnProfile{Name: c.name, Type: t, Count: c.count, Nulls: c.nulls, Distinct: c.distinctCount()}
	if t.Numeric() && c.nNum > 0 {
		mn, mx, mean := c.min, c.max, c.mean
		p.Min, p.Max = &mn, &mx
		// Values near the float64 limits can overflow the running sums;
		// then the mean or std is left out rather than reported as infinite.
		if finite(mean) {
			p.Mean = &mean
		}
		if std := math.Sqrt(c.m2 / float64(c.nNum-1)); c.nNum > 1 && finite(std) && finite(mean) {
			p.Std = &std
		}
		items, total := c.quant.sorted()
		for _, q := range quantilesShown {
			v := quantileOf(items, total, q)
			switch q {
			case 0:
				v = c.min
			case 1:
				v = c.max
			}
			p.Quantiles = append(p.Quantiles, registry.Quantile{Q: q, Value: v})
		}
		if finite(c.max - c.min) {
			p.Histogram = histogram(items, c.min, c.max, t == registry.Integer)
		}
	}
	if c.top != nil && (t == registry.String || t == registry.Categorical || t == registry.Boolean) {
		for _, e := range c.top.top(topShown) {
			p.Top = append(p.Top, registry.TopValue{Value: displayValue(e.value, e.long), Count: e.count})
		}
	}
	p.Suggested = c.pii.suggest(c.name, c.count)
	return p
}

// histogram spreads the sketch's weighted values over equal-width bins
// between the exact minimum and maximum. While the sketch has compacted
// nothing the counts are exact; after that each bin's count is within
// 2·kllRankError·n of the truth (it is a difference of two ranks).
//
// An integer column whose values span fewer than 20 integers gets one bin
// per integer k, [k, k+1).
func histogram(items []weighted, lo, hi float64, integer bool) []registry.Bin {
	if len(items) == 0 {
		return nil
	}
	if integer && hi-lo < histogramBins {
		bins := make([]registry.Bin, int(hi-lo)+1)
		for i := range bins {
			bins[i].Low, bins[i].High = lo+float64(i), lo+float64(i+1)
		}
		for _, it := range items {
			bins[int(it.v-lo)].Count += it.w
		}
		return bins
	}
	if lo == hi {
		var n int64
		for _, it := range items {
			n += it.w
		}
		return []registry.Bin{{Low: lo, High: hi, Count: n}}
	}
	width := (hi - lo) / histogramBins
	bins := make([]registry.Bin, histogramBins)
	for i := range bins {
		bins[i].Low = lo + float64(i)*width
		bins[i].High = lo + float64(i+1)*width
	}
	bins[histogramBins-1].High = hi
	for _, it := range items {
		i := int((it.v - lo) / width)
		if i >= histogramBins {
			i = histogramBins - 1
		}
		if i < 0 {
			i = 0
		}
		// Floating-point division can land a value on the wrong side of an edge.
		for i > 0 && it.v < bins[i].Low {
			i--
		}
		for i < histogramBins-1 && it.v >= bins[i+1].Low {
			i++
		}
		bins[i].Count += it.w
	}
	return bins
}

// displayValue makes a counted value fit for a profile: valid UTF-8, control
// characters shown as spaces, at most registry.MaxTagValue characters.
func displayValue(b []byte, truncated bool) string {
	s := strings.ToValidUTF8(string(b), "\uFFFD")
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' {
			return ' '
		}
		return r
	}, s)
	if truncated || utf8.RuneCountInString(s) > registry.MaxTagValue {
		s = string([]rune(s)[:min(utf8.RuneCountInString(s), registry.MaxTagValue-1)]) + "…"
	}
	return s
}
