package web

import (
	"encoding/json"
	"net/http"
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

// TestHostileTokenLifetimes sends the same values to POST /api/v1/tokens: an
// overflowing lifetime is refused with the maximum named and stores nothing,
// and the longest allowed one really lasts five years.
func TestHostileTokenLifetimes(t *testing.T) {
	f := newFixture(t)
	const max = "token lifetimes are at most 5 years (1825d)"
	for _, tc := range []struct{ in, want string }{
		{"213504d", max}, {"9223372036854775807h", max}, {"1826d", max},
		{"1e9d", "not a duration"}, {"-1d", "not a duration"}, {"0d", "not a duration"}, {"٣٠d", "not a duration"},
	} {
		t.Run(tc.in, func(t *testing.T) {
			before := f.auditSize()
			rec := f.doJSON("viewer", "POST", "/api/v1/tokens", map[string]string{"name": "probe", "expires_in": tc.in})
			if rec.Code != http.StatusBadRequest {
				t.Fatalf("expires_in %q = %d, want 400 (body %s)", tc.in, rec.Code, rec.Body)
			}
			if p := problem(t, rec); !strings.Contains(p.Detail, tc.want) {
				t.Fatalf("detail = %q, want one containing %q", p.Detail, tc.want)
			}
			if f.auditSize() != before {
				t.Fatalf("a refused token changed the audit log")
			}
		})
	}
	start := time.Now()
	rec := f.doJSON("viewer", "POST", "/api/v1/tokens", map[string]string{"name": "long", "expires_in": "1825d"})
	if rec.Code != http.StatusCreated {
		t.Fatalf("expires_in 1825d = %d, want 201 (body %s)", rec.Code, rec.Body)
	}
	var tok struct {
		ExpiresAt time.Time `json:"expires_at"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &tok); err != nil {
		t.Fatal(err)
	}
	if got := tok.ExpiresAt.Sub(start); got < MaxTTL-time.Minute || got > MaxTTL+time.Minute {
		t.Fatalf("expires_at is %v away, want %v", got, MaxTTL)
	}
}
