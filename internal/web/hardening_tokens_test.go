package web

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/atrium-mlops/atrium/internal/identity"
)

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
	if got := tok.ExpiresAt.Sub(start); got < identity.MaxTTL-time.Minute || got > identity.MaxTTL+time.Minute {
		t.Fatalf("expires_at is %v away, want %v", got, identity.MaxTTL)
	}
}
