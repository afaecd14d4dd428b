package telemetry

import (
	"encoding/json"
	"fmt"
	"net/mail"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/atrium-mlops/atrium/internal/atrium"
)

// Further limits that only validation needs.
const (
	// MaxSubject is the length of a subject key as the client sends it
	// (it is stored only as a pseudonym).
	MaxSubject = 256
	// MaxLatencyMS is the longest latency accepted: one hour.
	MaxLatencyMS = float64(time.Hour / time.Millisecond)
)

// EarliestTime is the earliest time an event may carry; anything before is
// a client's clock or encoding gone wrong.
var EarliestTime = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// ValidatePrediction checks a prediction as it arrives, before the privacy
// policy is applied. Model must be set (ingest fills in the ingestion key's
// default first); Time may be zero (ingest fills in the time of arrival).
func ValidatePrediction(p *Prediction, now time.Time) error {
	if p.ID != "" && !plainID(p.ID) {
		if err := CheckID(p.ID); err != nil {
			return err
		}
	}
	if p.Model == "" {
		return atrium.Errorf(atrium.Invalid, "model is required: name the model this prediction comes from (or use an ingestion key that names one)")
	}
	if err := checkName("model", p.Model); err != nil {
		return err
	}
	if p.Version != "" {
		if err := checkName("version", p.Version); err != nil {
			return err
		}
	}
	if err := checkTime(p.Time, now); err != nil {
		return err
	}
	if p.Subject != "" {
		if err := checkLine("subject", p.Subject, MaxSubject); err != nil {
			return err
		}
	}
	if err := checkSegments(p.Segments); err != nil {
		return err
	}
	if err := checkFeatures(p.Features); err != nil {
		return err
	}
	if err := checkOutput(p.Output, p.Error); err != nil {
		return err
	}
	if l := p.LatencyMS; l != nil {
		switch {
		case !finite(*l):
			return atrium.Errorf(atrium.Invalid, "latency_ms must be a finite number")
		case *l < 0:
			return atrium.Errorf(atrium.Invalid, "latency_ms must not be negative (got %g)", *l)
		case *l > MaxLatencyMS:
			return atrium.Errorf(atrium.Invalid, "latency_ms must be at most one hour (%g ms; got %g)", MaxLatencyMS, *l)
		}
	}
	if len(p.Explanation) > MaxFeatures {
		return atrium.Errorf(atrium.TooLarge, "explanation has %d entries; at most %d", len(p.Explanation), MaxFeatures)
	}
	for name, v := range p.Explanation {
		if err := checkName("explanation entry", name); err != nil {
			return err
		}
		if !finite(v) {
			return atrium.Errorf(atrium.Invalid, "explanation of %q must be a finite number", atrium.Truncate(name, 40))
		}
	}
	if p.Source != "" {
		if err := checkName("source", p.Source); err != nil {
			return err
		}
	}
	return nil
}

func checkTime(t, now time.Time) error {
	if t.IsZero() {
		return nil
	}
	if t.Before(EarliestTime) {
		return atrium.Errorf(atrium.Invalid, "time %s is before 2000-01-01; send the time the event happened, in RFC 3339", t.UTC().Format(time.RFC3339))
	}
	if t.After(now.Add(MaxClockSkew)) {
		return atrium.Errorf(atrium.Invalid, "time %s is more than %s in the future; check the client's clock", t.UTC().Format(time.RFC3339), MaxClockSkew)
	}
	return nil
}

func checkSegments(segs map[string]string) error {
	if len(segs) > MaxSegments {
		return atrium.Errorf(atrium.TooLarge, "a prediction has at most %d segment attributes (got %d)", MaxSegments, len(segs))
	}
	for name, v := range segs {
		if err := checkName("segment name", name); err != nil {
			return err
		}
		if strings.Contains(name, "=") {
			return atrium.Errorf(atrium.Invalid, "segment name %q must not contain \"=\"", atrium.Truncate(name, 40))
		}
		if v == "" {
			return atrium.Errorf(atrium.Invalid, "segment %q has an empty value; leave the attribute out instead", atrium.Truncate(name, 40))
		}
		if !plainChars(v, MaxSegmentText, false) {
			if err := checkLine(fmt.Sprintf("segment %q", atrium.Truncate(name, 40)), v, MaxSegmentText); err != nil {
				return err
			}
		}
	}
	return nil
}

func checkFeatures(fs map[string]any) error {
	if len(fs) > MaxFeatures {
		return atrium.Errorf(atrium.TooLarge, "a prediction has at most %d features (got %d)", MaxFeatures, len(fs))
	}
	for name, v := range fs {
		if err := checkName("feature name", name); err != nil {
			return err
		}
		switch x := v.(type) {
		case nil, bool:
		case float64:
			if !finite(x) {
				return atrium.Errorf(atrium.Invalid, "feature %q must be a finite number, not NaN or infinity", atrium.Truncate(name, 40))
			}
		case string:
			if !plainChars(x, MaxFeatureText, true) {
				if err := checkText(fmt.Sprintf("feature %q", atrium.Truncate(name, 40)), x, MaxFeatureText); err != nil {
					return err
				}
			}
		default:
			if err := checkFeatureValue(atrium.Truncate(name, 40), v); err != nil {
				return err
			}
		}
	}
	return nil
}

// checkFeatureValue checks a feature value of a type other than nil,
// bool, float64 and string; q is the feature's name for the message.
func checkFeatureValue(q string, v any) error {
	switch x := v.(type) {
	case json.Number:
		f, err := strconv.ParseFloat(string(x), 64)
		if err != nil || !finite(f) {
			return atrium.Errorf(atrium.Invalid, "feature %q must be a finite number (got %s)", q, atrium.Truncate(string(x), 40))
		}
	case float64, float32, int, int32, int64:
		if f, _ := NumberOf(x); !finite(f) {
			return atrium.Errorf(atrium.Invalid, "feature %q must be a finite number, not NaN or infinity", q)
		}
	case map[string]any, []any:
		return atrium.Errorf(atrium.Invalid, "feature %q is an object or a list; features must be flat: a number, a string, true/false or null (flatten it, e.g. %q)", q, q+".field")
	default:
		return atrium.Errorf(atrium.Invalid, "feature %q has an unsupported type %T; use a number, a string, true/false or null", q, v)
	}
	return nil
}

func checkOutput(o Output, failure string) error {
	switch failure {
	case "", "timeout", "error":
	default:
		return atrium.Errorf(atrium.Invalid, "error must be \"timeout\" or \"error\" when set (got %q)", atrium.Truncate(failure, 40))
	}
	has := o.Label != nil || o.Score != nil || o.Value != nil
	if failure != "" {
		if has {
			return atrium.Errorf(atrium.Invalid, "a failed prediction (error %q) has no output; send either the output or the error", failure)
		}
		return nil
	}
	if !has {
		return atrium.Errorf(atrium.Invalid, "output needs a label, a score or a value (or set error to \"timeout\" or \"error\" for a failed call)")
	}
	if o.Label != nil {
		if err := checkLabel("output label", *o.Label); err != nil {
			return err
		}
	}
	if s := o.Score; s != nil {
		if !finite(*s) {
			return atrium.Errorf(atrium.Invalid, "output score must be a finite number")
		}
		if *s < 0 || *s > 1 {
			return atrium.Errorf(atrium.Invalid, "output score is a probability and must be between 0 and 1 (got %g); send other numbers as value", *s)
		}
	}
	if v := o.Value; v != nil && !finite(*v) {
		return atrium.Errorf(atrium.Invalid, "output value must be a finite number, not NaN or infinity")
	}
	return nil
}

func checkLabel(what, l string) error {
	if l == "" {
		return atrium.Errorf(atrium.Invalid, "%s is empty", what)
	}
	return checkLine(what, l, MaxName)
}

// ValidateOutcome checks an outcome as it arrives.
func ValidateOutcome(o *Outcome, now time.Time) error {
	if o.PredictionID == "" {
		return atrium.Errorf(atrium.Invalid, "prediction_id is required: name the prediction this outcome belongs to")
	}
	if err := CheckID(o.PredictionID); err != nil {
		return atrium.Errorf(atrium.Invalid, "prediction_id: %s", atrium.MessageOf(err))
	}
	switch {
	case o.Label == nil && o.Value == nil:
		return atrium.Errorf(atrium.Invalid, "an outcome needs the actual label or the actual value")
	case o.Label != nil && o.Value != nil:
		return atrium.Errorf(atrium.Invalid, "an outcome has either a label or a value, not both")
	case o.Label != nil:
		if err := checkLabel("label", *o.Label); err != nil {
			return err
		}
	case !finite(*o.Value):
		return atrium.Errorf(atrium.Invalid, "value must be a finite number, not NaN or infinity")
	}
	return checkTime(o.Time, now)
}

// ValidateFeedback checks feedback as it arrives. It trims the space around
// Value, Text and Contact, which people type.
func ValidateFeedback(f *Feedback, now time.Time) error {
	if f.ID != "" {
		if err := CheckID(f.ID); err != nil {
			return err
		}
	}
	if f.PredictionID != "" {
		if err := CheckID(f.PredictionID); err != nil {
			return atrium.Errorf(atrium.Invalid, "prediction_id: %s", atrium.MessageOf(err))
		}
	}
	f.Value, f.Text, f.Contact = strings.TrimSpace(f.Value), strings.TrimSpace(f.Text), strings.TrimSpace(f.Contact)
	switch f.Kind {
	case Thumbs:
		if f.Value != "up" && f.Value != "down" {
			return atrium.Errorf(atrium.Invalid, "thumbs feedback has the value \"up\" or \"down\" (got %q)", atrium.Truncate(f.Value, 40))
		}
	case Rating:
		if len(f.Value) != 1 || f.Value[0] < '1' || f.Value[0] > '5' {
			return atrium.Errorf(atrium.Invalid, "a rating is a whole number from 1 to 5 (got %q)", atrium.Truncate(f.Value, 40))
		}
	case Correction:
		if f.Value == "" {
			return atrium.Errorf(atrium.Invalid, "a correction needs a value: what the output should have been")
		}
		if err := checkText("correction value", f.Value, MaxFeatureText); err != nil {
			return err
		}
	case Bug, Comment:
		if f.Text == "" {
			what := "a bug report"
			if f.Kind == Comment {
				what = "a comment"
			}
			return atrium.Errorf(atrium.Invalid, "%s needs text saying what happened", what)
		}
		if f.Value != "" {
			return atrium.Errorf(atrium.Invalid, "%s feedback has no value; put what you have to say in text", f.Kind)
		}
	case "":
		return atrium.Errorf(atrium.Invalid, "kind is required: thumbs, rating, correction, bug or comment")
	default:
		return atrium.Errorf(atrium.Invalid, "kind must be thumbs, rating, correction, bug or comment (got %q)", atrium.Truncate(string(f.Kind), 40))
	}
	if f.Text != "" {
		if err := checkText("text", f.Text, MaxText); err != nil {
			return err
		}
	}
	if f.Contact != "" {
		if err := checkContact(f.Contact); err != nil {
			return err
		}
	}
	if f.Status != "" && !knownStatus(f.Status) {
		return atrium.Errorf(atrium.Invalid, "status must be new, triaged, actioned or dismissed (got %q)", atrium.Truncate(string(f.Status), 40))
	}
	if f.Note != "" {
		if err := checkText("note", f.Note, MaxText); err != nil {
			return err
		}
	}
	return checkTime(f.Time, now)
}

func knownStatus(s FeedbackStatus) bool {
	for _, k := range FeedbackStatuses {
		if s == k {
			return true
		}
	}
	return false
}

// checkContact accepts a bare e-mail address (no display name) with a
// dotted domain.
func checkContact(c string) error {
	if n := utf8.RuneCountInString(c); n > MaxContact {
		return atrium.Errorf(atrium.Invalid, "contact is too long (%d characters, at most %d)", n, MaxContact)
	}
	a, err := mail.ParseAddress(c)
	bad := err != nil || a.Address != c || a.Name != ""
	if !bad {
		_, domain, _ := strings.Cut(c, "@")
		bad = !strings.Contains(strings.Trim(domain, "."), ".") || strings.ContainsAny(c, " \t\r\n")
	}
	if bad {
		return atrium.Errorf(atrium.Invalid, "contact must be an e-mail address such as name@example.com (got %q)", atrium.Truncate(c, 60))
	}
	return nil
}

// checkName accepts a name: 1..MaxName characters of valid UTF-8 with no
// control characters and no space at either end.
func checkName(what, s string) error {
	if s != "" && s[0] != ' ' && s[len(s)-1] != ' ' && plainChars(s, MaxName, false) {
		return nil // the common case: printable ASCII without space at the ends
	}
	if s == "" {
		return atrium.Errorf(atrium.Invalid, "%s is empty", what)
	}
	if strings.TrimSpace(s) != s {
		return atrium.Errorf(atrium.Invalid, "%s %q has space at the start or end", what, atrium.Truncate(s, 40))
	}
	return checkLine(what, s, MaxName)
}

// checkLine accepts one line of at most max characters.
func checkLine(what, s string, max int) error { return checkChars(what, s, max, false) }

// checkText accepts text of at most max characters that may span lines.
func checkText(what, s string, max int) error { return checkChars(what, s, max, true) }

func checkChars(what, s string, max int, multiline bool) error {
	if plainChars(s, max, multiline) {
		return nil
	}
	if !utf8.ValidString(s) {
		return atrium.Errorf(atrium.Invalid, "%s is not valid UTF-8", what)
	}
	if n := utf8.RuneCountInString(s); n > max {
		return atrium.Errorf(atrium.Invalid, "%s is too long (%d characters, at most %d)", what, n, max)
	}
	for _, r := range s {
		if multiline && (r == '\n' || r == '\t' || r == '\r') {
			continue
		}
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' {
			return atrium.Errorf(atrium.Invalid, "%s contains a control character (U+%04X)", what, r)
		}
	}
	return nil
}

// plainChars reports whether s is at most max bytes of printable ASCII
// (with multiline, also tab, line feed and carriage return): text that
// checkChars accepts without looking at runes. It is false for anything
// else, which checkChars then checks rune by rune.
func plainChars(s string, max int, multiline bool) bool {
	if len(s) > max {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c < 0x7f {
			continue
		}
		if multiline && (c == '\n' || c == '\t' || c == '\r') {
			continue
		}
		return false
	}
	return true
}

// plainID reports whether id matches what CheckID accepts,
// ^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$, without the regular expression;
// ValidatePrediction calls CheckID for the message when it does not.
func plainID(id string) bool {
	if len(id) == 0 || len(id) > MaxID || !isAlnumASCII(id[0]) {
		return false
	}
	for i := 1; i < len(id); i++ {
		if c := id[i]; !isAlnumASCII(c) && c != '.' && c != '_' && c != ':' && c != '-' {
			return false
		}
	}
	return true
}

func isAlnumASCII(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
}
