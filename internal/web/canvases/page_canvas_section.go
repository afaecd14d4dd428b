package canvases

import (
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/atrium-mlops/atrium/internal/atrium"
	"github.com/atrium-mlops/atrium/internal/canvas"
	"github.com/atrium-mlops/atrium/internal/evidence"
	"github.com/atrium-mlops/atrium/internal/store"
	"github.com/atrium-mlops/atrium/internal/web/render"
	"github.com/atrium-mlops/atrium/internal/web/respond"
)

// sectionData is the editor of one section: its questions, its text, its
// evidence, its objectives where it has them, and its discussion.
type sectionData struct {
	render.Frame
	UseCase    render.UseCaseRef
	Canvas     canvas.Canvas
	Template   *canvas.Template
	Def        canvas.SectionDef
	Phase      canvas.Phase
	State      canvas.Section
	HTML       template.HTML
	Panels     []evidence.Panel
	PanelError bool
	Comments   []commentView
	// CommentTotal counts the whole thread; Comments holds one page of it.
	CommentTotal int
	CommentPager render.Pager
	Objectives   []canvas.Objective
	Owners       []ownerOption
	CanEdit      bool
	CanReview    bool
	Base, Href   string
	Edit         sectionForm
	Conflict     *conflictView
	StatusErr    string
	Comment      commentForm
	Objective    objectiveForm
}

// sectionForm is the editor's form as typed.
type sectionForm struct {
	Content     string
	Status      canvas.Status
	OwnerID     string
	BaseVersion int64
	// BaseStatus is the status when the form was opened. A status left as
	// it was is not sent, so the store's rules apply: first text makes a
	// section a draft, removing all text empties it.
	BaseStatus canvas.Status
	Error      string
}

// conflictView is shown when someone saved the section while the person
// was editing it: the saved text, and what changed since they started. The
// person's own text stays in the editor.
type conflictView struct {
	Current  canvas.Section
	HTML     template.HTML
	Changes  []canvas.DiffOp
	BaseSeen int64
}

type commentView struct {
	canvas.Comment
	HTML template.HTML
}

type commentForm struct{ Body, Error string }

// ownerOption is a person who may own a section.
type ownerOption struct{ ID, Name, Email string }

// objectiveForm is a new measurable objective as typed.
type objectiveForm struct {
	Metric, Comparator, Target, Unit, MeasuredAt, Window, MinSamples, Notes string
	Error                                                                   string
}

// sectionPage loads the editor and everything beside it — evidence,
// discussion, objectives, possible owners — from one view of the use case.
func (h *Handlers) sectionPage(r *http.Request) (sectionData, error) {
	v, err := h.DB.UseCase(r.Context(), r.PathValue("slug"))
	if err != nil {
		return sectionData{}, err
	}
	defer v.Close()
	sc, err := h.openSectionIn(v, r)
	if err != nil {
		return sectionData{}, err
	}
	ctx := store.WithView(r.Context(), v)
	r = r.WithContext(ctx)
	sec := sectionOf(sc.c, sc.def.ID)
	base := render.CanvasPath(sc.uc.Slug, sc.c.ID)
	d := sectionData{Frame: h.Frame(r, sc.def.Title+" · "+sc.c.Title, "usecases"), UseCase: render.RefOf(sc.uc),
		Canvas: sc.c, Template: sc.t, Def: sc.def, Phase: sc.phase, State: sec, HTML: stored(sec.HTML),
		CanEdit: sc.uc.CanEdit(), CanReview: sc.uc.CanReview(), Base: base, Href: base + "/sections/" + url.PathEscape(sc.def.ID),
		Edit:      sectionForm{Content: sec.Content, Status: sec.Status, OwnerID: sec.OwnerID, BaseVersion: sec.Version, BaseStatus: sec.Status},
		Objective: objectiveForm{Comparator: ">=", MeasuredAt: canvas.AtEvaluation},
	}
	if d.Panels, err = h.panels(r, sc); err != nil {
		h.Log.Error("evidence", "request_id", atrium.RequestIDFrom(ctx), "canvas", sc.c.ID, "section", sc.def.ID, "err", err)
		d.PanelError = true
	}
	pr, err := respond.PageOf(r)
	if err != nil {
		return d, err
	}
	comments, err := v.Comments(sc.c.ID, sc.def.ID, pr)
	if err != nil {
		return d, err
	}
	for _, c := range comments.Items {
		d.Comments = append(d.Comments, commentView{Comment: c, HTML: stored(c.HTML)})
	}
	d.CommentTotal = comments.Total
	d.CommentPager = render.NewPager(r, pr, comments.Total, len(comments.Items), comments.NextPageToken)
	d.CommentPager.Anchor("comments")
	if sc.def.Objectives {
		all, err := v.Objectives(sc.c.ID)
		if err != nil {
			return d, err
		}
		for _, o := range all {
			if o.SectionID == sc.def.ID {
				d.Objectives = append(d.Objectives, o)
			}
		}
	}
	if d.CanEdit {
		d.Owners, err = h.ownerOptions(r, v, sec)
	}
	return d, err
}

// ownerOptions are the people who may own a section: the owning team's
// members and everyone granted a role, plus the current owner.
func (h *Handlers) ownerOptions(r *http.Request, v *store.UseCaseView, sec canvas.Section) ([]ownerOption, error) {
	seen := map[string]bool{}
	var out []ownerOption
	add := func(id, name, email string) {
		if id != "" && !seen[id] {
			seen[id] = true
			out = append(out, ownerOption{ID: id, Name: name, Email: email})
		}
	}
	t, err := h.DB.GetTeam(r.Context(), v.UseCase().TeamSlug)
	if err != nil && atrium.KindOf(err) != atrium.NotFound {
		return nil, err
	}
	for _, m := range t.Members {
		add(m.ID, m.Name, m.Email)
	}
	grants, err := v.Grants()
	if err != nil && atrium.KindOf(err) != atrium.Forbidden {
		return nil, err
	}
	for _, g := range grants {
		add(g.UserID, g.UserName, g.UserEmail)
	}
	add(sec.OwnerID, sec.OwnerName, "")
	return out, nil
}

// PageSection serves GET /usecases/{slug}/canvases/{canvas}/sections/{section}.
func (h *Handlers) PageSection(w http.ResponseWriter, r *http.Request) {
	d, err := h.sectionPage(r)
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	h.Render(w, r, http.StatusOK, "section", d)
}

// sectionFormFailed shows the editor again after one of its forms failed,
// keeping what the person typed.
func (h *Handlers) sectionFormFailed(w http.ResponseWriter, r *http.Request, err error, keep func(d *sectionData, msg string)) {
	render.FormFailed(h.Views, w, r, err, h.Fail, "section", h.sectionPage, keep)
}

// PageSectionPost saves an editor's change to the text, status and owner.
// An edit made from an older version is refused; the page comes back with
// the saved text, what changed, and the person's own text still in the box.
func (h *Handlers) PageSectionPost(w http.ResponseWriter, r *http.Request) {
	if err := render.ParseForm(w, r); err != nil {
		h.Fail(w, r, err)
		return
	}
	in := sectionForm{Content: r.PostForm.Get("content"), OwnerID: strings.TrimSpace(r.PostForm.Get("owner_id"))}
	e := canvas.SectionEdit{SectionID: r.PathValue("section"), Content: &in.Content, OwnerID: &in.OwnerID}
	var err error
	in.BaseStatus, _ = canvas.ParseStatus(r.PostForm.Get("base_status"))
	if in.Status, err = canvas.ParseStatus(r.PostForm.Get("status")); err == nil {
		if in.Status != in.BaseStatus {
			e.Status = &in.Status
		}
		in.BaseVersion, err = formVersion(r, "base_version")
		e.BaseVersion = in.BaseVersion
	}
	if err == nil {
		err = h.saveSection(r, e)
	}
	var conflict *canvas.EditConflict
	if errors.As(err, &conflict) {
		h.sectionFormFailed(w, r, err, func(d *sectionData, _ string) {
			d.Conflict = &conflictView{Current: conflict.Current, HTML: stored(conflict.Current.HTML),
				Changes: canvas.DiffWords(conflict.Base.Content, conflict.Current.Content), BaseSeen: in.BaseVersion}
			// Saving again is now a deliberate choice made with both
			// versions in view, so the form carries the current version.
			in.BaseVersion, in.BaseStatus = conflict.Current.Version, conflict.Current.Status
			d.Edit = in
		})
		return
	}
	if err != nil {
		h.sectionFormFailed(w, r, err, func(d *sectionData, msg string) { in.Error = msg; d.Edit = in })
		return
	}
	http.Redirect(w, r, sectionPath(r)+"?notice=section-saved", http.StatusSeeOther)
}

// saveSection saves the edit; the store checks it against the canvas's
// template.
func (h *Handlers) saveSection(r *http.Request, e canvas.SectionEdit) error {
	_, err := h.DB.SaveSection(r.Context(), r.PathValue("slug"), r.PathValue("canvas"), e)
	return sectionNotFound(err)
}

// PageSectionStatusPost lets reviewers move a section through review
// without touching its text.
func (h *Handlers) PageSectionStatusPost(w http.ResponseWriter, r *http.Request) {
	if err := render.ParseForm(w, r); err != nil {
		h.Fail(w, r, err)
		return
	}
	st, err := canvas.ParseStatus(r.PostForm.Get("status"))
	var base int64
	if err == nil {
		base, err = formVersion(r, "base_version")
	}
	if err == nil {
		err = h.saveSection(r, canvas.SectionEdit{SectionID: r.PathValue("section"), Status: &st, BaseVersion: base})
	}
	if err != nil {
		h.sectionFormFailed(w, r, err, func(d *sectionData, msg string) { d.StatusErr = msg })
		return
	}
	http.Redirect(w, r, sectionPath(r)+"?notice=status-saved", http.StatusSeeOther)
}

// PageCommentPost adds a comment to the section's thread.
func (h *Handlers) PageCommentPost(w http.ResponseWriter, r *http.Request) {
	if err := render.ParseForm(w, r); err != nil {
		h.Fail(w, r, err)
		return
	}
	body := r.PostForm.Get("body")
	if _, err := h.DB.AddComment(r.Context(), r.PathValue("slug"), r.PathValue("canvas"), r.PathValue("section"), body); err != nil {
		h.sectionFormFailed(w, r, err, func(d *sectionData, msg string) { d.Comment = commentForm{Body: body, Error: msg} })
		return
	}
	http.Redirect(w, r, sectionPath(r)+"?notice=comment-added#comments", http.StatusSeeOther)
}

// sectionPath is the editor's address for the section named in the path.
func sectionPath(r *http.Request) string {
	return render.CanvasPath(r.PathValue("slug"), r.PathValue("canvas")) + "/sections/" + url.PathEscape(r.PathValue("section"))
}

// PageObjectivePost adds a measurable objective to an objective section;
// the section travels in the form, as the route names only the canvas.
func (h *Handlers) PageObjectivePost(w http.ResponseWriter, r *http.Request) {
	if err := render.ParseForm(w, r); err != nil {
		h.Fail(w, r, err)
		return
	}
	f := r.PostForm
	in := objectiveForm{Metric: f.Get("metric"), Comparator: f.Get("comparator"), Target: strings.TrimSpace(f.Get("target")),
		Unit: f.Get("unit"), MeasuredAt: f.Get("measured_at"), Window: f.Get("window"), MinSamples: strings.TrimSpace(f.Get("min_samples")), Notes: f.Get("notes")}
	r.SetPathValue("section", f.Get("section"))
	o, err := in.objective(f.Get("section"))
	var oc openedCanvas
	if err == nil {
		oc, err = h.openCanvas(r)
	}
	if err == nil {
		_, err = h.DB.CreateObjective(r.Context(), oc.uc.Slug, oc.c.ID, o)
	}
	if err != nil {
		h.sectionFormFailed(w, r, err, func(d *sectionData, msg string) { in.Error = msg; d.Objective = in })
		return
	}
	http.Redirect(w, r, sectionPath(r)+"?notice=objective-added#objectives", http.StatusSeeOther)
}

// objective reads the numbers of a typed objective; the canvas package
// checks the rest.
func (in objectiveForm) objective(section string) (canvas.Objective, error) {
	o := canvas.Objective{SectionID: section, Metric: in.Metric, Comparator: canvas.Comparator(in.Comparator), Unit: in.Unit,
		MeasuredAt: in.MeasuredAt, Window: strings.TrimSpace(in.Window), Notes: in.Notes}
	var err error
	if o.Target, err = strconv.ParseFloat(in.Target, 64); err != nil {
		return o, atrium.Errorf(atrium.Invalid, "the target must be a number, such as 0.85 or 120")
	}
	if in.MinSamples != "" {
		if o.MinSamples, err = strconv.ParseInt(in.MinSamples, 10, 64); err != nil || o.MinSamples < 0 {
			return o, atrium.Errorf(atrium.Invalid, "the minimum sample size must be a whole number, 0 or more")
		}
	}
	return o, nil
}

// PageObjectiveDeletePost removes an objective and returns to its section.
func (h *Handlers) PageObjectiveDeletePost(w http.ResponseWriter, r *http.Request) {
	if err := render.ParseForm(w, r); err != nil {
		h.Fail(w, r, err)
		return
	}
	id, err := respond.PathInt(r, "id")
	if err == nil {
		err = h.DB.DeleteObjective(r.Context(), r.PathValue("slug"), r.PathValue("canvas"), id)
	}
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	back := render.CanvasPath(r.PathValue("slug"), r.PathValue("canvas")) + "?notice=objective-gone"
	if section := r.PostForm.Get("section"); section != "" {
		r.SetPathValue("section", section)
		back = sectionPath(r) + "?notice=objective-gone#objectives"
	}
	http.Redirect(w, r, back, http.StatusSeeOther)
}
