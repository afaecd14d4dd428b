// Package markdown turns the Markdown people write — section content,
// comments, decision text, later pages, documents and release notes — into
// HTML that is safe to insert into a page.
package markdown

import (
	"bytes"
	"fmt"
	"html"
	"html/template"
	"net/url"
	"regexp"
	"strings"
	"sync/atomic"

	"github.com/atrium-mlops/atrium/internal/atrium"
	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
)

// Markdown is rendered in two independent steps so that a flaw in one is
// caught by the other: goldmark drops raw HTML and blanks dangerous link
// targets, then bluemonday keeps only an allow-list of elements, attributes
// and URL schemes.
var (
	md = goldmark.New(
		goldmark.WithExtensions(
			extension.NewTable(extension.WithTableCellAlignMethod(extension.TableCellAlignAttribute)),
			extension.Strikethrough,
			extension.TaskList,
			extension.Linkify,
		),
		goldmark.WithParserOptions(parser.WithASTTransformers(util.Prioritized(relTransformer{}, 1000))),
		// No html.WithUnsafe: raw HTML in the source becomes a comment.
	)
	policy = newPolicy()
	// javascriptRE matches the scheme wherever it survives as visible text.
	javascriptRE = regexp.MustCompile(`(?i)(javascript|vbscript):`)
)

func newPolicy() *bluemonday.Policy {
	// UGCPolicy already allows only parseable http, https, mailto and
	// relative URLs, no data: images, no style attributes, no iframes and
	// no forms; the tests pin each of these down.
	p := bluemonday.UGCPolicy()
	p.AllowAttrs("rel").Matching(regexp.MustCompile(`^noopener$`)).OnElements("a")
	p.RequireNoFollowOnLinks(true)
	p.RequireNoReferrerOnLinks(true)
	// Task-list check boxes; goldmark always renders them disabled.
	p.AllowAttrs("type").Matching(regexp.MustCompile(`^checkbox$`)).OnElements("input")
	p.AllowAttrs("checked", "disabled").Matching(regexp.MustCompile(`^$`)).OnElements("input")
	p.AllowAttrs("align").Matching(regexp.MustCompile(`^(left|right|center)$`)).OnElements("th", "td")
	return p
}

// relTransformer marks every link noopener; bluemonday adds nofollow and
// noreferrer.
type relTransformer struct{}

func (relTransformer) Transform(doc *ast.Document, src text.Reader, _ parser.Context) {
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		// A link whose target goldmark blanks gets no attribute at all, so
		// the sanitiser drops the empty <a> and only its text remains.
		switch l := n.(type) {
		case *ast.Link:
			if allowedURL(string(l.Destination)) {
				l.SetAttributeString("rel", []byte("noopener"))
			}
		case *ast.AutoLink:
			if l.AutoLinkType == ast.AutoLinkEmail || allowedURL(string(l.URL(src.Source()))) {
				l.SetAttributeString("rel", []byte("noopener"))
			}
		}
		return ast.WalkContinue, nil
	})
}

// Limits on the work one text may ask of the renderer. CommonMark parsers
// spend time that grows faster than the input on some shapes — thousands of
// emphasis marks or link brackets in one paragraph, quotes nested thousands
// deep — and a 50,000-character section of them takes seconds to render.
// Text past these limits is refused when it is saved, with a message that
// says which limit and how to fix it; text already stored is shown as plain
// text instead of being rendered.
const (
	// MaxNesting is how deeply block quotes and lists may sit inside each
	// other on one line.
	MaxNesting = 16
	// MaxEmphasisMarks is how many runs of *, _ or ~ one paragraph may hold.
	MaxEmphasisMarks = 1_000
	// MaxBrackets is how many [ one paragraph may hold.
	MaxBrackets = 500
	// maxGrowth bounds the rendered HTML relative to its source, so that a
	// short text cannot turn into megabytes on every read.
	maxGrowth      = 5
	maxGrowthSlack = 4 << 10
)

// renders counts Markdown renderings since start; reads serve stored HTML,
// so it grows with saves, not with page views.
var renders atomic.Uint64

// Renders reports how many times Markdown has been rendered by this process.
func Renders() uint64 { return renders.Load() }

// RenderChecked renders Markdown to HTML that is safe to insert into a page
// (see Render) and refuses, as invalid, text that would ask the
// renderer for too much work or grow too large. what names the text in the
// message ("the content", "the comment").
func RenderChecked(what, src string) (template.HTML, error) {
	if why := complexity(src); why != "" {
		return "", atrium.Errorf(atrium.Invalid, "%s cannot be formatted: %s", what, why)
	}
	renders.Add(1)
	var buf bytes.Buffer
	if err := md.Convert([]byte(src), &buf); err != nil {
		// goldmark only fails on writer errors, which a bytes.Buffer never
		// returns; show the text escaped rather than nothing.
		return plain(src), nil
	}
	out := policy.SanitizeBytes(buf.Bytes())
	// A blocked link leaves its text behind, so "javascript:" can remain as
	// harmless visible text. Writing the colon as an entity keeps what people
	// see unchanged while the literal scheme never appears in the page, which
	// keeps the simple page-wide XSS checks meaningful.
	out = javascriptRE.ReplaceAll(out, []byte("$1&#58;"))
	if limit := maxGrowth*len(src) + maxGrowthSlack; len(out) > limit {
		return "", atrium.Errorf(atrium.Invalid, "%s cannot be formatted: it would become %d KB of HTML, more than %d times its length; "+
			"split it or use less markup", what, len(out)>>10, maxGrowth)
	}
	return template.HTML(out), nil
}

// Render renders section content, comments and decision text to
// HTML that is safe to insert into a page: CommonMark with GitHub tables,
// strikethrough, task lists and autolinks; no raw HTML, no scripts, no
// styles, links only to http, https, mailto and relative addresses. Text
// past the renderer's limits is shown escaped, as preformatted plain text.
func Render(src string) template.HTML {
	out, err := RenderChecked("the text", src)
	if err != nil {
		return plain(src)
	}
	return out
}

// plain shows text exactly as written, escaped, for text that cannot be
// rendered as Markdown.
func plain(src string) template.HTML {
	return template.HTML(`<pre class="md-plain">` + template.HTMLEscapeString(src) + "</pre>")
}

// complexity says why src would ask the renderer for too much work, or
// returns "". It reads each line once: nesting is counted in the markers a
// line starts with, and emphasis marks and brackets per paragraph (lines up
// to a blank one). Fenced code is skipped, as the renderer does not parse
// inside it.
func complexity(src string) string {
	var fence string
	marks, brackets := 0, 0
	for line := range strings.SplitSeq(src, "\n") {
		depth, rest := containers(line)
		if fence != "" {
			if strings.HasPrefix(strings.TrimLeft(rest, " "), fence) {
				fence = ""
			}
			continue
		}
		if f := fenceOf(rest); f != "" {
			fence = f
			continue
		}
		if depth > MaxNesting {
			return fmt.Sprintf("it nests quotes or lists %d deep on one line, and at most %d levels are allowed", depth, MaxNesting)
		}
		if strings.TrimSpace(rest) == "" {
			marks, brackets = 0, 0
			continue
		}
		for i := 0; i < len(rest); i++ {
			switch c := rest[i]; c {
			case '*', '_', '~':
				if i == 0 || rest[i-1] != c {
					marks++
				}
			case '[':
				brackets++
			}
		}
		if marks > MaxEmphasisMarks {
			return fmt.Sprintf("one paragraph has more than %d runs of *, _ or ~; put blank lines between paragraphs or remove some of these marks", MaxEmphasisMarks)
		}
		if brackets > MaxBrackets {
			return fmt.Sprintf("one paragraph has more than %d [ brackets; put blank lines between paragraphs or remove some brackets", MaxBrackets)
		}
	}
	return ""
}

// containers counts the block-quote and list markers a line starts with and
// returns what follows them.
func containers(line string) (int, string) {
	depth := 0
	for {
		rest := strings.TrimLeft(line, " \t")
		switch {
		case strings.HasPrefix(rest, ">"):
			line = rest[1:]
		case len(rest) >= 2 && strings.ContainsRune("-*+", rune(rest[0])) && (rest[1] == ' ' || rest[1] == '\t'):
			line = rest[2:]
		default:
			n := 0
			for n < len(rest) && n < 10 && rest[n] >= '0' && rest[n] <= '9' {
				n++
			}
			if n == 0 || n+1 >= len(rest) || (rest[n] != '.' && rest[n] != ')') || (rest[n+1] != ' ' && rest[n+1] != '\t') {
				return depth, line
			}
			line = rest[n+2:]
		}
		depth++
	}
}

// fenceOf returns the fence a line opens (``` or ~~~, at least three), or "".
func fenceOf(line string) string {
	rest := strings.TrimLeft(line, " ")
	if len(line)-len(rest) > 3 || len(rest) < 3 || (rest[0] != '`' && rest[0] != '~') {
		return ""
	}
	n := 0
	for n < len(rest) && rest[n] == rest[0] {
		n++
	}
	if n < 3 {
		return ""
	}
	return rest[:n]
}

// allowedURL reports whether a link target is relative or uses one of the
// schemes people may link to.
// It reads the target as a browser would: entities decoded, and tabs,
// newlines and other control characters removed.
func allowedURL(raw string) bool {
	s := strings.Map(func(r rune) rune {
		if r <= ' ' || r == 0x7f {
			return -1
		}
		return r
	}, html.UnescapeString(raw))
	u, err := url.Parse(s)
	if err != nil {
		return false
	}
	switch strings.ToLower(u.Scheme) {
	case "", "http", "https", "mailto":
		return true
	}
	return false
}
