package feedback

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/atrium-mlops/atrium/internal/atrium"
	"github.com/atrium-mlops/atrium/internal/store"
	"github.com/atrium-mlops/atrium/internal/telemetry"
	"github.com/atrium-mlops/atrium/internal/web/render"
	"github.com/atrium-mlops/atrium/internal/web/respond"
)

// publicData is the page behind a feedback link, and its compact twin in
// the embedded widget.
type publicData struct {
	render.Frame
	UseCaseName string
	// Action is where the forms post, Find where the lookup goes.
	Action, Find string
	Token        string
	Embed        bool
	// Prediction is the id given; Found when it names a prediction of this
	// use case, Missing when it names none (unknown, or another use
	// case's: the two read alike).
	Prediction  string
	Found       bool
	Missing     bool
	Model       string
	PredictedAt time.Time
	// Form is what was typed, with Error, when it could not be sent.
	Form  publicForm
	Error string
	// Receipt is the author's status page, once sent (embed only; the
	// full page redirects there).
	Receipt string
}

// publicForm is what a person typed into one of the forms.
type publicForm struct {
	Kind                 telemetry.FeedbackKind
	Value, Text, Contact string
}

// problemData is the page of a public request that could not be done, in
// words for someone who has no account: no talk of roles or logging in.
type problemData struct {
	render.Frame
	Heading, Detail string
}

// problemHeadings say what went wrong, by status.
var problemHeadings = map[int]string{
	http.StatusBadRequest:            "That could not be read",
	http.StatusForbidden:             "This form has expired",
	http.StatusRequestEntityTooLarge: "That is too long",
	http.StatusTooManyRequests:       "Please wait a moment",
	http.StatusServiceUnavailable:    "Feedback cannot be sent right now",
}

// closedData is the page of a link that does not work (any more).
type closedData struct {
	render.Frame
	Embed bool
}

var errNoIngester = atrium.Errorf(atrium.Unavailable, "this server does not accept feedback at the moment")

// PagePublic serves GET /f/{secret}.
func (h *Handlers) PagePublic(w http.ResponseWriter, r *http.Request) { h.showPublic(w, r, false) }

// PageEmbed serves GET /f/{secret}/embed, the widget a host application
// puts in an iframe next to a prediction.
func (h *Handlers) PageEmbed(w http.ResponseWriter, r *http.Request) { h.showPublic(w, r, true) }

// PagePublicPost serves POST /f/{secret}.
func (h *Handlers) PagePublicPost(w http.ResponseWriter, r *http.Request) { h.submit(w, r, false) }

// PageEmbedPost serves POST /f/{secret}/embed.
func (h *Handlers) PageEmbedPost(w http.ResponseWriter, r *http.Request) { h.submit(w, r, true) }

func (h *Handlers) showPublic(w http.ResponseWriter, r *http.Request, embed bool) {
	w.Header().Set("Referrer-Policy", "no-referrer")
	scope, err := h.DB.FeedbackLinkScope(r.Context(), r.PathValue("secret"))
	if err != nil {
		h.failPublic(w, r, nil, embed, err)
		return
	}
	d := h.publicData(r, scope, embed)
	if id := strings.TrimSpace(r.URL.Query().Get("prediction")); id != "" {
		if err := h.allowLookup(r); err != nil {
			h.failPublic(w, r, &scope, embed, err)
			return
		}
		if err := h.lookup(r, scope, id, &d); err != nil {
			h.failPublic(w, r, &scope, embed, err)
			return
		}
	}
	h.renderPublic(w, r, http.StatusOK, scope, d)
}

// publicData starts the page of a link.
func (h *Handlers) publicData(r *http.Request, scope store.LinkScope, embed bool) publicData {
	d := publicData{Frame: h.Frame(r, "Feedback on "+scope.UseCaseName, ""), UseCaseName: scope.UseCaseName, Embed: embed,
		Action: publicPath(r.PathValue("secret")), Token: h.formToken(scope.LinkID, h.now())}
	if embed {
		d.Action = embedPath(r.PathValue("secret"))
	}
	d.Find = d.Action
	d.Notice = ""
	return d
}

// lookup finds the prediction a person names; an id that names nothing
// this link may see is Missing, whatever the reason.
func (h *Handlers) lookup(r *http.Request, scope store.LinkScope, id string, d *publicData) error {
	d.Prediction = atrium.Truncate(id, telemetry.MaxID)
	if telemetry.CheckID(id) != nil {
		d.Missing = true
		return nil
	}
	p, model, err := h.DB.PredictionForLink(r.Context(), scope, id)
	switch {
	case atrium.KindOf(err) == atrium.NotFound:
		d.Missing = true
		return nil
	case err != nil:
		return err
	}
	d.Found, d.Model, d.PredictedAt = true, model, p.Time
	return nil
}

func (h *Handlers) submit(w http.ResponseWriter, r *http.Request, embed bool) {
	w.Header().Set("Referrer-Policy", "no-referrer")
	if err := render.ParseForm(w, r); err != nil {
		h.failPublic(w, r, nil, embed, err)
		return
	}
	scope, err := h.DB.FeedbackLinkScope(r.Context(), r.PathValue("secret"))
	if err != nil {
		h.failPublic(w, r, nil, embed, err)
		return
	}
	if err := h.checkToken(scope.LinkID, r.PostForm.Get("token")); err != nil {
		h.failPublic(w, r, &scope, embed, err)
		return
	}
	if err := h.allowSubmit(r, scope.LinkID); err != nil {
		h.failPublic(w, r, &scope, embed, err)
		return
	}
	d := h.publicData(r, scope, embed)
	f := r.PostForm
	d.Form = publicForm{Kind: telemetry.FeedbackKind(f.Get("kind")), Value: strings.TrimSpace(f.Get("value")),
		Text: f.Get("text"), Contact: strings.TrimSpace(f.Get("contact"))}
	if id := strings.TrimSpace(f.Get("prediction")); id != "" {
		if err := h.lookup(r, scope, id, &d); err != nil {
			h.failPublic(w, r, &scope, embed, err)
			return
		}
	}
	receipt, err := h.send(r, scope, d)
	if err != nil {
		if status, ok := render.FormStatus(err); ok && status != http.StatusForbidden {
			d.Error = atrium.MessageOf(err)
			h.renderPublic(w, r, status, scope, d)
			return
		}
		h.failPublic(w, r, &scope, embed, err)
		return
	}
	if embed {
		d.Receipt = origin(r) + receiptPath(receipt)
		h.renderPublic(w, r, http.StatusOK, scope, d)
		return
	}
	http.Redirect(w, r, receiptPath(receipt)+"?sent=1", http.StatusSeeOther)
}

// send checks the feedback and hands it to the ingester; it answers once
// the feedback is stored, with the author's receipt.
func (h *Handlers) send(r *http.Request, scope store.LinkScope, d publicData) (string, error) {
	if d.Missing {
		return "", atrium.Errorf(atrium.Invalid, "no answer has the id %q here; check the id, or leave it empty to comment on the service as a whole", d.Prediction)
	}
	fb := telemetry.Feedback{Kind: d.Form.Kind, Value: d.Form.Value, Text: d.Form.Text, Contact: d.Form.Contact, Time: h.now().UTC()}
	if d.Found {
		fb.PredictionID = d.Prediction
	}
	if !slices.Contains(telemetry.FeedbackKinds, fb.Kind) {
		return "", atrium.Errorf(atrium.Invalid, "choose what kind of feedback this is")
	}
	if err := telemetry.ValidateFeedback(&fb, h.now()); err != nil {
		return "", err
	}
	if h.ingester == nil {
		return "", errNoIngester
	}
	res, receipt, err := h.ingester.SubmitFeedback(r.Context(), scope.UseCaseID, scope.LinkID, fb)
	if err != nil {
		return "", err
	}
	if res.Status == telemetry.Refused {
		return "", atrium.Errorf(atrium.Kind(res.Code), "%s", res.Error)
	}
	if receipt == "" {
		return "", atrium.Errorf(atrium.Internal, "the feedback was stored without a receipt")
	}
	return receipt, nil
}

// renderPublic shows a link's page or widget. The widget may be framed by
// the link's origins, and by nobody else.
func (h *Handlers) renderPublic(w http.ResponseWriter, r *http.Request, status int, scope store.LinkScope, d publicData) {
	if d.Embed {
		allowFraming(w, scope.Origins)
		h.RenderRoot(w, r, status, "feedback_embed", "embed", d)
		return
	}
	h.Render(w, r, status, "feedback_public", d)
}

// failPublic answers a public request that failed: a link that does not
// work gets a page saying so in plain words (never "log in"); anything else
// the usual error page, or in the widget a compact one.
func (h *Handlers) failPublic(w http.ResponseWriter, r *http.Request, scope *store.LinkScope, embed bool, err error) {
	if k := atrium.KindOf(err); k == atrium.Unauthenticated || k == atrium.NotFound {
		d := closedData{Frame: h.Frame(r, "This feedback link does not work", ""), Embed: embed}
		d.Notice = ""
		h.Render(w, r, http.StatusNotFound, "feedback_closed", d)
		return
	}
	p := respond.ProblemFor(err)
	if p.Status >= 500 && p.Status != http.StatusServiceUnavailable {
		h.Fail(w, r, err)
		return
	}
	if wait, ok := atrium.RetryAfter(err); ok {
		w.Header().Set("Retry-After", retrySeconds(wait))
	}
	if !embed || scope == nil {
		d := problemData{Frame: h.Frame(r, problemHeadings[p.Status], ""), Heading: problemHeadings[p.Status], Detail: atrium.MessageOf(err)}
		if d.Heading == "" {
			d.Heading, d.Title = "That did not work", "That did not work"
		}
		d.Notice = ""
		h.Render(w, r, p.Status, "feedback_problem", d)
		return
	}
	d := h.publicData(r, *scope, true)
	d.Error = atrium.MessageOf(err)
	h.renderPublic(w, r, p.Status, *scope, d)
}

func retrySeconds(wait time.Duration) string {
	return strconv.Itoa(max(1, int((wait+time.Second-1)/time.Second)))
}

// allowFraming replaces the page's refusal to be framed with the link's
// origins, each rebuilt from its parts so nothing else reaches the header.
func allowFraming(w http.ResponseWriter, origins []string) {
	var ok []string
	for _, o := range origins {
		u, err := url.Parse(o)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || strings.ContainsAny(u.Host, " ;,'\"") {
			continue
		}
		ok = append(ok, u.Scheme+"://"+u.Host)
	}
	ancestors := "'none'"
	if len(ok) > 0 {
		ancestors = strings.Join(ok, " ")
	}
	w.Header().Del("X-Frame-Options")
	w.Header().Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors "+
		ancestors+"; form-action 'self'; base-uri 'none'")
}

// receiptData is an author's status page.
type receiptData struct {
	render.Frame
	UseCaseName string
	Feedback    telemetry.Feedback
	Sent        bool
	Address     string
}

// PageReceipt serves GET /f/{receipt}/status: what became of one piece of
// feedback, for the person who gave it.
func (h *Handlers) PageReceipt(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Referrer-Policy", "no-referrer")
	fb, name, err := h.DB.FeedbackByReceipt(r.Context(), r.PathValue("receipt"))
	if k := atrium.KindOf(err); k == atrium.NotFound || k == atrium.Unauthenticated {
		d := closedData{Frame: h.Frame(r, "No feedback at this address", "")}
		d.Notice = ""
		h.Render(w, r, http.StatusNotFound, "feedback_receipt_missing", d)
		return
	}
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	fb.Contact = ""
	d := receiptData{Frame: h.Frame(r, "Your feedback on "+name, ""), UseCaseName: name, Feedback: fb,
		Sent: r.URL.Query().Get("sent") == "1", Address: origin(r) + receiptPath(r.PathValue("receipt"))}
	d.Notice = ""
	h.Render(w, r, http.StatusOK, "feedback_receipt", d)
}

// snippetETag names the script's current content.
var snippetETag = func() string {
	sum := sha256.Sum256(snippet)
	return `"` + hex.EncodeToString(sum[:8]) + `"`
}()

// Script serves GET /static/feedback.js at a fixed address, since host
// applications copy it into their pages: cached for an hour, revalidated by
// its ETag, loadable from any origin.
func (h *Handlers) Script(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=3600")
	w.Header().Set("Cross-Origin-Resource-Policy", "cross-origin")
	w.Header().Set("ETag", snippetETag)
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(snippet))
}
