package web

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"gocloud.dev/blob"

	"github.com/atrium-mlops/atrium/internal/artifact"
	"github.com/atrium-mlops/atrium/internal/artifact/blobs"
	"github.com/atrium-mlops/atrium/internal/atrium"
)

// testArtifactMax is the upload cap of test servers.
const testArtifactMax = 64 << 10

// blobDirs remembers the folder behind each test bucket.
var blobDirs sync.Map // *blob.Bucket → string

// testBlobs opens a local blob store in the test's temporary folder.
func testBlobs(t testing.TB) *blob.Bucket {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "artifacts")
	b, err := blobs.OpenLocal(dir)
	if err != nil {
		t.Fatal(err)
	}
	blobDirs.Store(b, dir)
	t.Cleanup(func() { b.Close() })
	return b
}

// artifact returns the id of an artifact of alpha, uploading one the first
// time.
func (f *fixture) artifact() string {
	f.t.Helper()
	ctx := atrium.WithActor(context.Background(), atrium.Actor{UserID: f.users["owner"].ID})
	page, err := f.db.ListArtifacts(ctx, "alpha", artifact.Filter{})
	if err != nil {
		f.t.Fatal(err)
	}
	if len(page.Items) > 0 {
		return page.Items[0].ID
	}
	a, err := f.db.CreateArtifact(ctx, f.srv.opts.Artifacts, "alpha", artifact.Upload{Name: "report.csv", ContentType: "text/csv"},
		strings.NewReader("metric,value\nauc,0.91\n"), testArtifactMax)
	if err != nil {
		f.t.Fatal(err)
	}
	return a.ID
}

// blobCount counts the objects in the fixture's blob store.
func (f *fixture) blobCount() int {
	f.t.Helper()
	n := 0
	it := f.srv.opts.Artifacts.List(nil)
	for {
		_, err := it.Next(context.Background())
		if err == io.EOF {
			return n
		}
		if err != nil {
			f.t.Fatal(err)
		}
		n++
	}
}

func (f *fixture) upload(who, query, contentType string, body []byte) *httptest.ResponseRecorder {
	f.t.Helper()
	return f.do(who, "POST", "/api/v1/usecases/alpha/artifacts?"+query, contentType, body)
}

func decodeArtifact(t *testing.T, rec *httptest.ResponseRecorder) artifact.Artifact {
	t.Helper()
	var a artifact.Artifact
	if err := json.Unmarshal(rec.Body.Bytes(), &a); err != nil {
		t.Fatalf("answer %s: %v", rec.Body, err)
	}
	return a
}

func TestArtifactAPIRoundTrip(t *testing.T) {
	f := newFixture(t)
	body := []byte("# Churn classifier\n\nAUC 0.91 on the 2026 holdout.\n")
	before := f.auditSize()
	rec := f.upload("owner", "name=model-card.md&content_type=text/markdown", "application/octet-stream", body)
	if rec.Code != http.StatusCreated {
		t.Fatalf("upload = %d %s", rec.Code, rec.Body)
	}
	a := decodeArtifact(t, rec)
	sum := sha256.Sum256(body)
	if a.Name != "model-card.md" || a.ContentType != "text/markdown" || a.Size != int64(len(body)) || a.Digest != hex.EncodeToString(sum[:]) ||
		a.URI != "/api/v1/usecases/alpha/artifacts/"+a.ID+"/content" || rec.Header().Get("Location") != "/api/v1/usecases/alpha/artifacts/"+a.ID {
		t.Errorf("upload answered %+v, Location %q", a, rec.Header().Get("Location"))
	}
	if strings.Contains(rec.Body.String(), "usecases/"+a.UseCaseID) {
		t.Errorf("the answer shows the blob key: %s", rec.Body)
	}
	if f.auditSize() != before+1 {
		t.Errorf("audit grew by %d, want 1", f.auditSize()-before)
	}

	rec = f.do("viewer", "GET", "/api/v1/usecases/alpha/artifacts/"+a.ID, "", nil)
	if rec.Code != 200 || decodeArtifact(t, rec).Digest != a.Digest {
		t.Errorf("get = %d %s", rec.Code, rec.Body)
	}
	rec = f.do("viewer", "GET", "/api/v1/usecases/alpha/artifacts", "", nil)
	var page atrium.Page[artifact.Artifact]
	if err := json.Unmarshal(rec.Body.Bytes(), &page); rec.Code != 200 || err != nil || page.Total != 1 || page.Items[0].ID != a.ID {
		t.Errorf("list = %d %s", rec.Code, rec.Body)
	}
	rec = f.do("viewer", "GET", a.URI, "", nil)
	if rec.Code != 200 || !bytes.Equal(rec.Body.Bytes(), body) {
		t.Fatalf("download = %d %q", rec.Code, rec.Body)
	}
	h := rec.Header()
	for k, want := range map[string]string{
		"Content-Type":            "text/markdown; charset=utf-8",
		"Content-Disposition":     `attachment; filename="model-card.md"; filename*=UTF-8''model-card.md`,
		"X-Content-Type-Options":  "nosniff",
		"Content-Security-Policy": "sandbox; default-src 'none'",
		"ETag":                    `"sha256-` + a.Digest + `"`,
	} {
		if got := h.Get(k); got != want {
			t.Errorf("download %s = %q, want %q", k, got, want)
		}
	}
	req := httptest.NewRequest("GET", a.URI, nil)
	req.Header.Set("Authorization", "Bearer "+f.tokens["viewer"])
	req.Header.Set("If-None-Match", h.Get("ETag"))
	if rec := serve(f.srv, req); rec.Code != http.StatusNotModified || rec.Body.Len() != 0 {
		t.Errorf("If-None-Match = %d %q, want 304", rec.Code, rec.Body)
	}

	before = f.auditSize()
	if rec := f.do("owner", "DELETE", "/api/v1/usecases/alpha/artifacts/"+a.ID, "", nil); rec.Code != http.StatusNoContent {
		t.Fatalf("delete = %d %s", rec.Code, rec.Body)
	}
	if f.auditSize() != before+1 {
		t.Errorf("delete audited %d entries, want 1", f.auditSize()-before)
	}
	for _, p := range []string{"/api/v1/usecases/alpha/artifacts/" + a.ID, a.URI} {
		if rec := f.do("owner", "GET", p, "", nil); rec.Code != 404 {
			t.Errorf("GET %s after delete = %d", p, rec.Code)
		}
	}
	if n := f.blobCount(); n != 0 {
		t.Errorf("%d blobs left after delete", n)
	}
}

// TestArtifactHostileUploads: every refused upload answers with a problem,
// stores no row, no blob and no audit entry.
func TestArtifactHostileUploads(t *testing.T) {
	f := newFixture(t)
	ok := []byte("fine")
	big := bytes.Repeat([]byte("x"), testArtifactMax+1)
	for _, tc := range []struct {
		name, query, ct string
		body            []byte
		want            int
	}{
		{"no name", "", "text/plain", ok, 400},
		{"blank name", "name=%20%20", "text/plain", ok, 400},
		{"path name", "name=../../etc/passwd", "text/plain", ok, 400},
		{"nested name", "name=a/b.txt", "text/plain", ok, 400},
		{"backslash name", `name=a\b.txt`, "text/plain", ok, 400},
		{"dot dot", "name=..", "text/plain", ok, 400},
		{"NUL", "name=a%00.txt", "text/plain", ok, 400},
		{"bell", "name=a%07.txt", "text/plain", ok, 400},
		{"escape", "name=a%1b[31m.txt", "text/plain", ok, 400},
		{"newline", "name=a%0d%0aSet-Cookie:x.txt", "text/plain", ok, 400},
		{"line separator", "name=a%E2%80%A8.txt", "text/plain", ok, 400},
		{"not UTF-8", "name=%ff.txt", "text/plain", ok, 400},
		{"huge name", "name=" + strings.Repeat("n", 5000), "text/plain", ok, 400},
		{"header injection type", "name=a.txt&content_type=text/plain%0d%0aX-Evil:%201", "", ok, 400},
		{"not a type", "name=a.txt&content_type=not%20a%20type", "", ok, 400},
		{"half a link", "name=a.txt&asset_kind=model", "text/plain", ok, 400},
		{"bad version", "name=a.txt&asset_kind=model&asset_name=m&asset_version=01", "text/plain", ok, 400},
		{"negative version", "name=a.txt&asset_kind=model&asset_name=m&asset_version=-1", "text/plain", ok, 400},
		{"unknown kind", "name=a.txt&asset_kind=notebook&asset_name=m&asset_version=1", "text/plain", ok, 400},
		{"missing version", "name=a.txt&asset_kind=model&asset_name=m&asset_version=1", "text/plain", ok, 400},
		{"empty body", "name=a.txt", "text/plain", nil, 400},
		{"over the cap", "name=big.bin", "application/octet-stream", big, 413},
	} {
		before := f.auditSize()
		rec := f.upload("owner", tc.query, tc.ct, tc.body)
		if rec.Code != tc.want {
			t.Errorf("%s: %d %s, want %d", tc.name, rec.Code, rec.Body, tc.want)
			continue
		}
		problem(t, rec)
		if f.auditSize() != before {
			t.Errorf("%s: the audit log changed", tc.name)
		}
	}
	// A body that lies about its length, or sends none, is cut off at the cap.
	for _, declared := range []int64{testArtifactMax + 1, -1} {
		req := httptest.NewRequest("POST", "/api/v1/usecases/alpha/artifacts?name=big.bin", io.MultiReader(bytes.NewReader(big), strings.NewReader("more")))
		req.ContentLength = declared
		req.Header.Set("Authorization", "Bearer "+f.tokens["owner"])
		if rec := serve(f.srv, req); rec.Code != http.StatusRequestEntityTooLarge {
			t.Errorf("Content-Length %d over the cap: %d %s", declared, rec.Code, rec.Body)
		}
	}
	if n := f.blobCount(); n != 0 {
		t.Errorf("refused uploads left %d blobs", n)
	}
	ctx := atrium.WithActor(context.Background(), atrium.Actor{UserID: f.users["owner"].ID})
	if page, err := f.db.ListArtifacts(ctx, "alpha", artifact.Filter{}); err != nil || page.Total != 0 {
		t.Errorf("refused uploads left rows: %+v, %v", page, err)
	}
	// Exactly the cap is accepted.
	if rec := f.upload("owner", "name=exact.bin", "application/octet-stream", big[:testArtifactMax]); rec.Code != 201 {
		t.Errorf("an upload of exactly the cap = %d %s", rec.Code, rec.Body)
	}
}

// TestArtifactServedSafely: whatever was uploaded, a download is an
// attachment no browser renders or runs in Atrium's origin.
func TestArtifactServedSafely(t *testing.T) {
	f := newFixture(t)
	for _, tc := range []struct {
		name, query, header, want string
		body                      string
	}{
		{"HTML", "name=page.html&content_type=text/html", "", "application/octet-stream", "<script>alert(document.cookie)</script>"},
		{"SVG", "name=logo.svg&content_type=image/svg%2Bxml", "", "application/octet-stream", `<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>`},
		{"HTML as header", "name=page.htm", "text/html; charset=utf-8", "application/octet-stream", "<b>hi</b>"},
		{"XHTML", "name=x.xhtml&content_type=application/xhtml%2Bxml", "", "application/octet-stream", "<html/>"},
		{"HTML claimed as text", "name=notes.txt&content_type=text/plain", "", "text/plain; charset=utf-8", "<script>alert(1)</script>"},
		{"CSV by header", "name=sample.csv", "text/csv", "text/csv; charset=utf-8", "a,b\n1,2\n"},
		{"no type", "name=blob", "", "application/octet-stream", "\x00\x01"},
		{"quotes and unicode", "name=" + url.QueryEscape(`say "hi"; x=données 日本.pdf`) + "&content_type=application/pdf", "", "application/pdf", "%PDF-1.7"},
	} {
		rec := f.upload("owner", tc.query, tc.header, []byte(tc.body))
		if rec.Code != 201 {
			t.Errorf("%s: upload %d %s", tc.name, rec.Code, rec.Body)
			continue
		}
		a := decodeArtifact(t, rec)
		rec = f.do("viewer", "GET", a.URI, "", nil)
		h := rec.Header()
		if rec.Code != 200 || rec.Body.String() != tc.body {
			t.Errorf("%s: download %d %q", tc.name, rec.Code, rec.Body)
		}
		if got := h.Get("Content-Type"); got != tc.want {
			t.Errorf("%s: Content-Type %q, want %q", tc.name, got, tc.want)
		}
		if h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Content-Security-Policy") != "sandbox; default-src 'none'" {
			t.Errorf("%s: nosniff %q, CSP %q", tc.name, h.Get("X-Content-Type-Options"), h.Get("Content-Security-Policy"))
		}
		disp, params, err := mime.ParseMediaType(h.Get("Content-Disposition"))
		if err != nil || disp != "attachment" || params["filename"] != a.Name {
			t.Errorf("%s: Content-Disposition %q reads as %q %v (%v), want an attachment named %q", tc.name, h.Get("Content-Disposition"), disp, params, err, a.Name)
		}
	}
}

func TestArtifactBadIDs(t *testing.T) {
	f := newFixture(t)
	id := f.artifact()
	// beta belongs to the stranger; its artifact is not reachable through alpha.
	sctx := atrium.WithActor(context.Background(), atrium.Actor{UserID: f.users["stranger"].ID})
	other, err := f.db.CreateArtifact(sctx, f.srv.opts.Artifacts, "beta", artifact.Upload{Name: "b.txt"}, strings.NewReader("beta"), testArtifactMax)
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"nope", strings.ToUpper(id), id + "0", "%2e%2e", "%2e%2e%2f%2e%2e%2fetc%2fpasswd", url.PathEscape("usecases/x/" + id), other.ID} {
		for _, p := range []string{"/api/v1/usecases/alpha/artifacts/" + bad, "/api/v1/usecases/alpha/artifacts/" + bad + "/content"} {
			if rec := f.do("owner", "GET", p, "", nil); rec.Code != 404 {
				t.Errorf("GET %s = %d %s, want 404", p, rec.Code, rec.Body)
			}
		}
		before := f.auditSize()
		if rec := f.do("owner", "DELETE", "/api/v1/usecases/alpha/artifacts/"+bad, "", nil); rec.Code != 404 || f.auditSize() != before {
			t.Errorf("DELETE %s = %d, want 404 and no audit entry", bad, rec.Code)
		}
	}
	if rec := f.do("stranger", "GET", other.URI, "", nil); rec.Code != 200 || rec.Body.String() != "beta" {
		t.Errorf("beta's own artifact = %d %q", rec.Code, rec.Body)
	}
}

// TestArtifactSymlinkInBlobRoot: a blob replaced by a symlink to a file
// outside the blob folder is not served.
func TestArtifactSymlinkInBlobRoot(t *testing.T) {
	f := newFixture(t)
	ctx := atrium.WithActor(context.Background(), atrium.Actor{UserID: f.users["owner"].ID})
	a, err := f.db.GetArtifact(ctx, "alpha", f.artifact())
	if err != nil {
		t.Fatal(err)
	}
	dir, _ := blobDirs.Load(f.srv.opts.Artifacts)
	secret := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(secret, []byte("metric,value\nSECRET\n0123"), 0o600); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir.(string), filepath.FromSlash(a.Key))
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(secret, path); err != nil {
		t.Fatal(err)
	}
	rec := f.do("viewer", "GET", a.URI, "", nil)
	if rec.Code == 200 || strings.Contains(rec.Body.String(), "SECRET") {
		t.Fatalf("a symlinked blob was served: %d %q", rec.Code, rec.Body)
	}
	problem(t, rec)
}

func TestArtifactsWithoutStore(t *testing.T) {
	db := testDB(t)
	srv, err := New(Options{DB: db, Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	if srv.artifacts.Blobs != nil {
		t.Fatal("a server without Artifacts has a blob store")
	}
	f := newFixture(t)
	f.srv.artifacts.Blobs = nil
	if rec := f.upload("owner", "name=a.txt", "text/plain", []byte("x")); rec.Code != http.StatusServiceUnavailable {
		t.Errorf("upload without a store = %d %s, want 503", rec.Code, rec.Body)
	}
}

func TestArtifactsPage(t *testing.T) {
	s := newSite(t)
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	part, _ := mw.CreateFormFile("file", `<img src=x onerror=alert(1)>.html`)
	part.Write([]byte("<script>alert(1)</script>"))
	mw.Close()
	req := httptest.NewRequest("POST", "/usecases/churn/artifacts", &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.AddCookie(&http.Cookie{Name: sessionCookie, Value: s.session(s.ada)})
	expectRedirect(t, serve(s.srv, req), "/usecases/churn/artifacts?notice=artifact-uploaded")

	rec := s.get(s.ada, "/usecases/churn/artifacts?notice=artifact-uploaded")
	expect(t, rec, 200, "The file was uploaded.", "&lt;img src=x onerror=alert(1)&gt;.html", "application/octet-stream", "Upload a file")
	if strings.Contains(rec.Body.String(), "<img src=x") {
		t.Fatal("the file name reached the page unescaped")
	}
	page, err := s.db.ListArtifacts(s.as(s.ada), "churn", artifact.Filter{})
	if err != nil || page.Total != 1 {
		t.Fatalf("ListArtifacts = %+v, %v", page, err)
	}
	// Someone who cannot see the use case gets the same 404 as for none.
	expect(t, s.get(s.bob, "/usecases/churn/artifacts"), 404)
	// A form with no file is refused on the page, with the reason.
	buf.Reset()
	mw = multipart.NewWriter(&buf)
	mw.WriteField("other", "x")
	mw.Close()
	req = httptest.NewRequest("POST", "/usecases/churn/artifacts", &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.AddCookie(&http.Cookie{Name: sessionCookie, Value: s.session(s.ada)})
	expect(t, serve(s.srv, req), http.StatusUnprocessableEntity, "Choose a file to upload")

	expectRedirect(t, s.post(s.ada, "/usecases/churn/artifacts/"+page.Items[0].ID+"/delete", nil), "/usecases/churn/artifacts?notice=artifact-deleted")
	expect(t, s.get(s.ada, "/usecases/churn/artifacts"), 200, "No files yet.")
}
