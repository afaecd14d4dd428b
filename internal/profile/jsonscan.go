package profile

import (
	"fmt"
	"unicode/utf16"
	"unicode/utf8"
)

// jsonScan walks one line of JSON in place. It validates as it goes (the
// grammar of RFC 8259) and hands values to the profiler without building
// them: strings without escapes and all numbers are slices of the line.
type jsonScan struct {
	b   []byte
	i   int
	buf []byte // unescaped strings
}

// maxArrayDepth bounds nesting inside arrays, which are skipped, not walked.
const maxArrayDepth = 64

func (s *jsonScan) errorf(format string, args ...any) error {
	return fmt.Errorf("invalid JSON at byte %d: %s", s.i+1, fmt.Sprintf(format, args...))
}

func (s *jsonScan) ws() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\r', '\n':
			s.i++
		default:
			return
		}
	}
}

func (s *jsonScan) peek() byte {
	if s.i < len(s.b) {
		return s.b[s.i]
	}
	return 0
}

// str reads a string starting at its opening quote and returns its
// contents, unescaped; the slice is valid until the next call.
func (s *jsonScan) str() ([]byte, error) {
	s.i++ // the opening quote
	start := s.i
	for s.i < len(s.b) {
		ch := s.b[s.i]
		switch {
		case ch == '"':
			s.i++
			return s.b[start : s.i-1], nil
		case ch == '\\':
			return s.strEscaped(start)
		case ch < 0x20:
			return nil, s.errorf("a control character in a string")
		}
		s.i++
	}
	return nil, s.errorf("a string is not closed")
}

func (s *jsonScan) strEscaped(start int) ([]byte, error) {
	s.buf = append(s.buf[:0], s.b[start:s.i]...)
	for s.i < len(s.b) {
		ch := s.b[s.i]
		switch {
		case ch == '"':
			s.i++
			return s.buf, nil
		case ch < 0x20:
			return nil, s.errorf("a control character in a string")
		case ch != '\\':
			s.buf = append(s.buf, ch)
			s.i++
			continue
		}
		if s.i+1 >= len(s.b) {
			break
		}
		e := s.b[s.i+1]
		s.i += 2
		switch e {
		case '"', '\\', '/':
			s.buf = append(s.buf, e)
		case 'b':
			s.buf = append(s.buf, '\b')
		case 'f':
			s.buf = append(s.buf, '\f')
		case 'n':
			s.buf = append(s.buf, '\n')
		case 'r':
			s.buf = append(s.buf, '\r')
		case 't':
			s.buf = append(s.buf, '\t')
		case 'u':
			r, ok := s.hex4()
			if !ok {
				return nil, s.errorf(`a bad \u escape`)
			}
			if utf16.IsSurrogate(r) {
				r2 := utf8.RuneError
				if s.i+1 < len(s.b) && s.b[s.i] == '\\' && s.b[s.i+1] == 'u' {
					save := s.i
					s.i += 2
					if lo, ok := s.hex4(); ok {
						r2 = lo
					} else {
						s.i = save
					}
				}
				r = utf16.DecodeRune(r, r2)
			}
			s.buf = utf8.AppendRune(s.buf, r)
		default:
			return nil, s.errorf("a bad escape \\%c", e)
		}
	}
	return nil, s.errorf("a string is not closed")
}

func (s *jsonScan) hex4() (rune, bool) {
	if s.i+4 > len(s.b) {
		return 0, false
	}
	var r rune
	for _, ch := range s.b[s.i : s.i+4] {
		switch {
		case ch >= '0' && ch <= '9':
			r = r<<4 | rune(ch-'0')
		case ch >= 'a' && ch <= 'f':
			r = r<<4 | rune(ch-'a'+10)
		case ch >= 'A' && ch <= 'F':
			r = r<<4 | rune(ch-'A'+10)
		default:
			return 0, false
		}
	}
	s.i += 4
	return r, true
}

// number reads a number and returns its text.
func (s *jsonScan) number() ([]byte, error) {
	start := s.i
	if s.peek() == '-' {
		s.i++
	}
	switch ch := s.peek(); {
	case ch == '0':
		s.i++
	case ch >= '1' && ch <= '9':
		s.digits()
	default:
		return nil, s.errorf("a malformed number")
	}
	if s.peek() == '.' {
		s.i++
		if !s.digits() {
			return nil, s.errorf("a malformed number")
		}
	}
	if ch := s.peek(); ch == 'e' || ch == 'E' {
		s.i++
		if ch := s.peek(); ch == '+' || ch == '-' {
			s.i++
		}
		if !s.digits() {
			return nil, s.errorf("a malformed number")
		}
	}
	return s.b[start:s.i], nil
}

func (s *jsonScan) digits() bool {
	start := s.i
	for s.i < len(s.b) && s.b[s.i] >= '0' && s.b[s.i] <= '9' {
		s.i++
	}
	return s.i > start
}

func (s *jsonScan) literal(word string) error {
	if len(s.b)-s.i < len(word) || string(s.b[s.i:s.i+len(word)]) != word {
		return s.errorf("an unknown word")
	}
	s.i += len(word)
	return nil
}

// skip reads any value, validating it.
func (s *jsonScan) skip(depth int) error {
	if depth > maxArrayDepth {
		return s.errorf("values nest more than %d deep", maxArrayDepth)
	}
	switch ch := s.peek(); {
	case ch == '"':
		_, err := s.str()
		return err
	case ch == '-' || ch >= '0' && ch <= '9':
		_, err := s.number()
		return err
	case ch == 't':
		return s.literal("true")
	case ch == 'f':
		return s.literal("false")
	case ch == 'n':
		return s.literal("null")
	case ch == '[' || ch == '{':
		end := byte(']')
		if ch == '{' {
			end = '}'
		}
		s.i++
		s.ws()
		if s.peek() == end {
			s.i++
			return nil
		}
		for {
			s.ws()
			if ch == '{' {
				if s.peek() != '"' {
					return s.errorf("expected a key")
				}
				if _, err := s.str(); err != nil {
					return err
				}
				s.ws()
				if s.peek() != ':' {
					return s.errorf("expected ':'")
				}
				s.i++
				s.ws()
			}
			if err := s.skip(depth + 1); err != nil {
				return err
			}
			s.ws()
			switch s.peek() {
			case ',':
				s.i++
			case end:
				s.i++
				return nil
			default:
				return s.errorf("expected ',' or '%c'", end)
			}
		}
	case ch == 0:
		return s.errorf("the line ends early")
	}
	return s.errorf("unexpected %q", s.peek())
}
