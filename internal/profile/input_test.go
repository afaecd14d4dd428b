package profile

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strconv"
	"strings"
	"testing"

	"github.com/atrium-mlops/atrium/internal/atrium"
	"github.com/atrium-mlops/atrium/internal/registry"
)

func profileString(t *testing.T, format, data string, opt Options) (registry.Profile, error) {
	t.Helper()
	p, _, err := Read(context.Background(), "in."+format, strings.NewReader(data), format, opt)
	return p, err
}

func colOf(t *testing.T, p registry.Profile, name string) registry.ColumnProfile {
	t.Helper()
	for _, c := range p.Columns {
		if c.Name == name {
			return c
		}
	}
	t.Fatalf("no column %q in %+v", name, p.Columns)
	return registry.ColumnProfile{}
}

func TestCSVQuotingAndLineEndings(t *testing.T) {
	data := "\xef\xbb\xbfa,b,c\r\n" +
		`1,"x, y","he said ""hi"""` + "\r\n" +
		"\n" + // a blank line is no row
		`2,"multi` + "\n" + `line",` + "\n" +
		`3,,""` // no final newline
	p, err := profileString(t, "csv", data, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if p.Rows != 3 || len(p.Columns) != 3 || p.Columns[0].Name != "a" {
		t.Fatalf("rows %d columns %+v", p.Rows, p.Columns)
	}
	b := colOf(t, p, "b")
	if b.Count != 2 || b.Nulls != 1 {
		t.Errorf("b: %+v", b)
	}
	var tops []string
	for _, tv := range b.Top {
		tops = append(tops, tv.Value)
	}
	if strings.Join(tops, "|") != "multi line|x, y" { // newlines are shown as spaces
		t.Errorf("b top = %q", tops)
	}
	if c := colOf(t, p, "c"); c.Count != 1 || c.Nulls != 2 || c.Top[0].Value != `he said "hi"` {
		t.Errorf("c: %+v", c)
	}
}

func TestCSVHeaderNames(t *testing.T) {
	p, err := profileString(t, "csv", ",x,\n1,2,3\n", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if p.Columns[0].Name != "column_1" || p.Columns[2].Name != "column_3" {
		t.Errorf("names %+v", p.Columns)
	}
	if _, err := profileString(t, "csv", "a,b,a\n1,2,3\n", Options{}); err == nil || !strings.Contains(err.Error(), `names column "a" twice (columns 1 and 3)`) {
		t.Errorf("duplicate header: %v", err)
	}
}

func TestTypesAndNulls(t *testing.T) {
	data := "i,f,b,t,d,s,n,mixed\n" +
		"1,1.5,true,2024-01-02T03:04:05Z,2024-01-02,x,NA,1\n" +
		"-2,2e3,FALSE,2024-01-02T03:04:05.123+02:00,1999-12-31,y,null,2024-01-01\n" +
		" 3 ,,True,2024-01-02 03:04:05,2000-02-29,x,,x\n" +
		"NA,-.5,N/A,NULL,None,z,<NA>,\n"
	p, err := profileString(t, "csv", data, Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]registry.ColumnType{"i": registry.Integer, "f": registry.Number, "b": registry.Boolean,
		"t": registry.Timestamp, "d": registry.Timestamp, "s": registry.String, "n": registry.String, "mixed": registry.String}
	for name, typ := range want {
		if c := colOf(t, p, name); c.Type != typ {
			t.Errorf("%s: %s, want %s", name, c.Type, typ)
		}
	}
	i := colOf(t, p, "i")
	if i.Count != 3 || i.Nulls != 1 || *i.Min != -2 || *i.Max != 3 || !relClose(*i.Mean, 2.0/3, 1e-15) {
		t.Errorf("i: %+v", i)
	}
	if n := colOf(t, p, "n"); n.Count != 0 || n.Nulls != 4 || n.Min != nil {
		t.Errorf("n: %+v", n)
	}
	if b := colOf(t, p, "b"); b.Distinct != 2 || b.Top[0] != (registry.TopValue{Value: "true", Count: 2}) {
		t.Errorf("b: %+v", b)
	}
	// Not numbers: words ParseFloat knows, hexadecimal, underscores, overflow.
	for _, v := range []string{"inf", "Infinity", "0x10", "1_000", "1e999", "1.2.3", "--1", "e5", "."} {
		p, err := profileString(t, "csv", "v\n1\n"+v+"\n", Options{})
		if err != nil {
			t.Fatal(err)
		}
		if c := p.Columns[0]; c.Type.Numeric() {
			t.Errorf("%q made the column %s", v, c.Type)
		}
	}
	// Not timestamps.
	for _, v := range []string{"2024-02-30", "2023-02-29", "2024-13-01", "2024-01-01T25:00:00Z", "2024-01-01T10:00", "2024-01-01Tx", "20240101"} {
		if isTimestamp([]byte(v)) {
			t.Errorf("isTimestamp(%q)", v)
		}
	}
}

func TestCategorical(t *testing.T) {
	var b strings.Builder
	b.WriteString("c,u\n")
	for i := 0; i < 500; i++ {
		b.WriteString([]string{"red", "green", "blue"}[i%3] + ",v" + strings.Repeat("x", i%7) + string(rune('a'+i%26)) + "\n")
	}
	p, err := profileString(t, "csv", b.String(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if c := colOf(t, p, "c"); c.Type != registry.Categorical || c.Distinct != 3 || c.Top[0].Count != 167 {
		t.Errorf("c: %+v", c)
	}
	if u := colOf(t, p, "u"); u.Type != registry.String {
		t.Errorf("u (182 distinct of 500): %s", u.Type)
	}
}

func TestCSVErrors(t *testing.T) {
	cases := []struct{ name, data, want string }{
		{"empty", "", "is empty: a CSV file needs a header row"},
		{"blank", "\n\n", "is empty"},
		{"ragged", "a,b\n1,2\n3\n", "line 3 has 1 fields, the header has 2"},
		{"ragged after multi-line", "a,b\n\"x\ny\",2\n3,4,5\n", "line 4 has 3 fields"},
		{"bare quote", "a,b\n1,x\"y\n", `line 2: field 2: a " in a field that is not quoted`},
		{"after quote", "a,b\n1,\"x\"y\n", "line 2: field 2: text after the closing quote"},
		{"unclosed", "a,b\n1,\"x\n2,3\n", "line 2: a quoted field is not closed before the end of the file"},
		{"control in header", "a,b\x01\n1,2\n", "header column 2: column name contains a control character"},
		{"png", "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "is not a CSV file: it is a PNG image"},
		{"gzip", "\x1f\x8b\x08\x00", "gzip-compressed"},
		{"parquet", "PAR1\x15\x04", "it is a Parquet file"},
		{"nul", "a,b\n1,\x002\n", "binary data (a NUL byte at offset 6)"},
		{"latin-1", "name\nJos\xe9\n", "not UTF-8 text (an invalid byte at offset 8)"},
		{"too many columns", strings.Repeat("c,", registry.MaxColumns) + "c\n", "the header has 2001 columns, at most 2000"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := profileString(t, "csv", tc.data, Options{})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want it to contain %q", err, tc.want)
			}
			if !strings.HasPrefix(err.Error(), "in.csv") {
				t.Errorf("error %q does not name the file", err)
			}
			if k := atrium.KindOf(err); k != atrium.Invalid && k != atrium.TooLarge {
				t.Errorf("kind %s", k)
			}
		})
	}
}

func TestRecordLimits(t *testing.T) {
	opt := Options{MaxField: 100, MaxRecord: 1000}
	long := strings.Repeat("x", 101)
	for _, data := range []string{"a,b\n1," + long + "\n", "a,b\n1,\"" + long + "\"\n"} {
		_, err := profileString(t, "csv", data, opt)
		if err == nil || !strings.Contains(err.Error(), "line 2: field 2 is longer than 100 bytes") {
			t.Errorf("long field: %v", err)
		}
	}
	// A record (or a runaway quoted field) longer than the limit stops the
	// read without buffering the rest of the input.
	huge := &repeatReader{prefix: "a,b\n1,\"", fill: 'x', n: 50 << 20}
	_, _, err := Read(context.Background(), "in.csv", huge, "csv", opt)
	if err == nil || !strings.Contains(err.Error(), "line 2: a record is longer than 1000 bytes") || atrium.KindOf(err) != atrium.TooLarge {
		t.Errorf("huge record: %v", err)
	}
	if huge.read > 1<<20 {
		t.Errorf("read %d bytes of a record it should have given up on", huge.read)
	}
	_, _, err = Read(context.Background(), "in.jsonl", &repeatReader{prefix: `{"a":"`, fill: 'x', n: 50 << 20}, "jsonl", opt)
	if err == nil || !strings.Contains(err.Error(), "line 1: a record is longer than 1000 bytes") {
		t.Errorf("huge line: %v", err)
	}
}

// repeatReader yields a prefix and then n copies of one byte.
type repeatReader struct {
	prefix string
	fill   byte
	n      int
	read   int
}

func (r *repeatReader) Read(b []byte) (int, error) {
	if r.read >= len(r.prefix)+r.n {
		return 0, io.EOF
	}
	k := 0
	for k < len(b) && r.read < len(r.prefix)+r.n {
		if r.read < len(r.prefix) {
			b[k] = r.prefix[r.read]
		} else {
			b[k] = r.fill
		}
		k++
		r.read++
	}
	return k, nil
}

func TestJSONL(t *testing.T) {
	data := `{"a": 1, "b": {"c": "x", "d": {"e": true}}, "arr": [1, 2]}` + "\n" +
		"\n" +
		`{"a": 2.5, "b": {"c": null}, "z": "new"}` + "\r\n" +
		`{"a": null, "b": {"c": "123"}, "arr": [], "z": ""}`
	p, err := profileString(t, "jsonl", data, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, c := range p.Columns {
		names = append(names, c.Name)
	}
	if strings.Join(names, ",") != "a,b.c,b.d.e,arr,z" || p.Rows != 3 {
		t.Fatalf("rows %d columns %v", p.Rows, names)
	}
	a := colOf(t, p, "a")
	if a.Type != registry.Number || a.Count != 2 || a.Nulls != 1 || *a.Mean != 1.75 {
		t.Errorf("a: %+v", a)
	}
	if c := colOf(t, p, "b.c"); c.Type != registry.String || c.Count != 2 || c.Nulls != 1 {
		t.Errorf("b.c (a JSON string of digits stays a string): %+v", c)
	}
	if e := colOf(t, p, "b.d.e"); e.Type != registry.Boolean || e.Count != 1 || e.Nulls != 2 {
		t.Errorf("b.d.e: %+v", e)
	}
	if arr := colOf(t, p, "arr"); arr.Count != 2 || arr.Nulls != 1 || arr.Top[0].Value != "[1, 2]" && arr.Top[1].Value != "[1, 2]" {
		t.Errorf("arr: %+v", arr)
	}
	if z := colOf(t, p, "z"); z.Count != 1 || z.Nulls != 2 {
		t.Errorf("z (absent in row 1, empty in row 3): %+v", z)
	}
}

func TestJSONLErrors(t *testing.T) {
	cases := []struct{ name, data, want string }{
		{"array file", `[{"a":1},{"a":2}]`, "line 1 is not a JSON object (a file that is one JSON array is not JSON Lines)"},
		{"scalar line", "{\"a\":1}\n42\n", "line 2 is not a JSON object"},
		{"broken", "{\"a\":1}\n{\"a\":\n", "line 2: invalid JSON"},
		{"trailing", "{\"a\":1} {\"a\":2}\n", "line 1: text after the end of the object"},
		{"duplicate", "{\"a\":1,\"a\":2}\n", `line 1: key "a" appears twice`},
		{"flattened duplicate", "{\"a.b\":1,\"a\":{\"b\":2}}\n", `key "a.b" appears twice`},
		{"deep", strings.Repeat(`{"a":`, 20) + "1" + strings.Repeat("}", 20) + "\n", "objects nest more than 16 deep"},
		{"no objects", "\n\n", "has no JSON objects"},
		{"png", "\x89PNG\r\n\x1a\n", "is not a JSON Lines file: it is a PNG image"},
		{"empty key", "{\"\":1}\n", "column name is required"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := profileString(t, "jsonl", tc.data, Options{})
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "in.jsonl") {
				t.Fatalf("error %v, want it to contain %q", err, tc.want)
			}
		})
	}
	var b strings.Builder
	b.WriteString("{")
	for i := 0; i <= registry.MaxColumns; i++ {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString(`"k` + strings.Repeat("x", i%3) + string(rune('a'+i%26)) + strconv.Itoa(i) + `":1`)
	}
	b.WriteString("}\n")
	if _, err := profileString(t, "jsonl", b.String(), Options{}); err == nil || !strings.Contains(err.Error(), "more than 2000 distinct keys") {
		t.Errorf("too many keys: %v", err)
	}
}

func TestFileFormats(t *testing.T) {
	ctx := context.Background()
	csvPath := writeTemp(t, "data.parquet", []byte("a,b\n1,2\n"))
	if _, _, err := File(ctx, csvPath, Options{}); err == nil || !strings.Contains(err.Error(), `data.parquet is not a Parquet file: it starts like text: "a,b"`) {
		t.Errorf("CSV named .parquet: %v", err)
	}
	if p, _, err := File(ctx, csvPath, Options{Format: "csv"}); err != nil || p.Rows != 1 {
		t.Errorf("with --format csv: %v", err)
	}
	cut := writeTemp(t, "cut.parquet", []byte("PAR1\x15\x00\x15\x00\x15\x00"))
	if _, _, err := File(ctx, cut, Options{}); err == nil || !strings.Contains(err.Error(), "not a complete Parquet file") {
		t.Errorf("cut Parquet: %v", err)
	}
	junk := writeTemp(t, "junk.parquet", append(append([]byte("PAR1"), bytes.Repeat([]byte{0xAB}, 100)...), []byte("\x10\x00\x00\x00PAR1")...))
	if _, _, err := File(ctx, junk, Options{}); err == nil || !strings.Contains(err.Error(), "junk.parquet is") {
		t.Errorf("junk Parquet: %v", err)
	}
	png := writeTemp(t, "img.parquet", []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00"))
	if _, _, err := File(ctx, png, Options{}); err == nil || !strings.Contains(err.Error(), "is not a Parquet file: it is a PNG image") {
		t.Errorf("PNG named .parquet: %v", err)
	}
	txt := writeTemp(t, "data.txt", []byte("a\n1\n"))
	if _, _, err := File(ctx, txt, Options{}); err == nil || !strings.Contains(err.Error(), "cannot tell the format") {
		t.Errorf(".txt: %v", err)
	}
	if _, _, err := File(ctx, txt, Options{Format: "xlsx"}); err == nil || atrium.KindOf(err) != atrium.Invalid {
		t.Errorf("bad format: %v", err)
	}
	if _, _, err := File(ctx, t.TempDir(), Options{Format: "csv"}); err == nil || !strings.Contains(err.Error(), "is a directory") {
		t.Errorf("directory: %v", err)
	}
}

func TestCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var b strings.Builder
	b.WriteString("a\n")
	for i := 0; i < 3*ctxEvery; i++ {
		b.WriteString("1\n")
	}
	_, _, err := Read(ctx, "in.csv", strings.NewReader(b.String()), "csv", Options{})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v", err)
	}
}

func TestExtremeNumbers(t *testing.T) {
	p, err := profileString(t, "csv", "v\n1.7e308\n-1.7e308\n1e308\n", Options{})
	if err != nil {
		t.Fatal(err)
	}
	c := p.Columns[0]
	if c.Type != registry.Number || *c.Min != -1.7e308 || *c.Max != 1.7e308 || c.Std != nil || c.Histogram != nil {
		t.Errorf("%+v", c)
	}
	p, err = profileString(t, "csv", "v\n5\n", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if c := p.Columns[0]; c.Std != nil || *c.Mean != 5 || len(c.Histogram) != 1 || c.Histogram[0].Count != 1 {
		t.Errorf("one value: %+v", c)
	}
}

func TestJSONScanner(t *testing.T) {
	good := `{"s": "caf\u00e9 \ud83d\ude00 \"q\" \\ \/ \n", "n": -0.5e+3, "z": 0, "t": true, "f": false, "x": null, ` +
		`"arr": [1, "two", {"k": [null, true]}, []], "o": {}, "e": {"deep": {"er": 1}}}`
	p, err := profileString(t, "jsonl", "  "+good+"  \n", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if s := colOf(t, p, "s"); s.Top[0].Value != `café 😀 "q" \ /` {
		t.Errorf("unescaped %q", s.Top[0].Value)
	}
	if n := colOf(t, p, "n"); *n.Min != -500 {
		t.Errorf("n = %v", *n.Min)
	}
	if a := colOf(t, p, "arr"); a.Top[0].Value != `[1, "two", {"k": [null, true]}, []]` {
		t.Errorf("arr = %q", a.Top[0].Value)
	}
	colOf(t, p, "e.deep.er")
	for _, bad := range []string{
		`{"a": 01}`, `{"a": 1.}`, `{"a": -}`, `{"a": .5}`, `{"a": 1e}`, `{"a": tru}`, `{"a": nul}`, `{"a": "x\q"}`,
		`{"a": "\u12"}`, "{\"a\": \"x\ty\"}", `{"a": "open}`, `{"a" 1}`, `{"a": 1,}`, `{a: 1}`, `{"a": [1,]}`, `{"a": [1 2]}`,
		`{"a": 1`, `{"a": 'x'}`, `{"a": NaN}`, `{"a": [` + strings.Repeat("[", 70) + strings.Repeat("]", 71) + `}`,
	} {
		if _, err := profileString(t, "jsonl", bad+"\n", Options{}); err == nil || !strings.Contains(err.Error(), "line 1") {
			t.Errorf("%s: error %v", bad, err)
		}
	}
}
