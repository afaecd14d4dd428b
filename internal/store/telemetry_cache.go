package store

import (
	"crypto/rand"
	"encoding/base32"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/atrium-mlops/atrium/internal/telemetry"
)

// telemetryCaches keep what ingestion asks on every request: what a key or
// a feedback link resolves to and a use case's policy (each for at most
// tokenCacheTTL, ended at once by a change made through this process), and
// the reference bins of model versions (immutable, so never stale).
type telemetryCaches struct {
	keys     ttlCache[telemetry.KeyScope]
	links    ttlCache[LinkScope]
	policies ttlCache[policyEntry]
	refs     refCache
}

// policyEntry is what PolicyFor answers.
type policyEntry struct {
	policy   telemetry.Policy
	highRisk bool
}

// ttlCache is the token cache's pattern (authcache.go) for any value: entries
// live until a deadline, and one loaded under an older generation is not
// used, so that changed() ends every answer at once.
type ttlCache[V any] struct {
	gen atomic.Uint64
	mu  sync.Mutex
	m   map[string]ttlEntry[V]
}

type ttlEntry[V any] struct {
	v     V
	gen   uint64
	until time.Time
}

// generation is read before the database, so a change committed while a
// value is being loaded makes the entry it leads to unusable.
func (c *ttlCache[V]) generation() uint64 { return c.gen.Load() }

func (c *ttlCache[V]) changed() { c.gen.Add(1) }

func (c *ttlCache[V]) get(k string, now time.Time) (V, bool) {
	c.mu.Lock()
	e, ok := c.m[k]
	c.mu.Unlock()
	if !ok || e.gen != c.gen.Load() || !now.Before(e.until) {
		var zero V
		return zero, false
	}
	return e.v, true
}

// put keeps v for tokenCacheTTL, or until expires when that is sooner.
func (c *ttlCache[V]) put(k string, v V, gen uint64, now time.Time, expires *time.Time) {
	until := now.Add(tokenCacheTTL)
	if expires != nil && expires.Before(until) {
		until = *expires
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[string]ttlEntry[V]{}
	}
	putBounded(c.m, maxCachedTokens, k, ttlEntry[V]{v: v, gen: gen, until: until})
}

// maxCachedRefs bounds the reference cache.
const maxCachedRefs = 10_000

// refCache keeps the reference bins of model versions, with the use case
// each belongs to. A version's content never changes, nor does its training
// dataset version's profile, nor an asset's use case.
type refCache struct {
	mu sync.RWMutex
	m  map[string]refEntry
}

type refEntry struct {
	ref       telemetry.Reference
	useCaseID string
}

func (c *refCache) get(assetID string, n int) (refEntry, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	r, ok := c.m[versionKey(assetID, n)]
	return r, ok
}

func (c *refCache) put(assetID string, n int, r refEntry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[string]refEntry{}
	}
	putBounded(c.m, maxCachedRefs, versionKey(assetID, n), r)
}

// Secret prefixes: an ingestion key, a feedback link.
const (
	ingestKeyPrefix    = "atri_"
	feedbackLinkPrefix = "atrf_"
	// secretShown is how much of a secret is kept in the clear, to tell
	// secrets apart in lists.
	secretShown = 10
)

var secretEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// newTelemetrySecret returns prefix followed by 32 random bytes in lower-case
// base32.
func newTelemetrySecret(prefix string) string {
	b := make([]byte, 32)
	rand.Read(b) // crypto/rand never fails on supported platforms
	return prefix + strings.ToLower(secretEncoding.EncodeToString(b))
}
