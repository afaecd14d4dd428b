package web

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/atrium-mlops/atrium/internal/web/account"
	webadmin "github.com/atrium-mlops/atrium/internal/web/admin"
	"github.com/atrium-mlops/atrium/internal/web/canvases"
	"github.com/atrium-mlops/atrium/internal/web/usecases"
)

// openAPIMethods are the operation keys of an OpenAPI path item.
var openAPIMethods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

// openAPIBodies maps each operation that takes a JSON body to the Go type
// its handler decodes.
var openAPIBodies = map[string]any{
	"createUseCase":     usecases.UseCaseInput{},
	"updateUseCase":     usecases.UseCasePatch{},
	"transitionUseCase": usecases.TransitionInput{},
	"putGrant":          usecases.GrantInput{},
	"createUser":        webadmin.UserInput{},
	"updateUser":        webadmin.UserPatch{},
	"createTeam":        webadmin.TeamInput{},
	"addTeamMember":     webadmin.MemberInput{},
	"createToken":       account.TokenInput{},
	"updateMe":          account.MePatch{},
	"createCanvas":      canvases.CanvasInput{},
	"updateCanvas":      canvases.CanvasPatch{},
	"saveSection":       canvases.SectionInput{},
	"addComment":        canvases.CommentInput{},
	"publishIteration":  canvases.IterationInput{},
	"createObjective":   canvases.ObjectiveInput{},
	"updateObjective":   canvases.ObjectivePatch{},
	"createStakeholder": canvases.StakeholderInput{},
	"updateStakeholder": canvases.StakeholderPatch{},
	"createDecision":    canvases.DecisionInput{},
	"updateDecision":    canvases.DecisionPatch{},
}

// openAPIRawBodies maps each operation that reads a body other than JSON to
// the media types it accepts.
var openAPIRawBodies = map[string][]string{
	"importCanvas": {"text/markdown", "text/plain"},
}

type openAPIOp struct {
	method, path string
	op           map[string]any
	item         map[string]any
}

func loadOpenAPI(t *testing.T) map[string]any {
	t.Helper()
	var doc map[string]any
	if err := json.Unmarshal(openAPIDocument, &doc); err != nil {
		t.Fatalf("openapi.json is not valid JSON: %v", err)
	}
	return doc
}

func openAPIOps(t *testing.T, doc map[string]any) []openAPIOp {
	t.Helper()
	paths, ok := doc["paths"].(map[string]any)
	if !ok {
		t.Fatal("openapi.json has no paths object")
	}
	var ops []openAPIOp
	for path, v := range paths {
		item, ok := v.(map[string]any)
		if !ok {
			t.Fatalf("path %s is not an object", path)
		}
		for _, m := range openAPIMethods {
			if op, ok := item[m].(map[string]any); ok {
				ops = append(ops, openAPIOp{method: strings.ToUpper(m), path: path, op: op, item: item})
			}
		}
	}
	sort.Slice(ops, func(i, j int) bool { return ops[i].path+" "+ops[i].method < ops[j].path+" "+ops[j].method })
	return ops
}

// apiRoutes returns the route table's API routes keyed by "METHOD path".
func apiRoutes() map[string]route {
	out := map[string]route{}
	for _, rt := range (&Server{}).routes() {
		if strings.HasPrefix(rt.pattern, "/api/v1/") {
			out[rt.method+" "+rt.pattern] = rt
		}
	}
	return out
}

// resolveRef follows a local JSON pointer such as #/components/schemas/UseCase.
func resolveRef(doc map[string]any, ref string) (any, bool) {
	ptr, ok := strings.CutPrefix(ref, "#")
	if !ok {
		return nil, false
	}
	var cur any = doc
	if ptr == "" {
		return cur, true
	}
	if !strings.HasPrefix(ptr, "/") {
		return nil, false
	}
	for _, tok := range strings.Split(ptr[1:], "/") {
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		obj, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		if cur, ok = obj[tok]; !ok {
			return nil, false
		}
	}
	return cur, true
}

// deref follows $ref until it reaches a value that is not a reference.
func deref(t *testing.T, doc map[string]any, v any) map[string]any {
	t.Helper()
	for range 10 {
		obj, ok := v.(map[string]any)
		if !ok {
			t.Fatalf("expected an object, got %T", v)
		}
		ref, ok := obj["$ref"].(string)
		if !ok {
			return obj
		}
		if v, ok = resolveRef(doc, ref); !ok {
			t.Fatalf("$ref %s does not resolve", ref)
		}
	}
	t.Fatal("$ref chain too long")
	return nil
}

func TestOpenAPIDocumentParses(t *testing.T) {
	doc := loadOpenAPI(t)
	if v := doc["openapi"]; v != "3.1.0" {
		t.Errorf("openapi = %v, want 3.1.0", v)
	}
	info, _ := doc["info"].(map[string]any)
	if info["title"] != "Atrium" || info["version"] != "1" {
		t.Errorf("info = %v, want title Atrium and version 1", info)
	}
	seen := map[string]string{}
	for _, o := range openAPIOps(t, doc) {
		id, _ := o.op["operationId"].(string)
		if id == "" {
			t.Errorf("%s %s has no operationId", o.method, o.path)
		} else if prev, dup := seen[id]; dup {
			t.Errorf("operationId %s is used by %s and %s %s", id, prev, o.method, o.path)
		}
		seen[id] = o.method + " " + o.path
		if s, _ := o.op["summary"].(string); s == "" {
			t.Errorf("%s %s has no summary", o.method, o.path)
		}
		if tags, _ := o.op["tags"].([]any); len(tags) == 0 {
			t.Errorf("%s %s has no tags", o.method, o.path)
		}
		if resp, _ := o.op["responses"].(map[string]any); len(resp) == 0 {
			t.Errorf("%s %s has no responses", o.method, o.path)
		}
	}
}

func TestOpenAPIMatchesRoutes(t *testing.T) {
	doc := loadOpenAPI(t)
	routes := apiRoutes()
	documented := map[string]bool{}
	for _, o := range openAPIOps(t, doc) {
		documented[o.method+" "+o.path] = true
	}
	var missing, extra []string
	for k := range routes {
		if !documented[k] {
			missing = append(missing, k)
		}
	}
	for k := range documented {
		if _, ok := routes[k]; !ok {
			extra = append(extra, k)
		}
	}
	sort.Strings(missing)
	sort.Strings(extra)
	if len(missing) > 0 {
		t.Errorf("routes missing from openapi.json:\n\t%s", strings.Join(missing, "\n\t"))
	}
	if len(extra) > 0 {
		t.Errorf("operations in openapi.json with no route:\n\t%s", strings.Join(extra, "\n\t"))
	}
}

func TestOpenAPISecurity(t *testing.T) {
	doc := loadOpenAPI(t)
	if sec, _ := doc["security"].([]any); len(sec) == 0 {
		t.Error("openapi.json has no global security requirement")
	}
	routes := apiRoutes()
	for _, o := range openAPIOps(t, doc) {
		rt, ok := routes[o.method+" "+o.path]
		if !ok {
			continue // reported by TestOpenAPIMatchesRoutes
		}
		sec, has := o.op["security"]
		list, _ := sec.([]any)
		open := has && list != nil && len(list) == 0
		if rt.access == public && !open {
			t.Errorf("%s %s is public but does not declare security: []", o.method, o.path)
		}
		if rt.access != public && has {
			t.Errorf("%s %s needs credentials but overrides the global security", o.method, o.path)
		}
	}
}

func TestOpenAPIRefsResolve(t *testing.T) {
	doc := loadOpenAPI(t)
	var refs int
	var walk func(at string, v any)
	walk = func(at string, v any) {
		switch v := v.(type) {
		case map[string]any:
			if ref, ok := v["$ref"].(string); ok {
				refs++
				if _, ok := resolveRef(doc, ref); !ok {
					t.Errorf("%s: $ref %q does not resolve", at, ref)
				}
			}
			for k, x := range v {
				walk(at+"/"+k, x)
			}
		case []any:
			for i, x := range v {
				walk(at+"/"+strconv.Itoa(i), x)
			}
		}
	}
	walk("#", doc)
	if refs == 0 {
		t.Error("no $ref found; the walk is broken")
	}
}

var pathParamRE = regexp.MustCompile(`\{([^}]+)\}`)

func TestOpenAPIPathParameters(t *testing.T) {
	doc := loadOpenAPI(t)
	for _, o := range openAPIOps(t, doc) {
		want := map[string]bool{}
		for _, m := range pathParamRE.FindAllStringSubmatch(o.path, -1) {
			want[m[1]] = true
		}
		got := map[string]bool{}
		for _, src := range []any{o.item["parameters"], o.op["parameters"]} {
			list, _ := src.([]any)
			for _, p := range list {
				param := deref(t, doc, p)
				if param["in"] != "path" {
					continue
				}
				name, _ := param["name"].(string)
				got[name] = true
				if param["required"] != true {
					t.Errorf("%s %s: path parameter %s is not required", o.method, o.path, name)
				}
				if !want[name] {
					t.Errorf("%s %s: path parameter %s is not in the path", o.method, o.path, name)
				}
			}
		}
		for name := range want {
			if !got[name] {
				t.Errorf("%s %s: path parameter %s is not declared", o.method, o.path, name)
			}
		}
	}
}

// jsonFields lists the JSON member names encoding/json uses for struct type
// typ, following embedded structs the way encoding/json does.
func jsonFields(typ reflect.Type) []string {
	var out []string
	for i := range typ.NumField() {
		f := typ.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" {
			ft := f.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				out = append(out, jsonFields(ft)...)
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		out = append(out, name)
	}
	return out
}

func TestOpenAPIRequestBodies(t *testing.T) {
	doc := loadOpenAPI(t)
	seen := map[string]bool{}
	for _, o := range openAPIOps(t, doc) {
		id, _ := o.op["operationId"].(string)
		goType, wantBody := openAPIBodies[id]
		rb, hasBody := o.op["requestBody"]
		if media, raw := openAPIRawBodies[id]; raw {
			seen[id] = true
			checkRawBody(t, doc, id, rb, media)
			continue
		}
		if !wantBody {
			if hasBody {
				t.Errorf("%s (%s %s) documents a request body; add its Go type to openAPIBodies", id, o.method, o.path)
			}
			continue
		}
		seen[id] = true
		if !hasBody {
			t.Errorf("%s (%s %s) decodes %T but documents no request body", id, o.method, o.path, goType)
			continue
		}
		body := deref(t, doc, rb)
		if body["required"] != true {
			t.Errorf("%s: requestBody is not required", id)
		}
		content, _ := body["content"].(map[string]any)
		media, ok := content["application/json"]
		if !ok || len(content) != 1 {
			t.Errorf("%s: requestBody must have exactly one content type, application/json", id)
			continue
		}
		schema := deref(t, doc, media.(map[string]any)["schema"])
		if schema["type"] != "object" {
			t.Errorf("%s: request schema type = %v, want object", id, schema["type"])
		}
		if schema["additionalProperties"] != false {
			t.Errorf("%s: request schema must say additionalProperties: false (unknown keys are refused)", id)
		}
		props, _ := schema["properties"].(map[string]any)
		var got []string
		for k := range props {
			got = append(got, k)
		}
		want := jsonFields(reflect.TypeOf(goType))
		sort.Strings(got)
		sort.Strings(want)
		if !slices.Equal(got, want) {
			t.Errorf("%s: schema properties %v, Go type %T has JSON fields %v", id, got, goType, want)
		}
		req, _ := schema["required"].([]any)
		for _, r := range req {
			if name, _ := r.(string); !slices.Contains(want, name) {
				t.Errorf("%s: required property %v is not a field of %T", id, r, goType)
			}
		}
	}
	for id, goType := range openAPIBodies {
		if !seen[id] {
			t.Errorf("openAPIBodies names operation %s (%T), which openapi.json does not have", id, goType)
		}
	}
	for id := range openAPIRawBodies {
		if !seen[id] {
			t.Errorf("openAPIRawBodies names operation %s, which openapi.json does not have", id)
		}
	}
}

// checkRawBody checks that an operation reading a non-JSON body documents
// exactly the media types its handler accepts.
func checkRawBody(t *testing.T, doc map[string]any, id string, rb any, want []string) {
	t.Helper()
	if rb == nil {
		t.Errorf("%s reads a %v body but documents none", id, want)
		return
	}
	body := deref(t, doc, rb)
	if body["required"] != true {
		t.Errorf("%s: requestBody is not required", id)
	}
	content, _ := body["content"].(map[string]any)
	var got []string
	for k := range content {
		got = append(got, k)
	}
	sort.Strings(got)
	want = slices.Sorted(slices.Values(want))
	if !slices.Equal(got, want) {
		t.Errorf("%s: requestBody media types %v, want %v", id, got, want)
	}
}

func TestOpenAPIErrorResponses(t *testing.T) {
	doc := loadOpenAPI(t)
	for _, o := range openAPIOps(t, doc) {
		resp, _ := o.op["responses"].(map[string]any)
		for code, v := range resp {
			if code < "400" {
				continue
			}
			r := deref(t, doc, v)
			content, _ := r["content"].(map[string]any)
			media, ok := content["application/problem+json"].(map[string]any)
			if !ok {
				t.Errorf("%s %s: response %s is not application/problem+json", o.method, o.path, code)
				continue
			}
			if s, _ := media["schema"].(map[string]any); s["$ref"] != "#/components/schemas/Problem" {
				t.Errorf("%s %s: response %s does not use the Problem schema", o.method, o.path, code)
			}
		}
	}
}

func TestOpenAPIHandler(t *testing.T) {
	s := &Server{}
	rec := httptest.NewRecorder()
	s.openAPI(rec, httptest.NewRequest("GET", "/api/v1/openapi.json", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("status = %d, want 200", rec.Code)
	}
	if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type = %q, want application/json", ct)
	}
	if cc := rec.Header().Get("Cache-Control"); !strings.Contains(cc, "max-age=") {
		t.Errorf("Cache-Control = %q, want a max-age", cc)
	}
	etag := rec.Header().Get("ETag")
	if etag == "" || etag != openAPIETag {
		t.Errorf("ETag = %q, want %q", etag, openAPIETag)
	}
	if rec.Body.String() != string(openAPIDocument) {
		t.Error("the body is not the embedded document")
	}

	req := httptest.NewRequest("GET", "/api/v1/openapi.json", nil)
	req.Header.Set("If-None-Match", etag)
	rec = httptest.NewRecorder()
	s.openAPI(rec, req)
	if rec.Code != http.StatusNotModified || rec.Body.Len() != 0 {
		t.Errorf("conditional GET: status %d with %d bytes, want 304 and no body", rec.Code, rec.Body.Len())
	}
}
