package web

import (
	"net/http"
	"strconv"

	"github.com/atrium-mlops/atrium/internal/atrium"
	"github.com/atrium-mlops/atrium/internal/canvas"
	"github.com/atrium-mlops/atrium/internal/identity"
	"github.com/atrium-mlops/atrium/internal/store"
	"github.com/atrium-mlops/atrium/internal/usecase"
)

// useCaseListData is the use-case list with its filters.
type useCaseListData struct {
	frame
	Items    []usecase.UseCase
	Stage    usecase.Stage
	Team     string
	Query    string
	Archived bool
	Filtered bool
	Teams    []identity.Team
	Pager    pager
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
func (s *Server) completenessOf(r *http.Request, items []usecase.UseCase) (map[string]listCompleteness, error) {
	ids := make([]string, len(items))
	for i, u := range items {
		ids[i] = u.ID
	}
	sums, err := s.db.CanvasSummaries(r.Context(), ids)
	if err != nil {
		return nil, err
	}
	out := map[string]listCompleteness{}
	for id, list := range sums {
		var c listCompleteness
		for _, sum := range list {
			t, ok := s.templates.Get(sum.TemplateID)
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

func (s *Server) pageUseCases(w http.ResponseWriter, r *http.Request) {
	f, err := useCaseFilter(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	page, err := s.db.ListUseCases(r.Context(), f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	teams, err := s.teamsFor(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	done, err := s.completenessOf(r, page.Items)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "usecases", useCaseListData{Completeness: done,
		frame: s.frame(r, "Use cases", "usecases"),
		Items: page.Items, Stage: f.Stage, Team: f.Team, Query: f.Query, Archived: f.IncludeArchived,
		Filtered: f.Stage != "" || f.Team != "" || f.Query != "" || f.IncludeArchived,
		Teams:    teams, Pager: newPager(r, f.Page, page.Total, len(page.Items), page.NextPageToken),
	})
}

// teamsFor lists the teams a person may pick: all of them for
// administrators, their own for everyone else.
func (s *Server) teamsFor(r *http.Request) ([]identity.Team, error) {
	memberOf := actor(r).UserID
	if actor(r).Admin {
		memberOf = ""
	}
	page, err := s.db.ListTeams(r.Context(), memberOf, atrium.PageRequest{Size: atrium.MaxPageSize})
	return page.Items, err
}

// newUseCaseData is the form that creates a use case.
type newUseCaseData struct {
	frame
	Name, Slug, Summary, Team string
	Stage                     usecase.Stage
	Teams                     []identity.Team
	Error                     string
}

func (s *Server) pageNewUseCase(w http.ResponseWriter, r *http.Request) {
	teams, err := s.teamsFor(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "usecase_new", newUseCaseData{frame: s.frame(r, "New use case", "usecases"),
		Team: r.URL.Query().Get("team"), Stage: usecase.Scoping, Teams: teams})
}

func (s *Server) pageNewUseCasePost(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	f := r.PostForm
	d := newUseCaseData{frame: s.frame(r, "New use case", "usecases"), Name: f.Get("name"), Slug: f.Get("slug"),
		Summary: f.Get("summary"), Team: f.Get("team"), Stage: usecase.Stage(f.Get("stage"))}
	var err error
	if d.Team == "" {
		err = atrium.Errorf(atrium.Invalid, "choose the team that will own the use case")
	}
	var u usecase.UseCase
	if err == nil {
		u, err = s.db.CreateUseCase(r.Context(), usecase.UseCase{Name: d.Name, Slug: d.Slug, Summary: d.Summary, TeamSlug: d.Team, Stage: d.Stage})
	}
	if err == nil {
		http.Redirect(w, r, useCasePath(u.Slug)+"?notice=created", http.StatusSeeOther)
		return
	}
	status, ok := formStatus(err)
	if !ok {
		s.fail(w, r, err)
		return
	}
	d.Error = atrium.MessageOf(err)
	if d.Teams, err = s.teamsFor(r); err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, status, "usecase_new", d)
}

// editData is the form that changes a use case's name and summary. Version
// is the one the person started from, so a concurrent edit is caught.
type editData struct {
	frame
	UseCase       usecase.UseCase
	Name, Summary string
	Version       int64
	Error         string
}

func (s *Server) pageEditUseCase(w http.ResponseWriter, r *http.Request) {
	u, err := s.db.GetUseCase(r.Context(), r.PathValue("slug"))
	if err == nil {
		err = u.Role.Require(usecase.Editor, "editing a use case")
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := editData{frame: s.frame(r, "Edit "+u.Name, "usecases"), UseCase: u, Name: u.Name, Summary: u.Summary, Version: u.Version}
	if u.Archived {
		d.Error = "This use case is archived. Restore it before you edit it."
	}
	s.render(w, r, http.StatusOK, "usecase_edit", d)
}

func (s *Server) pageEditUseCasePost(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	// A viewer's form is refused as such, whatever is wrong with it.
	if _, err := s.authoriseUseCase(r, usecase.Editor, "editing a use case"); err != nil {
		s.fail(w, r, err)
		return
	}
	slug, name, summary := r.PathValue("slug"), r.PostForm.Get("name"), r.PostForm.Get("summary")
	version, err := strconv.ParseInt(r.PostForm.Get("version"), 10, 64)
	if err != nil || version < 1 {
		err = atrium.Errorf(atrium.Invalid, "the form lost track of which version you edited; reload the page and try again")
	} else {
		_, err = s.db.UpdateUseCase(r.Context(), slug, store.UseCasePatch{Name: &name, Summary: &summary, Version: version})
	}
	if err == nil {
		http.Redirect(w, r, useCasePath(slug)+"?notice=saved", http.StatusSeeOther)
		return
	}
	status, ok := formStatus(err)
	if !ok || status == http.StatusForbidden {
		s.fail(w, r, err)
		return
	}
	// Read again: after a conflict the form shows the version now stored.
	u, err2 := s.db.GetUseCase(r.Context(), slug)
	if err2 != nil {
		s.fail(w, r, err2)
		return
	}
	s.render(w, r, status, "usecase_edit", editData{frame: s.frame(r, "Edit "+u.Name, "usecases"),
		UseCase: u, Name: name, Summary: summary, Version: version, Error: atrium.MessageOf(err)})
}
