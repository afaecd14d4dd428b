package registry

import (
	"html/template"
	"net/http"
	"strconv"

	"github.com/atrium-mlops/atrium/internal/chart"
	domain "github.com/atrium-mlops/atrium/internal/registry"
	"github.com/atrium-mlops/atrium/internal/web/render"
)

// versionMore is what a version's page shows beyond the version itself:
// its lineage neighbours, its evaluations against the canvas's objectives,
// and a dataset's confirmed sensitivity with the form that changes it.
type versionMore struct {
	Upstream, Downstream []edgeRow
	LineageChart         template.HTML
	Evaluations          []domain.Evaluation
	Checks               []domain.ObjectiveCheck
	Sensitivity          *domain.SensitivityRecord
	SensForm             sensitivityForm
}

// sensitivityForm is the confirm form: a classification per column.
type sensitivityForm struct {
	Columns                        []classRow
	LegalBasis, Consent, Retention string
	Error                          string
}

type classRow struct {
	Name      string
	Class     domain.Classification // "" for not classified
	Suggested *domain.Suggestion
}

// loadMore fills d's lineage, evaluations and sensitivity.
func (h *Handlers) loadMore(r *http.Request, d *versionData) error {
	ctx, slug, ref, n := r.Context(), d.UseCase.Slug, d.Asset.Ref(), d.Version.Number
	g, err := h.DB.VersionLineage(ctx, slug, ref, n, 2)
	if err != nil {
		return err
	}
	self := domain.VersionNode(ref, n)
	for _, e := range g.Edges {
		switch {
		case e.From == self:
			d.Upstream = append(d.Upstream, edgeRowOf(slug, e))
		case e.To == self:
			d.Downstream = append(d.Downstream, edgeRowOf(slug, e))
		}
	}
	if len(g.Edges) > 0 {
		d.LineageChart, _ = chart.Inline(lineageChart(slug, "Lineage around "+d.Asset.Name+" v"+strconv.Itoa(n), g))
	}
	switch ref.Kind {
	case domain.Model, domain.Prompt:
		if d.Evaluations, err = h.DB.Evaluations(ctx, slug, ref, n); err != nil {
			return err
		}
		status, err := h.DB.ObjectiveStatus(ctx, slug)
		if err != nil {
			return err
		}
		for _, vo := range status {
			if vo.Version == self {
				d.Checks = vo.Checks
			}
		}
	case domain.Dataset:
		rec, err := h.DB.GetSensitivity(ctx, slug, ref, n)
		if err != nil {
			return err
		}
		d.Sensitivity = &rec
		d.SensForm = sensitivityFormOf(d.Columns, rec)
		for i := range d.Columns {
			d.Columns[i].Class = rec.Sensitivity.Columns[d.Columns[i].Name]
		}
	}
	return nil
}

func sensitivityFormOf(cols []columnRow, rec domain.SensitivityRecord) sensitivityForm {
	f := sensitivityForm{LegalBasis: rec.Sensitivity.LegalBasis, Consent: rec.Sensitivity.Consent, Retention: rec.Sensitivity.Retention}
	for _, c := range cols {
		row := classRow{Name: c.Name, Class: rec.Sensitivity.Columns[c.Name]}
		if c.Profile != nil {
			row.Suggested = c.Profile.Suggested
		}
		f.Columns = append(f.Columns, row)
	}
	return f
}

// PageSensitivityPost serves POST /usecases/{slug}/registry/dataset/{name}/{n}/sensitivity.
func (h *Handlers) PageSensitivityPost(w http.ResponseWriter, r *http.Request) {
	if err := render.ParseForm(w, r); err != nil {
		h.Fail(w, r, err)
		return
	}
	r.SetPathValue("kind", string(domain.Dataset))
	n, err := versionOf(r)
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	f := r.PostForm
	in := sensitivityForm{LegalBasis: f.Get("legal_basis"), Consent: f.Get("consent"), Retention: f.Get("retention")}
	s := domain.Sensitivity{Columns: map[string]domain.Classification{}, LegalBasis: in.LegalBasis, Consent: in.Consent, Retention: in.Retention}
	for i := 0; i < domain.MaxColumns; i++ {
		name, ok := f["column-"+strconv.Itoa(i)]
		if !ok {
			break
		}
		c := domain.Classification(f.Get("class-" + strconv.Itoa(i)))
		in.Columns = append(in.Columns, classRow{Name: name[0], Class: c})
		if c != "" {
			s.Columns[name[0]] = c
		}
	}
	if _, err = h.DB.SetSensitivity(r.Context(), r.PathValue("slug"), datasetRef(r), n, s); err != nil {
		render.FormFailed(h.Views, w, r, err, h.Fail, "version", h.versionPage, func(d *versionData, msg string) {
			in.Error = msg
			for i := range in.Columns {
				if i < len(d.SensForm.Columns) {
					in.Columns[i].Suggested = d.SensForm.Columns[i].Suggested
				}
			}
			d.SensForm = in
		})
		return
	}
	http.Redirect(w, r, VersionPath(r.PathValue("slug"), domain.Dataset, r.PathValue("name"), n)+"?notice=sensitivity-saved#sensitivity", http.StatusSeeOther)
}

// checkTone is the CSS class of an objective's state.
func checkTone(state string) string {
	switch state {
	case domain.Met:
		return "vstatus-ready"
	case domain.NotMet:
		return "class-direct-identifier"
	}
	return "vstatus-archived"
}
