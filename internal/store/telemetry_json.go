package store

import (
	"encoding/json"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Encoding an event's flat maps (features, explanation, segments) with
// encoding/json took a sixth of a prediction's write (reflection, and a sort
// of reflected keys per map). These encoders write the same JSON for the
// flat values events hold, and hand anything else to encoding/json.

// jsonBuf is an encoder's scratch space, reused from one event to the next
// (one per goroutine): the entries of a map, collected in one pass and
// sorted, and the bytes written.
type jsonBuf struct {
	anys    []entry[any]
	floats  []entry[float64]
	strs    []entry[string]
	b       []byte
	interns map[string]any
}

type entry[V any] struct {
	k string
	v V
}

// entries collects m's entries sorted by key into buf.
func entries[V any](buf []entry[V], m map[string]V) []entry[V] {
	buf = buf[:0]
	for k, v := range m {
		buf = append(buf, entry[V]{k, v})
	}
	slices.SortFunc(buf, func(a, b entry[V]) int { return strings.Compare(a.k, b.k) })
	return buf
}

// flatJSON encodes a flat map of numbers, strings, booleans and nulls with
// sorted keys.
func flatJSON(m map[string]any) (string, error) { return new(jsonBuf).flat(m) }

func (j *jsonBuf) flat(m map[string]any) (string, error) {
	j.anys = entries(j.anys, m)
	b := append(j.b[:0], '{')
	for i, e := range j.anys {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, e.k)
		b = append(b, ':')
		switch v := e.v.(type) {
		case nil:
			b = append(b, "null"...)
		case bool:
			b = strconv.AppendBool(b, v)
		case string:
			b = appendJSONString(b, v)
		case float64:
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return "", &json.UnsupportedValueError{Str: strconv.FormatFloat(v, 'g', -1, 64)}
			}
			b = strconv.AppendFloat(b, v, 'g', -1, 64)
		default:
			out, err := json.Marshal(m)
			return string(out), err
		}
	}
	j.b = append(b, '}')
	return string(j.b), nil
}

// floatsJSON encodes a map of numbers with sorted keys.
func floatsJSON(m map[string]float64) (string, error) { return new(jsonBuf).floatMap(m) }

func (j *jsonBuf) floatMap(m map[string]float64) (string, error) {
	j.floats = entries(j.floats, m)
	b := append(j.b[:0], '{')
	for i, e := range j.floats {
		if i > 0 {
			b = append(b, ',')
		}
		if math.IsNaN(e.v) || math.IsInf(e.v, 0) {
			return "", &json.UnsupportedValueError{Str: strconv.FormatFloat(e.v, 'g', -1, 64)}
		}
		b = appendJSONString(b, e.k)
		b = append(b, ':')
		b = strconv.AppendFloat(b, e.v, 'g', -1, 64)
	}
	j.b = append(b, '}')
	return string(j.b), nil
}

// stringsJSON encodes a map of strings with sorted keys.
func stringsJSON(m map[string]string) string {
	j := new(jsonBuf)
	j.stringMap(m)
	return string(j.b)
}

// stringMap writes m with sorted keys into j.b.
func (j *jsonBuf) stringMap(m map[string]string) {
	j.strs = entries(j.strs, m)
	b := append(j.b[:0], '{')
	for i, e := range j.strs {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, e.k)
		b = append(b, ':')
		b = appendJSONString(b, e.v)
	}
	j.b = append(b, '}')
}

// maxInterned bounds the distinct texts a jsonBuf shares.
const maxInterned = 1024

// internedStrings is m encoded like stringsJSON, as a value to bind: the
// same text (events' segments repeat) is one string, encoded and boxed once.
func (j *jsonBuf) internedStrings(m map[string]string) any {
	j.stringMap(m)
	if v, ok := j.interns[string(j.b)]; ok {
		return v
	}
	var v any = string(j.b)
	if j.interns == nil {
		j.interns = map[string]any{}
	}
	if len(j.interns) < maxInterned {
		j.interns[v.(string)] = v
	}
	return v
}

const hexDigits = "0123456789abcdef"

// appendJSONString appends s as a JSON string; invalid UTF-8 becomes U+FFFD,
// as encoding/json does.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c < utf8.RuneSelf {
			i++
			continue
		}
		if c < utf8.RuneSelf {
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
