package throttle

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/atrium-mlops/atrium/internal/atrium"
)

// clock is a hand-moved clock, so no test depends on how fast it runs.
type clock struct{ t time.Time }

func (c *clock) now() time.Time          { return c.t }
func (c *clock) advance(d time.Duration) { c.t = c.t.Add(d) }

func limitersAt(t *testing.T, l Limits) (*Limiters, *clock) {
	t.Helper()
	ls := NewLimiters(l)
	if ls == nil {
		t.Fatal("no limiters")
	}
	c := &clock{t: time.Date(2026, 3, 3, 14, 0, 0, 0, time.UTC)}
	ls.SetClock(c.now)
	return ls, c
}

// allowed counts the requests of n that pass, spread evenly over d.
func allowed(ls *Limiters, c *clock, kind Credential, key string, n int, d time.Duration) int {
	ok := 0
	for range n {
		if _, pass := ls.Allow(kind, key); pass {
			ok++
		}
		c.advance(d / time.Duration(n))
	}
	return ok
}

func TestAutomationBurstPassesAndAFloodIsLimited(t *testing.T) {
	ls, c := limitersAt(t, DefaultLimits)
	// A job that registers 1,000 versions in three seconds is not slowed.
	if got := allowed(ls, c, Automation, "ci", 1000, 3*time.Second); got != 1000 {
		t.Fatalf("burst of 1000 in 3 s: %d passed, want all", got)
	}
	c.advance(time.Minute) // quiet again: the bucket refills
	// A runaway loop at 1,000 requests a second for a minute gets its burst
	// and then the sustained rate, not more.
	got := allowed(ls, c, Automation, "ci", 60_000, time.Minute)
	r := DefaultLimits.Automation
	want := r.Burst + int(60*r.PerSecond)
	if got < want-2 || got > want+2 {
		t.Fatalf("flood of 60,000 in a minute: %d passed, want about %d (burst %d + %g/s)", got, want, r.Burst, r.PerSecond)
	}
	ls.Allow(Automation, "ci") // whatever trickled in meanwhile
	wait, ok := ls.Allow(Automation, "ci")
	if ok || wait <= 0 || wait > time.Second {
		t.Fatalf("after the flood: ok=%v wait=%v, want a refusal with a short wait", ok, wait)
	}
}

func TestIngestionKeysHaveTheLargestAllowance(t *testing.T) {
	ls, c := limitersAt(t, DefaultLimits)
	// A busy service reporting 1,500 requests a second for ten seconds is
	// never refused.
	if got := allowed(ls, c, IngestKey, "k1", 15_000, 10*time.Second); got != 15_000 {
		t.Fatalf("ingestion key, 1,500/s for 10 s: %d of 15000 passed", got)
	}
	// One gone wild is held to its burst, and the refusal names a wait.
	c.advance(time.Minute)
	if got := allowed(ls, c, IngestKey, "k2", 10_000, 0); got != DefaultLimits.Ingest.Burst {
		t.Fatalf("ingestion key, 10000 at once: %d passed, want its burst %d", got, DefaultLimits.Ingest.Burst)
	}
	if wait, ok := ls.Allow(IngestKey, "k2"); ok || wait <= 0 {
		t.Fatalf("after the burst: ok=%v wait=%v, want a refusal with a wait", ok, wait)
	}
	for _, k := range []Credential{Session, PersonalToken, Automation} {
		if r := DefaultLimits.Of(k); r.Burst >= DefaultLimits.Ingest.Burst || r.PerSecond >= DefaultLimits.Ingest.PerSecond {
			t.Errorf("%s has %v, not below ingestion's %v", k, r, DefaultLimits.Ingest)
		}
	}
}

func TestPersonalTokensAndSessionsHaveSmallerBursts(t *testing.T) {
	ls, c := limitersAt(t, DefaultLimits)
	if got := allowed(ls, c, PersonalToken, "t1", 1000, 0); got != DefaultLimits.Token.Burst {
		t.Fatalf("personal token, 1000 at once: %d passed, want its burst %d", got, DefaultLimits.Token.Burst)
	}
	if got := allowed(ls, c, Session, "u1", 1000, 0); got != DefaultLimits.Session.Burst {
		t.Fatalf("session, 1000 at once: %d passed, want its burst %d", got, DefaultLimits.Session.Burst)
	}
}

func TestKindsAreIndependent(t *testing.T) {
	ls, c := limitersAt(t, Limits{Session: Rate{1, 2}, Token: Rate{1, 3}, Automation: Rate{1, 4}, Ingest: Rate{1, 5}})
	// The same key under each kind: emptying one bucket leaves the others.
	for _, kind := range Credentials {
		want := ls.by[kind].burst
		if got := allowed(ls, c, kind, "same", 10, 0); got != int(want) {
			t.Fatalf("%s: %d passed, want its own burst %v", kind, got, want)
		}
	}
	// And keys are independent within a kind.
	if got := allowed(ls, c, PersonalToken, "other", 10, 0); got != 3 {
		t.Fatalf("another token: %d passed, want 3", got)
	}
}

func TestAKindThatIsOffIsNotLimited(t *testing.T) {
	ls, c := limitersAt(t, Limits{Session: Rate{1, 1}, Automation: Rate{}})
	if got := allowed(ls, c, Automation, "ci", 10_000, 0); got != 10_000 {
		t.Fatalf("automation off: %d of 10000 passed", got)
	}
	if got := allowed(ls, c, PersonalToken, "t", 100, 0); got != 100 {
		t.Fatalf("tokens off: %d of 100 passed", got)
	}
	if got := allowed(ls, c, Session, "u", 5, 0); got != 1 {
		t.Fatalf("session 1:1: %d passed, want 1", got)
	}
	if NewLimiters(Limits{}) != nil {
		t.Fatal("all kinds off should need no limiters")
	}
}

func TestParseRate(t *testing.T) {
	for in, want := range map[string]Rate{
		"50:500":  {50, 500},
		" 0.5:3 ": {0.5, 3},
		"1e3:1":   {1000, 1},
		"off":     {},
		"0":       {},
	} {
		got, err := ParseRate(in)
		if err != nil || got != want {
			t.Errorf("ParseRate(%q) = %v, %v; want %v", in, got, err, want)
		}
		if err == nil && got.String() != "off" {
			if back, err := ParseRate(got.String()); err != nil || back != got {
				t.Errorf("ParseRate(%q.String()) = %v, %v", in, back, err)
			}
		}
	}
	for in, want := range map[string]string{
		"":            "RATE:BURST",
		"fast":        "RATE:BURST",
		"50":          "RATE:BURST",
		"50/s:100":    "RATE:BURST",
		"-1:10":       "the rate must be",
		"0:10":        "the rate must be",
		"NaN:10":      "the rate must be",
		"Inf:10":      "the rate must be",
		"2e6:10":      "the rate must be",
		"50:0":        "the burst must be",
		"50:-5":       "the burst must be",
		"50:1.5":      "the burst must be",
		"50:":         "the burst must be",
		"50:1e9":      "the burst must be",
		"50:99999999": "the burst must be",
	} {
		if _, err := ParseRate(in); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseRate(%q) = %v, want an error containing %q", in, err, want)
		}
	}
}

func TestCredentialOf(t *testing.T) {
	if k, key := CredentialOf(atrium.Actor{UserID: "u1"}); k != Session || key != "u1" {
		t.Errorf("a session = %s %s", k, key)
	}
	if k, key := CredentialOf(atrium.Actor{UserID: "u1", TokenID: "t1"}); k != PersonalToken || key != "t1" {
		t.Errorf("a token = %s %s", k, key)
	}
	if k, key := CredentialOf(atrium.Actor{UserID: "u1", TokenID: "t2", UseCaseID: "uc"}); k != Automation || key != "t2" {
		t.Errorf("a token bound to a use case = %s %s", k, key)
	}
}

// BenchmarkLimitersAllow is the cost the rate limit adds to every
// authenticated request: one bucket of a thousand, taken in turn.
func BenchmarkLimitersAllow(b *testing.B) {
	ls := NewLimiters(Uniform(Rate{1e6, 1e6}))
	keys := make([]string, 1000)
	for i := range keys {
		keys[i] = "token-" + strconv.Itoa(i)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		ls.Allow(Credentials[i%len(Credentials)], keys[i%len(keys)])
		i++
	}
}
