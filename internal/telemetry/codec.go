package telemetry

import (
	"encoding/binary"
	"errors"
	"math"
	"slices"
	"unicode/utf8"
)

// aggFormat is the first byte of an encoded Aggregate; a change of layout
// gets a new number and UnmarshalBinary keeps reading the old ones.
const aggFormat = 1

// MarshalBinary encodes a compactly: counts as varints, floats as 8 bytes,
// maps in sorted key order, so equal aggregates built the same way encode
// to the same bytes.
func (a *Aggregate) MarshalBinary() ([]byte, error) {
	e := &encoder{buf: make([]byte, 0, 256)}
	e.buf = append(e.buf, aggFormat)
	e.int(a.Predictions)
	e.int(a.Errors)
	e.int(a.Timeouts)
	e.sketch(&a.Latency)
	e.bins(a.Scores)
	e.float(a.ScoreSum)
	e.counts(&a.Labels)
	e.sketch(&a.Values)
	e.float(a.ValueSumSq)
	names := make([]string, 0, len(a.Features))
	for name := range a.Features {
		names = append(names, name)
	}
	slices.Sort(names)
	e.uint(uint64(len(names)))
	for _, name := range names {
		f := a.Features[name]
		e.string(name)
		e.sketch(&f.Numbers)
		e.uint(uint64(len(f.Edges)))
		for _, x := range f.Edges {
			e.float(x)
		}
		e.bins(f.Bins)
		if f.BinsMixed {
			e.buf = append(e.buf, 1)
		} else {
			e.buf = append(e.buf, 0)
		}
		e.counts(&f.Categories)
		e.int(f.Missing)
	}
	e.hll(a.Subjects)
	q := &a.Outcomes
	e.int(q.Labelled)
	e.counts(&q.Confusion)
	e.bins(q.PosScores)
	e.bins(q.NegScores)
	e.int(q.Scored)
	e.float(q.LogLossSum)
	e.float(q.BrierSum)
	e.int(q.Regression)
	e.float(q.AbsErrSum)
	e.float(q.SqErrSum)
	e.float(q.APESum)
	e.int(q.APECount)
	e.float(q.ActualSum)
	e.float(q.ActualSqSum)
	fb := &a.Feedback
	kinds := make([]string, 0, len(fb.ByKind))
	for k := range fb.ByKind {
		kinds = append(kinds, string(k))
	}
	slices.Sort(kinds)
	e.uint(uint64(len(kinds)))
	for _, k := range kinds {
		e.string(k)
		e.int(fb.ByKind[FeedbackKind(k)])
	}
	e.int(fb.ThumbsUp)
	e.int(fb.ThumbsDown)
	e.int(fb.RatingSum)
	e.int(fb.RatingCount)
	e.int(fb.Overrides)
	return e.buf, e.err
}

type encoder struct {
	buf []byte
	err error
}

func (e *encoder) uint(v uint64) { e.buf = binary.AppendUvarint(e.buf, v) }

func (e *encoder) int(v int64) {
	if v < 0 && e.err == nil {
		e.err = errors.New("telemetry: negative count in aggregate")
	}
	e.uint(uint64(v))
}

func (e *encoder) float(x float64) {
	e.buf = binary.LittleEndian.AppendUint64(e.buf, math.Float64bits(x))
}

func (e *encoder) string(s string) {
	e.uint(uint64(len(s)))
	e.buf = append(e.buf, s...)
}

func (e *encoder) bins(b []int64) {
	e.uint(uint64(len(b)))
	for _, n := range b {
		e.int(n)
	}
}

func (e *encoder) sketch(s *Sketch) {
	e.int(s.Count)
	if s.Count == 0 {
		return
	}
	e.int(s.Zero)
	e.float(s.Sum)
	e.float(s.Min)
	e.float(s.Max)
	for _, b := range []*Buckets{&s.Pos, &s.Neg} {
		e.uint(uint64(len(b.Counts)))
		if len(b.Counts) > 0 {
			e.buf = binary.AppendVarint(e.buf, int64(b.Offset))
			for _, n := range b.Counts {
				e.int(n)
			}
		}
	}
}

func (e *encoder) counts(c *Counts) {
	keys := make([]string, 0, len(c.Values))
	for k := range c.Values {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	e.uint(uint64(len(keys)))
	for _, k := range keys {
		e.string(k)
		e.int(c.Values[k])
	}
	e.int(c.Overflow)
}

// hll is 0 (none), 1 and a sparse list of (index, rank), or 2 and every
// register, whichever is shorter.
func (e *encoder) hll(h *HLL) {
	if h == nil || len(h.Registers) == 0 {
		e.buf = append(e.buf, 0)
		return
	}
	set := 0
	for _, r := range h.Registers {
		if r != 0 {
			set++
		}
	}
	if set*3 < hllRegisters {
		e.buf = append(e.buf, 1)
		e.uint(uint64(set))
		for i, r := range h.Registers {
			if r != 0 {
				e.buf = binary.LittleEndian.AppendUint16(e.buf, uint16(i))
				e.buf = append(e.buf, r)
			}
		}
		return
	}
	e.buf = append(e.buf, 2)
	e.buf = append(e.buf, h.Registers...)
}

// errMalformed is what UnmarshalBinary answers for bytes it did not write.
var errMalformed = errors.New("telemetry: malformed aggregate")

// UnmarshalBinary decodes what MarshalBinary wrote, replacing a. It checks
// every length against the bytes left and every invariant of the sketches,
// so damaged input is an error, never a panic or a huge allocation.
func (a *Aggregate) UnmarshalBinary(data []byte) error {
	if len(data) == 0 || data[0] != aggFormat {
		return errMalformed
	}
	d := &decoder{buf: data[1:]}
	var x Aggregate
	x.Predictions = d.int()
	x.Errors = d.int()
	x.Timeouts = d.int()
	d.sketch(&x.Latency)
	x.Scores = d.scoreBins()
	x.ScoreSum = d.float()
	d.counts(&x.Labels, MaxCategories)
	d.sketch(&x.Values)
	x.ValueSumSq = d.float()
	if n := d.length(); n > 0 {
		x.Features = make(map[string]*FeatureAgg, n)
		prev := ""
		for i := 0; i < n && d.err == nil; i++ {
			name := d.string()
			if i > 0 && name <= prev {
				d.fail()
			}
			prev = name
			f := &FeatureAgg{}
			d.sketch(&f.Numbers)
			if ne := d.length(); ne > 0 {
				f.Edges = make([]float64, 0, min(ne, len(d.buf)/8))
				for j := 0; j < ne && d.err == nil; j++ {
					v := d.float()
					if !finite(v) || (j > 0 && v <= f.Edges[j-1]) {
						d.fail()
					}
					f.Edges = append(f.Edges, v)
				}
			}
			f.Bins = d.bins()
			f.BinsMixed = d.bool()
			d.counts(&f.Categories, MaxCategories)
			f.Missing = d.int()
			switch {
			case f.BinsMixed && (len(f.Edges) > 0 || len(f.Bins) > 0 || f.Numbers.Count == 0):
				d.fail()
			case len(f.Edges) == 0 && len(f.Bins) > 0, len(f.Edges) > 0 && len(f.Bins) != len(f.Edges)+1:
				d.fail()
			case len(f.Bins) > 0 && sum(f.Bins) != f.Numbers.Count:
				d.fail()
			}
			x.Features[name] = f
		}
	}
	x.Subjects = d.hll()
	q := &x.Outcomes
	q.Labelled = d.int()
	d.counts(&q.Confusion, MaxConfusion)
	q.PosScores = d.scoreBins()
	q.NegScores = d.scoreBins()
	q.Scored = d.int()
	q.LogLossSum = d.float()
	q.BrierSum = d.float()
	q.Regression = d.int()
	q.AbsErrSum = d.float()
	q.SqErrSum = d.float()
	q.APESum = d.float()
	q.APECount = d.int()
	q.ActualSum = d.float()
	q.ActualSqSum = d.float()
	fb := &x.Feedback
	if n := d.length(); n > 0 {
		fb.ByKind = make(map[FeedbackKind]int64, n)
		prev := ""
		for i := 0; i < n && d.err == nil; i++ {
			k := d.string()
			if i > 0 && k <= prev {
				d.fail()
			}
			prev = k
			fb.ByKind[FeedbackKind(k)] = d.int()
		}
	}
	fb.ThumbsUp = d.int()
	fb.ThumbsDown = d.int()
	fb.RatingSum = d.int()
	fb.RatingCount = d.int()
	fb.Overrides = d.int()
	if d.err == nil && len(d.buf) != 0 {
		d.fail()
	}
	if d.err != nil {
		return d.err
	}
	*a = x
	return nil
}

type decoder struct {
	buf []byte
	err error
}

func (d *decoder) fail() {
	if d.err == nil {
		d.err = errMalformed
	}
	d.buf = nil
}

func (d *decoder) uint() uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.buf)
	if n <= 0 {
		d.fail()
		return 0
	}
	d.buf = d.buf[n:]
	return v
}

func (d *decoder) int() int64 {
	v := d.uint()
	if v > math.MaxInt64 {
		d.fail()
		return 0
	}
	return int64(v)
}

// length reads a count of elements that each take at least one byte, so it
// can never exceed the bytes left.
func (d *decoder) length() int {
	v := d.uint()
	if v > uint64(len(d.buf)) {
		d.fail()
		return 0
	}
	return int(v)
}

func (d *decoder) float() float64 {
	if d.err != nil || len(d.buf) < 8 {
		d.fail()
		return 0
	}
	v := math.Float64frombits(binary.LittleEndian.Uint64(d.buf))
	d.buf = d.buf[8:]
	if math.IsNaN(v) {
		d.fail()
	}
	return v
}

func (d *decoder) bool() bool {
	if d.err != nil || len(d.buf) < 1 || d.buf[0] > 1 {
		d.fail()
		return false
	}
	v := d.buf[0] == 1
	d.buf = d.buf[1:]
	return v
}

func (d *decoder) string() string {
	n := d.length()
	if d.err != nil {
		return ""
	}
	s := string(d.buf[:n])
	d.buf = d.buf[n:]
	if !utf8.ValidString(s) {
		d.fail()
	}
	return s
}

func (d *decoder) bins() []int64 {
	n := d.length()
	if n == 0 {
		return nil
	}
	b := make([]int64, n)
	for i := range b {
		b[i] = d.int()
	}
	return b
}

func (d *decoder) scoreBins() []int64 {
	b := d.bins()
	if len(b) != 0 && len(b) != ScoreBins {
		d.fail()
	}
	return b
}

func sum(b []int64) int64 {
	var n int64
	for _, c := range b {
		n += c
	}
	return n
}

func (d *decoder) sketch(s *Sketch) {
	s.Count = d.int()
	if s.Count == 0 || d.err != nil {
		return
	}
	s.Zero = d.int()
	s.Sum = d.float()
	s.Min = d.float()
	s.Max = d.float()
	for _, b := range []*Buckets{&s.Pos, &s.Neg} {
		n := d.length()
		if n == 0 {
			continue
		}
		if n > MaxSketchBuckets {
			d.fail()
			return
		}
		off, k := binary.Varint(d.buf)
		if k <= 0 || off < int64(minSketchIndex) || off+int64(n)-1 > int64(maxSketchIndex) {
			d.fail()
			return
		}
		d.buf = d.buf[k:]
		b.Offset = int32(off)
		b.Counts = make([]int64, n)
		for j := range b.Counts {
			b.Counts[j] = d.int()
		}
		if b.Counts[0] == 0 || b.Counts[n-1] == 0 {
			d.fail()
		}
	}
	total := s.Zero + s.Pos.total() + s.Neg.total()
	if d.err == nil && (total != s.Count || total < 0 || !finite(s.Min) || !finite(s.Max) || s.Min > s.Max) {
		d.fail()
	}
}

func (d *decoder) counts(c *Counts, limit int) {
	n := d.length()
	if n > limit {
		d.fail()
		return
	}
	if n > 0 {
		c.Values = make(map[string]int64, n)
		prev := ""
		for i := 0; i < n && d.err == nil; i++ {
			k := d.string()
			if i > 0 && k <= prev {
				d.fail()
			}
			prev = k
			c.Values[k] = d.int()
		}
	}
	c.Overflow = d.int()
}

func (d *decoder) hll() *HLL {
	if d.err != nil || len(d.buf) < 1 {
		d.fail()
		return nil
	}
	mode := d.buf[0]
	d.buf = d.buf[1:]
	switch mode {
	case 0:
		return nil
	case 1:
		n := d.length()
		if d.err != nil || n == 0 || n > hllRegisters || len(d.buf) < 3*n {
			d.fail()
			return nil
		}
		h := &HLL{Registers: make([]byte, hllRegisters)}
		last := -1
		for range n {
			i := int(binary.LittleEndian.Uint16(d.buf))
			r := d.buf[2]
			d.buf = d.buf[3:]
			if i <= last || i >= hllRegisters || r == 0 || r > 64-HLLPrecision+1 {
				d.fail()
				return nil
			}
			last = i
			h.Registers[i] = r
		}
		return h
	case 2:
		if len(d.buf) < hllRegisters {
			d.fail()
			return nil
		}
		h := &HLL{Registers: slices.Clone(d.buf[:hllRegisters])}
		d.buf = d.buf[hllRegisters:]
		for _, r := range h.Registers {
			if r > 64-HLLPrecision+1 {
				d.fail()
				return nil
			}
		}
		return h
	}
	d.fail()
	return nil
}
