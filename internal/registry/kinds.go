package registry

import (
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/atrium-mlops/atrium/internal/atrium"
)

// DatasetRole is what a dataset version is used for.
type DatasetRole string

// The roles of a dataset version.
const (
	Training   DatasetRole = "training"
	Validation DatasetRole = "validation"
	Test       DatasetRole = "test"
	Reference  DatasetRole = "reference"
)

// DatasetInfo holds a dataset version's own fields. Sensitivity given here
// is what was known at registration; people confirm or change it later
// (it is governance data, not content, so it is kept beside the version).
type DatasetInfo struct {
	Role        DatasetRole  `json:"role,omitempty"`
	Schema      []Column     `json:"schema,omitempty"`
	Profile     *Profile     `json:"profile,omitempty"`
	Source      string       `json:"source,omitempty"` // where the data came from: a system, a query, a vendor
	Owner       string       `json:"owner,omitempty"`  // who answers for it
	Sensitivity *Sensitivity `json:"sensitivity,omitempty"`
}

// Validate checks the dataset fields.
func (d *DatasetInfo) Validate() error {
	switch d.Role {
	case "", Training, Validation, Test, Reference:
	default:
		return atrium.Errorf(atrium.Invalid, "dataset role must be training, validation, test or reference (got %q)", atrium.Truncate(string(d.Role), 40))
	}
	if err := CheckSchema(d.Schema); err != nil {
		return err
	}
	if d.Profile != nil {
		if err := d.Profile.Check(); err != nil {
			return err
		}
	}
	var err error
	if d.Source, err = atrium.CheckText("source", d.Source, MaxURI, false, false); err != nil {
		return err
	}
	if d.Owner, err = atrium.CheckText("owner", d.Owner, maxShortText, false, false); err != nil {
		return err
	}
	if d.Sensitivity != nil {
		return d.Sensitivity.Check(d.Schema)
	}
	return nil
}

// VersionRef points at one version of a dataset of the same use case.
type VersionRef struct {
	Name    string `json:"name"`
	Version int    `json:"version"`
}

// CodeRef names the code a model was trained with.
type CodeRef struct {
	Repository string `json:"repository"`
	Commit     string `json:"commit"`
}

// Signature is what a model takes and returns.
type Signature struct {
	Inputs  []Column `json:"inputs,omitempty"`
	Outputs []Column `json:"outputs,omitempty"`
}

// ModelInfo holds a model version's own fields. RunID names the run that
// produced the version (an experiment-tracking run of the same use case).
type ModelInfo struct {
	Framework      string            `json:"framework,omitempty"`
	Task           string            `json:"task,omitempty"`
	Parameters     map[string]string `json:"parameters,omitempty"`
	Signature      *Signature        `json:"signature,omitempty"`
	TrainingData   []VersionRef      `json:"training_data,omitempty"`
	EvaluationData []VersionRef      `json:"evaluation_data,omitempty"`
	Code           *CodeRef          `json:"code,omitempty"`
	RunID          string            `json:"run_id,omitempty"`
	ReleaseNotes   string            `json:"release_notes,omitempty"`
}

// MaxParameters bounds a model's parameters.
const MaxParameters = 500

var (
	commitRE = regexp.MustCompile(`^[0-9a-f]{7,64}$`)
	runIDRE  = regexp.MustCompile(`^[A-Za-z0-9]{1,64}$`)
)

// Validate checks and normalises the model fields.
func (m *ModelInfo) Validate() error {
	var err error
	if m.Framework, err = atrium.CheckText("framework", m.Framework, maxShortText, false, false); err != nil {
		return err
	}
	if m.Task, err = atrium.CheckText("task", m.Task, maxShortText, false, false); err != nil {
		return err
	}
	if m.ReleaseNotes, err = atrium.CheckText("release notes", m.ReleaseNotes, MaxDescription, false, true); err != nil {
		return err
	}
	for what, refs := range map[string][]VersionRef{"training data": m.TrainingData, "evaluation data": m.EvaluationData} {
		if len(refs) > MaxRefs {
			return atrium.Errorf(atrium.Invalid, "%s names too many dataset versions (%d, at most %d)", what, len(refs), MaxRefs)
		}
		for _, r := range refs {
			if err := CheckName(r.Name); err != nil {
				return atrium.Errorf(atrium.Invalid, "%s: %s", what, atrium.MessageOf(err))
			}
			if r.Version < 1 {
				return atrium.Errorf(atrium.Invalid, "%s: version of %q must be 1 or more", what, r.Name)
			}
		}
	}
	if len(m.Parameters) > MaxParameters {
		return atrium.Errorf(atrium.Invalid, "too many parameters (%d, at most %d)", len(m.Parameters), MaxParameters)
	}
	for k, v := range m.Parameters {
		if len(k) == 0 || len(k) > MaxTagKey || !tagKeyRE.MatchString(k) {
			return atrium.Errorf(atrium.Invalid, "parameter name %q must be 1–%d letters, digits or _ . : / -", atrium.Truncate(k, 40), MaxTagKey)
		}
		if _, err := atrium.CheckText("parameter "+k, v, MaxTagValue, false, false); err != nil {
			return err
		}
	}
	if s := m.Signature; s != nil {
		if err := CheckSchema(s.Inputs); err != nil {
			return atrium.Errorf(atrium.Invalid, "signature inputs: %s", atrium.MessageOf(err))
		}
		if err := CheckSchema(s.Outputs); err != nil {
			return atrium.Errorf(atrium.Invalid, "signature outputs: %s", atrium.MessageOf(err))
		}
	}
	if m.RunID != "" && !runIDRE.MatchString(m.RunID) {
		return atrium.Errorf(atrium.Invalid, "run id must be 1–64 letters or digits (got %q)", atrium.Truncate(m.RunID, 70))
	}
	if c := m.Code; c != nil {
		if c.Repository, err = atrium.CheckText("code repository", c.Repository, MaxURI, true, false); err != nil {
			return err
		}
		if !commitRE.MatchString(c.Commit) {
			return atrium.Errorf(atrium.Invalid, "code commit must be 7–64 lower-case hex digits")
		}
	}
	return nil
}

// PromptForm is how a prompt template is sent to a model.
type PromptForm string

// The forms of a prompt.
const (
	Chat PromptForm = "chat"
	Text PromptForm = "text"
)

// PromptInfo holds a prompt version's own fields. Variables are derived
// from the template, never taken from input. ModelConfig is the model
// settings the prompt was written for (a JSON object: model name,
// temperature, max tokens, …).
type PromptInfo struct {
	Template    string          `json:"template"`
	Form        PromptForm      `json:"form"`
	Variables   []string        `json:"variables"`
	ModelConfig json.RawMessage `json:"model_config,omitempty"`
}

// variableRE finds {{ name }} placeholders.
var variableRE = regexp.MustCompile(`\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}`)

// Variables returns the named placeholders of a template, sorted, each once.
func Variables(template string) []string {
	out := []string{}
	for _, m := range variableRE.FindAllStringSubmatch(template, -1) {
		out = append(out, m[1])
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// Validate checks the prompt fields and derives its variables.
func (p *PromptInfo) Validate() error {
	t, err := atrium.CheckText("template", atrium.NormalizeNewlines(p.Template), MaxTemplate, true, true)
	if err != nil {
		return err
	}
	p.Template = t
	switch p.Form {
	case "":
		p.Form = Text
	case Chat, Text:
	default:
		return atrium.Errorf(atrium.Invalid, "prompt form must be chat or text (got %q)", atrium.Truncate(string(p.Form), 40))
	}
	p.Variables = Variables(t)
	if len(p.Variables) > MaxVariables {
		return atrium.Errorf(atrium.Invalid, "template has too many variables (%d, at most %d)", len(p.Variables), MaxVariables)
	}
	if len(p.ModelConfig) > 0 && string(p.ModelConfig) != "null" {
		if p.ModelConfig, err = CheckMetadata(p.ModelConfig); err != nil {
			return atrium.Errorf(atrium.KindOf(err), "model config: %s", atrium.MessageOf(err))
		}
	} else {
		p.ModelConfig = nil
	}
	return nil
}

// MaxRendered bounds a rendered prompt, so variables cannot blow it up.
const MaxRendered = 1 << 20

// Render fills the template's variables with vars. Every variable must be
// given, and no others: a typo in a name is an error, not a silent gap.
// Values are inserted as they are, once; placeholders inside values are not
// expanded.
func (p PromptInfo) Render(vars map[string]string) (string, error) {
	want := Variables(p.Template)
	var missing []string
	for _, v := range want {
		if _, ok := vars[v]; !ok {
			missing = append(missing, v)
		}
	}
	if len(missing) > 0 {
		return "", atrium.Errorf(atrium.Invalid, "missing value for variable %s", strings.Join(missing, ", "))
	}
	for k := range vars {
		if !slices.Contains(want, k) {
			return "", atrium.Errorf(atrium.Invalid, "the template has no variable %q", atrium.Truncate(k, 70))
		}
	}
	var b strings.Builder
	last := 0
	for _, m := range variableRE.FindAllStringSubmatchIndex(p.Template, -1) {
		b.WriteString(p.Template[last:m[0]])
		b.WriteString(vars[p.Template[m[2]:m[3]]])
		last = m[1]
		if b.Len() > MaxRendered {
			return "", atrium.Errorf(atrium.TooLarge, "the rendered prompt is too large (more than %d bytes)", MaxRendered)
		}
	}
	b.WriteString(p.Template[last:])
	if b.Len() > MaxRendered {
		return "", atrium.Errorf(atrium.TooLarge, "the rendered prompt is too large (more than %d bytes)", MaxRendered)
	}
	return b.String(), nil
}

// Alias is a named pointer at one version of an asset, such as champion or
// production. Moving it is recorded, so what it pointed at, when, is known.
type Alias struct {
	Name    string    `json:"name"`
	Version int       `json:"version"`
	MovedBy string    `json:"moved_by"`
	MovedAt time.Time `json:"moved_at"`
	Reason  string    `json:"reason"`
}

// AliasMove is one entry of an alias's history. From is 0 when the alias was
// created, To is 0 when it was deleted.
type AliasMove struct {
	Alias   string    `json:"alias"`
	From    int       `json:"from"`
	To      int       `json:"to"`
	MovedBy string    `json:"moved_by"`
	MovedAt time.Time `json:"moved_at"`
	Reason  string    `json:"reason"`
}

var numberRE = regexp.MustCompile(`^[0-9]+$`)

// CheckAlias validates an alias name: a slug (see atrium.IsSlug). Aliases
// that look like numbers would be confused with versions, so they are refused.
func CheckAlias(name string) error {
	if !atrium.IsSlug(name) {
		return atrium.Errorf(atrium.Invalid, "alias must be 1–%d lower-case letters, digits or inner hyphens (got %q)", MaxAliasName, atrium.Truncate(name, 70))
	}
	if numberRE.MatchString(name) {
		return atrium.Errorf(atrium.Invalid, "alias must not be a number (got %q)", name)
	}
	return nil
}

// Filter selects assets of a use case.
type Filter struct {
	Kind Kind // "" for every kind
	Page atrium.PageRequest
}
