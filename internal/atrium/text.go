package atrium

import (
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// CheckText validates a free-text field: valid UTF-8, at most max runes, and
// no control characters other than newline and tab (when multiline). It
// returns the value with surrounding space trimmed.
func CheckText(field, v string, max int, required, multiline bool) (string, error) {
	if !utf8.ValidString(v) {
		return "", Errorf(Invalid, "%s is not valid UTF-8", field)
	}
	v = strings.TrimSpace(v)
	if required && v == "" {
		return "", Errorf(Invalid, "%s is required", field)
	}
	if n := utf8.RuneCountInString(v); n > max {
		return "", Errorf(Invalid, "%s is too long (%d characters, at most %d)", field, n, max)
	}
	for _, r := range v {
		if (r == '\n' || r == '\t' || r == '\r') && multiline {
			continue
		}
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' {
			return "", Errorf(Invalid, "%s contains a control character (U+%04X)", field, r)
		}
	}
	return v, nil
}

var slugRE = regexp.MustCompile(`^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$`)

// IsSlug reports whether v is a URL-safe identifier: lower-case letters,
// digits and inner hyphens, 1 to 64 characters.
func IsSlug(v string) bool { return slugRE.MatchString(v) }

// CheckSlug validates a URL-safe identifier (see IsSlug).
func CheckSlug(field, v string) error {
	if !IsSlug(v) {
		return Errorf(Invalid, "%s must be 1–64 lower-case letters, digits or inner hyphens (got %q)", field, Truncate(v, 70))
	}
	return nil
}

// CheckDate validates a calendar date written as YYYY-MM-DD; what names the
// value in the message.
func CheckDate(what, v string) error {
	if _, err := time.Parse(time.DateOnly, v); err != nil || len(v) != 10 {
		return Errorf(Invalid, "%s must be a date written as YYYY-MM-DD (got %q)", what, Truncate(v, 40))
	}
	return nil
}

// NormalizeNewlines turns CRLF and lone CR into LF, so that text typed in a
// browser, sent by a client or imported from a file compares, diffs and
// exports alike.
func NormalizeNewlines(s string) string {
	if !strings.Contains(s, "\r") {
		return s
	}
	return strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n")
}

// Slugify derives a slug from a display name; it may return "" for names with
// no letters or digits, which callers must treat as invalid.
func Slugify(name string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(name) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
			dash = false
		case !dash && b.Len() > 0:
			b.WriteByte('-')
			dash = true
		}
		if b.Len() >= 64 {
			break
		}
	}
	return strings.Trim(b.String(), "-")
}

// Truncate shortens s to at most n characters for a message, a title or a
// select option, marking the cut with "…"; it never cuts a character in half.
func Truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
}
