// Package mlflow speaks MLflow's REST dialect — tracking and model registry
// — and translates it onto Atrium's store, so that MLflow's own clients work
// unchanged. MLflow's names are flat; Atrium's live in use cases: a request
// acts in the use case its API token is bound to (see docs/mlflow.md).
package mlflow

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"strconv"
	"strings"

	"github.com/atrium-mlops/atrium/internal/atrium"
	"github.com/atrium-mlops/atrium/internal/store"
)

// MaxBody bounds a request body: a full log-batch of 1,000 metrics with long
// keys is about 300 KB.
const MaxBody = 4 << 20

// Prefixes under which MLflow clients call the server. The ajax-api twins are
// what MLflow's web UI and some client paths use.
var Prefixes = []string{"/api/2.0/mlflow/", "/ajax-api/2.0/mlflow/"}

// ArtifactPrefixes are the mlflow-artifacts proxy's prefixes.
var ArtifactPrefixes = []string{"/api/2.0/mlflow-artifacts/", "/ajax-api/2.0/mlflow-artifacts/"}

// IsPath reports whether a request is for the MLflow API, which answers with
// MLflow's error bodies rather than problem documents.
func IsPath(r *http.Request) bool {
	for _, p := range append(Prefixes, ArtifactPrefixes...) {
		if strings.HasPrefix(r.URL.Path, p) {
			return true
		}
	}
	return false
}

// Handlers serves the MLflow API.
type Handlers struct {
	DB  *store.DB
	Log *slog.Logger
	// ArtifactRoot is where experiments created without an artifact
	// location keep their runs' artifacts; Atrium never reads or writes
	// there. By default "mlflow-artifacts:", the proxy scheme, which
	// Atrium answers for listings only.
	ArtifactRoot string
}

// root is the artifact root in use.
func (h *Handlers) root() string {
	if h.ArtifactRoot == "" {
		return "mlflow-artifacts:"
	}
	return h.ArtifactRoot
}

// apiError is MLflow's error body.
type apiError struct {
	ErrorCode string `json:"error_code"`
	Message   string `json:"message"`
}

// codeOf maps an error to MLflow's error code and HTTP status.
func codeOf(err error) (string, int) {
	switch atrium.KindOf(err) {
	case atrium.NotFound:
		return "RESOURCE_DOES_NOT_EXIST", http.StatusNotFound
	case atrium.Conflict:
		// A unique violation keeps its driver error as the cause; other
		// conflicts are about state.
		var ae *atrium.Error
		if errors.As(err, &ae) && ae.Err != nil {
			return "RESOURCE_ALREADY_EXISTS", http.StatusBadRequest
		}
		return "INVALID_STATE", http.StatusBadRequest
	case atrium.Invalid, atrium.TooLarge:
		return "INVALID_PARAMETER_VALUE", http.StatusBadRequest
	case atrium.Forbidden:
		return "PERMISSION_DENIED", http.StatusForbidden
	case atrium.Unauthenticated:
		return "UNAUTHENTICATED", http.StatusUnauthorized
	case atrium.RateLimited:
		return "REQUEST_LIMIT_EXCEEDED", http.StatusTooManyRequests
	case atrium.Unavailable:
		return "TEMPORARILY_UNAVAILABLE", http.StatusServiceUnavailable
	}
	return "INTERNAL_ERROR", http.StatusInternalServerError
}

// Fail writes err as MLflow's error body. Internal errors are logged and
// never shown.
func Fail(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) {
	code, status := codeOf(err)
	msg := atrium.MessageOf(err)
	if status >= 500 && code != "TEMPORARILY_UNAVAILABLE" {
		if log != nil {
			log.Error("mlflow request failed", "request_id", atrium.RequestIDFrom(r.Context()), "method", r.Method, "path", r.URL.Path, "err", err)
		}
		msg = "internal error; the server log has the details (request " + atrium.RequestIDFrom(r.Context()) + ")"
	}
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="atrium", Basic realm="atrium"`)
	}
	reply(w, status, apiError{ErrorCode: code, Message: msg})
}

func (h *Handlers) fail(w http.ResponseWriter, r *http.Request, err error) { Fail(w, r, h.Log, err) }

// reply sends v as JSON.
func reply(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// ok answers 200 with v.
func ok(w http.ResponseWriter, v any) { reply(w, http.StatusOK, v) }

// empty is MLflow's answer to calls that return nothing.
type empty struct{}

// repeated are the request fields that are lists; in a GET query string they
// may appear several times.
var repeated = map[string]bool{"order_by": true, "experiment_ids": true, "run_ids": true}

// decode reads a request into v: the JSON body of a POST, PATCH or DELETE,
// or the query string of a GET (as MLflow's client sends them). Fields this
// server does not know are ignored, as MLflow's server ignores them, so
// newer clients keep working; wrong types are INVALID_PARAMETER_VALUE.
func decode(r *http.Request, v any) error {
	var raw []byte
	if r.Method == http.MethodGet {
		obj := map[string]any{}
		for k, vals := range r.URL.Query() {
			if repeated[k] {
				obj[k] = vals
			} else if len(vals) > 0 {
				obj[k] = vals[len(vals)-1]
			}
		}
		raw, _ = json.Marshal(obj)
	} else {
		b, err := io.ReadAll(io.LimitReader(r.Body, MaxBody+1))
		if err != nil {
			return atrium.Errorf(atrium.Invalid, "could not read the request body")
		}
		if len(b) > MaxBody {
			return atrium.Errorf(atrium.TooLarge, "the request body is larger than %d bytes", MaxBody)
		}
		raw = bytes.TrimSpace(b)
		if len(raw) == 0 {
			raw = []byte("{}")
		}
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	if err := dec.Decode(v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return atrium.Errorf(atrium.Invalid, "field %q has the wrong type (got a JSON %s)", te.Field, te.Value)
		}
		return atrium.Errorf(atrium.Invalid, "the request body is not valid JSON: %s", atrium.Truncate(err.Error(), 120))
	}
	if dec.More() {
		return atrium.Errorf(atrium.Invalid, "the request body holds more than one JSON value")
	}
	return nil
}

// Int64 is an int64 in a request: a JSON number or a string of digits, as
// protobuf's JSON mapping allows both.
type Int64 struct {
	V   int64
	Set bool
}

// UnmarshalJSON accepts 12, "12" and null.
func (n *Int64) UnmarshalJSON(b []byte) error {
	s := string(b)
	if s == "null" {
		return nil
	}
	s = strings.Trim(s, `"`)
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		f, ferr := strconv.ParseFloat(s, 64)
		if ferr != nil || f != math.Trunc(f) || math.Abs(f) > 1<<62 {
			return atrium.Errorf(atrium.Invalid, "%s is not a whole number", atrium.Truncate(string(b), 40))
		}
		v = int64(f)
	}
	n.V, n.Set = v, true
	return nil
}

// Float is a double in a request or an answer: a JSON number, or the strings
// "NaN", "Infinity" and "-Infinity" (protobuf's JSON form) or a numeric
// string.
type Float float64

// UnmarshalJSON accepts numbers and protobuf's special strings.
func (f *Float) UnmarshalJSON(b []byte) error {
	s := string(b)
	if s == "null" {
		return atrium.Errorf(atrium.Invalid, "a metric value must not be null")
	}
	if strings.HasPrefix(s, `"`) {
		s = strings.Trim(s, `"`)
		switch s {
		case "NaN", "nan":
			*f = Float(math.NaN())
			return nil
		case "Infinity", "inf", "+Infinity":
			*f = Float(math.Inf(1))
			return nil
		case "-Infinity", "-inf":
			*f = Float(math.Inf(-1))
			return nil
		}
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		// ParseFloat reports overflow with ±Inf and an error; a literal too
		// large for a double is refused rather than silently made infinite.
		return atrium.Errorf(atrium.Invalid, "%s is not a number", atrium.Truncate(string(b), 40))
	}
	*f = Float(v)
	return nil
}

// MarshalJSON writes NaN and infinities the way protobuf's JSON does.
func (f Float) MarshalJSON() ([]byte, error) {
	v := float64(f)
	switch {
	case math.IsNaN(v):
		return []byte(`"NaN"`), nil
	case math.IsInf(v, 1):
		return []byte(`"Infinity"`), nil
	case math.IsInf(v, -1):
		return []byte(`"-Infinity"`), nil
	}
	return []byte(strconv.FormatFloat(v, 'g', -1, 64)), nil
}

// scopeAndDecode finds the caller's use case, then decodes the request
// into req: the preamble of every MLflow handler with a body.
func (h *Handlers) scopeAndDecode(r *http.Request, req any) (string, error) {
	slug, err := h.scope(r)
	if err != nil {
		return "", err
	}
	return slug, decode(r, req)
}

// scope returns the use case a request acts in: the one its token is bound
// to. Without one, MLflow's flat names cannot be placed, and the request is
// refused with a message that says how to get such a token.
func (h *Handlers) scope(r *http.Request) (string, error) {
	slug, err := h.DB.ScopeSlug(r.Context())
	if err != nil {
		return "", err
	}
	if slug == "" {
		return "", atrium.Errorf(atrium.Forbidden, "the MLflow API needs an API token bound to one use case; "+
			"create one with `atrium token create --usecase SLUG` (or on your account page) and set it as MLFLOW_TRACKING_TOKEN")
	}
	return slug, nil
}

// page turns MLflow's max_results and page_token into a page request.
func page(maxResults Int64, token string, def, max int) (atrium.PageRequest, error) {
	p, err := atrium.ParsePage("", token)
	if err != nil {
		return p, err
	}
	p.Size = def
	if maxResults.Set {
		if maxResults.V < 1 || maxResults.V > int64(max) {
			return p, atrium.Errorf(atrium.Invalid, "max_results must be from 1 to %d (got %d)", max, maxResults.V)
		}
		p.Size = int(maxResults.V)
	}
	return p, nil
}

// required refuses a missing required field the way MLflow words it.
func required(name, v string) error {
	if v == "" {
		return atrium.Errorf(atrium.Invalid, "missing value for required parameter '%s'", name)
	}
	return nil
}

// versionNumber parses a model version number, a string in MLflow's API.
func versionNumber(s string) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 {
		return 0, atrium.Errorf(atrium.Invalid, "version must be a positive whole number (got %q)", atrium.Truncate(s, 20))
	}
	return n, nil
}

func itoa(n int) string { return strconv.Itoa(n) }

// errf is a shorthand for an Invalid error.
func errf(format string, args ...any) error {
	return atrium.Errorf(atrium.Invalid, "%s", fmt.Sprintf(format, args...))
}
