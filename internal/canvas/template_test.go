package canvas

import (
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/atrium-mlops/atrium/internal/people"
)

// The section ids of canvas-outline.md, per phase, in order.
var outline = map[string][][2]string{
	"human-centric-mlops": {
		{"scoping", "problem-definition objective-setting feasibility stakeholder-engagement expectation-management"},
		{"data", "data-acquisition data-preparation data-management"},
		{"modelling", "requirements internal-capabilities existing-solutions model-selection-evaluation"},
		{"deployment", "integration user-experience skills-resources hardware-software value-impact"},
		{"usage", "decision-makers users people-affected processes additional-stakeholders test-pilots rollout-strategy feedback-mechanisms"},
	},
	"mlops-canvas-v0.1": {
		{"problem", "background value-proposition objectives"},
		{"data", "data-collection data-governance"},
		{"model", "modelling metrics-evaluation model-governance"},
		{"operations", "inference decision"},
		{"monitoring", "feedback lifetime"},
	},
}

var outlineHeader = map[string]string{
	"human-centric-mlops": "user-name:text team-name:text use-case-name:text canvas-date:date",
	"mlops-canvas-v0.1":   "product-name:text designed-by:text date:date iteration:number",
}

func builtinByID(t *testing.T, id string) *Template {
	t.Helper()
	lib, err := NewLibrary(Builtin()...)
	if err != nil {
		t.Fatal(err)
	}
	tpl, ok := lib.Get(id)
	if !ok {
		t.Fatalf("built-in template %q missing", id)
	}
	return tpl
}

func TestBuiltinTemplatesFollowOutline(t *testing.T) {
	ts, err := loadBuiltin()
	if err != nil {
		t.Fatalf("built-in templates do not parse: %v", err)
	}
	if got := len(ts); got != 2 {
		t.Fatalf("len(Builtin) = %d, want 2", got)
	}
	if ts[0].ID != "human-centric-mlops" {
		t.Errorf("first built-in = %q, want human-centric-mlops", ts[0].ID)
	}
	names := map[string]string{"human-centric-mlops": "Human-Centric MLOps Canvas", "mlops-canvas-v0.1": "Machine Learning Operations Canvas v0.1"}
	for id, phases := range outline {
		tpl := builtinByID(t, id)
		if tpl.Name != names[id] {
			t.Errorf("%s: Name = %q, want %q", id, tpl.Name, names[id])
		}
		if got := len(tpl.Phases); got != 5 {
			t.Errorf("%s: %d phases, want 5", id, got)
		}
		var all []string
		for i, want := range phases {
			if i >= len(tpl.Phases) {
				break
			}
			p := tpl.Phases[i]
			if p.ID != want[0] || p.Title == "" || p.Purpose == "" {
				t.Errorf("%s: phase %d = %q (title %q, purpose %q), want %q with a title and purpose", id, i, p.ID, p.Title, p.Purpose, want[0])
			}
			var got []string
			for _, s := range p.Sections {
				got = append(got, s.ID)
			}
			if strings.Join(got, " ") != want[1] {
				t.Errorf("%s: phase %s sections = %v, want %v", id, p.ID, got, want[1])
			}
			all = append(all, strings.Fields(want[1])...)
		}
		if got := tpl.SectionIDs(); !slices.Equal(got, all) {
			t.Errorf("%s: SectionIDs = %v, want %v", id, got, all)
		}
		var header []string
		for _, f := range tpl.Header {
			if f.Label == "" {
				t.Errorf("%s: header field %s has no label", id, f.ID)
			}
			header = append(header, f.ID+":"+f.Kind)
		}
		if got := strings.Join(header, " "); got != outlineHeader[id] {
			t.Errorf("%s: header = %q, want %q", id, got, outlineHeader[id])
		}
	}
}

func TestBuiltinSectionsHavePromptsAndEvidence(t *testing.T) {
	for _, tpl := range Builtin() {
		for _, p := range tpl.Phases {
			for _, s := range p.Sections {
				name := tpl.ID + "/" + s.ID
				if n := len(s.Prompts); n < 1 || n > 5 {
					t.Errorf("%s: %d prompts, want 1–5", name, n)
				}
				if !slices.Contains(s.Evidence, "decisions") {
					t.Errorf("%s: evidence %v lacks decisions", name, s.Evidence)
				}
				wantObjectives := s.ID == "objective-setting" || s.ID == "objectives"
				if s.Objectives != wantObjectives {
					t.Errorf("%s: Objectives = %v, want %v", name, s.Objectives, wantObjectives)
				}
				if wantObjectives && !slices.Equal(s.Evidence, []string{"objectives", "decisions"}) {
					t.Errorf("%s: evidence = %v, want [objectives decisions]", name, s.Evidence)
				}
				for kind, ids := range map[string]string{
					"stakeholders": "stakeholder-engagement decision-makers users people-affected additional-stakeholders test-pilots",
					"completeness": "expectation-management lifetime",
					"rollout":      "rollout-strategy inference",
					"monitoring":   "value-impact feedback-mechanisms",
					"feedback":     "feedback-mechanisms feedback",
					"registry":     "data-acquisition data-preparation data-management existing-solutions model-selection-evaluation data-collection data-governance modelling metrics-evaluation model-governance",
				} {
					want := slices.Contains(strings.Fields(ids), s.ID)
					if got := slices.Contains(s.Evidence, kind); got != want {
						t.Errorf("%s: shows %s = %v, want %v", name, kind, got, want)
					}
				}
			}
		}
	}
}

func TestPeopleGrid(t *testing.T) {
	tpl := builtinByID(t, "human-centric-mlops")
	for id, kind := range map[string]string{
		"decision-makers": people.DecisionMaker, "users": people.User, "people-affected": people.PersonAffected, "processes": "",
		"additional-stakeholders": people.Additional, "test-pilots": people.TestPilot,
	} {
		s, p, ok := tpl.Section(id)
		if !ok || p.ID != "usage" {
			t.Fatalf("Section(%q) = phase %q, %v; want usage", id, p.ID, ok)
		}
		if s.Stakeholders != kind {
			t.Errorf("%s: Stakeholders = %q, want %q", id, s.Stakeholders, kind)
		}
		if kind == people.Additional || kind == people.TestPilot {
			continue
		}
		var moments []string
		for _, m := range s.Moments {
			moments = append(moments, m.ID)
			if m.Title == "" || len(m.Prompts) == 0 {
				t.Errorf("%s/%s: title %q, %d prompts; want both", id, m.ID, m.Title, len(m.Prompts))
			}
		}
		if !slices.Equal(moments, MomentIDs) {
			t.Errorf("%s: moments = %v, want %v", id, moments, MomentIDs)
		}
	}
	if _, _, ok := tpl.Section("nope"); ok {
		t.Error(`Section("nope") found something`)
	}
}

// TestBuiltinTextIsOurOwn checks that no built-in template shares a
// nine-word run with the seed documents it was written from.
func TestBuiltinTextIsOurOwn(t *testing.T) {
	const seeds = "/work/shared/seeds"
	files, _ := filepath.Glob(filepath.Join(seeds, "*"))
	if len(files) == 0 {
		t.Skip("seed documents not present")
	}
	word := regexp.MustCompile(`[a-z0-9']+`)
	grams := func(s string) map[string]bool {
		w := word.FindAllString(strings.ToLower(s), -1)
		out := map[string]bool{}
		for i := 0; i+9 <= len(w); i++ {
			out[strings.Join(w[i:i+9], " ")] = true
		}
		return out
	}
	seen := map[string]string{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for g := range grams(string(data)) {
			seen[g] = filepath.Base(f)
		}
	}
	entries, err := builtinFS.ReadDir("templates")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		data, _ := builtinFS.ReadFile("templates/" + e.Name())
		for g := range grams(string(data)) {
			if f, ok := seen[g]; ok {
				t.Errorf("%s shares %q with %s", e.Name(), g, f)
			}
		}
	}
}

const validCustom = `id: risk-review
name: Risk review
header:
  - id: owner
    label: Owner
phases:
  - id: risks
    title: Risks
    sections:
      - id: risk
        title: Risk
        prompts: ["What could go wrong?"]
        evidence: [decisions]
`

func TestParseTemplateErrors(t *testing.T) {
	base := func(sections string) string {
		return "id: risk-review\nname: Risk review\nphases:\n  - id: risks\n    title: Risks\n    sections:\n" + sections
	}
	sec := func(id string) string {
		return "      - id: " + id + "\n        title: T\n        prompts: [p]\n"
	}
	for _, tc := range []struct {
		name, doc, want string
	}{
		{"empty", "", "custom/risk.yaml:1: the file is empty"},
		{"not utf-8", "id: \xff\n", "custom/risk.yaml:1: the file is not valid UTF-8"},
		{"too large", "description: " + strings.Repeat("d", 1<<20) + "\n", "custom/risk.yaml:1: the file is larger than 1 MiB"},
		{"only comments", "# nothing yet\n", "custom/risk.yaml:1: the file is empty"},
		{"alias", "id: &a x\nname: y\nphases: *a\n", "custom/risk.yaml:1: anchors and aliases (& and *) are not supported in templates"},
		{"syntax", "id: [x\nname: y\n", "custom/risk.yaml:1: not valid YAML: did not find expected ',' or ']'"},
		{"unknown key", "id: x\nname: y\nphses: []\n", `custom/risk.yaml:3: unknown key "phses" (did you mean "phases"?)`},
		{"unknown far key", "id: x\ncolour: red\n", `custom/risk.yaml:2: unknown key "colour"`},
		{"key twice", "id: x\nname: y\nid: z\n", `custom/risk.yaml:3: key "id" appears twice (first at line 1)`},
		{"two documents", validCustom + "---\nid: other\n", "custom/risk.yaml:14: a template file holds one YAML document; remove the second one (after ---)"},
		{"not a mapping", "- a\n- b\n", "custom/risk.yaml:1: the template should be a set of keys and values"},
		{"phases not list", "id: x\nname: y\nphases: nope\n", `custom/risk.yaml:3: "phases" should be a list`},
		{"title not text", base("      - id: a\n        title: [x]\n        prompts: [p]\n"), `custom/risk.yaml:8: "title" should be text`},
		{"objectives not bool", base(sec("a") + "        objectives: maybe\n"), `custom/risk.yaml:10: "objectives" should be true or false`},
		{"missing id", "name: y\nphases: []\n", "custom/risk.yaml:1: the template id is required"},
		{"bad id", "id: Risk Review\nname: y\n", `custom/risk.yaml:1: the template id "Risk Review" must be lower-case letters, digits and inner hyphens or dots, at most 64 characters`},
		{"missing name", "id: x\nphases: []\n", "custom/risk.yaml:1: the template name is required"},
		{"long name", "id: x\nname: " + strings.Repeat("n", 201) + "\n", "custom/risk.yaml:2: the template name is too long (201 characters, at most 200)"},
		{"no phases", "id: x\nname: y\nphases: []\n", "custom/risk.yaml:3: a template needs at least one phase"},
		{"no sections", "id: x\nname: y\nphases:\n  - id: a\n    title: A\n", "custom/risk.yaml:4: a template needs at least one section"},
		{"phase twice", "id: x\nname: y\nphases:\n  - id: a\n    title: A\n  - id: a\n    title: B\n", `custom/risk.yaml:6: phase "a" appears twice (first at line 4)`},
		{"phase without title", "id: x\nname: y\nphases:\n  - id: a\n", `custom/risk.yaml:4: the title of phase "a" is required`},
		{"bad phase id", "id: x\nname: y\nphases:\n  - id: A_1\n    title: A\n", `custom/risk.yaml:4: the phase id "A_1" must be lower-case letters, digits and inner hyphens, at most 64 characters`},
		{"section twice", base(sec("risk") + sec("other") + sec("risk")), `custom/risk.yaml:13: section "risk" appears twice (first at line 7)`},
		{"section twice across phases", base(sec("risk")) + "  - id: more\n    title: More\n    sections:\n" + sec("risk"), `custom/risk.yaml:13: section "risk" appears twice (first at line 7)`},
		{"section without title", base("      - id: a\n        prompts: [p]\n"), `custom/risk.yaml:7: the title of section "a" is required`},
		{"no prompts", base("      - id: a\n        title: A\n"), `custom/risk.yaml:7: section "a" needs at least one prompt`},
		{"long prompt", base("      - id: a\n        title: A\n        prompts:\n          - ok\n          - " + strings.Repeat("p", 501) + "\n"), `custom/risk.yaml:11: a prompt of section "a" is too long (501 characters, at most 500)`},
		{"unknown evidence", base(sec("a") + "        evidence:\n          - decisions\n          - monitors\n"), `custom/risk.yaml:12: evidence kind "monitors" is not one of objectives, stakeholders, decisions, completeness, registry, feedback, monitoring, rollout`},
		{"evidence twice", base(sec("a") + "        evidence: [decisions, decisions]\n"), `custom/risk.yaml:10: evidence kind "decisions" is listed twice in section "a"`},
		{"bad stakeholder kind", base(sec("a") + "        stakeholders: boss\n"), `custom/risk.yaml:10: stakeholder kind "boss" is not one of decision-maker, user, person-affected, additional, test-pilot`},
		{"bad moment", base(sec("a") + "        moments:\n          - id: later\n            prompts: [p]\n"), `custom/risk.yaml:11: moment "later" is not one of before, during, after`},
		{"moment twice", base(sec("a") + "        moments:\n          - id: before\n            prompts: [p]\n          - id: before\n            prompts: [q]\n"), `custom/risk.yaml:13: moment "before" appears twice in section "a" (first at line 11)`},
		{"moment without prompts", base(sec("a") + "        moments:\n          - id: after\n"), `custom/risk.yaml:11: moment "after" of section "a" needs at least one prompt`},
		{"header kind", "id: x\nname: y\nheader:\n  - id: when\n    label: When\n    kind: datetime\n", `custom/risk.yaml:6: header field "when" has kind "datetime", which is not one of text, date, number`},
		{"header twice", "id: x\nname: y\nheader:\n  - id: a\n    label: A\n  - id: a\n    label: B\n", `custom/risk.yaml:6: header field "a" appears twice (first at line 4)`},
		{"header label", "id: x\nname: y\nheader:\n  - id: a\n", `custom/risk.yaml:4: the label of header field "a" is required`},
		{"header same label", "id: x\nname: y\nheader:\n  - id: a\n    label: Date\n  - id: b\n    label: date\n", `custom/risk.yaml:7: header fields "a" and "b" have the same label "date"`},
		{"header title reserved", "id: x\nname: y\nheader:\n  - id: title\n    label: T\n", `custom/risk.yaml:4: header field id "title" is reserved for the canvas title; choose another id`},
		{"control character", "id: x\nname: \"a\\u0007b\"\n", "custom/risk.yaml:2: the template name contains a control character (U+0007)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseTemplate("custom/risk.yaml", []byte(tc.doc))
			if err == nil {
				t.Fatalf("ParseTemplate passed, want %q", tc.want)
			}
			if got := err.Error(); got != tc.want {
				t.Fatalf("err = %q\nwant  %q", got, tc.want)
			}
			var te *TemplateError
			if !errors.As(err, &te) {
				t.Fatalf("err is %T, want *TemplateError", err)
			}
		})
	}
}

func TestParseTemplateDefaults(t *testing.T) {
	doc := validCustom + `      - id: people
        title: People
        prompts:
          - >
            Who is involved,
            and how?
        moments:
          - id: during
            prompts: ["How do they take part?"]
`
	tpl, err := ParseTemplate("x.yaml", []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	if tpl.Source != "x.yaml" || tpl.Header[0].Kind != "text" {
		t.Errorf("Source = %q, header kind = %q; want x.yaml, text", tpl.Source, tpl.Header[0].Kind)
	}
	s, _, _ := tpl.Section("people")
	if s.Prompts[0] != "Who is involved, and how?" {
		t.Errorf("folded prompt = %q, want it trimmed to one line", s.Prompts[0])
	}
	if s.Moments[0].Title != "During deployment" {
		t.Errorf("moment title = %q, want the default", s.Moments[0].Title)
	}
}

func TestLoadLibrary(t *testing.T) {
	dir := t.TempDir()
	write := func(name, doc string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), []byte(doc), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("risk.yaml", validCustom)
	write("notes.txt", "not a template")
	lib, err := LoadLibrary(dir)
	if err != nil {
		t.Fatalf("LoadLibrary: %v", err)
	}
	var ids []string
	for _, tpl := range lib.List() {
		ids = append(ids, tpl.ID)
	}
	if want := []string{"human-centric-mlops", "mlops-canvas-v0.1", "risk-review"}; !slices.Equal(ids, want) {
		t.Errorf("ids = %v, want %v", ids, want)
	}
	if tpl, _ := lib.Get("risk-review"); tpl.Source != filepath.Join(dir, "risk.yaml") {
		t.Errorf("Source = %q, want the file path", tpl.Source)
	}

	write("broken.yml", "id: broken\nname: Broken\nphases:\n  - id: a\n    title: A\n    sections:\n      - id: s\n        title: S\n")
	_, err = LoadLibrary(dir)
	want := filepath.Join(dir, "broken.yml") + `:7: section "s" needs at least one prompt`
	if err == nil || err.Error() != want {
		t.Fatalf("LoadLibrary(broken) err = %v, want %q", err, want)
	}

	dup := t.TempDir()
	if err := os.WriteFile(filepath.Join(dup, "copy.yaml"), []byte(strings.Replace(validCustom, "risk-review", "mlops-canvas-v0.1", 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadLibrary(dup); err == nil || !strings.Contains(err.Error(), `template id "mlops-canvas-v0.1" is already used by built-in:mlops-canvas-v0.1.yaml`) {
		t.Fatalf("LoadLibrary(duplicate id) err = %v, want a duplicate-id error", err)
	}
	if _, err := LoadLibrary(filepath.Join(dir, "missing")); err == nil {
		t.Fatal("LoadLibrary(missing folder) passed, want an error")
	}
	lib, err = LoadLibrary("")
	if err != nil || len(lib.List()) != 2 {
		t.Fatalf("LoadLibrary(\"\") = %v templates, %v; want the 2 built-ins", len(lib.List()), err)
	}
}

// TestDocumentedExampleParses keeps the example in docs/templates.md true:
// the YAML shown to people must be a template the loader accepts.
func TestDocumentedExampleParses(t *testing.T) {
	doc, err := os.ReadFile("../../docs/templates.md")
	if err != nil {
		t.Fatalf("read docs/templates.md: %v", err)
	}
	_, rest, ok := strings.Cut(string(doc), "## Format\n\n```yaml\n")
	example, _, closed := strings.Cut(rest, "```")
	if !ok || !closed {
		t.Fatal("docs/templates.md has no yaml example under ## Format")
	}
	tpl, err := ParseTemplate("docs/templates.md", []byte(example))
	if err != nil {
		t.Fatalf("the documented example is refused: %v", err)
	}
	if len(tpl.Phases) != 2 || len(tpl.SectionIDs()) != 3 {
		t.Fatalf("example has %d phases and %d sections, want 2 and 3", len(tpl.Phases), len(tpl.SectionIDs()))
	}
}
