package search

import "testing"

func TestHighlightIsBalancedAndEscaped(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"a \x02b\x03 c", "a <mark>b</mark> c"},
		{"\x02<i>\x03", "<mark>&lt;i&gt;</mark>"},
		{"open \x02only", "open <mark>only</mark>"},
		{"stray\x03 end", "stray end"},
	} {
		if got := string(highlight(tc.in)); got != tc.want {
			t.Errorf("highlight(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
