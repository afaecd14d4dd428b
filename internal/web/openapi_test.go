package web

import (
	"bytes"
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"html/template"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"reflect"
	"regexp"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/atrium-mlops/atrium/internal/web/respond"
)

// openAPIMethods are the operation keys of an OpenAPI path item.
var openAPIMethods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

type openAPIOp struct {
	method, path string
	op           map[string]any
	item         map[string]any
}

// builtAPI is the document the server would serve, built from the route
// table as New builds it.
func builtAPI(t *testing.T) *apiDescription {
	t.Helper()
	api, err := buildAPIDescription((&Server{}).routes())
	if err != nil {
		t.Fatalf("the API description does not build: %v", err)
	}
	return api
}

// loadOpenAPI is the served document read back as any JSON client would.
func loadOpenAPI(t *testing.T) map[string]any {
	t.Helper()
	var doc map[string]any
	if err := json.Unmarshal(builtAPI(t).json, &doc); err != nil {
		t.Fatalf("the API description is not valid JSON: %v", err)
	}
	return doc
}

func openAPIOps(t *testing.T, doc map[string]any) []openAPIOp {
	t.Helper()
	paths, ok := doc["paths"].(map[string]any)
	if !ok {
		t.Fatal("the API description has no paths object")
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
		if inAPIDescription(rt.pattern) {
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
	tags := map[string]bool{}
	for _, tag := range doc["tags"].([]any) {
		tags[tag.(map[string]any)["name"].(string)] = true
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
		for _, f := range []string{"summary", "description"} {
			if s, _ := o.op[f].(string); s == "" {
				t.Errorf("%s %s has no %s", o.method, o.path, f)
			}
		}
		if list, _ := o.op["tags"].([]any); len(list) != 1 || !tags[list[0].(string)] {
			t.Errorf("%s %s has tags %v, want one of the document's tags", o.method, o.path, o.op["tags"])
		}
		resp, _ := o.op["responses"].(map[string]any)
		if len(resp) == 0 {
			t.Errorf("%s %s has no responses", o.method, o.path)
		}
		for code, r := range resp {
			if d, _ := deref(t, doc, r)["description"].(string); d == "" {
				t.Errorf("%s %s: response %s has no description", o.method, o.path, code)
			}
		}
	}
}

// TestOpenAPIMatchesRoutes: every /api/ route of the table is in the
// document with its method, and the document has nothing else.
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
		t.Errorf("routes missing from the API description:\n\t%s", strings.Join(missing, "\n\t"))
	}
	if len(extra) > 0 {
		t.Errorf("operations in the API description with no /api/ route:\n\t%s", strings.Join(extra, "\n\t"))
	}
	if len(documented) != len(routes) || len(routes) == 0 {
		t.Errorf("%d operations for %d /api/ routes", len(documented), len(routes))
	}
}

func TestOpenAPISecurity(t *testing.T) {
	doc := loadOpenAPI(t)
	if sec, _ := doc["security"].([]any); len(sec) == 0 {
		t.Error("the API description has no global security requirement")
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
		if rt.access == ingest {
			// Only an ingestion key: not the document's tokens and sessions.
			if b, _ := json.Marshal(sec); string(b) != `[{"ingestKey":[]}]` {
				t.Errorf("%s %s takes an ingestion key but declares security %s", o.method, o.path, b)
			}
			continue
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

var pathParamNameRE = regexp.MustCompile(`\{([^}]+)\}`)

func TestOpenAPIPathParameters(t *testing.T) {
	doc := loadOpenAPI(t)
	for _, o := range openAPIOps(t, doc) {
		want := map[string]bool{}
		for _, m := range pathParamNameRE.FindAllStringSubmatch(o.path, -1) {
			want[m[1]] = true
		}
		got := map[string]bool{}
		for _, src := range []any{o.item["parameters"], o.op["parameters"]} {
			list, _ := src.([]any)
			for _, p := range list {
				param := deref(t, doc, p)
				if d, _ := param["description"].(string); d == "" {
					t.Errorf("%s %s: parameter %v has no description", o.method, o.path, param["name"])
				}
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

// jsonMembers lists the JSON member names encoding/json uses for struct
// type typ.
func jsonMembers(typ reflect.Type) []string {
	return slices.Sorted(func(yield func(string) bool) {
		for name := range jsonFields(typ) {
			if !yield(name) {
				return
			}
		}
	})
}

// TestOpenAPIRequestBodies: every documented request body is the Go type its
// handler decodes (read from the handler's source), its schema lists exactly
// that type's members, refuses others, and a body built from the schema
// decodes into the type as strictly as the handler decodes it.
func TestOpenAPIRequestBodies(t *testing.T) {
	doc := loadOpenAPI(t)
	routes := apiRoutes()
	decodes := handlerDecodes(t, routes)
	for _, o := range openAPIOps(t, doc) {
		key := o.method + " " + o.path
		rt := routes[key]
		if rt.op == nil {
			continue // reported by TestOpenAPIMatchesRoutes
		}
		id := rt.op.id
		rb, hasBody := o.op["requestBody"]
		if media, raw := rt.op.body.(content); raw {
			checkRawBody(t, doc, id, rb, slices.Collect(func(yield func(string) bool) {
				for k := range media {
					yield(k)
				}
			}))
			if len(decodes[key]) > 0 {
				t.Errorf("%s documents a %v body but its handler decodes JSON into %v", id, media, decodes[key])
			}
			continue
		}
		if rt.op.body == nil {
			if hasBody {
				t.Errorf("%s documents a request body but its route declares none", id)
			}
			if len(decodes[key]) > 0 {
				t.Errorf("%s (%s) decodes %v but documents no request body", id, key, decodes[key])
			}
			continue
		}
		goType := reflect.TypeOf(rt.op.body)
		if want := []string{goType.PkgPath() + "." + goType.Name()}; !slices.Equal(decodes[key], want) {
			t.Errorf("%s documents the body %v, but its handler decodes %v", id, want, decodes[key])
		}
		if !hasBody {
			t.Errorf("%s (%s) declares %v but documents no request body", id, key, goType)
			continue
		}
		body := deref(t, doc, rb)
		if body["required"] != true {
			t.Errorf("%s: requestBody is not required", id)
		}
		types, _ := body["content"].(map[string]any)
		media, ok := types["application/json"]
		if !ok || len(types) != 1 {
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
		got := slices.Sorted(func(yield func(string) bool) {
			for k := range props {
				yield(k)
			}
		})
		if want := jsonMembers(goType); !slices.Equal(got, want) {
			t.Errorf("%s: schema properties %v, Go type %v has JSON fields %v", id, got, goType, want)
		}
		req, _ := schema["required"].([]any)
		for _, r := range req {
			if name, _ := r.(string); props[name] == nil {
				t.Errorf("%s: required property %v is not a property", id, r)
			}
		}

		// A body with every documented member decodes; one more member does not.
		example := exampleOf(t, doc, schema).(map[string]any)
		if err := decodeLike(goType, example); err != nil {
			t.Errorf("%s: a body built from the schema does not decode into %v: %v\n%v", id, goType, err, example)
		}
		example["not_a_member"] = "x"
		if err := decodeLike(goType, example); err == nil || !strings.Contains(err.Error(), "not_a_member") {
			t.Errorf("%s: a body with an unknown member decoded into %v (err %v)", id, goType, err)
		}
	}
}

// decodeLike decodes body into a new value of typ through respond's decoder.
func decodeLike(typ reflect.Type, body map[string]any) error {
	b, err := json.Marshal(body)
	if err != nil {
		return err
	}
	req := httptest.NewRequest("POST", "/api/v1/x", bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	return respond.DecodeInto(httptest.NewRecorder(), req, reflect.New(typ).Interface())
}

// exampleOf makes a JSON value that the schema s describes, with every
// property of every object.
func exampleOf(t *testing.T, doc map[string]any, v any) any {
	t.Helper()
	s := deref(t, doc, v)
	if alts, ok := s["oneOf"].([]any); ok && s["type"] == nil {
		return exampleOf(t, doc, alts[0])
	}
	if enum, ok := s["enum"].([]any); ok && len(enum) > 0 {
		return enum[0]
	}
	switch s["type"] {
	case "string":
		return "x"
	case "integer":
		return 1
	case "number":
		return 1.5
	case "boolean":
		return true
	case "array":
		return []any{exampleOf(t, doc, s["items"])}
	case "object":
		out := map[string]any{}
		props, _ := s["properties"].(map[string]any)
		for k, p := range props {
			out[k] = exampleOf(t, doc, p)
		}
		if each, ok := s["additionalProperties"].(map[string]any); ok {
			out["key"] = exampleOf(t, doc, each)
		}
		return out
	}
	t.Fatalf("no example for the schema %v", s)
	return nil
}

// handlerDecodes reads each API handler's source for the types it passes
// to respond.Decode, as "package path.Type", by route.
func handlerDecodes(t *testing.T, routes map[string]route) map[string][]string {
	t.Helper()
	const module = "github.com/atrium-mlops/atrium/"
	fset := token.NewFileSet()
	parsed := map[string][]*ast.File{}
	out := map[string][]string{}
	for key, rt := range routes {
		name := strings.TrimSuffix(runtime.FuncForPC(reflect.ValueOf(rt.h).Pointer()).Name(), "-fm")
		pkg, method, ok := strings.Cut(name, ".(*")
		recv, method, ok2 := strings.Cut(method, ").")
		if !ok || !ok2 || !strings.HasPrefix(pkg, module) {
			t.Fatalf("%s: cannot read the handler %s; handlers are methods of a feature's Handlers", key, name)
		}
		files, ok := parsed[pkg]
		if !ok {
			paths, _ := filepath.Glob(filepath.Join("..", "..", strings.TrimPrefix(pkg, module), "*.go"))
			for _, p := range paths {
				if strings.HasSuffix(p, "_test.go") {
					continue
				}
				f, err := parser.ParseFile(fset, p, nil, parser.SkipObjectResolution)
				if err != nil {
					t.Fatal(err)
				}
				files = append(files, f)
			}
			parsed[pkg] = files
		}
		found := false
		for _, f := range files {
			for _, d := range f.Decls {
				fn, ok := d.(*ast.FuncDecl)
				if !ok || fn.Name.Name != method || fn.Recv == nil || !receiverIs(fn, recv) {
					continue
				}
				found = true
				out[key] = decodedTypes(f, pkg, fn)
			}
		}
		if !found {
			t.Fatalf("%s: no method %s of %s in %s", key, method, recv, pkg)
		}
	}
	return out
}

func receiverIs(fn *ast.FuncDecl, recv string) bool {
	star, ok := fn.Recv.List[0].Type.(*ast.StarExpr)
	if !ok {
		return false
	}
	id, ok := star.X.(*ast.Ident)
	return ok && id.Name == recv
}

// decodedTypes are the type arguments of respond.Decode calls in fn.
func decodedTypes(f *ast.File, pkg string, fn *ast.FuncDecl) []string {
	imports := map[string]string{}
	for _, imp := range f.Imports {
		path, _ := strconv.Unquote(imp.Path.Value)
		name := filepath.Base(path)
		if imp.Name != nil {
			name = imp.Name.Name
		}
		imports[name] = path
	}
	var out []string
	ast.Inspect(fn.Body, func(n ast.Node) bool {
		ix, ok := n.(*ast.IndexExpr)
		if !ok {
			return true
		}
		sel, ok := ix.X.(*ast.SelectorExpr)
		if !ok || sel.Sel.Name != "Decode" {
			return true
		}
		if x, ok := sel.X.(*ast.Ident); !ok || imports[x.Name] != "github.com/atrium-mlops/atrium/internal/web/respond" {
			return true
		}
		switch arg := ix.Index.(type) {
		case *ast.Ident:
			out = append(out, pkg+"."+arg.Name)
		case *ast.SelectorExpr:
			out = append(out, imports[arg.X.(*ast.Ident).Name]+"."+arg.Sel.Name)
		}
		return true
	})
	return out
}

// checkRawBody checks that an operation reading a non-JSON body documents
// exactly the media types its route declares.
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
	if !slices.Equal(got, want) || len(got) == 0 {
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
			if !ok || len(content) != 1 {
				t.Errorf("%s %s: response %s is not application/problem+json", o.method, o.path, code)
				continue
			}
			// The Problem schema itself, or Problem with members of its own.
			s, _ := media["schema"].(map[string]any)
			if all, ok := s["allOf"].([]any); ok && len(all) > 0 {
				s, _ = all[0].(map[string]any)
			}
			if s["$ref"] != "#/components/schemas/Problem" {
				t.Errorf("%s %s: response %s does not use the Problem schema", o.method, o.path, code)
			}
		}
	}
}

// TestOpenAPISchemasDescribed: every component schema says what it is.
func TestOpenAPISchemasDescribed(t *testing.T) {
	doc := loadOpenAPI(t)
	schemas := doc["components"].(map[string]any)["schemas"].(map[string]any)
	if len(schemas) < 10 {
		t.Fatalf("%d component schemas; the reflection is broken", len(schemas))
	}
	for name, s := range schemas {
		if d, _ := s.(map[string]any)["description"].(string); d == "" {
			t.Errorf("schema %s has no description; add it to schemaDocs", name)
		}
	}
}

// TestSchemaDocsUsed: schemaDocs describes only types the API sends or
// receives, so that a renamed or retired type does not leave words behind.
func TestSchemaDocsUsed(t *testing.T) {
	api := builtAPI(t)
	for typ := range schemaDocs {
		if !api.described[typ] {
			t.Errorf("schemaDocs describes %v, which no API route sends or receives", typ)
		}
	}
}

// TestOpenAPIBuildRefuses: a route table the document cannot describe
// stops the build, and so the boot.
func TestOpenAPIBuildRefuses(t *testing.T) {
	ok := func() route {
		return route{method: "GET", pattern: "/api/v1/usecases/{slug}", access: user,
			op: &apiOp{id: "getUseCase", tag: "usecases", summary: "s", desc: "d", respDesc: "r"}}
	}
	if _, err := buildAPIDescription([]route{ok()}); err != nil {
		t.Fatalf("a good route: %v", err)
	}
	for _, tc := range []struct {
		name string
		edit func(*route)
		want string
	}{
		{"no apiOp", func(rt *route) { rt.op = nil }, "without an apiOp"},
		{"a page with an apiOp", func(rt *route) { rt.pattern = "/usecases/{slug}" }, "pages are not in"},
		{"unknown tag", func(rt *route) { rt.op.tag = "nope" }, "apiTags"},
		{"no summary", func(rt *route) { rt.op.summary = "" }, "needs a summary"},
		{"undocumented path parameter", func(rt *route) { rt.pattern = "/api/v1/things/{thing}" }, "pathParams"},
		{"details for another status", func(rt *route) { rt.op.details = map[int]any{409: struct{}{}} }, "details for 409"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rt := ok()
			tc.edit(&rt)
			if _, err := buildAPIDescription([]route{rt}); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want one saying %q", err, tc.want)
			}
		})
	}
	twice := ok()
	twice.method = "PATCH"
	if _, err := buildAPIDescription([]route{ok(), twice}); err == nil || !strings.Contains(err.Error(), "operationId") {
		t.Fatalf("a repeated operationId: err = %v", err)
	}
}

func TestOpenAPIHandler(t *testing.T) {
	s := &Server{api: builtAPI(t)}
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
	if etag == "" || etag != s.api.etag {
		t.Errorf("ETag = %q, want %q", etag, s.api.etag)
	}
	if !bytes.Equal(rec.Body.Bytes(), s.api.json) {
		t.Error("the body is not the built document")
	}
	if again := builtAPI(t); again.etag != etag {
		t.Errorf("a second build has the ETag %s, the first %s: the document is not deterministic", again.etag, etag)
	}

	req := httptest.NewRequest("GET", "/api/v1/openapi.json", nil)
	req.Header.Set("If-None-Match", etag)
	rec = httptest.NewRecorder()
	s.openAPI(rec, req)
	if rec.Code != http.StatusNotModified || rec.Body.Len() != 0 {
		t.Errorf("conditional GET: status %d with %d bytes, want 304 and no body", rec.Code, rec.Body.Len())
	}
}

// TestAPIReferencePage: the reference is public, shows every operation and
// schema of the document, and every link within it lands somewhere.
func TestAPIReferencePage(t *testing.T) {
	s := newSite(t)
	rec := serve(s.srv, httptest.NewRequest("GET", "/docs/api", nil))
	if rec.Code != http.StatusOK || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/html") {
		t.Fatalf("GET /docs/api = %d %s, want a 200 page", rec.Code, rec.Header().Get("Content-Type"))
	}
	page := rec.Body.String()
	ids := map[string]bool{}
	for _, m := range regexp.MustCompile(` id="([^"]+)"`).FindAllStringSubmatch(page, -1) {
		if ids[m[1]] {
			t.Errorf("the id %q is on the page twice", m[1])
		}
		ids[m[1]] = true
	}
	doc := loadOpenAPI(t)
	for _, o := range openAPIOps(t, doc) {
		id := o.op["operationId"].(string)
		if !ids[id] {
			t.Errorf("the page has no section for %s", id)
		}
		if summary := o.op["summary"].(string); !strings.Contains(page, template.HTMLEscapeString(summary)) {
			t.Errorf("the page does not show the summary %q", summary)
		}
	}
	for name := range doc["components"].(map[string]any)["schemas"].(map[string]any) {
		if !ids["schema-"+name] {
			t.Errorf("the page has no section for the schema %s", name)
		}
	}
	links := regexp.MustCompile(`href="#([^"]+)"`).FindAllStringSubmatch(page, -1)
	if len(links) < 100 {
		t.Fatalf("only %d links within the page", len(links))
	}
	for _, m := range links {
		if !ids[m[1]] {
			t.Errorf("the link #%s lands nowhere", m[1])
		}
	}
	if strings.Count(page, "<script") != 1 {
		t.Errorf("the page loads %d scripts, want only the site's own", strings.Count(page, "<script"))
	}
}
