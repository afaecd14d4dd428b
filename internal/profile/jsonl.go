package profile

import (
	"bytes"
	"context"
	"fmt"
	"io"

	"github.com/atrium-mlops/atrium/internal/atrium"
	"github.com/atrium-mlops/atrium/internal/registry"
)

// maxDepth bounds how deeply JSON objects nest before they are flattened.
const maxDepth = 16

type jsonlReader struct {
	file  string
	t     *table
	index map[string]int
	seen  []int64 // the row each column last had a value in
	row   int64
	line  int64
	opt   Options
	key   []byte // the dotted name of the value being read
}

func readJSONL(ctx context.Context, file string, r io.Reader, opt Options) (*table, int64, error) {
	lr := newLineReader(file, "jsonl", r, opt.MaxRecord)
	j := &jsonlReader{file: file, t: &table{}, index: map[string]int{}, opt: opt}
	var scan jsonScan
	for {
		rec, _, err := lr.next(false)
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, 0, err
		}
		j.line = lr.line
		lr.line++
		rec = bytes.TrimSpace(rec)
		if len(rec) == 0 {
			continue
		}
		if rec[0] != '{' {
			what := "a JSON object"
			if rec[0] == '[' && j.t.rows == 0 {
				what += " (a file that is one JSON array is not JSON Lines)"
			}
			return nil, 0, atrium.Errorf(atrium.Invalid, "%s: line %d is not %s: it starts with %q", file, j.line, what, atrium.Truncate(string(rec), 20))
		}
		j.row++
		scan.b, scan.i = rec, 0
		if err := j.object(&scan, 0, 0); err != nil {
			return nil, 0, err
		}
		if scan.ws(); scan.i < len(rec) {
			return nil, 0, j.fail("text after the end of the object")
		}
		for i, c := range j.t.cols {
			if j.seen[i] != j.row {
				c.addNull()
			}
		}
		j.t.rows++
		if j.t.rows%ctxEvery == 0 {
			if err := ctx.Err(); err != nil {
				return nil, 0, err
			}
		}
	}
	if j.t.rows == 0 {
		return nil, 0, atrium.Errorf(atrium.Invalid, "%s has no JSON objects", file)
	}
	return j.t, lr.read, nil
}

func (j *jsonlReader) fail(format string, args ...any) error {
	return atrium.Errorf(atrium.Invalid, "%s: line %d: %s", j.file, j.line, fmt.Sprintf(format, args...))
}

// object walks one JSON object starting at s's position, flattening nested
// objects into dotted column names ("address.city"); arrays are kept as
// their JSON text. prefix is the dotted name so far, in j.key.
func (j *jsonlReader) object(s *jsonScan, prefix int, depth int) error {
	if depth > maxDepth {
		return j.fail("objects nest more than %d deep", maxDepth)
	}
	s.i++ // '{'
	s.ws()
	if s.peek() == '}' {
		s.i++
		return nil
	}
	for {
		s.ws()
		if s.peek() != '"' {
			return j.fail("%v", s.errorf("expected a key"))
		}
		key, err := s.str()
		if err != nil {
			return j.fail("%v", err)
		}
		j.key = append(j.key[:prefix], key...)
		s.ws()
		if s.peek() != ':' {
			return j.fail("%v", s.errorf("expected ':' after a key"))
		}
		s.i++
		s.ws()
		start := s.i
		switch ch := s.peek(); {
		case ch == '{':
			j.key = append(j.key, '.')
			if err := j.object(s, len(j.key), depth+1); err != nil {
				return err
			}
		case ch == '"':
			v, err := s.str()
			if err != nil {
				return j.fail("%v", err)
			}
			c, err := j.column()
			if err != nil {
				return err
			}
			if len(v) > j.opt.MaxField {
				return j.fail("the value of %q is longer than %d bytes", atrium.Truncate(c.name, 70), j.opt.MaxField)
			}
			c.addText(v, true)
		case ch == '[':
			if err := s.skip(0); err != nil {
				return j.fail("%v", err)
			}
			c, err := j.column()
			if err != nil {
				return err
			}
			if s.i-start > j.opt.MaxField {
				return j.fail("the value of %q is longer than %d bytes", atrium.Truncate(c.name, 70), j.opt.MaxField)
			}
			c.addText(s.b[start:s.i], true)
		case ch == 'n':
			if err := s.literal("null"); err != nil {
				return j.fail("%v", err)
			}
			c, err := j.column()
			if err != nil {
				return err
			}
			c.addNull()
		case ch == 't' || ch == 'f':
			word := "true"
			if ch == 'f' {
				word = "false"
			}
			if err := s.literal(word); err != nil {
				return j.fail("%v", err)
			}
			c, err := j.column()
			if err != nil {
				return err
			}
			c.addText(s.b[start:s.i], false)
		default:
			v, err := s.number()
			if err != nil {
				return j.fail("%v", err)
			}
			c, err := j.column()
			if err != nil {
				return err
			}
			c.addText(v, false)
		}
		s.ws()
		switch s.peek() {
		case ',':
			s.i++
		case '}':
			s.i++
			return nil
		default:
			return j.fail("%v", s.errorf("expected ',' or '}'"))
		}
	}
}

// column finds or adds the column named j.key and marks it present in this
// row.
func (j *jsonlReader) column() (*column, error) {
	i, ok := j.index[string(j.key)]
	if !ok {
		name := string(j.key)
		if len(j.t.cols) >= registry.MaxColumns {
			return nil, atrium.Errorf(atrium.TooLarge, "%s: line %d: more than %d distinct keys", j.file, j.line, registry.MaxColumns)
		}
		checked, err := checkName(j.file, fmt.Sprintf("line %d", j.line), name)
		if err != nil {
			return nil, err
		}
		if checked != name {
			return nil, j.fail("key %q has surrounding spaces", atrium.Truncate(name, 70))
		}
		i = len(j.t.cols)
		j.index[name] = i
		c := newColumn(name, "", j.opt.Sample, len(j.t.cols) >= wideTable)
		c.nulls = j.t.rows // absent from every earlier row
		j.t.cols = append(j.t.cols, c)
		j.seen = append(j.seen, 0)
	}
	if j.seen[i] == j.row {
		return nil, j.fail("key %q appears twice in the object", atrium.Truncate(string(j.key), 70))
	}
	j.seen[i] = j.row
	return j.t.cols[i], nil
}
