package main

import (
	"io"
	"strings"
	"testing"

	"github.com/atrium-mlops/atrium/internal/web/throttle"
)

func parseServe(t *testing.T, env map[string]string, args ...string) (*Config, error) {
	t.Helper()
	c, fs := newFlags("serve", func(k string) string { return env[k] }, io.Discard, true)
	return c, c.parse(fs, args)
}

func TestRateLimitConfig(t *testing.T) {
	d := throttle.DefaultLimits
	r := func(rate float64, burst int) throttle.Rate { return throttle.Rate{PerSecond: rate, Burst: burst} }
	for _, tc := range []struct {
		name string
		env  map[string]string
		args []string
		want throttle.Limits
	}{
		{"defaults", nil, nil, d},
		{"one kind by flag", nil, []string{"--rate-limit-token", "10:20"}, throttle.Limits{Session: d.Session, Token: r(10, 20), Automation: d.Automation, Ingest: d.Ingest}},
		{"one kind off", nil, []string{"--rate-limit-automation", "off"}, throttle.Limits{Session: d.Session, Token: d.Token, Ingest: d.Ingest}},
		{"one kind by environment", map[string]string{"ATRIUM_RATE_LIMIT_SESSION": "5:50"}, nil, throttle.Limits{Session: r(5, 50), Token: d.Token, Automation: d.Automation, Ingest: d.Ingest}},
		{"flag over environment", map[string]string{"ATRIUM_RATE_LIMIT_SESSION": "5:50"}, []string{"--rate-limit-session", "6:60"}, throttle.Limits{Session: r(6, 60), Token: d.Token, Automation: d.Automation, Ingest: d.Ingest}},
		// --rate-limit and --rate-burst keep working, for every kind not given its own.
		{"--rate-limit 0 turns every limit but ingestion's off", nil, []string{"--rate-limit", "0"}, throttle.Limits{Ingest: d.Ingest}},
		{"ATRIUM_RATE_LIMIT=0 too", map[string]string{"ATRIUM_RATE_LIMIT": "0"}, nil, throttle.Limits{Ingest: d.Ingest}},
		{"--rate-limit sets every rate", nil, []string{"--rate-limit", "7"}, throttle.Limits{Session: r(7, d.Session.Burst), Token: r(7, d.Token.Burst), Automation: r(7, d.Automation.Burst), Ingest: d.Ingest}},
		{"--rate-burst sets every burst", nil, []string{"--rate-burst", "30"}, throttle.Limits{Session: r(d.Session.PerSecond, 30), Token: r(d.Token.PerSecond, 30), Automation: r(d.Automation.PerSecond, 30), Ingest: d.Ingest}},
		{"ingestion keys by their own flag only", nil, []string{"--rate-limit", "3", "--rate-limit-ingest", "500:1000"}, throttle.Limits{Session: r(3, d.Session.Burst), Token: r(3, d.Token.Burst), Automation: r(3, d.Automation.Burst), Ingest: r(500, 1000)}},
		{"ingestion keys off", map[string]string{"ATRIUM_RATE_LIMIT_INGEST": "off"}, nil, throttle.Limits{Session: d.Session, Token: d.Token, Automation: d.Automation}},
		{"a kind's own flag wins", nil, []string{"--rate-limit", "0", "--rate-limit-automation", "100:2000"}, throttle.Limits{Automation: r(100, 2000), Ingest: d.Ingest}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := parseServe(t, tc.env, tc.args...)
			if err != nil {
				t.Fatal(err)
			}
			if c.rate.Limits != tc.want {
				t.Fatalf("limits = %+v, want %+v", c.rate.Limits, tc.want)
			}
		})
	}
}

func TestRateLimitConfigRefusesBadValues(t *testing.T) {
	for _, tc := range []struct {
		name string
		env  map[string]string
		args []string
		want string
	}{
		{"not a rate", nil, []string{"--rate-limit-token", "fast"}, "--rate-limit-token: want RATE:BURST"},
		{"rate without burst", nil, []string{"--rate-limit-session", "50"}, "--rate-limit-session: want RATE:BURST"},
		{"zero burst", nil, []string{"--rate-limit-automation", "100:0"}, "--rate-limit-automation: the burst must be"},
		{"negative rate", nil, []string{"--rate-limit-token", "-5:10"}, "the rate must be"},
		{"huge rate", nil, []string{"--rate-limit-token", "1e12:10"}, "the rate must be"},
		{"bad environment", map[string]string{"ATRIUM_RATE_LIMIT_AUTOMATION": "lots"}, nil, "--rate-limit-automation: want RATE:BURST"},
		{"negative --rate-limit", nil, []string{"--rate-limit", "-1"}, "cannot be negative"},
		{"NaN --rate-limit", nil, []string{"--rate-limit", "NaN"}, "cannot be negative"},
		{"huge --rate-burst", nil, []string{"--rate-burst", "999999999"}, "at most"},
		{"ATRIUM_RATE_LIMIT not a number", map[string]string{"ATRIUM_RATE_LIMIT": "fifty"}, nil, "ATRIUM_RATE_LIMIT must be a number"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parseServe(t, tc.env, tc.args...)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want one containing %q", err, tc.want)
			}
		})
	}
}
