// Package canvas defines living canvases: templates (both seed canvases are
// built in, teams may add their own as YAML), canvases made from them with
// their sections, comments and published iterations, and the measurable
// objectives that objective sections hold beside their text. The
// stakeholder register and the decision log, which sections also show,
// live in packages people and decision.
package canvas

import (
	"strconv"
	"time"
)

// Template is a canvas layout: header fields and phases (or columns) of
// sections, each with guiding prompts and the evidence kinds it shows.
type Template struct {
	ID          string  `yaml:"id" json:"id"`
	Name        string  `yaml:"name" json:"name"`
	Version     string  `yaml:"version" json:"version"`
	Description string  `yaml:"description" json:"description"`
	Header      []Field `yaml:"header" json:"header"`
	Phases      []Phase `yaml:"phases" json:"phases"`
	// Source is the file the template came from ("built-in:…" for embedded ones).
	Source string `yaml:"-" json:"source"`
}

// Field is a header field of a canvas.
type Field struct {
	ID    string `yaml:"id" json:"id"`
	Label string `yaml:"label" json:"label"`
	// Kind is text, date or number.
	Kind string `yaml:"kind" json:"kind"`
	Help string `yaml:"help" json:"help,omitempty"`
}

// Phase is a column of the canvas: a phase of the human-centric canvas or a
// column of the MLOps canvas.
type Phase struct {
	ID       string       `yaml:"id" json:"id"`
	Title    string       `yaml:"title" json:"title"`
	Purpose  string       `yaml:"purpose" json:"purpose"`
	Sections []SectionDef `yaml:"sections" json:"sections"`
}

// SectionDef is one section of a template.
type SectionDef struct {
	ID      string   `yaml:"id" json:"id"`
	Title   string   `yaml:"title" json:"title"`
	Prompts []string `yaml:"prompts" json:"prompts"`
	// Evidence lists the evidence kinds shown beside the section's text, in
	// order; each kind is served by a provider in the evidence registry.
	Evidence []string `yaml:"evidence" json:"evidence,omitempty"`
	// Moments, for the people grid, are the before/during/after questions.
	Moments []Moment `yaml:"moments" json:"moments,omitempty"`
	// Stakeholders, when set, names the stakeholder kind whose register
	// entries this section shows (the Usage phase's people grid).
	Stakeholders string `yaml:"stakeholders" json:"stakeholders,omitempty"`
	// Objectives marks a section that holds structured objectives.
	Objectives bool `yaml:"objectives" json:"objectives,omitempty"`
}

// Moment is one of the three moments of the people grid.
type Moment struct {
	ID      string   `yaml:"id" json:"id"` // before, during, after
	Title   string   `yaml:"title" json:"title"`
	Prompts []string `yaml:"prompts" json:"prompts"`
}

// Status is how far a section has come.
type Status string

// Section statuses, in order.
const (
	Empty    Status = "empty"
	Draft    Status = "draft"
	InReview Status = "in review"
	Agreed   Status = "agreed"
)

// Statuses lists every status in order.
var Statuses = []Status{Empty, Draft, InReview, Agreed}

// Canvas is one canvas of a use case, made from a template.
type Canvas struct {
	ID          string            `json:"id"`
	UseCaseID   string            `json:"usecase_id"`
	UseCaseSlug string            `json:"usecase"`
	TemplateID  string            `json:"template"`
	Title       string            `json:"title"`
	Header      map[string]string `json:"header"`
	// Version counts changes to the title and header (optimistic locking).
	Version   int64     `json:"version"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	// Sections holds the state of every section of the template, by id.
	Sections map[string]Section `json:"sections"`
	// Iterations is the number of published iterations.
	Iterations int `json:"iterations"`
}

// Section is the current state of one section of a canvas.
type Section struct {
	SectionID string    `json:"section"`
	Content   string    `json:"content"` // Markdown
	HTML      string    `json:"-"`       // Content rendered when it was saved
	Status    Status    `json:"status"`
	OwnerID   string    `json:"owner_id,omitempty"`
	OwnerName string    `json:"owner_name,omitempty"`
	Version   int64     `json:"version"` // 0 until first saved
	UpdatedBy string    `json:"updated_by,omitempty"`
	UpdatedAt time.Time `json:"updated_at"`
	Comments  int       `json:"comments"`
}

// Comment is one message in a section's discussion thread.
type Comment struct {
	ID         int64     `json:"id"`
	SectionID  string    `json:"section"`
	AuthorID   string    `json:"author_id"`
	AuthorName string    `json:"author_name"`
	Body       string    `json:"body"` // Markdown
	HTML       string    `json:"-"`    // Body rendered when it was saved
	CreatedAt  time.Time `json:"created_at"`
}

// Iteration is a published, immutable snapshot of a whole canvas.
type Iteration struct {
	Number     int       `json:"number"`
	Message    string    `json:"message"`
	AuthorID   string    `json:"author_id"`
	AuthorName string    `json:"author_name"`
	CreatedAt  time.Time `json:"created_at"`
	Snapshot   Snapshot  `json:"snapshot"`
}

// Snapshot is the frozen content of a canvas.
type Snapshot struct {
	Title    string                  `json:"title"`
	Header   map[string]string       `json:"header"`
	Sections map[string]SnapshotItem `json:"sections"`
}

// SnapshotItem is one section as frozen in an iteration.
type SnapshotItem struct {
	Content   string `json:"content"`
	HTML      string `json:"-"` // kept beside the snapshot, not in it
	Status    Status `json:"status"`
	OwnerName string `json:"owner_name,omitempty"`
}

// Comparator relates a measured value to an objective's target.
type Comparator string

// Where an objective is measured.
const (
	AtEvaluation = "evaluation"
	AtProduction = "production"
	AtFeedback   = "feedback"
	AtBusiness   = "business"
)

// Objective is a measurable objective held by an objective section. Gates
// and monitors read these, so they are data, not prose.
type Objective struct {
	ID         int64      `json:"id"`
	CanvasID   string     `json:"-"`
	SectionID  string     `json:"section"`
	Metric     string     `json:"metric"`
	Comparator Comparator `json:"comparator"` // >=, >, <=, <, ==
	Target     float64    `json:"target"`
	Unit       string     `json:"unit"`
	MeasuredAt string     `json:"measured_at"` // evaluation, production, feedback, business
	Window     string     `json:"window"`      // e.g. 30d, 12h; "" for a one-off measurement
	MinSamples int64      `json:"min_samples"`
	Notes      string     `json:"notes"`
	CreatedAt  time.Time  `json:"created_at"`
	UpdatedAt  time.Time  `json:"updated_at"`
}

// EditConflict is why a section edit based on an older version was refused:
// it carries the section as the editor saw it and as it is now, so the
// person can see what changed before trying again.
type EditConflict struct {
	Base    Section `json:"base"`
	Current Section `json:"current"`
}

func (e *EditConflict) Error() string {
	return "the section was changed by " + e.Current.UpdatedBy + " since you opened it (your version " +
		itoa(e.Base.Version) + ", now " + itoa(e.Current.Version) + ")"
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
