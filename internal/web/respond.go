package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/atrium-mlops/atrium/internal/atrium"
)

// MaxBodyBytes bounds every request body.
const MaxBodyBytes = 1 << 20

// statusOf maps an error kind to its HTTP status: the one table for both the
// API and the pages.
var statusOf = map[atrium.Kind]int{
	atrium.Invalid:         http.StatusBadRequest,
	atrium.NotFound:        http.StatusNotFound,
	atrium.Conflict:        http.StatusConflict,
	atrium.Forbidden:       http.StatusForbidden,
	atrium.Unauthenticated: http.StatusUnauthorized,
	atrium.TooLarge:        http.StatusRequestEntityTooLarge,
	atrium.RateLimited:     http.StatusTooManyRequests,
	atrium.Unavailable:     http.StatusServiceUnavailable,
	atrium.Internal:        http.StatusInternalServerError,
}

// Problem is an RFC 9457 problem document with Atrium's stable `code` member.
type Problem struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail"`
	Code   string `json:"code"`
}

// detailedError carries extra members for the problem document of its
// error, such as both versions of a section in an edit conflict, so that a
// client can resolve the problem without another request.
type detailedError struct {
	err   error
	extra map[string]any
}

func (e *detailedError) Error() string { return e.err.Error() }
func (e *detailedError) Unwrap() error { return e.err }

// withDetails returns err with extra problem-document members. The standard
// members (type, title, status, detail, code) cannot be overridden.
func withDetails(err error, extra map[string]any) error {
	return &detailedError{err: err, extra: extra}
}

// document is the problem as sent: the standard members plus the extra ones
// of a detailed error.
func (p Problem) document(err error) any {
	var d *detailedError
	if !errors.As(err, &d) || len(d.extra) == 0 {
		return p
	}
	doc := map[string]any{"type": p.Type, "title": p.Title, "status": p.Status, "detail": p.Detail, "code": p.Code}
	for k, v := range d.extra {
		if _, standard := doc[k]; !standard {
			doc[k] = v
		}
	}
	return doc
}

func problemFor(err error) Problem {
	kind := atrium.KindOf(err)
	status := statusOf[kind]
	return Problem{
		Type:   "https://atrium.dev/problems/" + string(kind),
		Title:  http.StatusText(status),
		Status: status,
		Detail: atrium.MessageOf(err),
		Code:   string(kind),
	}
}

// fail reports err to the client: problem+json under /api/, an error page
// elsewhere. Internal errors are logged with the request id and never shown.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	p := problemFor(err)
	if wait, ok := atrium.RetryAfter(err); ok && w.Header().Get("Retry-After") == "" {
		w.Header().Set("Retry-After", strconv.Itoa(int(wait.Seconds())+1))
	}
	if p.Status >= 500 {
		s.log.Error("request failed", "request_id", atrium.RequestIDFrom(r.Context()), "method", r.Method, "path", r.URL.Path, "err", err)
	}
	if isAPI(r) {
		w.Header().Set("Content-Type", "application/problem+json")
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(p.Status)
		json.NewEncoder(w).Encode(p.document(err))
		return
	}
	s.renderError(w, r, p)
}

// isAPI reports whether a request is for a machine (the JSON API or the
// metrics scrape) and so gets problem documents and 401s, not pages and
// redirects to the login form.
func isAPI(r *http.Request) bool {
	return strings.HasPrefix(r.URL.Path, "/api/") || r.URL.Path == "/metrics"
}

// writeJSON sends v with the given status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(true)
	enc.Encode(v)
}

// decode reads a JSON request body into a T, strictly: it must be JSON,
// within MaxBodyBytes, one value, with no unknown or duplicate keys.
func decode[T any](w http.ResponseWriter, r *http.Request) (T, error) {
	var v T
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(ct, "application/json") {
		return v, atrium.Errorf(atrium.Invalid, "send the body as application/json (got %q)", ct)
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return v, atrium.Errorf(atrium.TooLarge, "the request body is larger than %d bytes", MaxBodyBytes)
	}
	if err != nil {
		return v, atrium.Wrap(atrium.Invalid, err, "could not read the request body")
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return v, atrium.Errorf(atrium.Invalid, "the request body is empty; send a JSON object")
	}
	if err := checkDuplicateKeys(body); err != nil {
		return v, err
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&v); err != nil {
		return v, jsonError(err)
	}
	if dec.More() {
		return v, atrium.Errorf(atrium.Invalid, "the request body holds more than one JSON value")
	}
	return v, nil
}

// jsonError turns encoding/json's errors into sentences for people.
func jsonError(err error) error {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syntax):
		return atrium.Errorf(atrium.Invalid, "the body is not valid JSON (at byte %d): %v", syntax.Offset, syntax)
	case errors.As(err, &typ):
		if typ.Field != "" {
			return atrium.Errorf(atrium.Invalid, "field %q must be %s, not a JSON %s", typ.Field, jsonType(typ.Type.Kind().String()), typ.Value)
		}
		return atrium.Errorf(atrium.Invalid, "the body must be a JSON object, not a JSON %s", typ.Value)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return atrium.Errorf(atrium.Invalid, "unknown field %s", strings.TrimPrefix(err.Error(), "json: unknown field "))
	case errors.Is(err, io.ErrUnexpectedEOF):
		return atrium.Errorf(atrium.Invalid, "the body is cut off: it is not complete JSON")
	}
	return atrium.Wrap(atrium.Invalid, err, "the body is not valid JSON")
}

func jsonType(kind string) string {
	switch kind {
	case "string":
		return "a string"
	case "bool":
		return "true or false"
	case "int", "int64", "int32", "uint", "uint64", "float64":
		return "a number"
	case "slice":
		return "an array"
	case "struct", "map":
		return "an object"
	}
	return "a " + kind
}

// checkDuplicateKeys walks a JSON document and refuses any object that names
// the same key twice: encoding/json silently keeps the last, which lets a
// proxy and Atrium disagree about what a request says.
func checkDuplicateKeys(body []byte) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var walk func(depth int) error
	walk = func(depth int) error {
		if depth > 64 {
			return atrium.Errorf(atrium.Invalid, "the JSON body is nested too deeply")
		}
		tok, err := dec.Token()
		if err != nil {
			return jsonError(err)
		}
		switch tok {
		case json.Delim('{'):
			seen := map[string]bool{}
			for dec.More() {
				k, err := dec.Token()
				if err != nil {
					return jsonError(err)
				}
				key := k.(string)
				if seen[key] {
					return atrium.Errorf(atrium.Invalid, "key %q appears more than once in the same object", key)
				}
				seen[key] = true
				if err := walk(depth + 1); err != nil {
					return err
				}
			}
			_, err = dec.Token()
			return err
		case json.Delim('['):
			for dec.More() {
				if err := walk(depth + 1); err != nil {
					return err
				}
			}
			_, err = dec.Token()
			return err
		}
		return nil
	}
	if err := walk(0); err != nil {
		if _, ok := err.(*atrium.Error); ok {
			return err
		}
		return jsonError(err)
	}
	return nil
}

// pathInt parses an integer path value.
func pathInt(r *http.Request, name string) (int64, error) {
	var n int64
	if _, err := fmt.Sscanf(r.PathValue(name), "%d", &n); err != nil || n < 0 || fmt.Sprint(n) != r.PathValue(name) {
		return 0, atrium.Errorf(atrium.NotFound, "%s %q not found", name, r.PathValue(name))
	}
	return n, nil
}

// reply ends a handler: the error as a problem if there is one, otherwise
// v as JSON with the given status.
func (s *Server) reply(w http.ResponseWriter, r *http.Request, status int, v any, err error) {
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, status, v)
}
