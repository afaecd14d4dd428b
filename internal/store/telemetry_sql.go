package store

import (
	"strings"
	"sync"
)

// Bulk statements for telemetry. Rows go in as multi-row statements of a
// power-of-two number of rows, like tracking metrics (tracking_log.go): a
// handful of statement texts cover every batch, and the writer keeps each
// prepared, so none is parsed twice. IN lists are padded to a power of two
// (repeating their last value) for the same reason.

// maxTelemetryChunk is the most rows one statement carries: 17 values a row
// (a prediction on SQLite) stay under SQLite's 32,766 bound parameters.
const maxTelemetryChunk = 1024

// bulkSQL is the text of a statement over n rows of cols values each:
// head, then "(row), (row), …" where each row is rowFmt with its $N
// placeholders numbered from the row's first, then tail.
type bulkSQL struct {
	head, tail string
	row        []string // the row's text around its placeholders: len = cols+1
	offset     int      // placeholders before the rows'
}

// newBulk makes a bulkSQL from a row template in which "?" stands for each
// value, e.g. "(?, ?, CAST(? AS INTEGER))".
func newBulk(head, row, tail string) *bulkSQL {
	return &bulkSQL{head: head, tail: tail, row: strings.Split(row, "?")}
}

func (b *bulkSQL) cols() int { return len(b.row) - 1 }

var bulkTexts sync.Map // bulkKey → string

type bulkKey struct {
	b *bulkSQL
	n int
}

// text returns the statement for n rows, built once.
func (b *bulkSQL) text(n int) string {
	if s, ok := bulkTexts.Load(bulkKey{b, n}); ok {
		return s.(string)
	}
	var s strings.Builder
	s.WriteString(b.head)
	p := 1 + b.offset
	for i := range n {
		if i > 0 {
			s.WriteString(", ")
		}
		for j, part := range b.row {
			s.WriteString(part)
			if j < len(b.row)-1 {
				s.WriteByte('$')
				s.WriteString(itoa(p))
				p++
			}
		}
	}
	s.WriteString(b.tail)
	bulkTexts.Store(bulkKey{b, n}, s.String())
	return s.String()
}

func itoa(n int) string {
	var buf [20]byte
	i := len(buf)
	for {
		i--
		buf[i] = byte('0' + n%10)
		n /= 10
		if n == 0 {
			return string(buf[i:])
		}
	}
}

// chunkDown calls fn for consecutive chunks [lo, hi) of n items whose sizes
// are powers of two, largest first, none over max: for inserts, where every
// row must be a distinct item.
func chunkDown(n, max int, fn func(lo, hi int) error) error {
	for lo := 0; lo < n; {
		size := max
		for size > n-lo {
			size /= 2
		}
		if err := fn(lo, lo+size); err != nil {
			return err
		}
		lo += size
	}
	return nil
}

// chunkUp calls fn for consecutive chunks [lo, hi) of n items, each at most
// max, with the size of the statement to use: hi-lo rounded up to a power of
// two. For IN lists, whose last value can be repeated.
func chunkUp(n, max int, fn func(lo, hi, size int) error) error {
	for lo := 0; lo < n; lo += max {
		hi := min(n, lo+max)
		size := 1
		for size < hi-lo {
			size *= 2
		}
		if err := fn(lo, hi, size); err != nil {
			return err
		}
	}
	return nil
}
