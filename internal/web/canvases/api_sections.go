package canvases

import (
	"errors"
	"github.com/atrium-mlops/atrium/internal/web/render"
	"maps"
	"net/http"
	"strconv"

	"github.com/atrium-mlops/atrium/internal/atrium"
	"github.com/atrium-mlops/atrium/internal/canvas"
	"github.com/atrium-mlops/atrium/internal/evidence"
	"github.com/atrium-mlops/atrium/internal/store"
	"github.com/atrium-mlops/atrium/internal/web/respond"
)

// openedSection is one section of an opened canvas with its definition.
type openedSection struct {
	openedCanvas
	def   canvas.SectionDef
	phase canvas.Phase
}

// openSection loads the canvas and finds the section named in the path.
func (h *Handlers) openSection(r *http.Request) (openedSection, error) {
	oc, err := h.openCanvas(r)
	if err != nil {
		return openedSection{}, err
	}
	return sectionOfOpened(oc, r)
}

// openSectionIn is openSection for a page that reads everything else it
// shows from the view v too.
func (h *Handlers) openSectionIn(v *store.UseCaseView, r *http.Request) (openedSection, error) {
	oc, err := h.openCanvasIn(v, r)
	if err != nil {
		return openedSection{}, err
	}
	return sectionOfOpened(oc, r)
}

// sectionOfOpened finds the section named in the path in oc's template.
func sectionOfOpened(oc openedCanvas, r *http.Request) (openedSection, error) {
	id := r.PathValue("section")
	def, phase, ok := oc.t.Section(id)
	if !ok {
		return openedSection{}, atrium.Errorf(atrium.NotFound, "the template %q has no section %q", oc.t.ID, atrium.Truncate(id, 80))
	}
	return openedSection{openedCanvas: oc, def: def, phase: phase}, nil
}

// sectionNotFound turns the store's refusal of a section the canvas's
// template does not have into the 404 of an address that names nothing.
func sectionNotFound(err error) error {
	if errors.Is(err, store.ErrNoSection) {
		return &atrium.Error{Kind: atrium.NotFound, Msg: atrium.MessageOf(err), Err: err}
	}
	return err
}

// panels asks the evidence registry for the section's live panels.
func (h *Handlers) panels(r *http.Request, sc openedSection) ([]evidence.Panel, error) {
	panels, err := h.Evidence.Panels(r.Context(), sc.def.Evidence, canvas.EvidenceRequest{UseCase: sc.uc, Canvas: sc.c, Template: sc.t, Section: sc.def})
	return respond.Items(panels), err
}

// SectionDetail is GET …/sections/{section}: the section with what helps to
// write it — its prompts, its evidence and its discussion.
type SectionDetail struct {
	SectionView
	Title    string           `json:"title"`
	Phase    string           `json:"phase"`
	Prompts  []string         `json:"prompts"`
	Moments  []canvas.Moment  `json:"moments,omitempty"`
	Evidence []evidence.Panel `json:"evidence"`
	// Thread is the first page of the discussion, oldest first; Comments
	// counts all of it and …/comments pages through the rest.
	Thread []canvas.Comment `json:"thread"`
}

// APIGetSection serves GET /api/v1/usecases/{slug}/canvases/{canvas}/sections/{section}.
func (h *Handlers) APIGetSection(w http.ResponseWriter, r *http.Request) {
	sc, err := h.openSection(r)
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	panels, err := h.panels(r, sc)
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	comments, err := h.DB.Comments(r.Context(), sc.uc.Slug, sc.c.ID, sc.def.ID, atrium.PageRequest{Size: atrium.DefaultPageSize})
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	sec := sectionOf(sc.c, sc.def.ID)
	respond.JSON(w, http.StatusOK, SectionDetail{
		SectionView: SectionView{Section: sec, HTML: sec.HTML},
		Title:       sc.def.Title, Phase: sc.phase.ID, Prompts: respond.Items(sc.def.Prompts), Moments: sc.def.Moments,
		Evidence: panels, Thread: comments.Items,
	})
}

// SectionInput is the body of PUT …/sections/{section}. base_version is the
// section version the edit starts from; 0 means "I saw it never saved".
type SectionInput struct {
	Content     *string `json:"content"`
	Status      *string `json:"status"`
	OwnerID     *string `json:"owner_id"`
	BaseVersion int64   `json:"base_version"`
}

func (in SectionInput) edit(id string) (canvas.SectionEdit, error) {
	e := canvas.SectionEdit{SectionID: id, Content: in.Content, OwnerID: in.OwnerID, BaseVersion: in.BaseVersion}
	if in.Status != nil {
		st, err := canvas.ParseStatus(*in.Status)
		if err != nil {
			return e, err
		}
		e.Status = &st
	}
	return e, respond.CheckVersion("base_version", in.BaseVersion)
}

// APISaveSection saves content, status or owner of a section. An edit made
// from an older version is refused with 409 and a problem document that
// carries both versions, the text sent and what changed in between.
func (h *Handlers) APISaveSection(w http.ResponseWriter, r *http.Request) {
	in, err := respond.Decode[SectionInput](w, r)
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	e, err := in.edit(r.PathValue("section"))
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	sec, err := h.DB.SaveSection(r.Context(), r.PathValue("slug"), r.PathValue("canvas"), e)
	err = sectionNotFound(err)
	var conflict *canvas.EditConflict
	if errors.As(err, &conflict) {
		err = respond.WithDetails(err, EditConflict{Base: conflict.Base, Current: conflict.Current, Yours: in.Content,
			Changes: canvas.DiffWords(conflict.Base.Content, conflict.Current.Content)})
	}
	h.Reply(w, r, http.StatusOK, SectionView{Section: sec, HTML: sec.HTML}, err)
}

// EditConflict is what the problem document of a section save made from
// an older version (409) carries beside the standard members, so that a
// client can merge by hand without another request.
type EditConflict struct {
	Base    canvas.Section  `json:"base"`
	Current canvas.Section  `json:"current"`
	Yours   *string         `json:"yours"`
	Changes []canvas.DiffOp `json:"changes"`
}

// APISectionEvidence serves GET /api/v1/usecases/{slug}/canvases/{canvas}/sections/{section}/evidence.
func (h *Handlers) APISectionEvidence(w http.ResponseWriter, r *http.Request) {
	sc, err := h.openSection(r)
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	panels, err := h.panels(r, sc)
	h.Reply(w, r, http.StatusOK, respond.ListOf(panels), err)
}

// APIListComments lists a section's thread. The section is looked up in
// the canvas's template first, so that one it does not have is a 404
// rather than an empty thread.
func (h *Handlers) APIListComments(w http.ResponseWriter, r *http.Request) {
	sc, err := h.openSection(r)
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	p, err := respond.PageOf(r)
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	list, err := h.DB.Comments(r.Context(), sc.uc.Slug, sc.c.ID, sc.def.ID, p)
	h.Reply(w, r, http.StatusOK, list, err)
}

// CommentInput is the body of POST …/sections/{section}/comments.
type CommentInput struct {
	Body string `json:"body"`
}

// APIAddComment serves POST /api/v1/usecases/{slug}/canvases/{canvas}/sections/{section}/comments.
func (h *Handlers) APIAddComment(w http.ResponseWriter, r *http.Request) {
	in, err := respond.Decode[CommentInput](w, r)
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	sc, err := h.openSection(r)
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	c, err := h.DB.AddComment(r.Context(), sc.uc.Slug, sc.c.ID, sc.def.ID, in.Body)
	h.Reply(w, r, http.StatusCreated, c, err)
}

// APIListIterations serves GET /api/v1/usecases/{slug}/canvases/{canvas}/iterations.
func (h *Handlers) APIListIterations(w http.ResponseWriter, r *http.Request) {
	list, err := h.DB.Iterations(r.Context(), r.PathValue("slug"), r.PathValue("canvas"))
	h.Reply(w, r, http.StatusOK, respond.ListOf(list), err)
}

// IterationInput is the body of POST …/canvases/{canvas}/iterations.
type IterationInput struct {
	Message string `json:"message"`
}

// APIPublishIteration serves POST /api/v1/usecases/{slug}/canvases/{canvas}/iterations.
func (h *Handlers) APIPublishIteration(w http.ResponseWriter, r *http.Request) {
	in, err := respond.Decode[IterationInput](w, r)
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	slug, id := r.PathValue("slug"), r.PathValue("canvas")
	it, err := h.DB.PublishIteration(r.Context(), slug, id, in.Message)
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1"+render.CanvasPath(slug, id)+"/iterations/"+strconv.Itoa(it.Number))
	respond.JSON(w, http.StatusCreated, it)
}

// APIGetIteration serves GET /api/v1/usecases/{slug}/canvases/{canvas}/iterations/{n}.
func (h *Handlers) APIGetIteration(w http.ResponseWriter, r *http.Request) {
	n, err := respond.PathInt(r, "n")
	if err == nil && n > 1<<30 {
		err = atrium.Errorf(atrium.NotFound, "iteration %d not found", n)
	}
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	it, err := h.DB.GetIteration(r.Context(), r.PathValue("slug"), r.PathValue("canvas"), int(n))
	h.Reply(w, r, http.StatusOK, it, err)
}

// DiffView is GET …/diff: what changed between two iterations, or between
// an iteration and the canvas as it is now.
type DiffView struct {
	From     int                  `json:"from"`
	To       string               `json:"to"`
	Header   []canvas.HeaderDiff  `json:"header"`
	Sections []canvas.SectionDiff `json:"sections"`
}

// APIDiffIterations compares iteration ?from=N with ?to=M, or with the live
// canvas when to is "current" (the default).
func (h *Handlers) APIDiffIterations(w http.ResponseWriter, r *http.Request) {
	from, to, err := diffRange(r)
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	oc, err := h.openCanvas(r)
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	a, err := h.snapshot(r, oc, strconv.Itoa(from))
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	b, err := h.snapshot(r, oc, to)
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	header, sections := canvas.DiffSnapshots(oc.t, a, b)
	respond.JSON(w, http.StatusOK, DiffView{From: from, To: to, Header: respond.Items(header), Sections: respond.Items(sections)})
}

// diffRange reads ?from and ?to: iteration numbers from 1, or "current".
func diffRange(r *http.Request) (int, string, error) {
	q := r.URL.Query()
	from, err := strconv.Atoi(q.Get("from"))
	if err != nil || from < 1 || from > 1<<30 {
		return 0, "", atrium.Errorf(atrium.Invalid, "from must be the number of a published iteration (1 or more)")
	}
	to := q.Get("to")
	if to == "" {
		to = "current"
	}
	if n, err := strconv.Atoi(to); to != "current" && (err != nil || n < 1 || n > 1<<30 || strconv.Itoa(n) != to) {
		return 0, "", atrium.Errorf(atrium.Invalid, "to must be the number of a published iteration or \"current\"")
	}
	return from, to, nil
}

// snapshot is iteration which's frozen content, or the live canvas for "current".
func (h *Handlers) snapshot(r *http.Request, oc openedCanvas, which string) (canvas.Snapshot, error) {
	if which == "current" {
		return snapshotOf(oc.c), nil
	}
	n, _ := strconv.Atoi(which)
	it, err := h.DB.GetIteration(r.Context(), oc.uc.Slug, oc.c.ID, n)
	return it.Snapshot, err
}

// snapshotOf is the live canvas in the form of a published iteration: only
// sections that were saved at least once are part of it, as in the store.
func snapshotOf(c canvas.Canvas) canvas.Snapshot {
	snap := canvas.Snapshot{Title: c.Title, Header: maps.Clone(c.Header), Sections: map[string]canvas.SnapshotItem{}}
	for id, sec := range c.Sections {
		if sec.Version > 0 {
			snap.Sections[id] = canvas.SnapshotItem{Content: sec.Content, Status: sec.Status, OwnerName: sec.OwnerName}
		}
	}
	return snap
}
