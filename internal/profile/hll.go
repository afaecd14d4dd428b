package profile

import (
	"encoding/binary"
	"math"
	"math/bits"
)

// hash64 is a fast, seedless 64-bit hash for distinct counting and the
// heavy-hitters table: 8 bytes at a time, finished with the MurmurHash3
// 64-bit finaliser so that every input bit affects every output bit.
func hash64(b []byte) uint64 {
	const (
		p1 = 0x9E3779B185EBCA87
		p2 = 0xC2B2AE3D27D4EB4F
	)
	h := uint64(len(b))*p1 + 0x165667B19E3779F9
	for len(b) >= 8 {
		k := binary.LittleEndian.Uint64(b) * p2
		h ^= bits.RotateLeft64(k, 31) * p1
		h = bits.RotateLeft64(h, 27)*p1 + 0x85EBCA77C2B2AE63
		b = b[8:]
	}
	if len(b) > 0 {
		var k uint64
		for i := len(b) - 1; i >= 0; i-- {
			k = k<<8 | uint64(b[i])
		}
		h ^= bits.RotateLeft64(k*p2, 31) * p1
		h = bits.RotateLeft64(h, 27) * p1
	}
	return fmix64(h)
}

func fmix64(h uint64) uint64 {
	h ^= h >> 33
	h *= 0xFF51AFD7ED558CCD
	h ^= h >> 33
	h *= 0xC4CEB9FE1A85EC53
	h ^= h >> 33
	return h
}

// hllPrecision is the number of hash bits that pick a register: 2^14 one-byte
// registers (16 KiB per column) give a standard error of 1.04/√16384 ≈ 0.81%.
// Tables wider than wideTable columns use hllPrecisionWide, 2^12 registers
// (4 KiB, standard error 1.6%), to keep their memory down.
const (
	hllPrecision     = 14
	hllPrecisionWide = 12
	wideTable        = 256
)

// hll is a HyperLogLog distinct-count sketch over 64-bit hashes, estimated
// with Ertl's improved estimator ("New cardinality estimation algorithms for
// HyperLogLog sketches", 2017), which needs no empirical bias tables and is
// accurate from one distinct value to billions.
type hll struct {
	p   uint
	reg []uint8
}

func newHLL(p uint) *hll { return &hll{p: p, reg: make([]uint8, 1<<p)} }

func (s *hll) add(h uint64) {
	i := h >> (64 - s.p)
	w := h<<s.p | 1<<(s.p-1) // guard bit bounds the count at 64-p+1
	r := uint8(bits.LeadingZeros64(w)) + 1
	if r > s.reg[i] {
		s.reg[i] = r
	}
}

// estimate returns the estimated number of distinct hashes added.
func (s *hll) estimate() float64 {
	q := 64 - int(s.p)
	m := float64(len(s.reg))
	var c [64 + 2]float64
	for _, r := range s.reg {
		c[r]++
	}
	z := m * hllTau(1-c[q+1]/m)
	for k := q; k >= 1; k-- {
		z = 0.5 * (z + c[k])
	}
	z += m * hllSigma(c[0]/m)
	return m * m / (2 * math.Ln2) / z
}

func hllSigma(x float64) float64 {
	if x == 1 {
		return math.Inf(1)
	}
	y, z := 1.0, x
	for {
		x *= x
		prev := z
		z += x * y
		y += y
		if z == prev {
			return z
		}
	}
}

func hllTau(x float64) float64 {
	if x == 0 || x == 1 {
		return 0
	}
	y, z := 1.0, 1-x
	for {
		x = math.Sqrt(x)
		prev := z
		y *= 0.5
		z -= (1 - x) * (1 - x) * y
		if z == prev {
			return z / 3
		}
	}
}
