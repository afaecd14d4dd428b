package markdown

import (
	"regexp"
	"strings"
	"testing"

	"github.com/atrium-mlops/atrium/internal/markdown/markdowntest"
)

var (
	tagRE     = regexp.MustCompile(`<[^>]*>`)
	onAttrRE  = regexp.MustCompile(`(?i)\son[a-z]+\s*=`)
	badURLRE  = regexp.MustCompile(`(?i)(href|src|action|formaction|xlink:href)\s*=\s*"?\s*(javascript|vbscript|data):`)
	forbidden = regexp.MustCompile(`(?i)<\s*/?\s*(script|iframe|form|object|embed|svg|math|style|link|meta|base|input[^>]*type="(?:text|submit|image|hidden))`)
)

// unsafeHTML lists what in rendered HTML could run script: a script-like
// element, an event handler attribute, a style attribute or a link to a
// script or data URL. Every '<' in sanitised output starts a real tag (text
// '<' is escaped), so looking inside tags is exact.
func unsafeHTML(out string) []string {
	var problems []string
	if strings.Contains(strings.ToLower(out), "<script") {
		problems = append(problems, "contains <script")
	}
	if strings.Contains(strings.ToLower(out), "javascript:") {
		problems = append(problems, "contains javascript:")
	}
	if forbidden.MatchString(out) {
		problems = append(problems, "contains a forbidden element")
	}
	for _, tag := range tagRE.FindAllString(out, -1) {
		if onAttrRE.MatchString(tag) || strings.Contains(strings.ToLower(tag), "style=") || badURLRE.MatchString(tag) {
			problems = append(problems, "unsafe tag "+tag)
		}
	}
	return problems
}

func TestUnsafeHTMLDetects(t *testing.T) {
	for _, bad := range []string{
		`<script>x</script>`, `<a href="JavaScript:x">`, `<img src=x onerror=y>`, `<p style="x">`,
		`<img src="data:image/png;base64,AA">`, `<iframe src=x>`, `<svg>`,
	} {
		if len(unsafeHTML(bad)) == 0 {
			t.Errorf("unsafeHTML(%q) found nothing", bad)
		}
	}
	if p := unsafeHTML(`<p><code>&lt;img onerror=x&gt;</code> <a href="https://x" rel="nofollow">y</a></p>`); len(p) != 0 {
		t.Errorf("unsafeHTML(safe) = %v, want nothing", p)
	}
}

func TestRenderIsInert(t *testing.T) {
	for _, src := range markdowntest.XSSPayloads {
		out := string(Render(src))
		if p := unsafeHTML(out); len(p) > 0 {
			t.Errorf("Render(%q) = %q: %v", src, out, p)
		}
	}
}

func TestRender(t *testing.T) {
	for _, tc := range []struct {
		src  string
		want []string // substrings of the output
		not  []string
	}{
		{"# Title\n\n**bold** and *em*", []string{"<h1>Title</h1>", "<strong>bold</strong>", "<em>em</em>"}, nil},
		{"[site](https://example.org/a?b=1)", []string{`<a href="https://example.org/a?b=1"`, `nofollow`, `noopener`, `noreferrer`}, nil},
		{"[rel](../models/x)", []string{`href="../models/x"`}, nil},
		{"<mailto:team@example.org> and team@example.org", []string{`href="mailto:team@example.org"`}, nil},
		{"see www.example.org", []string{`href="http://www.example.org"`}, nil},
		{"| a | b |\n|:--|--:|\n| 1 | 2 |", []string{"<table>", `<th align="left">a</th>`, `<td align="right">2</td>`}, []string{"style"}},
		{"~~gone~~", []string{"<del>gone</del>"}, nil},
		{"- [x] done\n- [ ] open", []string{`<input checked="" disabled="" type="checkbox"`, `<input disabled="" type="checkbox"`}, nil},
		{"![chart](https://example.org/c.png)", []string{`<img src="https://example.org/c.png" alt="chart">`}, nil},
		{"![x](data:image/png;base64,iVBORw0KGgo=)", nil, []string{"data:"}},
		{"<b>raw</b>", []string{"raw"}, []string{"<b>"}},
		{"`a < b`", []string{"<code>a &lt; b</code>"}, nil},
		{"[x](javascript:alert(1))", []string{"<p>x</p>"}, []string{"<a"}},
		{"[x](&#106;avascript:alert(1))", []string{"<p>x</p>"}, []string{"<a"}},
		{"javascript:void(0) in prose", []string{"javascript&#58;void(0) in prose"}, nil},
	} {
		got := string(Render(tc.src))
		for _, w := range tc.want {
			if !strings.Contains(got, w) {
				t.Errorf("Render(%q) = %q, want it to contain %q", tc.src, got, w)
			}
		}
		for _, w := range tc.not {
			if strings.Contains(got, w) {
				t.Errorf("Render(%q) = %q, want no %q", tc.src, got, w)
			}
		}
	}
}

func TestAllowedURL(t *testing.T) {
	for raw, want := range map[string]bool{
		"https://x.example": true, "http://x": true, "mailto:a@b": true, "../rel": true, "#frag": true,
		"javascript:x": false, "JavaScript:x": false, "&#106;avascript:x": false, "java\tscript:x": false,
		" javascript:x": false, "data:text/html,x": false, "vbscript:x": false, "&#x6A;avascript&#x3A;x": false,
	} {
		if got := allowedURL(raw); got != want {
			t.Errorf("allowedURL(%q) = %v, want %v", raw, got, want)
		}
	}
}
