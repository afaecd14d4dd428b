package canvas

import (
	"bytes"
	"encoding/json"
	"strings"
	"unicode"
)

// MarkdownFormat is the version of the Markdown export format. Import
// refuses other versions instead of guessing.
const MarkdownFormat = 1

// Markers of the Markdown export. They are HTML comments, so a Markdown
// viewer shows the document without them, and they always start a line.
const (
	markerPrefix  = "<!-- atrium"
	canvasMarker  = "<!-- atrium:canvas "
	headerMarker  = "<!-- atrium:header -->"
	sectionMarker = "<!-- atrium:section "
	endMarker     = "<!-- atrium:end -->"
	markerSuffix  = " -->"
)

// MaxImport is the largest Markdown file ImportMarkdown reads.
const MaxImport = 2 << 20

type canvasMark struct {
	Format   int    `json:"format"`
	Template string `json:"template"`
}

type sectionMark struct {
	ID     string `json:"id"`
	Status string `json:"status"`
	Owner  string `json:"owner,omitempty"`
}

// ExportMarkdown writes a canvas as a Markdown document people can read and
// edit: the title, the header as a list, each phase as a "##" heading and
// each section as a "###" heading with its status and owner. The data that
// ImportMarkdown reads back sits in HTML-comment markers that start a line:
//
//	<!-- atrium:canvas {"format":1,"template":"…"} -->   (the first line)
//	<!-- atrium:header --> … <!-- atrium:end -->          (lines "- Label: value")
//	<!-- atrium:section {"id":…,"status":…,"owner":…} --> content <!-- atrium:end -->
//
// Content is written as it is, except that a line that would read as a
// marker (any number of backslashes, then "<!-- atrium") gets one more
// backslash in front, which import removes again. Text values that could be
// misread (leading or trailing space, a leading quote, control characters)
// are written as JSON strings. Sections the template does not have are
// left out, as are header values of fields it does not have.
func ExportMarkdown(t *Template, c Canvas) []byte {
	var b bytes.Buffer
	b.WriteString(canvasMarker + mustJSON(canvasMark{Format: MarkdownFormat, Template: t.ID}) + markerSuffix + "\n")
	b.WriteString("# " + encodeValue(c.Title) + "\n\n")
	b.WriteString("*" + mdText(t.Name) + "* — exported from Atrium. Edit the text between the markers; keep the `<!-- atrium… -->` lines as they are.\n\n")
	b.WriteString(headerMarker + "\n")
	for _, f := range t.Header {
		b.WriteString("- " + f.Label + ":")
		if v := c.Header[f.ID]; v != "" {
			b.WriteString(" " + encodeValue(v))
		}
		b.WriteString("\n")
	}
	b.WriteString(endMarker + "\n")
	for _, p := range t.Phases {
		b.WriteString("\n## " + mdText(p.Title) + "\n")
		if p.Purpose != "" {
			b.WriteString("\n*" + mdText(p.Purpose) + "*\n")
		}
		for _, s := range p.Sections {
			exportSection(&b, s, c.Sections[s.ID])
		}
	}
	return b.Bytes()
}

func exportSection(b *bytes.Buffer, def SectionDef, s Section) {
	status := s.Status
	if status == "" {
		status = Empty
	}
	b.WriteString("\n### " + mdText(def.Title) + "\n\n")
	b.WriteString("Status: " + string(status))
	if s.OwnerName != "" {
		b.WriteString(" · Owner: " + mdText(s.OwnerName))
	}
	b.WriteString("\n\n")
	if s.Content == "" {
		for _, p := range def.Prompts {
			b.WriteString("> " + mdText(p) + "\n")
		}
		if len(def.Prompts) > 0 {
			b.WriteString("\n")
		}
	}
	b.WriteString(sectionMarker + mustJSON(sectionMark{ID: def.ID, Status: string(status), Owner: s.OwnerName}) + markerSuffix + "\n")
	if s.Content != "" {
		for _, line := range strings.Split(s.Content, "\n") {
			if looksLikeMarker(line) {
				line = `\` + line
			}
			b.WriteString(line + "\n")
		}
		// The loop wrote one newline more than the content has; import
		// drops it again, which keeps trailing newlines exact.
	}
	b.WriteString(endMarker + "\n")
}

// looksLikeMarker reports whether a content line must be escaped: zero or
// more backslashes followed by the marker prefix.
func looksLikeMarker(line string) bool {
	return strings.HasPrefix(strings.TrimLeft(line, `\`), markerPrefix)
}

// encodeValue writes a one-line value as it is when it reads back
// unchanged, and as a JSON string otherwise.
func encodeValue(v string) string {
	if v == "" || strings.HasPrefix(v, `"`) || strings.TrimSpace(v) != v {
		return mustJSON(v)
	}
	for _, r := range v {
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' {
			return mustJSON(v)
		}
	}
	return v
}

// decodeValue reverses encodeValue.
func decodeValue(v string) (string, error) {
	if !strings.HasPrefix(v, `"`) {
		return v, nil
	}
	var s string
	err := json.Unmarshal([]byte(v), &s)
	return s, err
}

// mdText flattens template or owner text for the readable parts of the
// export, which import ignores.
func mdText(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// mustJSON encodes with HTML escaping on, so "-->" can never appear inside
// a marker and end the comment early.
func mustJSON(v any) string {
	out, err := json.Marshal(v)
	if err != nil {
		panic("canvas: " + err.Error()) // only strings and ints are marshalled
	}
	return string(out)
}
