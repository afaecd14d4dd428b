package profile

import (
	"fmt"
	"io"
	"sync/atomic"
	"time"
)

// Progress counts the bytes a profiling run has read, safely from another
// goroutine, so that a caller can show how far it has got.
type Progress struct {
	read  atomic.Int64
	total atomic.Int64
}

// SetTotal records the size of the input, when known.
func (p *Progress) SetTotal(n int64) { p.total.Store(n) }

// Read returns the bytes read so far and the total (0 if unknown).
func (p *Progress) Read() (read, total int64) { return p.read.Load(), p.total.Load() }

// Reader wraps r so that what is read through it is counted.
func (p *Progress) Reader(r io.Reader) io.Reader { return &countingReader{r, p} }

type countingReader struct {
	r io.Reader
	p *Progress
}

func (c *countingReader) Read(b []byte) (int, error) {
	n, err := c.r.Read(b)
	c.p.read.Add(int64(n))
	return n, err
}

// ReaderAt wraps r so that what is read through it is counted. Formats that
// read some parts twice (Parquet's footer) may count past the total; Line
// caps the share at 100%.
func (p *Progress) ReaderAt(r io.ReaderAt) io.ReaderAt { return &countingReaderAt{r, p} }

type countingReaderAt struct {
	r io.ReaderAt
	p *Progress
}

func (c *countingReaderAt) ReadAt(b []byte, off int64) (int, error) {
	n, err := c.r.ReadAt(b, off)
	c.p.read.Add(int64(n))
	return n, err
}

// Line renders the progress after elapsed time: bytes read, rate and the
// time left at that rate.
func (p *Progress) Line(elapsed time.Duration) string {
	read, total := p.Read()
	if total > 0 && read > total {
		read = total
	}
	rate := 0.0
	if s := elapsed.Seconds(); s > 0 {
		rate = float64(read) / s
	}
	line := humanBytes(read)
	if total > 0 {
		line += fmt.Sprintf(" of %s (%.0f%%)", humanBytes(total), 100*float64(read)/float64(total))
	}
	line += fmt.Sprintf(", %.1f MB/s", rate/1e6)
	if total > 0 && rate > 0 {
		left := time.Duration(float64(total-read) / rate * float64(time.Second)).Round(time.Second)
		line += ", " + left.String() + " left"
	}
	return line
}

func humanBytes(n int64) string {
	switch {
	case n >= 1e9:
		return fmt.Sprintf("%.2f GB", float64(n)/1e9)
	case n >= 1e6:
		return fmt.Sprintf("%.1f MB", float64(n)/1e6)
	case n >= 1e3:
		return fmt.Sprintf("%.1f kB", float64(n)/1e3)
	}
	return fmt.Sprintf("%d B", n)
}
