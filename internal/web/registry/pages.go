package registry

import (
	"net/http"
	"slices"
	"strings"

	"github.com/atrium-mlops/atrium/internal/atrium"
	domain "github.com/atrium-mlops/atrium/internal/registry"
	"github.com/atrium-mlops/atrium/internal/store"
	"github.com/atrium-mlops/atrium/internal/web/render"
)

// registryData is a use case's registry: its assets by kind, each with its
// newest version and aliases, and the form that registers an asset.
type registryData struct {
	render.Frame
	UseCase render.UseCaseRef
	Kind    domain.Kind // the kind shown, "" for all
	Groups  []assetGroup
	Total   int
	Pager   render.Pager
	CanEdit bool
	Form    assetForm
}

// assetGroup is the assets of one kind on the page.
type assetGroup struct {
	Kind domain.Kind
	Rows []assetRow
}

// assetRow is one asset as the list shows it.
type assetRow struct {
	Asset   domain.Asset
	Latest  *domain.Version
	Aliases []domain.Alias
}

// assetForm is what was typed into the form that registers an asset.
type assetForm struct {
	Kind                    domain.Kind
	Name, Description, Tags string
	Error                   string
}

// registryPage loads a use case's registry from one view.
func (h *Handlers) registryPage(r *http.Request) (registryData, error) {
	p, err := pageOf(r)
	if err != nil {
		return registryData{}, err
	}
	kind := domain.Kind(r.URL.Query().Get("kind"))
	v, err := h.DB.UseCase(r.Context(), r.PathValue("slug"))
	if err != nil {
		return registryData{}, err
	}
	defer v.Close()
	u := v.UseCase()
	d := registryData{Frame: h.Frame(r, "Registry · "+u.Name, "usecases"), UseCase: render.RefOf(u), Kind: kind,
		CanEdit: u.CanEdit(), Form: assetForm{Kind: cmpKind(kind)}}
	page, err := v.Assets(domain.Filter{Kind: kind, Page: p})
	if err != nil {
		return d, err
	}
	over, err := v.Overview(page.Items)
	if err != nil {
		return d, err
	}
	for _, a := range page.Items {
		row := assetRow{Asset: a, Aliases: over.Aliases[a.ID]}
		if l, ok := over.Latest[a.ID]; ok {
			row.Latest = &l
		}
		if n := len(d.Groups); n == 0 || d.Groups[n-1].Kind != a.Kind {
			d.Groups = append(d.Groups, assetGroup{Kind: a.Kind})
		}
		g := &d.Groups[len(d.Groups)-1]
		g.Rows = append(g.Rows, row)
	}
	d.Total = page.Total
	d.Pager = render.NewPager(r, p, page.Total, len(page.Items), page.NextPageToken)
	return d, nil
}

// cmpKind is the kind the create form starts with.
func cmpKind(k domain.Kind) domain.Kind {
	if k.Valid() {
		return k
	}
	return domain.Model
}

// pageOf reads the paging parameters of a page's address.
func pageOf(r *http.Request) (atrium.PageRequest, error) {
	return atrium.ParsePage(r.URL.Query().Get("page_size"), r.URL.Query().Get("page_token"))
}

// PageRegistry serves GET /usecases/{slug}/registry.
func (h *Handlers) PageRegistry(w http.ResponseWriter, r *http.Request) {
	d, err := h.registryPage(r)
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	h.Render(w, r, http.StatusOK, "registry", d)
}

// PageCreateAssetPost serves POST /usecases/{slug}/registry.
func (h *Handlers) PageCreateAssetPost(w http.ResponseWriter, r *http.Request) {
	if err := render.ParseForm(w, r); err != nil {
		h.Fail(w, r, err)
		return
	}
	f := r.PostForm
	in := assetForm{Kind: domain.Kind(f.Get("kind")), Name: strings.TrimSpace(f.Get("name")), Description: f.Get("description"), Tags: f.Get("tags")}
	slug := r.PathValue("slug")
	tags, err := parseTags(in.Tags)
	var a domain.Asset
	if err == nil {
		a, err = h.DB.CreateAsset(r.Context(), slug, domain.Asset{Kind: in.Kind, Name: in.Name, Description: in.Description, Tags: tags})
	}
	if err != nil {
		render.FormFailed(h.Views, w, r, err, h.Fail, "registry", h.registryPage, func(d *registryData, msg string) {
			in.Error = msg
			d.Form = in
		})
		return
	}
	http.Redirect(w, r, AssetPath(slug, a.Kind, a.Name)+"?notice=asset-created", http.StatusSeeOther)
}

// parseTags reads tags typed one a line as key=value (or key: value).
func parseTags(s string) (map[string]string, error) {
	out := map[string]string{}
	for i, line := range strings.Split(atrium.NormalizeNewlines(s), "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			k, v, ok = strings.Cut(line, ":")
		}
		if !ok {
			return nil, atrium.Errorf(atrium.Invalid, "tag on line %d must be written key=value", i+1)
		}
		k = strings.TrimSpace(k)
		if _, dup := out[k]; dup {
			return nil, atrium.Errorf(atrium.Invalid, "tag %q is given twice", atrium.Truncate(k, 40))
		}
		out[k] = strings.TrimSpace(v)
	}
	return out, nil
}

// tag is one tag, for pages that list them in key order.
type tag struct{ Key, Value string }

func sortedTags(m map[string]string) []tag {
	out := make([]tag, 0, len(m))
	for k, v := range m {
		out = append(out, tag{k, v})
	}
	slices.SortFunc(out, func(a, b tag) int { return strings.Compare(a.Key, b.Key) })
	return out
}

// names looks up the display names of the people a page mentions; an id
// without a user shows as is.
type names map[string]string

func (n names) of(id string) string {
	if name, ok := n[id]; ok {
		return name
	}
	if id == atrium.System.UserID || id == "" {
		return "Atrium itself"
	}
	return id
}

func namesOf(v *store.UseCaseView, ids []string) (names, error) {
	m, err := v.UserNames(ids)
	return names(m), err
}
