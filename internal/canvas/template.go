package canvas

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/atrium-mlops/atrium/internal/atrium"
	"gopkg.in/yaml.v3"
)

// EvidenceKinds lists every evidence kind a template section may name. The
// canvas feature provides objectives, stakeholders, decisions and
// completeness; the registry, feedback, monitoring and rollout providers come
// with later features, so templates can already ask for them.
var EvidenceKinds = []string{"objectives", "stakeholders", "decisions", "completeness", "registry", "feedback", "monitoring", "rollout"}

// MomentIDs are the moments of the people grid, in order.
var MomentIDs = []string{"before", "during", "after"}

// FieldKinds are the kinds a header field may have.
var FieldKinds = []string{"text", "date", "number"}

// Limits on what a template file may hold; they keep a bad file from
// producing a page nobody can read.
const (
	maxTemplateBytes = 1 << 20
	maxPrompts       = 20
	maxPromptLen     = 500
)

// TemplateError is why a template file was refused: the file, the line and
// a reason in plain words.
type TemplateError struct {
	Source string
	Line   int
	Reason string
}

func (e *TemplateError) Error() string { return fmt.Sprintf("%s:%d: %s", e.Source, e.Line, e.Reason) }

//go:embed templates/*.yaml
var builtinFS embed.FS

var builtin = sync.OnceValues(loadBuiltin)

func loadBuiltin() ([]*Template, error) {
	entries, err := builtinFS.ReadDir("templates")
	if err != nil {
		return nil, err
	}
	var out []*Template
	for _, e := range entries {
		data, err := builtinFS.ReadFile("templates/" + e.Name())
		if err != nil {
			return nil, err
		}
		t, err := ParseTemplate("built-in:"+e.Name(), data)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	// The human-centric canvas is the one teams start from, so it comes first.
	sort.SliceStable(out, func(i, j int) bool { return out[i].ID == "human-centric-mlops" && out[j].ID != "human-centric-mlops" })
	return out, nil
}

// Builtin returns the templates embedded in the binary, parsed once. They are
// shared: callers must not modify them. A built-in template that does not
// parse is a programming error, caught by the package tests.
func Builtin() []*Template {
	ts, err := builtin()
	if err != nil {
		panic("canvas: built-in template: " + err.Error())
	}
	return ts
}

// Section returns the section with the given id and the phase holding it.
func (t *Template) Section(id string) (SectionDef, Phase, bool) {
	for _, p := range t.Phases {
		for _, s := range p.Sections {
			if s.ID == id {
				return s, p, true
			}
		}
	}
	return SectionDef{}, Phase{}, false
}

// SectionIDs lists the ids of every section in template order.
func (t *Template) SectionIDs() []string {
	var ids []string
	for _, p := range t.Phases {
		for _, s := range p.Sections {
			ids = append(ids, s.ID)
		}
	}
	return ids
}

// Field returns the header field with the given id.
func (t *Template) Field(id string) (Field, bool) {
	for _, f := range t.Header {
		if f.ID == id {
			return f, true
		}
	}
	return Field{}, false
}

// ParseTemplate reads one template from YAML. source names the file in
// errors, which all have the form "<source>:<line>: <reason>".
func ParseTemplate(source string, data []byte) (*Template, error) {
	fail := func(line int, format string, args ...any) error {
		return &TemplateError{Source: source, Line: max(line, 1), Reason: fmt.Sprintf(format, args...)}
	}
	if len(data) > maxTemplateBytes {
		return nil, fail(1, "the file is larger than 1 MiB")
	}
	if !utf8.Valid(data) {
		return nil, fail(1, "the file is not valid UTF-8")
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, fail(1, "the file is empty")
		}
		return nil, yamlError(source, err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return nil, fail(extra.Line, "a template file holds one YAML document; remove the second one (after ---)")
	}
	// Aliases could make one small file expand into a huge tree; a
	// template has no need for them.
	if a := findAlias(&doc); a != nil {
		return nil, fail(a.Line, "anchors and aliases (& and *) are not supported in templates")
	}
	root := resolve(&doc)
	if root.Kind == yaml.DocumentNode && len(root.Content) == 1 {
		root = resolve(root.Content[0])
	}
	if err := checkShape(root, reflect.TypeFor[Template](), "the template", fail); err != nil {
		return nil, err
	}
	// The shape check above gives the friendly messages; decoding strictly
	// again is the safety net should the two ever disagree.
	strict := yaml.NewDecoder(bytes.NewReader(data))
	strict.KnownFields(true)
	t := new(Template)
	if err := strict.Decode(t); err != nil {
		return nil, yamlError(source, err)
	}
	t.Source = source
	if err := validateTemplate(t, root, fail); err != nil {
		return nil, err
	}
	return t, nil
}

var yamlLineRE = regexp.MustCompile(`line (\d+): (.*)`)

// yamlError turns a yaml.v3 error into "<source>:<line>: <reason>".
func yamlError(source string, err error) error {
	msg := err.Error()
	if m := yamlLineRE.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		return &TemplateError{Source: source, Line: line, Reason: "not valid YAML: " + m[2]}
	}
	return &TemplateError{Source: source, Line: 1, Reason: "not valid YAML: " + strings.TrimPrefix(msg, "yaml: ")}
}

// findAlias returns the first node that is an alias or carries an anchor.
func findAlias(n *yaml.Node) *yaml.Node {
	if n.Kind == yaml.AliasNode || n.Anchor != "" {
		return n
	}
	for _, c := range n.Content {
		if a := findAlias(c); a != nil {
			return a
		}
	}
	return nil
}

func resolve(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	return n
}

type failFunc func(line int, format string, args ...any) error

// checkShape walks the YAML tree beside the Go type it will be decoded into,
// so that unknown or repeated keys and values of the wrong shape are reported
// with their line in words a template author understands.
func checkShape(at *yaml.Node, typ reflect.Type, what string, fail failFunc) error {
	n := resolve(at)
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return nil
	}
	switch typ.Kind() {
	case reflect.Struct:
		if n.Kind != yaml.MappingNode {
			return fail(at.Line, "%s should be a set of keys and values", what)
		}
		fields := yamlFields(typ)
		seen := map[string]int{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := resolve(n.Content[i]), n.Content[i+1]
			if first, dup := seen[k.Value]; dup {
				return fail(k.Line, "key %q appears twice (first at line %d)", k.Value, first)
			}
			seen[k.Value] = k.Line
			ft, ok := fields[k.Value]
			if !ok {
				return fail(k.Line, "unknown key %q%s", k.Value, suggest(k.Value, fields))
			}
			if err := checkShape(v, ft, strconv.Quote(k.Value), fail); err != nil {
				return err
			}
		}
	case reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			return fail(at.Line, "%s should be a list", what)
		}
		for _, item := range n.Content {
			if err := checkShape(item, typ.Elem(), "each entry of "+what, fail); err != nil {
				return err
			}
		}
	case reflect.String:
		if n.Kind != yaml.ScalarNode {
			return fail(at.Line, "%s should be text", what)
		}
	case reflect.Bool:
		if n.Kind != yaml.ScalarNode || n.Tag != "!!bool" {
			return fail(at.Line, "%s should be true or false", what)
		}
	}
	return nil
}

// yamlFields maps the YAML keys of a struct type to their field types.
func yamlFields(typ reflect.Type) map[string]reflect.Type {
	out := map[string]reflect.Type{}
	for i := range typ.NumField() {
		f := typ.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if name == "-" || !f.IsExported() {
			continue
		}
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		out[name] = f.Type
	}
	return out
}

// suggest names the known key closest to a misspelt one.
func suggest(key string, known map[string]reflect.Type) string {
	best, bestD := "", 3
	for k := range known {
		if d := editDistance(key, k); d < bestD || (d == bestD && k < best) {
			best, bestD = k, d
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// value returns the value node of key in mapping m, or nil.
func value(m *yaml.Node, key string) *yaml.Node {
	m = resolve(m)
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if resolve(m.Content[i]).Value == key {
			return resolve(m.Content[i+1])
		}
	}
	return nil
}

// lineOf is the line of key's value in m, or of m itself when key is absent.
func lineOf(m *yaml.Node, key string) int {
	if v := value(m, key); v != nil {
		return v.Line
	}
	if m = resolve(m); m != nil {
		return m.Line
	}
	return 1
}

// item returns the i-th entry of the list under key in m.
func item(m *yaml.Node, key string, i int) *yaml.Node {
	if l := value(m, key); l != nil && l.Kind == yaml.SequenceNode && i < len(l.Content) {
		return resolve(l.Content[i])
	}
	return resolve(m)
}

// textProblem says what is wrong with one line of template text, or "".
func textProblem(what, v string, maxLen int, required, multiline bool) string {
	if required && strings.TrimSpace(v) == "" {
		return what + " is required"
	}
	if n := utf8.RuneCountInString(v); n > maxLen {
		return fmt.Sprintf("%s is too long (%d characters, at most %d)", what, n, maxLen)
	}
	for _, r := range v {
		if multiline && (r == '\n' || r == '\t') {
			continue
		}
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' {
			if r == '\n' {
				return what + " must be a single line"
			}
			return fmt.Sprintf("%s contains a control character (U+%04X)", what, r)
		}
	}
	return ""
}

func slugProblem(what, v string) string {
	if v == "" {
		return what + " is required"
	}
	if !atrium.IsSlug(v) {
		return fmt.Sprintf("%s %q must be lower-case letters, digits and inner hyphens, at most 64 characters", what, v)
	}
	return ""
}

func oneOf(list []string) string { return strings.Join(list, ", ") }

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}
