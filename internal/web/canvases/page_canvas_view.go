package canvases

import (
	"context"
	"html/template"
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/atrium-mlops/atrium/internal/atrium"
	"github.com/atrium-mlops/atrium/internal/canvas"
	"github.com/atrium-mlops/atrium/internal/evidence"
	"github.com/atrium-mlops/atrium/internal/people"
	"github.com/atrium-mlops/atrium/internal/store"
	"github.com/atrium-mlops/atrium/internal/usecase"
	"github.com/atrium-mlops/atrium/internal/web/render"
)

// poster is a canvas laid out the way the paper original is: phases side by
// side, sections as cards. The live poster, a frozen iteration and the print
// sheet all render from it.
type poster struct {
	UseCase  usecase.UseCase
	Template *canvas.Template
	Title    string
	Header   []headerValue
	Phases   []phaseView
	Overall  canvas.Tally
	// Base is the canvas's address; cards link below it.
	Base string
	// Live posters link to the section editors and show evidence; frozen
	// iterations and print do not.
	Live bool
	// HasPeople is set when a phase holds the people grid, which needs a
	// wider column.
	HasPeople bool
}

// headerValue is one header field with its value.
type headerValue struct {
	Field canvas.Field
	Value string
}

// phaseView is one column of the poster.
type phaseView struct {
	Phase  canvas.Phase
	Index  int
	Tally  canvas.Tally
	People *peopleGrid
	Cards  []card
}

// card is one section on the poster.
type card struct {
	Def       canvas.SectionDef
	Status    canvas.Status
	OwnerName string
	Content   string
	HTML      template.HTML
	// Long content is cut on the poster; the card links to all of it.
	Long     bool
	Comments int
	Panels   []evidence.Panel
	// PanelError is set when the evidence could not be loaded; the rest of
	// the poster still shows.
	PanelError bool
	// Href is the section editor, on live posters only.
	Href string
	// Full shows the whole text instead of the first lines.
	Full bool
}

// peopleGrid is the Usage phase's grid: who (rows) by moment (columns).
type peopleGrid struct {
	Moments []momentHead
	Rows    []peopleRow
}

type momentHead struct{ ID, Title string }

// peopleRow is one section of the grid (decision-makers, users, …) with the
// register entries of its kind, moment by moment.
type peopleRow struct {
	Card  card
	Cells []peopleCell
}

// peopleCell is what the register and the template say about one group of
// people at one moment.
type peopleCell struct {
	Moment  momentHead
	Notes   []personNote
	Prompts []string
}

type personNote struct{ Name, Role, Text string }

// longContent is how much text a poster card shows before "read more".
const longContent = 420

// stored marks HTML that the store rendered and sanitised when the text was
// saved as safe to insert.
func stored(html string) template.HTML { return template.HTML(html) }

// sectionState is what a poster needs of one section, live or frozen.
type sectionState struct {
	Content, HTML, OwnerName string
	Status                   canvas.Status
	Comments                 int
}

// posterOptions say where a poster's sections come from.
type posterOptions struct {
	Sections map[string]sectionState
	Header   map[string]string
	// People are the register entries shown in the people grid; nil for a
	// frozen iteration, whose register is not part of the snapshot.
	People []people.Stakeholder
	// Evidence loads a section's panels; nil shows none and makes the
	// poster read-only.
	Evidence func(def canvas.SectionDef) ([]evidence.Panel, error)
	// Full shows whole texts, for print and frozen iterations.
	Full bool
}

// buildPoster lays out a canvas. Completeness is counted from the same
// section states the cards show, so the bars always match the cards.
func buildPoster(u usecase.UseCase, t *canvas.Template, title, base string, o posterOptions) poster {
	p := poster{UseCase: u, Template: t, Title: title, Base: base, Live: o.Evidence != nil}
	statuses := canvas.Canvas{Sections: map[string]canvas.Section{}}
	for id, st := range o.Sections {
		statuses.Sections[id] = canvas.Section{Status: st.Status}
	}
	comp := canvas.CompletenessOf(t, statuses)
	p.Overall = comp.Overall
	for _, f := range t.Header {
		p.Header = append(p.Header, headerValue{Field: f, Value: o.Header[f.ID]})
	}
	for i, ph := range t.Phases {
		pv := phaseView{Phase: ph, Index: i, Tally: comp.Phases[i].Tally}
		for _, def := range ph.Sections {
			c := newCard(def, o.Sections[def.ID])
			c.Full = o.Full
			if p.Live {
				c.Href = base + "/sections/" + url.PathEscape(def.ID)
			}
			if o.Evidence != nil {
				c.Panels, c.PanelError = loadPanels(o.Evidence, def)
			}
			if len(def.Moments) > 0 {
				if pv.People == nil {
					pv.People = &peopleGrid{Moments: momentHeads(def.Moments)}
					p.HasPeople = true
				}
				pv.People.Rows = append(pv.People.Rows, peopleRowFor(c, o.People))
				continue
			}
			pv.Cards = append(pv.Cards, c)
		}
		p.Phases = append(p.Phases, pv)
	}
	return p
}

func loadPanels(load func(canvas.SectionDef) ([]evidence.Panel, error), def canvas.SectionDef) ([]evidence.Panel, bool) {
	panels, err := load(def)
	return panels, err != nil
}

func newCard(def canvas.SectionDef, st sectionState) card {
	c := card{Def: def, Status: st.Status, OwnerName: st.OwnerName, Content: st.Content, Comments: st.Comments}
	if c.Status == "" {
		c.Status = canvas.Empty
	}
	if strings.TrimSpace(st.Content) != "" {
		c.HTML = stored(st.HTML)
		c.Long = utf8.RuneCountInString(st.Content) > longContent || strings.Count(st.Content, "\n") > 8
	}
	return c
}

// momentHeads names the grid's columns; a template may leave the titles out.
func momentHeads(ms []canvas.Moment) []momentHead {
	out := make([]momentHead, 0, len(ms))
	for _, m := range ms {
		title := m.Title
		if title == "" {
			title = render.Capitalise(m.ID) + " deployment"
		}
		out = append(out, momentHead{ID: m.ID, Title: title})
	}
	return out
}

// peopleRowFor fills one row of the grid from the register: each entry of
// the row's kind contributes its note for each moment. A moment nobody has
// written about shows the template's questions instead.
func peopleRowFor(c card, people []people.Stakeholder) peopleRow {
	row := peopleRow{Card: c}
	for _, m := range c.Def.Moments {
		cell := peopleCell{Moment: momentHeads([]canvas.Moment{m})[0]}
		for _, p := range people {
			if c.Def.Stakeholders == "" || p.Kind != c.Def.Stakeholders {
				continue
			}
			if text := momentNote(p, m.ID); text != "" {
				cell.Notes = append(cell.Notes, personNote{Name: p.Name, Role: p.Role, Text: text})
			}
		}
		if len(cell.Notes) == 0 {
			cell.Prompts = m.Prompts
		}
		row.Cells = append(row.Cells, cell)
	}
	return row
}

func momentNote(p people.Stakeholder, moment string) string {
	switch moment {
	case "before":
		return p.Before
	case "during":
		return p.During
	case "after":
		return p.After
	}
	return ""
}

// liveStates turns a canvas's sections into poster states.
func liveStates(c canvas.Canvas) map[string]sectionState {
	out := make(map[string]sectionState, len(c.Sections))
	for id, s := range c.Sections {
		out[id] = sectionState{Content: s.Content, HTML: s.HTML, OwnerName: s.OwnerName, Status: s.Status, Comments: s.Comments}
	}
	return out
}

// frozenStates turns an iteration's snapshot into poster states.
func frozenStates(sn canvas.Snapshot) map[string]sectionState {
	out := make(map[string]sectionState, len(sn.Sections))
	for id, s := range sn.Sections {
		out[id] = sectionState{Content: s.Content, HTML: s.HTML, OwnerName: s.OwnerName, Status: s.Status}
	}
	return out
}

// livePoster lays out the current state of a canvas with its evidence and
// the stakeholder register, read from v; ctx carries v to the evidence
// providers (store.WithView).
func (h *Handlers) livePoster(ctx context.Context, v *store.UseCaseView, c canvas.Canvas, t *canvas.Template) (poster, error) {
	u := v.UseCase()
	people, err := v.Stakeholders()
	if err != nil {
		return poster{}, err
	}
	panelsOf := func(def canvas.SectionDef) ([]evidence.Panel, error) {
		panels, err := h.Evidence.Panels(ctx, def.Evidence, canvas.EvidenceRequest{UseCase: u, Canvas: c, Template: t, Section: def})
		if err != nil {
			h.Log.Error("evidence", "request_id", atrium.RequestIDFrom(ctx), "canvas", c.ID, "section", def.ID, "err", err)
		}
		return panels, err
	}
	return buildPoster(u, t, c.Title, render.CanvasPath(u.Slug, c.ID), posterOptions{
		Sections: liveStates(c), Header: c.Header, People: people, Evidence: panelsOf,
	}), nil
}

// firstItems is at most n panel items, for the poster's compact panels.
func firstItems(items []evidence.Item, n int) []evidence.Item {
	if len(items) > n {
		return items[:n]
	}
	return items
}

// initials are the first letters of up to two words of a name, for the
// small badge beside an owner's name.
func initials(name string) string {
	var out []rune
	for _, w := range strings.Fields(name) {
		r, _ := utf8.DecodeRuneInString(w)
		out = append(out, unicode.ToUpper(r))
		if len(out) == 2 {
			break
		}
	}
	return string(out)
}

// kindLabel names a stakeholder kind in the singular, for badges.
func kindLabel(kind string) string {
	switch kind {
	case people.DecisionMaker:
		return "Decision-maker"
	case people.User:
		return "User"
	case people.PersonAffected:
		return "Person affected"
	case people.Additional:
		return "Additional"
	case people.TestPilot:
		return "Test pilot"
	}
	return kind
}
