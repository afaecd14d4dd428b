package usecases

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/atrium-mlops/atrium/internal/atrium"
	"github.com/atrium-mlops/atrium/internal/identity"
	"github.com/atrium-mlops/atrium/internal/store"
	"github.com/atrium-mlops/atrium/internal/usecase"
	"github.com/atrium-mlops/atrium/internal/web/respond"
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

// List answers GET /api/v1/usecases: the use cases the caller may see.
func (h *Handlers) List(w http.ResponseWriter, r *http.Request) {
	f, err := useCaseFilter(r)
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	page, err := h.DB.ListUseCases(r.Context(), f)
	h.Reply(w, r, http.StatusOK, page, err)
}

// UseCaseInput is the body of POST /api/v1/usecases.
type UseCaseInput struct {
	Slug    string        `json:"slug"`
	Name    string        `json:"name"`
	Summary string        `json:"summary"`
	Team    string        `json:"team"`
	Stage   usecase.Stage `json:"stage"`
}

// Create answers POST /api/v1/usecases.
func (h *Handlers) Create(w http.ResponseWriter, r *http.Request) {
	in, err := respond.Decode[UseCaseInput](w, r)
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	if in.Team == "" {
		h.Fail(w, r, atrium.Errorf(atrium.Invalid, "team is required: the slug of the team that owns the use case"))
		return
	}
	u, err := h.DB.CreateUseCase(r.Context(), usecase.UseCase{Slug: in.Slug, Name: in.Name, Summary: in.Summary, TeamSlug: in.Team, Stage: in.Stage})
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/usecases/"+u.Slug)
	respond.JSON(w, http.StatusCreated, u)
}

// Get answers GET /api/v1/usecases/{slug}.
func (h *Handlers) Get(w http.ResponseWriter, r *http.Request) {
	u, err := h.DB.GetUseCase(r.Context(), r.PathValue("slug"))
	h.Reply(w, r, http.StatusOK, u, err)
}

// UseCasePatch is the body of PATCH /api/v1/usecases/{slug}.
type UseCasePatch struct {
	Name    *string `json:"name"`
	Summary *string `json:"summary"`
	Team    *string `json:"team"`
	OwnerID *string `json:"owner_id"`
	Version int64   `json:"version"`
}

// Update answers PATCH /api/v1/usecases/{slug}.
func (h *Handlers) Update(w http.ResponseWriter, r *http.Request) {
	in, err := respond.Decode[UseCasePatch](w, r)
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	if in.Version < 0 {
		h.Fail(w, r, atrium.Errorf(atrium.Invalid, "version must be the positive version you read"))
		return
	}
	u, err := h.DB.UpdateUseCase(r.Context(), r.PathValue("slug"), usecase.Patch{
		Name: in.Name, Summary: in.Summary, Team: in.Team, OwnerID: in.OwnerID, Version: in.Version})
	h.Reply(w, r, http.StatusOK, u, err)
}

// Archive answers POST /api/v1/usecases/{slug}/archive.
func (h *Handlers) Archive(w http.ResponseWriter, r *http.Request) { h.setArchived(w, r, true) }

// Restore answers POST /api/v1/usecases/{slug}/restore.
func (h *Handlers) Restore(w http.ResponseWriter, r *http.Request) { h.setArchived(w, r, false) }

func (h *Handlers) setArchived(w http.ResponseWriter, r *http.Request, archived bool) {
	u, err := h.DB.SetArchived(r.Context(), r.PathValue("slug"), archived)
	h.Reply(w, r, http.StatusOK, u, err)
}

// ListTransitions answers GET /api/v1/usecases/{slug}/transitions.
func (h *Handlers) ListTransitions(w http.ResponseWriter, r *http.Request) {
	hist, err := h.DB.Transitions(r.Context(), r.PathValue("slug"))
	h.Reply(w, r, http.StatusOK, respond.ListOf(hist), err)
}

// TransitionInput is the body of POST /api/v1/usecases/{slug}/transitions.
type TransitionInput struct {
	To   usecase.Stage `json:"to"`
	Note string        `json:"note"`
}

// Transition answers POST /api/v1/usecases/{slug}/transitions: a move
// to another stage, checked by the Gate.
func (h *Handlers) Transition(w http.ResponseWriter, r *http.Request) {
	in, err := respond.Decode[TransitionInput](w, r)
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	u, err := h.DB.Transition(r.Context(), r.PathValue("slug"), in.To, in.Note, h.Gate)
	h.Reply(w, r, http.StatusOK, u, err)
}

// ListGrants answers GET /api/v1/usecases/{slug}/grants.
func (h *Handlers) ListGrants(w http.ResponseWriter, r *http.Request) {
	u, err := h.DB.GetUseCase(r.Context(), r.PathValue("slug"))
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	grants, err := h.DB.Grants(r.Context(), u.Slug)
	h.Reply(w, r, http.StatusOK, respond.ListOf(grantsSeenBy(grants, u.Role)), err)
}

// grantsSeenBy is the list of grants as someone with role may see it.
func grantsSeenBy(grants []usecase.Grant, role usecase.Role) []usecase.Grant {
	out := make([]usecase.Grant, len(grants))
	for i, g := range grants {
		out[i] = g.SeenBy(role)
	}
	return out
}

// GrantInput is the body of POST /api/v1/usecases/{slug}/grants.
type GrantInput struct {
	UserID string       `json:"user_id"`
	Email  string       `json:"email"`
	Team   string       `json:"team"`
	Role   usecase.Role `json:"role"`
}

// GrantedTo is the answer to a grant whose grantee the grantor may see:
// the grant as it is listed, and what changed in words.
type GrantedTo struct {
	usecase.Grant
	Message string `json:"message"`
}

// GrantedIfAny is the answer to a grant whose grantee the grantor may not
// see, and equally to one for an e-mail address, user id or team slug that
// nobody has: what was asked, never who, so that granting cannot be used to
// find out who has an account or which teams exist.
type GrantedIfAny struct {
	UserID    string       `json:"user_id,omitempty"`
	UserEmail string       `json:"user_email,omitempty"`
	TeamSlug  string       `json:"team,omitempty"`
	Role      usecase.Role `json:"role"`
	Message   string       `json:"message"`
}

// PutGrant answers POST /api/v1/usecases/{slug}/grants.
func (h *Handlers) PutGrant(w http.ResponseWriter, r *http.Request) {
	in, err := respond.Decode[GrantInput](w, r)
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	answer, err := h.putGrant(r, usecase.Grant{UserID: in.UserID, UserEmail: in.Email, TeamSlug: in.Team, Role: in.Role})
	h.Reply(w, r, http.StatusOK, answer, err)
}

// putGrant makes a grant for the API and the page alike and says how it went:
// a GrantedTo when the grantor may see the grantee, otherwise a GrantedIfAny
// that reads the same whether or not the grantee exists.
func (h *Handlers) putGrant(r *http.Request, asked usecase.Grant) (any, error) {
	g, err := h.DB.PutGrant(r.Context(), r.PathValue("slug"), asked)
	switch {
	case err != nil && !errors.Is(err, store.ErrNoGrantee):
		return nil, err
	case err == nil && g.Visible:
		who := g.UserName
		if g.TeamID != "" {
			who = "Team " + g.TeamName
		}
		return GrantedTo{Grant: g, Message: fmt.Sprintf("%s now has %s access.", who, g.Role)}, nil
	}
	// Built from what was asked, never from what the store found.
	out := GrantedIfAny{UserID: asked.UserID, TeamSlug: asked.TeamSlug, Role: asked.Role}
	switch {
	case asked.UserEmail != "":
		// The store accepted the address, so it normalises.
		out.UserEmail, _ = identity.NormalizeEmail(asked.UserEmail)
		out.Message = fmt.Sprintf("If %s has an Atrium account, they now have %s access.", out.UserEmail, asked.Role)
	case asked.UserID != "":
		out.Message = fmt.Sprintf("If user %s exists, they now have %s access.", asked.UserID, asked.Role)
	default:
		out.Message = fmt.Sprintf("If a team %s exists, it now has %s access.", asked.TeamSlug, asked.Role)
	}
	return out, nil
}

// DeleteGrant answers DELETE /api/v1/usecases/{slug}/grants/{id}.
func (h *Handlers) DeleteGrant(w http.ResponseWriter, r *http.Request) {
	id, err := respond.PathInt(r, "id")
	if err == nil {
		err = h.DB.DeleteGrant(r.Context(), r.PathValue("slug"), id)
	}
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// ListAudit answers GET /api/v1/usecases/{slug}/audit: the audit entries
// about one use case, for anyone who may see it.
func (h *Handlers) ListAudit(w http.ResponseWriter, r *http.Request) {
	u, err := h.DB.GetUseCase(r.Context(), r.PathValue("slug"))
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	f, err := respond.AuditFilter(r)
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	f.ObjectType, f.ObjectID = "usecase", u.ID
	page, err := h.DB.AuditEntries(r.Context(), f)
	h.Reply(w, r, http.StatusOK, page, err)
}
