package registry

import (
	"regexp"
	"slices"
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

// DatasetInfo holds a dataset version's own fields.
type DatasetInfo struct {
	Role DatasetRole `json:"role,omitempty"`
}

// Validate checks the dataset fields.
func (d *DatasetInfo) Validate() error {
	switch d.Role {
	case "", Training, Validation, Test, Reference:
		return nil
	}
	return atrium.Errorf(atrium.Invalid, "dataset role must be training, validation, test or reference (got %q)", atrium.Truncate(string(d.Role), 40))
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

// ModelInfo holds a model version's own fields.
type ModelInfo struct {
	Framework      string       `json:"framework,omitempty"`
	Task           string       `json:"task,omitempty"`
	TrainingData   []VersionRef `json:"training_data,omitempty"`
	EvaluationData []VersionRef `json:"evaluation_data,omitempty"`
	Code           *CodeRef     `json:"code,omitempty"`
	ReleaseNotes   string       `json:"release_notes,omitempty"`
}

var commitRE = regexp.MustCompile(`^[0-9a-f]{7,64}$`)

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
// from the template, never taken from input.
type PromptInfo struct {
	Template  string     `json:"template"`
	Form      PromptForm `json:"form"`
	Variables []string   `json:"variables"`
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
	return nil
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
