// Package throttle slows down callers who ask too often: a token bucket per
// API token or session for the general rate limit, and the login throttle
// that bounds password checks by client address and by account. Both live
// in memory: with several replicas each enforces its own share.
package throttle

import (
	"math"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/atrium-mlops/atrium/internal/atrium"
	"github.com/atrium-mlops/atrium/internal/identity"
)

// Limiter is a token bucket per key (an API token or a session's user).
type Limiter struct {
	mu      sync.Mutex
	rate    float64
	burst   float64
	buckets map[string]*bucket
	swept   time.Time
	now     func() time.Time
}

type bucket struct {
	tokens float64
	last   time.Time
}

// NewLimiter allows rate requests a second per key, with burst of headroom
// (rate+1 when burst is below one).
func NewLimiter(rate float64, burst int) *Limiter {
	if burst < 1 {
		burst = int(rate) + 1
	}
	return &Limiter{rate: rate, burst: float64(burst), buckets: map[string]*bucket{}, now: time.Now}
}

// Allow takes one token for key; when none is left it reports how long until
// one will be.
func (l *Limiter) Allow(key string) (time.Duration, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if now.Sub(l.swept) > time.Minute {
		// Forget full buckets so the map does not grow without bound.
		for k, b := range l.buckets {
			if now.Sub(b.last).Seconds()*l.rate >= l.burst {
				delete(l.buckets, k)
			}
		}
		l.swept = now
	}
	b, ok := l.buckets[key]
	if !ok {
		b = &bucket{tokens: l.burst, last: now}
		l.buckets[key] = b
	}
	b.tokens = min(l.burst, b.tokens+now.Sub(b.last).Seconds()*l.rate)
	b.last = now
	// A bucket refilled in many small steps can fall short of a whole token
	// by a rounding error; that counts as whole, so a refusal always has a
	// wait worth saying.
	if b.tokens >= 1-1e-9 {
		b.tokens = max(0, b.tokens-1)
		return 0, true
	}
	return time.Duration((1 - b.tokens) / l.rate * float64(time.Second)), false
}

// Give returns a token taken by Allow, when the request it paid for turned
// out not to count.
func (l *Limiter) Give(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if b, ok := l.buckets[key]; ok {
		b.tokens = min(l.burst, b.tokens+1)
	}
}

// Login throttling applies whatever --rate-limit says, because a password
// check costs an argon2id computation (19 MiB, tens of milliseconds) and
// guessing must stay slow even on a server run without a general limit.
const (
	// AddrBurst and AddrRate: an address may try 20 passwords, then one
	// every 3 seconds.
	AddrBurst = 20
	AddrRate  = 1.0 / 3
	// AccountBurst and AccountRate: an account may be tried 5 times, then
	// once every 10 seconds.
	AccountBurst = 5
	AccountRate  = 1.0 / 10
	// An address that signed in to an account is remembered this long and
	// gets an allowance of its own for that account (see Logins).
	knownFor = 30 * 24 * time.Hour
	knownMax = 10000
)

// Logins limits password checks: sign-ins per client address and per
// account, and password changes per account. Every attempt is charged before
// the password is checked, so concurrent guesses cannot overshoot the limit,
// and refunded when the password was right: only failures count.
//
// The account allowance is shared by every address that has not signed in to
// the account before. An address that has (in the last knownFor) has an
// allowance of its own, so someone guessing from elsewhere slows sign-in from
// new places but cannot lock the owner out of their usual one; existing
// sessions and API tokens are never affected. Like Limiter, this lives in
// memory, per replica, and forgets known addresses on restart.
type Logins struct {
	addrs    *Limiter
	accounts *Limiter
	mu       sync.Mutex
	known    map[string]time.Time // account + "\x00" + address → last sign-in
	now      func() time.Time
}

// NewLogins makes a login throttle with nothing charged yet.
func NewLogins() *Logins {
	return &Logins{
		addrs:    NewLimiter(AddrRate, AddrBurst),
		accounts: NewLimiter(AccountRate, AccountBurst),
		known:    map[string]time.Time{},
		now:      time.Now,
	}
}

// SetClock replaces the clock of the throttle and its limiters, for tests.
func (t *Logins) SetClock(now func() time.Time) {
	t.now, t.addrs.now, t.accounts.now = now, now, now
}

// Attempt is one charge against the throttle, settled by its outcome.
type Attempt struct {
	t        *Logins
	account  string // the account's bucket key; "" when none was charged
	addr     string // the address's bucket key; "" when none was charged
	known    string // the known-address key to remember on success
	refunded bool
}

// Begin charges one password check about account from addr; byAddress also
// charges the address (sign-in, where the caller is anonymous). account is
// the normalised e-mail, or "" when the input is not an address, which is
// refused without a check. When refused, begin reports how long to wait.
func (t *Logins) Begin(account, addr string, byAddress bool) (*Attempt, time.Duration, bool) {
	a := &Attempt{t: t}
	if byAddress {
		if wait, ok := t.addrs.Allow(addr); !ok {
			return nil, wait, false
		}
		a.addr = addr
	}
	if account != "" {
		a.known = account + "\x00" + addr
		a.account = account
		t.mu.Lock()
		if at, ok := t.known[a.known]; ok && t.now().Sub(at) < knownFor {
			a.account = a.known
		}
		t.mu.Unlock()
		if wait, ok := t.accounts.Allow(a.account); !ok {
			a.account = "" // nothing taken there
			a.refund()
			return nil, wait, false
		}
	}
	return a, 0, true
}

// Settle records the outcome of the check: a wrong password
// (Unauthenticated from sign-in, Forbidden from a password change) keeps
// its charge; a right one is refunded and its address remembered; any other
// failure checked nothing and is refunded.
func (a *Attempt) Settle(err error) {
	switch atrium.KindOf(err) {
	case atrium.Unauthenticated, atrium.Forbidden:
		return
	}
	a.refund()
	if err != nil || a.known == "" {
		return
	}
	t := a.t
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	if len(t.known) >= knownMax {
		for k, at := range t.known {
			if now.Sub(at) >= knownFor {
				delete(t.known, k)
			}
		}
		for k := range t.known {
			if len(t.known) < knownMax {
				break
			}
			delete(t.known, k) // still full: forget some, so memory stays bounded
		}
	}
	t.known[a.known] = now
}

func (a *Attempt) refund() {
	if a.refunded {
		return
	}
	a.refunded = true
	if a.addr != "" {
		a.t.addrs.Give(a.addr)
	}
	if a.account != "" {
		a.t.accounts.Give(a.account)
	}
}

// AccountKey is the throttle's name for the account an e-mail names, or ""
// when it is not an address (such input is refused before any check).
func AccountKey(email string) string {
	v, err := identity.NormalizeEmail(email)
	if err != nil {
		return ""
	}
	return v
}

// RetryAfter sets Retry-After for a wait and returns it in whole seconds,
// rounded up and at least one.
func RetryAfter(w http.ResponseWriter, wait time.Duration) int {
	secs := max(1, int(math.Ceil(wait.Seconds())))
	w.Header().Set("Retry-After", strconv.Itoa(secs))
	return secs
}

// ClientIP is the address a request is counted against: the peer address;
// proxies are not trusted for it.
func ClientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
