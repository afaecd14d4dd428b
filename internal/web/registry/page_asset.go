package registry

import (
	"html/template"
	"net/http"
	"strconv"
	"time"

	"github.com/atrium-mlops/atrium/internal/atrium"
	domain "github.com/atrium-mlops/atrium/internal/registry"
	"github.com/atrium-mlops/atrium/internal/store"
	"github.com/atrium-mlops/atrium/internal/web/render"
)

// assetData is an asset's page: its versions, its aliases with their
// timeline, a point-in-time lookup and the forms that move an alias and
// change a version's status.
type assetData struct {
	render.Frame
	UseCase  render.UseCaseRef
	Asset    domain.Asset
	Tags     []tag
	Versions []versionRow
	Pager    render.Pager
	Aliases  []aliasRow
	// Timeline is every alias move shown, oldest first; Earlier counts the
	// older ones left out.
	Timeline []moveRow
	Earlier  int
	// TimelineChart draws Timeline ("" when there is nothing to draw).
	TimelineChart template.HTML
	CanEdit       bool
	Move          aliasForm
	Status        statusForm
	At            atForm
	// Numbers are the version numbers the forms offer, newest first.
	Numbers []int
}

type versionRow struct {
	domain.Version
	Creator string
	Aliases []string
}

type aliasRow struct {
	domain.Alias
	Mover string
}

type moveRow struct {
	domain.AliasMove
	Mover string
}

// aliasForm is what was typed into the form that moves an alias.
type aliasForm struct {
	Alias, Reason string
	Version       int
	Error         string
}

// statusForm is what was typed into the form that changes a status.
type statusForm struct {
	Version int
	Status  domain.Status
	Reason  string
	Error   string
}

// atForm asks which version an alias pointed at, at a time.
type atForm struct {
	Alias, At string
	Asked     bool
	Found     *aliasRow
	Error     string
}

// timelineShown is how many alias moves an asset's page shows.
const timelineShown = 100

// assetPage loads an asset's page from one view.
func (h *Handlers) assetPage(r *http.Request) (assetData, error) {
	p, err := pageOf(r)
	if err != nil {
		return assetData{}, err
	}
	v, err := h.DB.UseCase(r.Context(), r.PathValue("slug"))
	if err != nil {
		return assetData{}, err
	}
	defer v.Close()
	u := v.UseCase()
	a, err := v.Asset(refOf(r))
	if err != nil {
		return assetData{}, err
	}
	d := assetData{Frame: h.Frame(r, a.Name+" · "+kindLabel(a.Kind)+" · "+u.Name, "usecases"), UseCase: render.RefOf(u), Asset: a,
		Tags: sortedTags(a.Tags), CanEdit: u.CanEdit()}
	versions, err := v.Versions(a, p)
	if err != nil {
		return d, err
	}
	aliases, err := v.Aliases(a)
	if err != nil {
		return d, err
	}
	moves, err := v.AliasMoves(a, "", atrium.PageRequest{Size: timelineShown})
	if err == nil && moves.Total > timelineShown {
		d.Earlier = moves.Total - timelineShown
		moves, err = v.AliasMoves(a, "", atrium.PageRequest{Size: timelineShown, Offset: d.Earlier})
	}
	if err != nil {
		return d, err
	}
	ids := []string{}
	for _, ver := range versions.Items {
		ids = append(ids, ver.CreatedBy)
	}
	for _, al := range aliases {
		ids = append(ids, al.MovedBy)
	}
	for _, m := range moves.Items {
		ids = append(ids, m.MovedBy)
	}
	who, err := namesOf(v, ids)
	if err != nil {
		return d, err
	}
	pointing := map[int][]string{}
	for _, al := range aliases {
		d.Aliases = append(d.Aliases, aliasRow{al, who.of(al.MovedBy)})
		pointing[al.Version] = append(pointing[al.Version], al.Name)
	}
	for _, ver := range versions.Items {
		d.Versions = append(d.Versions, versionRow{ver, who.of(ver.CreatedBy), pointing[ver.Number]})
	}
	for _, m := range moves.Items {
		d.Timeline = append(d.Timeline, moveRow{m, who.of(m.MovedBy)})
	}
	d.TimelineChart = aliasTimeline(a.Name, moves.Items, time.Now().UTC())
	for n := a.Versions; n >= 1 && len(d.Numbers) < maxOffered; n-- {
		d.Numbers = append(d.Numbers, n)
	}
	d.Move.Version, d.Status.Version = a.Versions, a.Versions
	d.Pager = render.NewPager(r, p, versions.Total, len(versions.Items), versions.NextPageToken)
	d.Pager.Anchor("versions")
	d.At, err = lookUpAt(r, v, a)
	return d, err
}

// maxOffered bounds the version numbers a form's menu lists.
const maxOffered = 200

// lookUpAt answers the page's point-in-time question, when it asks one.
func lookUpAt(r *http.Request, v *store.UseCaseView, a domain.Asset) (atForm, error) {
	q := r.URL.Query()
	f := atForm{Alias: q.Get("alias"), At: q.Get("at")}
	if f.Alias == "" && f.At == "" {
		return f, nil
	}
	f.Asked = true
	at, err := parseFormAt(f.At)
	var al domain.Alias
	if err == nil {
		al, err = v.AliasAsOf(a, f.Alias, at)
	}
	switch kind := atrium.KindOf(err); {
	case err == nil:
		who, err := namesOf(v, []string{al.MovedBy})
		if err != nil {
			return f, err
		}
		f.Found = &aliasRow{al, who.of(al.MovedBy)}
	case kind == atrium.Invalid:
		f.Error = atrium.MessageOf(err)
	case kind != atrium.NotFound:
		return f, err
	}
	return f, nil
}

// PageAsset serves GET /usecases/{slug}/registry/{kind}/{name}.
func (h *Handlers) PageAsset(w http.ResponseWriter, r *http.Request) {
	d, err := h.assetPage(r)
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	h.Render(w, r, http.StatusOK, "asset", d)
}

// formNumber reads a version number from a form field.
func formNumber(r *http.Request, field string) (int, error) {
	n, err := strconv.Atoi(r.PostForm.Get(field))
	if err != nil {
		return 0, atrium.Errorf(atrium.Invalid, "choose a version")
	}
	return n, checkVersionNumber(n)
}

// PageAliasPost serves POST …/registry/{kind}/{name}/aliases: points an
// alias, new or existing, at a version.
func (h *Handlers) PageAliasPost(w http.ResponseWriter, r *http.Request) {
	if err := render.ParseForm(w, r); err != nil {
		h.Fail(w, r, err)
		return
	}
	in := aliasForm{Alias: r.PostForm.Get("alias"), Reason: r.PostForm.Get("reason")}
	n, err := formNumber(r, "version")
	in.Version = n
	if err == nil {
		_, err = h.DB.SetAlias(r.Context(), r.PathValue("slug"), refOf(r), in.Alias, n, in.Reason)
	}
	if err != nil {
		render.FormFailed(h.Views, w, r, err, h.Fail, "asset", h.assetPage, func(d *assetData, msg string) { in.Error = msg; d.Move = in })
		return
	}
	ref := refOf(r)
	http.Redirect(w, r, AssetPath(r.PathValue("slug"), ref.Kind, ref.Name)+"?notice=alias-moved#aliases", http.StatusSeeOther)
}

// PageAliasDeletePost serves POST …/aliases/{alias}/delete.
func (h *Handlers) PageAliasDeletePost(w http.ResponseWriter, r *http.Request) {
	if err := render.ParseForm(w, r); err != nil {
		h.Fail(w, r, err)
		return
	}
	in := aliasForm{Alias: r.PathValue("alias"), Reason: r.PostForm.Get("reason")}
	if err := h.DB.DeleteAlias(r.Context(), r.PathValue("slug"), refOf(r), in.Alias, in.Reason); err != nil {
		render.FormFailed(h.Views, w, r, err, h.Fail, "asset", h.assetPage, func(d *assetData, msg string) {
			in.Error = "Removing " + in.Alias + ": " + msg
			d.Move = in
		})
		return
	}
	ref := refOf(r)
	http.Redirect(w, r, AssetPath(r.PathValue("slug"), ref.Kind, ref.Name)+"?notice=alias-deleted#aliases", http.StatusSeeOther)
}

// PageStatusPost serves POST …/registry/{kind}/{name}/status. The form on
// a version's page says return=version to come back there.
func (h *Handlers) PageStatusPost(w http.ResponseWriter, r *http.Request) {
	if err := render.ParseForm(w, r); err != nil {
		h.Fail(w, r, err)
		return
	}
	in := statusForm{Status: domain.Status(r.PostForm.Get("status")), Reason: r.PostForm.Get("reason")}
	n, err := formNumber(r, "version")
	in.Version = n
	if err == nil {
		_, err = h.DB.SetVersionStatus(r.Context(), r.PathValue("slug"), refOf(r), n, in.Status, in.Reason)
	}
	toVersion := r.PostForm.Get("return") == "version"
	if err != nil {
		if toVersion && n > 0 {
			r.SetPathValue("n", strconv.Itoa(n))
			render.FormFailed(h.Views, w, r, err, h.Fail, "version", h.versionPage, func(d *versionData, msg string) { in.Error = msg; d.Status = in })
			return
		}
		render.FormFailed(h.Views, w, r, err, h.Fail, "asset", h.assetPage, func(d *assetData, msg string) { in.Error = msg; d.Status = in })
		return
	}
	ref := refOf(r)
	to := AssetPath(r.PathValue("slug"), ref.Kind, ref.Name) + "?notice=status-changed#versions"
	if toVersion {
		to = VersionPath(r.PathValue("slug"), ref.Kind, ref.Name, n) + "?notice=status-changed"
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
}
