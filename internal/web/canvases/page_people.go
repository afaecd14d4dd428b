package canvases

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/atrium-mlops/atrium/internal/people"
	"github.com/atrium-mlops/atrium/internal/web/render"
	"github.com/atrium-mlops/atrium/internal/web/respond"
)

// stakeholdersData is a use case's stakeholder register, grouped by kind,
// with the form that adds an entry. When editing an entry failed, Editing
// names it and its form comes back open with what was typed.
type stakeholdersData struct {
	render.Frame
	UseCase render.UseCaseRef
	Groups  []stakeholderGroup
	Total   int
	CanEdit bool
	Add     stakeholderForm
	// Editing is the entry whose edit failed (ID 0 for none).
	Editing stakeholderForm
}

// stakeholderGroup is one kind of stakeholder with its entries.
type stakeholderGroup struct {
	Kind  stakeholderKind
	Items []stakeholderForm
}

// stakeholderKind is how a kind is named and explained on the page.
type stakeholderKind struct{ ID, Label, Help string }

// stakeholderKinds names every kind, in register order.
var stakeholderKinds = []stakeholderKind{
	{people.DecisionMaker, "Decision-makers", "Who funds the use case, sets its direction and says go or stop."},
	{people.User, "Users", "Who works with the model's output every day."},
	{people.PersonAffected, "People affected", "Who lives with the consequences without necessarily using it."},
	{people.Additional, "Additional stakeholders", "Anyone else with a stake: legal, works council, customers, regulators."},
	{people.TestPilot, "Test pilots", "Who tries the model first. Their subjects are routed to a new version before anyone else."},
}

// stakeholderForm is one entry as shown and as typed.
type stakeholderForm struct {
	ID                                     int64
	Kind, Name, Role, Contact, Concerns    string
	Before, During, After, Notes, Subjects string
	SubjectList                            []string
	Version                                int64
	Error                                  string
}

// stakeholderFields is what the shared form fields need: the values and an
// id prefix, so several forms on one page keep their labels apart.
type stakeholderFields struct {
	Form   stakeholderForm
	Prefix string
}

func fieldsFor(f stakeholderForm, prefix string) stakeholderFields {
	return stakeholderFields{Form: f, Prefix: prefix}
}

func formOfStakeholder(sh people.Stakeholder) stakeholderForm {
	return stakeholderForm{ID: sh.ID, Kind: sh.Kind, Name: sh.Name, Role: sh.Role, Contact: sh.Contact, Concerns: sh.Concerns,
		Before: sh.Before, During: sh.During, After: sh.After, Notes: sh.Notes, Subjects: strings.Join(sh.Subjects, "\n"),
		SubjectList: sh.Subjects, Version: sh.Version}
}

// stakeholder is the entry the form describes; subjects are one a line.
func (f stakeholderForm) stakeholder() people.Stakeholder {
	return people.Stakeholder{ID: f.ID, Kind: f.Kind, Name: f.Name, Role: f.Role, Contact: f.Contact, Concerns: f.Concerns,
		Before: f.Before, During: f.During, After: f.After, Notes: f.Notes, Subjects: strings.Split(f.Subjects, "\n"), Version: f.Version}
}

func readStakeholderForm(r *http.Request) stakeholderForm {
	f := r.PostForm
	return stakeholderForm{Kind: f.Get("kind"), Name: f.Get("name"), Role: f.Get("role"), Contact: f.Get("contact"),
		Concerns: f.Get("concerns"), Before: f.Get("before"), During: f.Get("during"), After: f.Get("after"),
		Notes: f.Get("notes"), Subjects: f.Get("subjects")}
}

func (h *Handlers) stakeholdersPage(r *http.Request) (stakeholdersData, error) {
	u, err := h.DB.GetUseCase(r.Context(), r.PathValue("slug"))
	if err != nil {
		return stakeholdersData{}, err
	}
	list, err := h.DB.Stakeholders(r.Context(), u.Slug)
	if err != nil {
		return stakeholdersData{}, err
	}
	kind := r.URL.Query().Get("kind")
	if kind == "" {
		kind = people.DecisionMaker
	}
	d := stakeholdersData{Frame: h.Frame(r, "People · "+u.Name, "usecases"), UseCase: render.RefOf(u),
		Total: len(list), CanEdit: u.CanEdit(), Add: stakeholderForm{Kind: kind}}
	for _, k := range stakeholderKinds {
		g := stakeholderGroup{Kind: k}
		for _, sh := range list {
			if sh.Kind == k.ID {
				g.Items = append(g.Items, formOfStakeholder(sh))
			}
		}
		d.Groups = append(d.Groups, g)
	}
	return d, nil
}

// PageStakeholders serves GET /usecases/{slug}/stakeholders.
func (h *Handlers) PageStakeholders(w http.ResponseWriter, r *http.Request) {
	d, err := h.stakeholdersPage(r)
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	h.Render(w, r, http.StatusOK, "stakeholders", d)
}

// stakeholdersFailed shows the register again with the failed form's input.
func (h *Handlers) stakeholdersFailed(w http.ResponseWriter, r *http.Request, err error, keep func(d *stakeholdersData, msg string)) {
	render.FormFailed(h.Views, w, r, err, h.Fail, "stakeholders", h.stakeholdersPage, keep)
}

func stakeholdersPath(slug string) string { return render.UseCasePath(slug) + "/stakeholders" }

// PageStakeholdersPost serves POST /usecases/{slug}/stakeholders.
func (h *Handlers) PageStakeholdersPost(w http.ResponseWriter, r *http.Request) {
	if err := render.ParseForm(w, r); err != nil {
		h.Fail(w, r, err)
		return
	}
	in := readStakeholderForm(r)
	sh, err := h.DB.CreateStakeholder(r.Context(), r.PathValue("slug"), in.stakeholder())
	if err != nil {
		h.stakeholdersFailed(w, r, err, func(d *stakeholdersData, msg string) { in.Error = msg; d.Add = in })
		return
	}
	http.Redirect(w, r, stakeholdersPath(r.PathValue("slug"))+"?notice=stakeholder-added#"+url.PathEscape(sh.Kind), http.StatusSeeOther)
}

// PageStakeholderPost saves an edited entry, refused when someone else
// changed it since the form was opened.
func (h *Handlers) PageStakeholderPost(w http.ResponseWriter, r *http.Request) {
	if err := render.ParseForm(w, r); err != nil {
		h.Fail(w, r, err)
		return
	}
	in := readStakeholderForm(r)
	id, err := respond.PathInt(r, "id")
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	in.ID = id
	if in.Version, err = formVersion(r, "version"); err == nil {
		_, err = h.DB.UpdateStakeholder(r.Context(), r.PathValue("slug"), in.stakeholder())
	}
	if err != nil {
		h.stakeholdersFailed(w, r, err, func(d *stakeholdersData, msg string) { in.Error = msg; d.Editing = in })
		return
	}
	http.Redirect(w, r, stakeholdersPath(r.PathValue("slug"))+"?notice=stakeholder-saved#"+url.PathEscape(in.Kind), http.StatusSeeOther)
}

// PageStakeholderDeletePost serves POST /usecases/{slug}/stakeholders/{id}/delete.
func (h *Handlers) PageStakeholderDeletePost(w http.ResponseWriter, r *http.Request) {
	id, err := respond.PathInt(r, "id")
	if err == nil {
		err = h.DB.DeleteStakeholder(r.Context(), r.PathValue("slug"), id)
	}
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	http.Redirect(w, r, stakeholdersPath(r.PathValue("slug"))+"?notice=stakeholder-gone", http.StatusSeeOther)
}
