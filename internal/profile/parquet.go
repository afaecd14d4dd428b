package profile

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
	"time"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/format"

	"github.com/atrium-mlops/atrium/internal/atrium"
	"github.com/atrium-mlops/atrium/internal/registry"
)

// parquetLeaf is how one Parquet leaf column's values are counted.
type parquetLeaf struct {
	col      *column
	kind     parquet.Kind
	timeUnit int64 // nanoseconds per unit for timestamps, per day for dates; 0 otherwise
	scale    float64
	unsigned bool
	optional bool
}

func readParquet(ctx context.Context, file string, r io.ReaderAt, size int64, opt Options) (p registry.Profile, schema []registry.Column, err error) {
	var head, tail [4]byte
	r.ReadAt(head[:], 0)
	if string(head[:]) != "PAR1" {
		return p, nil, atrium.Errorf(atrium.Invalid, "%s is not a Parquet file: %s", file, describe(readHead(r, size)))
	}
	if size < 12 {
		return p, nil, atrium.Errorf(atrium.Invalid, "%s is not a complete Parquet file: it has only %d bytes", file, size)
	}
	if _, err := r.ReadAt(tail[:], size-4); err != nil || string(tail[:]) != "PAR1" {
		return p, nil, atrium.Errorf(atrium.Invalid, "%s is not a complete Parquet file: it does not end with the Parquet signature (cut short?)", file)
	}
	if opt.Progress != nil {
		r = opt.Progress.ReaderAt(r)
	}
	// The library may panic on a damaged file; that is the file's fault, not
	// a reason to stop the program.
	defer func() {
		if e := recover(); e != nil {
			err = atrium.Errorf(atrium.Invalid, "%s is a damaged Parquet file (%v)", file, atrium.Truncate(fmt.Sprint(e), 200))
		}
	}()
	f, err := parquet.OpenFile(r, size, parquet.SkipPageIndex(true), parquet.SkipBloomFilters(true))
	if err != nil {
		return p, nil, atrium.Errorf(atrium.Invalid, "%s is not a valid Parquet file: %v", file, err)
	}
	paths := f.Schema().Columns()
	if len(paths) > registry.MaxColumns {
		return p, nil, atrium.Errorf(atrium.TooLarge, "%s has %d columns, at most %d", file, len(paths), registry.MaxColumns)
	}
	t := &table{rows: f.NumRows()}
	leaves := make([]parquetLeaf, len(paths))
	seen := map[string]bool{}
	for _, path := range paths {
		leaf, ok := f.Schema().Lookup(path...)
		if !ok {
			return p, nil, atrium.Errorf(atrium.Invalid, "%s: column %q is missing from the schema", file, strings.Join(path, "."))
		}
		name, err := checkName(file, fmt.Sprintf("column %d", leaf.ColumnIndex+1), strings.Join(path, "."))
		if err != nil {
			return p, nil, err
		}
		if seen[name] {
			return p, nil, atrium.Errorf(atrium.Invalid, "%s names column %q twice", file, atrium.Truncate(name, 70))
		}
		seen[name] = true
		l := parquetLeaf{kind: leaf.Node.Type().Kind(), optional: leaf.MaxDefinitionLevel > 0}
		fixed := registry.String
		switch l.kind {
		case parquet.Boolean:
			fixed = registry.Boolean
		case parquet.Int32, parquet.Int64:
			fixed = registry.Integer
		case parquet.Float, parquet.Double:
			fixed = registry.Number
		}
		if lt := leaf.Node.Type().LogicalType(); lt != nil {
			switch v := lt.Value.(type) {
			case *format.TimestampType:
				fixed = registry.Timestamp
				switch v.Unit.Value.(type) {
				case *format.MilliSeconds:
					l.timeUnit = 1e6
				case *format.MicroSeconds:
					l.timeUnit = 1e3
				default:
					l.timeUnit = 1
				}
			case *format.DateType:
				fixed, l.timeUnit = registry.Timestamp, 86400e9
			case *format.DecimalType:
				if l.kind == parquet.Int32 || l.kind == parquet.Int64 {
					fixed, l.scale = registry.Number, math.Pow10(-int(v.Scale))
				}
			case *format.IntType:
				l.unsigned = !v.IsSigned && v.BitWidth == 64
			}
		}
		l.col = newColumn(name, fixed, opt.Sample, len(paths) > wideTable)
		leaves[leaf.ColumnIndex] = l
		t.cols = append(t.cols, nil)
	}
	for i := range leaves {
		t.cols[i] = leaves[i].col
	}
	values := make([]parquet.Value, 1024)
	var text []byte
	for _, rg := range f.RowGroups() {
		for ci, chunk := range rg.ColumnChunks() {
			if err := ctx.Err(); err != nil {
				return p, nil, err
			}
			l := &leaves[ci]
			pages := chunk.Pages()
			for {
				page, err := pages.ReadPage()
				if errors.Is(err, io.EOF) {
					break
				}
				if err != nil {
					pages.Close()
					return p, nil, atrium.Errorf(atrium.Invalid, "%s: column %q: %v", file, atrium.Truncate(l.col.name, 70), err)
				}
				vr := page.Values()
				for {
					n, err := vr.ReadValues(values)
					for _, v := range values[:n] {
						text = l.add(v, text)
					}
					if errors.Is(err, io.EOF) {
						break
					}
					if err != nil {
						parquet.Release(page)
						pages.Close()
						return p, nil, atrium.Errorf(atrium.Invalid, "%s: column %q: %v", file, atrium.Truncate(l.col.name, 70), err)
					}
				}
				parquet.Release(page)
			}
			pages.Close()
		}
	}
	p, schema, err = t.result("parquet", size)
	if err == nil {
		for i := range schema {
			schema[i].Nullable = schema[i].Nullable || leaves[i].optional
		}
	}
	return p, schema, err
}

func (l *parquetLeaf) add(v parquet.Value, text []byte) []byte {
	c := l.col
	if v.IsNull() {
		c.addNull()
		return text
	}
	switch {
	case l.timeUnit != 0:
		var u int64
		if l.kind == parquet.Int32 {
			u = int64(v.Int32())
		} else {
			u = v.Int64()
		}
		c.addTime(u * l.timeUnit)
		if c.pii.sampled < c.pii.limit {
			text = time.Unix(0, u*l.timeUnit).UTC().AppendFormat(text[:0], time.RFC3339Nano)
			c.pii.add(text)
		}
		return text
	case l.scale != 0:
		var u int64
		if l.kind == parquet.Int32 {
			u = int64(v.Int32())
		} else {
			u = v.Int64()
		}
		c.addFloat(float64(u) * l.scale)
		return text
	}
	switch l.kind {
	case parquet.Boolean:
		c.addBool(v.Boolean())
	case parquet.Int32:
		c.addInt(int64(v.Int32()))
	case parquet.Int64:
		if l.unsigned && v.Uint64() > math.MaxInt64 {
			c.fixed = registry.Number
			c.addFloat(float64(v.Uint64()))
		} else {
			c.addInt(v.Int64())
		}
	case parquet.Float:
		c.addFloat(float64(v.Float()))
	case parquet.Double:
		c.addFloat(v.Double())
	case parquet.ByteArray, parquet.FixedLenByteArray:
		c.addBytes(v.ByteArray())
	default:
		text = append(text[:0], v.String()...)
		c.addBytes(text)
	}
	return text
}

// readHead returns up to 64 bytes from the start of r, for messages.
func readHead(r io.ReaderAt, size int64) []byte {
	b := make([]byte, min(size, 64))
	n, _ := r.ReadAt(b, 0)
	return bytes.Clone(b[:n])
}
