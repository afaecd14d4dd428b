package canvas

import (
	"bytes"
	"fmt"
	"maps"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/atrium-mlops/atrium/internal/atrium"
	"github.com/atrium-mlops/atrium/internal/markdown/markdowntest"
)

// nastyContent is content that could confuse an export: headings, HTML
// comments, the export's own markers, escaped markers, fences and blank
// lines at either end.
var nastyContent = []string{
	"",
	"\n",
	"\n\n\n",
	"plain",
	"ends with a newline\n",
	"  leading and trailing spaces  ",
	"# A heading\n## Another\n### Third",
	"<!-- a comment -->\n<!-- atrium:end -->\n",
	"<!-- atrium:section {\"id\":\"background\",\"status\":\"agreed\"} -->",
	`\<!-- atrium:end -->` + "\n" + `\\\<!-- atrium:header -->`,
	"<!-- atrium",
	"```\n<!-- atrium:end -->\n```",
	"- [ ] task\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n\n",
	"\ttabbed\n\t\tmore",
	"ünïcödé ☃ — “quotes” \u2028 separator",
	"-->\n--> <!--",
	"\"quoted\"",
	"<!-- atrium:canvas {\"format\":1,\"template\":\"x\"} -->",
	"# \"\"",
}

func randomContent(rng *rand.Rand) string {
	parts := []string{"word", " ", "\n", "\n\n", "#", "# ", "<!-- atrium:end -->", "<!-- atrium", `\`, "-->", "<!--", "\t", "\"", "- ", "```", "é", ":", "<script>"}
	var b strings.Builder
	for range rng.IntN(40) {
		b.WriteString(parts[rng.IntN(len(parts))])
	}
	return b.String()
}

func randomLine(rng *rand.Rand) string {
	parts := []string{"a", " ", "\"", ":", "- ", "#", "<!-- atrium:end -->", "é", "Label: x", "\\"}
	var b strings.Builder
	for range 1 + rng.IntN(10) {
		b.WriteString(parts[rng.IntN(len(parts))])
	}
	v, err := NormalizeTitle(b.String())
	if err != nil {
		return "x"
	}
	return v
}

func randomCanvas(rng *rand.Rand, tpl *Template, i int) Canvas {
	c := Canvas{Title: randomLine(rng), Header: map[string]string{}, Sections: map[string]Section{}}
	for _, f := range tpl.Header {
		switch {
		case rng.IntN(4) == 0:
		case f.Kind == "date":
			c.Header[f.ID] = fmt.Sprintf("20%02d-%02d-%02d", rng.IntN(100), 1+rng.IntN(12), 1+rng.IntN(28))
		case f.Kind == "number":
			c.Header[f.ID] = fmt.Sprint(rng.IntN(1000))
		default:
			c.Header[f.ID] = randomLine(rng)
		}
	}
	for k, id := range tpl.SectionIDs() {
		if i > 0 && rng.IntN(5) == 0 {
			continue // never saved
		}
		content := randomContent(rng)
		if n := i + k; n < len(nastyContent) {
			content = nastyContent[n]
		}
		s := Section{Content: content, Status: Statuses[rng.IntN(len(Statuses))]}
		if rng.IntN(2) == 0 {
			s.OwnerName = randomLine(rng)
		}
		c.Sections[id] = s
	}
	return c
}

func TestMarkdownRoundTrip(t *testing.T) {
	lib, err := NewLibrary(Builtin()...)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(3, 4))
	for _, tpl := range lib.List() {
		for i := range 200 {
			c := randomCanvas(rng, tpl, i)
			if i == 1 {
				c.Sections["background"] = Section{Content: strings.Join(markdowntest.XSSPayloads, "\n"), Status: Draft}
			}
			doc := ExportMarkdown(tpl, c)
			got, err := ImportMarkdown(lib, doc)
			if err != nil {
				t.Fatalf("%s #%d: import: %v\n%s", tpl.ID, i, err, doc)
			}
			if got.TemplateID != tpl.ID || got.Title != c.Title || !maps.Equal(got.Header, c.Header) {
				t.Fatalf("%s #%d: got %q %q %v, want %q %q %v", tpl.ID, i, got.TemplateID, got.Title, got.Header, tpl.ID, c.Title, c.Header)
			}
			for _, id := range tpl.SectionIDs() {
				want := SnapshotItem{Content: c.Sections[id].Content, Status: c.Sections[id].Status, OwnerName: c.Sections[id].OwnerName}
				if want.Status == "" {
					want.Status = Empty
				}
				if g, ok := got.Sections[id]; !ok || g != want {
					t.Fatalf("%s #%d: section %s = %+v (present %v), want %+v\n%s", tpl.ID, i, id, g, ok, want, doc)
				}
			}
			if again := ExportMarkdown(tpl, canvasOf(got)); !bytes.Equal(again, doc) {
				t.Fatalf("%s #%d: export of the import differs from the first export", tpl.ID, i)
			}
		}
	}
}

func canvasOf(im Imported) Canvas {
	c := Canvas{Title: im.Title, Header: im.Header, Sections: map[string]Section{}}
	for id, s := range im.Sections {
		c.Sections[id] = Section{Content: s.Content, Status: s.Status, OwnerName: s.OwnerName}
	}
	return c
}

func TestExportMarkdownReadable(t *testing.T) {
	tpl := builtinByID(t, "human-centric-mlops")
	c := Canvas{
		Title:  "Loan triage",
		Header: map[string]string{"team-name": "Credit", "canvas-date": "2026-11-27"},
		Sections: map[string]Section{
			"problem-definition": {Content: "Too many loan files wait a week.", Status: InReview, OwnerName: "Ana"},
		},
	}
	doc := string(ExportMarkdown(tpl, c))
	for _, want := range []string{
		`<!-- atrium:canvas {"format":1,"template":"human-centric-mlops"} -->` + "\n# Loan triage\n",
		"- Your name:\n- Team: Credit\n- Use case:\n- Date: 2026-11-27\n",
		"\n## Scoping\n",
		"\n### Problem definition\n\nStatus: in review · Owner: Ana\n\n<!-- atrium:section {\"id\":\"problem-definition\",\"status\":\"in review\",\"owner\":\"Ana\"} -->\nToo many loan files wait a week.\n<!-- atrium:end -->\n",
		"\n### Feasibility\n\nStatus: empty\n\n> ",
		"<!-- atrium:section {\"id\":\"feedback-mechanisms\",\"status\":\"empty\"} -->\n<!-- atrium:end -->\n",
	} {
		if !strings.Contains(doc, want) {
			t.Errorf("export lacks %q\n%s", want, doc)
		}
	}
}

func TestImportMarkdownCRLF(t *testing.T) {
	lib, _ := NewLibrary(Builtin()...)
	tpl := builtinByID(t, "mlops-canvas-v0.1")
	c := Canvas{Title: "T", Sections: map[string]Section{"background": {Content: "a\nb\n", Status: Draft}}}
	doc := "\uFEFF" + strings.ReplaceAll(string(ExportMarkdown(tpl, c)), "\n", "\r\n")
	got, err := ImportMarkdown(lib, []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	if s := got.Sections["background"]; s.Content != "a\nb\n" {
		t.Errorf("content = %q, want LF line endings", s.Content)
	}
}

func TestImportMarkdownErrors(t *testing.T) {
	lib, _ := NewLibrary(Builtin()...)
	const head = `<!-- atrium:canvas {"format":1,"template":"mlops-canvas-v0.1"} -->` + "\n# Title\n"
	sec := func(id, status string) string {
		return `<!-- atrium:section {"id":"` + id + `","status":"` + status + `"} -->` + "\ntext\n" + endMarker + "\n"
	}
	for _, tc := range []struct {
		name, doc string
		want      string
		kind      atrium.Kind
	}{
		{"not an export", "# Hello\n", "line 1: this is not an Atrium canvas export: the first line must be the <!-- atrium:canvas… marker", atrium.Invalid},
		{"damaged canvas marker", "<!-- atrium:canvas {\"format\":1, -->\n", "line 1: the canvas marker is damaged", atrium.Invalid},
		{"future format", `<!-- atrium:canvas {"format":2,"template":"mlops-canvas-v0.1"} -->` + "\n", "line 1: the file uses export format 2; this server reads format 1", atrium.Invalid},
		{"unknown template", `<!-- atrium:canvas {"format":1,"template":"risk"} -->` + "\n", `line 1: template "risk" is not installed on this server`, atrium.Invalid},
		{"no title", `<!-- atrium:canvas {"format":1,"template":"mlops-canvas-v0.1"} -->` + "\n\n" + sec("background", "draft"), "line 2: the canvas title is missing", atrium.Invalid},
		{"title too long", `<!-- atrium:canvas {"format":1,"template":"mlops-canvas-v0.1"} -->` + "\n# " + strings.Repeat("t", 201) + "\n", "line 2: the title is too long (201 characters, at most 200)", atrium.Invalid},
		{"unknown section", head + "\n" + sec("background", "draft") + sec("risk", "draft"), `line 7: section "risk" is not in template "mlops-canvas-v0.1"`, atrium.Invalid},
		{"section twice", head + sec("background", "draft") + "\n" + sec("background", "agreed"), `line 7: section "background" appears twice (first at line 3)`, atrium.Invalid},
		{"bad status", head + sec("background", "done"), `line 3: section "background": status "done" is not one of empty, draft, in review, agreed`, atrium.Invalid},
		{"unterminated", head + `<!-- atrium:section {"id":"background","status":"draft"} -->` + "\ntext\nmore\n", `line 3: section "background" is never closed; add <!-- atrium:end --> after its content`, atrium.Invalid},
		{"marker inside section", head + `<!-- atrium:section {"id":"background","status":"draft"} -->` + "\ntext\n" + sec("objectives", "draft"), `line 5: section "background" (line 3) is not closed before this marker`, atrium.Invalid},
		{"stray end", head + "\n" + endMarker + "\n", "line 4: <!-- atrium:end --> closes nothing here", atrium.Invalid},
		{"unknown marker", head + "<!-- atrium:secton {} -->\n", `line 3: unknown marker "<!-- atrium:secton {} -->"`, atrium.Invalid},
		{"unknown section key", head + `<!-- atrium:section {"id":"background","status":"draft","colour":"red"} -->` + "\n" + endMarker + "\n", `line 3: the section marker is damaged (json: unknown field "colour")`, atrium.Invalid},
		{"header field not in template", head + headerMarker + "\n- Product: Fraud\n- Colour: red\n" + endMarker + "\n", `line 5: header field "Colour" is not in template "mlops-canvas-v0.1"`, atrium.Invalid},
		{"header field twice", head + headerMarker + "\n- Product: A\n\n- product-name: B\n" + endMarker + "\n", `line 6: header field "Product" appears twice (first at line 4)`, atrium.Invalid},
		{"header bad date", head + headerMarker + "\n- Date: 27/11/2026\n" + endMarker + "\n", `line 4: Date must be a date written as YYYY-MM-DD (got "27/11/2026")`, atrium.Invalid},
		{"header bad number", head + headerMarker + "\n- Iteration: two\n" + endMarker + "\n", `line 4: Iteration must be a whole number from 0 to 1,000,000,000 (got "two")`, atrium.Invalid},
		{"header not a list", head + headerMarker + "\nProduct: A\n" + endMarker + "\n", `line 4: a header line looks like "- Label: value"`, atrium.Invalid},
		{"header unclosed", head + headerMarker + "\n- Product: A\n", "line 5: the header is never closed", atrium.Invalid},
		{"header twice", head + headerMarker + "\n" + endMarker + "\n" + headerMarker + "\n" + endMarker + "\n", "line 5: the header appears twice", atrium.Invalid},
		{"control character", head + `<!-- atrium:section {"id":"background","status":"draft"} -->` + "\nbell\a\n" + endMarker + "\n", `line 3: section "background": the content contains a control character (U+0007)`, atrium.Invalid},
		{"too large", head + strings.Repeat("x", MaxImport), "the file is larger than 2 MiB", atrium.TooLarge},
		{"not utf-8", head + "\xff\n", "the file is not valid UTF-8 text", atrium.Invalid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ImportMarkdown(lib, []byte(tc.doc))
			if err == nil {
				t.Fatalf("ImportMarkdown passed, want %q", tc.want)
			}
			if !strings.HasPrefix(err.Error(), tc.want) {
				t.Fatalf("err = %q\nwant   %q…", err, tc.want)
			}
			if got := atrium.KindOf(err); got != tc.kind {
				t.Fatalf("KindOf(err) = %q, want %q", got, tc.kind)
			}
		})
	}
}
