package main

import (
	"flag"
	"fmt"
	"path/filepath"
	"time"

	"github.com/atrium-mlops/atrium/internal/ingest"
)

// Defaults of the ingestion flags.
const (
	defaultIngestMaxPending = ingest.DefaultMaxPending
	defaultIngestMaxCommit  = ingest.DefaultMaxCommit
	defaultIngestLinger     = ingest.DefaultLinger
	defaultRetentionEvery   = time.Hour
	// defaultGCPercent lets the heap grow four times its live size before
	// a collection: measured at 2,000 single events a second it took the
	// p99 from 10.6–14.7 ms to 8.6–9.8 ms (docs/benchmarks.md). Memory
	// stays bounded by the ingestion gates and queue, not by the GC.
	defaultGCPercent = 400
	// defaultMemoryLimitMiB bounds what that growth may reach: with 256 and
	// 512 clients overloading ingestion the server then stays near it.
	defaultMemoryLimitMiB = 256
)

// ingestFlags binds the flags of ingestion: the pseudonymisation key, the
// ingester's queue and commits, and how often retention runs.
func (c *Config) ingestFlags(fs *flag.FlagSet, env func(name, def string) string, num func(string, float64) float64, dur func(string, time.Duration) time.Duration) {
	fs.StringVar(&c.PseudonymKey, "pseudonym-key", env("PSEUDONYM_KEY", ""), "key file that turns reported subjects and hashed fields into pseudonyms (32 random bytes, created when missing); back it up with the audit key; default pseudonym.key beside the audit key [ATRIUM_PSEUDONYM_KEY]")
	fs.IntVar(&c.IngestMaxPending, "ingest-max-pending", int(num("INGEST_MAX_PENDING", defaultIngestMaxPending)), "events waiting to be committed before ingestion answers 503 with Retry-After [ATRIUM_INGEST_MAX_PENDING]")
	fs.IntVar(&c.IngestMaxCommit, "ingest-max-commit", int(num("INGEST_MAX_COMMIT", defaultIngestMaxCommit)), "most events written in one database commit [ATRIUM_INGEST_MAX_COMMIT]")
	fs.DurationVar(&c.IngestLinger, "ingest-linger", dur("INGEST_LINGER", defaultIngestLinger), "how long a commit waits for more events to join it [ATRIUM_INGEST_LINGER]")
	fs.IntVar(&c.IngestDecoders, "ingest-decoders", int(num("INGEST_DECODERS", 0)), "ingestion requests read and decoded at once; others wait up to 250 ms, then get 503 with Retry-After (0: four per CPU) [ATRIUM_INGEST_DECODERS]")
	fs.IntVar(&c.GCPercent, "gc-percent", int(num("GC_PERCENT", defaultGCPercent)), "heap growth that starts a garbage collection, as GOGC (Go's own default is 100; -1 leaves GOGC in charge) [ATRIUM_GC_PERCENT]")
	fs.Int64Var(&c.MemoryLimit, "memory-limit-mib", int64(num("MEMORY_LIMIT_MIB", defaultMemoryLimitMiB)), "soft limit on the Go heap, in MiB: near it the garbage collector runs more often whatever --gc-percent says (0: none) [ATRIUM_MEMORY_LIMIT_MIB]")
	fs.DurationVar(&c.RetentionEvery, "retention-every", dur("RETENTION_EVERY", defaultRetentionEvery), "how often payloads past their use case's retention are deleted (also once at start) [ATRIUM_RETENTION_EVERY]")
}

// validateIngest fills the pseudonymisation key's default and checks the
// ingestion flags of a server.
func (c *Config) validateIngest() error {
	if c.PseudonymKey == "" {
		c.PseudonymKey = filepath.Join(filepath.Dir(c.AuditKey), "pseudonym.key")
	}
	if c.Addr == "" {
		return nil // not a server
	}
	if c.IngestMaxPending < 1 || c.IngestMaxPending > 10_000_000 {
		return fmt.Errorf("--ingest-max-pending must be from 1 to 10000000 (got %d)", c.IngestMaxPending)
	}
	if c.IngestMaxCommit < 1 || c.IngestMaxCommit > 100_000 {
		return fmt.Errorf("--ingest-max-commit must be from 1 to 100000 (got %d)", c.IngestMaxCommit)
	}
	if c.IngestMaxCommit > c.IngestMaxPending {
		return fmt.Errorf("--ingest-max-commit (%d) cannot be more than --ingest-max-pending (%d)", c.IngestMaxCommit, c.IngestMaxPending)
	}
	if c.IngestDecoders < 0 || c.IngestDecoders > 10_000 {
		return fmt.Errorf("--ingest-decoders must be from 0 (four per CPU) to 10000 (got %d)", c.IngestDecoders)
	}
	if c.GCPercent < -1 || c.GCPercent == 0 || c.GCPercent > 10_000 {
		return fmt.Errorf("--gc-percent must be -1 (GOGC decides) or from 1 to 10000 (got %d)", c.GCPercent)
	}
	if c.MemoryLimit < 0 || c.MemoryLimit > 1<<20 {
		return fmt.Errorf("--memory-limit-mib must be from 0 (none) to 1048576 (got %d)", c.MemoryLimit)
	}
	if c.IngestLinger < 0 || c.IngestLinger > time.Second {
		return fmt.Errorf("--ingest-linger must be from 0 to 1s (got %s)", c.IngestLinger)
	}
	if c.RetentionEvery < time.Minute || c.RetentionEvery > 24*time.Hour {
		return fmt.Errorf("--retention-every must be from 1m to 24h (got %s)", c.RetentionEvery)
	}
	return nil
}
