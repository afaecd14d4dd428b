package usecases

import (
	"net/http"
	"slices"
	"strings"

	"github.com/atrium-mlops/atrium/internal/atrium"
	"github.com/atrium-mlops/atrium/internal/canvas"
	"github.com/atrium-mlops/atrium/internal/store"
	"github.com/atrium-mlops/atrium/internal/usecase"
	"github.com/atrium-mlops/atrium/internal/web/render"
	"github.com/atrium-mlops/atrium/internal/web/respond"
)

// useCaseData is a use case's page. Move and Access hold what was typed
// into its two forms when one of them is shown again with an error.
type useCaseData struct {
	render.Frame
	UseCase usecase.UseCase
	Steps   []step
	History []usecase.Transition // newest first
	Grants  []grantRow
	Audit   []store.AuditRecord
	CanEdit bool
	CanOwn  bool
	Move    moveForm
	Access  accessForm
	// Canvases are the use case's canvases with their completeness.
	Canvases []canvas.Summary
}

// step is one stage of the lifecycle stepper.
type step struct {
	Stage usecase.Stage
	State string // "done", "current" or "ahead"
}

type moveForm struct {
	To    usecase.Stage
	Note  string
	Error string
}

// grantRow is a grant as the page lists it: Who names the grantee as far as
// the person looking may know them, Detail is the address or slug beside
// a name.
type grantRow struct {
	usecase.Grant
	Who, Detail string
}

func grantRowOf(g usecase.Grant) grantRow {
	switch {
	case g.TeamName != "":
		return grantRow{g, "Team " + g.TeamName, g.TeamSlug}
	case g.TeamSlug != "":
		return grantRow{g, "Team " + g.TeamSlug, ""}
	case g.UserName != "":
		return grantRow{g, g.UserName, g.UserEmail}
	case g.UserEmail != "":
		return grantRow{g, g.UserEmail, ""}
	}
	return grantRow{g, "Someone outside your teams", ""}
}

type accessForm struct {
	Who   string
	Role  usecase.Role
	Error string
}

// recentAudit is how many audit entries a use case's page shows.
const recentAudit = 20

// useCasePage loads everything a use case's page shows, from one view.
func (h *Handlers) useCasePage(r *http.Request) (useCaseData, error) {
	v, err := h.DB.UseCase(r.Context(), r.PathValue("slug"))
	if err != nil {
		return useCaseData{}, err
	}
	defer v.Close()
	u := v.UseCase()
	d := useCaseData{Frame: h.Frame(r, u.Name, "usecases"), UseCase: u,
		CanEdit: u.Role.AtLeast(usecase.Editor), CanOwn: u.Role.AtLeast(usecase.Owner),
		Access: accessForm{Role: usecase.Viewer}}
	state := "done"
	for _, st := range usecase.Stages {
		if st == u.Stage {
			d.Steps, state = append(d.Steps, step{st, "current"}), "ahead"
			continue
		}
		d.Steps = append(d.Steps, step{st, state})
	}
	d.Move.To, _ = u.Stage.Next()
	if d.History, err = v.Transitions(); err != nil {
		return d, err
	}
	slices.Reverse(d.History)
	grants, err := v.Grants()
	if err != nil {
		return d, err
	}
	for _, g := range grantsSeenBy(grants, u.Role) {
		d.Grants = append(d.Grants, grantRowOf(g))
	}
	canvases, err := v.Canvases()
	if err != nil {
		return d, err
	}
	d.Canvases = h.Templates.Summarise(canvases)
	recent, err := v.Audit(atrium.PageRequest{Size: recentAudit})
	d.Audit = recent.Items
	return d, err
}

// ShowPage serves a use case's page.
func (h *Handlers) ShowPage(w http.ResponseWriter, r *http.Request) {
	d, err := h.useCasePage(r)
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	h.Render(w, r, http.StatusOK, "usecase", d)
}

// useCaseFormFailed shows a use case's page again after one of its forms
// failed, with the person's input and the reason kept in place by keep.
func (h *Handlers) useCaseFormFailed(w http.ResponseWriter, r *http.Request, err error, keep func(d *useCaseData, msg string)) {
	render.FormFailed(h.Views, w, r, err, h.Fail, "usecase", h.useCasePage, keep)
}

// TransitionPost moves a use case to the stage the form names.
func (h *Handlers) TransitionPost(w http.ResponseWriter, r *http.Request) {
	if err := render.ParseForm(w, r); err != nil {
		h.Fail(w, r, err)
		return
	}
	slug, to, note := r.PathValue("slug"), usecase.Stage(r.PostForm.Get("to")), r.PostForm.Get("note")
	if _, err := h.DB.Transition(r.Context(), slug, to, note, h.Gate); err != nil {
		h.useCaseFormFailed(w, r, err, func(d *useCaseData, msg string) { d.Move = moveForm{To: to, Note: note, Error: msg} })
		return
	}
	http.Redirect(w, r, render.UseCasePath(slug)+"?notice=moved", http.StatusSeeOther)
}

// ArchivePost archives a use case, or restores it when the form says
// action=restore.
func (h *Handlers) ArchivePost(w http.ResponseWriter, r *http.Request) {
	if err := render.ParseForm(w, r); err != nil {
		h.Fail(w, r, err)
		return
	}
	restore := r.PostForm.Get("action") == "restore"
	if _, err := h.DB.SetArchived(r.Context(), r.PathValue("slug"), !restore); err != nil {
		h.Fail(w, r, err)
		return
	}
	notice := "archived"
	if restore {
		notice = "restored"
	}
	http.Redirect(w, r, render.UseCasePath(r.PathValue("slug"))+"?notice="+notice, http.StatusSeeOther)
}

// GrantPost gives a person (named by e-mail) or a team (by slug) a role.
// It redirects alike whether or not the person or team exists, and whether
// or not the owner may see them, as the API answers alike.
func (h *Handlers) GrantPost(w http.ResponseWriter, r *http.Request) {
	if err := render.ParseForm(w, r); err != nil {
		h.Fail(w, r, err)
		return
	}
	who, role := strings.TrimSpace(r.PostForm.Get("who")), usecase.Role(r.PostForm.Get("role"))
	g := usecase.Grant{Role: role, TeamSlug: who}
	if strings.Contains(who, "@") {
		g.UserEmail, g.TeamSlug = who, ""
	}
	var err error
	if who == "" {
		err = atrium.Errorf(atrium.Invalid, "enter a person's e-mail address or a team's slug")
	} else {
		_, err = h.putGrant(r, g)
	}
	if err != nil {
		h.useCaseFormFailed(w, r, err, func(d *useCaseData, msg string) { d.Access = accessForm{Who: who, Role: role, Error: msg} })
		return
	}
	http.Redirect(w, r, render.UseCasePath(r.PathValue("slug"))+"?notice=granted#access", http.StatusSeeOther)
}

// GrantDeletePost removes a grant.
func (h *Handlers) GrantDeletePost(w http.ResponseWriter, r *http.Request) {
	id, err := respond.PathInt(r, "id")
	if err == nil {
		err = h.DB.DeleteGrant(r.Context(), r.PathValue("slug"), id)
	}
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	http.Redirect(w, r, render.UseCasePath(r.PathValue("slug"))+"?notice=revoked#access", http.StatusSeeOther)
}
