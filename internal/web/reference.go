package web

import (
	"cmp"
	"fmt"
	"html/template"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/invopop/jsonschema"
)

// The API reference page shows the OpenAPI document to people: every
// operation with its parameters, body and answers, and every schema. It is
// drawn once, at start-up, from the same document that /api/v1/openapi.json
// serves, so the two cannot disagree. It is public like that document: it
// holds nothing else, and someone writing a client may read it before they
// have an account.

// apiReference is the reference page's content.
type apiReference struct {
	Summary string
	Intro   template.HTML
	Groups  []refGroup
	Schemas []refSchema
}

// refGroup is the operations of one tag, in the route table's order.
type refGroup struct {
	Tag, Title string
	Desc       template.HTML
	Ops        []refOp
}

// refOp is one operation.
type refOp struct {
	ID, Method, Path, Summary string
	Desc                      template.HTML
	Public                    bool
	Params                    []refParam
	Body                      []refMedia
	Responses                 []refResponse
}

type refParam struct {
	Name, In string
	Required bool
	Type     template.HTML
	Desc     template.HTML
}

// refMedia is a body in one media type.
type refMedia struct {
	Type   string
	Schema template.HTML
}

type refResponse struct {
	Status string
	Desc   template.HTML
	Media  []refMedia
}

// refSchema is one component schema.
type refSchema struct {
	Name  string
	Desc  template.HTML
	Type  template.HTML // for a schema that is not an object
	Rules template.HTML
	Props []refProp
	// OneOf explains a request that needs exactly one of some members.
	OneOf template.HTML
}

type refProp struct {
	Name     string
	Required bool
	Type     template.HTML
	Desc     template.HTML
	Rules    template.HTML
}

// apiReferenceData is the reference page.
type apiReferenceData struct {
	frame
	*apiReference
}

// pageAPIReference shows the API reference.
func (s *Server) pageAPIReference(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "api-reference", apiReferenceData{frame: s.frame(r, "API reference", "api"), apiReference: s.ref})
}

// newAPIReference lays the document out for the page.
func newAPIReference(doc *openAPIDoc) *apiReference {
	ref := &apiReference{Summary: doc.Info.Summary, Intro: docHTML(doc.Info.Description)}
	for _, tag := range doc.Tags {
		g := refGroup{Tag: tag.Name, Title: tag.title, Desc: docHTML(tag.Description)}
		for _, o := range doc.ops {
			if o.Tags[0] == tag.Name {
				g.Ops = append(g.Ops, refOperation(doc, o))
			}
		}
		ref.Groups = append(ref.Groups, g)
	}
	names := slices.Sorted(maps.Keys(doc.Components.Schemas))
	for _, name := range names {
		ref.Schemas = append(ref.Schemas, refSchemaOf(name, doc.Components.Schemas[name]))
	}
	return ref
}

func refOperation(doc *openAPIDoc, o *operation) refOp {
	op := refOp{ID: o.OperationID, Method: o.method, Path: o.path, Summary: o.Summary, Desc: docHTML(o.Description),
		Public: o.Security != nil}
	for _, p := range append(slices.Clone(o.pathItem.Parameters), o.Parameters...) {
		if name, ok := strings.CutPrefix(p.Ref, "#/components/parameters/"); ok {
			p = doc.Components.Parameters[name]
		}
		op.Params = append(op.Params, refParam{Name: p.Name, In: p.In, Required: p.Required, Type: typeHTML(p.Schema),
			Desc: joinHTML(inlineHTML(p.Description), rulesHTML(p.Schema))})
	}
	if o.RequestBody != nil {
		op.Body = refContent(o.RequestBody.Content)
	}
	codes := slices.Sorted(maps.Keys(o.Responses))
	for _, code := range codes {
		r := o.Responses[code]
		desc := r.Description
		media := r.Content
		if name, ok := strings.CutPrefix(r.Ref, "#/components/responses/"); ok {
			shared := doc.Components.Responses[name]
			desc = cmp.Or(desc, shared.Description)
			media = shared.Content
		}
		op.Responses = append(op.Responses, refResponse{Status: code, Desc: inlineHTML(desc), Media: refContent(media)})
	}
	return op
}

func refContent(content map[string]*mediaType) []refMedia {
	var out []refMedia
	for _, name := range slices.Sorted(maps.Keys(content)) {
		out = append(out, refMedia{Type: name, Schema: typeHTML(content[name].Schema)})
	}
	return out
}

func refSchemaOf(name string, s *jsonschema.Schema) refSchema {
	out := refSchema{Name: name, Desc: inlineHTML(s.Description)}
	if s.Properties == nil {
		out.Type, out.Rules = typeHTML(s), rulesHTML(s)
		return out
	}
	for pair := s.Properties.Oldest(); pair != nil; pair = pair.Next() {
		p := pair.Value
		out.Props = append(out.Props, refProp{Name: pair.Key, Required: slices.Contains(s.Required, pair.Key),
			Type: typeHTML(p), Desc: inlineHTML(p.Description), Rules: rulesHTML(p)})
	}
	var one []string
	for _, alt := range s.OneOf {
		one = append(one, "`"+strings.Join(alt.Required, "`, `")+"`")
	}
	if len(one) > 0 {
		out.OneOf = inlineHTML("Send exactly one of " + strings.Join(one, ", ") + ".")
	}
	return out
}

// typeHTML names a schema's type for people, linking the schemas it refers to.
func typeHTML(s *jsonschema.Schema) template.HTML {
	switch {
	case s == nil || s == jsonschema.TrueSchema:
		return "any"
	case s.Ref != "":
		name := strings.TrimPrefix(s.Ref, "#/components/schemas/")
		return template.HTML(`<a href="#schema-` + template.HTMLEscapeString(name) + `">` + template.HTMLEscapeString(name) + `</a>`)
	case len(s.OneOf) > 0 || len(s.AllOf) > 0:
		alts, sep := s.OneOf, " or "
		if len(s.AllOf) > 0 {
			alts, sep = s.AllOf, " with "
		}
		var parts []string
		for _, alt := range alts {
			parts = append(parts, string(typeHTML(alt)))
		}
		return template.HTML(strings.Join(parts, sep))
	case s.Type == "array":
		return "array of " + typeHTML(s.Items)
	case s.Type == "object" && s.AdditionalProperties != nil && s.AdditionalProperties != jsonschema.FalseSchema:
		return "object of " + typeHTML(s.AdditionalProperties)
	case s.Type == "":
		return "any"
	case s.Format != "":
		return template.HTML(template.HTMLEscapeString(s.Type + " (" + s.Format + ")"))
	}
	return template.HTML(template.HTMLEscapeString(s.Type))
}

// rulesHTML lists a schema's limits and values in words.
func rulesHTML(s *jsonschema.Schema) template.HTML {
	if s == nil {
		return ""
	}
	var rules []string
	if len(s.Enum) > 0 {
		var vals []string
		for _, v := range s.Enum {
			vals = append(vals, "`"+jsonText(v)+"`")
		}
		rules = append(rules, "One of "+strings.Join(vals, ", ")+".")
	}
	switch {
	case s.MinLength != nil && s.MaxLength != nil:
		rules = append(rules, fmt.Sprintf("%d to %d characters.", *s.MinLength, *s.MaxLength))
	case s.MaxLength != nil:
		rules = append(rules, fmt.Sprintf("At most %d characters.", *s.MaxLength))
	case s.MinLength != nil:
		rules = append(rules, fmt.Sprintf("At least %d characters.", *s.MinLength))
	}
	if s.Pattern != "" {
		rules = append(rules, "Matches `"+s.Pattern+"`.")
	}
	if s.Minimum != "" {
		rules = append(rules, "At least "+string(s.Minimum)+".")
	}
	if s.Maximum != "" {
		rules = append(rules, "At most "+string(s.Maximum)+".")
	}
	if s.MaxItems != nil {
		rules = append(rules, fmt.Sprintf("At most %d items.", *s.MaxItems))
	}
	if s.Default != nil {
		rules = append(rules, "Default `"+jsonText(s.Default)+"`.")
	}
	if len(s.Examples) > 0 {
		var vals []string
		for _, v := range s.Examples {
			vals = append(vals, "`"+jsonText(v)+"`")
		}
		rules = append(rules, "For example "+strings.Join(vals, ", ")+".")
	}
	each := s.Items
	if each == nil && s.AdditionalProperties != jsonschema.FalseSchema {
		each = s.AdditionalProperties
	}
	text := inlineHTML(strings.Join(rules, " "))
	if r := rulesHTML(each); r != "" {
		text = joinHTML(text, "Each: "+r)
	}
	return text
}

// jsonText shows a value as JSON would, strings without their quotes.
func jsonText(v any) string {
	switch v := v.(type) {
	case string:
		if v == "" {
			return `""`
		}
		return v
	case bool:
		return strconv.FormatBool(v)
	}
	return fmt.Sprint(v)
}

// joinHTML puts two pieces of text one after the other.
func joinHTML(a, b template.HTML) template.HTML {
	if a == "" || b == "" {
		return a + b
	}
	return a + " " + b
}

// inlineHTML is text with `code` spans, escaped: the only markup the API
// description's short texts use.
func inlineHTML(s string) template.HTML {
	var b strings.Builder
	for i, part := range strings.Split(s, "`") {
		if i%2 == 1 {
			b.WriteString("<code>" + template.HTMLEscapeString(part) + "</code>")
		} else {
			b.WriteString(template.HTMLEscapeString(part))
		}
	}
	return template.HTML(b.String())
}

// docHTML is a longer text: paragraphs apart by a blank line, lines that
// start with "- " as a list, and code spans.
func docHTML(s string) template.HTML {
	var b strings.Builder
	for _, block := range strings.Split(s, "\n\n") {
		lines := strings.Split(block, "\n")
		if strings.HasPrefix(lines[0], "- ") {
			b.WriteString("<ul>")
			for _, l := range lines {
				b.WriteString("<li>" + string(inlineHTML(strings.TrimPrefix(l, "- "))) + "</li>")
			}
			b.WriteString("</ul>")
			continue
		}
		b.WriteString("<p>" + string(inlineHTML(strings.Join(lines, " "))) + "</p>")
	}
	return template.HTML(b.String())
}
