// Package chart draws charts as standalone SVG documents: the lineage graph of
// a use case, metric lines of a run, histograms and bar charts of a dataset
// profile, and the timeline of an alias.
//
// Every chart is a plain value with an SVG method. The output is safe to inline
// in an HTML page served under a strict Content-Security-Policy: all text is
// escaped, there are no scripts, event attributes, style attributes, style
// elements, external references or element ids, and links are limited to
// same-site paths. Presentation is carried by attributes, so a chart reads
// correctly without CSS, and every element has a class so a page can restyle it.
// Sizes are given by a viewBox, and the output is byte-for-byte deterministic.
//
// The package depends only on the standard library and internal/atrium.
package chart

import (
	"bytes"
	"encoding/xml"
	"math"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/atrium-mlops/atrium/internal/atrium"
)

// maxTip is the most characters a tooltip shows of a long text.
const maxTip = 500

// Colours. Each passes WCAG 2.1 contrast 4.5:1 against white, so it can carry
// text as well as lines (the tests check it).
const (
	colText   = "#1a1a1a"
	colMuted  = "#555555"
	colAxis   = "#595959"
	colGrid   = "#d9d9d9" // decorative only, never the sole carrier of meaning
	colBack   = "#ffffff"
	fontStack = "system-ui, -apple-system, Segoe UI, Roboto, sans-serif"
)

// palette is the series, version and kind colour cycle.
var palette = []string{
	"#1f5fa6", // blue
	"#b34400", // orange
	"#1b7340", // green
	"#8a3ba6", // purple
	"#b3213a", // red
	"#00697a", // teal
	"#6e5c00", // olive
	"#4d4d4d", // grey
}

// dashes give series a second, colour-independent distinction.
var dashes = []string{"", "6 3", "2 3", "8 3 2 3", "4 4", "1 2"}

// svg accumulates one SVG document.
type svg struct {
	b    bytes.Buffer
	role string // "img" unless set
}

// open writes the root element with its accessible name and description.
func (s *svg) open(class string, w, h float64, title, desc string) {
	s.b.WriteString(`<svg xmlns="http://www.w3.org/2000/svg" class="atrium-chart `)
	s.b.WriteString(class)
	s.b.WriteString(`" viewBox="0 0 `)
	s.b.WriteString(num(w) + " " + num(h))
	role := s.role
	if role == "" {
		role = "img"
	}
	s.b.WriteString(`" width="` + num(w) + `" height="` + num(h) + `" role="` + role + `"`)
	if role != "img" {
		s.b.WriteString(` aria-label="` + attr(atrium.Truncate(title, maxTip)) + `"`)
	}
	s.b.WriteString(` font-family="`)
	s.b.WriteString(fontStack)
	s.b.WriteString(`" font-size="12">`)
	s.b.WriteString("\n<title>")
	s.text(title)
	s.b.WriteString("</title>\n<desc>")
	s.text(desc)
	s.b.WriteString("</desc>\n")
	s.raw(`<rect class="chart-background" x="0" y="0" width="` + num(w) + `" height="` + num(h) + `" fill="` + colBack + `"/>` + "\n")
}

func (s *svg) close() []byte {
	s.b.WriteString("</svg>\n")
	return s.b.Bytes()
}

// raw writes markup the package built itself from constants and numbers.
func (s *svg) raw(m string) { s.b.WriteString(m) }

// text writes character data, cleaned and escaped.
func (s *svg) text(v string) {
	// xml.EscapeText never fails on a bytes.Buffer.
	_ = xml.EscapeText(&s.b, []byte(clean(v)))
}

// attr returns v cleaned and escaped for use inside a double-quoted attribute.
func attr(v string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(clean(v)))
	return b.String()
}

// textEl writes a <text> element at (x, y) with the given attributes
// (package-built markup) and content (escaped).
func (s *svg) textEl(class string, x, y float64, attrs, content string) {
	s.raw(`<text class="` + class + `" x="` + num(x) + `" y="` + num(y) + `"`)
	if attrs != "" {
		s.raw(" " + attrs)
	}
	s.raw(">")
	s.text(content)
	s.raw("</text>\n")
}

// tip writes a <title> child, the tooltip of its parent.
func (s *svg) tip(v string) {
	s.raw("<title>")
	s.text(atrium.Truncate(v, maxTip))
	s.raw("</title>")
}

// clean makes v fit to show: invalid UTF-8 becomes U+FFFD, control characters
// (including newlines and tabs) become spaces, and the characters that override
// or embed a text direction are removed so a label cannot reorder what follows
// it. Right-to-left text itself is kept and shown in its own direction.
func clean(v string) string {
	ok := true
	for _, r := range v {
		if r == utf8.RuneError || unicode.IsControl(r) || isBidiControl(r) || r == 0xFFFE || r == 0xFFFF {
			ok = false
			break
		}
	}
	if ok {
		return v
	}
	var b strings.Builder
	for i := 0; i < len(v); {
		r, n := utf8.DecodeRuneInString(v[i:])
		i += n
		switch {
		case r == utf8.RuneError:
			b.WriteRune('\uFFFD')
		case unicode.IsControl(r):
			b.WriteByte(' ')
		case isBidiControl(r), r == 0xFFFE, r == 0xFFFF:
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func isBidiControl(r rune) bool {
	return (r >= 0x202A && r <= 0x202E) || (r >= 0x2066 && r <= 0x2069) || r == 0x200E || r == 0x200F || r == 0x061C
}

// fit shortens v to at most n characters, ending in an ellipsis when it had to
// cut, and reports whether it did.
func fit(v string, n int) (string, bool) {
	v = strings.TrimSpace(clean(v))
	if n < 1 {
		n = 1
	}
	if utf8.RuneCountInString(v) <= n {
		return v, false
	}
	r := []rune(v)
	return strings.TrimSpace(string(r[:n-1])) + "…", true
}

// textWidth estimates the width of v at the given font size, erring wide:
// the charts use it to budget space and fitWidth to stay inside it. Without a
// font at hand it goes by classes of character.
func textWidth(v string, size float64) float64 {
	w := 0.0
	for _, r := range v {
		w += runeWidth(r)
	}
	return w * size
}

// runeWidth is a character's advance in ems, a little above what common
// sans-serif faces use.
func runeWidth(r rune) float64 {
	switch {
	case r == 'W' || r == 'M' || r == 'm' || r == 'w' || r == '@' || r == '%':
		return 0.95
	case strings.ContainsRune("ijlt.,:;'!|()[] f", r):
		return 0.4
	case r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
		return 0.72
	case r < 0x80:
		return 0.6
	case unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Hangul) || (r >= 0xFF00 && r <= 0xFFEF) || (r >= 0x1F300 && r <= 0x1FAFF):
		return 1.05
	default:
		return 0.72
	}
}

// fitWidth shortens v, like fit, to at most n characters and about px wide
// at the given font size.
func fitWidth(v string, n int, px, size float64) (string, bool) {
	t, cut := fit(v, n)
	if textWidth(t, size) <= px {
		return t, cut
	}
	r := []rune(t)
	if cut {
		r = r[:len(r)-1]
	}
	budget := px - runeWidth('…')*size
	w, k := 0.0, 0
	for k < len(r) {
		w += runeWidth(r[k]) * size
		if w > budget {
			break
		}
		k++
	}
	return strings.TrimSpace(string(r[:k])) + "…", true
}

// num formats a coordinate with at most one decimal, the same way every time.
func num(f float64) string {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return "0"
	}
	r := math.Round(f*10) / 10
	if r == 0 {
		r = 0 // no "-0"
	}
	return strconv.FormatFloat(r, 'f', -1, 64)
}

// finite reports whether f is an ordinary number.
func finite(f float64) bool { return !math.IsNaN(f) && !math.IsInf(f, 0) }

// safeHref returns href when it is a same-site path that is safe to place in
// a link, and "" otherwise: it must start with one "/" (not "//" or "/\",
// which browsers treat as another host), and hold no backslash, space or
// control character.
func safeHref(href string) string {
	if len(href) == 0 || len(href) > 2048 || href[0] != '/' {
		return ""
	}
	if len(href) > 1 && (href[1] == '/' || href[1] == '\\') {
		return ""
	}
	if !utf8.ValidString(href) {
		return ""
	}
	for _, r := range href {
		if r == '\\' || r <= ' ' || r == 0x7f || unicode.IsControl(r) || unicode.IsSpace(r) || isBidiControl(r) {
			return ""
		}
	}
	return href
}
