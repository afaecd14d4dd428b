package render

import (
	"net/url"
	"strconv"
	"strings"

	"github.com/atrium-mlops/atrium/internal/canvas"
	"github.com/atrium-mlops/atrium/internal/usecase"
)

// Addresses that pages of several features link to.

// UseCasePath is the address of a use case's page.
func UseCasePath(slug string) string { return "/usecases/" + url.PathEscape(slug) }

// CanvasPath is the address of a canvas's poster.
func CanvasPath(slug, id string) string {
	return UseCasePath(slug) + "/canvases/" + url.PathEscape(id)
}

// UseCaseRef names a use case in breadcrumbs and headings.
type UseCaseRef struct{ Slug, Name string }

// StatusClass is the CSS class of a section status badge.
func StatusClass(st canvas.Status) string {
	if st == "" {
		st = canvas.Empty
	}
	return "status-" + strings.ReplaceAll(string(st), " ", "-")
}

// Segment is one stretch of a completeness bar.
type Segment struct {
	Class string
	X, W  string
}

// TallySegments splits a completeness bar into agreed, in review and draft
// stretches; the rest of the track reads as empty.
func TallySegments(t canvas.Tally) []Segment {
	if t.Total <= 0 {
		return nil
	}
	var out []Segment
	x := 0.0
	for _, part := range []struct {
		class string
		n     int
	}{{"seg-agreed", t.Agreed}, {"seg-review", t.InReview}, {"seg-draft", t.Draft}} {
		if part.n == 0 {
			continue
		}
		w := float64(part.n) * 100 / float64(t.Total)
		out = append(out, Segment{Class: part.class, X: strconv.FormatFloat(x, 'f', 2, 64), W: strconv.FormatFloat(w, 'f', 2, 64)})
		x += w
	}
	return out
}

// RefOf is the reference to u.
func RefOf(u usecase.UseCase) UseCaseRef { return UseCaseRef{Slug: u.Slug, Name: u.Name} }
