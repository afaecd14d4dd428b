package ingest

import (
	"errors"
	"fmt"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// A small JSON reader over the known shapes of events. encoding/json
// decoding into map[string]any spent most of its time in reflection and in
// boxing every value; events have a fixed outer shape and flat inner
// objects, so a hand-written reader that knows them does the same work with
// a fraction of the allocations (BenchmarkDecode). It is strict JSON (RFC
// 8259): what it accepts encoding/json accepts too (FuzzDecode checks).

// maxDepth bounds how deeply an event may nest objects and arrays, counting
// the event itself as 1. Events are shallow (an object of flat objects);
// the bound keeps a hostile body of a million brackets cheap to refuse.
const maxDepth = 8

// errTooDeep is how an item nested past maxDepth is refused.
var errTooDeep = fmt.Errorf("nested deeper than %d levels; an event is an object of flat objects", maxDepth)

// reader reads JSON values from b starting at i.
type reader struct {
	b []byte
	i int
	// scratch holds a string with escapes while it is decoded.
	scratch []byte
	// names keeps the short strings read so far (feature names, segment
	// values, model names), each with its boxed form: the events of one
	// batch repeat them, and sharing one copy saves two allocations each.
	names map[string]name
	// pairs collects an object's members before its map is made at its
	// final size.
	pairs []pair
}

type name struct {
	s   string
	any any
}

type pair struct {
	k string
	v any
}

// Bounds of the shared names: a body of unique strings must not make the
// table large, and a long string is rarely repeated.
const (
	maxNames   = 4096
	maxNameLen = 64
)

// intern returns b as a string, shared with earlier equal strings.
func (r *reader) intern(b []byte) name {
	if len(b) > maxNameLen {
		s := string(b)
		return name{s, s}
	}
	if n, ok := r.names[string(b)]; ok {
		return n
	}
	s := string(b)
	n := name{s, s}
	if r.names == nil {
		r.names = make(map[string]name, 64)
	}
	if len(r.names) < maxNames {
		r.names[s] = n
	}
	return n
}

// internStr reads a string and shares it (see intern).
func (r *reader) internStr() (name, error) {
	b, err := r.rawString()
	if err != nil {
		return name{}, err
	}
	return r.intern(b), nil
}

// smallInts holds the boxed float64 values of 0 … 1023, so that the whole
// numbers features usually are (ages, counts, flags) need no allocation.
var smallInts = func() (t [1024]any) {
	for i := range t {
		t[i] = float64(i)
	}
	return t
}()

// boxFloat returns f as an any.
func boxFloat(f float64) any {
	if f >= 0 && f < float64(len(smallInts)) && f == float64(int(f)) && !(f == 0 && 1/f < 0) {
		return smallInts[int(f)]
	}
	return f
}

// isSpace reports JSON whitespace.
func isSpace(c byte) bool { return c == ' ' || c == '\n' || c == '\t' || c == '\r' }

func (r *reader) ws() {
	for r.i < len(r.b) && isSpace(r.b[r.i]) {
		r.i++
	}
}

// peek returns the next non-space byte, or 0 at the end.
func (r *reader) peek() byte {
	r.ws()
	if r.i >= len(r.b) {
		return 0
	}
	return r.b[r.i]
}

// found describes the next byte for an error message.
func (r *reader) found() string {
	if r.i >= len(r.b) {
		return "the end"
	}
	c := r.b[r.i]
	if c >= 0x20 && c < 0x7f {
		return fmt.Sprintf("%q", rune(c))
	}
	return fmt.Sprintf("byte 0x%02x", c)
}

// expect consumes c after optional spaces.
func (r *reader) expect(c byte) error {
	if r.peek() != c {
		return fmt.Errorf("expected %q, found %s", rune(c), r.found())
	}
	r.i++
	return nil
}

// rawString reads a string and returns its contents, a view into b when it
// has no escapes (valid until b changes) and otherwise into r.scratch
// (valid until the next string).
func (r *reader) rawString() ([]byte, error) {
	if r.peek() != '"' {
		return nil, fmt.Errorf("expected a string, found %s", r.found())
	}
	r.i++
	start := r.i
	ascii := true
	for r.i < len(r.b) {
		c := r.b[r.i]
		switch {
		case c == '"':
			s := r.b[start:r.i]
			r.i++
			if !ascii && !utf8.Valid(s) {
				return nil, errors.New("a string is not valid UTF-8")
			}
			return s, nil
		case c == '\\':
			return r.escaped(start)
		case c < 0x20:
			return nil, errors.New("a string holds a control character; escape it (\\n, \\u0001)")
		case c >= 0x80:
			ascii = false
		}
		r.i++
	}
	return nil, errors.New("a string is not closed")
}

// escaped finishes a string that has an escape at r.i, begun at start.
func (r *reader) escaped(start int) ([]byte, error) {
	out := append(r.scratch[:0], r.b[start:r.i]...)
	for r.i < len(r.b) {
		c := r.b[r.i]
		switch {
		case c == '"':
			r.i++
			r.scratch = out
			if !utf8.Valid(out) {
				return nil, errors.New("a string is not valid UTF-8")
			}
			return out, nil
		case c < 0x20:
			return nil, errors.New("a string holds a control character; escape it (\\n, \\u0001)")
		case c != '\\':
			out = append(out, c)
			r.i++
			continue
		}
		if r.i+1 >= len(r.b) {
			break
		}
		e := r.b[r.i+1]
		r.i += 2
		switch e {
		case '"', '\\', '/':
			out = append(out, e)
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			c1, ok := r.hex4()
			if !ok {
				return nil, errors.New(`a \u escape needs four hex digits`)
			}
			ch := rune(c1)
			if utf16.IsSurrogate(ch) {
				// A high surrogate must be followed by its low half;
				// a lone one becomes U+FFFD, as encoding/json does.
				ch = utf8.RuneError
				if r.i+1 < len(r.b) && r.b[r.i] == '\\' && r.b[r.i+1] == 'u' {
					save := r.i
					r.i += 2
					c2, ok := r.hex4()
					if !ok {
						return nil, errors.New(`a \u escape needs four hex digits`)
					}
					if d := utf16.DecodeRune(rune(c1), rune(c2)); d != utf8.RuneError {
						ch = d
					} else {
						r.i = save
					}
				}
			}
			out = utf8.AppendRune(out, ch)
		default:
			return nil, fmt.Errorf(`a string has an unknown escape \%c`, e)
		}
	}
	return nil, errors.New("a string is not closed")
}

func (r *reader) hex4() (uint16, bool) {
	if r.i+4 > len(r.b) {
		return 0, false
	}
	var v uint16
	for _, c := range r.b[r.i : r.i+4] {
		var d byte
		switch {
		case c >= '0' && c <= '9':
			d = c - '0'
		case c >= 'a' && c <= 'f':
			d = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			d = c - 'A' + 10
		default:
			return 0, false
		}
		v = v<<4 | uint16(d)
	}
	r.i += 4
	return v, true
}

// str reads a string into a new Go string.
func (r *reader) str() (string, error) {
	b, err := r.rawString()
	return string(b), err
}

// numberToken reads the text of a JSON number.
func (r *reader) numberToken() ([]byte, error) {
	r.ws()
	start := r.i
	b := r.b
	i := r.i
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && b[i] >= '1' && b[i] <= '9':
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
	default:
		r.i = i
		return nil, r.notANumber(start)
	}
	if i < len(b) && b[i] == '.' {
		i++
		d := i
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
		if i == d {
			return nil, errors.New("a number has no digits after its decimal point")
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		d := i
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
		if i == d {
			return nil, errors.New("a number has no digits in its exponent")
		}
	}
	r.i = i
	return b[start:i], nil
}

// notANumber explains what stands where a number should.
func (r *reader) notANumber(start int) error {
	r.i = start
	if w := r.word(); w != "" {
		switch w {
		case "NaN", "-NaN", "Infinity", "-Infinity", "+Infinity", "inf", "-inf", "nan":
			return fmt.Errorf("%s is not a JSON number; JSON has no NaN or infinity, send null when there is no value", w)
		}
		return fmt.Errorf("expected a number, found %s", w)
	}
	return fmt.Errorf("expected a number, found %s", r.found())
}

// word returns the run of letters, digits and signs at r.i, for messages.
func (r *reader) word() string {
	j := r.i
	for j < len(r.b) && j-r.i < 20 {
		c := r.b[j]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '+' || c == '.') {
			break
		}
		j++
	}
	return string(r.b[r.i:j])
}

// number reads a JSON number as a float64. A number too large for one
// (1e999) is refused rather than stored as an infinity.
func (r *reader) number() (float64, error) {
	tok, err := r.numberToken()
	if err != nil {
		return 0, err
	}
	return parseNumber(tok)
}

func parseNumber(tok []byte) (float64, error) {
	// Integers of up to 15 digits are exact in a float64: the common
	// case (counts, ids, ages) skips strconv.
	if len(tok) <= 16 {
		neg := tok[0] == '-'
		digits := tok
		if neg {
			digits = tok[1:]
		}
		var v int64
		fast := len(digits) <= 15
		for _, c := range digits {
			if c < '0' || c > '9' {
				fast = false
				break
			}
			v = v*10 + int64(c-'0')
		}
		if fast {
			if neg {
				if v == 0 {
					return negZero, nil
				}
				return -float64(v), nil
			}
			return float64(v), nil
		}
	}
	f, err := strconv.ParseFloat(string(tok), 64)
	if err != nil {
		return 0, fmt.Errorf("%s is too large for a 64-bit floating-point number", truncate(tok, 40))
	}
	return f, nil
}

var negZero = func() float64 { z := 0.0; return -z }()

func truncate(b []byte, n int) string {
	if len(b) > n {
		return string(b[:n]) + "…"
	}
	return string(b)
}

// literal reads true, false or null; it returns 1, 0 or -1.
func (r *reader) literal() (int, bool) {
	b := r.b[r.i:]
	switch {
	case len(b) >= 4 && string(b[:4]) == "true":
		r.i += 4
		return 1, true
	case len(b) >= 5 && string(b[:5]) == "false":
		r.i += 5
		return 0, true
	case len(b) >= 4 && string(b[:4]) == "null":
		r.i += 4
		return -1, true
	}
	return 0, false
}

// null consumes a null if one is next.
func (r *reader) null() bool {
	if r.peek() == 'n' && len(r.b)-r.i >= 4 && string(r.b[r.i:r.i+4]) == "null" {
		r.i += 4
		return true
	}
	return false
}

// object reads an object, calling field for each member with the reader
// positioned at its value; field must consume the value. depth is the
// object's own depth.
func (r *reader) object(depth int, field func(key []byte) error) error {
	if depth > maxDepth {
		return errTooDeep
	}
	if err := r.expect('{'); err != nil {
		return err
	}
	if r.peek() == '}' {
		r.i++
		return nil
	}
	for {
		key, err := r.rawString()
		if err != nil {
			return err
		}
		if err := r.expect(':'); err != nil {
			return err
		}
		if err := field(key); err != nil {
			return err
		}
		switch r.peek() {
		case ',':
			r.i++
		case '}':
			r.i++
			return nil
		default:
			return fmt.Errorf("expected ',' or '}' after a member, found %s", r.found())
		}
	}
}

// skip reads and discards any value at depth (the depth it would have if it
// is an object or array), checking it is valid JSON.
func (r *reader) skip(depth int) error {
	switch c := r.peek(); c {
	case '{':
		return r.object(depth, func([]byte) error { return r.skip(depth + 1) })
	case '[':
		if depth > maxDepth {
			return errTooDeep
		}
		r.i++
		if r.peek() == ']' {
			r.i++
			return nil
		}
		for {
			if err := r.skip(depth + 1); err != nil {
				return err
			}
			switch r.peek() {
			case ',':
				r.i++
			case ']':
				r.i++
				return nil
			default:
				return fmt.Errorf("expected ',' or ']' in an array, found %s", r.found())
			}
		}
	case '"':
		_, err := r.rawString()
		return err
	case 't', 'f', 'n':
		if _, ok := r.literal(); ok {
			return nil
		}
		return fmt.Errorf("expected a value, found %s", r.word())
	default:
		_, err := r.number()
		return err
	}
}

// span finds the end of the value starting at r.i without decoding it:
// strings are stepped over and brackets counted, at any depth and without
// recursion. It is how the reader moves past an event it has refused. It
// returns false when the value does not end (the body is malformed).
func (r *reader) span() bool {
	r.ws()
	depth := 0
	for r.i < len(r.b) {
		switch c := r.b[r.i]; c {
		case '"':
			r.i++
			for r.i < len(r.b) && r.b[r.i] != '"' {
				if r.b[r.i] == '\\' {
					r.i++
				}
				r.i++
			}
			if r.i >= len(r.b) {
				return false
			}
			r.i++
			if depth == 0 {
				return true
			}
			continue
		case '{', '[':
			depth++
		case '}', ']':
			if depth == 0 {
				return true // the end of the enclosing array; a scalar ended
			}
			depth--
			if depth == 0 {
				r.i++
				return true
			}
		case ',':
			if depth == 0 {
				return true
			}
		default:
			if depth == 0 && isSpace(c) {
				return true
			}
		}
		r.i++
	}
	return depth == 0
}
