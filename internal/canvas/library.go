package canvas

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// Library is the set of templates a server offers: the built-in ones and any
// a team added from a folder.
type Library struct {
	byID  map[string]*Template
	order []*Template
}

// NewLibrary builds a library; two templates with one id are refused, naming
// both sources.
func NewLibrary(ts ...*Template) (*Library, error) {
	l := &Library{byID: map[string]*Template{}}
	for _, t := range ts {
		if prev, dup := l.byID[t.ID]; dup {
			return nil, fmt.Errorf("%s: template id %q is already used by %s", t.Source, t.ID, prev.Source)
		}
		l.byID[t.ID] = t
		l.order = append(l.order, t)
	}
	return l, nil
}

// LoadLibrary returns the built-in templates plus every *.yaml and *.yml
// file directly inside dir (none when dir is ""). One invalid file refuses
// the whole load, so a server never starts with half of a team's templates.
func LoadLibrary(dir string) (*Library, error) {
	ts := append([]*Template(nil), Builtin()...)
	if dir != "" {
		entries, err := os.ReadDir(dir)
		if err != nil {
			return nil, fmt.Errorf("templates folder: %w", err)
		}
		for _, e := range entries {
			ext := strings.ToLower(filepath.Ext(e.Name()))
			if e.IsDir() || (ext != ".yaml" && ext != ".yml") {
				continue
			}
			path := filepath.Join(dir, e.Name())
			data, err := readTemplateFile(path)
			if err != nil {
				return nil, err
			}
			t, err := ParseTemplate(path, data)
			if err != nil {
				return nil, err
			}
			ts = append(ts, t)
		}
	}
	return NewLibrary(ts...)
}

// readTemplateFile reads one template file of at most maxTemplateBytes. The
// folder is the operator's, but a stray FIFO would hang the start with no
// word and a link to a device would read until memory runs out, so only
// regular files (directly or through a symbolic link) are read, and never
// more than one byte past the limit.
func readTemplateFile(path string) ([]byte, error) {
	// Stat before opening: opening a FIFO blocks until a writer appears.
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if err := checkTemplateFile(path, fi); err != nil {
		return nil, err
	}
	// O_NONBLOCK keeps open from hanging should the file be swapped for a
	// FIFO after the Stat above; it changes nothing for a regular file.
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	defer f.Close()
	// What was opened is what counts, whatever the name pointed at before.
	if fi, err = f.Stat(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if err := checkTemplateFile(path, fi); err != nil {
		return nil, err
	}
	data, err := io.ReadAll(io.LimitReader(f, maxTemplateBytes+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(data) > maxTemplateBytes {
		// The file grew after the size check.
		return nil, fmt.Errorf("%s: more than %d bytes, templates are at most 1 MiB", path, maxTemplateBytes)
	}
	return data, nil
}

// checkTemplateFile refuses anything but a regular file within the size limit.
func checkTemplateFile(path string, fi os.FileInfo) error {
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("%s: not a regular file", path)
	}
	if fi.Size() > maxTemplateBytes {
		return fmt.Errorf("%s: %d bytes, templates are at most 1 MiB", path, fi.Size())
	}
	return nil
}

// Get returns the template with the given id.
func (l *Library) Get(id string) (*Template, bool) {
	t, ok := l.byID[id]
	return t, ok
}

// List returns every template, built-in ones first.
func (l *Library) List() []*Template { return l.order }

// Summary is one canvas in a list, with how far it has come.
type Summary struct {
	Canvas       Canvas
	TemplateName string
	Tally        Tally
	Phases       []PhaseCompleteness
	Known        bool // false when the library no longer offers its template
}

// Summarise tallies each canvas against its template in l.
func (l *Library) Summarise(list []Canvas) []Summary {
	out := make([]Summary, 0, len(list))
	for _, c := range list {
		s := Summary{Canvas: c, TemplateName: c.TemplateID}
		if t, ok := l.Get(c.TemplateID); ok {
			comp := CompletenessOf(t, c)
			s.TemplateName, s.Tally, s.Phases, s.Known = t.Name, comp.Overall, comp.Phases, true
		}
		out = append(out, s)
	}
	return out
}
