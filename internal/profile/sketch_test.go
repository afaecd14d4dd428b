package profile

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"io"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestHLLAccuracy(t *testing.T) {
	for _, tc := range []struct {
		p   uint
		tol float64
	}{{hllPrecision, distinctTolerance}, {hllPrecisionWide, 2 * distinctTolerance}} {
		testHLL(t, tc.p, tc.tol)
	}
}

func testHLL(t *testing.T, p uint, tol float64) {
	for _, n := range []int{0, 1, 2, 10, 100, 1000, 10000, 30000, 100000, 1000000} {
		s := newHLL(p)
		var k [8]byte
		for i := 0; i < n; i++ {
			binary.LittleEndian.PutUint64(k[:], uint64(i)*2654435761)
			h := hash64(k[:])
			s.add(h)
			s.add(h) // repeats change nothing
		}
		got := s.estimate()
		if n == 0 {
			if got != 0 {
				t.Errorf("empty sketch estimates %g", got)
			}
			continue
		}
		if rel := math.Abs(got-float64(n)) / float64(n); rel > tol || (p == hllPrecision && n <= 100 && math.Round(got) != float64(n)) {
			t.Errorf("p=%d n=%d: estimate %.1f (%.2f%% off)", p, n, got, 100*rel)
		}
	}
}

// exactRank returns the share of sorted values ≤ v and < v.
func exactRank(sorted []float64, v float64) (lo, hi float64) {
	i, _ := slices.BinarySearch(sorted, v)
	j := i
	for j < len(sorted) && sorted[j] == v {
		j++
	}
	return float64(i) / float64(len(sorted)), float64(j) / float64(len(sorted))
}

func TestKLLRankError(t *testing.T) {
	const n = 300000
	rng := rand.New(rand.NewPCG(1, 2))
	streams := map[string]func(i int) float64{
		"uniform":   func(int) float64 { return rng.Float64() },
		"ascending": func(i int) float64 { return float64(i) },
		"desc":      func(i int) float64 { return float64(n - i) },
		"lognormal": func(int) float64 { return math.Exp(3 * rng.NormFloat64()) },
		"few":       func(int) float64 { return float64(rng.IntN(5)) },
	}
	for name, gen := range streams {
		s := newKLL()
		vals := make([]float64, n)
		for i := range vals {
			vals[i] = gen(i)
			s.add(vals[i])
		}
		slices.Sort(vals)
		items, total := s.sorted()
		if total != n {
			t.Fatalf("%s: total weight %d", name, total)
		}
		if len(items) > 3*kllK+200 {
			t.Errorf("%s: sketch keeps %d values", name, len(items))
		}
		worst := 0.0
		for q := 0.01; q < 1; q += 0.01 {
			v := quantileOf(items, total, q)
			lo, hi := exactRank(vals, v)
			err := 0.0
			if q < lo {
				err = lo - q
			} else if q > hi {
				err = q - hi
			}
			worst = math.Max(worst, err)
		}
		if worst > kllRankError {
			t.Errorf("%s: worst rank error %.4f, bound %.2f", name, worst, kllRankError)
		}
		t.Logf("%s: %d values kept, worst rank error %.4f", name, len(items), worst)
	}
}

func TestSpaceSaving(t *testing.T) {
	s := newSpaceSaving()
	rng := rand.New(rand.NewPCG(3, 4))
	exact := map[string]int64{}
	const n = 200000
	for i := 0; i < n; i++ {
		var v string
		if rng.IntN(2) == 0 { // half the stream is a few heavy values
			v = string(rune('a' + rng.IntN(5)))
		} else {
			v = "u" + strings.Repeat("x", rng.IntN(3)) + string(rune('A'+rng.IntN(26))) + string(rune('0'+i%10)) + string(rune(i))
		}
		exact[v]++
		b := []byte(v)
		s.add(hash64(b), b)
	}
	top := s.top(10)
	if len(top) != 5 {
		t.Errorf("top has %d sure entries, want the 5 heavy values", len(top))
	}
	for _, e := range top {
		want := exact[string(e.value)]
		if e.count < want || e.count > want+n/topCapacity {
			t.Errorf("%q counted %d, exact %d", e.value, e.count, want)
		}
	}
	long := []byte(strings.Repeat("é", 300))
	s2 := newSpaceSaving()
	s2.add(hash64(long), long)
	if e := s2.top(1)[0]; !e.long || len(e.value) != topValueBytes {
		t.Errorf("long value kept as %d bytes", len(e.value))
	}
	if v := displayValue(s2.top(1)[0].value, true); !strings.HasSuffix(v, "…") {
		t.Errorf("display %q", v)
	}
}

func FuzzCSV(f *testing.F) {
	for _, s := range []string{"a,b\n1,2\n", "a\n\"x\"\"y\"\n", "a,b\r\n\"1\n2\",3\r\n", "\xef\xbb\xbfa\n1", "a,a\n", ",\n,\n", "a\n\"", "a\nx\"y\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data string) {
		p, _, err := Read(context.Background(), "f.csv", strings.NewReader(data), "csv", Options{MaxField: 64, MaxRecord: 256})
		if err == nil {
			if err := p.Check(); err != nil {
				t.Fatalf("profile fails Check: %v", err)
			}
		} else if !strings.HasPrefix(err.Error(), "f.csv") {
			t.Fatalf("error does not name the file: %v", err)
		}
	})
}

func FuzzJSONL(f *testing.F) {
	for _, s := range []string{`{"a":1}`, "{\"a\":{\"b\":[1,2]},\"c\":null}\n{\"a\":2}", `[1]`, `{"a":"\u0000"}`, "{\"a\":1}\n\n{\"b\":true}"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data string) {
		p, _, err := Read(context.Background(), "f.jsonl", strings.NewReader(data), "jsonl", Options{MaxField: 64, MaxRecord: 256})
		if err == nil {
			if err := p.Check(); err != nil {
				t.Fatalf("profile fails Check: %v", err)
			}
			// What the scanner accepts, encoding/json must find valid.
			for _, line := range strings.Split(data, "\n") {
				if strings.TrimSpace(line) != "" && !json.Valid([]byte(line)) {
					t.Fatalf("accepted invalid JSON %q", line)
				}
			}
		} else if !strings.HasPrefix(err.Error(), "f.jsonl") {
			t.Fatalf("error does not name the file: %v", err)
		}
	})
}

func TestProgressLine(t *testing.T) {
	p := &Progress{}
	p.SetTotal(200e6)
	r := p.Reader(strings.NewReader(strings.Repeat("x", 50e6)))
	io.Copy(io.Discard, r)
	if got, want := p.Line(5*time.Second), "50.0 MB of 200.0 MB (25%), 10.0 MB/s, 15s left"; got != want {
		t.Errorf("line %q, want %q", got, want)
	}
	q := &Progress{}
	if got := q.Line(0); got != "0 B, 0.0 MB/s" {
		t.Errorf("empty line %q", got)
	}
}
