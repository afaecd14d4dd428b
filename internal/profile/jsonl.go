package profile

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"

	"github.com/atrium-mlops/atrium/internal/atrium"
	"github.com/atrium-mlops/atrium/internal/registry"
)

// maxDepth bounds how deeply JSON objects nest before they are flattened.
const maxDepth = 16

type jsonlReader struct {
	file    string
	t       *table
	index   map[string]int
	seen    []int64 // the row each column last had a value in
	row     int64
	line    int64
	opt     Options
	scratch []byte
}

func readJSONL(ctx context.Context, file string, r io.Reader, opt Options) (*table, int64, error) {
	lr := newLineReader(file, "jsonl", r, opt.MaxRecord)
	j := &jsonlReader{file: file, t: &table{sample: opt.Sample}, index: map[string]int{}, opt: opt}
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
		if err := j.object(rec, "", 0); err != nil {
			return nil, 0, err
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

// object walks one JSON object, flattening nested objects into dotted
// column names ("address.city"); arrays are kept as their JSON text.
func (j *jsonlReader) object(data []byte, prefix string, depth int) error {
	if depth > maxDepth {
		return j.fail("objects nest more than %d deep", maxDepth)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if _, err := dec.Token(); err != nil {
		return j.fail("invalid JSON: %v", err)
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return j.fail("invalid JSON: %v", err)
		}
		key, _ := tok.(string)
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return j.fail("invalid JSON: %v", err)
		}
		name := prefix + key
		if len(raw) > j.opt.MaxField {
			return j.fail("the value of %q is longer than %d bytes", atrium.Truncate(name, 70), j.opt.MaxField)
		}
		if raw[0] == '{' {
			if err := j.object(raw, name+".", depth+1); err != nil {
				return err
			}
			continue
		}
		c, err := j.column(name)
		if err != nil {
			return err
		}
		switch raw[0] {
		case '"':
			var s string
			if err := json.Unmarshal(raw, &s); err != nil {
				return j.fail("invalid JSON string in %q: %v", atrium.Truncate(name, 70), err)
			}
			j.scratch = append(j.scratch[:0], s...)
			c.addText(j.scratch, true)
		case 'n':
			c.addNull()
		case '[':
			c.addText(raw, true)
		default: // numbers, true and false
			c.addText(raw, false)
		}
	}
	if _, err := dec.Token(); err != nil {
		return j.fail("invalid JSON: %v", err)
	}
	if depth == 0 && dec.More() {
		return j.fail("text after the end of the object")
	}
	if depth == 0 {
		if _, err := dec.Token(); err != io.EOF {
			return j.fail("text after the end of the object")
		}
	}
	return nil
}

// column finds or adds the column for name and marks it present in this row.
func (j *jsonlReader) column(name string) (*column, error) {
	i, ok := j.index[name]
	if !ok {
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
		return nil, j.fail("key %q appears twice in the object", atrium.Truncate(name, 70))
	}
	j.seen[i] = j.row
	return j.t.cols[i], nil
}
