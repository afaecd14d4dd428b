package store

import (
	"maps"
	"sync"

	"github.com/atrium-mlops/atrium/internal/registry"
)

// maxCachedVersions bounds the version cache; past it, entries are evicted
// at random, which keeps the cost of a full cache at one map deletion.
const maxCachedVersions = 20_000

// versionCache keeps the decoded content of registry versions the read pool
// has loaded. A version's content never changes after it is written (the
// schema refuses it) and a version row is never deleted on its own (an
// asset's deletion removes its id, which is never reused), so an entry can
// never go stale. Status is not content: reads still take it from the
// database. Only committed rows, read through the read pool, are cached: a
// write transaction sees numbers that a rollback may give back.
//
// Decoding a version's JSON columns and copying them out of SQLite was most
// of a page of versions' cost (docs/benchmarks.md, "Registry: reads").
type versionCache struct {
	mu sync.RWMutex
	m  map[string]registry.Version
}

// get returns a copy of the cached version with its status fields empty.
// The copy's tags are its own; its kind-specific details are shared and
// must be treated as read-only, as every version the store returns.
func (c *versionCache) get(assetID string, n int) (registry.Version, bool) {
	c.mu.RLock()
	v, ok := c.m[versionKey(assetID, n)]
	c.mu.RUnlock()
	if ok {
		v.Tags = maps.Clone(v.Tags)
	}
	return v, ok
}

func (c *versionCache) put(v registry.Version) {
	v.Status, v.StatusReason = "", ""
	v.Tags = maps.Clone(v.Tags)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[string]registry.Version{}
	}
	putBounded(c.m, maxCachedVersions, versionKey(v.AssetID, v.Number), v)
}

// putBounded stores v under k in m, first evicting an arbitrary entry when
// m already holds max: a full cache costs one map deletion, no bookkeeping.
func putBounded[K comparable, V any](m map[K]V, max int, k K, v V) {
	if _, ok := m[k]; !ok && len(m) >= max {
		for old := range m {
			delete(m, old)
			break
		}
	}
	m[k] = v
}

// versionStatus is what a read takes from the database when the content is
// cached.
type versionStatus struct {
	number int
	status registry.Status
	reason string
}

func scanVersionStatus(sc scanner) (versionStatus, error) {
	var s versionStatus
	err := sc.Scan(&s.number, &s.status, &s.reason)
	return s, err
}

// cachedVersion reads version n of asset a through the read pool: its
// status from the database, its content from the cache when it is there.
func (db *DB) cachedVersion(r reader, a registry.Asset, n int) (registry.Version, error) {
	v, ok := db.versions.get(a.ID, n)
	if !ok {
		v, err := versionOf(r, a, n)
		if err == nil {
			db.versions.put(v)
		}
		return v, err
	}
	s, err := scanVersionStatus(r.queryRow(`SELECT number, status, status_reason FROM registry_versions WHERE asset_id = $1 AND number = $2`, a.ID, n))
	if err != nil {
		return v, notFound(err, "version %d of %s %q not found", n, a.Kind, a.Name)
	}
	v.Status, v.StatusReason = s.status, s.reason
	return v, nil
}

// cachedVersionPage reads a page of asset a's versions, newest first: the
// numbers and statuses from the database, the content from the cache, and
// the whole page from the database when any of it is missing there.
func (db *DB) cachedVersionPage(r reader, a registry.Asset, size, offset int) ([]registry.Version, error) {
	page, err := collect(r, scanVersionStatus, `SELECT number, status, status_reason FROM registry_versions WHERE asset_id = $1
		ORDER BY number DESC LIMIT $2 OFFSET $3`, a.ID, size, offset)
	if err != nil {
		return nil, err
	}
	out := make([]registry.Version, 0, len(page))
	for _, s := range page {
		v, ok := db.versions.get(a.ID, s.number)
		if !ok {
			out = nil
			break
		}
		v.Status, v.StatusReason = s.status, s.reason
		out = append(out, v)
	}
	if out != nil {
		return out, nil
	}
	items, err := collect(r, scanVersion, `SELECT `+versionCols+` FROM registry_versions v WHERE v.asset_id = $1
		ORDER BY v.number DESC LIMIT $2 OFFSET $3`, a.ID, size, offset)
	for _, v := range items {
		db.versions.put(v)
	}
	return items, err
}
