package store

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/atrium-mlops/atrium/internal/atrium"
)

// tokenCacheTTL is how long a resolved API token is reused without reading
// the database again. A change made through this process (a revoked token,
// a disabled account, a changed admin flag or name) ends every cached
// answer at once; one made by another process sharing the database (a
// second replica, the command line) is seen within this time.
const tokenCacheTTL = 2 * time.Second

// maxCachedTokens bounds the cache; past it, an entry is evicted at random.
const maxCachedTokens = 10_000

// tokenCache remembers the actor each recently used API token resolved to.
// Resolving one took a quarter of a registry read's CPU time through HTTP
// (docs/benchmarks.md, "Registry: reads"): two queries before the request
// had done anything.
type tokenCache struct {
	// gen counts the changes that may alter what a token resolves to; an
	// entry loaded under another generation is not used.
	gen atomic.Uint64
	mu  sync.Mutex
	m   map[string]tokenEntry
}

type tokenEntry struct {
	actor atrium.Actor
	gen   uint64
	until time.Time // loaded + tokenCacheTTL, capped at the token's expiry
}

// generation is read before the database, so a change committed while a
// token is being resolved makes the entry it leads to unusable.
func (c *tokenCache) generation() uint64 { return c.gen.Load() }

// changed ends every cached answer; the store calls it after committing a
// change to tokens or users.
func (c *tokenCache) changed() { c.gen.Add(1) }

func (c *tokenCache) get(digest string, now time.Time) (atrium.Actor, bool) {
	c.mu.Lock()
	e, ok := c.m[digest]
	c.mu.Unlock()
	if !ok || e.gen != c.gen.Load() || !now.Before(e.until) {
		return atrium.Actor{}, false
	}
	return e.actor, true
}

func (c *tokenCache) put(digest string, a atrium.Actor, gen uint64, now time.Time, expires *time.Time) {
	until := now.Add(tokenCacheTTL)
	if expires != nil && expires.Before(until) {
		until = *expires
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[string]tokenEntry{}
	}
	putBounded(c.m, maxCachedTokens, digest, tokenEntry{actor: a, gen: gen, until: until})
}
