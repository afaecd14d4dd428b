package web

import (
	"reflect"
	"strings"
	"time"

	"github.com/invopop/jsonschema"
)

// How the API description's schemas come from Go types: each type is
// reflected by invopop/jsonschema, every named struct becoming a component
// schema, and then schemaDocs (openapi_schemas.go) adds what reflection
// cannot know.

// schemaOf reflects the type of v: a reference to its component when it is
// a named struct, the schema itself otherwise. The components it needs are
// added to the document. A type is reflected once per reflector; its
// schema is then shared, and never changed.
func (b *docBuilder) schemaOf(r *jsonschema.Reflector, v any, request bool) *jsonschema.Schema {
	key := reflectKey{reflect.TypeOf(v), request}
	if s, ok := b.roots[key]; ok {
		return s
	}
	s := r.ReflectFromType(key.t)
	for name, def := range s.Definitions {
		b.addComponent(name, def, request)
	}
	s.Definitions, s.Version, s.ID = nil, "", ""
	rewriteRefs(s)
	b.roots[key] = s
	return s
}

// reflectKey is a Go type as a request body or as an answer.
type reflectKey struct {
	t       reflect.Type
	request bool
}

func (b *docBuilder) addComponent(name string, s *jsonschema.Schema, request bool) {
	if _, ok := b.doc.Components.Schemas[name]; ok {
		if b.request[name] != request {
			b.fail("%s (%v) is both a request body and an answer; give the request its own type", name, b.typeOf[name])
		}
		return
	}
	rewriteRefs(s)
	b.doc.Components.Schemas[name] = s
	b.request[name] = request
}

// name is the reflector's name for a Go type, which a named struct's
// component is known by. The first type to claim a name keeps it; another
// one is an error.
func (b *docBuilder) name(t reflect.Type) string {
	if t.Name() == "" || t.Kind() != reflect.Struct || t == reflect.TypeFor[time.Time]() {
		return t.Name()
	}
	name := schemaName(t)
	if prev, ok := b.typeOf[name]; ok && prev != t {
		b.fail("%v and %v would both be the schema %s; name one in schemaDocs", prev, t, name)
	}
	b.typeOf[name] = t
	return name
}

// finish adds the schemas of the enumerations, applies what schemaDocs
// says to every component, and checks that it names only members its types
// have.
func (b *docBuilder) finish() {
	for _, e := range enums {
		b.doc.Components.Schemas[e.name] = &jsonschema.Schema{Type: "string", Description: e.desc, Enum: e.values}
	}
	for name, t := range b.typeOf {
		s := b.doc.Components.Schemas[name]
		if s == nil {
			continue
		}
		for _, owner := range b.describe(s, t, b.request[name]) {
			b.described[owner] = true
		}
	}
	for t, d := range schemaDocs {
		fields := directFields(t)
		for name := range d.props {
			if !fields[name] {
				b.fail("schemaDocs describes %s of %v, which has no such JSON member", name, t)
			}
		}
	}
}

// describe applies schemaDocs to the component s of Go type t: its own
// description, and each property's from the type that declares the field
// (t itself or a struct it embeds). It returns the types it drew on.
func (b *docBuilder) describe(s *jsonschema.Schema, t reflect.Type, request bool) []reflect.Type {
	d := schemaDocs[t]
	s.Description = schemaDesc(t)
	fields := jsonFields(t)
	used := []reflect.Type{t}
	if s.Properties == nil {
		return used
	}
	for pair := s.Properties.Oldest(); pair != nil; pair = pair.Next() {
		f, ok := fields[pair.Key]
		if !ok {
			continue
		}
		used = append(used, f.owner)
		// OpenAPI's format for the integers that need 64 bits.
		if k := f.typ.Kind(); pair.Value.Type == "integer" && (k == reflect.Int64 || k == reflect.Uint64) {
			pair.Value.Format = "int64"
		}
		p, ok := schemaDocs[f.owner].props[pair.Key]
		if !ok {
			continue
		}
		pair.Value = p.apply(pair.Value)
		if request && p.required {
			s.Required = append(s.Required, pair.Key)
		}
	}
	for _, name := range d.exactlyOne {
		s.OneOf = append(s.OneOf, &jsonschema.Schema{Required: []string{name}})
	}
	return used
}

// schemaRef is the reference to a component schema.
func schemaRef(name string) string { return "#/components/schemas/" + name }

// rewriteRefs points the reflector's references to its $defs at the
// document's component schemas instead.
func rewriteRefs(s *jsonschema.Schema) {
	if s == nil {
		return
	}
	if name, ok := strings.CutPrefix(s.Ref, "#/$defs/"); ok {
		s.Ref = schemaRef(name)
	}
	if s.Properties != nil {
		for pair := s.Properties.Oldest(); pair != nil; pair = pair.Next() {
			rewriteRefs(pair.Value)
		}
	}
	for _, sub := range s.PatternProperties {
		rewriteRefs(sub)
	}
	for _, list := range [][]*jsonschema.Schema{s.AllOf, s.AnyOf, s.OneOf, s.PrefixItems} {
		for _, sub := range list {
			rewriteRefs(sub)
		}
	}
	rewriteRefs(s.Items)
	rewriteRefs(s.AdditionalProperties)
	rewriteRefs(s.Not)
}

// jsonField is where a JSON member of a struct comes from: the struct type
// that declares its field (the struct itself or one it embeds), and the
// field's type without a pointer.
type jsonField struct{ owner, typ reflect.Type }

// jsonFields maps the JSON members of struct t to their fields, following
// embedded structs the way encoding/json does: a shallower field hides a
// deeper one of the same name.
func jsonFields(t reflect.Type) map[string]jsonField {
	out := map[string]jsonField{}
	var walk func(t reflect.Type, depth int, at map[string]int)
	walk = func(t reflect.Type, depth int, at map[string]int) {
		for i := range t.NumField() {
			f := t.Field(i)
			name, embedded := jsonName(f)
			if embedded {
				ft := f.Type
				if ft.Kind() == reflect.Pointer {
					ft = ft.Elem()
				}
				walk(ft, depth+1, at)
				continue
			}
			if name == "" {
				continue
			}
			if d, seen := at[name]; !seen || depth < d {
				ft := f.Type
				if ft.Kind() == reflect.Pointer {
					ft = ft.Elem()
				}
				at[name], out[name] = depth, jsonField{owner: t, typ: ft}
			}
		}
	}
	if t.Kind() == reflect.Struct {
		walk(t, 0, map[string]int{})
	}
	return out
}

// directFields are the JSON members that struct t declares itself.
func directFields(t reflect.Type) map[string]bool {
	out := map[string]bool{}
	for i := range t.NumField() {
		if name, embedded := jsonName(t.Field(i)); name != "" && !embedded {
			out[name] = true
		}
	}
	return out
}

// jsonName is the JSON member name of a struct field, "" for none, or
// embedded when encoding/json lifts the fields of an embedded struct.
func jsonName(f reflect.StructField) (name string, embedded bool) {
	tag := f.Tag.Get("json")
	if tag == "-" {
		return "", false
	}
	name, _, _ = strings.Cut(tag, ",")
	ft := f.Type
	if ft.Kind() == reflect.Pointer {
		ft = ft.Elem()
	}
	if f.Anonymous && name == "" && ft.Kind() == reflect.Struct {
		return "", true
	}
	if !f.IsExported() {
		return "", false
	}
	if name == "" {
		name = f.Name
	}
	return name, false
}

func ptr[T any](v T) *T { return &v }

func anys[T any](list []T) []any {
	out := make([]any, len(list))
	for i, v := range list {
		out[i] = v
	}
	return out
}
