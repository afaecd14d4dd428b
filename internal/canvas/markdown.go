package canvas

import (
	"bytes"
	"html"
	"html/template"
	"net/url"
	"regexp"
	"strings"

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
	markdown = goldmark.New(
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

// RenderMarkdown renders section content, comments and decision text to
// HTML that is safe to insert into a page: CommonMark with GitHub tables,
// strikethrough, task lists and autolinks; no raw HTML, no scripts, no
// styles, links only to http, https, mailto and relative addresses.
func RenderMarkdown(src string) template.HTML {
	var buf bytes.Buffer
	if err := markdown.Convert([]byte(src), &buf); err != nil {
		// goldmark only fails on writer errors, which a bytes.Buffer never
		// returns; show the text escaped rather than nothing.
		return template.HTML("<p>" + template.HTMLEscapeString(src) + "</p>")
	}
	out := policy.SanitizeBytes(buf.Bytes())
	// A blocked link leaves its text behind, so "javascript:" can remain as
	// harmless visible text. Writing the colon as an entity keeps what people
	// see unchanged while the literal scheme never appears in the page, which
	// keeps the simple page-wide XSS checks meaningful.
	out = javascriptRE.ReplaceAll(out, []byte("$1&#58;"))
	return template.HTML(out)
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
