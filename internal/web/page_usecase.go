package web

import (
	"net/http"
	"slices"
	"strings"

	"github.com/atrium-mlops/atrium/internal/atrium"
	"github.com/atrium-mlops/atrium/internal/store"
	"github.com/atrium-mlops/atrium/internal/usecase"
)

// useCaseData is a use case's page. Move and Access hold what was typed
// into its two forms when one of them is shown again with an error.
type useCaseData struct {
	frame
	UseCase usecase.UseCase
	Steps   []step
	History []usecase.Transition // newest first
	Grants  []usecase.Grant
	Audit   []store.AuditRecord
	CanEdit bool
	CanOwn  bool
	Move    moveForm
	Access  accessForm
	// Canvases are the use case's canvases with their completeness.
	Canvases []canvasItem
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

type accessForm struct {
	Who   string
	Role  usecase.Role
	Error string
}

// recentAudit is how many audit entries a use case's page shows.
const recentAudit = 20

// useCasePage loads everything a use case's page shows.
func (s *Server) useCasePage(r *http.Request) (useCaseData, error) {
	ctx, slug := r.Context(), r.PathValue("slug")
	u, err := s.db.GetUseCase(ctx, slug)
	if err != nil {
		return useCaseData{}, err
	}
	d := useCaseData{frame: s.frame(r, u.Name, "usecases"), UseCase: u,
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
	if d.History, err = s.db.Transitions(ctx, slug); err != nil {
		return d, err
	}
	slices.Reverse(d.History)
	if d.Grants, err = s.db.Grants(ctx, slug); err != nil {
		return d, err
	}
	canvases, err := s.db.ListCanvases(ctx, slug)
	if err != nil {
		return d, err
	}
	d.Canvases = s.canvasItems(canvases)
	audit, err := s.db.AuditEntries(ctx, store.AuditFilter{ObjectType: "usecase", ObjectID: u.ID, Page: atrium.PageRequest{Size: recentAudit}})
	d.Audit = audit.Items
	return d, err
}

func (s *Server) pageUseCase(w http.ResponseWriter, r *http.Request) {
	d, err := s.useCasePage(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "usecase", d)
}

// useCaseFormFailed shows a use case's page again after one of its forms
// failed, with the person's input and the reason kept in place by keep.
// A refusal is an error page instead: whoever lacks the role does not see
// the form, so it could not show its message.
func (s *Server) useCaseFormFailed(w http.ResponseWriter, r *http.Request, err error, keep func(d *useCaseData, msg string)) {
	status, ok := formStatus(err)
	if !ok || status == http.StatusForbidden {
		s.fail(w, r, err)
		return
	}
	d, err2 := s.useCasePage(r)
	if err2 != nil {
		s.fail(w, r, err2)
		return
	}
	keep(&d, atrium.MessageOf(err))
	s.render(w, r, status, "usecase", d)
}

func (s *Server) pageTransitionPost(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	slug, to, note := r.PathValue("slug"), usecase.Stage(r.PostForm.Get("to")), r.PostForm.Get("note")
	if _, err := s.db.Transition(r.Context(), slug, to, note, s.opts.Gate); err != nil {
		s.useCaseFormFailed(w, r, err, func(d *useCaseData, msg string) { d.Move = moveForm{To: to, Note: note, Error: msg} })
		return
	}
	http.Redirect(w, r, useCasePath(slug)+"?notice=moved", http.StatusSeeOther)
}

// pageArchivePost archives a use case, or restores it when the form says
// action=restore.
func (s *Server) pageArchivePost(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	restore := r.PostForm.Get("action") == "restore"
	if _, err := s.db.SetArchived(r.Context(), r.PathValue("slug"), !restore); err != nil {
		s.fail(w, r, err)
		return
	}
	notice := "archived"
	if restore {
		notice = "restored"
	}
	http.Redirect(w, r, useCasePath(r.PathValue("slug"))+"?notice="+notice, http.StatusSeeOther)
}

// pageGrantPost gives a person (named by e-mail) or a team (by slug) a role.
func (s *Server) pageGrantPost(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.fail(w, r, err)
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
		_, err = s.db.PutGrant(r.Context(), r.PathValue("slug"), g)
	}
	if err != nil {
		s.useCaseFormFailed(w, r, err, func(d *useCaseData, msg string) { d.Access = accessForm{Who: who, Role: role, Error: msg} })
		return
	}
	http.Redirect(w, r, useCasePath(r.PathValue("slug"))+"?notice=granted#access", http.StatusSeeOther)
}

func (s *Server) pageGrantDeletePost(w http.ResponseWriter, r *http.Request) {
	id, err := pathInt(r, "id")
	if err == nil {
		err = s.db.DeleteGrant(r.Context(), r.PathValue("slug"), id)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, useCasePath(r.PathValue("slug"))+"?notice=revoked#access", http.StatusSeeOther)
}
