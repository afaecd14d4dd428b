package atrium

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestKindOf(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want Kind
	}{
		{Errorf(NotFound, "x"), NotFound},
		{fmt.Errorf("wrapped: %w", Errorf(Conflict, "x")), Conflict},
		{errors.New("plain"), Internal},
		{nil, Internal},
	} {
		if got := KindOf(tc.err); got != tc.want {
			t.Errorf("KindOf(%v) = %q, want %q", tc.err, got, tc.want)
		}
	}
	if got := MessageOf(errors.New("secret detail")); strings.Contains(got, "secret") {
		t.Errorf("MessageOf(internal) = %q, leaks the cause", got)
	}
}

func TestParsePage(t *testing.T) {
	p, err := ParsePage("", "")
	if err != nil || p.Size != DefaultPageSize || p.Offset != 0 {
		t.Fatalf("default page = %+v, %v", p, err)
	}
	p = PageRequest{Size: 10}
	tok := p.NextToken(25)
	q, err := ParsePage("10", tok)
	if err != nil || q.Offset != 10 {
		t.Fatalf("next page = %+v, %v; want offset 10", q, err)
	}
	if got := (PageRequest{Size: 10, Offset: 20}).NextToken(25); got != "" {
		t.Fatalf("last page token = %q, want empty", got)
	}
	for _, bad := range [][2]string{{"0", ""}, {"-1", ""}, {"501", ""}, {"abc", ""}, {"", "!!"}, {"", "LTE"}, {"", "OTk5OTk5OTk5OTk5"}} {
		if _, err := ParsePage(bad[0], bad[1]); KindOf(err) != Invalid {
			t.Errorf("ParsePage(%q, %q) err = %v, want Invalid", bad[0], bad[1], err)
		}
	}
}

func TestCheckText(t *testing.T) {
	for _, tc := range []struct {
		in        string
		multiline bool
		ok        bool
	}{
		{"  hello  ", false, true},
		{"line\nbreak", true, true},
		{"line\nbreak", false, false},
		{"bell\a", true, false},
		{"nul\x00", true, false},
		{"se\u2028p", true, false},
		{string([]byte{0xff}), true, false},
		{strings.Repeat("é", 10), false, true},
		{strings.Repeat("é", 11), false, false},
	} {
		got, err := CheckText("f", tc.in, 10, false, tc.multiline)
		if (err == nil) != tc.ok {
			t.Errorf("CheckText(%q) err = %v, want ok=%v", tc.in, err, tc.ok)
		}
		if err == nil && got != strings.TrimSpace(tc.in) {
			t.Errorf("CheckText(%q) = %q, want it trimmed", tc.in, got)
		}
	}
	if _, err := CheckText("f", "  ", 10, true, false); KindOf(err) != Invalid {
		t.Errorf("required blank: err = %v, want Invalid", err)
	}
}

func TestSlugs(t *testing.T) {
	for in, want := range map[string]string{
		"Credit-risk scoring for loans!": "credit-risk-scoring-for-loans",
		"  Ünïcode  ":                    "n-code",
		"***":                            "",
	} {
		if got := Slugify(in); got != want {
			t.Errorf("Slugify(%q) = %q, want %q", in, got, want)
		}
	}
	for _, bad := range []string{"", "-a", "a-", "A", "a_b", strings.Repeat("a", 65), "a b"} {
		if CheckSlug("slug", bad) == nil {
			t.Errorf("CheckSlug(%q) passed, want an error", bad)
		}
	}
	if err := CheckSlug("slug", strings.Repeat("a", 64)); err != nil {
		t.Errorf("64-character slug refused: %v", err)
	}
}

func TestTruncate(t *testing.T) {
	for _, tc := range []struct {
		in   string
		n    int
		want string
	}{
		{"short", 10, "short"},
		{"exactly10!", 10, "exactly10!"},
		{"eleven char", 10, "eleven cha…"},
		{"ééééé", 3, "ééé…"},
		{"", 0, ""},
	} {
		if got := Truncate(tc.in, tc.n); got != tc.want {
			t.Errorf("Truncate(%q, %d) = %q, want %q", tc.in, tc.n, got, tc.want)
		}
	}
}

func TestNormalizeNewlines(t *testing.T) {
	for in, want := range map[string]string{"a\r\nb": "a\nb", "a\rb": "a\nb", "a\nb": "a\nb", "": ""} {
		if got := NormalizeNewlines(in); got != want {
			t.Errorf("NormalizeNewlines(%q) = %q, want %q", in, got, want)
		}
	}
}
