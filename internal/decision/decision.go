// Package decision defines a use case's decision log: numbered records of
// what was decided, why and by whom, each linked to the evidence it rests
// on — canvas sections, model, data or prompt versions, other decisions
// and outside documents.
package decision

import (
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/atrium-mlops/atrium/internal/atrium"
)

// Decision statuses.
const (
	Proposed   = "proposed"
	Accepted   = "accepted"
	Rejected   = "rejected"
	Superseded = "superseded"
)

// Choices offered by forms, in the order they are shown.
var (
	// Statuses lists the statuses of a decision record.
	Statuses = []string{Proposed, Accepted, Rejected, Superseded}
	// LinkKinds lists what a decision link may point at.
	LinkKinds = []string{"section", "version", "decision", "url"}
)

// Limits on a decision record.
const (
	// MaxTitle bounds the title, who decided and each link's label.
	MaxTitle = 200
	// MaxText bounds each of the context, the options, the decision, the
	// rationale and the consequences.
	MaxText   = 10_000
	maxTarget = 500
	maxLinks  = 50
)

// Decision is one record of a use case's decision log.
type Decision struct {
	ID           int64     `json:"id"`
	Number       int       `json:"number"` // per use case, from 1, no gaps
	UseCaseID    string    `json:"-"`
	Title        string    `json:"title"`
	Context      string    `json:"context"`
	Options      string    `json:"options"` // the options considered, Markdown
	Decision     string    `json:"decision"`
	Rationale    string    `json:"rationale"`
	Consequences string    `json:"consequences"`
	Status       string    `json:"status"`
	DecidedBy    string    `json:"decided_by"`           // who decided: a person or a body, free text
	DecidedAt    string    `json:"decided_at,omitempty"` // a date, 2026-11-27
	Supersedes   int       `json:"supersedes,omitempty"` // the number of the decision it replaces
	Links        []Link    `json:"links"`
	Version      int64     `json:"version"`
	AuthorID     string    `json:"author_id"`
	AuthorName   string    `json:"author_name"`
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`
}

// Link ties a decision to evidence.
type Link struct {
	// Kind is section (Target = "<canvas id>/<section id>" or "<section id>"
	// for any canvas of the use case), version (a model, data or prompt
	// version reference), decision (another decision's number) or url.
	Kind   string `json:"kind"`
	Target string `json:"target"`
	Label  string `json:"label,omitempty"`
}

func invalid(format string, args ...any) error { return atrium.Errorf(atrium.Invalid, format, args...) }

// Normalize checks a decision record and cleans its text; a decision
// without a status is proposed.
func (d *Decision) Normalize() error {
	var err error
	if d.Title, err = atrium.CheckText("the title", d.Title, MaxTitle, true, false); err != nil {
		return err
	}
	for _, f := range []struct {
		name string
		v    *string
	}{
		{"the context", &d.Context}, {"the options considered", &d.Options}, {"the decision", &d.Decision},
		{"the rationale", &d.Rationale}, {"the consequences", &d.Consequences},
	} {
		if *f.v, err = atrium.CheckText(f.name, atrium.NormalizeNewlines(*f.v), MaxText, false, true); err != nil {
			return err
		}
	}
	d.Status = strings.ToLower(strings.TrimSpace(d.Status))
	if d.Status == "" {
		d.Status = Proposed
	}
	if !slices.Contains(Statuses, d.Status) {
		return invalid("status %q is not one of %s", atrium.Truncate(d.Status, 40), strings.Join(Statuses, ", "))
	}
	if d.DecidedBy, err = atrium.CheckText("who decided", d.DecidedBy, MaxTitle, false, false); err != nil {
		return err
	}
	d.DecidedAt = strings.TrimSpace(d.DecidedAt)
	if d.DecidedAt != "" {
		if err := atrium.CheckDate("the decision date", d.DecidedAt); err != nil {
			return err
		}
	}
	if d.Supersedes < 0 {
		return invalid("the number of the superseded decision must not be negative")
	}
	if len(d.Links) > maxLinks {
		return invalid("a decision has %d links; at most %d", len(d.Links), maxLinks)
	}
	if d.Links == nil {
		d.Links = []Link{}
	}
	for i := range d.Links {
		if err := d.Links[i].normalize(i + 1); err != nil {
			return err
		}
	}
	return nil
}

func (l *Link) normalize(n int) error {
	var err error
	l.Kind = strings.ToLower(strings.TrimSpace(l.Kind))
	if !slices.Contains(LinkKinds, l.Kind) {
		return invalid("link %d: kind %q is not one of %s", n, atrium.Truncate(l.Kind, 40), strings.Join(LinkKinds, ", "))
	}
	if l.Target, err = atrium.CheckText(fmt.Sprintf("link %d: the target", n), l.Target, maxTarget, true, false); err != nil {
		return err
	}
	if l.Label, err = atrium.CheckText(fmt.Sprintf("link %d: the label", n), l.Label, MaxTitle, false, false); err != nil {
		return err
	}
	switch l.Kind {
	case "url":
		u, err := url.Parse(l.Target)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return invalid("link %d: %q is not an absolute http or https address", n, atrium.Truncate(l.Target, 70))
		}
	case "decision":
		if v, err := strconv.Atoi(l.Target); err != nil || v <= 0 {
			return invalid("link %d: a decision link needs the decision's number, such as 3 (got %q)", n, atrium.Truncate(l.Target, 40))
		}
	case "section":
		canvasID, section, found := strings.Cut(l.Target, "/")
		if !found {
			section, canvasID = canvasID, ""
		}
		if !atrium.IsSlug(section) || (found && !atrium.IsSlug(canvasID)) {
			return invalid("link %d: a section link is a section id such as problem-definition, optionally after a canvas id and a slash (got %q)", n, atrium.Truncate(l.Target, 70))
		}
	}
	return nil
}
