// Package usecase defines the ML use case — the product or AI system whose
// life Atrium follows — with its lifecycle stages and per-use-case roles.
package usecase

import (
	"time"

	"github.com/atrium-mlops/atrium/internal/atrium"
)

// Stage is a lifecycle stage of a use case.
type Stage string

// The lifecycle, in order.
const (
	Scoping    Stage = "scoping"
	Data       Stage = "data"
	Modelling  Stage = "modelling"
	Deployment Stage = "deployment"
	Usage      Stage = "usage"
	Retired    Stage = "retired"
)

// Stages lists every stage in lifecycle order.
var Stages = []Stage{Scoping, Data, Modelling, Deployment, Usage, Retired}

// Valid reports whether s is a known stage.
func (s Stage) Valid() bool { return s.index() >= 0 }

func (s Stage) index() int {
	for i, x := range Stages {
		if x == s {
			return i
		}
	}
	return -1
}

// Next returns the stage after s, and false for the last one.
func (s Stage) Next() (Stage, bool) {
	i := s.index()
	if i < 0 || i+1 >= len(Stages) {
		return "", false
	}
	return Stages[i+1], true
}

// Label is the stage's human name.
func (s Stage) Label() string {
	if s == "" {
		return ""
	}
	return string(s[0]-'a'+'A') + string(s[1:])
}

// UseCase is one ML use case.
type UseCase struct {
	ID        string `json:"id"`
	Slug      string `json:"slug"`
	Name      string `json:"name"`
	Summary   string `json:"summary"`
	TeamID    string `json:"team_id"`
	TeamSlug  string `json:"team"`
	TeamName  string `json:"team_name"`
	OwnerID   string `json:"owner_id"`
	OwnerName string `json:"owner_name"`
	Stage     Stage  `json:"stage"`
	Archived  bool   `json:"archived"`
	// HighRisk marks a high-risk AI system (EU AI Act): its telemetry
	// payloads must be kept at least telemetry.HighRiskRetentionDays.
	HighRisk  bool      `json:"high_risk"`
	Version   int64     `json:"version"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	// Role is the requesting actor's effective role; filled by the store when
	// reading on behalf of someone.
	Role Role `json:"your_role,omitempty"`
}

// Limits on use-case fields.
const (
	MaxName    = 200
	MaxSummary = 4000
	MaxNote    = 2000
)

// Normalize trims and validates the editable fields in place.
func (u *UseCase) Normalize() error {
	if u.Slug == "" {
		u.Slug = atrium.Slugify(u.Name)
	}
	if err := atrium.CheckSlug("slug", u.Slug); err != nil {
		return err
	}
	if u.Slug == "new" {
		return atrium.Errorf(atrium.Invalid, "slug %q is reserved; choose another", u.Slug)
	}
	var err error
	if u.Name, err = atrium.CheckText("name", u.Name, MaxName, true, false); err != nil {
		return err
	}
	if u.Summary, err = atrium.CheckText("summary", u.Summary, MaxSummary, false, true); err != nil {
		return err
	}
	if u.Stage == "" {
		u.Stage = Scoping
	}
	if !u.Stage.Valid() {
		return atrium.Errorf(atrium.Invalid, "stage %q is not one of scoping, data, modelling, deployment, usage, retired", u.Stage)
	}
	return nil
}

// Transition is one entry of a use case's stage history.
type Transition struct {
	ID        int64     `json:"id"`
	From      Stage     `json:"from"`
	To        Stage     `json:"to"`
	Note      string    `json:"note"`
	ActorID   string    `json:"actor_id"`
	ActorName string    `json:"actor_name"`
	At        time.Time `json:"at"`
}

// Gate decides whether a use case may move from one stage to another. It is
// the single place where stage gates plug in; the default allows any move to
// a different, valid stage.
type Gate func(u UseCase, to Stage) error

// CheckTransition validates a requested move and runs the gate.
func CheckTransition(u UseCase, to Stage, note string, gate Gate) (string, error) {
	if !to.Valid() {
		return "", atrium.Errorf(atrium.Invalid, "stage %q is not one of scoping, data, modelling, deployment, usage, retired", to)
	}
	if u.Archived {
		return "", atrium.Errorf(atrium.Conflict, "use case %q is archived; restore it before changing its stage", u.Slug)
	}
	if to == u.Stage {
		return "", atrium.Errorf(atrium.Conflict, "use case %q is already in stage %s", u.Slug, to)
	}
	note, err := atrium.CheckText("note", note, MaxNote, false, true)
	if err != nil {
		return "", err
	}
	if gate != nil {
		if err := gate(u, to); err != nil {
			return "", err
		}
	}
	return note, nil
}

// Filter narrows a use-case listing.
type Filter struct {
	Stage           Stage
	Team            string // team slug
	Query           string // substring of the name
	IncludeArchived bool
	Page            atrium.PageRequest
}

// Patch holds edits to a use case; nil fields stay as they are. Version,
// when non-zero, must match the stored version (optimistic locking). Team
// (a team slug) and OwnerID (a user id) name records that only the store
// can look up, so it applies them itself; Apply does the rest.
type Patch struct {
	Name    *string
	Summary *string
	Team    *string
	OwnerID *string
	Version int64
}

// Apply sets the name and summary the patch changes on u and validates the
// result as Normalize does.
func (p Patch) Apply(u *UseCase) error {
	if p.Name != nil {
		u.Name = *p.Name
	}
	if p.Summary != nil {
		u.Summary = *p.Summary
	}
	return u.Normalize()
}

// CanEdit is whether the caller may change the use case's content: the
// editor role, and the use case not archived.
func (u UseCase) CanEdit() bool { return u.Role.AtLeast(Editor) && !u.Archived }

// CanReview is whether the caller may comment and set review statuses.
func (u UseCase) CanReview() bool { return u.Role.AtLeast(Reviewer) && !u.Archived }
