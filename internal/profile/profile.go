// Package profile computes a dataset's profile — row count, per-column type,
// nulls, distinct values, numeric summaries, quantiles, histograms, frequent
// values and PII suggestions — from CSV, JSON Lines or Parquet, in one
// streaming pass and bounded memory. docs/profiling.md describes the
// sketches and their error bounds.
package profile

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"github.com/atrium-mlops/atrium/internal/atrium"
	"github.com/atrium-mlops/atrium/internal/registry"
)

// Default limits.
const (
	DefaultMaxField  = 1 << 20 // one CSV field or JSON value
	DefaultMaxRecord = 8 << 20 // one CSV record or JSON line
)

// Options tune a profiling run. The zero value is ready to use.
type Options struct {
	Format    string    // csv, jsonl or parquet; "" takes it from the file name
	Progress  *Progress // counts bytes read, if set
	Sample    int       // values per column the PII check looks at (DefaultSample)
	MaxField  int       // bytes in one field (DefaultMaxField)
	MaxRecord int       // bytes in one record or line (DefaultMaxRecord)
}

func (o *Options) defaults() {
	if o.Sample <= 0 {
		o.Sample = DefaultSample
	}
	if o.MaxField <= 0 {
		o.MaxField = DefaultMaxField
	}
	if o.MaxRecord <= 0 {
		o.MaxRecord = DefaultMaxRecord
	}
	if o.MaxField > o.MaxRecord {
		o.MaxField = o.MaxRecord
	}
}

// FormatOf returns the format a file name's extension says, or "".
func FormatOf(name string) string {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".csv":
		return "csv"
	case ".jsonl", ".ndjson":
		return "jsonl"
	case ".parquet", ".pq":
		return "parquet"
	}
	return ""
}

// File profiles the file at path. It returns the profile and the schema the
// profile implies (column names, types, whether nulls occur).
func File(ctx context.Context, path string, opt Options) (registry.Profile, []registry.Column, error) {
	opt.defaults()
	format := opt.Format
	if format == "" {
		format = FormatOf(path)
	}
	switch format {
	case "csv", "jsonl", "parquet":
	case "":
		return registry.Profile{}, nil, atrium.Errorf(atrium.Invalid, "%s: cannot tell the format from the file name; give one of csv, jsonl or parquet", path)
	default:
		return registry.Profile{}, nil, atrium.Errorf(atrium.Invalid, "format must be csv, jsonl or parquet (got %q)", atrium.Truncate(format, 40))
	}
	f, err := os.Open(path)
	if err != nil {
		return registry.Profile{}, nil, atrium.Wrap(atrium.Invalid, err, "cannot open the dataset file")
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return registry.Profile{}, nil, atrium.Wrap(atrium.Invalid, err, "cannot read the dataset file")
	}
	if st.IsDir() {
		return registry.Profile{}, nil, atrium.Errorf(atrium.Invalid, "%s is a directory, not a dataset file", path)
	}
	if opt.Progress != nil {
		opt.Progress.SetTotal(st.Size())
	}
	if format == "parquet" {
		return readParquet(ctx, path, f, st.Size(), opt)
	}
	var r io.Reader = f
	if opt.Progress != nil {
		r = opt.Progress.Reader(f)
	}
	return Read(ctx, path, r, format, opt)
}

// Read profiles a CSV or JSON Lines stream; name labels errors.
func Read(ctx context.Context, name string, r io.Reader, format string, opt Options) (registry.Profile, []registry.Column, error) {
	opt.defaults()
	var t *table
	var n int64
	var err error
	switch format {
	case "csv":
		t, n, err = readCSV(ctx, name, r, opt)
	case "jsonl":
		t, n, err = readJSONL(ctx, name, r, opt)
	default:
		return registry.Profile{}, nil, atrium.Errorf(atrium.Invalid, "format must be csv or jsonl to read a stream (got %q)", atrium.Truncate(format, 40))
	}
	if err != nil {
		return registry.Profile{}, nil, err
	}
	return t.result(format, n)
}

// table is the columns of a dataset being profiled.
type table struct {
	cols []*column
	rows int64
}

func (t *table) result(format string, bytes int64) (registry.Profile, []registry.Column, error) {
	p := registry.Profile{Rows: t.rows, Bytes: bytes, Format: format, Columns: make([]registry.ColumnProfile, 0, len(t.cols))}
	schema := make([]registry.Column, 0, len(t.cols))
	for _, c := range t.cols {
		cp := c.result()
		p.Columns = append(p.Columns, cp)
		schema = append(schema, registry.Column{Name: cp.Name, Type: cp.Type, Nullable: cp.Nulls > 0})
	}
	if err := p.Check(); err != nil {
		return registry.Profile{}, nil, atrium.Wrap(atrium.Internal, err, "the profile came out invalid")
	}
	return p, schema, nil
}

// checkName validates a column name from a file.
func checkName(file string, where string, name string) (string, error) {
	v, err := atrium.CheckText("column name", name, 200, true, false)
	if err != nil {
		return "", atrium.Errorf(atrium.Invalid, "%s: %s: %s", file, where, atrium.MessageOf(err))
	}
	return v, nil
}

// magic lists file signatures that show a file is not text.
var magic = []struct{ prefix, what string }{
	{"\x89PNG\r\n\x1a\n", "a PNG image"},
	{"\xff\xd8\xff", "a JPEG image"},
	{"GIF87a", "a GIF image"},
	{"GIF89a", "a GIF image"},
	{"%PDF-", "a PDF document"},
	{"PK\x03\x04", "a ZIP archive (or an Excel/OpenDocument file)"},
	{"\x1f\x8b", "gzip-compressed; decompress it first"},
	{"\x28\xb5\x2f\xfd", "zstd-compressed; decompress it first"},
	{"BZh", "bzip2-compressed; decompress it first"},
	{"\xfd7zXZ\x00", "xz-compressed; decompress it first"},
	{"PAR1", "a Parquet file"},
	{"ARROW1", "an Arrow file"},
	{"\x7fELF", "an executable"},
	{"SQLite format 3\x00", "an SQLite database"},
	{"\xd0\xcf\x11\xe0", "an old Microsoft Office file"},
}

// sniff rejects a stream that is not the text format it claims to be, from
// its first bytes: known binary signatures, NUL bytes, invalid UTF-8.
func sniff(file, format string, head []byte, eof bool) error {
	for _, m := range magic {
		if bytes.HasPrefix(head, []byte(m.prefix)) {
			return atrium.Errorf(atrium.Invalid, "%s is not %s: it is %s", file, formatName(format), m.what)
		}
	}
	if i := bytes.IndexByte(head, 0); i >= 0 {
		return atrium.Errorf(atrium.Invalid, "%s is not %s: it contains binary data (a NUL byte at offset %d)", file, formatName(format), i)
	}
	check := head
	if !eof { // a rune may be cut at the end of what was read
		for k := 0; k < utf8.UTFMax && len(check) > 0 && !utf8.RuneStart(check[len(check)-1]); k++ {
			check = check[:len(check)-1]
		}
		if len(check) > 0 && check[len(check)-1] >= 0x80 {
			check = check[:len(check)-1]
		}
	}
	if !utf8.Valid(check) {
		off := 0
		for off < len(check) {
			r, n := utf8.DecodeRune(check[off:])
			if r == utf8.RuneError && n <= 1 {
				break
			}
			off += n
		}
		return atrium.Errorf(atrium.Invalid, "%s is not %s: it is not UTF-8 text (an invalid byte at offset %d); convert it to UTF-8 first", file, formatName(format), off)
	}
	return nil
}

func formatName(format string) string {
	switch format {
	case "csv":
		return "a CSV file"
	case "jsonl":
		return "a JSON Lines file"
	case "parquet":
		return "a Parquet file"
	}
	return format
}

// describe says briefly what some bytes look like, for error messages.
func describe(head []byte) string {
	for _, m := range magic {
		if bytes.HasPrefix(head, []byte(m.prefix)) {
			return "it is " + m.what
		}
	}
	if len(head) == 0 {
		return "it is empty"
	}
	if bytes.IndexByte(head, 0) < 0 && utf8.Valid(head[:min(len(head), 64)]) {
		line, _, _ := bytes.Cut(head, []byte("\n"))
		return fmt.Sprintf("it starts like text: %q", atrium.Truncate(string(line), 40))
	}
	return "it does not start with the Parquet signature"
}

// ctxEvery is how many records pass between checks for cancellation.
const ctxEvery = 4096
