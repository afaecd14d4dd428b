package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"html/template"
	"io/fs"
	"mime"
	"net/http"
	"net/url"
	"path"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/atrium-mlops/atrium/internal/atrium"
	"github.com/atrium-mlops/atrium/internal/canvas"
	"github.com/atrium-mlops/atrium/internal/usecase"
)

//go:embed templates static
var files embed.FS

// asset is one embedded static file with the content hash in its address.
type asset struct {
	hash  string
	ctype string
	body  []byte
}

// pages holds the parsed templates, one set per page, and the static files.
type pages struct {
	tmpl   map[string]*template.Template
	assets map[string]asset
}

// loadPages parses every page once: the layout, all partials and the page's
// own file. Any parse error stops the boot.
func loadPages() (*pages, error) {
	p := &pages{tmpl: map[string]*template.Template{}, assets: map[string]asset{}}
	statics, err := fs.Glob(files, "static/*")
	if err != nil {
		return nil, err
	}
	for _, name := range statics {
		body, err := files.ReadFile(name)
		if err != nil {
			return nil, err
		}
		sum := sha256.Sum256(body)
		ctype := mime.TypeByExtension(path.Ext(name))
		if ctype == "" {
			ctype = "application/octet-stream"
		}
		p.assets[path.Base(name)] = asset{hash: hex.EncodeToString(sum[:8]), ctype: ctype, body: body}
	}
	names, err := fs.Glob(files, "templates/pages/*.html")
	if err != nil {
		return nil, err
	}
	for _, name := range names {
		t, err := template.New("layout.html").Funcs(p.funcs()).ParseFS(files, "templates/layout.html", "templates/partials/*.html", name)
		if err != nil {
			return nil, fmt.Errorf("templates: %w", err)
		}
		p.tmpl[strings.TrimSuffix(path.Base(name), ".html")] = t
	}
	return p, nil
}

func (p *pages) funcs() template.FuncMap {
	return template.FuncMap{
		"asset": func(name string) (string, error) {
			a, ok := p.assets[name]
			if !ok {
				return "", fmt.Errorf("no static file %q", name)
			}
			return "/static/" + a.hash + "/" + name, nil
		},
		"when":     when,
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
		"title":    func(v any) string { return capitalise(fmt.Sprint(v)) },
		"sentence": sentence,
		"inc":      func(i int) int { return i + 1 },
		"dec":      func(i int) int { return i - 1 },
		// Canvas pages.
		"markdown":         markdown,
		"statusClass":      statusClass,
		"statuses":         func() []canvas.Status { return canvas.Statuses },
		"phaseClass":       func(i int) string { return fmt.Sprintf("phase-%d", i%6+1) },
		"segments":         tallySegments,
		"firstItems":       firstItems,
		"initials":         initials,
		"kindLabel":        kindLabel,
		"comparators":      func() []canvas.Comparator { return canvas.Comparators },
		"measuredAt":       func() []string { return canvas.MeasuredAt },
		"kinds":            func() []stakeholderKind { return stakeholderKinds },
		"decisionStatuses": func() []string { return canvas.DecisionStatuses },
		"clip":             clip,
		"errorLine":        errorLine,
		"fieldsFor":        fieldsFor,
		"part":             func(label, text string) decisionPart { return decisionPart{label, text} },
	}
}

func capitalise(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 {
		return s
	}
	return string(unicode.ToUpper(r)) + s[n:]
}

// sentence turns an error message ("name is required") into a sentence
// ("Name is required.").
func sentence(s string) string {
	s = capitalise(strings.TrimSpace(s))
	if s != "" && !strings.ContainsAny(s[len(s)-1:], ".!?") {
		s += "."
	}
	return s
}

// when formats a time for people: day, month, year and minutes, in UTC so
// that everyone on a team reads the same thing.
func when(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.UTC().Format("2 Jan 2006, 15:04") + " UTC"
}

// frame is what the layout needs on every page; each page's data embeds it.
type frame struct {
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

// frame fills the layout data for a page.
func (s *Server) frame(r *http.Request, title, section string) frame {
	a, ok := atrium.ActorFrom(r.Context())
	return frame{Title: title, Section: section, Me: a, SignedIn: ok, Release: s.opts.Version, Notice: notices[r.URL.Query().Get("notice")]}
}

// notices are the confirmations shown after a redirect. The query names one;
// the text always comes from here, so a link cannot put words on the page.
var notices = map[string]string{
	"created":          "Use case created.",
	"saved":            "Changes saved.",
	"password-changed": "Password changed. Other browsers signed in to your account have been logged out.",
	"moved":            "Stage changed.",
	"archived":         "Use case archived. It no longer appears in the list unless you show archived use cases.",
	"restored":         "Use case restored.",
	"granted":          "Access updated.",
	"revoked":          "Access removed.",
	"token-gone":       "Token revoked. Scripts that use it will stop working.",
	"user-created":     "User created.",
	"user-saved":       "User updated.",
	"team-created":     "Team created.",
	"member-added":     "Member added.",
	"member-gone":      "Member removed.",
	// Canvases, people and decisions.
	"canvas-created":    "Canvas created. Start with any section; empty ones show questions to answer.",
	"canvas-imported":   "Canvas imported from Markdown.",
	"header-saved":      "Header saved.",
	"section-saved":     "Section saved.",
	"status-saved":      "Status changed.",
	"comment-added":     "Comment added.",
	"objective-added":   "Objective added.",
	"objective-gone":    "Objective removed.",
	"published":         "Iteration published. It is frozen; later edits go into the next one.",
	"stakeholder-added": "Added to the register.",
	"stakeholder-saved": "Register entry saved.",
	"stakeholder-gone":  "Removed from the register.",
	"decision-created":  "Decision recorded.",
	"decision-saved":    "Decision updated.",
}

// render executes a page into a buffer first, so a template error becomes a
// clean 500 instead of half a page. Pages are never cached: they show
// personal data, and a back button after logout must not reveal it.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, page string, data any) {
	s.renderRoot(w, r, status, page, "layout", data)
}

// renderRoot executes the named root template of a page: "layout" for
// every page in the site's frame, another for a standalone document such as
// the print poster.
func (s *Server) renderRoot(w http.ResponseWriter, r *http.Request, status int, page, root string, data any) {
	t, ok := s.pages.tmpl[page]
	if !ok {
		s.fail(w, r, fmt.Errorf("no page template %q", page))
		return
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, root, data); err != nil {
		s.log.Error("render page", "request_id", atrium.RequestIDFrom(r.Context()), "page", page, "err", err)
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
	frame
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

// renderError shows a problem as a page with its status.
func (s *Server) renderError(w http.ResponseWriter, r *http.Request, p Problem) {
	d := errorData{frame: s.frame(r, p.Title, ""), Status: p.Status, Heading: errorHeadings[p.Status], Detail: p.Detail, Hint: errorHints[p.Status]}
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
	s.render(w, r, p.Status, "error", d)
}

// static serves an embedded file. The hash in the address must be the
// file's current hash, so a cached copy can live forever: a new release
// changes the address.
func (s *Server) static(w http.ResponseWriter, r *http.Request) {
	a, ok := s.pages.assets[r.PathValue("file")]
	if !ok || a.hash != r.PathValue("hash") {
		s.fail(w, r, errNoRoute)
		return
	}
	w.Header().Set("Content-Type", a.ctype)
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	w.Header().Set("ETag", `"`+a.hash+`"`)
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(a.body))
}

// formStatus is the status for an error a person can fix by changing what
// they typed; other errors (a dead database, a bug) are not form errors.
func formStatus(err error) (int, bool) {
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

// parseForm reads a form body within MaxBodyBytes.
func parseForm(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, MaxBodyBytes)
	if err := r.ParseForm(); err != nil {
		return atrium.Wrap(atrium.Invalid, err, "the form could not be read")
	}
	return nil
}

// pager links to the pages around the current one, keeping the filters.
type pager struct {
	From, To, Total int
	Prev, Next      string
}

// anchor makes the pager's links land on the element with the given id.
func (pg *pager) anchor(id string) {
	for _, l := range []*string{&pg.Prev, &pg.Next} {
		if *l != "" {
			*l += "#" + id
		}
	}
}

func newPager(r *http.Request, p atrium.PageRequest, total, shown int, next string) pager {
	pg := pager{Total: total}
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
