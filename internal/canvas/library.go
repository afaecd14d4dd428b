package canvas

import "fmt"

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

// Get returns the template with the given id.
func (l *Library) Get(id string) (*Template, bool) {
	t, ok := l.byID[id]
	return t, ok
}

// List returns every template, built-in ones first.
func (l *Library) List() []*Template { return l.order }
