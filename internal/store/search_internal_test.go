package store

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/atrium-mlops/atrium/internal/atrium"
	"github.com/atrium-mlops/atrium/internal/canvas"
	"github.com/atrium-mlops/atrium/internal/identity"
	"github.com/atrium-mlops/atrium/internal/store/pgtest"
	"github.com/atrium-mlops/atrium/internal/usecase"
)

// worstCaseSection is the costliest text a section can hold for search:
// one short word as often as the content limit allows, so every word of it
// matches the query "a".
var worstCaseSection = strings.Repeat("a ", canvas.MaxContent/2-1)

func TestSearchTerms(t *testing.T) {
	var hundred []string
	for i := range 100 {
		hundred = append(hundred, fmt.Sprintf("w%d", i))
	}
	tests := []struct {
		name, q string
		want    []string
	}{
		{"one word", "retention", []string{"retention"}},
		{"repeated word kept once", "a a a a", []string{"a"}},
		{"repeats differ in case", "Retention OFFER retention offer", []string{"retention", "offer"}},
		{"capped", strings.Join(hundred, " "), hundred[:maxSearchTerms]},
		{"repeats do not use up the cap", strings.Repeat("x ", 50) + "y", []string{"x", "y"}},
		{"syntax ignored", `"retention" OR NEAR(offer*) -x`, []string{"retention", "or", "near", "offer", "x"}},
		{"punctuation only", `"*" -- (`, nil},
		{"combining mark kept", "e\u0301t\u0301", []string{"e\u0301t\u0301"}},
		{"marks alone", "\u0301 \u0302", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := searchTerms(tt.q); !slices.Equal(got, tt.want) {
				t.Errorf("searchTerms(%q)=%q, want %q", tt.q, got, tt.want)
			}
		})
	}
}

// plain drops a snippet's marks.
func plain(s string) string {
	return strings.NewReplacer(SnippetMarkStart, "", SnippetMarkEnd, "").Replace(s)
}

// mark writes w between the snippet marks.
func mark(w string) string { return SnippetMarkStart + w + SnippetMarkEnd }

func TestSnippet(t *testing.T) {
	long := strings.Repeat("filler ", 100)
	tests := []struct {
		name  string
		text  string
		terms []string
		more  bool
		want  string
	}{
		{"whole short text", "Customers cancel before their retention offer arrives.", []string{"retention"},
			false, "Customers cancel before their " + mark("retention") + " offer arrives."},
		{"case and diacritics folded", "Card holder Überprüfung der Kartendaten.", []string{"uberprufung", "karten"},
			false, "Card holder " + mark("Überprüfung") + " der Kartendaten."},
		{"match far in, with lead words", long + "the retention offer " + long, []string{"retention"},
			false, "…filler filler filler the " + mark("retention") + " offer " + strings.TrimSpace(strings.Repeat("filler ", snippetWords-6)) + "…"},
		{"window with most distinct terms wins", "offer " + long + "retention and offer", []string{"retention", "offer"},
			false, "…filler filler filler filler " + mark("retention") + " and " + mark("offer")},
		{"stored text goes on", "a retention offer", []string{"retention"}, true, "a " + mark("retention") + "…"},
		{"word cut by the fetch is not a match", "a retention", []string{"retent"}, true, "a…"},
		{"word cut by the scan is not a match", strings.Repeat("b ", snippetScan/2-1) + "retention", []string{"re"},
			false, strings.TrimSpace(strings.Repeat("b ", snippetWords)) + "…"},
		{"white space collapsed", "one\n\n\ttwo   retention", []string{"retention"}, false, "one two " + mark("retention")},
		{"long gap shortened", "x" + strings.Repeat("-", 500) + "retention", []string{"retention"}, false, "x … " + mark("retention")},
		{"long word shortened", strings.Repeat("b", 500) + " retention", []string{"retention"}, false, strings.Repeat("b", snippetMaxWord) + "… " + mark("retention")},
		{"no match shows the start", "Two years of call logs.", []string{"gradient"}, false, "Two years of call logs."},
		{"empty text", "", []string{"gradient"}, false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			folded := make([]string, len(tt.terms))
			for i, w := range tt.terms {
				folded[i] = foldWord(w)
			}
			if got, _ := snippet(tt.text, folded, tt.more); got != tt.want {
				t.Errorf("snippet=%q, want %q", got, tt.want)
			}
		})
	}
}

// TestSnippetBoundedWork checks the snippet builder reads a bounded part of
// any text and writes a short passage: before, the databases' snippet
// functions weighed every match against every other.
func TestSnippetBoundedWork(t *testing.T) {
	huge := strings.Repeat("a", 200_000)
	tests := []struct {
		name        string
		text        string
		terms       []string
		maxScanned  int
		wantMatches int
	}{
		{"text of matches stops at the first ones", worstCaseSection, []string{"a"}, 2 * snippetMatches, snippetWords},
		{"many terms, text of matches", worstCaseSection, []string{"a", "b", "c", "d", "e", "f", "g", "h"}, 2 * snippetMatches, snippetWords},
		{"no match reads the scan window only", strings.Repeat("é ", 100_000), []string{"a"}, snippetScan, 0},
		{"one huge word", huge, []string{"a"}, snippetScan, 0},
		{"late matches", strings.Repeat("b ", 8000) + strings.Repeat("a ", 8000), []string{"a"}, snippetScan, snippetWords - snippetLead},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, scanned := snippet(tt.text, tt.terms, true)
			if scanned > tt.maxScanned {
				t.Errorf("scanned %d bytes, want at most %d", scanned, tt.maxScanned)
			}
			if n := strings.Count(s, SnippetMarkStart); n != tt.wantMatches {
				t.Errorf("%d words marked, want %d", n, tt.wantMatches)
			}
			if n := len(plain(s)); n > snippetMaxBytes+2*len("…") {
				t.Errorf("snippet of %d bytes, want at most %d", n, snippetMaxBytes+2*len("…"))
			}
			if !utf8.ValidString(s) {
				t.Errorf("snippet %q is not valid UTF-8", s)
			}
		})
	}
}

// searchFixture opens url and fills n sections, over as many canvases as
// that takes, with text; it returns an administrator's context.
func searchFixture(tb testing.TB, url string, n int, text string) (context.Context, *DB) {
	tb.Helper()
	ctx := tb.Context()
	db, err := Open(ctx, url)
	if err != nil {
		tb.Fatalf("Open: %v", err)
	}
	tb.Cleanup(func() { db.Close() })
	admin, err := db.CreateUser(ctx, identity.User{Email: "admin@example.org", Name: "Admin", Admin: true}, "")
	if err != nil {
		tb.Fatalf("CreateUser: %v", err)
	}
	ctx = atrium.WithActor(ctx, atrium.Actor{UserID: admin.ID, Email: admin.Email, Name: admin.Name, Admin: true})
	if _, err := db.CreateTeam(ctx, identity.Team{Slug: "alpha", Name: "Alpha"}); err != nil {
		tb.Fatalf("CreateTeam: %v", err)
	}
	if _, err := db.CreateUseCase(ctx, usecase.UseCase{Slug: "churn", Name: "Churn", TeamSlug: "alpha"}); err != nil {
		tb.Fatalf("CreateUseCase: %v", err)
	}
	var tpl *canvas.Template
	for _, t := range canvas.Builtin() {
		if t.ID == "human-centric-mlops" {
			tpl = t
		}
	}
	if tpl == nil {
		tb.Fatal("no built-in template human-centric-mlops")
	}
	ids := tpl.SectionIDs()
	var c canvas.Canvas
	for i := range n {
		if i%len(ids) == 0 {
			if c, err = db.CreateCanvas(ctx, "churn", tpl, "", nil); err != nil {
				tb.Fatalf("CreateCanvas: %v", err)
			}
		}
		content := text
		if _, err := db.SaveSection(ctx, "churn", c.ID, canvas.SectionEdit{SectionID: ids[i%len(ids)], Content: &content}); err != nil {
			tb.Fatalf("SaveSection: %v", err)
		}
	}
	return ctx, db
}

// searchURLs opens a fresh database of each dialect; PostgreSQL only when
// ATRIUM_TEST_POSTGRES_URL is set.
var searchURLs = []struct {
	name string
	url  func(tb testing.TB) string
}{
	{"sqlite", func(tb testing.TB) string { return filepath.Join(tb.TempDir(), "atrium.db") }},
	{"postgres", func(tb testing.TB) string { return pgtest.URL(tb) }},
}

// TestSearchSnippetsOnlyForPage counts the snippets a search builds: one
// per result on the page, none for the matches around it.
func TestSearchSnippetsOnlyForPage(t *testing.T) {
	for _, d := range searchURLs {
		t.Run(d.name, func(t *testing.T) {
			ctx, db := searchFixture(t, d.url(t), 12, "Customers cancel before their retention offer arrives.")
			built := 0
			snippetBuilt = func() { built++ }
			t.Cleanup(func() { snippetBuilt = nil })
			for _, tt := range []struct {
				size, offset, want int
			}{
				{5, 0, 5}, {5, 10, 2}, {5, 12, 0}, {50, 0, 12},
			} {
				built = 0
				p := atrium.PageRequest{Size: tt.size, Offset: tt.offset}
				page, err := db.Search(ctx, "retention retention offer", p)
				if err != nil {
					t.Fatalf("Search(%+v): %v", p, err)
				}
				if len(page.Items) != tt.want || built != tt.want {
					t.Errorf("Search(%+v): %d hits and %d snippets built, want %d of each", p, len(page.Items), built, tt.want)
				}
			}
		})
	}
}

// BenchmarkSearchWorstCase searches sections made entirely of matches, on
// SQLite and (when ATRIUM_TEST_POSTGRES_URL is set) PostgreSQL, to record
// what the slowest search a person can provoke costs:
//
//	go test ./internal/store -run '^$' -bench SearchWorstCase -benchtime 20x
func BenchmarkSearchWorstCase(b *testing.B) {
	for _, d := range searchURLs {
		b.Run(d.name, func(b *testing.B) {
			for _, sections := range []int{1, 20} {
				b.Run(fmt.Sprintf("sections=%d", sections), func(b *testing.B) {
					ctx, db := searchFixture(b, d.url(b), sections, worstCaseSection)
					for _, q := range []string{"a", "a a", "a a a a"} {
						b.Run("q="+strings.ReplaceAll(q, " ", "_"), func(b *testing.B) {
							for b.Loop() {
								page, err := db.Search(ctx, q, atrium.PageRequest{Size: atrium.DefaultPageSize})
								if err != nil || len(page.Items) != sections {
									b.Fatalf("Search(%q)=%d hits, %v; want %d", q, len(page.Items), err, sections)
								}
							}
						})
					}
				})
			}
		})
	}
}
