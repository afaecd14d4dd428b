package telemetry

import (
	"fmt"
	"hash/fnv"
	"math"
	"math/bits"
	"slices"
	"strings"
)

// MaxCategories is how many distinct values a Counts keeps for predicted
// labels and categorical features; MaxConfusion how many (actual, predicted)
// pairs the confusion counts keep.
const (
	MaxCategories = 64
	MaxConfusion  = 1024
)

// Counts are exact counts of at most a fixed number of distinct values;
// the counts of every other value are summed in Overflow.
//
// Which values are kept must not depend on the order they arrive in, or two
// replicas would disagree: Counts keeps the values whose 64-bit FNV-1a hash
// is smallest (ties by the value itself) — a uniform sample of the
// distinct values, and all of them while there are no more than the cap. A
// kept value's count is exact; a value is never kept with a partial count.
type Counts struct {
	Values   map[string]int64 `json:"values,omitempty"`
	Overflow int64            `json:"overflow,omitempty"`
}

func hashString(s string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(s))
	return mix64(h.Sum64())
}

// mix64 is the splitmix64 finaliser: FNV's low bits are weak, the HyperLogLog
// and the ordering both want every bit well mixed.
func mix64(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}

func (c *Counts) add(v string, n int64, limit int) {
	if c.Values == nil {
		c.Values = map[string]int64{}
	}
	if _, ok := c.Values[v]; ok {
		c.Values[v] += n
		return
	}
	c.Values[v] = n
	c.trim(limit)
}

// trim moves the values beyond the cap into Overflow.
func (c *Counts) trim(limit int) {
	if len(c.Values) <= limit {
		return
	}
	keys := make([]string, 0, len(c.Values))
	for k := range c.Values {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b string) int {
		ha, hb := hashString(a), hashString(b)
		if ha != hb {
			if ha < hb {
				return -1
			}
			return 1
		}
		return strings.Compare(a, b)
	})
	for _, k := range keys[limit:] {
		c.Overflow += c.Values[k]
		delete(c.Values, k)
	}
}

func (c *Counts) merge(o *Counts, limit int) {
	c.Overflow += o.Overflow
	if len(o.Values) == 0 {
		return
	}
	if c.Values == nil {
		c.Values = make(map[string]int64, len(o.Values))
	}
	for k, n := range o.Values {
		c.Values[k] += n
	}
	c.trim(limit)
}

// Total is the count of every value, kept or not.
func (c *Counts) Total() int64 {
	n := c.Overflow
	for _, v := range c.Values {
		n += v
	}
	return n
}

func (c *Counts) equal(o *Counts) bool {
	if c.Overflow != o.Overflow || len(c.Values) != len(o.Values) {
		return false
	}
	for k, v := range c.Values {
		if w, ok := o.Values[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// HLLPrecision is the precision of the distinct-subject counter: 2¹²
// registers, a standard error of about 1.6 %.
const HLLPrecision = 12

const hllRegisters = 1 << HLLPrecision

// HLL is a HyperLogLog counter of distinct values. Registers is empty until
// the first value, then has 2^HLLPrecision entries.
type HLL struct {
	Registers []byte `json:"registers,omitempty"`
}

// MarshalJSON writes the counter as what it estimates, {"distinct": n}:
// the 4 KiB of registers mean nothing to a reader of the API, and the
// store keeps them in the binary encoding.
func (h *HLL) MarshalJSON() ([]byte, error) {
	return fmt.Appendf(nil, `{"distinct":%d}`, h.Estimate()), nil
}

// Add counts s.
func (h *HLL) Add(s string) {
	if h.Registers == nil {
		h.Registers = make([]byte, hllRegisters)
	}
	x := hashString(s)
	idx := x >> (64 - HLLPrecision)
	rest := x<<HLLPrecision | 1<<(HLLPrecision-1) // a guard bit bounds the rank
	rank := byte(bits.LeadingZeros64(rest) + 1)
	if rank > h.Registers[idx] {
		h.Registers[idx] = rank
	}
}

// Merge takes the register-wise maximum.
func (h *HLL) Merge(o *HLL) {
	if o == nil || len(o.Registers) == 0 {
		return
	}
	if h.Registers == nil {
		h.Registers = make([]byte, hllRegisters)
	}
	for i, r := range o.Registers {
		if r > h.Registers[i] {
			h.Registers[i] = r
		}
	}
}

// Estimate is the estimated number of distinct values added.
func (h *HLL) Estimate() int64 {
	if h == nil || len(h.Registers) == 0 {
		return 0
	}
	m := float64(hllRegisters)
	var sum float64
	zeros := 0
	for _, r := range h.Registers {
		sum += 1 / float64(uint64(1)<<r)
		if r == 0 {
			zeros++
		}
	}
	e := 0.7213 / (1 + 1.079/m) * m * m / sum
	if e <= 2.5*m && zeros > 0 {
		e = m * math.Log(m/float64(zeros))
	}
	return int64(e + 0.5)
}

func (h *HLL) equal(o *HLL) bool {
	a, b := h.Registers, o.Registers
	if len(a) == 0 && len(b) == 0 {
		return true
	}
	if len(a) == 0 {
		a = make([]byte, hllRegisters)
	}
	if len(b) == 0 {
		b = make([]byte, hllRegisters)
	}
	return slices.Equal(a, b)
}
