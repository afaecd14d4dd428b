package feedback

import (
	"net/http"
	"time"

	"github.com/atrium-mlops/atrium/internal/atrium"
	"github.com/atrium-mlops/atrium/internal/store"
	"github.com/atrium-mlops/atrium/internal/telemetry"
	"github.com/atrium-mlops/atrium/internal/usecase"
	"github.com/atrium-mlops/atrium/internal/web/respond"
)

// NewLink creates a feedback link.
type NewLink struct {
	// Name says where the link is used, for the team.
	Name string `json:"name"`
	// Origins may embed the widget (https://app.example.com); none: the
	// widget cannot be framed, the page still works.
	Origins []string `json:"origins,omitempty"`
	// ExpiresInDays closes the link after that many days; 0 or absent:
	// never.
	ExpiresInDays int `json:"expires_in_days,omitempty"`
}

// maxLinkDays is the longest expiry a link may be given.
const maxLinkDays = 3660

// FeedbackPatch is one triage step; omitted fields stay as they are.
type FeedbackPatch struct {
	Status *telemetry.FeedbackStatus `json:"status,omitempty"`
	// AssigneeID is the user who looks after it ("" to unassign); they
	// need a role on the use case.
	AssigneeID *string `json:"assignee_id,omitempty"`
	// Note says what became of it; its author sees it on their receipt
	// page.
	Note *string `json:"note,omitempty"`
	// LinkDecision and UnlinkDecision add or remove a link to one of the
	// use case's decisions, by its number ("3").
	LinkDecision   string `json:"link_decision,omitempty"`
	UnlinkDecision string `json:"unlink_decision,omitempty"`
}

// APIListLinks serves GET /api/v1/usecases/{slug}/feedback-links.
func (h *Handlers) APIListLinks(w http.ResponseWriter, r *http.Request) {
	links, err := h.DB.ListFeedbackLinks(r.Context(), r.PathValue("slug"))
	h.Reply(w, r, http.StatusOK, respond.ListOf(links), err)
}

// APICreateLink serves POST /api/v1/usecases/{slug}/feedback-links. The
// answer carries the link's address, the only time it is shown.
func (h *Handlers) APICreateLink(w http.ResponseWriter, r *http.Request) {
	in, err := respond.Decode[NewLink](w, r)
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	if in.ExpiresInDays < 0 || in.ExpiresInDays > maxLinkDays {
		h.Fail(w, r, atrium.Errorf(atrium.Invalid, "expires_in_days must be between 0 (never) and %d", maxLinkDays))
		return
	}
	if in.Origins == nil {
		in.Origins = []string{}
	}
	slug := r.PathValue("slug")
	l, secret, err := h.DB.CreateFeedbackLink(r.Context(), slug, in.Name, in.Origins, time.Duration(in.ExpiresInDays)*24*time.Hour)
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	l.URL = origin(r) + publicPath(secret)
	w.Header().Set("Location", "/api/v1/usecases/"+slug+"/feedback-links/"+l.ID)
	respond.JSON(w, http.StatusCreated, l)
}

// APIRevokeLink serves DELETE /api/v1/usecases/{slug}/feedback-links/{id}.
func (h *Handlers) APIRevokeLink(w http.ResponseWriter, r *http.Request) {
	l, err := h.DB.RevokeFeedbackLink(r.Context(), r.PathValue("slug"), r.PathValue("id"))
	h.Reply(w, r, http.StatusOK, l, err)
}

// APIList serves GET /api/v1/usecases/{slug}/feedback.
func (h *Handlers) APIList(w http.ResponseWriter, r *http.Request) {
	_, f, err := parseFilter(r.URL.Query())
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	p, err := respond.PageOf(r)
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	v, err := h.DB.UseCase(r.Context(), r.PathValue("slug"))
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	defer v.Close()
	page, err := h.DB.ListFeedback(store.WithView(r.Context(), v), v.UseCase().Slug, f, p)
	if err == nil {
		page.Items = respond.Items(page.Items)
		for i := range page.Items {
			hideContact(v.UseCase(), &page.Items[i])
		}
	}
	h.Reply(w, r, http.StatusOK, page, err)
}

// APIGet serves GET /api/v1/usecases/{slug}/feedback/{id}.
func (h *Handlers) APIGet(w http.ResponseWriter, r *http.Request) {
	v, err := h.DB.UseCase(r.Context(), r.PathValue("slug"))
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	defer v.Close()
	fb, err := h.DB.GetFeedback(store.WithView(r.Context(), v), v.UseCase().Slug, r.PathValue("id"))
	hideContact(v.UseCase(), &fb)
	h.Reply(w, r, http.StatusOK, fb, err)
}

// APIUpdate serves PATCH /api/v1/usecases/{slug}/feedback/{id}.
func (h *Handlers) APIUpdate(w http.ResponseWriter, r *http.Request) {
	in, err := respond.Decode[FeedbackPatch](w, r)
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	c := store.FeedbackChange{Status: in.Status, AssigneeID: in.AssigneeID, Note: in.Note, LinkDecision: in.LinkDecision, UnlinkDecision: in.UnlinkDecision}
	fb, err := h.DB.UpdateFeedback(r.Context(), r.PathValue("slug"), r.PathValue("id"), c)
	h.Reply(w, r, http.StatusOK, fb, err)
}

// hideContact blanks the author's contact address for readers below
// editor: only the people who may answer them see it.
func hideContact(u usecase.UseCase, fb *telemetry.Feedback) {
	if !u.Role.AtLeast(usecase.Editor) {
		fb.Contact = ""
	}
	fb.Receipt = ""
}
