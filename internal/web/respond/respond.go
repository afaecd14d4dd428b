// Package respond is how every handler answers: JSON bodies, RFC 9457
// problem documents with Atrium's stable code, strict JSON decoding and the
// one table from error kinds to HTTP statuses. Pages render their errors
// through the Page hook of a Responder, so this package knows no templates.
package respond

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"slices"
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

// StatusOf is the HTTP status for an error of kind k.
func StatusOf(k atrium.Kind) int { return statusOf[k] }

// Codes lists every problem code, by status: the values a problem
// document's code member may take.
func Codes() []string {
	kinds := slices.Collect(maps.Keys(statusOf))
	slices.SortFunc(kinds, func(a, b atrium.Kind) int {
		return cmp.Or(statusOf[a]-statusOf[b], strings.Compare(string(a), string(b)))
	})
	codes := make([]string, len(kinds))
	for i, k := range kinds {
		codes[i] = string(k)
	}
	return codes
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
	extra any
}

func (e *detailedError) Error() string { return e.err.Error() }
func (e *detailedError) Unwrap() error { return e.err }

// WithDetails returns err with extra problem-document members: the JSON
// members of extra, a struct or a map. The standard members (type, title,
// status, detail, code) cannot be overridden.
func WithDetails(err error, extra any) error {
	return &detailedError{err: err, extra: extra}
}

// Document is the problem as sent: the standard members plus the extra ones
// of a detailed error.
func (p Problem) Document(err error) any {
	var d *detailedError
	if !errors.As(err, &d) {
		return p
	}
	var members map[string]json.RawMessage
	if b, err := json.Marshal(d.extra); err != nil || json.Unmarshal(b, &members) != nil || len(members) == 0 {
		return p
	}
	doc := map[string]any{"type": p.Type, "title": p.Title, "status": p.Status, "detail": p.Detail, "code": p.Code}
	for k, v := range members {
		if _, standard := doc[k]; !standard {
			doc[k] = v
		}
	}
	return doc
}

// ProblemFor is the problem document of err.
func ProblemFor(err error) Problem {
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

// Responder ends requests that failed: problem+json under /api/, an error
// page elsewhere. Internal errors are logged with the request id and never
// shown.
type Responder struct {
	Log *slog.Logger
	// Page shows a problem to a browser.
	Page func(w http.ResponseWriter, r *http.Request, p Problem)
}

// Fail reports err to the client.
func (rs *Responder) Fail(w http.ResponseWriter, r *http.Request, err error) {
	p := ProblemFor(err)
	if wait, ok := atrium.RetryAfter(err); ok && w.Header().Get("Retry-After") == "" {
		w.Header().Set("Retry-After", strconv.Itoa(int(wait.Seconds())+1))
	}
	if p.Status >= 500 {
		rs.Log.Error("request failed", "request_id", atrium.RequestIDFrom(r.Context()), "method", r.Method, "path", r.URL.Path, "err", err)
	}
	if IsAPI(r) || rs.Page == nil {
		w.Header().Set("Content-Type", "application/problem+json")
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(p.Status)
		json.NewEncoder(w).Encode(p.Document(err))
		return
	}
	rs.Page(w, r, p)
}

// IsAPI reports whether a request is for a machine (the JSON API, the
// metrics scrape, OpenTelemetry's trace export) and so gets problem
// documents and 401s, not pages and redirects to the login form.
func IsAPI(r *http.Request) bool {
	return strings.HasPrefix(r.URL.Path, "/api/") || r.URL.Path == "/metrics" || r.URL.Path == "/v1/traces"
}

// JSON sends v with the given status.
func JSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(true)
	enc.Encode(v)
}

// Decode reads a JSON request body into a T, strictly: it must be JSON,
// within MaxBodyBytes, one value, with no unknown or duplicate keys.
func Decode[T any](w http.ResponseWriter, r *http.Request) (T, error) {
	var v T
	err := DecodeInto(w, r, &v)
	return v, err
}

// DecodeInto is Decode into v, a pointer, for callers that know the type
// only at run time (the API description's tests). It is the one decoder:
// Decode calls it.
func DecodeInto(w http.ResponseWriter, r *http.Request, v any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(ct, "application/json") {
		return atrium.Errorf(atrium.Invalid, "send the body as application/json (got %q)", ct)
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return atrium.Errorf(atrium.TooLarge, "the request body is larger than %d bytes", MaxBodyBytes)
	}
	if err != nil {
		return atrium.Wrap(atrium.Invalid, err, "could not read the request body")
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return atrium.Errorf(atrium.Invalid, "the request body is empty; send a JSON object")
	}
	if err := checkDuplicateKeys(body); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(err)
	}
	if dec.More() {
		return atrium.Errorf(atrium.Invalid, "the request body holds more than one JSON value")
	}
	return nil
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

// PathInt parses an integer path value.
func PathInt(r *http.Request, name string) (int64, error) {
	var n int64
	if _, err := fmt.Sscanf(r.PathValue(name), "%d", &n); err != nil || n < 0 || fmt.Sprint(n) != r.PathValue(name) {
		return 0, atrium.Errorf(atrium.NotFound, "%s %q not found", name, r.PathValue(name))
	}
	return n, nil
}

// Reply ends a handler: the error as a problem if there is one, otherwise
// v as JSON with the given status.
func (rs *Responder) Reply(w http.ResponseWriter, r *http.Request, status int, v any, err error) {
	if err != nil {
		rs.Fail(w, r, err)
		return
	}
	JSON(w, status, v)
}

// Actor is who makes the request; the zero Actor when nobody is signed in.
func Actor(r *http.Request) atrium.Actor {
	a, _ := atrium.ActorFrom(r.Context())
	return a
}

// PageOf reads page_size and page_token from the query.
func PageOf(r *http.Request) (atrium.PageRequest, error) {
	return atrium.ParsePage(r.URL.Query().Get("page_size"), r.URL.Query().Get("page_token"))
}

// Items is list, or an empty list instead of nil, so JSON shows [] not null.
func Items[T any](list []T) []T {
	if list == nil {
		return []T{}
	}
	return list
}

// List is the answer of a list that is not paged: every item at once.
type List[T any] struct {
	Items []T `json:"items"`
}

// ListOf is the unpaged answer holding list ([] rather than null when empty).
func ListOf[T any](list []T) List[T] { return List[T]{Items: Items(list)} }

// CheckVersion refuses a negative version read from a request.
func CheckVersion(name string, v int64) error {
	if v < 0 {
		return atrium.Errorf(atrium.Invalid, "%s must be the version you read (0 or more), not %d", name, v)
	}
	return nil
}
