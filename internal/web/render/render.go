// Package render turns a page's typed data into HTML: the layout, partials
// and FuncMap every page shares, each feature's own pages, the embedded
// static files under content-hash addresses, the error page and the pager.
// Templates are parsed once, when the server is built; a parse error stops
// the boot.
package render

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"maps"
	"mime"
	"net/http"
	"net/url"
	"path"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/atrium-mlops/atrium/internal/atrium"
	"github.com/atrium-mlops/atrium/internal/usecase"
	"github.com/atrium-mlops/atrium/internal/web/respond"
)

// shared holds the layout, the partials every page may use, the error page
// and the static files.
//
//go:embed templates static
var shared embed.FS

// asset is one embedded static file with the content hash in its address.
type asset struct {
	hash  string
	ctype string
	body  []byte
}

// Pages are one feature's page templates: the files matching Glob in FS,
// each parsed with the shared layout and partials, any partials of its own
// (Partials, a glob in FS, may be empty), and Funcs on top of the shared
// FuncMap. Notices are the confirmations its redirects may name.
type Pages struct {
	FS       fs.FS
	Glob     string
	Partials string
	Funcs    template.FuncMap
	Notices  map[string]string
}

// Views holds every parsed page and the static files.
type Views struct {
	tmpl    map[string]*template.Template
	assets  map[string]asset
	notices map[string]string
	release string
	log     *slog.Logger
}

// Load reads the static files and parses every page of every feature, and
// the error page, with the shared layout and partials. release is shown in
// the footer.
func Load(release string, log *slog.Logger, features ...Pages) (*Views, error) {
	v := &Views{tmpl: map[string]*template.Template{}, assets: map[string]asset{}, notices: map[string]string{}, release: release, log: log}
	statics, err := fs.Glob(shared, "static/*")
	if err != nil {
		return nil, err
	}
	for _, name := range statics {
		body, err := fs.ReadFile(shared, name)
		if err != nil {
			return nil, err
		}
		sum := sha256.Sum256(body)
		ctype := mime.TypeByExtension(path.Ext(name))
		if ctype == "" {
			ctype = "application/octet-stream"
		}
		v.assets[path.Base(name)] = asset{hash: hex.EncodeToString(sum[:8]), ctype: ctype, body: body}
	}
	own := Pages{FS: shared, Glob: "templates/error.html"}
	for _, f := range append([]Pages{own}, features...) {
		names, err := fs.Glob(f.FS, f.Glob)
		if err != nil {
			return nil, err
		}
		funcs := v.funcs()
		maps.Copy(funcs, f.Funcs)
		// The layout and partials are parsed once per feature; each page
		// gets a clone of them, which costs a copy, not another parse.
		base, err := template.New("layout.html").Funcs(funcs).ParseFS(shared, "templates/layout.html", "templates/partials/*.html")
		if err == nil && f.Partials != "" {
			base, err = base.ParseFS(f.FS, f.Partials)
		}
		if err != nil {
			return nil, fmt.Errorf("templates: %w", err)
		}
		for _, name := range names {
			page := strings.TrimSuffix(path.Base(name), ".html")
			if _, dup := v.tmpl[page]; dup {
				return nil, fmt.Errorf("templates: two pages are called %q", page)
			}
			t, err := base.Clone()
			if err == nil {
				t, err = t.ParseFS(f.FS, name)
			}
			if err != nil {
				return nil, fmt.Errorf("templates: %w", err)
			}
			v.tmpl[page] = t
		}
		for k, text := range f.Notices {
			if _, dup := v.notices[k]; dup {
				return nil, fmt.Errorf("templates: two notices are called %q", k)
			}
			v.notices[k] = text
		}
	}
	return v, nil
}

// funcs is the FuncMap every page shares.
func (v *Views) funcs() template.FuncMap {
	return template.FuncMap{
		"asset": func(name string) (string, error) {
			a, ok := v.assets[name]
			if !ok {
				return "", fmt.Errorf("no static file %q", name)
			}
			return "/static/" + a.hash + "/" + name, nil
		},
		"when":     When,
		"datetime": func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
		"date":     func(t time.Time) string { return t.UTC().Format("2 Jan 2006") },
		"short": func(s string, n int) string {
			if r := []rune(s); len(r) > n {
				return string(r[:n])
			}
			return s
		},
		"stages":   func() []usecase.Stage { return usecase.Stages },
		"roles":    func() []usecase.Role { return usecase.Roles },
		"title":    func(v any) string { return Capitalise(fmt.Sprint(v)) },
		"sentence": Sentence,
		"inc":      func(i int) int { return i + 1 },
		// Completeness bars and status badges.
		"segments":    TallySegments,
		"statusClass": StatusClass,
		"dec":         func(i int) int { return i - 1 },
	}
}

// Capitalise upper-cases the first letter of s.
func Capitalise(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 {
		return s
	}
	return string(unicode.ToUpper(r)) + s[n:]
}

// Sentence turns an error message ("name is required") into a sentence
// ("Name is required.").
func Sentence(s string) string {
	s = Capitalise(strings.TrimSpace(s))
	if s != "" && !strings.ContainsAny(s[len(s)-1:], ".!?") {
		s += "."
	}
	return s
}

// When formats a time for people: day, month, year and minutes, in UTC so
// that everyone on a team reads the same thing.
func When(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.UTC().Format("2 Jan 2006, 15:04") + " UTC"
}

// Frame is what the layout needs on every page; each page's data embeds it.
type Frame struct {
	Title    string
	Section  string // which navigation entry is current
	Me       atrium.Actor
	SignedIn bool
	Release  string
	Notice   string
	// Wide pages (the canvas poster) use the whole window instead of the
	// reading width.
	Wide bool
	// Query is what the header's search box shows.
	Query string
}

// Frame fills the layout data for a page. The notice named in the address
// is looked up among the known ones, so a link cannot put words on a page.
func (v *Views) Frame(r *http.Request, title, section string) Frame {
	a, ok := atrium.ActorFrom(r.Context())
	return Frame{Title: title, Section: section, Me: a, SignedIn: ok, Release: v.release, Notice: v.notices[r.URL.Query().Get("notice")]}
}

// Render executes a page into a buffer first, so a template error becomes a
// clean 500 instead of half a page. Pages are never cached: they show
// personal data, and a back button after logout must not reveal it.
func (v *Views) Render(w http.ResponseWriter, r *http.Request, status int, page string, data any) {
	v.RenderRoot(w, r, status, page, "layout", data)
}

// RenderRoot executes the named root template of a page: "layout" for
// every page in the site's frame, another for a standalone document such as
// the print poster.
func (v *Views) RenderRoot(w http.ResponseWriter, r *http.Request, status int, page, root string, data any) {
	var buf bytes.Buffer
	t, ok := v.tmpl[page]
	err := errors.New("no such page template")
	if ok {
		err = t.ExecuteTemplate(&buf, root, data)
	}
	if err != nil {
		v.log.Error("render page", "request_id", atrium.RequestIDFrom(r.Context()), "page", page, "err", err)
		http.Error(w, "The page could not be shown; the error has been logged.", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// errorData is the error page.
type errorData struct {
	Frame
	Status  int
	Heading string
	Detail  string
	Hint    string
	Login   string // where to log in, for 401
}

// errorHints suggest what to do next.
var errorHints = map[int]string{
	http.StatusNotFound:  "It may have been removed, or nobody has given you access to it yet. If someone sent you this link, ask them to add you.",
	http.StatusForbidden: "Your role does not allow this. An owner of the use case, or an administrator, can change that.",
	http.StatusConflict:  "Reload the page to see the current state, then try again.",
}

// errorHeadings say in plain words what a status means for the reader.
var errorHeadings = map[int]string{
	http.StatusBadRequest:            "Something in that request is not right",
	http.StatusUnauthorized:          "Please log in first",
	http.StatusForbidden:             "You cannot do that here",
	http.StatusNotFound:              "There is nothing here",
	http.StatusConflict:              "That clashes with the current state",
	http.StatusRequestEntityTooLarge: "That is too large",
	http.StatusTooManyRequests:       "Too many requests",
	http.StatusServiceUnavailable:    "Atrium is unavailable for a moment",
}

// Error shows a problem as the "error" page with its status.
func (v *Views) Error(w http.ResponseWriter, r *http.Request, p respond.Problem) {
	d := errorData{Frame: v.Frame(r, p.Title, ""), Status: p.Status, Heading: errorHeadings[p.Status], Detail: p.Detail, Hint: errorHints[p.Status]}
	d.Notice = "" // a confirmation from the address does not belong on an error
	if d.Heading == "" {
		d.Heading = "Something went wrong on our side"
	}
	if p.Status == http.StatusUnauthorized {
		d.Login = "/login"
		if r.Method == http.MethodGet {
			d.Login += "?next=" + url.QueryEscape(r.URL.RequestURI())
		}
	}
	v.Render(w, r, p.Status, "error", d)
}

// ServeStatic serves an embedded file, or reports false if there is none at
// that address. The hash in the address must be the file's current hash, so
// a cached copy can live forever: a new release changes the address.
func (v *Views) ServeStatic(w http.ResponseWriter, r *http.Request) bool {
	a, ok := v.assets[r.PathValue("file")]
	if !ok || a.hash != r.PathValue("hash") {
		return false
	}
	w.Header().Set("Content-Type", a.ctype)
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	w.Header().Set("ETag", `"`+a.hash+`"`)
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(a.body))
	return true
}

// FormStatus is the status for an error a person can fix by changing what
// they typed; other errors (a dead database, a bug) are not form errors.
func FormStatus(err error) (int, bool) {
	switch atrium.KindOf(err) {
	case atrium.Invalid:
		return http.StatusUnprocessableEntity, true
	case atrium.Conflict:
		return http.StatusConflict, true
	case atrium.Forbidden:
		return http.StatusForbidden, true
	case atrium.TooLarge:
		return http.StatusRequestEntityTooLarge, true
	}
	return 0, false
}

// ParseForm reads a form body within respond.MaxBodyBytes.
func ParseForm(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, respond.MaxBodyBytes)
	if err := r.ParseForm(); err != nil {
		return atrium.Wrap(atrium.Invalid, err, "the form could not be read")
	}
	return nil
}

// Pager links to the pages around the current one, keeping the filters.
type Pager struct {
	From, To, Total int
	Prev, Next      string
}

// Anchor makes the pager's links land on the element with the given id.
func (pg *Pager) Anchor(id string) {
	for _, l := range []*string{&pg.Prev, &pg.Next} {
		if *l != "" {
			*l += "#" + id
		}
	}
}

// NewPager builds the pager of a list page showing shown items of total
// from p; next is the token of the following page ("" on the last).
func NewPager(r *http.Request, p atrium.PageRequest, total, shown int, next string) Pager {
	pg := Pager{Total: total}
	if shown > 0 {
		pg.From, pg.To = p.Offset+1, p.Offset+shown
	}
	link := func(token string) string {
		q := r.URL.Query()
		q.Del("notice")
		q.Del("page_token")
		if token != "" {
			q.Set("page_token", token)
		}
		return r.URL.Path + "?" + q.Encode()
	}
	if next != "" {
		pg.Next = link(next)
	}
	if p.Offset > 0 {
		// A token for offset n is the "next" token of a page of size n.
		prev := max(0, p.Offset-p.Size)
		token := ""
		if prev > 0 {
			token = atrium.PageRequest{Size: prev}.NextToken(prev + 1)
		}
		pg.Prev = link(token)
	}
	return pg
}

// Asset returns the address and content of a static file.
func (v *Views) Asset(name string) (href string, body []byte, ok bool) {
	a, ok := v.assets[name]
	if !ok {
		return "", nil, false
	}
	return "/static/" + a.hash + "/" + name, a.body, true
}

// FormFailed answers a form that could not be saved. An error the person can
// fix (see FormStatus) shows the page again, loaded fresh by load, with keep
// putting back what they typed and the reason; anything else — a refusal
// too, since whoever lacks the role does not see the form — goes to fail.
func FormFailed[D any](v *Views, w http.ResponseWriter, r *http.Request, err error, fail func(http.ResponseWriter, *http.Request, error),
	page string, load func(*http.Request) (D, error), keep func(d *D, msg string)) {
	status, ok := FormStatus(err)
	if !ok || status == http.StatusForbidden {
		fail(w, r, err)
		return
	}
	d, lerr := load(r)
	if lerr != nil {
		fail(w, r, lerr)
		return
	}
	keep(&d, atrium.MessageOf(err))
	v.Render(w, r, status, page, d)
}
