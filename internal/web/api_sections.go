package web

import (
	"errors"
	"github.com/atrium-mlops/atrium/internal/web/respond"
	"maps"
	"net/http"
	"strconv"

	"github.com/atrium-mlops/atrium/internal/atrium"
	"github.com/atrium-mlops/atrium/internal/canvas"
	"github.com/atrium-mlops/atrium/internal/store"
)

// openedSection is one section of an opened canvas with its definition.
type openedSection struct {
	openedCanvas
	def   canvas.SectionDef
	phase canvas.Phase
}

// openSection loads the canvas and finds the section named in the path.
func (s *Server) openSection(r *http.Request) (openedSection, error) {
	oc, err := s.openCanvas(r)
	if err != nil {
		return openedSection{}, err
	}
	id := r.PathValue("section")
	def, phase, ok := oc.t.Section(id)
	if !ok {
		return openedSection{}, atrium.Errorf(atrium.NotFound, "the template %q has no section %q", oc.t.ID, truncateID(id))
	}
	return openedSection{openedCanvas: oc, def: def, phase: phase}, nil
}

// panels asks the evidence registry for the section's live panels.
func (s *Server) panels(r *http.Request, sc openedSection) ([]canvas.Panel, error) {
	panels, err := s.evidence.Panels(r.Context(), canvas.EvidenceRequest{UseCase: sc.uc, Canvas: sc.c, Template: sc.t, Section: sc.def})
	return nonNil(panels), err
}

// sectionDetail is GET …/sections/{section}: the section with what helps to
// write it — its prompts, its evidence and its discussion.
type sectionDetail struct {
	sectionView
	Title    string          `json:"title"`
	Phase    string          `json:"phase"`
	Prompts  []string        `json:"prompts"`
	Moments  []canvas.Moment `json:"moments,omitempty"`
	Evidence []canvas.Panel  `json:"evidence"`
	// Thread is the first page of the discussion, oldest first; Comments
	// counts all of it and …/comments pages through the rest.
	Thread []canvas.Comment `json:"thread"`
}

func (s *Server) apiGetSection(w http.ResponseWriter, r *http.Request) {
	sc, err := s.openSection(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	panels, err := s.panels(r, sc)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	comments, err := s.db.Comments(r.Context(), sc.uc.Slug, sc.c.ID, sc.def.ID, atrium.PageRequest{Size: atrium.DefaultPageSize})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	sec := sectionOf(sc.c, sc.def.ID)
	respond.JSON(w, http.StatusOK, sectionDetail{
		sectionView: sectionView{Section: sec, HTML: sec.HTML},
		Title:       sc.def.Title, Phase: sc.phase.ID, Prompts: nonNil(sc.def.Prompts), Moments: sc.def.Moments,
		Evidence: panels, Thread: comments.Items,
	})
}

// sectionInput is the body of PUT …/sections/{section}. base_version is the
// section version the edit starts from; 0 means "I saw it never saved".
type sectionInput struct {
	Content     *string `json:"content"`
	Status      *string `json:"status"`
	OwnerID     *string `json:"owner_id"`
	BaseVersion int64   `json:"base_version"`
}

func (in sectionInput) edit(id string) (store.SectionEdit, error) {
	e := store.SectionEdit{SectionID: id, Content: in.Content, OwnerID: in.OwnerID, BaseVersion: in.BaseVersion}
	if in.Status != nil {
		st, err := canvas.ParseStatus(*in.Status)
		if err != nil {
			return e, err
		}
		e.Status = &st
	}
	return e, checkVersion("base_version", in.BaseVersion)
}

// apiSaveSection saves content, status or owner of a section. An edit made
// from an older version is refused with 409 and a problem document that
// carries both versions, the text sent and what changed in between.
func (s *Server) apiSaveSection(w http.ResponseWriter, r *http.Request) {
	in, err := respond.Decode[sectionInput](w, r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	e, err := in.edit(r.PathValue("section"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	sc, err := s.openSection(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	sec, err := s.db.SaveSection(r.Context(), sc.uc.Slug, sc.c.ID, sc.t, e)
	var conflict *canvas.EditConflict
	if errors.As(err, &conflict) {
		err = respond.WithDetails(err, map[string]any{"base": conflict.Base, "current": conflict.Current, "yours": in.Content,
			"changes": canvas.DiffWords(conflict.Base.Content, conflict.Current.Content)})
	}
	s.reply(w, r, http.StatusOK, sectionView{Section: sec, HTML: sec.HTML}, err)
}

func (s *Server) apiSectionEvidence(w http.ResponseWriter, r *http.Request) {
	sc, err := s.openSection(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	panels, err := s.panels(r, sc)
	s.reply(w, r, http.StatusOK, map[string]any{"items": panels}, err)
}

// apiListComments lists a section's thread. The section is looked up in
// the canvas's template first: the store can check section ids only of the
// built-in templates.
func (s *Server) apiListComments(w http.ResponseWriter, r *http.Request) {
	sc, err := s.openSection(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p, err := pageRequest(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	list, err := s.db.Comments(r.Context(), sc.uc.Slug, sc.c.ID, sc.def.ID, p)
	s.reply(w, r, http.StatusOK, list, err)
}

// commentInput is the body of POST …/sections/{section}/comments.
type commentInput struct {
	Body string `json:"body"`
}

func (s *Server) apiAddComment(w http.ResponseWriter, r *http.Request) {
	in, err := respond.Decode[commentInput](w, r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	sc, err := s.openSection(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	c, err := s.db.AddComment(r.Context(), sc.uc.Slug, sc.c.ID, sc.def.ID, in.Body)
	s.reply(w, r, http.StatusCreated, c, err)
}

func (s *Server) apiListIterations(w http.ResponseWriter, r *http.Request) {
	list, err := s.db.Iterations(r.Context(), r.PathValue("slug"), r.PathValue("canvas"))
	s.reply(w, r, http.StatusOK, map[string]any{"items": nonNil(list)}, err)
}

// iterationInput is the body of POST …/canvases/{canvas}/iterations.
type iterationInput struct {
	Message string `json:"message"`
}

func (s *Server) apiPublishIteration(w http.ResponseWriter, r *http.Request) {
	in, err := respond.Decode[iterationInput](w, r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	oc, err := s.openCanvas(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	it, err := s.db.PublishIteration(r.Context(), oc.uc.Slug, oc.c.ID, oc.t, in.Message)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/usecases/"+oc.uc.Slug+"/canvases/"+oc.c.ID+"/iterations/"+strconv.Itoa(it.Number))
	respond.JSON(w, http.StatusCreated, it)
}

func (s *Server) apiGetIteration(w http.ResponseWriter, r *http.Request) {
	n, err := respond.PathInt(r, "n")
	if err == nil && n > 1<<30 {
		err = atrium.Errorf(atrium.NotFound, "iteration %d not found", n)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	it, err := s.db.GetIteration(r.Context(), r.PathValue("slug"), r.PathValue("canvas"), int(n))
	s.reply(w, r, http.StatusOK, it, err)
}

// diffView is GET …/diff: what changed between two iterations, or between
// an iteration and the canvas as it is now.
type diffView struct {
	From     int                  `json:"from"`
	To       string               `json:"to"`
	Header   []canvas.HeaderDiff  `json:"header"`
	Sections []canvas.SectionDiff `json:"sections"`
}

// apiDiffIterations compares iteration ?from=N with ?to=M, or with the live
// canvas when to is "current" (the default).
func (s *Server) apiDiffIterations(w http.ResponseWriter, r *http.Request) {
	from, to, err := diffRange(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	oc, err := s.openCanvas(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	a, err := s.snapshot(r, oc, strconv.Itoa(from))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	b, err := s.snapshot(r, oc, to)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	header, sections := canvas.DiffSnapshots(oc.t, a, b)
	respond.JSON(w, http.StatusOK, diffView{From: from, To: to, Header: nonNil(header), Sections: nonNil(sections)})
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
func (s *Server) snapshot(r *http.Request, oc openedCanvas, which string) (canvas.Snapshot, error) {
	if which == "current" {
		return snapshotOf(oc.c), nil
	}
	n, _ := strconv.Atoi(which)
	it, err := s.db.GetIteration(r.Context(), oc.uc.Slug, oc.c.ID, n)
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
