// Package ingest takes in what models in production report (predictions,
// outcomes, feedback): it decodes request bodies within fixed limits,
// resolves, checks and pseudonymises each event, and writes concurrent
// requests to the store together, many events per commit.
package ingest

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"mime"
	"strings"
	"sync"
	"time"

	"github.com/atrium-mlops/atrium/internal/atrium"
	"github.com/atrium-mlops/atrium/internal/telemetry"
)

// Kind is the sort of event a request carries.
type Kind string

// The kinds of event.
const (
	Predictions Kind = "predictions"
	Outcomes    Kind = "outcomes"
	Feedback    Kind = "feedback"
)

// Request is a decoded request: the events that could be read, and an
// answer for each that could not. Items are numbered by their place in the
// request body (0-based), whether they were read or refused.
type Request struct {
	Kind        Kind
	Predictions []telemetry.Prediction
	Outcomes    []telemetry.Outcome
	Feedback    []telemetry.Feedback
	// Index is the request index of each read event (of the one list that
	// is set); nil means 0, 1, 2, ….
	Index []int
	// UseCases holds the use_case field of each read event ("" when it
	// had none), for Submit to check against the key; nil when no event
	// had one.
	UseCases []string
	// Refused answers the events that could not be read.
	Refused []telemetry.ItemResult
}

// Len is the number of events the request held, read or refused.
func (r *Request) Len() int { return r.items() + len(r.Refused) }

// items is the number of read events.
func (r *Request) items() int {
	switch r.Kind {
	case Predictions:
		return len(r.Predictions)
	case Outcomes:
		return len(r.Outcomes)
	case Feedback:
		return len(r.Feedback)
	}
	return 0
}

// index is the request index of read event i.
func (r *Request) index(i int) int {
	if r.Index == nil {
		return i
	}
	return r.Index[i]
}

// useCase is the use_case field of read event i.
func (r *Request) useCase(i int) string {
	if r.UseCases == nil {
		return ""
	}
	return r.UseCases[i]
}

// Decode reads a request body of events of one kind. With single, the body
// is one JSON object; otherwise a JSON array of objects, or NDJSON (one
// object a line; blank lines skipped) when contentType is
// application/x-ndjson or application/jsonl. contentEncoding may be gzip.
//
// The body as sent may hold telemetry.MaxWireBytes, decompressed
// telemetry.MaxBodyBytes, one event telemetry.MaxEventBytes and a batch
// telemetry.MaxBatch events; past that the whole request is TooLarge. A
// body that is not JSON of the expected form is Invalid. An event that is
// well-formed JSON but not a valid event is refused on its own, in
// Request.Refused, and the others are read. Events without a time get now.
func Decode(kind Kind, body io.Reader, contentType, contentEncoding string, single bool, now time.Time) (*Request, error) {
	switch kind {
	case Predictions, Outcomes, Feedback:
	default:
		return nil, atrium.Errorf(atrium.Internal, "decode: unknown event kind %q", kind)
	}
	ndjson, err := jsonType(contentType)
	if err != nil {
		return nil, err
	}
	if single && ndjson {
		return nil, atrium.Errorf(atrium.Invalid, "this endpoint takes one JSON object (Content-Type: application/json); send NDJSON to the batch endpoint")
	}
	buf, err := readBody(body, contentEncoding, telemetry.MaxBodyBytes)
	if err != nil {
		return nil, err
	}
	defer buf.release()
	d := &decoder{req: &Request{Kind: kind}, now: now.UTC()}
	switch {
	case single:
		err = d.single(buf.b)
	case ndjson:
		err = d.lines(buf.b)
	default:
		err = d.array(buf.b)
	}
	if err != nil {
		return nil, err
	}
	return d.req, nil
}

// jsonType checks the content type and reports whether it is NDJSON. An
// absent content type is taken as JSON.
func jsonType(contentType string) (ndjson bool, err error) {
	if strings.TrimSpace(contentType) == "" {
		return false, nil
	}
	mt, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		return false, atrium.Errorf(atrium.Invalid, "the Content-Type %q cannot be read; send application/json or application/x-ndjson", atrium.Truncate(contentType, 80))
	}
	if cs, ok := params["charset"]; ok && !strings.EqualFold(cs, "utf-8") {
		return false, atrium.Errorf(atrium.Invalid, "the body must be UTF-8, not %q", atrium.Truncate(cs, 40))
	}
	switch mt {
	case "application/json":
		return false, nil
	case "application/x-ndjson", "application/jsonl", "application/ndjson", "application/x-jsonlines":
		return true, nil
	}
	return false, atrium.Errorf(atrium.Invalid, "the Content-Type %q is not accepted; send application/json, or application/x-ndjson for one event a line", atrium.Truncate(mt, 80))
}

// body is a request body read into a pooled buffer.
type body struct{ b []byte }

// bufPool keeps body buffers between requests; a buffer that grew past
// keepBuffer is left to the garbage collector rather than kept.
var bufPool = sync.Pool{New: func() any { return &body{b: make([]byte, 0, 64<<10)} }}

const keepBuffer = 4 << 20

func (b *body) release() {
	if cap(b.b) <= keepBuffer {
		b.b = b.b[:0]
		bufPool.Put(b)
	}
}

// gzipPool keeps gzip readers (each holds a 32 KB window and tables).
var gzipPool sync.Pool

// limited reads at most n bytes of r and remembers whether r held more.
type limited struct {
	r    io.Reader
	n    int64
	over bool
}

func (l *limited) Read(p []byte) (int, error) {
	if l.n <= 0 {
		// Look one byte past the limit to tell "exactly n" from "more".
		var one [1]byte
		k, err := l.r.Read(one[:])
		if k > 0 {
			l.over = true
			return 0, errTooLarge
		}
		return 0, err
	}
	if int64(len(p)) > l.n {
		p = p[:l.n]
	}
	k, err := l.r.Read(p)
	l.n -= int64(k)
	return k, err
}

var errTooLarge = errors.New("too large")

// readBody reads the body, decompressing it if contentEncoding says so,
// within the wire and decompressed limits. maxBody is the decompressed
// limit.
func readBody(r io.Reader, contentEncoding string, maxBody int64) (*body, error) {
	wire := &limited{r: r, n: telemetry.MaxWireBytes}
	var src io.Reader = wire
	var gz *gzip.Reader
	switch enc := strings.ToLower(strings.TrimSpace(contentEncoding)); enc {
	case "", "identity":
	case "gzip", "x-gzip":
		var err error
		if g, ok := gzipPool.Get().(*gzip.Reader); ok {
			gz, err = g, g.Reset(wire)
		} else {
			gz, err = gzip.NewReader(wire)
		}
		if err != nil {
			return nil, wireErr(wire, atrium.Errorf(atrium.Invalid, "the body is not gzip data (Content-Encoding: gzip): %v", err))
		}
		defer gzipPool.Put(gz)
		src = &limited{r: gz, n: maxBody}
	default:
		return nil, atrium.Errorf(atrium.Invalid, "the Content-Encoding %q is not accepted; send gzip or an uncompressed body", atrium.Truncate(enc, 40))
	}
	limit := int64(telemetry.MaxWireBytes)
	if gz != nil {
		limit = maxBody
	}
	b := bufPool.Get().(*body)
	var err error
	b.b, err = readAll(b.b[:0], src, int(limit))
	if err != nil {
		b.release()
		switch {
		case wire.over:
			return nil, atrium.Errorf(atrium.TooLarge, "the request body is larger than %d MB; send smaller batches", telemetry.MaxWireBytes>>20)
		case errors.Is(err, errTooLarge):
			return nil, atrium.Errorf(atrium.TooLarge, "the request body expands to more than %d MB; send smaller batches", maxBody>>20)
		case gz != nil:
			return nil, atrium.Errorf(atrium.Invalid, "the gzip body is corrupt: %v", err)
		}
		return nil, atrium.Wrap(atrium.Invalid, err, "the request body could not be read")
	}
	return b, nil
}

// wireErr prefers "too large" when the wire limit was what ended a read.
func wireErr(wire *limited, err error) error {
	if wire.over {
		return atrium.Errorf(atrium.TooLarge, "the request body is larger than %d MB; send smaller batches", telemetry.MaxWireBytes>>20)
	}
	return err
}

// readAll is io.ReadAll into b, growing it by doubling up to limit bytes
// (r refuses more), so that reading n bytes allocates less than 2n.
func readAll(b []byte, r io.Reader, limit int) ([]byte, error) {
	for {
		if len(b) == cap(b) {
			n := min(max(2*cap(b), 64<<10), max(limit, len(b)+1))
			b = append(make([]byte, 0, n), b...)
		}
		n, err := r.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err != nil {
			if err == io.EOF {
				return b, nil
			}
			return b, err
		}
	}
}

// decoder reads the events of one body.
type decoder struct {
	req *Request
	now time.Time
	r   reader
	n   int // events seen, read or refused
	// lineMode is set for NDJSON, where an event's end is its line's.
	lineMode bool
}

// single reads a body of one object.
func (d *decoder) single(b []byte) error {
	d.r = reader{b: b}
	switch d.r.peek() {
	case '{':
	case '[':
		return atrium.Errorf(atrium.Invalid, "this endpoint takes one JSON object; send arrays to the batch endpoint")
	case 0:
		return atrium.Errorf(atrium.Invalid, "the request body is empty; send one JSON object")
	default:
		return atrium.Errorf(atrium.Invalid, "the request body is not a JSON object")
	}
	if err := d.item(); err != nil {
		return err
	}
	if d.r.peek() != 0 {
		return atrium.Errorf(atrium.Invalid, "the request body has more after its JSON object (at byte %d); send one object, or an array to the batch endpoint", d.r.i)
	}
	return nil
}

// array reads a body that is one JSON array of objects.
func (d *decoder) array(b []byte) error {
	d.r = reader{b: b}
	switch d.r.peek() {
	case '[':
		d.r.i++
	case '{':
		return atrium.Errorf(atrium.Invalid, "the batch endpoint takes a JSON array of events (or NDJSON, one a line); send one object to the single-event endpoint")
	case 0:
		return atrium.Errorf(atrium.Invalid, "the request body is empty; send a JSON array of events")
	default:
		return atrium.Errorf(atrium.Invalid, "the request body is not a JSON array")
	}
	if d.r.peek() == ']' {
		d.r.i++
	} else {
		for {
			if err := d.item(); err != nil {
				return err
			}
			switch d.r.peek() {
			case ',':
				d.r.i++
				continue
			case ']':
				d.r.i++
			default:
				return atrium.Errorf(atrium.Invalid, "malformed JSON after event %d (byte %d): expected ',' or ']', found %s", d.n-1, d.r.i, d.r.found())
			}
			break
		}
	}
	if d.r.peek() != 0 {
		return atrium.Errorf(atrium.Invalid, "the request body has more after its JSON array (at byte %d)", d.r.i)
	}
	return nil
}

// lines reads NDJSON: one object a line, blank lines skipped.
func (d *decoder) lines(b []byte) error {
	d.lineMode = true
	for len(b) > 0 {
		line := b
		if nl := bytes.IndexByte(b, '\n'); nl >= 0 {
			line, b = b[:nl], b[nl+1:]
		} else {
			b = nil
		}
		d.r.b, d.r.i = line, 0
		if d.r.peek() == 0 {
			continue
		}
		if err := d.item(); err != nil {
			return err
		}
		if d.r.peek() != 0 {
			// Anything after the line's object makes the event other
			// than what the client meant.
			d.undoLast("there is more on the line after the event's JSON object")
		}
	}
	return nil
}

// item reads the event at d.r.i, or refuses it and moves past it. It fails
// the whole request only when the body is too large or too malformed to
// find the event's end.
func (d *decoder) item() error {
	if d.n >= telemetry.MaxBatch {
		return atrium.Errorf(atrium.TooLarge, "a request holds at most %d events; send smaller batches", telemetry.MaxBatch)
	}
	d.r.ws()
	start := d.r.i
	idx := d.n
	d.n++
	var err error
	var useCase string
	switch d.r.peek() {
	case 0: // blank lines are skipped before, so this is an array's end
		return atrium.Errorf(atrium.Invalid, "malformed JSON: the array is not closed")
	case '{':
		useCase, err = d.read()
	default:
		err = errors.New("an event is a JSON object")
	}
	if err == nil && d.r.i-start > telemetry.MaxEventBytes {
		d.drop()
		err = atrium.Errorf(atrium.TooLarge, "the event is larger than %d KB", telemetry.MaxEventBytes>>10)
	}
	if err != nil {
		d.r.i = start
		if !d.r.span() && !d.lineMode {
			return atrium.Errorf(atrium.Invalid, "malformed JSON: event %d (byte %d) does not end", idx, start)
		}
		d.refuse(idx, err)
		return nil
	}
	if d.req.Index != nil {
		d.req.Index = append(d.req.Index, idx)
	}
	if useCase != "" && d.req.UseCases == nil {
		d.req.UseCases = make([]string, d.req.items()-1, d.req.items())
	}
	if d.req.UseCases != nil {
		d.req.UseCases = append(d.req.UseCases, useCase)
	}
	return nil
}

// read decodes one event into the request's list.
func (d *decoder) read() (string, error) {
	req := d.req
	switch req.Kind {
	case Predictions:
		req.Predictions = append(req.Predictions, telemetry.Prediction{})
		p := &req.Predictions[len(req.Predictions)-1]
		useCase, err := decodePrediction(&d.r, p)
		if err != nil {
			req.Predictions = req.Predictions[:len(req.Predictions)-1]
			return "", err
		}
		if p.Time.IsZero() {
			p.Time = d.now
		}
		p.Source = "api"
		return useCase, nil
	case Outcomes:
		req.Outcomes = append(req.Outcomes, telemetry.Outcome{})
		o := &req.Outcomes[len(req.Outcomes)-1]
		useCase, err := decodeOutcome(&d.r, o)
		if err != nil {
			req.Outcomes = req.Outcomes[:len(req.Outcomes)-1]
			return "", err
		}
		if o.Time.IsZero() {
			o.Time = d.now
		}
		return useCase, nil
	default:
		req.Feedback = append(req.Feedback, telemetry.Feedback{})
		f := &req.Feedback[len(req.Feedback)-1]
		useCase, err := decodeFeedback(&d.r, f)
		if err != nil {
			req.Feedback = req.Feedback[:len(req.Feedback)-1]
			return "", err
		}
		if f.Time.IsZero() {
			f.Time = d.now
		}
		return useCase, nil
	}
}

// drop removes the event read last.
func (d *decoder) drop() {
	req := d.req
	switch req.Kind {
	case Predictions:
		req.Predictions = req.Predictions[:len(req.Predictions)-1]
	case Outcomes:
		req.Outcomes = req.Outcomes[:len(req.Outcomes)-1]
	default:
		req.Feedback = req.Feedback[:len(req.Feedback)-1]
	}
}

// undoLast refuses the event handled last, unless it was refused already.
func (d *decoder) undoLast(msg string) {
	req := d.req
	idx := d.n - 1
	if k := len(req.Refused); k > 0 && req.Refused[k-1].Index == idx {
		return
	}
	d.drop()
	if req.Index != nil {
		req.Index = req.Index[:len(req.Index)-1]
	}
	if req.UseCases != nil {
		req.UseCases = req.UseCases[:len(req.UseCases)-1]
	}
	d.refuse(idx, errors.New(msg))
}

// refuse records event idx as refused, and from then on keeps Index.
func (d *decoder) refuse(idx int, err error) {
	req := d.req
	if req.Index == nil {
		n := req.items()
		req.Index = make([]int, n, max(n+1, 8))
		for i := range n {
			req.Index[i] = i
		}
	}
	code, msg := atrium.Invalid, err.Error()
	if atrium.KindOf(err) == atrium.TooLarge {
		code, msg = atrium.TooLarge, atrium.MessageOf(err)
	}
	req.Refused = append(req.Refused, telemetry.ItemResult{Index: idx, Status: telemetry.Refused, Code: string(code), Error: msg})
}
