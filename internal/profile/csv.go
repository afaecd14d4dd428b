package profile

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/atrium-mlops/atrium/internal/atrium"
	"github.com/atrium-mlops/atrium/internal/registry"
)

// lineReader hands out the input in complete records, in place in a buffer
// that grows to at most the record limit. A CSV record ends at a newline
// outside double quotes; a JSON line at any newline.
type lineReader struct {
	file      string
	format    string
	r         io.Reader
	buf       []byte
	pos, end  int
	eof       bool
	read      int64 // bytes consumed from r
	line      int64 // line number of the next record
	maxRecord int
	sniffed   bool
}

const readChunk = 256 << 10

func newLineReader(file, format string, r io.Reader, maxRecord int) *lineReader {
	return &lineReader{file: file, format: format, r: r, buf: make([]byte, min(readChunk*4, maxRecord+readChunk)), line: 1, maxRecord: maxRecord}
}

// fill reads more input after buf[pos:end], moving unread data to the front
// and growing the buffer when it is full. It reports false at end of input.
func (l *lineReader) fill() (bool, error) {
	if l.eof {
		return false, nil
	}
	if l.pos > 0 {
		n := copy(l.buf, l.buf[l.pos:l.end])
		l.pos, l.end = 0, n
	}
	if l.end == len(l.buf) {
		if len(l.buf) >= l.maxRecord+readChunk {
			return false, atrium.Errorf(atrium.TooLarge, "%s: line %d: a record is longer than %d bytes", l.file, l.line, l.maxRecord)
		}
		nb := make([]byte, min(2*len(l.buf), l.maxRecord+readChunk))
		copy(nb, l.buf[:l.end])
		l.buf = nb
	}
	added := 0
	for {
		n, err := l.r.Read(l.buf[l.end:])
		l.end += n
		added += n
		l.read += int64(n)
		if err == io.EOF {
			l.eof = true
		} else if err != nil {
			return false, atrium.Wrap(atrium.Invalid, err, "cannot read "+l.file)
		}
		if !l.sniffed && l.end < 4096 && !l.eof {
			continue // sniff before handing out the first record
		}
		if !l.sniffed {
			l.sniffed = true
			head := l.buf[:min(l.end, 64<<10)]
			if bytes.HasPrefix(head, []byte("\xef\xbb\xbf")) {
				l.pos = 3 // a UTF-8 byte-order mark
			}
			if err := sniff(l.file, l.format, head, l.eof); err != nil {
				return false, err
			}
		}
		if added > 0 || l.eof {
			return added > 0, nil
		}
	}
}

// next returns the next record without its line ending, valid until the
// following call, and how many lines it spans; io.EOF at the end.
func (l *lineReader) next(csvQuotes bool) ([]byte, int, error) {
	scan := l.pos
	quotes := 0
	lines := 1
	for {
		i := bytes.IndexByte(l.buf[scan:l.end], '\n')
		if i < 0 {
			if l.end-l.pos > l.maxRecord {
				return nil, 0, atrium.Errorf(atrium.TooLarge, "%s: line %d: a record is longer than %d bytes", l.file, l.line, l.maxRecord)
			}
			start := l.pos
			more, err := l.fill()
			if err != nil {
				return nil, 0, err
			}
			scan -= start - l.pos
			if more {
				continue
			}
			if l.pos == l.end {
				return nil, 0, io.EOF
			}
			if csvQuotes && (quotes+bytes.Count(l.buf[scan:l.end], []byte{'"'}))%2 == 1 {
				// A stray quote is the likelier mistake than a field left open:
				// say so when the record's first line shows one.
				first, _, _ := bytes.Cut(l.buf[l.pos:l.end], []byte{'\n'})
				sp := csvSplitter{maxField: l.maxRecord}
				if _, err := sp.split(trimCR(first)); err != nil && !errors.Is(err, errUnclosed) {
					return nil, 0, atrium.Errorf(atrium.Invalid, "%s: line %d: %v", l.file, l.line, err)
				}
				return nil, 0, atrium.Errorf(atrium.Invalid, "%s: line %d: a quoted field is not closed before the end of the file", l.file, l.line)
			}
			rec := l.buf[l.pos:l.end]
			l.pos = l.end
			return trimCR(rec), lines, nil
		}
		nl := scan + i
		if csvQuotes {
			quotes += bytes.Count(l.buf[scan:nl], []byte{'"'})
		}
		scan = nl + 1
		if quotes%2 == 0 {
			if nl-l.pos > l.maxRecord {
				return nil, 0, atrium.Errorf(atrium.TooLarge, "%s: line %d: a record is longer than %d bytes", l.file, l.line, l.maxRecord)
			}
			rec := l.buf[l.pos:nl]
			l.pos = nl + 1
			return trimCR(rec), lines, nil
		}
		lines++
	}
}

func trimCR(b []byte) []byte {
	if len(b) > 0 && b[len(b)-1] == '\r' {
		return b[:len(b)-1]
	}
	return b
}

// csvSplitter splits RFC 4180 records into fields, in place when a record
// has no quotes and into a reused buffer when it has.
type csvSplitter struct {
	fields   [][]byte
	offs     []int
	scratch  []byte
	maxField int
}

var errUnclosed = errors.New("a quoted field is not closed")

var errBareQuote = errors.New(`a " in a field that is not quoted (quote the field and double the "`)

func (s *csvSplitter) split(rec []byte) ([][]byte, error) {
	s.fields = s.fields[:0]
	if bytes.IndexByte(rec, '"') < 0 {
		for {
			i := bytes.IndexByte(rec, ',')
			if i < 0 {
				s.fields = append(s.fields, rec)
				break
			}
			s.fields = append(s.fields, rec[:i])
			rec = rec[i+1:]
		}
		for i, f := range s.fields {
			if len(f) > s.maxField {
				return nil, fmt.Errorf("field %d is longer than %d bytes", i+1, s.maxField)
			}
		}
		return s.fields, nil
	}
	s.scratch, s.offs = s.scratch[:0], s.offs[:0]
	i := 0
	for {
		start := len(s.scratch)
		if i < len(rec) && rec[i] == '"' {
			i++
			for {
				j := bytes.IndexByte(rec[i:], '"')
				if j < 0 {
					return nil, fmt.Errorf("field %d: %w", len(s.offs)/2+1, errUnclosed)
				}
				s.scratch = append(s.scratch, rec[i:i+j]...)
				i += j + 1
				if i < len(rec) && rec[i] == '"' {
					s.scratch = append(s.scratch, '"')
					i++
					continue
				}
				break
			}
			if i < len(rec) && rec[i] != ',' {
				return nil, fmt.Errorf("field %d: text after the closing quote", len(s.offs)/2+1)
			}
		} else {
			j := bytes.IndexByte(rec[i:], ',')
			if j < 0 {
				j = len(rec) - i
			}
			seg := rec[i : i+j]
			if bytes.IndexByte(seg, '"') >= 0 {
				return nil, fmt.Errorf("field %d: %w", len(s.offs)/2+1, errBareQuote)
			}
			s.scratch = append(s.scratch, seg...)
			i += j
		}
		if len(s.scratch)-start > s.maxField {
			return nil, fmt.Errorf("field %d is longer than %d bytes", len(s.offs)/2+1, s.maxField)
		}
		s.offs = append(s.offs, start, len(s.scratch))
		if i >= len(rec) {
			break
		}
		i++ // the comma
	}
	for k := 0; k < len(s.offs); k += 2 {
		s.fields = append(s.fields, s.scratch[s.offs[k]:s.offs[k+1]])
	}
	return s.fields, nil
}

func readCSV(ctx context.Context, file string, r io.Reader, opt Options) (*table, int64, error) {
	lr := newLineReader(file, "csv", r, opt.MaxRecord)
	sp := &csvSplitter{maxField: opt.MaxField}
	var header []byte
	var lines int
	var err error
	for { // the header is the first line that is not blank
		header, lines, err = lr.next(true)
		if err == io.EOF {
			return nil, 0, atrium.Errorf(atrium.Invalid, "%s is empty: a CSV file needs a header row", file)
		}
		if err != nil {
			return nil, 0, err
		}
		if len(header) > 0 {
			break
		}
		lr.line += int64(lines)
	}
	names, err := sp.split(header)
	if err != nil {
		return nil, 0, atrium.Errorf(atrium.Invalid, "%s: line %d (the header): %v", file, lr.line, err)
	}
	if len(names) > registry.MaxColumns {
		return nil, 0, atrium.Errorf(atrium.TooLarge, "%s: the header has %d columns, at most %d", file, len(names), registry.MaxColumns)
	}
	t := &table{}
	seen := make(map[string]int, len(names))
	for i, raw := range names {
		name := string(bytes.TrimSpace(raw))
		if name == "" {
			name = fmt.Sprintf("column_%d", i+1)
		}
		name, err := checkName(file, fmt.Sprintf("header column %d", i+1), name)
		if err != nil {
			return nil, 0, err
		}
		if j, dup := seen[name]; dup {
			return nil, 0, atrium.Errorf(atrium.Invalid, "%s: the header names column %q twice (columns %d and %d)", file, atrium.Truncate(name, 70), j, i+1)
		}
		seen[name] = i + 1
		t.cols = append(t.cols, newColumn(name, "", opt.Sample, len(names) > wideTable))
	}
	lr.line += int64(lines)
	for {
		rec, lines, err := lr.next(true)
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, 0, err
		}
		if len(rec) == 0 { // blank lines carry no row
			lr.line += int64(lines)
			continue
		}
		fields, err := sp.split(rec)
		if err != nil {
			return nil, 0, atrium.Errorf(atrium.Invalid, "%s: line %d: %v", file, lr.line, err)
		}
		if len(fields) != len(t.cols) {
			return nil, 0, atrium.Errorf(atrium.Invalid, "%s: line %d has %d fields, the header has %d", file, lr.line, len(fields), len(t.cols))
		}
		for i, f := range fields {
			t.cols[i].addText(f, false)
		}
		t.rows++
		lr.line += int64(lines)
		if t.rows%ctxEvery == 0 {
			if err := ctx.Err(); err != nil {
				return nil, 0, err
			}
		}
	}
	return t, lr.read, nil
}
