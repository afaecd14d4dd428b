package canvas

import (
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/atrium-mlops/atrium/internal/atrium"
)

// Choices offered by forms, in the order they are shown.
var (
	// Comparators lists how an objective's target may be compared.
	Comparators = []Comparator{">=", ">", "<=", "<", "=="}
	// MeasuredAt lists where an objective may be measured.
	MeasuredAt = []string{AtEvaluation, AtProduction, AtFeedback, AtBusiness}
)

// Limits on canvas text. They are generous for people and small enough
// that one canvas cannot exhaust a page or the database.
const (
	MaxContent   = 50_000
	MaxComment   = 10_000
	MaxTitle     = 200
	maxWindow    = 1826 * 24 * time.Hour // five years
	maxHeaderNum = 1_000_000_000
)

func invalid(format string, args ...any) error { return atrium.Errorf(atrium.Invalid, format, args...) }

// ParseStatus reads a section status as typed by a person or a client:
// case does not matter and "in review" may be written with a space, an
// underscore or a hyphen.
func ParseStatus(s string) (Status, error) {
	v := strings.ToLower(strings.TrimSpace(s))
	v = strings.NewReplacer("_", " ", "-", " ").Replace(v)
	for _, st := range Statuses {
		if v == string(st) {
			return st, nil
		}
	}
	return "", invalid("status %q is not one of empty, draft, in review, agreed", atrium.Truncate(s, 40))
}

// Label is the status as shown to people: "In review".
func (s Status) Label() string {
	if s == "" {
		return "Empty"
	}
	return strings.ToUpper(string(s[:1])) + string(s[1:])
}

// NormalizeContent checks the Markdown of a section. Content is kept as
// written, spaces and blank lines included; only line endings are unified
// (CRLF and lone CR become LF) so that exports, diffs and imports agree.
func NormalizeContent(s string) (string, error) {
	s = atrium.NormalizeNewlines(s)
	if err := checkMultiline("the content", s, MaxContent); err != nil {
		return "", err
	}
	return s, nil
}

// NormalizeComment checks a comment: required, at most 10,000 characters,
// surrounding space trimmed.
func NormalizeComment(s string) (string, error) {
	return atrium.CheckText("the comment", atrium.NormalizeNewlines(s), MaxComment, true, true)
}

// NormalizeTitle checks a canvas title: required, one line, at most 200
// characters.
func NormalizeTitle(s string) (string, error) {
	return atrium.CheckText("the title", s, MaxTitle, true, false)
}

// NormalizeHeader checks header values against the template's fields and
// returns them cleaned; empty values are dropped because they mean "not
// filled in".
func NormalizeHeader(t *Template, h map[string]string) (map[string]string, error) {
	out := map[string]string{}
	for id, v := range h {
		f, ok := t.Field(id)
		if !ok {
			return nil, invalid("the %s template has no header field %q", t.Name, atrium.Truncate(id, 70))
		}
		v, err := normalizeField(f, v)
		if err != nil {
			return nil, err
		}
		if v != "" {
			out[id] = v
		}
	}
	return out, nil
}

func normalizeField(f Field, v string) (string, error) {
	v, err := atrium.CheckText(f.Label, v, MaxTitle, false, false)
	if err != nil || v == "" {
		return v, err
	}
	switch f.Kind {
	case "date":
		if err := atrium.CheckDate(f.Label, v); err != nil {
			return "", err
		}
	case "number":
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 || n > maxHeaderNum || strings.HasPrefix(v, "+") {
			return "", invalid("%s must be a whole number from 0 to 1,000,000,000 (got %q)", f.Label, atrium.Truncate(v, 40))
		}
		v = strconv.FormatInt(n, 10)
	}
	return v, nil
}

// Normalize checks a measurable objective and cleans its text.
func (o *Objective) Normalize() error {
	var err error
	if o.Metric, err = atrium.CheckText("the metric", o.Metric, MaxTitle, true, false); err != nil {
		return err
	}
	o.Comparator = Comparator(strings.TrimSpace(string(o.Comparator)))
	if !o.Comparator.valid() {
		return invalid("comparator %q is not one of >=, >, <=, <, ==", atrium.Truncate(string(o.Comparator), 10))
	}
	if math.IsNaN(o.Target) || math.IsInf(o.Target, 0) {
		return invalid("the target must be a finite number")
	}
	if o.Unit, err = atrium.CheckText("the unit", o.Unit, 40, false, false); err != nil {
		return err
	}
	o.MeasuredAt = strings.ToLower(strings.TrimSpace(o.MeasuredAt))
	if !contains(MeasuredAt, o.MeasuredAt) {
		return invalid("where it is measured (%q) must be one of %s", atrium.Truncate(o.MeasuredAt, 40), oneOf(MeasuredAt))
	}
	o.Window = strings.ToLower(strings.TrimSpace(o.Window))
	if _, err := ParseWindow(o.Window); err != nil {
		return err
	}
	if o.MinSamples < 0 || o.MinSamples > 1_000_000_000_000 {
		return invalid("the minimum sample size must be from 0 to 1,000,000,000,000")
	}
	o.Notes, err = atrium.CheckText("the notes", atrium.NormalizeNewlines(o.Notes), 2000, false, true)
	return err
}

func (c Comparator) valid() bool {
	for _, x := range Comparators {
		if c == x {
			return true
		}
	}
	return false
}

// Holds reports whether a measured value meets the target under c.
func (c Comparator) Holds(value, target float64) bool {
	switch c {
	case ">=":
		return value >= target
	case ">":
		return value > target
	case "<=":
		return value <= target
	case "<":
		return value < target
	case "==":
		return value == target
	}
	return false
}

var windowRE = regexp.MustCompile(`^([0-9]{1,7})([mhdw])$`)

// ParseWindow reads an objective's measurement window: "" (a one-off
// measurement, returned as 0) or a positive whole number of minutes, hours,
// days or weeks — 90m, 12h, 30d, 4w — of at most five years.
func ParseWindow(s string) (time.Duration, error) {
	if s == "" {
		return 0, nil
	}
	m := windowRE.FindStringSubmatch(s)
	if m == nil {
		return 0, invalid("the window %q must be a number followed by m, h, d or w, such as 30d", atrium.Truncate(s, 20))
	}
	n, _ := strconv.ParseInt(m[1], 10, 64)
	unit := map[string]time.Duration{"m": time.Minute, "h": time.Hour, "d": 24 * time.Hour, "w": 7 * 24 * time.Hour}[m[2]]
	d := time.Duration(n) * unit
	if n <= 0 || d > maxWindow {
		return 0, invalid("the window %q must be longer than zero and at most five years", s)
	}
	return d, nil
}

// checkMultiline checks text that is kept exactly as written: valid UTF-8,
// at most max characters, and no control characters but newline and tab.
func checkMultiline(what, s string, max int) error {
	if !utf8.ValidString(s) {
		return invalid("%s is not valid UTF-8", what)
	}
	if n := utf8.RuneCountInString(s); n > max {
		return invalid("%s is too long (%d characters, at most %d)", what, n, max)
	}
	for _, r := range s {
		if r != '\n' && r != '\t' && unicode.IsControl(r) {
			return invalid("%s contains a control character (U+%04X)", what, r)
		}
	}
	return nil
}
