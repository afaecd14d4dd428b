package main

import (
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/atrium-mlops/atrium/internal/artifact"
	"github.com/atrium-mlops/atrium/internal/registry"
)

// Config is everything a command can be told, from flags, then ATRIUM_*
// environment variables, then defaults.
type Config struct {
	Addr               string
	Data               string
	DB                 string
	AuditKey           string
	AllowedHosts       string
	TrustedOrigins     string
	RateLimit          float64
	RateBurst          int
	rate               rateConfig // per kind of credential, see config_limits.go
	SessionTTL         time.Duration
	CheckpointEvery    int64
	CheckpointInterval time.Duration
	TLSCert            string
	TLSKey             string
	AdminEmail         string
	Templates          string
	Artifacts          string
	ArtifactMaxBytes   int64
	LogFormat          string
	LogLevel           string
	MLflowArtifactRoot string
	// Ingestion (config_ingest.go).
	PseudonymKey     string
	IngestMaxPending int
	IngestMaxCommit  int
	IngestDecoders   int
	IngestLinger     time.Duration
	RetentionEvery   time.Duration
	GCPercent        int
	MemoryLimit      int64
}

// flags binds the storage flags every command shares, and the server flags
// when server is true. Each flag's default comes from its ATRIUM_* twin.
func (c *Config) flags(fs *flag.FlagSet, getenv func(string) string, server bool) {
	env := func(name, def string) string {
		if v := getenv("ATRIUM_" + name); v != "" {
			return v
		}
		return def
	}
	fs.StringVar(&c.Data, "data", env("DATA", "./atrium-data"), "data folder (SQLite database, audit key) [ATRIUM_DATA]")
	fs.StringVar(&c.DB, "db", env("DB", ""), "database: postgres://… URL or SQLite file; default <data>/atrium.db [ATRIUM_DB]")
	fs.StringVar(&c.AuditKey, "audit-key", env("AUDIT_KEY", ""), "audit signing key file; default <data>/audit/signing.key [ATRIUM_AUDIT_KEY]")
	fs.StringVar(&c.LogFormat, "log-format", env("LOG_FORMAT", "auto"), "log format: auto, text or json [ATRIUM_LOG_FORMAT]")
	fs.StringVar(&c.LogLevel, "log-level", env("LOG_LEVEL", "info"), "log level: debug, info, warn, error [ATRIUM_LOG_LEVEL]")
	if !server {
		return
	}
	num := func(name string, def float64) float64 {
		v, err := strconv.ParseFloat(env(name, ""), 64)
		if err != nil {
			return def
		}
		return v
	}
	dur := func(name string, def time.Duration) time.Duration {
		v, err := time.ParseDuration(env(name, ""))
		if err != nil {
			return def
		}
		return v
	}
	fs.StringVar(&c.Addr, "addr", env("ADDR", "127.0.0.1:8420"), "address to listen on [ATRIUM_ADDR]")
	fs.StringVar(&c.AllowedHosts, "allowed-hosts", env("ALLOWED_HOSTS", ""), "comma-separated Host names to answer for; empty allows any [ATRIUM_ALLOWED_HOSTS]")
	fs.StringVar(&c.TrustedOrigins, "trusted-origins", env("TRUSTED_ORIGINS", ""), "comma-separated origins allowed to make cross-origin browser writes [ATRIUM_TRUSTED_ORIGINS]")
	fs.Float64Var(&c.RateLimit, "rate-limit", num("RATE_LIMIT", 0), "requests per second for every kind of credential not given its own --rate-limit-KIND; 0 disables them [ATRIUM_RATE_LIMIT]")
	fs.IntVar(&c.RateBurst, "rate-burst", int(num("RATE_BURST", 0)), "burst for every kind of credential not given its own --rate-limit-KIND [ATRIUM_RATE_BURST]")
	c.rateFlags(fs, getenv, env)
	fs.DurationVar(&c.SessionTTL, "session-ttl", dur("SESSION_TTL", 12*time.Hour), "browser session lifetime [ATRIUM_SESSION_TTL]")
	fs.Int64Var(&c.CheckpointEvery, "checkpoint-every", int64(num("CHECKPOINT_EVERY", 1000)), "sign an audit checkpoint after this many entries [ATRIUM_CHECKPOINT_EVERY]")
	fs.DurationVar(&c.CheckpointInterval, "checkpoint-interval", dur("CHECKPOINT_INTERVAL", 5*time.Minute), "sign an audit checkpoint at least this often while entries arrive [ATRIUM_CHECKPOINT_INTERVAL]")
	fs.StringVar(&c.TLSCert, "tls-cert", env("TLS_CERT", ""), "TLS certificate file; serve HTTPS when set with --tls-key [ATRIUM_TLS_CERT]")
	fs.StringVar(&c.TLSKey, "tls-key", env("TLS_KEY", ""), "TLS private key file [ATRIUM_TLS_KEY]")
	fs.StringVar(&c.AdminEmail, "admin-email", env("ADMIN_EMAIL", "admin@atrium.localhost"), "e-mail of the administrator created on first start [ATRIUM_ADMIN_EMAIL]")
	fs.StringVar(&c.Artifacts, "artifacts", env("ARTIFACTS", ""), "blob store of uploaded artifacts: a folder, or an s3://, gs:// or azblob:// bucket URL (drivers need the s3, gcs or azure build tag); default <data>/artifacts [ATRIUM_ARTIFACTS]")
	fs.Int64Var(&c.ArtifactMaxBytes, "artifact-max-bytes", int64(num("ARTIFACT_MAX_BYTES", float64(artifact.DefaultMaxBytes))), "largest artifact upload in bytes [ATRIUM_ARTIFACT_MAX_BYTES]")
	fs.StringVar(&c.Templates, "templates", env("TEMPLATES", ""), "folder of extra canvas templates (*.yaml) offered beside the built-in ones [ATRIUM_TEMPLATES]")
	c.ingestFlags(fs, env, num, dur)
	fs.StringVar(&c.MLflowArtifactRoot, "mlflow-artifact-root", env("MLFLOW_ARTIFACT_ROOT", ""), "where MLflow runs of experiments created without an artifact location keep their files, e.g. s3://bucket/mlflow; Atrium never reads or writes there (default: the mlflow-artifacts: proxy, which stores nothing) [ATRIUM_MLFLOW_ARTIFACT_ROOT]")
}

// newFlags returns a command's configuration and its flag set; the command
// may add its own flags before calling parse.
func newFlags(name string, getenv func(string) string, stderr io.Writer, server bool) (*Config, *flag.FlagSet) {
	c := &Config{}
	fs := flag.NewFlagSet("atrium "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	c.flags(fs, getenv, server)
	return c, fs
}

// parse reads args into the flag set and validates the result.
func (c *Config) parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	c.rate.noteGiven(fs)
	return c.validate()
}

// validate fills derived defaults and checks the configuration.
func (c *Config) validate() error {
	if c.Data == "" {
		return fmt.Errorf("--data must name a folder")
	}
	if c.DB == "" {
		c.DB = filepath.Join(c.Data, "atrium.db")
	}
	if c.AuditKey == "" {
		c.AuditKey = filepath.Join(c.Data, "audit", "signing.key")
	}
	if c.Artifacts == "" {
		c.Artifacts = filepath.Join(c.Data, "artifacts")
	}
	if err := c.validateIngest(); err != nil {
		return err
	}
	if c.Addr != "" {
		if err := artifact.CheckMaxBytes(c.ArtifactMaxBytes); err != nil {
			return fmt.Errorf("--artifact-max-bytes: %w", err)
		}
	}
	if (c.TLSCert == "") != (c.TLSKey == "") {
		return fmt.Errorf("--tls-cert and --tls-key go together")
	}
	if c.MLflowArtifactRoot != "" {
		if _, err := registry.CanonicalURI(c.MLflowArtifactRoot); err != nil {
			return fmt.Errorf("--mlflow-artifact-root: %w", err)
		}
	}
	if c.RateLimit < 0 || c.RateBurst < 0 {
		return fmt.Errorf("--rate-limit and --rate-burst cannot be negative")
	}
	if c.CheckpointEvery < 1 && c.Addr != "" {
		return fmt.Errorf("--checkpoint-every must be at least 1")
	}
	switch c.LogFormat {
	case "auto", "text", "json":
	default:
		return fmt.Errorf("--log-format must be auto, text or json")
	}
	return c.resolveLimits()
}

// checkpointFile is where signed checkpoints are kept outside the database.
func (c *Config) checkpointFile() string {
	return filepath.Join(filepath.Dir(c.AuditKey), "checkpoints")
}

// list splits a comma-separated flag value.
func list(v string) []string {
	var out []string
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(strings.ToLower(s)); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// logger builds the structured logger: text on a terminal, JSON otherwise.
func (c *Config) logger(w io.Writer) *slog.Logger {
	var level slog.Level
	if err := level.UnmarshalText([]byte(c.LogLevel)); err != nil {
		level = slog.LevelInfo
	}
	opts := &slog.HandlerOptions{Level: level}
	text := c.LogFormat == "text"
	if c.LogFormat == "auto" {
		if f, ok := w.(*os.File); ok {
			if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
				text = true
			}
		}
	}
	if text {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}
