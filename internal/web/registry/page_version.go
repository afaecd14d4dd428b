package registry

import (
	"bytes"
	"encoding/json"
	"html/template"
	"net/http"
	"strconv"

	"github.com/atrium-mlops/atrium/internal/atrium"
	domain "github.com/atrium-mlops/atrium/internal/registry"
	"github.com/atrium-mlops/atrium/internal/web/render"
)

// versionData is one version's page: what it is and where its bytes are,
// its kind's own fields, and for a prompt a form that renders it.
type versionData struct {
	render.Frame
	UseCase  render.UseCaseRef
	Asset    domain.Asset
	Version  domain.Version
	Creator  string
	Aliases  []string // pointing here now
	Tags     []tag
	Metadata string // indented JSON, "" when empty
	// Columns joins a dataset's schema, profile and sensitivity by column.
	Columns []columnRow
	// Model config of a prompt, indented.
	ModelConfig string
	Params      []tag
	CanEdit     bool
	Status      statusForm
	Render      renderForm
	versionMore
}

// columnRow is one column of a dataset version.
type columnRow struct {
	Name     string
	Type     domain.ColumnType
	Nullable bool
	InSchema bool
	Profile  *domain.ColumnProfile
	// Class is the confirmed classification, "" when none was given.
	Class domain.Classification
	// Histogram and Top are the profile's charts, "" when there is none.
	Histogram, Top template.HTML
}

// renderForm fills a prompt's variables.
type renderForm struct {
	Values []variable
	Done   bool
	Text   string
	Error  string
}

type variable struct{ Name, Value string }

// versionPage loads a version's page from one view.
func (h *Handlers) versionPage(r *http.Request) (versionData, error) {
	n, err := versionOf(r)
	if err != nil {
		return versionData{}, err
	}
	v, err := h.DB.UseCase(r.Context(), r.PathValue("slug"))
	if err != nil {
		return versionData{}, err
	}
	defer v.Close()
	u := v.UseCase()
	a, err := v.Asset(refOf(r))
	if err != nil {
		return versionData{}, err
	}
	ver, err := v.Version(a, n)
	if err != nil {
		return versionData{}, err
	}
	aliases, err := v.Aliases(a)
	if err != nil {
		return versionData{}, err
	}
	who, err := namesOf(v, []string{ver.CreatedBy})
	if err != nil {
		return versionData{}, err
	}
	d := versionData{Frame: h.Frame(r, a.Name+" v"+strconv.Itoa(n)+" · "+u.Name, "usecases"), UseCase: render.RefOf(u), Asset: a,
		Version: ver, Creator: who.of(ver.CreatedBy), Tags: sortedTags(ver.Tags), Metadata: indent(ver.Metadata),
		CanEdit: u.CanEdit(), Status: statusForm{Version: n}}
	for _, al := range aliases {
		if al.Version == n {
			d.Aliases = append(d.Aliases, al.Name)
		}
	}
	if ds := ver.Dataset; ds != nil {
		d.Columns = columnsOf(ds)
	}
	if m := ver.Model; m != nil {
		d.Params = sortedTags(m.Parameters)
	}
	if p := ver.Prompt; p != nil {
		d.ModelConfig = indent(p.ModelConfig)
		for _, name := range p.Variables {
			d.Render.Values = append(d.Render.Values, variable{Name: name})
		}
	}
	return d, h.loadMore(r, &d)
}

// indent shows a JSON object for reading; "" for an empty one.
func indent(raw json.RawMessage) string {
	if len(raw) == 0 || string(raw) == "{}" || string(raw) == "null" {
		return ""
	}
	var b bytes.Buffer
	if err := json.Indent(&b, raw, "", "  "); err != nil {
		return string(raw)
	}
	return b.String()
}

// columnsOf joins a dataset's schema, profile and sensitivity: the schema's
// columns in order, then any the profile has beyond them.
func columnsOf(ds *domain.DatasetInfo) []columnRow {
	var out []columnRow
	at := map[string]int{}
	for _, c := range ds.Schema {
		at[c.Name] = len(out)
		out = append(out, columnRow{Name: c.Name, Type: c.Type, Nullable: c.Nullable, InSchema: true})
	}
	if ds.Profile != nil {
		for i := range ds.Profile.Columns {
			cp := &ds.Profile.Columns[i]
			j, ok := at[cp.Name]
			if !ok {
				j = len(out)
				at[cp.Name] = j
				out = append(out, columnRow{Name: cp.Name, Type: cp.Type})
			}
			out[j].Profile = cp
			out[j].Histogram, out[j].Top = histogram(cp), topValues(cp)
		}
	}
	if s := ds.Sensitivity; s != nil {
		for name, c := range s.Columns {
			j, ok := at[name]
			if !ok {
				j = len(out)
				at[name] = j
				out = append(out, columnRow{Name: name})
			}
			out[j].Class = c
		}
	}
	return out
}

// PageVersion serves GET /usecases/{slug}/registry/{kind}/{name}/{n}.
func (h *Handlers) PageVersion(w http.ResponseWriter, r *http.Request) {
	d, err := h.versionPage(r)
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	h.Render(w, r, http.StatusOK, "version", d)
}

// PageRenderPost serves POST /usecases/{slug}/registry/prompt/{name}/{n}/render:
// the version's page again with the prompt filled in. Nothing is stored.
func (h *Handlers) PageRenderPost(w http.ResponseWriter, r *http.Request) {
	if err := render.ParseForm(w, r); err != nil {
		h.Fail(w, r, err)
		return
	}
	r.SetPathValue("kind", string(domain.Prompt))
	d, err := h.versionPage(r)
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	vars := map[string]string{}
	for i := range d.Render.Values {
		val := d.Render.Values[i]
		val.Value = r.PostForm.Get("var-" + val.Name)
		d.Render.Values[i] = val
		vars[val.Name] = val.Value
	}
	out, err := h.render(r, d.Asset.Name, RenderInput{Version: d.Version.Number, Variables: vars})
	status := http.StatusOK
	if err != nil {
		var ok bool
		if status, ok = render.FormStatus(err); !ok {
			h.Fail(w, r, err)
			return
		}
		d.Render.Error = atrium.MessageOf(err)
	}
	d.Render.Done, d.Render.Text = err == nil, out.Text
	h.Render(w, r, status, "version", d)
}
