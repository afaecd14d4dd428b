package store

import (
	"encoding/json"
	"math"
	"slices"
	"strconv"
	"unicode/utf8"
)

// Encoding an event's flat maps (features, explanation, segments) with
// encoding/json took a sixth of a prediction's write (reflection, and a sort
// of reflected keys per map). These encoders write the same JSON for the
// flat values events hold, and hand anything else to encoding/json.

// flatJSON encodes a flat map of numbers, strings, booleans and nulls with
// sorted keys.
func flatJSON(m map[string]any) (string, error) {
	keys := sortedKeys(m)
	b := make([]byte, 0, 32*len(m))
	b = append(b, '{')
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, k)
		b = append(b, ':')
		switch v := m[k].(type) {
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
	return string(append(b, '}')), nil
}

// floatsJSON encodes a map of numbers with sorted keys.
func floatsJSON(m map[string]float64) (string, error) {
	keys := sortedKeys(m)
	b := make([]byte, 0, 24*len(m))
	b = append(b, '{')
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		v := m[k]
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return "", &json.UnsupportedValueError{Str: strconv.FormatFloat(v, 'g', -1, 64)}
		}
		b = appendJSONString(b, k)
		b = append(b, ':')
		b = strconv.AppendFloat(b, v, 'g', -1, 64)
	}
	return string(append(b, '}')), nil
}

// stringsJSON encodes a map of strings with sorted keys.
func stringsJSON(m map[string]string) string {
	keys := sortedKeys(m)
	b := make([]byte, 0, 24*len(m))
	b = append(b, '{')
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, k)
		b = append(b, ':')
		b = appendJSONString(b, m[k])
	}
	return string(append(b, '}'))
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
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
