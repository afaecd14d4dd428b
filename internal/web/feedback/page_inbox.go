package feedback

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/atrium-mlops/atrium/internal/atrium"
	"github.com/atrium-mlops/atrium/internal/decision"
	"github.com/atrium-mlops/atrium/internal/store"
	"github.com/atrium-mlops/atrium/internal/telemetry"
	"github.com/atrium-mlops/atrium/internal/usecase"
	"github.com/atrium-mlops/atrium/internal/web/render"
)

// inboxData is a use case's feedback inbox: the filters, one page of
// feedback, and (for editors) the feedback links.
type inboxData struct {
	render.Frame
	UseCase         render.UseCaseRef
	CanEdit, CanOwn bool
	Filter          filterForm
	Items           []telemetry.Feedback
	Pager           render.Pager
	People          []person
	Decisions       []decision.Decision
	DecisionTitles  map[string]string
	Links           []telemetry.FeedbackLink
	Now             time.Time
	// Return is the inbox's query, so that a triage form comes back to the
	// same filters and page.
	Return string
	// Triage names the item whose form failed, with the reason.
	Triage      string
	TriageError string
	LinkForm    linkForm
	// Created is the link just made, shown with its address once.
	Created    *telemetry.FeedbackLink
	CreatedURL string
}

// filterForm is the inbox's filters as typed.
type filterForm struct {
	Kind, Status, Version, Assignee string
	// Said hides plain thumbs and ratings (store.FeedbackFilter.Said).
	Said bool
}

// person is someone feedback can be assigned to.
type person struct{ ID, Name string }

// linkForm is what was typed into the form that creates a link.
type linkForm struct {
	Name, Origins, Expires string
	Error                  string
}

// parseFilter reads the inbox filters from a query.
func parseFilter(q url.Values) (filterForm, store.FeedbackFilter, error) {
	ff := filterForm{Kind: q.Get("kind"), Status: q.Get("status"), Version: strings.TrimSpace(q.Get("version")), Assignee: q.Get("assignee")}
	f := store.FeedbackFilter{Kind: telemetry.FeedbackKind(ff.Kind), Status: telemetry.FeedbackStatus(ff.Status), Assignee: ff.Assignee}
	switch q.Get("said") {
	case "", "0", "false":
	case "1", "true", "on":
		ff.Said, f.Said = true, true
	default:
		return ff, f, atrium.Errorf(atrium.Invalid, "said must be true or false")
	}
	if ff.Kind != "" && !slices.Contains(telemetry.FeedbackKinds, f.Kind) {
		return ff, f, atrium.Errorf(atrium.Invalid, "kind must be one of thumbs, rating, correction, bug, comment")
	}
	if ff.Status != "" && !slices.Contains(telemetry.FeedbackStatuses, f.Status) {
		return ff, f, atrium.Errorf(atrium.Invalid, "status must be one of new, triaged, actioned, dismissed")
	}
	if ff.Version != "" {
		n, err := strconv.Atoi(strings.TrimPrefix(ff.Version, "v"))
		if err != nil || n < 1 {
			return ff, f, atrium.Errorf(atrium.Invalid, "version must be a model version number, such as 3")
		}
		f.Version = n
	}
	return ff, f, nil
}

// inboxPage loads the inbox from one view of the use case.
func (h *Handlers) inboxPage(r *http.Request) (inboxData, error) {
	ctx := r.Context()
	v, err := h.DB.UseCase(ctx, r.PathValue("slug"))
	if err != nil {
		return inboxData{}, err
	}
	defer v.Close()
	ctx = store.WithView(ctx, v)
	u := v.UseCase()
	d := inboxData{Frame: h.Frame(r, "Feedback · "+u.Name, "usecases"), UseCase: render.RefOf(u), Now: h.now(),
		CanEdit: u.Role.AtLeast(usecase.Editor), CanOwn: u.Role.AtLeast(usecase.Owner) && !u.Archived,
		DecisionTitles: map[string]string{}}
	ff, filter, ferr := parseFilter(r.URL.Query())
	d.Filter, d.Return = ff, r.URL.RawQuery
	if ferr != nil {
		return d, ferr
	}
	p, err := pageOf(r)
	if err != nil {
		return d, err
	}
	page, err := h.DB.ListFeedback(ctx, u.Slug, filter, p)
	if err != nil {
		return d, err
	}
	d.Items = page.Items
	d.Pager = render.NewPager(r, p, page.Total, len(page.Items), page.NextPageToken)
	if d.Decisions, err = v.Decisions(); err != nil {
		return d, err
	}
	for _, dec := range d.Decisions {
		d.DecisionTitles[strconv.Itoa(dec.Number)] = "#" + strconv.Itoa(dec.Number) + " " + dec.Title
	}
	if d.People, err = assignees(v, u); err != nil {
		return d, err
	}
	if d.CanEdit {
		if d.Links, err = h.DB.ListFeedbackLinks(ctx, u.Slug); err != nil {
			return d, err
		}
	}
	if !d.CanEdit {
		for i := range d.Items {
			d.Items[i].Contact = ""
		}
	}
	return d, nil
}

// assignees are the people with a role on the use case that the reader may
// see: its owner and the users it is granted to.
func assignees(v *store.UseCaseView, u usecase.UseCase) ([]person, error) {
	out := []person{{ID: u.OwnerID, Name: u.OwnerName}}
	grants, err := v.Grants()
	if err != nil {
		return nil, err
	}
	for _, g := range grants {
		if g.UserID == "" || !g.Visible || g.UserID == u.OwnerID {
			continue
		}
		name := g.UserName
		if name == "" {
			name = g.UserEmail
		}
		out = append(out, person{ID: g.UserID, Name: name})
	}
	return out, nil
}

// pageOf reads the paging parameters of a page's address.
func pageOf(r *http.Request) (atrium.PageRequest, error) {
	return atrium.ParsePage(r.URL.Query().Get("page_size"), r.URL.Query().Get("page_token"))
}

// PageInbox serves GET /usecases/{slug}/feedback.
func (h *Handlers) PageInbox(w http.ResponseWriter, r *http.Request) {
	d, err := h.inboxPage(r)
	if err != nil {
		if atrium.KindOf(err) == atrium.Invalid && d.UseCase.Slug != "" {
			d.TriageError = atrium.MessageOf(err)
			h.Render(w, r, http.StatusBadRequest, "feedback_inbox", d)
			return
		}
		h.Fail(w, r, err)
		return
	}
	h.Render(w, r, http.StatusOK, "feedback_inbox", d)
}

// returnTo is the inbox address a triage form came from: the inbox's own
// path with the filters it had, and nothing else.
func returnTo(slug, raw string) string {
	q, err := url.ParseQuery(raw)
	out := url.Values{}
	if err == nil {
		for _, k := range []string{"kind", "status", "version", "assignee", "page_size", "page_token"} {
			if v := q.Get(k); v != "" {
				out.Set(k, v)
			}
		}
	}
	out.Set("notice", "feedback-updated")
	return InboxPath(slug) + "?" + out.Encode()
}

// PageTriagePost serves POST /usecases/{slug}/feedback/{id}: one triage
// step from the inbox.
func (h *Handlers) PageTriagePost(w http.ResponseWriter, r *http.Request) {
	if err := render.ParseForm(w, r); err != nil {
		h.Fail(w, r, err)
		return
	}
	f := r.PostForm
	slug, id := r.PathValue("slug"), r.PathValue("id")
	c, err := triageChange(f)
	if err == nil {
		_, err = h.DB.UpdateFeedback(r.Context(), slug, id, c)
	}
	if err != nil {
		render.FormFailed(h.Views, w, r, err, h.Fail, "feedback_inbox", func(r *http.Request) (inboxData, error) {
			r.URL.RawQuery = returnQuery(f.Get("return"))
			return h.inboxPage(r)
		}, func(d *inboxData, msg string) {
			d.Triage, d.TriageError = id, msg
		})
		return
	}
	http.Redirect(w, r, returnTo(slug, f.Get("return"))+"#"+url.PathEscape("fb-"+id), http.StatusSeeOther)
}

// returnQuery keeps the filters of a return query and drops the rest.
func returnQuery(raw string) string {
	_, rest, _ := strings.Cut(returnTo("x", raw), "?")
	q, _ := url.ParseQuery(rest)
	q.Del("notice")
	return q.Encode()
}

// triageChange reads one triage step: which button, and the fields it
// goes with.
func triageChange(f url.Values) (store.FeedbackChange, error) {
	var c store.FeedbackChange
	note := strings.TrimSpace(f.Get("note"))
	status := func(s telemetry.FeedbackStatus) { c.Status = &s }
	switch f.Get("action") {
	case "assign":
		a := f.Get("assignee")
		c.AssigneeID = &a
		if a != "" {
			status(telemetry.Triaged)
		}
	case "link":
		if f.Get("decision") == "" {
			return c, atrium.Errorf(atrium.Invalid, "choose the decision to link")
		}
		c.LinkDecision = f.Get("decision")
	case "unlink":
		c.UnlinkDecision = f.Get("decision")
	case "triaged":
		status(telemetry.Triaged)
	case "actioned":
		if note == "" {
			return c, atrium.Errorf(atrium.Invalid, "say what was done: the note is shown to the person who gave the feedback")
		}
		status(telemetry.Actioned)
		c.Note = &note
	case "dismissed":
		status(telemetry.Dismissed)
		if note != "" {
			c.Note = &note
		}
	case "reopen":
		status(telemetry.New)
	default:
		return c, atrium.Errorf(atrium.Invalid, "choose what to do with this feedback")
	}
	return c, nil
}

// PageLinkPost serves POST /usecases/{slug}/feedback-links: it creates a
// link and shows its address, once, on the inbox.
func (h *Handlers) PageLinkPost(w http.ResponseWriter, r *http.Request) {
	if err := render.ParseForm(w, r); err != nil {
		h.Fail(w, r, err)
		return
	}
	f := r.PostForm
	in := linkForm{Name: strings.TrimSpace(f.Get("name")), Origins: f.Get("origins"), Expires: f.Get("expires")}
	ttl, err := parseExpiry(in.Expires)
	var l telemetry.FeedbackLink
	var secret string
	if err == nil {
		l, secret, err = h.DB.CreateFeedbackLink(r.Context(), r.PathValue("slug"), in.Name, splitOrigins(in.Origins), ttl)
	}
	load := func(r *http.Request) (inboxData, error) {
		r.URL.RawQuery = ""
		return h.inboxPage(r)
	}
	if err != nil {
		render.FormFailed(h.Views, w, r, err, h.Fail, "feedback_inbox", load, func(d *inboxData, msg string) {
			in.Error = msg
			d.LinkForm = in
		})
		return
	}
	d, err := load(r)
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	l.URL = origin(r) + publicPath(secret)
	d.Created, d.CreatedURL = &l, l.URL
	h.Render(w, r, http.StatusOK, "feedback_inbox", d)
}

// PageLinkRevokePost serves POST /usecases/{slug}/feedback-links/{id}/revoke.
func (h *Handlers) PageLinkRevokePost(w http.ResponseWriter, r *http.Request) {
	slug := r.PathValue("slug")
	if _, err := h.DB.RevokeFeedbackLink(r.Context(), slug, r.PathValue("id")); err != nil {
		h.Fail(w, r, err)
		return
	}
	http.Redirect(w, r, InboxPath(slug)+"?notice=link-revoked#links", http.StatusSeeOther)
}

// parseExpiry reads the expiry choice of the link form.
func parseExpiry(s string) (time.Duration, error) {
	switch s {
	case "", "never":
		return 0, nil
	case "7d", "30d", "90d", "365d":
		n, _ := strconv.Atoi(strings.TrimSuffix(s, "d"))
		return time.Duration(n) * 24 * time.Hour, nil
	}
	return 0, atrium.Errorf(atrium.Invalid, "choose when the link expires")
}

// splitOrigins reads origins typed one a line or separated by spaces or
// commas.
func splitOrigins(s string) []string {
	out := []string{}
	for _, o := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == '\n' || r == '\r' || r == '\t' }) {
		out = append(out, strings.TrimRight(o, "/"))
	}
	return out
}
