package usecases

import (
	"net/http"
	"strconv"

	"github.com/atrium-mlops/atrium/internal/atrium"
	"github.com/atrium-mlops/atrium/internal/canvas"
	"github.com/atrium-mlops/atrium/internal/identity"
	"github.com/atrium-mlops/atrium/internal/usecase"
	"github.com/atrium-mlops/atrium/internal/web/render"
	"github.com/atrium-mlops/atrium/internal/web/respond"
)

// useCaseListData is the use-case list with its filters.
type useCaseListData struct {
	render.Frame
	Items    []usecase.UseCase
	Stage    usecase.Stage
	Team     string
	Query    string
	Archived bool
	Filtered bool
	Teams    []identity.Team
	Pager    render.Pager
	// Completeness is, by use case id, how far its canvases have come.
	Completeness map[string]listCompleteness
}

// listCompleteness is the combined completeness of a use case's canvases.
type listCompleteness struct {
	Tally    canvas.Tally
	Canvases int
}

// completenessOf tallies the canvases of every listed use case with one
// store call, so the list costs the same however long it is.
func (h *Handlers) completenessOf(r *http.Request, items []usecase.UseCase) (map[string]listCompleteness, error) {
	ids := make([]string, len(items))
	for i, u := range items {
		ids[i] = u.ID
	}
	sums, err := h.DB.CanvasSummaries(r.Context(), ids)
	if err != nil {
		return nil, err
	}
	out := map[string]listCompleteness{}
	for id, list := range sums {
		var c listCompleteness
		for _, sum := range list {
			t, ok := h.Templates.Get(sum.TemplateID)
			if !ok {
				continue
			}
			one := canvas.CompletenessFromCounts(t, sum.Counts)
			c.Canvases++
			c.Tally.Empty += one.Empty
			c.Tally.Draft += one.Draft
			c.Tally.InReview += one.InReview
			c.Tally.Agreed += one.Agreed
			c.Tally.Total += one.Total
		}
		out[id] = c
	}
	return out, nil
}

// ListPage serves the use-case list with its filters.
func (h *Handlers) ListPage(w http.ResponseWriter, r *http.Request) {
	f, err := useCaseFilter(r)
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	page, err := h.DB.ListUseCases(r.Context(), f)
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	teams, err := h.teamsFor(r)
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	done, err := h.completenessOf(r, page.Items)
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	h.Render(w, r, http.StatusOK, "usecases", useCaseListData{Completeness: done,
		Frame: h.Frame(r, "Use cases", "usecases"),
		Items: page.Items, Stage: f.Stage, Team: f.Team, Query: f.Query, Archived: f.IncludeArchived,
		Filtered: f.Stage != "" || f.Team != "" || f.Query != "" || f.IncludeArchived,
		Teams:    teams, Pager: render.NewPager(r, f.Page, page.Total, len(page.Items), page.NextPageToken),
	})
}

// teamsFor lists the teams a person may pick: all of them for
// administrators, their own for everyone else.
func (h *Handlers) teamsFor(r *http.Request) ([]identity.Team, error) {
	memberOf := respond.Actor(r).UserID
	if respond.Actor(r).Admin {
		memberOf = ""
	}
	page, err := h.DB.ListTeams(r.Context(), memberOf, atrium.PageRequest{Size: atrium.MaxPageSize})
	return page.Items, err
}

// newUseCaseData is the form that creates a use case.
type newUseCaseData struct {
	render.Frame
	Name, Slug, Summary, Team string
	Stage                     usecase.Stage
	Teams                     []identity.Team
	Error                     string
}

// NewPage serves the form that creates a use case.
func (h *Handlers) NewPage(w http.ResponseWriter, r *http.Request) {
	teams, err := h.teamsFor(r)
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	h.Render(w, r, http.StatusOK, "usecase_new", newUseCaseData{Frame: h.Frame(r, "New use case", "usecases"),
		Team: r.URL.Query().Get("team"), Stage: usecase.Scoping, Teams: teams})
}

// NewPost creates a use case from the form, or shows the form again
// with what was wrong.
func (h *Handlers) NewPost(w http.ResponseWriter, r *http.Request) {
	if err := render.ParseForm(w, r); err != nil {
		h.Fail(w, r, err)
		return
	}
	f := r.PostForm
	d := newUseCaseData{Frame: h.Frame(r, "New use case", "usecases"), Name: f.Get("name"), Slug: f.Get("slug"),
		Summary: f.Get("summary"), Team: f.Get("team"), Stage: usecase.Stage(f.Get("stage"))}
	var err error
	if d.Team == "" {
		err = atrium.Errorf(atrium.Invalid, "choose the team that will own the use case")
	}
	var u usecase.UseCase
	if err == nil {
		u, err = h.DB.CreateUseCase(r.Context(), usecase.UseCase{Name: d.Name, Slug: d.Slug, Summary: d.Summary, TeamSlug: d.Team, Stage: d.Stage})
	}
	if err == nil {
		http.Redirect(w, r, render.UseCasePath(u.Slug)+"?notice=created", http.StatusSeeOther)
		return
	}
	status, ok := render.FormStatus(err)
	if !ok {
		h.Fail(w, r, err)
		return
	}
	d.Error = atrium.MessageOf(err)
	if d.Teams, err = h.teamsFor(r); err != nil {
		h.Fail(w, r, err)
		return
	}
	h.Render(w, r, status, "usecase_new", d)
}

// editData is the form that changes a use case's name and summary. Version
// is the one the person started from, so a concurrent edit is caught.
type editData struct {
	render.Frame
	UseCase       usecase.UseCase
	Name, Summary string
	Version       int64
	Error         string
}

// EditPage serves the form that edits a use case.
func (h *Handlers) EditPage(w http.ResponseWriter, r *http.Request) {
	u, err := h.DB.GetUseCase(r.Context(), r.PathValue("slug"))
	if err == nil {
		err = u.Role.Require(usecase.Editor, "editing a use case")
	}
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	d := editData{Frame: h.Frame(r, "Edit "+u.Name, "usecases"), UseCase: u, Name: u.Name, Summary: u.Summary, Version: u.Version}
	if u.Archived {
		d.Error = "This use case is archived. Restore it before you edit it."
	}
	h.Render(w, r, http.StatusOK, "usecase_edit", d)
}

// EditPost saves the edit form, or shows it again with what was wrong.
func (h *Handlers) EditPost(w http.ResponseWriter, r *http.Request) {
	if err := render.ParseForm(w, r); err != nil {
		h.Fail(w, r, err)
		return
	}
	slug, name, summary := r.PathValue("slug"), r.PostForm.Get("name"), r.PostForm.Get("summary")
	version, err := strconv.ParseInt(r.PostForm.Get("version"), 10, 64)
	if err != nil || version < 1 {
		err = atrium.Errorf(atrium.Invalid, "the form lost track of which version you edited; reload the page and try again")
	} else {
		_, err = h.DB.UpdateUseCase(r.Context(), slug, usecase.Patch{Name: &name, Summary: &summary, Version: version})
	}
	if err == nil {
		http.Redirect(w, r, render.UseCasePath(slug)+"?notice=saved", http.StatusSeeOther)
		return
	}
	status, ok := render.FormStatus(err)
	if !ok || status == http.StatusForbidden {
		h.Fail(w, r, err)
		return
	}
	// Read again: after a conflict the form shows the version now stored.
	u, err2 := h.DB.GetUseCase(r.Context(), slug)
	if err2 != nil {
		h.Fail(w, r, err2)
		return
	}
	h.Render(w, r, status, "usecase_edit", editData{Frame: h.Frame(r, "Edit "+u.Name, "usecases"),
		UseCase: u, Name: name, Summary: summary, Version: version, Error: atrium.MessageOf(err)})
}
