package web

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/atrium-mlops/atrium/internal/telemetry"
	"github.com/atrium-mlops/atrium/internal/web/feedback"
	"github.com/atrium-mlops/atrium/internal/web/throttle"
)

// TestFeedbackThroughALink gives feedback as someone without an account,
// follows it to the receipt page, triages it as an editor through the API
// and sees the team's note where its author looks.
func TestFeedbackThroughALink(t *testing.T) {
	f, logs := feedbackFixture(t, limitsOff)
	linkID, secret := f.feedbackLink()
	pred := f.predict("loan-2031")

	page := f.anon(http.MethodGet, "/f/"+secret+"?prediction="+pred, "", nil)
	expect(t, page, http.StatusOK, "Was this answer helpful?")
	for _, want := range []string{"Rate it", "Suggest a correction", "Report a problem", "Comment", "scorer"} {
		if !strings.Contains(page.Body.String(), want) {
			t.Errorf("link page lacks %q", want)
		}
	}
	if got := page.Header().Get("X-Frame-Options"); got != "DENY" {
		t.Errorf("public page X-Frame-Options=%q, want DENY", got)
	}
	if got := page.Header().Get("Referrer-Policy"); got != "no-referrer" {
		t.Errorf("public page Referrer-Policy=%q, want no-referrer", got)
	}

	rec := f.anon(http.MethodPost, "/f/"+secret, "", url.Values{"token": {formToken(t, page.Body.String())}, "prediction": {pred},
		"kind": {"bug"}, "text": {"It said my income was zero. Write to ada@example.org."}, "contact": {"ada@example.org"}})
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("send = %d, want 303: %s", rec.Code, rec.Body)
	}
	receipt := rec.Header().Get("Location")
	if !strings.HasPrefix(receipt, "/f/") || !strings.HasSuffix(receipt, "/status?sent=1") {
		t.Fatalf("Location=%q, want the receipt page", receipt)
	}
	expect(t, f.anon(http.MethodGet, receipt, "", nil), http.StatusOK, "Received. Nobody has looked at it yet.")

	// The team's side.
	list := f.do("viewer", http.MethodGet, "/api/v1/usecases/alpha/feedback?kind=bug", "", nil)
	var got struct {
		Items []telemetry.Feedback `json:"items"`
		Total int                  `json:"total"`
	}
	if err := json.Unmarshal(list.Body.Bytes(), &got); err != nil || got.Total != 1 {
		t.Fatalf("list = %d %s (%v), want one bug", list.Code, list.Body, err)
	}
	fb := got.Items[0]
	if fb.PredictionID != pred || fb.ModelVersion != 2 || fb.LinkID != linkID || fb.Status != telemetry.New {
		t.Errorf("feedback = %+v, want prediction %s, version 2, link %s, new", fb, pred, linkID)
	}
	if strings.Contains(fb.Text, "ada@example.org") || !strings.Contains(fb.Text, "[email]") {
		t.Errorf("text %q, want the address masked", fb.Text)
	}
	if fb.Contact != "" {
		t.Errorf("a viewer sees the contact %q", fb.Contact)
	}
	one := f.do("owner", http.MethodGet, "/api/v1/usecases/alpha/feedback/"+fb.ID, "", nil)
	expect(t, one, http.StatusOK, `"contact":"ada@example.org"`)

	patch := f.doJSON("owner", http.MethodPatch, "/api/v1/usecases/alpha/feedback/"+fb.ID, map[string]any{
		"assignee_id": f.users["viewer"].ID, "status": "actioned", "note": "Fixed: income is read from the new field since v3.",
		"link_decision": itoa(int64(f.decision))})
	expect(t, patch, http.StatusOK, `"status":"actioned"`)
	if !strings.Contains(patch.Body.String(), `"decision_ids":["`+itoa(int64(f.decision))+`"]`) {
		t.Errorf("patched = %s, want the decision linked", patch.Body)
	}
	status := f.anon(http.MethodGet, strings.TrimSuffix(receipt, "?sent=1"), "", nil)
	expect(t, status, http.StatusOK, "Fixed: income is read from the new field since v3.")
	if strings.Contains(status.Body.String(), "ada@example.org") {
		t.Errorf("the receipt page shows the contact address")
	}

	// Nothing personal, and no secret, in the log.
	for _, secretly := range []string{secret, strings.Split(receipt, "/")[2], "ada@example.org", "income was zero"} {
		if strings.Contains(logs.String(), secretly) {
			t.Errorf("the log contains %q:\n%s", secretly, logs.String())
		}
	}
	if !strings.Contains(logs.String(), "/f/{secret}") {
		t.Errorf("the log does not record the public route:\n%s", logs.String())
	}
}

// TestFeedbackPageFlows: one click sends thumbs; arriving without an id
// asks for one; an unknown id and another use case's read alike; the inbox
// triages through its forms.
func TestFeedbackPageFlows(t *testing.T) {
	f, _ := feedbackFixture(t, limitsOff)
	_, secret := f.feedbackLink()
	pred := f.predict("loan-7")

	rec := f.give(secret, "", url.Values{"prediction": {pred}, "kind": {"thumbs"}, "value": {"up"}})
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("thumbs up = %d: %s", rec.Code, rec.Body)
	}
	expect(t, f.anon(http.MethodGet, "/f/"+secret, "", nil), http.StatusOK, "Which answer is it about?")

	// beta's prediction, reached through alpha's link, reads like an
	// unknown one.
	f.predictIn("beta", "beta-answer")
	theirs := f.anon(http.MethodGet, "/f/"+secret+"?prediction=beta-answer", "", nil)
	unknown := f.anon(http.MethodGet, "/f/"+secret+"?prediction=no-such-answer", "", nil)
	expect(t, unknown, http.StatusOK, "We could not find an answer with the id")
	malformed := f.anon(http.MethodGet, "/f/"+secret+"?prediction="+url.QueryEscape("<b>bad id</b>"), "", nil)
	expect(t, malformed, http.StatusOK, "We could not find an answer with the id “&lt;b&gt;bad id&lt;/b&gt;”")
	a := strings.ReplaceAll(unknown.Body.String(), "no-such-answer", "X")
	if b := strings.ReplaceAll(theirs.Body.String(), "beta-answer", "X"); theirs.Code != unknown.Code || a != b {
		t.Errorf("another use case's prediction and an unknown one answer differently:\n%s\n%s", a, b)
	}
	if b := strings.ReplaceAll(malformed.Body.String(), "&lt;b&gt;bad id&lt;/b&gt;", "X"); a != b {
		t.Errorf("an unknown id and a malformed one answer differently")
	}

	// Inbox: a comment to triage through the page's forms.
	rec = f.give(secret, "", url.Values{"kind": {"comment"}, "text": {"Please explain the score."}})
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("comment = %d: %s", rec.Code, rec.Body)
	}
	inbox := f.do("owner", http.MethodGet, "/usecases/alpha/feedback?kind=comment", "", nil)
	expect(t, inbox, http.StatusOK, "Please explain the score.")
	id := f.feedbackOfKind("comment")
	post := func(form url.Values) *httptest.ResponseRecorder {
		return f.do("owner", http.MethodPost, "/usecases/alpha/feedback/"+id, "application/x-www-form-urlencoded", []byte(form.Encode()))
	}
	for _, form := range []url.Values{
		{"action": {"assign"}, "assignee": {f.users["viewer"].ID}, "return": {"kind=comment"}},
		{"action": {"link"}, "decision": {itoa(int64(f.decision))}},
		{"action": {"actioned"}, "note": {"The page now lists the three strongest reasons."}},
	} {
		if rec := post(form); rec.Code != http.StatusSeeOther {
			t.Fatalf("triage %v = %d: %s", form, rec.Code, rec.Body)
		}
	}
	if rec := post(url.Values{"action": {"actioned"}}); rec.Code != http.StatusUnprocessableEntity || !strings.Contains(rec.Body.String(), "Say what was done") {
		t.Errorf("actioned without a note = %d, want 422 saying a note is needed", rec.Code)
	}
	inbox = f.do("viewer", http.MethodGet, "/usecases/alpha/feedback?status=actioned", "", nil)
	expect(t, inbox, http.StatusOK, "The page now lists the three strongest reasons.")
	if !strings.Contains(inbox.Body.String(), "assigned to viewer") {
		t.Errorf("inbox does not show the assignee")
	}
	if strings.Contains(inbox.Body.String(), `class="fb-triage"`) {
		t.Errorf("a viewer is offered the triage forms")
	}
	expect(t, f.do("viewer", http.MethodGet, "/usecases/alpha/feedback?kind=nonsense", "", nil), http.StatusBadRequest, "Kind must be one of")
}

// feedbackOfKind is the id of alpha's newest feedback of a kind.
func (f *fixture) feedbackOfKind(kind string) string {
	f.t.Helper()
	rec := f.do("owner", http.MethodGet, "/api/v1/usecases/alpha/feedback?kind="+kind, "", nil)
	var got struct {
		Items []telemetry.Feedback `json:"items"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil || len(got.Items) == 0 {
		f.t.Fatalf("no %s feedback: %s", kind, rec.Body)
	}
	return got.Items[0].ID
}

// TestFeedbackLinksFromTheInbox creates a link on the inbox page, sees its
// address once, embeds it, and closes it.
func TestFeedbackLinksFromTheInbox(t *testing.T) {
	f, _ := feedbackFixture(t, limitsOff)
	form := url.Values{"name": {`Portal <img src=x onerror=alert(1)>`}, "origins": {"https://portal.example.com\nhttps://intranet.example.com:8443/"}, "expires": {"30d"}}
	rec := f.do("owner", http.MethodPost, "/usecases/alpha/feedback-links", "application/x-www-form-urlencoded", []byte(form.Encode()))
	expect(t, rec, http.StatusOK, "copy its address now")
	body := rec.Body.String()
	if strings.Contains(body, "<img src=x") || !strings.Contains(body, "Portal &lt;img src=x onerror=alert(1)&gt;") {
		t.Errorf("the link's name is not escaped")
	}
	i := strings.Index(body, "/f/atrf_")
	if i < 0 {
		t.Fatalf("no link address on the page")
	}
	secret := strings.SplitN(body[i+3:], `"`, 2)[0]

	embed := f.anon(http.MethodGet, "/f/"+secret+"/embed", "", nil)
	expect(t, embed, http.StatusOK, "The id of the answer")
	if got := embed.Header().Get("X-Frame-Options"); got != "" {
		t.Errorf("embed X-Frame-Options=%q, want none", got)
	}
	if csp := embed.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors https://portal.example.com https://intranet.example.com:8443;") {
		t.Errorf("embed CSP %q, want the link's origins as frame-ancestors", csp)
	}
	_, plain, err := f.db.CreateFeedbackLink(f.ownerCtx(), "alpha", "E-mail", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	if csp := f.anon(http.MethodGet, "/f/"+plain+"/embed", "", nil).Header().Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors 'none'") {
		t.Errorf("embed of a link without origins: CSP %q, want frame-ancestors 'none'", csp)
	}

	// Viewers and editors see no create form; only owners close links.
	if strings.Contains(f.do("viewer", http.MethodGet, "/usecases/alpha/feedback", "", nil).Body.String(), "Feedback links") {
		t.Errorf("a viewer sees the feedback links")
	}
	links := f.do("owner", http.MethodGet, "/api/v1/usecases/alpha/feedback-links", "", nil)
	if strings.Contains(links.Body.String(), secret) {
		t.Errorf("the link list shows a secret")
	}
	var list struct {
		Items []telemetry.FeedbackLink `json:"items"`
	}
	json.Unmarshal(links.Body.Bytes(), &list)
	for _, l := range list.Items {
		rec := f.do("owner", http.MethodPost, "/usecases/alpha/feedback-links/"+l.ID+"/revoke", "", nil)
		if rec.Code != http.StatusSeeOther {
			t.Fatalf("revoke = %d: %s", rec.Code, rec.Body)
		}
	}
	expect(t, f.anon(http.MethodGet, "/f/"+secret, "", nil), http.StatusNotFound, "This feedback link does not work")

	// The API shows the address once, too.
	created := f.doJSON("owner", http.MethodPost, "/api/v1/usecases/alpha/feedback-links", map[string]any{"name": "API", "expires_in_days": 7})
	expect(t, created, http.StatusCreated, `"url":"http://example.com/f/atrf_`)
	for _, bad := range []map[string]any{
		{"name": "x", "origins": []string{"javascript:alert(1)"}},
		{"name": "x", "origins": []string{"https://a.example.com/path"}},
		{"name": ""},
		{"name": "x", "expires_in_days": -1},
		{"name": strings.Repeat("n", 101)},
	} {
		if rec := f.doJSON("owner", http.MethodPost, "/api/v1/usecases/alpha/feedback-links", bad); rec.Code != http.StatusBadRequest {
			t.Errorf("create link %v = %d, want 400: %s", bad, rec.Code, rec.Body)
		}
	}
}

// TestFeedbackHostile sends what a person should not be able to: too much
// text, kinds that do not exist, forms without a valid token, feedback
// through closed links, markup, and floods.
func TestFeedbackHostile(t *testing.T) {
	f, _ := feedbackFixture(t, limitsOff)
	linkID, secret := f.feedbackLink()
	pred := f.predict("loan-9")
	f.predictIn("beta", "beta-answer")
	count := func() int {
		rec := f.do("owner", http.MethodGet, "/api/v1/usecases/alpha/feedback", "", nil)
		var got struct{ Total int }
		json.Unmarshal(rec.Body.Bytes(), &got)
		return got.Total
	}
	page := f.anon(http.MethodGet, "/f/"+secret+"?prediction="+pred, "", nil)
	token := formToken(t, page.Body.String())
	_, other, err := f.db.CreateFeedbackLink(f.ownerCtx(), "alpha", "Other", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	otherPage := f.anon(http.MethodGet, "/f/"+other, "", nil)
	for _, tc := range []struct {
		name string
		form url.Values
		want int
		says string
	}{
		{"text over the limit", url.Values{"kind": {"comment"}, "text": {strings.Repeat("a", telemetry.MaxText+1)}}, http.StatusUnprocessableEntity, ""},
		{"no such kind", url.Values{"kind": {"praise"}, "text": {"hi"}}, http.StatusUnprocessableEntity, "Choose what kind"},
		{"rating out of range", url.Values{"kind": {"rating"}, "value": {"9"}, "prediction": {pred}}, http.StatusUnprocessableEntity, ""},
		{"thumbs sideways", url.Values{"kind": {"thumbs"}, "value": {"sideways"}, "prediction": {pred}}, http.StatusUnprocessableEntity, ""},
		{"contact over the limit", url.Values{"kind": {"comment"}, "text": {"hi"}, "contact": {strings.Repeat("a", 250) + "@example.org"}}, http.StatusUnprocessableEntity, ""},
		{"another use case's prediction", url.Values{"kind": {"thumbs"}, "value": {"up"}, "prediction": {"beta-answer"}}, http.StatusUnprocessableEntity, "No answer has the id"},
		{"no token", url.Values{"token": {""}, "kind": {"comment"}, "text": {"hi"}}, http.StatusForbidden, "This form has expired"},
		{"forged token", url.Values{"token": {forgeToken([]byte("not the server's key"), linkID, time.Now())}, "kind": {"comment"}, "text": {"hi"}}, http.StatusForbidden, ""},
		{"expired token", url.Values{"token": {forgeToken(testFeedbackKey, linkID, time.Now().Add(-4*time.Hour))}, "kind": {"comment"}, "text": {"hi"}}, http.StatusForbidden, ""},
		{"token from the future", url.Values{"token": {forgeToken(testFeedbackKey, linkID, time.Now().Add(2*time.Hour))}, "kind": {"comment"}, "text": {"hi"}}, http.StatusForbidden, ""},
		{"another link's token", url.Values{"token": {formToken(t, otherPage.Body.String())}, "kind": {"comment"}, "text": {"hi"}}, http.StatusForbidden, ""},
		{"garbage token", url.Values{"token": {"12.zz"}, "kind": {"comment"}, "text": {"hi"}}, http.StatusForbidden, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := count()
			if _, ok := tc.form["token"]; !ok {
				tc.form.Set("token", token)
			}
			rec := f.anon(http.MethodPost, "/f/"+secret, "", tc.form)
			if rec.Code != tc.want || !strings.Contains(rec.Body.String(), tc.says) {
				t.Fatalf("= %d, want %d saying %q: %s", rec.Code, tc.want, tc.says, rec.Body)
			}
			if count() != before {
				t.Fatalf("a refused form stored feedback")
			}
		})
	}

	// Markup in the text is shown as text in the inbox and on the receipt.
	xss := `<script>alert("x")</script><img src=x onerror=alert(1)>`
	rec := f.give(secret, "", url.Values{"kind": {"comment"}, "text": {xss}})
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("comment = %d: %s", rec.Code, rec.Body)
	}
	for _, page := range []*httptest.ResponseRecorder{f.do("owner", http.MethodGet, "/usecases/alpha/feedback", "", nil), f.anon(http.MethodGet, rec.Header().Get("Location"), "", nil)} {
		if strings.Contains(page.Body.String(), "<script>alert") || strings.Contains(page.Body.String(), "<img src=x") ||
			!strings.Contains(page.Body.String(), "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;") {
			t.Errorf("markup is not escaped:\n%s", page.Body)
		}
	}

	// Closed and expired links.
	_, expiring, err := f.db.CreateFeedbackLink(f.ownerCtx(), "alpha", "Brief", nil, time.Nanosecond)
	if err != nil {
		t.Fatal(err)
	}
	closedID, closed, err := f.db.CreateFeedbackLink(f.ownerCtx(), "alpha", "Closed", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	closedPage := f.anon(http.MethodGet, "/f/"+closed, "", nil)
	if _, err := f.db.RevokeFeedbackLink(f.ownerCtx(), "alpha", closedID.ID); err != nil {
		t.Fatal(err)
	}
	for name, s := range map[string]string{"expired": expiring, "closed": closed, "unknown": "atrf_nothing", "a receipt": "not-a-link"} {
		for _, path := range []string{"/f/" + s, "/f/" + s + "/embed"} {
			expect(t, f.anon(http.MethodGet, path, "", nil), http.StatusNotFound, "This feedback link does not work")
		}
		if name == "closed" {
			rec := f.anon(http.MethodPost, "/f/"+s, "", url.Values{"token": {formToken(t, closedPage.Body.String())}, "kind": {"comment"}, "text": {"late"}})
			expect(t, rec, http.StatusNotFound, "This feedback link does not work")
		}
	}
	expect(t, f.anon(http.MethodGet, "/f/atrr_unknown/status", "", nil), http.StatusNotFound, "No feedback at this address")
}

// TestFeedbackRateLimits: one address, then one link, run out.
func TestFeedbackRateLimits(t *testing.T) {
	slow := throttle.Rate{PerSecond: 1.0 / 3600, Burst: 2}
	f, _ := feedbackFixture(t, feedback.Limits{Address: slow, Link: throttle.Rate{PerSecond: 1.0 / 3600, Burst: 3}, Lookup: throttle.Rate{PerSecond: 1.0 / 3600, Burst: 50}})
	_, secret := f.feedbackLink()
	send := func(addr string) *httptest.ResponseRecorder {
		return f.give(secret, addr, url.Values{"kind": {"comment"}, "text": {"again"}})
	}
	for i := 0; i < 2; i++ {
		if rec := send("192.0.2.1"); rec.Code != http.StatusSeeOther {
			t.Fatalf("send %d = %d: %s", i+1, rec.Code, rec.Body)
		}
	}
	rec := send("192.0.2.1")
	expect(t, rec, http.StatusTooManyRequests, "Please wait")
	if rec.Header().Get("Retry-After") == "" {
		t.Errorf("429 without Retry-After")
	}
	if rec := send("192.0.2.2"); rec.Code != http.StatusSeeOther {
		t.Fatalf("another address = %d, want 303: %s", rec.Code, rec.Body)
	}
	// The link's own budget (3) is now spent, whoever sends.
	expect(t, send("192.0.2.3"), http.StatusTooManyRequests, "Please wait")
}

// TestFeedbackEvidence shows the inbox's live numbers on the canvas
// section that lists feedback, and an empty state before there are any.
func TestFeedbackEvidence(t *testing.T) {
	f, _ := feedbackFixture(t, limitsOff)
	path := "/api/v1/usecases/alpha/canvases/" + f.canvas.ID + "/sections/feedback-mechanisms/evidence"
	expect(t, f.do("viewer", http.MethodGet, path, "", nil), http.StatusOK, "Create a feedback link")
	_, secret := f.feedbackLink()
	pred := f.predict("loan-11")
	for _, form := range []url.Values{
		{"prediction": {pred}, "kind": {"thumbs"}, "value": {"up"}},
		{"prediction": {pred}, "kind": {"thumbs"}, "value": {"down"}},
		{"prediction": {pred}, "kind": {"rating"}, "value": {"5"}},
		{"prediction": {pred}, "kind": {"rating"}, "value": {"2"}, "text": {"Too slow to be of use."}},
		{"kind": {"bug"}, "text": {"The page hangs."}},
	} {
		if rec := f.give(secret, "", form); rec.Code != http.StatusSeeOther {
			t.Fatalf("give %v = %d: %s", form, rec.Code, rec.Body)
		}
	}
	rec := f.do("viewer", http.MethodGet, path, "", nil)
	// Plain thumbs and ratings count in the figures but are not waiting
	// for anyone to read them: the rating with a text and the bug are.
	for _, want := range []string{`"kind":"feedback"`, `"label":"New, to read","value":"2"`, `"label":"Open problem reports","value":"1"`,
		`"label":"Positive","value":"50%"`, `"label":"Thumbs","value":"2"`, `/usecases/alpha/feedback?status=new\u0026said=1`} {
		if !strings.Contains(rec.Body.String(), want) {
			t.Errorf("evidence lacks %s:\n%s", want, rec.Body)
		}
	}
	expect(t, f.do("owner", http.MethodGet, "/usecases/alpha/canvases/"+f.canvas.ID, "", nil), http.StatusOK, "Open problem reports")
	said := f.do("viewer", http.MethodGet, "/api/v1/usecases/alpha/feedback?said=true", "", nil)
	if !strings.Contains(said.Body.String(), `"total":2`) || strings.Contains(said.Body.String(), `"kind":"thumbs"`) {
		t.Errorf("feedback with words = %s, want the rating with a text and the bug only", said.Body)
	}
	expect(t, f.do("viewer", http.MethodGet, "/api/v1/usecases/alpha/feedback?said=maybe", "", nil), http.StatusBadRequest, "said must be true or false")
	expect(t, f.do("viewer", http.MethodGet, "/usecases/alpha/feedback?said=1", "", nil), http.StatusOK, "Too slow to be of use.")
}

// TestFeedbackPageAuthz: the inbox's pages follow the route table's roles,
// and another team's use case looks missing.
func TestFeedbackPageAuthz(t *testing.T) {
	f, _ := feedbackFixture(t, limitsOff)
	id := f.feedbackItem()
	linkID, _ := f.feedbackLink()
	form := "application/x-www-form-urlencoded"
	for _, tc := range []struct {
		who, method, path, body string
		want                    int
	}{
		{"", "GET", "/usecases/alpha/feedback", "", http.StatusSeeOther},
		{"viewer", "GET", "/usecases/alpha/feedback", "", http.StatusOK},
		{"stranger", "GET", "/usecases/alpha/feedback", "", http.StatusNotFound},
		{"viewer", "POST", "/usecases/alpha/feedback/" + id, "action=triaged", http.StatusForbidden},
		{"stranger", "POST", "/usecases/alpha/feedback/" + id, "action=triaged", http.StatusNotFound},
		{"", "POST", "/usecases/alpha/feedback/" + id, "action=triaged", http.StatusUnauthorized},
		{"viewer", "POST", "/usecases/alpha/feedback-links", "name=x", http.StatusForbidden},
		{"viewer", "POST", "/usecases/alpha/feedback-links/" + linkID + "/revoke", "", http.StatusForbidden},
		{"stranger", "POST", "/usecases/alpha/feedback-links/" + linkID + "/revoke", "", http.StatusNotFound},
		{"owner", "POST", "/usecases/alpha/feedback/" + id, "action=triaged", http.StatusSeeOther},
		{"owner", "POST", "/usecases/alpha/feedback/no-such-item", "action=triaged", http.StatusNotFound},
	} {
		before := f.auditSize()
		rec := f.do(tc.who, tc.method, tc.path, form, []byte(tc.body))
		if rec.Code != tc.want {
			t.Errorf("%s %s %s = %d, want %d", tc.who, tc.method, tc.path, rec.Code, tc.want)
		}
		if tc.want >= 400 && f.auditSize() != before {
			t.Errorf("%s %s %s: a refused request changed the audit log", tc.who, tc.method, tc.path)
		}
	}
	if got := f.do("", "GET", "/static/feedback.js", "", nil); got.Code != http.StatusOK || got.Header().Get("Content-Type") != "text/javascript; charset=utf-8" ||
		!strings.Contains(got.Body.String(), "data-atrium-feedback") {
		t.Errorf("feedback.js = %d %q", got.Code, got.Header().Get("Content-Type"))
	}
}
