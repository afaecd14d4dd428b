package main

import (
	"strings"
	"testing"
)

// TestTokenCreateRefusesOverlongExpiry checks `atrium token create
// --expires` with lifetimes that used to overflow into minutes: they are
// refused with the maximum named, and the maximum itself is accepted.
func TestTokenCreateRefusesOverlongExpiry(t *testing.T) {
	data := t.TempDir()
	mustCLI(t, "user", "add", "--data", data, "--email", "ops@example.org")
	for _, tc := range []struct{ expires, want string }{
		{"213504d", "token lifetimes are at most 5 years (1825d)"},
		{"9223372036854775807h", "token lifetimes are at most 5 years (1825d)"},
		{"1826d", "token lifetimes are at most 5 years (1825d)"},
		{"1e9d", "not a duration"},
		{"-30d", "not a duration"},
		{"0d", "not a duration"},
		{"٣٠d", "not a duration"},
	} {
		t.Run(tc.expires, func(t *testing.T) {
			out, err := cli(t, "token", "create", "--data", data, "--user", "ops@example.org", "--name", "ci", "--expires", tc.expires)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("--expires %s: out %q, err %v; want an error containing %q", tc.expires, out, err, tc.want)
			}
			if out != "" {
				t.Fatalf("--expires %s printed %q, want no token", tc.expires, out)
			}
		})
	}
	if out := mustCLI(t, "token", "create", "--data", data, "--user", "ops@example.org", "--name", "ci", "--expires", "1825d"); !strings.HasPrefix(out, "atr_") {
		t.Fatalf("--expires 1825d printed %q, want a token", out)
	}
}
