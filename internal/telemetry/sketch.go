package telemetry

import (
	"math"
)

// SketchAccuracy is the relative accuracy of a Sketch's quantiles: the
// estimate of a quantile is within 1 % of the true value (DDSketch).
const SketchAccuracy = 0.01

// MaxSketchBuckets bounds the buckets of each side (positive, negative) of a
// Sketch. With 1 % accuracy, 2048 buckets cover a ratio of about 4·10¹⁷
// between the largest and the smallest magnitude on one side.
//
// The collapse rule: a side keeps the MaxSketchBuckets buckets ending at the
// highest index it has seen; every value of a lower index (a magnitude
// closer to zero) is counted in the lowest kept bucket. The kept range
// depends only on the largest magnitude seen, so the result does not depend
// on the order values arrive or sketches are merged. Quantiles that fall into
// the collapsed bucket lose their relative accuracy; the others keep it.
const MaxSketchBuckets = 2048

var (
	sketchGamma    = (1 + SketchAccuracy) / (1 - SketchAccuracy)
	sketchLogGamma = math.Log(sketchGamma)
)

// Sketch is a mergeable quantile sketch with relative accuracy (DDSketch
// with logarithmic buckets): bucket i counts magnitudes in
// (γ^(i-1), γ^i] with γ = (1+α)/(1-α). Negative values are counted by
// magnitude in Neg, zeros in Zero. Count, Zero, Min, Max and the buckets are
// exact and order-independent; Sum is a float64 sum.
type Sketch struct {
	Count int64   `json:"count"`
	Zero  int64   `json:"zero,omitempty"`
	Sum   float64 `json:"sum"`
	Min   float64 `json:"min"` // meaningful when Count > 0
	Max   float64 `json:"max"`
	Pos   Buckets `json:"pos"`
	Neg   Buckets `json:"neg"`
}

// Buckets is one side of a Sketch: Counts[j] is the count of bucket index
// Offset+j. The first and the last count are never zero.
type Buckets struct {
	Offset int32   `json:"offset"`
	Counts []int64 `json:"counts,omitempty"`
}

// The bucket indices finite non-zero float64 magnitudes map to; decoding
// refuses buckets outside them.
var (
	minSketchIndex = sketchIndex(math.SmallestNonzeroFloat64)
	maxSketchIndex = sketchIndex(math.MaxFloat64)
)

func sketchIndex(x float64) int32 { return int32(math.Ceil(math.Log(x) / sketchLogGamma)) }

// sketchValue is the value a bucket stands for: the point whose relative
// distance to both bucket bounds is α.
func sketchValue(i int32) float64 {
	return 2 * math.Exp(float64(i)*sketchLogGamma) / (1 + sketchGamma)
}

// Add counts x; values that are not finite are ignored (validation refuses
// them before they get here).
func (s *Sketch) Add(x float64) {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return
	}
	if s.Count == 0 {
		s.Min, s.Max = x, x
	} else {
		s.Min, s.Max = math.Min(s.Min, x), math.Max(s.Max, x)
	}
	s.Count++
	s.Sum += x
	switch {
	case x > 0:
		s.Pos.add(sketchIndex(x), 1)
	case x < 0:
		s.Neg.add(sketchIndex(-x), 1)
	default:
		s.Zero++
	}
}

// Merge adds the values counted in o.
func (s *Sketch) Merge(o *Sketch) {
	if o == nil || o.Count == 0 {
		return
	}
	if s.Count == 0 {
		s.Min, s.Max = o.Min, o.Max
	} else {
		s.Min, s.Max = math.Min(s.Min, o.Min), math.Max(s.Max, o.Max)
	}
	s.Count += o.Count
	s.Zero += o.Zero
	s.Sum += o.Sum
	s.Pos.merge(&o.Pos)
	s.Neg.merge(&o.Neg)
}

// Quantile estimates the value at rank ⌊q·(Count−1)⌋ of the sorted values,
// within SketchAccuracy of it (relative); false when the sketch is empty or
// q is outside [0, 1].
func (s *Sketch) Quantile(q float64) (float64, bool) {
	if s == nil || s.Count == 0 || !(q >= 0 && q <= 1) {
		return 0, false
	}
	rank := int64(q * float64(s.Count-1))
	var seen int64
	clamp := func(v float64) (float64, bool) { return math.Max(s.Min, math.Min(s.Max, v)), true }
	for j := len(s.Neg.Counts) - 1; j >= 0; j-- {
		seen += s.Neg.Counts[j]
		if seen > rank {
			return clamp(-sketchValue(s.Neg.Offset + int32(j)))
		}
	}
	seen += s.Zero
	if seen > rank {
		return clamp(0)
	}
	for j, c := range s.Pos.Counts {
		seen += c
		if seen > rank {
			return clamp(sketchValue(s.Pos.Offset + int32(j)))
		}
	}
	return s.Max, true
}

// Mean is Sum / Count; false when empty.
func (s *Sketch) Mean() (float64, bool) {
	if s == nil || s.Count == 0 {
		return 0, false
	}
	return s.Sum / float64(s.Count), true
}

func (b *Buckets) hi() int32 { return b.Offset + int32(len(b.Counts)) - 1 }

func (b *Buckets) add(i int32, n int64) {
	if len(b.Counts) == 0 {
		b.Offset, b.Counts = i, []int64{n}
		return
	}
	if hi := b.hi(); i > hi {
		if floor := i - MaxSketchBuckets + 1; floor > b.Offset {
			// The range moves up: fold what falls below the new floor
			// into it, without allocating the gap.
			kept := make([]int64, MaxSketchBuckets)
			for j, c := range b.Counts {
				kept[max(0, int(b.Offset-floor)+j)] += c
			}
			b.Offset, b.Counts = floor, kept
		} else {
			b.Counts = append(b.Counts, make([]int64, i-hi)...)
		}
	}
	if floor := b.hi() - MaxSketchBuckets + 1; i < floor {
		i = floor
	}
	if i < b.Offset {
		grown := make([]int64, int(b.Offset-i)+len(b.Counts))
		copy(grown[b.Offset-i:], b.Counts)
		b.Offset, b.Counts = i, grown
	}
	b.Counts[i-b.Offset] += n
}

func (b *Buckets) merge(o *Buckets) {
	// Highest first, so the range grows (and collapses) at most once.
	for j := len(o.Counts) - 1; j >= 0; j-- {
		if c := o.Counts[j]; c != 0 {
			b.add(o.Offset+int32(j), c)
		}
	}
}

func (b *Buckets) equal(o *Buckets) bool {
	if len(b.Counts) != len(o.Counts) {
		return false
	}
	if len(b.Counts) == 0 {
		return true
	}
	if b.Offset != o.Offset {
		return false
	}
	for j := range b.Counts {
		if b.Counts[j] != o.Counts[j] {
			return false
		}
	}
	return true
}

func (b *Buckets) total() int64 {
	var n int64
	for _, c := range b.Counts {
		n += c
	}
	return n
}

func (s *Sketch) equal(o *Sketch) bool {
	if s.Count != o.Count || s.Zero != o.Zero {
		return false
	}
	if s.Count == 0 {
		return true
	}
	scale := float64(s.Count) * math.Max(math.Abs(s.Min), math.Abs(s.Max))
	return s.Min == o.Min && s.Max == o.Max && nearScaled(s.Sum, o.Sum, scale) &&
		s.Pos.equal(&o.Pos) && s.Neg.equal(&o.Neg)
}

// floatTolerance is the relative tolerance Equal allows between float sums,
// which differ in their last bits with the order of addition.
const floatTolerance = 1e-9

// nearScaled reports whether a and b agree within floatTolerance of the
// larger of |a|, |b| and scale (a bound on the sum of the magnitudes added,
// so sums that cancel to nearly zero still compare sensibly).
func nearScaled(a, b, scale float64) bool {
	if a == b {
		return true
	}
	m := math.Max(math.Max(math.Abs(a), math.Abs(b)), math.Abs(scale))
	return math.Abs(a-b) <= floatTolerance*m
}

func near(a, b float64) bool { return nearScaled(a, b, 0) }
