package throttle

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/atrium-mlops/atrium/internal/atrium"
)

// Credential is the kind of credential a request authenticated with. Each
// kind has a rate limit of its own, because each calls differently: a
// person's browser asks for a page and a few fragments at a time, a
// person's script somewhat more, and a training job or a CI pipeline sends
// bursts of hundreds of requests (metrics in batches, many versions) and
// then is quiet.
type Credential string

// The kinds of credential.
const (
	Session       Credential = "session"    // a browser session cookie
	PersonalToken Credential = "token"      // a person's API token
	Automation    Credential = "automation" // an API token bound to one use case
	IngestKey     Credential = "ingest"     // an ingestion key (atri_…), which only reports events
)

// Credentials lists the kinds, in the order they are documented.
var Credentials = []Credential{Session, PersonalToken, Automation, IngestKey}

// Rate is a token bucket: Burst requests may come at once, and the bucket
// refills at PerSecond. A zero PerSecond means no limit.
type Rate struct {
	PerSecond float64
	Burst     int
}

// Off reports whether the rate sets no limit.
func (r Rate) Off() bool { return r.PerSecond == 0 }

// String writes the rate as ParseRate reads it.
func (r Rate) String() string {
	if r.Off() {
		return "off"
	}
	return strconv.FormatFloat(r.PerSecond, 'g', -1, 64) + ":" + strconv.Itoa(r.Burst)
}

// Bounds on a configured rate, so that a typo cannot make a bucket that
// never empties or one that refills once a year.
const (
	MaxPerSecond = 1e6
	MinPerSecond = 0.001
	MaxBurst     = 10_000_000
)

// ParseRate reads "RATE:BURST" (requests a second, then the burst), or
// "off" or "0" for no limit.
func ParseRate(s string) (Rate, error) {
	s = strings.TrimSpace(s)
	if s == "off" || s == "0" {
		return Rate{}, nil
	}
	rate, burst, ok := strings.Cut(s, ":")
	r, err := strconv.ParseFloat(strings.TrimSpace(rate), 64)
	if !ok || err != nil {
		return Rate{}, fmt.Errorf("want RATE:BURST, such as 50:500 (50 requests a second, bursts of 500), or off (got %q)", atrium.Truncate(s, 40))
	}
	if math.IsNaN(r) || r < MinPerSecond || r > MaxPerSecond {
		return Rate{}, fmt.Errorf("the rate must be from %g to %g requests a second (got %q); use off for no limit", MinPerSecond, MaxPerSecond, atrium.Truncate(rate, 40))
	}
	b, err := strconv.Atoi(strings.TrimSpace(burst))
	if err != nil || b < 1 || b > MaxBurst {
		return Rate{}, fmt.Errorf("the burst must be a whole number from 1 to %d (got %q)", MaxBurst, atrium.Truncate(burst, 40))
	}
	return Rate{PerSecond: r, Burst: b}, nil
}

// Limits are the rates per kind of credential.
type Limits struct {
	Session, Token, Automation, Ingest Rate
}

// DefaultLimits are the rates a server starts with. Sessions keep what
// every caller had before limits were per kind. Personal tokens get a larger
// burst for scripts and notebooks. Automation tokens get a burst of 2,000
// (a job that registers a thousand versions or sends a thousand metric
// batches in a few seconds passes) and a sustained 100 a second, which is
// what stops a runaway loop: after its burst it gets one request in ten
// milliseconds, and a 429 with Retry-After for the rest. Ingestion keys are
// what a model in production reports through, request after request (and
// up to 10,000 events in one batch), so theirs is far larger: 2,000 requests
// a second with bursts of 4,000; the limit is there so that one client gone
// wild cannot starve the others, not to slow a busy service.
var DefaultLimits = Limits{
	Session:    Rate{PerSecond: 50, Burst: 100},
	Token:      Rate{PerSecond: 50, Burst: 500},
	Automation: Rate{PerSecond: 100, Burst: 2000},
	Ingest:     Rate{PerSecond: 2000, Burst: 4000},
}

// Of returns the rate of one kind.
func (l Limits) Of(c Credential) Rate {
	switch c {
	case Session:
		return l.Session
	case PersonalToken:
		return l.Token
	case Automation:
		return l.Automation
	case IngestKey:
		return l.Ingest
	}
	return Rate{}
}

// Set changes the rate of one kind.
func (l *Limits) Set(c Credential, r Rate) {
	switch c {
	case Session:
		l.Session = r
	case PersonalToken:
		l.Token = r
	case Automation:
		l.Automation = r
	case IngestKey:
		l.Ingest = r
	}
}

// Uniform is the same rate for every kind.
func Uniform(r Rate) Limits { return Limits{r, r, r, r} }

// Limiters is a token bucket per credential, with the rate of its kind.
// A kind whose rate is off is not limited.
type Limiters struct {
	by      map[Credential]*Limiter
	refused map[Credential]*atomic.Uint64
}

// NewLimiters makes the limiters for l; nil when every kind is off.
func NewLimiters(l Limits) *Limiters {
	ls := &Limiters{by: map[Credential]*Limiter{}, refused: map[Credential]*atomic.Uint64{}}
	for _, c := range Credentials {
		ls.refused[c] = new(atomic.Uint64)
		if r := l.Of(c); !r.Off() {
			ls.by[c] = NewLimiter(r.PerSecond, r.Burst)
		}
	}
	if len(ls.by) == 0 {
		return nil
	}
	return ls
}

// Allow takes one request from the bucket of key, a credential of kind c;
// when it is empty it reports how long until it will not be.
func (ls *Limiters) Allow(c Credential, key string) (time.Duration, bool) {
	l := ls.by[c]
	if l == nil {
		return 0, true
	}
	wait, ok := l.Allow(key) // each kind has buckets of its own
	if !ok {
		ls.refused[c].Add(1)
	}
	return wait, ok
}

// Refused counts the requests of kind c refused so far (0 without limits).
func (ls *Limiters) Refused(c Credential) uint64 {
	if ls == nil || ls.refused[c] == nil {
		return 0
	}
	return ls.refused[c].Load()
}

// SetClock replaces the clock of every limiter, for tests.
func (ls *Limiters) SetClock(now func() time.Time) {
	for _, l := range ls.by {
		l.now = now
	}
}

// CredentialOf is the kind of credential an actor authenticated with and
// the key its requests are counted under: a session counts per user (all of
// a person's browsers together), a token per token.
// A token bound to one use case is automation: it is what a pipeline, a
// training job or a CI run is given.
func CredentialOf(a atrium.Actor) (Credential, string) {
	switch {
	case a.TokenID == "":
		return Session, a.UserID
	case a.UseCaseID != "":
		return Automation, a.TokenID
	}
	return PersonalToken, a.TokenID
}
