package store

import (
	"math/bits"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Limits on the snippets of search results. The database finds and ranks
// the matches; the snippet is cut here, for the page's results only,
// because both databases' own snippet functions (FTS5's snippet(),
// PostgreSQL's ts_headline()) weigh every match against every other and
// take seconds on a text that is one match after another.
const (
	// snippetWords is the most words a snippet shows.
	snippetWords = 24
	// snippetLead is how many words before its first match a snippet
	// starts, so the match is seen in context.
	snippetLead = 4
	// snippetMaxBytes caps a snippet's text, marks and ellipses aside, for
	// words that are very long or far apart.
	snippetMaxBytes = 320
	// snippetMaxGap and snippetMaxWord shorten, with "…", what stands
	// between two words and a word that is not a match, so a rule of
	// dashes or a pasted blob next to a match cannot crowd it out.
	snippetMaxGap  = 24
	snippetMaxWord = 48
	// snippetScan is how many bytes from a text's start are searched for
	// matches. A match further in still finds the text; its snippet then
	// shows the text's start.
	snippetScan = 16 << 10
	// snippetMatches is the most matches weighed when choosing where to
	// cut: scanning stops there, so a text made of matches costs no more
	// than a short one.
	snippetMatches = 32
	// snippetSpan is the most bytes of text a snippet's words are taken
	// from, gaps and shortened words included.
	snippetSpan = 4 << 10
	// snippetFetch is how many characters of a text the search query
	// returns: the scanned part and a span after its last match.
	snippetFetch = snippetScan + snippetSpan
)

// snippetBuilt, when a test sets it, is called once for every snippet
// built, so the test can count them; it is nil otherwise.
var snippetBuilt func()

// foldWord is the form in which a word of a text and a query term are
// compared: lower case, without diacritics, as SQLite's unicode61
// tokenizer (remove_diacritics 2) compares them. PostgreSQL keeps
// diacritics, so there a snippet may also mark a word the database did not
// match on ("uber" for "über").
func foldWord(w string) string {
	if isASCII(w) {
		return strings.ToLower(w)
	}
	return strings.ToLower(strings.Map(func(r rune) rune {
		if unicode.Is(unicode.Mn, r) {
			return -1
		}
		return r
	}, norm.NFD.String(w)))
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// isWordRune says whether r belongs to a word, as searchTerms reads them.
func isWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r)
}

// nextWord returns the bounds of the first word in text at or after i, or
// -1, -1 when there is none.
func nextWord(text string, i int) (start, end int) {
	start = -1
	for i < len(text) {
		r, n := rune(text[i]), 1
		if r >= utf8.RuneSelf {
			r, n = utf8.DecodeRuneInString(text[i:])
		}
		if isWordRune(r) {
			if start < 0 {
				start = i
			}
		} else if start >= 0 {
			return start, i
		}
		i += n
	}
	if start < 0 {
		return -1, -1
	}
	return start, len(text)
}

// termOf returns the index in folded of the term word matches, or -1.
func termOf(word string, folded []string) int {
	if isASCII(word) {
		for i, t := range folded {
			if len(t) == len(word) && strings.EqualFold(word, t) {
				return i
			}
		}
		return -1
	}
	f := foldWord(word)
	for i, t := range folded {
		if f == t {
			return i
		}
	}
	return -1
}

// snippet cuts from text a short passage around its first matches of the
// folded terms (at most maxSearchTerms of them), each matched word between
// SnippetMarkStart and SnippetMarkEnd, with "…" where text was left out;
// more says the stored text goes on past text. Runs of white space become
// one space. It returns, too, how many bytes it searched for matches.
//
// Its work is bounded whatever the text: it searches at most snippetScan
// bytes, stops at snippetMatches matches, chooses the window with the
// most distinct terms among those, and writes at most snippetWords words
// and snippetMaxBytes bytes.
func snippet(text string, folded []string, more bool) (string, int) {
	if snippetBuilt != nil {
		snippetBuilt()
	}
	folded = folded[:min(len(folded), maxSearchTerms)]
	text = text[:cutAtWord(text, len(text), more)]
	scan := text[:cutAtWord(text, snippetScan, false)]

	// Find the first matches, each with where a window led by it starts.
	type match struct{ from, word int }
	var (
		matches []match
		terms   []uint8 // a bit per term (maxSearchTerms of them), parallel to matches
		starts  [snippetLead]int
		words   int
		scanned int
	)
	for pos := 0; len(matches) < snippetMatches; words++ {
		ws, we := nextWord(scan, pos)
		if ws < 0 {
			scanned = len(scan)
			break
		}
		if t := termOf(scan[ws:we], folded); t >= 0 {
			m := match{from: 0, word: max(0, words-snippetLead)}
			if words >= snippetLead {
				m.from = starts[words%snippetLead] // the start of word words-snippetLead
			}
			matches = append(matches, m)
			terms = append(terms, 1<<t)
		}
		starts[words%snippetLead] = ws
		pos, scanned = we, we
	}

	// The window covering the most distinct terms wins; the earliest of
	// those. At most snippetMatches² steps.
	from, best := 0, 0
	for i, m := range matches {
		var seen uint8
		for j := i; j < len(matches) && matches[j].word-m.word < snippetWords; j++ {
			seen |= terms[j]
		}
		if n := bits.OnesCount8(seen); n > best {
			from, best = m.from, n
			if n == len(folded) {
				break
			}
		}
	}
	if len(text)-from > snippetSpan {
		text, more = text[:from+cutAtWord(text[from:], snippetSpan, false)], true
	}
	return cutSnippet(text, from, folded, more), scanned
}

// cutAtWord returns where to cut s to at most n bytes. A word cut through
// is left out, lest its start pass for a shorter word, unless it is all
// there is; so is the last word when cut says s itself was cut short.
func cutAtWord(s string, n int, cut bool) int {
	n = len(shorten(s, n))
	if n == len(s) && !cut {
		return n
	}
	if n < len(s) {
		if r, _ := utf8.DecodeRuneInString(s[n:]); !isWordRune(r) {
			return n
		}
	}
	for i := n; i > 0; {
		r, size := utf8.DecodeLastRuneInString(s[:i])
		if !isWordRune(r) {
			return i
		}
		i -= size
	}
	return n
}

// cutSnippet writes the passage of text that starts at from (0 or a
// word's start), marking the words that match folded.
func cutSnippet(text string, from int, folded []string, more bool) string {
	var b strings.Builder
	budget := snippetMaxBytes
	// put writes s, cut to what the budget allows; false means it was cut.
	put := func(s string) bool {
		if len(s) <= budget {
			b.WriteString(s)
			budget -= len(s)
			return true
		}
		b.WriteString(shorten(s, budget))
		budget = 0
		return false
	}
	if from > 0 {
		b.WriteString("…")
	}
	pos, whole := from, true
	for n := 0; whole; n++ {
		ws, we := nextWord(text, pos)
		if n == snippetWords || ws < 0 {
			// What is left after the last word is shown only if it is a
			// short tail of punctuation ending the text.
			tail := text[pos:]
			if ws < 0 && !more && len(tail) <= 16 {
				whole = put(strings.TrimRightFunc(collapseSpace(tail), unicode.IsSpace))
			} else if ws >= 0 || more || strings.TrimSpace(tail) != "" {
				whole = false
			}
			break
		}
		sep := collapseSpace(text[pos:ws])
		if n == 0 {
			sep = strings.TrimLeftFunc(sep, unicode.IsSpace)
		}
		if len(sep) > snippetMaxGap {
			sep = " … "
			if n == 0 {
				sep = "… "
			}
		}
		if whole = put(sep); !whole {
			break
		}
		word := text[ws:we]
		if termOf(word, folded) >= 0 {
			b.WriteString(SnippetMarkStart)
			whole = put(word)
			b.WriteString(SnippetMarkEnd)
		} else if len(word) > snippetMaxWord {
			whole = put(shorten(word, snippetMaxWord) + "…")
		} else {
			whole = put(word)
		}
		pos = we
	}
	if !whole {
		b.WriteString("…")
	}
	return b.String()
}

// shorten cuts s to at most n bytes, at a character boundary.
func shorten(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// collapseSpace turns each run of white space in s into one space.
func collapseSpace(s string) string {
	if !strings.ContainsFunc(s, unicode.IsSpace) || s == " " {
		return s
	}
	var b strings.Builder
	space := false
	for _, r := range s {
		if unicode.IsSpace(r) {
			if !space {
				b.WriteByte(' ')
			}
			space = true
			continue
		}
		space = false
		b.WriteRune(r)
	}
	return b.String()
}
