package profile

import (
	"bytes"
	"sort"
)

// topCapacity is the number of counters of the heavy-hitters table. The
// Space-Saving algorithm (Metwally, Agrawal and El Abbadi, 2005) with m
// counters over n values overestimates a count by at most n/m, and any value
// occurring more than n/m times is in the table; with 128 counters and fewer
// than 128 distinct values every count is exact.
const topCapacity = 128

// topValueBytes bounds what one counter keeps of its value; longer values are
// counted by their full hash but shown truncated.
const topValueBytes = 256

type topEntry struct {
	hash  uint64
	value []byte
	long  bool // value was truncated
	count int64
	err   int64 // the count inherited from the evicted entry (upper bound of overestimate)
	index int   // position in the heap
}

// spaceSaving is the Space-Saving heavy-hitters table, keyed by value hash
// so that counting a value already in the table allocates nothing.
type spaceSaving struct {
	byHash map[uint64]*topEntry
	heap   topHeap // min-heap by count
	n      int64
}

func newSpaceSaving() *spaceSaving {
	return &spaceSaving{byHash: make(map[uint64]*topEntry, topCapacity)}
}

func (s *spaceSaving) add(h uint64, v []byte) {
	s.n++
	if e, ok := s.byHash[h]; ok {
		e.count++
		s.heap.down(e.index) // a count only grows, so the entry can only sink
		return
	}
	if len(s.heap) < topCapacity {
		e := &topEntry{hash: h, count: 1}
		e.set(v)
		s.byHash[h] = e
		e.index = len(s.heap)
		s.heap = append(s.heap, e)
		s.heap.up(e.index)
		return
	}
	e := s.heap[0] // the least counted entry gives way
	delete(s.byHash, e.hash)
	e.hash, e.err = h, e.count
	e.count++
	e.set(v)
	s.byHash[h] = e
	s.heap.down(0)
}

func (e *topEntry) set(v []byte) {
	e.long = len(v) > topValueBytes
	if e.long {
		v = v[:topValueBytes]
	}
	e.value = append(e.value[:0], v...)
}

// top returns up to n entries, most frequent first (ties by value). An
// entry that inherited a count from an evicted one is shown only when it is
// sure to occur at least twice: in a column of mostly unique values the
// table holds no information, and shows none.
func (s *spaceSaving) top(n int) []*topEntry {
	out := make([]*topEntry, 0, len(s.heap))
	for _, e := range s.heap {
		if e.err == 0 || e.count-e.err >= 2 {
			out = append(out, e)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].count != out[j].count {
			return out[i].count > out[j].count
		}
		return bytes.Compare(out[i].value, out[j].value) < 0
	})
	if len(out) > n {
		out = out[:n]
	}
	return out
}

// topHeap is a min-heap of entries by count, written out rather than
// through container/heap: this is the profiler's hottest loop.
type topHeap []*topEntry

func (h topHeap) down(i int) {
	n := len(h)
	e := h[i]
	for {
		l := 2*i + 1
		if l >= n {
			break
		}
		c := l
		if r := l + 1; r < n && h[r].count < h[l].count {
			c = r
		}
		if h[c].count >= e.count {
			break
		}
		h[i] = h[c]
		h[i].index = i
		i = c
	}
	h[i] = e
	e.index = i
}

func (h topHeap) up(i int) {
	e := h[i]
	for i > 0 {
		p := (i - 1) / 2
		if h[p].count <= e.count {
			break
		}
		h[i] = h[p]
		h[i].index = i
		i = p
	}
	h[i] = e
	e.index = i
}
