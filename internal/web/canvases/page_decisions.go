package canvases

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/atrium-mlops/atrium/internal/atrium"
	"github.com/atrium-mlops/atrium/internal/canvas"
	"github.com/atrium-mlops/atrium/internal/decision"
	"github.com/atrium-mlops/atrium/internal/usecase"
	"github.com/atrium-mlops/atrium/internal/web/render"
	"github.com/atrium-mlops/atrium/internal/web/respond"
)

// decisionsData is a use case's decision log.
type decisionsData struct {
	render.Frame
	UseCase render.UseCaseRef
	Items   []decision.Decision
	CanEdit bool
}

func decisionsPath(slug string) string { return render.UseCasePath(slug) + "/decisions" }

func decisionPath(slug string, n int) string { return decisionsPath(slug) + "/" + strconv.Itoa(n) }

// PageDecisions serves GET /usecases/{slug}/decisions.
func (h *Handlers) PageDecisions(w http.ResponseWriter, r *http.Request) {
	u, err := h.DB.GetUseCase(r.Context(), r.PathValue("slug"))
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	items, err := h.DB.Decisions(r.Context(), u.Slug)
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	h.Render(w, r, http.StatusOK, "decisions", decisionsData{Frame: h.Frame(r, "Decisions · "+u.Name, "usecases"),
		UseCase: render.RefOf(u), Items: items, CanEdit: u.CanEdit()})
}

// decisionData is one decision record with its links resolved to pages.
type decisionData struct {
	render.Frame
	UseCase      render.UseCaseRef
	Decision     decision.Decision
	Links        []linkView
	Supersedes   *decision.Decision
	SupersededBy []decision.Decision
	CanEdit      bool
}

// decisionPart is one prose field of a decision record with its heading.
type decisionPart struct{ Label, Text string }

// linkView is a decision link as shown: a page address when there is one.
type linkView struct {
	Kind, Text, Href string
}

// PageDecision shows a record; its prose is Markdown.
func (h *Handlers) PageDecision(w http.ResponseWriter, r *http.Request) {
	u, d, all, err := h.openDecision(r)
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	links, err := h.linkViews(r, u.Slug, d.Links)
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	data := decisionData{Frame: h.Frame(r, fmt.Sprintf("Decision %d · %s", d.Number, u.Name), "usecases"),
		UseCase: render.RefOf(u), Decision: d, Links: links, CanEdit: u.CanEdit()}
	for i, o := range all {
		if o.Number == d.Supersedes && d.Supersedes > 0 {
			data.Supersedes = &all[i]
		}
		if o.Supersedes == d.Number {
			data.SupersededBy = append(data.SupersededBy, o)
		}
	}
	h.Render(w, r, http.StatusOK, "decision", data)
}

// openDecision loads the use case, the decision in the path and the whole
// log (for what supersedes what).
func (h *Handlers) openDecision(r *http.Request) (usecase.UseCase, decision.Decision, []decision.Decision, error) {
	u, err := h.DB.GetUseCase(r.Context(), r.PathValue("slug"))
	if err != nil {
		return u, decision.Decision{}, nil, err
	}
	n, err := respond.PathInt(r, "number")
	if err != nil || n > 1<<30 {
		return u, decision.Decision{}, nil, atrium.Errorf(atrium.NotFound, "decision %q not found", r.PathValue("number"))
	}
	d, err := h.DB.GetDecision(r.Context(), u.Slug, int(n))
	if err != nil {
		return u, d, nil, err
	}
	all, err := h.DB.Decisions(r.Context(), u.Slug)
	return u, d, all, err
}

// linkViews resolves section links to the editor of the first canvas that
// has the section (or the canvas the link names) and decision links to
// their record.
func (h *Handlers) linkViews(r *http.Request, slug string, links []decision.Link) ([]linkView, error) {
	var canvases []canvas.Canvas
	out := make([]linkView, 0, len(links))
	for _, l := range links {
		v := linkView{Kind: l.Kind, Text: l.Target}
		if l.Label != "" {
			v.Text = l.Label
		}
		switch l.Kind {
		case "url":
			v.Href = l.Target
		case "decision":
			v.Href = decisionsPath(slug) + "/" + url.PathEscape(l.Target)
			if l.Label == "" {
				v.Text = "Decision " + l.Target
			}
		case "section":
			if canvases == nil {
				var err error
				if canvases, err = h.DB.ListCanvases(r.Context(), slug); err != nil {
					return nil, err
				}
			}
			v.Href, v.Text = h.sectionLink(slug, canvases, l)
		}
		out = append(out, v)
	}
	return out, nil
}

// sectionLink finds where a section link points and names it by its title.
func (h *Handlers) sectionLink(slug string, canvases []canvas.Canvas, l decision.Link) (href, text string) {
	canvasID, section, found := strings.Cut(l.Target, "/")
	if !found {
		canvasID, section = "", canvasID
	}
	text = l.Target
	for _, c := range canvases {
		t, ok := h.Templates.Get(c.TemplateID)
		if !ok || (canvasID != "" && c.ID != canvasID) {
			continue
		}
		if def, _, ok := t.Section(section); ok {
			if l.Label == "" {
				text = def.Title + " (" + c.Title + ")"
			} else {
				text = l.Label
			}
			return render.CanvasPath(slug, c.ID) + "/sections/" + url.PathEscape(section), text
		}
	}
	return "", text
}

// decisionFormData is the form for a new or changed decision record.
type decisionFormData struct {
	render.Frame
	UseCase render.UseCaseRef
	Form    decisionForm
	Earlier []decision.Decision // what it may supersede
	New     bool
}

// decisionForm is a decision as typed; links are one per line.
type decisionForm struct {
	Number                                                     int
	Title, Context, Options, Decision, Rationale, Consequences string
	Status, DecidedBy, DecidedAt, Links                        string
	Supersedes                                                 int
	Version                                                    int64
	Error                                                      string
}

func formOfDecision(d decision.Decision) decisionForm {
	lines := make([]string, len(d.Links))
	for i, l := range d.Links {
		lines[i] = l.Kind + ": " + l.Target
		if l.Label != "" {
			lines[i] += " | " + l.Label
		}
	}
	return decisionForm{Number: d.Number, Title: d.Title, Context: d.Context, Options: d.Options, Decision: d.Decision,
		Rationale: d.Rationale, Consequences: d.Consequences, Status: d.Status, DecidedBy: d.DecidedBy, DecidedAt: d.DecidedAt,
		Links: strings.Join(lines, "\n"), Supersedes: d.Supersedes, Version: d.Version}
}

func readDecisionForm(r *http.Request) decisionForm {
	f := r.PostForm
	n, _ := strconv.Atoi(f.Get("supersedes"))
	return decisionForm{Title: f.Get("title"), Context: f.Get("context"), Options: f.Get("options"), Decision: f.Get("decision"),
		Rationale: f.Get("rationale"), Consequences: f.Get("consequences"), Status: f.Get("status"), DecidedBy: f.Get("decided_by"),
		DecidedAt: f.Get("decided_at"), Links: f.Get("links"), Supersedes: n}
}

// decision is the record the form describes. Links are lines of
// "kind: target", optionally followed by " | label".
func (f decisionForm) decision() (decision.Decision, error) {
	d := decision.Decision{Number: f.Number, Title: f.Title, Context: f.Context, Options: f.Options, Decision: f.Decision,
		Rationale: f.Rationale, Consequences: f.Consequences, Status: f.Status, DecidedBy: f.DecidedBy, DecidedAt: f.DecidedAt,
		Supersedes: f.Supersedes, Version: f.Version, Links: []decision.Link{}}
	for i, line := range strings.Split(f.Links, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		kind, rest, ok := strings.Cut(line, ":")
		if !ok || strings.TrimSpace(rest) == "" {
			return d, atrium.Errorf(atrium.Invalid, "line %d of the links should read kind: target, such as section: requirements (got %q)", i+1, atrium.Truncate(line, 80))
		}
		target, label, _ := strings.Cut(rest, " | ")
		d.Links = append(d.Links, decision.Link{Kind: strings.TrimSpace(kind), Target: strings.TrimSpace(target), Label: strings.TrimSpace(label)})
	}
	return d, nil
}

func (h *Handlers) decisionFormPage(r *http.Request, form decisionForm, isNew bool) (decisionFormData, error) {
	u, err := h.DB.GetUseCase(r.Context(), r.PathValue("slug"))
	if err != nil {
		return decisionFormData{}, err
	}
	if err := u.Role.Require(usecase.Editor, "recording decisions"); err != nil {
		return decisionFormData{}, err
	}
	all, err := h.DB.Decisions(r.Context(), u.Slug)
	if err != nil {
		return decisionFormData{}, err
	}
	title := "New decision · " + u.Name
	if !isNew {
		title = fmt.Sprintf("Edit decision %d · %s", form.Number, u.Name)
	}
	d := decisionFormData{Frame: h.Frame(r, title, "usecases"), UseCase: render.RefOf(u), Form: form, New: isNew}
	for _, o := range all {
		if isNew || o.Number < form.Number {
			d.Earlier = append(d.Earlier, o)
		}
	}
	return d, nil
}

// PageNewDecision serves GET /usecases/{slug}/decisions/new.
func (h *Handlers) PageNewDecision(w http.ResponseWriter, r *http.Request) {
	d, err := h.decisionFormPage(r, decisionForm{Status: decision.Proposed, Links: r.URL.Query().Get("link")}, true)
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	h.Render(w, r, http.StatusOK, "decision_form", d)
}

// PageNewDecisionPost serves POST /usecases/{slug}/decisions/new.
func (h *Handlers) PageNewDecisionPost(w http.ResponseWriter, r *http.Request) {
	if err := render.ParseForm(w, r); err != nil {
		h.Fail(w, r, err)
		return
	}
	in := readDecisionForm(r)
	rec, err := in.decision()
	if err == nil {
		rec, err = h.DB.CreateDecision(r.Context(), r.PathValue("slug"), rec)
	}
	if err != nil {
		h.decisionFormFailed(w, r, err, in, true)
		return
	}
	http.Redirect(w, r, decisionPath(r.PathValue("slug"), rec.Number)+"?notice=decision-created", http.StatusSeeOther)
}

// PageEditDecision serves GET /usecases/{slug}/decisions/{number}/edit.
func (h *Handlers) PageEditDecision(w http.ResponseWriter, r *http.Request) {
	_, rec, _, err := h.openDecision(r)
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	d, err := h.decisionFormPage(r, formOfDecision(rec), false)
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	h.Render(w, r, http.StatusOK, "decision_form", d)
}

// PageEditDecisionPost serves POST /usecases/{slug}/decisions/{number}/edit.
func (h *Handlers) PageEditDecisionPost(w http.ResponseWriter, r *http.Request) {
	if err := render.ParseForm(w, r); err != nil {
		h.Fail(w, r, err)
		return
	}
	in := readDecisionForm(r)
	n, err := respond.PathInt(r, "number")
	if err != nil || n > 1<<30 {
		h.Fail(w, r, atrium.Errorf(atrium.NotFound, "decision %q not found", r.PathValue("number")))
		return
	}
	in.Number = int(n)
	in.Version, err = formVersion(r, "version")
	var rec decision.Decision
	if err == nil {
		rec, err = in.decision()
	}
	if err == nil {
		_, err = h.DB.UpdateDecision(r.Context(), r.PathValue("slug"), rec)
	}
	if err != nil {
		h.decisionFormFailed(w, r, err, in, false)
		return
	}
	http.Redirect(w, r, decisionPath(r.PathValue("slug"), in.Number)+"?notice=decision-saved", http.StatusSeeOther)
}

// decisionFormFailed shows the form again with the input and the reason.
func (h *Handlers) decisionFormFailed(w http.ResponseWriter, r *http.Request, err error, in decisionForm, isNew bool) {
	status, ok := render.FormStatus(err)
	if !ok || status == http.StatusForbidden {
		h.Fail(w, r, err)
		return
	}
	in.Error = atrium.MessageOf(err)
	d, err := h.decisionFormPage(r, in, isNew)
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	h.Render(w, r, status, "decision_form", d)
}
