package web

import (
	"bytes"
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/invopop/jsonschema"

	"github.com/atrium-mlops/atrium/internal/usecase"
	"github.com/atrium-mlops/atrium/internal/web/respond"
)

// The OpenAPI 3.1 document is built when the server starts, from the route
// table (each /api/ route's apiOp) and the Go types its handlers decode and
// answer with, reflected into JSON Schema 2020-12 — the dialect OpenAPI 3.1
// uses. What reflection cannot know (names, descriptions, limits) comes
// from openapi_schemas.go. A document that cannot be built stops the boot.

// apiOp documents an /api/ route. Path parameters come from the pattern
// (see pathParams), and the usual problem answers from the route's access,
// role, body and parameters (see standardErrors), so an entry says only
// what is particular to it.
type apiOp struct {
	id, tag, summary, desc string
	// query lists the query parameters; paged adds page_size and page_token.
	query []*param
	paged bool
	// body is a zero value of the Go type the handler decodes from JSON,
	// or a content of other media types.
	body any
	// status is the success status, 200 when zero; resp is a zero value of
	// the answer's Go type (a oneOf of several, a content of several media
	// types, nil for none) and respDesc says what it is.
	status   int
	resp     any
	respDesc string
	headers  headers
	// errs describes further answers, or words the standard ones better:
	// problem documents from 400 on, answers without a body below.
	errs errs
	// details are the Go types of the members that a status's problem
	// document carries beside the standard ones (see respond.WithDetails).
	details map[int]any
}

// errs are answers by status, with what each means here.
type errs map[int]string

// headers are response headers by name, with what each holds.
type headers map[string]string

// content is a body that may come in several media types: a zero value of
// each one's Go type, or text.
type content map[string]any

// text is a body that is text rather than JSON, of at most max bytes (0:
// no stated limit).
type text struct{ max int }

// binary is a body of raw bytes in any media type (a file upload or
// download), of at most max bytes (0: no stated limit).
type binary struct{ max int64 }

// oneOf is an answer that is one of several Go types.
type oneOf []any

// The standard wording of the problem answers that standardErrors derives.
const (
	errBody      = "The request is not valid; `detail` says which value and why."
	errFilter    = "A filter or paging parameter is not valid."
	errQuery     = "A query parameter is not valid."
	errPaging    = "A paging parameter is not valid."
	errPublic    = "A credential was sent and is not valid (no credential is needed here)."
	errAdminOnly = "The caller is not an administrator."
	errOwner     = "The caller is not an owner of the use case."
	errRole      = "The caller's role on the use case is too weak for this change."
	errUseCase   = "No such use case, or the caller cannot see it."
	errRecord    = "No such use case, canvas or record, or the caller cannot see the use case: the answers are identical."
	errTooLarge  = "The body is larger than 1 MiB."
	// errCanvasGone is for the routes that open a canvas with its template.
	errCanvasGone = "The canvas uses a template this server does not offer, or the database is not answering."
)

// standardErrors are the problem answers every route of its kind can give,
// with their usual wording ("" for that of the shared response component):
// 401 and 429 always; 400 for a body or query parameters; 403 for
// administrators' routes and use-case roles above viewer; 404 for a path
// with parameters; 413 for a body.
func standardErrors(rt route) errs {
	op := rt.op
	out := errs{http.StatusUnauthorized: "", http.StatusTooManyRequests: ""}
	if rt.access == public {
		out[http.StatusUnauthorized] = errPublic
	}
	switch {
	case op.body != nil:
		out[http.StatusBadRequest] = errBody
		out[http.StatusRequestEntityTooLarge] = errTooLarge
	case len(op.query) > 0 && op.paged:
		out[http.StatusBadRequest] = errFilter
	case len(op.query) > 0:
		out[http.StatusBadRequest] = errQuery
	case op.paged:
		out[http.StatusBadRequest] = errPaging
	}
	switch {
	case rt.access == admin:
		out[http.StatusForbidden] = errAdminOnly
	case rt.role == usecase.Owner:
		out[http.StatusForbidden] = errOwner
	case rt.role == usecase.Editor || rt.role == usecase.Reviewer:
		out[http.StatusForbidden] = errRole
	}
	if strings.Contains(rt.pattern, "{") {
		out[http.StatusNotFound] = ""
		if strings.HasPrefix(rt.pattern, "/api/v1/usecases/{slug}") {
			// Canvases, the register and the decision log are records of a
			// use case; the use case's own routes name only the use case.
			out[http.StatusNotFound] = errRecord
			if op.tag == "usecases" || op.tag == "audit" {
				out[http.StatusNotFound] = errUseCase
			}
		}
	}
	return out
}

// The OpenAPI document, as far as Atrium uses it.
type (
	openAPIDoc struct {
		OpenAPI    string                `json:"openapi"`
		Info       openAPIInfo           `json:"info"`
		Servers    []map[string]string   `json:"servers"`
		Tags       []openAPITag          `json:"tags"`
		Security   []map[string][]string `json:"security"`
		Paths      map[string]*pathItem  `json:"paths"`
		Components components            `json:"components"`
		// ops is every operation in the order of the route table.
		ops []*operation
	}
	openAPIInfo struct {
		Title       string `json:"title"`
		Version     string `json:"version"`
		Summary     string `json:"summary"`
		Description string `json:"description"`
	}
	openAPITag struct {
		Name        string `json:"name"`
		Description string `json:"description"`
		// title names the tag's part of the reference page.
		title string
	}
	components struct {
		SecuritySchemes map[string]*securityScheme    `json:"securitySchemes"`
		Parameters      map[string]*parameter         `json:"parameters"`
		Responses       map[string]*response          `json:"responses"`
		Schemas         map[string]*jsonschema.Schema `json:"schemas"`
	}
	securityScheme struct {
		Type        string `json:"type"`
		Scheme      string `json:"scheme,omitempty"`
		In          string `json:"in,omitempty"`
		Name        string `json:"name,omitempty"`
		Description string `json:"description"`
	}
	pathItem struct {
		Parameters []*parameter `json:"parameters,omitempty"`
		Get        *operation   `json:"get,omitempty"`
		Put        *operation   `json:"put,omitempty"`
		Post       *operation   `json:"post,omitempty"`
		Delete     *operation   `json:"delete,omitempty"`
		Patch      *operation   `json:"patch,omitempty"`
	}
	operation struct {
		OperationID string                 `json:"operationId"`
		Summary     string                 `json:"summary"`
		Description string                 `json:"description"`
		Tags        []string               `json:"tags"`
		Security    *[]map[string][]string `json:"security,omitempty"`
		Parameters  []*parameter           `json:"parameters,omitempty"`
		RequestBody *requestBody           `json:"requestBody,omitempty"`
		// Responses by status; JSON sorts the keys, which are three digits.
		Responses map[string]*response `json:"responses"`
		method    string
		path      string
		pathItem  *pathItem
	}
	parameter struct {
		Ref         string             `json:"$ref,omitempty"`
		Name        string             `json:"name,omitempty"`
		In          string             `json:"in,omitempty"`
		Required    bool               `json:"required,omitempty"`
		Description string             `json:"description,omitempty"`
		Schema      *jsonschema.Schema `json:"schema,omitempty"`
	}
	requestBody struct {
		Required bool                  `json:"required"`
		Content  map[string]*mediaType `json:"content"`
	}
	response struct {
		Ref         string                `json:"$ref,omitempty"`
		Description string                `json:"description,omitempty"`
		Headers     map[string]*header    `json:"headers,omitempty"`
		Content     map[string]*mediaType `json:"content,omitempty"`
	}
	header struct {
		Description string             `json:"description"`
		Schema      *jsonschema.Schema `json:"schema"`
	}
	mediaType struct {
		Schema *jsonschema.Schema `json:"schema"`
	}
)

// apiDescription is the built document with what serving it needs.
type apiDescription struct {
	doc  *openAPIDoc
	json []byte
	etag string
	// described are the Go types whose schemaDocs entries it used.
	described map[reflect.Type]bool
}

// inAPIDescription reports whether a route belongs in the OpenAPI document:
// every /api/ route except MLflow's dialect under /api/2.0/, whose shapes are
// MLflow's own and whose reference is docs/mlflow.md.
func inAPIDescription(pattern string) bool {
	return strings.HasPrefix(pattern, "/api/") && !strings.HasPrefix(pattern, "/api/2.0/")
}

// buildAPIDescription builds the OpenAPI document of the routes' /api/ part.
func buildAPIDescription(routes []route) (*apiDescription, error) {
	b := newDocBuilder()
	// Every problem answer refers to the Problem schema.
	b.schemaOf(b.resp, respond.Problem{}, false)
	ids := map[string]string{}
	for _, rt := range routes {
		api := inAPIDescription(rt.pattern)
		switch {
		case api && rt.op == nil:
			b.fail("%s %s is an /api/ route without an apiOp", rt.method, rt.pattern)
		case !api && rt.op != nil:
			b.fail("%s %s is a page, and pages are not in the API description", rt.method, rt.pattern)
		case api:
			if prev, dup := ids[rt.op.id]; dup {
				b.fail("operationId %q is used by %s and %s %s", rt.op.id, prev, rt.method, rt.pattern)
			}
			ids[rt.op.id] = rt.method + " " + rt.pattern
			b.operation(rt)
		}
	}
	b.finish()
	if err := errors.Join(b.errs...); err != nil {
		return nil, fmt.Errorf("web: the API description: %w", err)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(b.doc); err != nil {
		return nil, fmt.Errorf("web: the API description: %w", err)
	}
	sum := sha256.Sum256(buf.Bytes())
	return &apiDescription{doc: b.doc, json: buf.Bytes(), etag: `"` + hex.EncodeToString(sum[:16]) + `"`, described: b.described}, nil
}

// docBuilder assembles the document: two reflectors (request bodies refuse
// unknown members, answers may grow new ones), the component schemas they
// produce, and the errors found on the way.
type docBuilder struct {
	doc       *openAPIDoc
	req, resp *jsonschema.Reflector
	// typeOf is the Go type of each reflected component, request the
	// components reflected as request bodies.
	typeOf  map[string]reflect.Type
	request map[string]bool
	// described are the types whose schemaDocs the document drew on.
	described map[reflect.Type]bool
	roots     map[reflectKey]*jsonschema.Schema
	errs      []error
}

func newDocBuilder() *docBuilder {
	b := &docBuilder{typeOf: map[string]reflect.Type{}, request: map[string]bool{}, described: map[reflect.Type]bool{},
		roots: map[reflectKey]*jsonschema.Schema{}}
	b.doc = &openAPIDoc{OpenAPI: "3.1.0", Info: apiInfo, Servers: []map[string]string{{"url": "/"}}, Tags: apiTags,
		Security: []map[string][]string{{"bearer": {}}, {"cookie": {}}}, Paths: map[string]*pathItem{},
		Components: components{SecuritySchemes: securitySchemes, Parameters: map[string]*parameter{},
			Responses: problemResponses(), Schemas: map[string]*jsonschema.Schema{}}}
	b.req = &jsonschema.Reflector{Anonymous: true, RequiredFromJSONSchemaTags: true, Namer: b.requestName, Mapper: mapType}
	b.resp = &jsonschema.Reflector{Anonymous: true, AllowAdditionalProperties: true, Namer: b.name, Mapper: mapType}
	return b
}

func (b *docBuilder) fail(format string, args ...any) {
	b.errs = append(b.errs, fmt.Errorf(format, args...))
}

// operation adds one route's operation.
func (b *docBuilder) operation(rt route) {
	op := rt.op
	where := rt.method + " " + rt.pattern
	if op.summary == "" || op.desc == "" || op.respDesc == "" {
		b.fail("%s needs a summary, a description and a respDesc", where)
	}
	if !slices.ContainsFunc(apiTags, func(t openAPITag) bool { return t.Name == op.tag }) {
		b.fail("%s has the tag %q, which apiTags does not list", where, op.tag)
	}
	item := b.doc.Paths[rt.pattern]
	if item == nil {
		item = &pathItem{Parameters: b.pathParameters(rt.pattern)}
		b.doc.Paths[rt.pattern] = item
	}
	o := &operation{OperationID: op.id, Summary: op.summary, Description: op.desc, Tags: []string{op.tag},
		Responses: map[string]*response{}, method: rt.method, path: rt.pattern, pathItem: item}
	o.Security = securityOf(rt)
	for _, p := range op.query {
		o.Parameters = append(o.Parameters, b.parameter(p))
	}
	if op.paged {
		o.Parameters = append(o.Parameters, b.parameter(pageSize), b.parameter(pageToken))
	}
	if op.body != nil {
		o.RequestBody = &requestBody{Required: true, Content: b.content(op.body, true)}
	}
	b.responses(rt, o)
	slot := map[string]**operation{"GET": &item.Get, "PUT": &item.Put, "POST": &item.Post, "DELETE": &item.Delete, "PATCH": &item.Patch}[rt.method]
	switch {
	case slot == nil:
		b.fail("%s: the API description has no place for method %s", where, rt.method)
	case *slot != nil:
		b.fail("%s is in the route table twice", where)
	default:
		*slot = o
	}
	b.doc.ops = append(b.doc.ops, o)
}

// responses adds the success answer and the problem answers.
func (b *docBuilder) responses(rt route, o *operation) {
	op := rt.op
	status := cmp.Or(op.status, http.StatusOK)
	ok := &response{Description: op.respDesc}
	if op.resp != nil {
		ok.Content = b.content(op.resp, false)
	}
	for name, desc := range op.headers {
		if ok.Headers == nil {
			ok.Headers = map[string]*header{}
		}
		ok.Headers[name] = &header{Description: desc, Schema: &jsonschema.Schema{Type: "string"}}
	}
	o.Responses[strconv.Itoa(status)] = ok
	all := standardErrors(rt)
	for code, desc := range op.errs {
		all[code] = desc
	}
	for code, desc := range all {
		r := &response{Description: desc}
		switch {
		case code < 400:
			if desc == "" {
				b.fail("%s %s: answer %d needs a description", rt.method, rt.pattern, code)
			}
		case code == http.StatusUnauthorized:
			r.Ref = "#/components/responses/Unauthenticated"
		case code == http.StatusTooManyRequests:
			r.Ref = "#/components/responses/RateLimited"
		case op.details[code] != nil:
			schema := &jsonschema.Schema{AllOf: []*jsonschema.Schema{{Ref: schemaRef("Problem")}, b.schemaOf(b.resp, op.details[code], false)}}
			r.Content = map[string]*mediaType{"application/problem+json": {Schema: schema}}
		default:
			r.Ref = "#/components/responses/Problem"
		}
		o.Responses[strconv.Itoa(code)] = r
	}
	for code := range op.details {
		if _, ok := all[code]; !ok {
			b.fail("%s %s: details for %d, which is not one of its answers", rt.method, rt.pattern, code)
		}
	}
}

// content is a body's schema per media type: JSON unless v is a content.
func (b *docBuilder) content(v any, request bool) map[string]*mediaType {
	r := b.resp
	if request {
		r = b.req
	}
	media, ok := v.(content)
	if !ok {
		media = content{"application/json": v}
	}
	out := map[string]*mediaType{}
	for name, v := range media {
		switch v := v.(type) {
		case text:
			s := &jsonschema.Schema{Type: "string"}
			if v.max > 0 {
				s.MaxLength = ptr(uint64(v.max))
			}
			out[name] = &mediaType{Schema: s}
		case binary:
			s := &jsonschema.Schema{Type: "string", ContentMediaType: "application/octet-stream"}
			if v.max > 0 {
				s.Description = fmt.Sprintf("At most %d bytes.", v.max)
			}
			out[name] = &mediaType{Schema: s}
		case oneOf:
			s := &jsonschema.Schema{}
			for _, alt := range v {
				s.OneOf = append(s.OneOf, b.schemaOf(r, alt, request))
			}
			out[name] = &mediaType{Schema: s}
		default:
			out[name] = &mediaType{Schema: b.schemaOf(r, v, request)}
		}
	}
	return out
}

// pathParameters documents the parameters in a pattern, each by the
// segment before it (see pathParams).
func (b *docBuilder) pathParameters(pattern string) []*parameter {
	var out []*parameter
	segs := strings.Split(pattern, "/")
	for i := 1; i < len(segs); i++ {
		if !strings.HasPrefix(segs[i], "{") {
			continue
		}
		key := segs[i-1] + "/" + segs[i]
		p, ok := pathParams[key]
		if !ok {
			b.fail("%s: no entry in pathParams for %s", pattern, key)
			continue
		}
		out = append(out, b.parameter(p))
	}
	return out
}

// parameter is the document's form of p: a reference to its component
// when it has one.
func (b *docBuilder) parameter(p *param) *parameter {
	doc := &parameter{Name: p.name, In: p.in, Required: p.required || p.in == "path", Description: p.desc, Schema: p.schema}
	if p.component == "" {
		return doc
	}
	if prev, ok := b.doc.Components.Parameters[p.component]; ok && prev.Name != p.name {
		b.fail("two parameters are called %s", p.component)
	}
	b.doc.Components.Parameters[p.component] = doc
	return &parameter{Ref: "#/components/parameters/" + p.component}
}

// problemResponses are the shared problem answers.
func problemResponses() map[string]*response {
	problem := func() map[string]*mediaType {
		return map[string]*mediaType{"application/problem+json": {Schema: &jsonschema.Schema{Ref: schemaRef("Problem")}}}
	}
	return map[string]*response{
		"Problem": {Description: "The request failed; the problem document says why.", Content: problem()},
		"Unauthenticated": {Description: "No credential was sent, or the one sent is not valid, has expired or was revoked.",
			Headers: map[string]*header{"WWW-Authenticate": {Description: "`Bearer realm=\"atrium\"` when no credential was sent.",
				Schema: &jsonschema.Schema{Type: "string"}}}, Content: problem()},
		"RateLimited": {Description: "Too many requests with this token or session; wait and retry.",
			Headers: map[string]*header{"Retry-After": {Description: "Seconds to wait before retrying.",
				Schema: &jsonschema.Schema{Type: "integer", Minimum: "1"}}}, Content: problem()},
	}
}

// openAPI serves the API description. It changes only with the binary, so
// clients may cache it for a while and revalidate cheaply with the ETag.
func (s *Server) openAPI(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "public, max-age=3600")
	h.Set("ETag", s.api.etag)
	// ServeContent answers If-None-Match with 304 and HEAD without a body.
	http.ServeContent(w, r, "openapi.json", time.Time{}, bytes.NewReader(s.api.json))
}
