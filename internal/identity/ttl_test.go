package identity

import (
	"strings"
	"testing"
	"time"
)

// TestParseTTL checks token lifetimes at the edges: the largest one allowed,
// values that used to overflow into a lifetime of minutes, and input that
// only looks like a number.
func TestParseTTL(t *testing.T) {
	const day = 24 * time.Hour
	for _, tc := range []struct {
		in   string
		want time.Duration
		err  string // part of the error; "" for none
	}{
		{"", 0, ""}, // documented: empty means never
		{"never", 0, ""},
		{"90d", 90 * day, ""},
		{"12h", 12 * time.Hour, ""},
		{"1h30m", 90 * time.Minute, ""},
		{"1.5d", 36 * time.Hour, ""},
		{"1825d", MaxTTL, ""},
		{"43800h", MaxTTL, ""},
		{"1826d", 0, "at most 5 years (1825d)"},
		{"1825d1s", 0, "at most 5 years (1825d)"},
		{"213504d", 0, "at most 5 years (1825d)"}, // × 24 h wrapped round to 25 minutes
		{"106752d", 0, "at most 5 years (1825d)"},
		{"9223372036854775807h", 0, "at most 5 years (1825d)"},
		{"9223372036854775808d", 0, "at most 5 years (1825d)"},
		{"99999999999999999999999999d", 0, "at most 5 years (1825d)"},
		{"2562047h", 0, "at most 5 years (1825d)"},
		{"0d", 0, "not a duration"},
		{"0h0m", 0, "not a duration"},
		{"-1d", 0, "not a duration"},
		{"-1h", 0, "not a duration"},
		{"+30d", 0, "not a duration"},
		{"1e9d", 0, "not a duration"},
		{"1e9h", 0, "not a duration"},
		{"٣٠d", 0, "not a duration"}, // Arabic-Indic digits
		{"３０d", 0, "not a duration"}, // full-width digits
		{"30D", 0, "not a duration"},
		{" 30d", 0, "not a duration"},
		{"30d ", 0, "not a duration"},
		{"d", 0, "not a duration"},
		{"1.d", 0, "not a duration"},
		{".5d", 0, "not a duration"},
		{"5ms", 0, "not a duration"},
		{"30", 0, "not a duration"},
		{"Never", 0, "not a duration"},
		{"30d\x00", 0, "not a duration"},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseTTL(tc.in)
			if tc.err == "" {
				if err != nil || got != tc.want {
					t.Fatalf("ParseTTL(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Fatalf("ParseTTL(%q) = %v, %v; want an error containing %q", tc.in, got, err, tc.err)
			}
		})
	}
}
