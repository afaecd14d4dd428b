package canvas

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/atrium-mlops/atrium/internal/atrium"
)

// Imported is a canvas read back from a Markdown export.
type Imported struct {
	TemplateID string                  `json:"template"`
	Title      string                  `json:"title"`
	Header     map[string]string       `json:"header"`
	Sections   map[string]SnapshotItem `json:"sections"`
}

// ImportMarkdown reads a document written by ExportMarkdown, possibly
// edited since. Line endings are normalised to LF (CRLF and lone CR); a
// UTF-8 byte order mark is ignored. Only the markers and the text between
// them are read: the readable headings and status lines are for people.
// Every problem is reported with its line number.
func ImportMarkdown(lib *Library, data []byte) (Imported, error) {
	if len(data) > MaxImport {
		return Imported{}, atrium.Errorf(atrium.TooLarge, "the file is larger than 2 MiB")
	}
	if !utf8.Valid(data) {
		return Imported{}, atrium.Errorf(atrium.Invalid, "the file is not valid UTF-8 text")
	}
	data = bytes.TrimPrefix(data, []byte("\uFEFF"))
	im := &importer{lib: lib, lines: strings.Split(atrium.NormalizeNewlines(string(data)), "\n")}
	if err := im.run(); err != nil {
		return Imported{}, err
	}
	return im.out, nil
}

type importer struct {
	lib       *Library
	t         *Template
	lines     []string
	out       Imported
	titleSeen bool
	seen      map[string]int // section id → line of its marker
}

func lineErr(n int, format string, args ...any) error {
	return atrium.Errorf(atrium.Invalid, "line %d: %s", n, fmt.Sprintf(format, args...))
}

func (im *importer) run() error {
	if err := im.start(im.lines[0]); err != nil {
		return err
	}
	im.seen = map[string]int{}
	headerDone := false
	for i := 1; i < len(im.lines); i++ {
		line, n := im.lines[i], i+1
		switch {
		case line == headerMarker:
			if headerDone {
				return lineErr(n, "the header appears twice")
			}
			headerDone = true
			end, err := im.header(i + 1)
			if err != nil {
				return err
			}
			i = end
		case strings.HasPrefix(line, sectionMarker):
			end, err := im.section(i)
			if err != nil {
				return err
			}
			i = end
		case line == endMarker:
			return lineErr(n, "%s closes nothing here", endMarker)
		case strings.HasPrefix(line, markerPrefix):
			return lineErr(n, "unknown marker %q", atrium.Truncate(line, 60))
		case !im.titleSeen && !headerDone && len(im.seen) == 0 && (line == "#" || strings.HasPrefix(line, "# ")):
			if err := im.title(n, strings.TrimPrefix(strings.TrimPrefix(line, "#"), " ")); err != nil {
				return err
			}
		}
	}
	if !im.titleSeen {
		return atrium.Errorf(atrium.Invalid, "line 2: the canvas title is missing (a line \"# Title\" before the header)")
	}
	return nil
}

func (im *importer) start(first string) error {
	if !strings.HasPrefix(first, canvasMarker) || !strings.HasSuffix(first, markerSuffix) {
		return lineErr(1, "this is not an Atrium canvas export: the first line must be the %s… marker", strings.TrimSpace(canvasMarker))
	}
	var m canvasMark
	if err := strictJSON(strings.TrimSuffix(strings.TrimPrefix(first, canvasMarker), markerSuffix), &m); err != nil {
		return lineErr(1, "the canvas marker is damaged (%v)", err)
	}
	if m.Format != MarkdownFormat {
		return lineErr(1, "the file uses export format %d; this server reads format %d", m.Format, MarkdownFormat)
	}
	t, ok := im.lib.Get(m.Template)
	if !ok {
		return lineErr(1, "template %q is not installed on this server", atrium.Truncate(m.Template, 70))
	}
	im.t = t
	im.out = Imported{TemplateID: t.ID, Header: map[string]string{}, Sections: map[string]SnapshotItem{}}
	return nil
}

func (im *importer) title(n int, raw string) error {
	v, err := decodeValue(raw)
	if err != nil {
		return lineErr(n, "the title is a damaged quoted string")
	}
	if v, err = NormalizeTitle(v); err != nil {
		return lineErr(n, "%s", atrium.MessageOf(err))
	}
	im.out.Title, im.titleSeen = v, true
	return nil
}

// header reads "- Label: value" lines from index i up to the end marker and
// returns the index of that marker.
func (im *importer) header(i int) (int, error) {
	seen := map[string]int{}
	for ; i < len(im.lines); i++ {
		line, n := im.lines[i], i+1
		switch {
		case line == endMarker:
			return i, nil
		case strings.TrimSpace(line) == "":
			continue
		case !strings.HasPrefix(line, "- "):
			return 0, lineErr(n, `a header line looks like "- Label: value"`)
		}
		f, raw, ok := im.matchField(line[2:])
		if !ok {
			name, _, _ := strings.Cut(line[2:], ":")
			return 0, lineErr(n, "header field %q is not in template %q", atrium.Truncate(name, 70), im.t.ID)
		}
		if first, dup := seen[f.ID]; dup {
			return 0, lineErr(n, "header field %q appears twice (first at line %d)", f.Label, first)
		}
		seen[f.ID] = n
		v, err := decodeValue(strings.TrimPrefix(raw, " "))
		if err != nil {
			return 0, lineErr(n, "the value of %q is a damaged quoted string", f.Label)
		}
		if v, err = normalizeField(f, v); err != nil {
			return 0, lineErr(n, "%s", atrium.MessageOf(err))
		}
		if v != "" {
			im.out.Header[f.ID] = v
		}
	}
	return 0, lineErr(len(im.lines), "the header is never closed; add %s after it", endMarker)
}

// matchField finds the field whose label (or id) starts s followed by a
// colon, preferring the longest, and returns the rest after the colon.
func (im *importer) matchField(s string) (Field, string, bool) {
	var best Field
	bestLen := -1
	for _, f := range im.t.Header {
		for _, name := range []string{f.Label, f.ID} {
			if len(name) > bestLen && strings.HasPrefix(s, name+":") {
				best, bestLen = f, len(name)
			}
		}
	}
	if bestLen < 0 {
		return Field{}, "", false
	}
	return best, s[bestLen+1:], true
}

// section reads the section whose marker is at index i and returns the
// index of its end marker.
func (im *importer) section(i int) (int, error) {
	n := i + 1
	var m sectionMark
	raw := strings.TrimPrefix(im.lines[i], sectionMarker)
	if !strings.HasSuffix(raw, markerSuffix) {
		return 0, lineErr(n, "the section marker must end with %q", markerSuffix)
	}
	if err := strictJSON(strings.TrimSuffix(raw, markerSuffix), &m); err != nil {
		return 0, lineErr(n, "the section marker is damaged (%v)", err)
	}
	if _, _, ok := im.t.Section(m.ID); !ok {
		return 0, lineErr(n, "section %q is not in template %q", atrium.Truncate(m.ID, 70), im.t.ID)
	}
	if first, dup := im.seen[m.ID]; dup {
		return 0, lineErr(n, "section %q appears twice (first at line %d)", m.ID, first)
	}
	im.seen[m.ID] = n
	status, err := ParseStatus(m.Status)
	if err != nil {
		return 0, lineErr(n, "section %q: %s", m.ID, atrium.MessageOf(err))
	}
	owner, err := atrium.CheckText("the owner", m.Owner, MaxTitle, false, false)
	if err != nil {
		return 0, lineErr(n, "section %q: %s", m.ID, atrium.MessageOf(err))
	}
	var body []string
	for j := i + 1; j < len(im.lines); j++ {
		line := im.lines[j]
		if line == endMarker {
			content, err := NormalizeContent(strings.Join(body, "\n"))
			if err != nil {
				return 0, lineErr(n, "section %q: %s", m.ID, atrium.MessageOf(err))
			}
			im.out.Sections[m.ID] = SnapshotItem{Content: content, Status: status, OwnerName: owner}
			return j, nil
		}
		if strings.HasPrefix(line, markerPrefix) {
			return 0, lineErr(j+1, "section %q (line %d) is not closed before this marker; add %s after its content", m.ID, n, endMarker)
		}
		if strings.HasPrefix(line, `\`) && looksLikeMarker(line) {
			line = line[1:]
		}
		body = append(body, line)
	}
	return 0, lineErr(n, "section %q is never closed; add %s after its content", m.ID, endMarker)
}

func strictJSON(s string, v any) error {
	dec := json.NewDecoder(strings.NewReader(s))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return fmt.Errorf("unexpected text after the data")
	}
	return nil
}
