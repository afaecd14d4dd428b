package web

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// page sends a browser request as the named fixture user.
func (f *fixture) page(who, method, path string, form url.Values) *httptest.ResponseRecorder {
	f.t.Helper()
	var req *http.Request
	if form != nil {
		req = httptest.NewRequest(method, path, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	} else {
		req = httptest.NewRequest(method, path, nil)
	}
	req.AddCookie(&http.Cookie{Name: sessionCookie, Value: f.sessionOf(who)})
	return serve(f.srv, req)
}

func TestTelemetryPage(t *testing.T) {
	f := newFixture(t)
	f.seedTelemetry()
	const path = "/usecases/alpha/telemetry"

	// The use case's page links to it.
	if rec := f.page("viewer", "GET", "/usecases/alpha", nil); !strings.Contains(rec.Body.String(), `href="/usecases/alpha/telemetry"`) {
		t.Fatalf("the use case page does not link to its telemetry (status %d)", rec.Code)
	}

	// A viewer sees the counts and predictions, but no keys, no features
	// and no forms.
	rec := f.page("viewer", "GET", path, nil)
	expect(t, rec, http.StatusOK, "Last 24 hours", "1 prediction in the last 24 hours", "Newest predictions", "approve", "Privacy policy")
	for _, hidden := range []string{"Ingestion keys", "income", `action="/usecases/alpha/telemetry/policy"`, `action="/usecases/alpha/telemetry/keys"`} {
		if strings.Contains(rec.Body.String(), hidden) {
			t.Fatalf("a viewer sees %q", hidden)
		}
	}

	// The owner sees keys, features and the forms.
	rec = f.page("owner", "GET", path, nil)
	expect(t, rec, http.StatusOK, "Ingestion keys", "income", "52000", `for="key-name"`, `for="retention_days"`, "Mark it high-risk")

	// Creating a key shows its secret once, on the answer to the form.
	rec = f.page("owner", "POST", path+"/keys", url.Values{"name": {"batch scorer"}, "model": {"scorer@champion"}})
	expect(t, rec, http.StatusOK, "copy it now", "atri_")
	secret := regexp.MustCompile(`value="(atri_[^"]+)"`).FindStringSubmatch(rec.Body.String())
	if secret == nil {
		t.Fatal("no secret on the page")
	}
	if strings.Contains(f.page("owner", "GET", path, nil).Body.String(), secret[1]) {
		t.Fatal("the secret is shown again")
	}
	req := httptest.NewRequest("POST", ingestPredictions, strings.NewReader(`{"output": {"score": 0.4}}`))
	req.Header.Set("Authorization", "Bearer "+secret[1])
	req.Header.Set("Content-Type", "application/json")
	if rec := serve(f.srv, req); rec.Code != http.StatusCreated {
		t.Fatalf("the key made on the page does not report: %d %s", rec.Code, rec.Body)
	}

	// A bad key form comes back with its error beside it.
	rec = f.page("owner", "POST", path+"/keys", url.Values{"name": {""}})
	if rec.Code != http.StatusUnprocessableEntity || !strings.Contains(rec.Body.String(), `role="alert"`) {
		t.Fatalf("an empty key name = %d, want 422 with the error", rec.Code)
	}

	// Revoking through the page stops the key.
	rec = f.page("owner", "POST", path+"/keys/"+f.tel.keyIDs["alpha"]+"/revoke", url.Values{})
	expectRedirect(t, rec, path+"?notice=key-revoked")
	if rec := f.ingest("alpha", ingestPredictions, "application/json", []byte(`{"output": {"score": 0.4}}`)); rec.Code != http.StatusUnauthorized {
		t.Fatalf("a key revoked on the page = %d, want 401", rec.Code)
	}

	// The policy form saves, and the risk switch follows the floor.
	rec = f.page("owner", "POST", path+"/policy", url.Values{"drop": {"ssn\nemail"}, "hash": {"region"}, "mask_text": {"on"}, "retention_days": {"200"}, "version": {"0"}})
	expectRedirect(t, rec, path+"?notice=policy-saved")
	rec = f.page("owner", "POST", path+"/risk", url.Values{"high_risk": {"true"}})
	expectRedirect(t, rec, path+"?notice=risk-high")
	expect(t, f.page("owner", "GET", path+"?notice=risk-high", nil), http.StatusOK, "The use case is now marked high-risk", ">ssn\nemail</textarea>", "High-risk")

	// A viewer cannot post any of the forms.
	for _, p := range []string{"/keys", "/policy", "/risk", "/keys/" + f.tel.keyIDs["spare"] + "/revoke"} {
		if rec := f.page("viewer", "POST", path+p, url.Values{"name": {"x"}, "high_risk": {"false"}}); rec.Code != http.StatusForbidden {
			t.Fatalf("a viewer posting %s = %d, want 403", p, rec.Code)
		}
	}
	// Someone outside the use case finds nothing.
	if rec := f.page("stranger", "GET", path, nil); rec.Code != http.StatusNotFound {
		t.Fatalf("a stranger = %d, want 404", rec.Code)
	}
}
