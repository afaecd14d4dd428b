package profile

import (
	"math"
	"slices"
	"sort"
)

// kllK sets the size and accuracy of the quantile sketch. With k = 200 the
// sketch keeps about 3k values (≈ 25 KiB) however long the column, and a
// value it reports for quantile q has a true rank within q ± 0.02 (with
// high probability; typical errors are below 0.01). Until a column has more
// values than the sketch holds, nothing is compacted and results are exact.
const kllK = 200

// kllRankError is the rank error the documentation and tests hold the
// quantile sketch to.
const kllRankError = 0.02

// kll is a KLL quantile sketch (Karnin, Lang and Liberty, "Optimal Quantile
// Approximation in Streams", 2016) in its simple lazy form: a stack of
// compactors whose capacities shrink by 2/3 per level downward; a full
// compactor sorts its values and promotes every other one (odd or even
// positions, chosen at random) to the level above, where each value weighs
// twice as much.
type kll struct {
	levels  [][]float64
	caps    []int // capacity of each level, recomputed when a level is added
	size    int
	maxSize int
	rng     uint64 // xorshift state: deterministic, so a profile is reproducible
}

// kllMinCapacity is the smallest a level's compactor may be. Without a
// floor the lowest levels of a long column hold 2–5 values, and the sketch
// compacts every few values (the profiler's hottest path after the
// heavy hitters). A floor of 32 keeps at most a few hundred more values
// (under 2 KiB a column), which cannot make the estimate worse, and made
// CSV profiling 10–15% faster (docs/benchmarks.md, "Dataset profiling").
const kllMinCapacity = 32

func newKLL() *kll {
	s := &kll{rng: 0x9E3779B97F4A7C15}
	s.grow()
	return s
}

func (s *kll) capacity(h int) int { return s.caps[h] }

func (s *kll) grow() {
	s.levels = append(s.levels, nil)
	s.caps = s.caps[:0]
	s.maxSize = 0
	for h := range s.levels {
		depth := len(s.levels) - h - 1
		c := max(int(math.Ceil(math.Pow(2.0/3.0, float64(depth))*kllK))+1, kllMinCapacity)
		s.caps = append(s.caps, c)
		s.maxSize += c
	}
}

func (s *kll) add(v float64) {
	s.levels[0] = append(s.levels[0], v)
	s.size++
	if s.size >= s.maxSize {
		s.compress()
	}
}

func (s *kll) coin() int {
	s.rng ^= s.rng << 13
	s.rng ^= s.rng >> 7
	s.rng ^= s.rng << 17
	return int(s.rng >> 63)
}

func (s *kll) compress() {
	for h := 0; h < len(s.levels); h++ {
		if len(s.levels[h]) < s.capacity(h) {
			continue
		}
		if h+1 >= len(s.levels) {
			s.grow()
		}
		lv := s.levels[h]
		slices.Sort(lv)
		n := len(lv) &^ 1 // an odd value out stays at this level
		for i := s.coin(); i < n; i += 2 {
			s.levels[h+1] = append(s.levels[h+1], lv[i])
		}
		keep := lv[n:]
		s.levels[h] = append(lv[:0], keep...)
		s.size = 0
		for _, l := range s.levels {
			s.size += len(l)
		}
		return
	}
}

// weighted is a value the sketch retains and how many values it stands for.
type weighted struct {
	v float64
	w int64
}

// sorted returns the retained values in ascending order with their weights,
// and the total weight (the number of values added).
func (s *kll) sorted() ([]weighted, int64) {
	var out []weighted
	var total int64
	for h, lv := range s.levels {
		w := int64(1) << h
		for _, v := range lv {
			out = append(out, weighted{v, w})
			total += w
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].v < out[j].v })
	return out, total
}

// quantile returns the smallest retained value whose cumulative weight
// reaches q of the total (the lower empirical quantile).
func quantileOf(items []weighted, total int64, q float64) float64 {
	if len(items) == 0 {
		return math.NaN()
	}
	target := q * float64(total)
	var cum int64
	for _, it := range items {
		cum += it.w
		if float64(cum) >= target {
			return it.v
		}
	}
	return items[len(items)-1].v
}
