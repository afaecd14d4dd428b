package main

import (
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
)

// TestDemoCanvasFromEmptyToAgreed walks the finish line on the real
// demo: its canvas goes from empty to agreed, two iterations are published
// and compared, and the poster prints.
func TestDemoCanvasFromEmptyToAgreed(t *testing.T) {
	data := t.TempDir()
	srv := startCommand(t, "demo", data, "--rate-limit", "0")
	const email = "maria.keller@demo.atrium.localhost"
	token := strings.TrimSpace(mustCLI(t, "token", "create", "--data", data, "--user", email, "--name", "finish-line"))
	uc := srv.URL + "/api/v1/usecases/credit-risk-scoring"

	var canvases struct {
		Items []struct {
			ID       string `json:"id"`
			Template string `json:"template"`
		}
	}
	if code := call(t, "GET", uc+"/canvases", token, nil, &canvases); code != 200 || len(canvases.Items) != 1 {
		t.Fatalf("demo canvases = %d %+v, want one", code, canvases)
	}
	cv := uc + "/canvases/" + canvases.Items[0].ID
	var tpl struct {
		Phases []struct {
			Sections []struct{ ID string }
		}
	}
	call(t, "GET", srv.URL+"/api/v1/templates/"+canvases.Items[0].Template, token, nil, &tpl)
	var ids []string
	for _, p := range tpl.Phases {
		for _, s := range p.Sections {
			ids = append(ids, s.ID)
		}
	}
	if len(ids) != 25 {
		t.Fatalf("the demo canvas's template has %d sections, want the 25 of the human-centric canvas", len(ids))
	}
	for _, id := range ids {
		body := map[string]any{"content": "Agreed text for " + id + ".", "status": "agreed", "base_version": 0}
		if code := call(t, "PUT", cv+"/sections/"+id, token, body, nil); code != 200 {
			t.Fatalf("agree %s = %d", id, code)
		}
	}
	var done struct {
		Overall struct{ Agreed, Total int }
	}
	call(t, "GET", cv+"/completeness", token, nil, &done)
	if done.Overall.Agreed != 25 || done.Overall.Total != 25 {
		t.Fatalf("completeness = %+v, want 25 of 25 agreed", done.Overall)
	}
	var it struct{ Number int }
	if code := call(t, "POST", cv+"/iterations", token, map[string]string{"message": "All agreed"}, &it); code != 201 || it.Number != 1 {
		t.Fatalf("publish = %d, number %d; want 201 and 1", code, it.Number)
	}
	change := map[string]any{"content": "Agreed text for problem-definition, now with a budget.", "status": "agreed", "base_version": 1}
	if code := call(t, "PUT", cv+"/sections/problem-definition", token, change, nil); code != 200 {
		t.Fatalf("revise = %d", code)
	}
	call(t, "POST", cv+"/iterations", token, map[string]string{"message": "Budget added"}, &it)
	if it.Number != 2 {
		t.Fatalf("second iteration is number %d, want 2", it.Number)
	}
	var diff struct {
		Sections []struct {
			Section string
			Changed bool
			Ops     []struct{ Op, Text string }
		}
	}
	call(t, "GET", cv+"/diff?from=1&to=2", token, nil, &diff)
	var changed []string
	var inserted string
	for _, s := range diff.Sections {
		if s.Changed {
			changed = append(changed, s.Section)
			for _, op := range s.Ops {
				if op.Op == "insert" {
					inserted += op.Text
				}
			}
		}
	}
	if fmt.Sprint(changed) != "[problem-definition]" || !strings.Contains(inserted, "budget") {
		t.Fatalf("diff 1→2 changed %v inserting %q, want problem-definition with the budget words", changed, inserted)
	}

	// The poster prints, for a person logged in through the form.
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar}
	resp, err := browser.PostForm(srv.URL+"/login", url.Values{"email": {email}, "password": {srv.Password}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	resp, err = browser.Get(srv.URL + "/usecases/credit-risk-scoring/canvases/" + canvases.Items[0].ID + "/print")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(page), "now with a budget") || !strings.Contains(string(page), "print") {
		t.Fatalf("print = %d, want the poster with the latest text", resp.StatusCode)
	}
}
