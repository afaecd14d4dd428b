package chart

import "html/template"

// Chart is anything this package draws.
type Chart interface {
	SVG() ([]byte, error)
}

// Inline draws c for a page template. Marking the bytes as trusted HTML is
// sound only because this package escapes all text and writes no scripts,
// event attributes or foreign links, so the conversion lives here rather
// than in each handler.
func Inline(c Chart) (template.HTML, error) {
	b, err := c.SVG()
	if err != nil {
		return "", err
	}
	return template.HTML(b), nil
}
