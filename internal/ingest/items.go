package ingest

import (
	"errors"
	"fmt"
	"time"

	"github.com/atrium-mlops/atrium/internal/telemetry"
)

// The readers of the three event shapes. Each reads one object at depth 1.
// Fields the server sets (source, alias, model_version, status, …) and
// fields it does not know are read and ignored, so that a client may send
// a little more than Atrium keeps; use_case is returned for Submit to check
// against the key. A field given twice is refused: which one was meant is
// not knowable.

// pathError is an error about one field of an event, named by its path
// ("features.age").
type pathError struct {
	path string
	err  error
}

func (e *pathError) Error() string { return e.path + ": " + e.err.Error() }
func (e *pathError) Unwrap() error { return e.err }

// fieldErr says err is about the field name, within the path err already
// names.
func fieldErr(name string, err error) error {
	if err == errTooDeep {
		return err
	}
	if pe, ok := err.(*pathError); ok {
		return &pathError{path: name + "." + pe.path, err: pe.err}
	}
	return &pathError{path: name, err: err}
}

// optText reads what text reads, or null.
func (r *reader) optText() (*string, error) {
	if r.null() {
		return nil, nil
	}
	s, err := r.text(true)
	if err != nil {
		return nil, err
	}
	return &s, nil
}

// seen tracks the fields of an event already read.
type seen uint32

func (s *seen) once(bit uint32, _ []byte) error {
	if *s&seen(bit) != 0 {
		return errors.New("appears twice")
	}
	*s |= seen(bit)
	return nil
}

// optString reads a string or null.
func (r *reader) optString() (string, error) {
	if r.null() {
		return "", nil
	}
	n, err := r.internStr()
	return n.s, err
}

// optPlain reads a string or null, not shared (free text).
func (r *reader) optPlain() (string, error) {
	if r.null() {
		return "", nil
	}
	return r.str()
}

// text reads a string, or a number or boolean as written (labels, ids and
// values are often numbers on the client's side: 1, 0, true). With share,
// a string is shared with equal ones read before (see intern): for values
// that repeat (labels, segment values), not for ids.
func (r *reader) text(share bool) (string, error) {
	switch c := r.peek(); {
	case c == '"' && share:
		n, err := r.internStr()
		return n.s, err
	case c == '"':
		return r.str()
	case c == 't' || c == 'f' || c == 'n':
		start := r.i
		v, ok := r.literal()
		if !ok {
			return "", fmt.Errorf("expected a string, found %s", r.word())
		}
		if v < 0 {
			return "", nil
		}
		return string(r.b[start:r.i]), nil
	default:
		tok, err := r.numberToken()
		if err != nil {
			if c == '{' || c == '[' {
				return "", errors.New("expected a string, found an object or array")
			}
			return "", err
		}
		return string(tok), nil
	}
}

// optNumber reads a number or null.
func (r *reader) optNumber() (*float64, error) {
	if r.null() {
		return nil, nil
	}
	if r.peek() == '"' {
		return nil, errors.New("expected a number, found a string; send numbers unquoted")
	}
	f, err := r.number()
	if err != nil {
		return nil, err
	}
	return &f, nil
}

// timestamp reads an RFC 3339 time, or null.
func (r *reader) timestamp() (time.Time, error) {
	if r.null() {
		return time.Time{}, nil
	}
	b, err := r.rawString()
	if err != nil {
		return time.Time{}, errors.New("expected an RFC 3339 time such as \"2026-05-01T12:00:00Z\"")
	}
	t, ok := parseTime(b)
	if !ok {
		return time.Time{}, fmt.Errorf("%q is not an RFC 3339 time such as \"2026-05-01T12:00:00Z\"", truncate(b, 40))
	}
	return t, nil
}

// features reads a flat object of numbers, strings, booleans and nulls.
func (r *reader) features() (map[string]any, error) {
	if r.null() {
		return nil, nil
	}
	pairs := r.pairs[:0]
	err := r.object(2, func(key []byte) error {
		if len(pairs) >= telemetry.MaxFeatures {
			return fmt.Errorf("more than %d entries", telemetry.MaxFeatures)
		}
		k := r.intern(key).s
		var v any
		switch c := r.peek(); c {
		case '"':
			s, err := r.internStr()
			if err != nil {
				return fieldErr(k, err)
			}
			v = s.any
		case 't', 'f', 'n':
			b, ok := r.literal()
			if !ok {
				return fieldErr(k, fmt.Errorf("expected a value, found %s", r.word()))
			}
			if b >= 0 {
				v = b == 1
			}
		case '{', '[':
			return fieldErr(k, errors.New("a feature is a number, string, boolean or null, not an object or array; flatten it"))
		default:
			f, err := r.number()
			if err != nil {
				return fieldErr(k, err)
			}
			v = boxFloat(f)
		}
		pairs = append(pairs, pair{k, v})
		return nil
	})
	r.pairs = pairs
	if err != nil {
		return nil, err
	}
	m := make(map[string]any, len(pairs))
	for _, p := range pairs {
		// One hash per member: a name given twice does not grow the map.
		n := len(m)
		m[p.k] = p.v
		if len(m) == n {
			return nil, fieldErr(p.k, errors.New("appears twice"))
		}
	}
	clear(pairs)
	return m, nil
}

// segments reads an object of short text values.
func (r *reader) segments() (map[string]string, error) {
	if r.null() {
		return nil, nil
	}
	m := make(map[string]string, 4)
	err := r.object(2, func(key []byte) error {
		if len(m) >= telemetry.MaxSegments {
			return fmt.Errorf("more than %d entries", telemetry.MaxSegments)
		}
		k := r.intern(key).s
		if _, dup := m[k]; dup {
			return fieldErr(k, errors.New("appears twice"))
		}
		v, err := r.text(true)
		if err != nil {
			return fieldErr(k, err)
		}
		m[k] = v
		return nil
	})
	return m, err
}

// explanation reads an object of numbers.
func (r *reader) explanation() (map[string]float64, error) {
	if r.null() {
		return nil, nil
	}
	m := make(map[string]float64, 8)
	err := r.object(2, func(key []byte) error {
		if len(m) >= telemetry.MaxFeatures {
			return fmt.Errorf("more than %d entries", telemetry.MaxFeatures)
		}
		k := r.intern(key).s
		if _, dup := m[k]; dup {
			return fieldErr(k, errors.New("appears twice"))
		}
		f, err := r.optNumber()
		if err != nil {
			return fieldErr(k, err)
		}
		if f != nil {
			m[k] = *f
		}
		return nil
	})
	return m, err
}

// output reads {"label": …, "score": …, "value": …}.
func (r *reader) output(o *telemetry.Output) error {
	if r.null() {
		return nil
	}
	var s seen
	return r.object(2, func(key []byte) error {
		var err error
		switch string(key) {
		case "label":
			if err = s.once(1, key); err == nil {
				o.Label, err = r.optText()
			}
		case "score":
			if err = s.once(2, key); err == nil {
				o.Score, err = r.optNumber()
			}
		case "value":
			if err = s.once(4, key); err == nil {
				o.Value, err = r.optNumber()
			}
		default:
			err = r.skip(3)
		}
		if err != nil {
			return fieldErr(string(key), err)
		}
		return nil
	})
}

// decodePrediction reads one prediction.
func decodePrediction(r *reader, p *telemetry.Prediction) (useCase string, err error) {
	var s seen
	err = r.object(1, func(key []byte) error {
		var err error
		switch string(key) {
		case "id":
			if err = s.once(1<<0, key); err == nil {
				p.ID, err = r.text(false)
			}
		case "model":
			if err = s.once(1<<1, key); err == nil {
				p.Model, err = r.optString()
			}
		case "version":
			if err = s.once(1<<2, key); err == nil {
				p.Version, err = r.text(true)
			}
		case "time":
			if err = s.once(1<<3, key); err == nil {
				p.Time, err = r.timestamp()
			}
		case "subject":
			if err = s.once(1<<4, key); err == nil {
				p.Subject, err = r.text(false)
			}
		case "segments":
			if err = s.once(1<<5, key); err == nil {
				p.Segments, err = r.segments()
			}
		case "features":
			if err = s.once(1<<6, key); err == nil {
				p.Features, err = r.features()
			}
		case "output":
			if err = s.once(1<<7, key); err == nil {
				err = r.output(&p.Output)
			}
		case "latency_ms":
			if err = s.once(1<<8, key); err == nil {
				p.LatencyMS, err = r.optNumber()
			}
		case "error":
			if err = s.once(1<<9, key); err == nil {
				p.Error, err = r.optString()
			}
		case "explanation":
			if err = s.once(1<<10, key); err == nil {
				p.Explanation, err = r.explanation()
			}
		case "use_case":
			if err = s.once(1<<11, key); err == nil {
				useCase, err = r.optString()
			}
		default:
			err = r.skip(2)
		}
		if err != nil {
			return fieldErr(string(key), err)
		}
		return nil
	})
	return useCase, err
}

// decodeOutcome reads one outcome.
func decodeOutcome(r *reader, o *telemetry.Outcome) (useCase string, err error) {
	var s seen
	err = r.object(1, func(key []byte) error {
		var err error
		switch string(key) {
		case "prediction_id":
			if err = s.once(1<<0, key); err == nil {
				o.PredictionID, err = r.text(false)
			}
		case "label":
			if err = s.once(1<<1, key); err == nil {
				o.Label, err = r.optText()
			}
		case "value":
			if err = s.once(1<<2, key); err == nil {
				o.Value, err = r.optNumber()
			}
		case "time":
			if err = s.once(1<<3, key); err == nil {
				o.Time, err = r.timestamp()
			}
		case "use_case":
			if err = s.once(1<<4, key); err == nil {
				useCase, err = r.optString()
			}
		default:
			err = r.skip(2)
		}
		if err != nil {
			return fieldErr(string(key), err)
		}
		return nil
	})
	return useCase, err
}

// decodeFeedback reads one feedback item sent by a client with an
// ingestion key. Who wrote it and its triage are the server's to set.
func decodeFeedback(r *reader, f *telemetry.Feedback) (useCase string, err error) {
	var s seen
	err = r.object(1, func(key []byte) error {
		var err error
		switch string(key) {
		case "id":
			if err = s.once(1<<0, key); err == nil {
				f.ID, err = r.text(false)
			}
		case "prediction_id":
			if err = s.once(1<<1, key); err == nil {
				f.PredictionID, err = r.text(false)
			}
		case "kind":
			if err = s.once(1<<2, key); err == nil {
				var k string
				k, err = r.optString()
				f.Kind = telemetry.FeedbackKind(k)
			}
		case "value":
			if err = s.once(1<<3, key); err == nil {
				f.Value, err = r.text(true)
			}
		case "text":
			if err = s.once(1<<4, key); err == nil {
				f.Text, err = r.optPlain()
			}
		case "contact":
			if err = s.once(1<<5, key); err == nil {
				f.Contact, err = r.optPlain()
			}
		case "time":
			if err = s.once(1<<6, key); err == nil {
				f.Time, err = r.timestamp()
			}
		case "use_case":
			if err = s.once(1<<7, key); err == nil {
				useCase, err = r.optString()
			}
		default:
			err = r.skip(2)
		}
		if err != nil {
			return fieldErr(string(key), err)
		}
		return nil
	})
	return useCase, err
}
