// Package people defines a use case's stakeholder register: who decides,
// who uses the system, who is affected by it, and the test pilots a
// roll-out routes first — with their concerns and what each needs before,
// during and after deployment.
package people

import (
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/atrium-mlops/atrium/internal/atrium"
)

// Stakeholder kinds.
const (
	DecisionMaker  = "decision-maker"
	User           = "user"
	PersonAffected = "person-affected"
	Additional     = "additional"
	TestPilot      = "test-pilot"
)

// StakeholderKinds lists the kinds of stakeholder register entries, in the
// order forms offer them.
var StakeholderKinds = []string{DecisionMaker, User, PersonAffected, Additional, TestPilot}

// Limits on a register entry.
const (
	maxName     = 200
	maxContact  = 254
	maxNotes    = 4000
	maxSubject  = 254
	maxSubjects = 1_000
)

// Stakeholder is one entry of a use case's stakeholder register.
type Stakeholder struct {
	ID        int64  `json:"id"`
	UseCaseID string `json:"-"`
	Kind      string `json:"kind"`
	Name      string `json:"name"` // a person or a group
	Role      string `json:"role"`
	Contact   string `json:"contact"`
	Concerns  string `json:"concerns"`
	Before    string `json:"before"`
	During    string `json:"during"`
	After     string `json:"after"`
	Notes     string `json:"notes"`
	// Subjects are the subject keys or e-mails a roll-out routes first;
	// only test pilots carry them.
	Subjects  []string  `json:"subjects"`
	Version   int64     `json:"version"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

func invalid(format string, args ...any) error { return atrium.Errorf(atrium.Invalid, format, args...) }

// Normalize checks a stakeholder register entry and cleans its text.
func (s *Stakeholder) Normalize() error {
	s.Kind = strings.TrimSpace(s.Kind)
	if !slices.Contains(StakeholderKinds, s.Kind) {
		return invalid("kind %q is not one of %s", atrium.Truncate(s.Kind, 40), strings.Join(StakeholderKinds, ", "))
	}
	var err error
	for _, f := range []struct {
		name  string
		v     *string
		max   int
		req   bool
		multi bool
	}{
		{"the name", &s.Name, maxName, true, false},
		{"the role", &s.Role, maxName, false, false},
		{"the contact", &s.Contact, maxContact, false, false},
		{"the concerns", &s.Concerns, maxNotes, false, true},
		{"the notes for before deployment", &s.Before, maxNotes, false, true},
		{"the notes for during deployment", &s.During, maxNotes, false, true},
		{"the notes for after deployment", &s.After, maxNotes, false, true},
		{"the notes", &s.Notes, maxNotes, false, true},
	} {
		if *f.v, err = atrium.CheckText(f.name, atrium.NormalizeNewlines(*f.v), f.max, f.req, f.multi); err != nil {
			return err
		}
	}
	subjects, err := normalizeSubjects(s.Subjects)
	if err != nil {
		return err
	}
	if len(subjects) > 0 && s.Kind != TestPilot {
		return invalid("only test pilots carry subjects to route first; remove them or make this entry a test pilot")
	}
	s.Subjects = subjects
	return nil
}

// normalizeSubjects trims, de-duplicates and checks subject keys; blank
// entries (a trailing line in a text area) are dropped.
func normalizeSubjects(in []string) ([]string, error) {
	out := []string{}
	seen := map[string]bool{}
	for _, v := range in {
		v = strings.TrimSpace(v)
		if v == "" || seen[v] {
			continue
		}
		if n := utf8.RuneCountInString(v); n > maxSubject {
			return nil, invalid("subject %q is too long (%d characters, at most %d)", atrium.Truncate(v, 40), n, maxSubject)
		}
		for _, r := range v {
			if unicode.IsSpace(r) || unicode.IsControl(r) || r == '\u2028' || r == '\u2029' || r == utf8.RuneError {
				return nil, invalid("subject %q must not contain spaces or control characters", atrium.Truncate(v, 40))
			}
		}
		seen[v] = true
		out = append(out, v)
	}
	if len(out) > maxSubjects {
		return nil, invalid("there are %d subjects; at most %d", len(out), maxSubjects)
	}
	return out, nil
}
