package web

import (
	"errors"
	"fmt"
	"github.com/atrium-mlops/atrium/internal/web/respond"
	"net/http"

	"github.com/atrium-mlops/atrium/internal/atrium"
	"github.com/atrium-mlops/atrium/internal/identity"
	"github.com/atrium-mlops/atrium/internal/store"
	"github.com/atrium-mlops/atrium/internal/usecase"
)

// useCaseFilter reads the list filters shared by the API and the page.
func useCaseFilter(r *http.Request) (usecase.Filter, error) {
	q := r.URL.Query()
	page, err := atrium.ParsePage(q.Get("page_size"), q.Get("page_token"))
	if err != nil {
		return usecase.Filter{}, err
	}
	f := usecase.Filter{Stage: usecase.Stage(q.Get("stage")), Team: q.Get("team"), Page: page, IncludeArchived: q.Get("archived") == "true"}
	if f.Stage != "" && !f.Stage.Valid() {
		return f, atrium.Errorf(atrium.Invalid, "stage %q is not one of scoping, data, modelling, deployment, usage, retired", f.Stage)
	}
	if f.Query, err = atrium.CheckText("q", q.Get("q"), 200, false, false); err != nil {
		return f, err
	}
	return f, nil
}

func (s *Server) apiListUseCases(w http.ResponseWriter, r *http.Request) {
	f, err := useCaseFilter(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	page, err := s.db.ListUseCases(r.Context(), f)
	s.reply(w, r, http.StatusOK, page, err)
}

// useCaseInput is the body of POST /api/v1/usecases.
type useCaseInput struct {
	Slug    string        `json:"slug"`
	Name    string        `json:"name"`
	Summary string        `json:"summary"`
	Team    string        `json:"team"`
	Stage   usecase.Stage `json:"stage"`
}

func (s *Server) apiCreateUseCase(w http.ResponseWriter, r *http.Request) {
	in, err := respond.Decode[useCaseInput](w, r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if in.Team == "" {
		s.fail(w, r, atrium.Errorf(atrium.Invalid, "team is required: the slug of the team that owns the use case"))
		return
	}
	u, err := s.db.CreateUseCase(r.Context(), usecase.UseCase{Slug: in.Slug, Name: in.Name, Summary: in.Summary, TeamSlug: in.Team, Stage: in.Stage})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/usecases/"+u.Slug)
	respond.JSON(w, http.StatusCreated, u)
}

func (s *Server) apiGetUseCase(w http.ResponseWriter, r *http.Request) {
	u, err := s.db.GetUseCase(r.Context(), r.PathValue("slug"))
	s.reply(w, r, http.StatusOK, u, err)
}

// useCasePatch is the body of PATCH /api/v1/usecases/{slug}.
type useCasePatch struct {
	Name    *string `json:"name"`
	Summary *string `json:"summary"`
	Team    *string `json:"team"`
	OwnerID *string `json:"owner_id"`
	Version int64   `json:"version"`
}

func (s *Server) apiUpdateUseCase(w http.ResponseWriter, r *http.Request) {
	in, err := respond.Decode[useCasePatch](w, r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if in.Version < 0 {
		s.fail(w, r, atrium.Errorf(atrium.Invalid, "version must be the positive version you read"))
		return
	}
	u, err := s.db.UpdateUseCase(r.Context(), r.PathValue("slug"), store.UseCasePatch{
		Name: in.Name, Summary: in.Summary, Team: in.Team, OwnerID: in.OwnerID, Version: in.Version})
	s.reply(w, r, http.StatusOK, u, err)
}

func (s *Server) apiArchiveUseCase(w http.ResponseWriter, r *http.Request) { s.setArchived(w, r, true) }
func (s *Server) apiRestoreUseCase(w http.ResponseWriter, r *http.Request) {
	s.setArchived(w, r, false)
}

func (s *Server) setArchived(w http.ResponseWriter, r *http.Request, archived bool) {
	u, err := s.db.SetArchived(r.Context(), r.PathValue("slug"), archived)
	s.reply(w, r, http.StatusOK, u, err)
}

func (s *Server) apiListTransitions(w http.ResponseWriter, r *http.Request) {
	hist, err := s.db.Transitions(r.Context(), r.PathValue("slug"))
	s.reply(w, r, http.StatusOK, map[string]any{"items": hist}, err)
}

// transitionInput is the body of POST /api/v1/usecases/{slug}/transitions.
type transitionInput struct {
	To   usecase.Stage `json:"to"`
	Note string        `json:"note"`
}

func (s *Server) apiTransition(w http.ResponseWriter, r *http.Request) {
	in, err := respond.Decode[transitionInput](w, r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	u, err := s.db.Transition(r.Context(), r.PathValue("slug"), in.To, in.Note, s.opts.Gate)
	s.reply(w, r, http.StatusOK, u, err)
}

func (s *Server) apiListGrants(w http.ResponseWriter, r *http.Request) {
	u, err := s.db.GetUseCase(r.Context(), r.PathValue("slug"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	grants, err := s.db.Grants(r.Context(), u.Slug)
	s.reply(w, r, http.StatusOK, map[string]any{"items": grantsSeenBy(grants, u.Role)}, err)
}

// grantsSeenBy is the list of grants as someone with role may see it.
func grantsSeenBy(grants []usecase.Grant, role usecase.Role) []usecase.Grant {
	out := make([]usecase.Grant, len(grants))
	for i, g := range grants {
		out[i] = g.SeenBy(role)
	}
	return out
}

// grantInput is the body of POST /api/v1/usecases/{slug}/grants.
type grantInput struct {
	UserID string       `json:"user_id"`
	Email  string       `json:"email"`
	Team   string       `json:"team"`
	Role   usecase.Role `json:"role"`
}

// grantedTo is the answer to a grant whose grantee the grantor may see:
// the grant as it is listed, and what changed in words.
type grantedTo struct {
	usecase.Grant
	Message string `json:"message"`
}

// grantedIfAny is the answer to a grant whose grantee the grantor may not
// see, and equally to one for an e-mail address, user id or team slug that
// nobody has: what was asked, never who, so that granting cannot be used to
// find out who has an account or which teams exist.
type grantedIfAny struct {
	UserID    string       `json:"user_id,omitempty"`
	UserEmail string       `json:"user_email,omitempty"`
	TeamSlug  string       `json:"team,omitempty"`
	Role      usecase.Role `json:"role"`
	Message   string       `json:"message"`
}

func (s *Server) apiPutGrant(w http.ResponseWriter, r *http.Request) {
	in, err := respond.Decode[grantInput](w, r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	answer, err := s.putGrant(r, usecase.Grant{UserID: in.UserID, UserEmail: in.Email, TeamSlug: in.Team, Role: in.Role})
	s.reply(w, r, http.StatusOK, answer, err)
}

// putGrant makes a grant for the API and the page alike and says how it went:
// a grantedTo when the grantor may see the grantee, otherwise a grantedIfAny
// that reads the same whether or not the grantee exists.
func (s *Server) putGrant(r *http.Request, asked usecase.Grant) (any, error) {
	g, err := s.db.PutGrant(r.Context(), r.PathValue("slug"), asked)
	switch {
	case err != nil && !errors.Is(err, store.ErrNoGrantee):
		return nil, err
	case err == nil && g.Visible:
		who := g.UserName
		if g.TeamID != "" {
			who = "Team " + g.TeamName
		}
		return grantedTo{Grant: g, Message: fmt.Sprintf("%s now has %s access.", who, g.Role)}, nil
	}
	// Built from what was asked, never from what the store found.
	out := grantedIfAny{UserID: asked.UserID, TeamSlug: asked.TeamSlug, Role: asked.Role}
	switch {
	case asked.UserEmail != "":
		// PutGrant accepted the address, so it normalises.
		out.UserEmail, _ = identity.NormalizeEmail(asked.UserEmail)
		out.Message = fmt.Sprintf("If %s has an Atrium account, they now have %s access.", out.UserEmail, asked.Role)
	case asked.UserID != "":
		out.Message = fmt.Sprintf("If user %s exists, they now have %s access.", asked.UserID, asked.Role)
	default:
		out.Message = fmt.Sprintf("If a team %s exists, it now has %s access.", asked.TeamSlug, asked.Role)
	}
	return out, nil
}

func (s *Server) apiDeleteGrant(w http.ResponseWriter, r *http.Request) {
	id, err := respond.PathInt(r, "id")
	if err == nil {
		err = s.db.DeleteGrant(r.Context(), r.PathValue("slug"), id)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) apiUseCaseAudit(w http.ResponseWriter, r *http.Request) {
	u, err := s.db.GetUseCase(r.Context(), r.PathValue("slug"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	f, err := auditFilter(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	f.ObjectType, f.ObjectID = "usecase", u.ID
	page, err := s.db.AuditEntries(r.Context(), f)
	s.reply(w, r, http.StatusOK, page, err)
}
