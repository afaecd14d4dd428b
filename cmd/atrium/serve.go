package main

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"runtime/debug"
	"sync"
	"time"

	"github.com/atrium-mlops/atrium/internal/artifact/blobs"
	"github.com/atrium-mlops/atrium/internal/atrium"
	"github.com/atrium-mlops/atrium/internal/audit"
	"github.com/atrium-mlops/atrium/internal/canvas"
	"github.com/atrium-mlops/atrium/internal/identity"
	"github.com/atrium-mlops/atrium/internal/ingest"
	"github.com/atrium-mlops/atrium/internal/store"
	"github.com/atrium-mlops/atrium/internal/telemetry"
	"github.com/atrium-mlops/atrium/internal/web"
)

// auditOrigin names this log in signed checkpoints.
const auditOrigin = "atrium"

// runServe runs the server until ctx ends. With demo set, it first creates a
// fresh data folder (unless --data names an empty one) and seeds an example.
func runServe(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer, demo bool) error {
	start := time.Now()
	name := "serve"
	if demo {
		name = "demo"
	}
	c, fs := newFlags(name, getenv, stderr, true)
	if err := c.parse(fs, args); err != nil {
		return err
	}
	// Templates are read before anything is created, so a broken one stops
	// the start at once with its file, line and reason.
	templates, err := canvas.LoadLibrary(c.Templates)
	if err != nil {
		return fmt.Errorf("canvas templates: %w", err)
	}
	if demo {
		if err := prepareDemoFolder(c, fs); err != nil {
			return err
		}
	}
	log := c.logger(stderr)
	if c.GCPercent > 0 {
		debug.SetGCPercent(c.GCPercent)
	}
	if c.MemoryLimit > 0 {
		debug.SetMemoryLimit(c.MemoryLimit << 20)
	}
	if err := os.MkdirAll(c.Data, 0o700); err != nil {
		return fmt.Errorf("create data folder: %w", err)
	}
	// Held for as long as the server runs, so that restore can tell the
	// database is in use; released after the store is closed.
	lock, err := store.LockShared(c.DB)
	if errors.Is(err, store.ErrInUse) {
		return fmt.Errorf("a restore is replacing %s; start the server once it has finished", c.DB)
	}
	if err != nil {
		return err
	}
	defer lock.Release()
	db, err := store.Open(ctx, c.DB, store.WithTemplates(templates))
	if err != nil {
		return err
	}
	defer db.Close()
	signer, _, err := audit.LoadOrCreateKey(c.AuditKey, auditOrigin)
	if err != nil {
		return err
	}
	pkey, err := loadOrCreatePseudonymKey(c.PseudonymKey)
	if err != nil {
		return err
	}
	pseudonyms, err := telemetry.NewPseudonymiser(pkey)
	if err != nil {
		return fmt.Errorf("pseudonymisation key %s: %w", c.PseudonymKey, err)
	}
	// The ingester is closed after the server has stopped taking requests
	// and before the store (defers run last first), so every event it
	// acknowledged is committed.
	in := ingest.New(ingest.Options{DB: db, Pseudonymiser: pseudonyms, MaxPending: c.IngestMaxPending,
		MaxCommit: c.IngestMaxCommit, Linger: c.IngestLinger, Log: log})
	defer in.Close()
	retCtx, stopRetention := context.WithCancel(ctx)
	var retention sync.WaitGroup
	retention.Go(func() { runRetention(retCtx, db, c.RetentionEvery, time.Now, log) })
	defer retention.Wait()
	defer stopRetention()
	ctx = atrium.WithActor(ctx, atrium.System)
	if demo {
		if err := seedDemo(ctx, db, in, c, templates, stdout); err != nil {
			return err
		}
	} else if err := bootstrap(ctx, db, c, stdout); err != nil {
		return err
	}
	// Artifacts' bytes live in the blob store; a bucket URL whose driver
	// this binary lacks stops the start here with the build tag it needs.
	bucket, err := blobs.Open(ctx, c.Artifacts)
	if err != nil {
		return err
	}
	defer bucket.Close()
	srv, err := web.New(web.Options{
		Limits: &c.rate.Limits, // per kind of credential (config_limits.go)

		DB: db, Log: log, AllowedHosts: list(c.AllowedHosts), TrustedOrigins: list(c.TrustedOrigins),
		RateLimit: c.RateLimit, RateBurst: c.RateBurst, MLflowArtifactRoot: c.MLflowArtifactRoot, SessionTTL: c.SessionTTL, Version: version,
		Artifacts: bucket, ArtifactMaxBytes: c.ArtifactMaxBytes, Ingester: in, IngestDecoders: c.IngestDecoders,
		// Derived from the pseudonymisation key, so that replicas sharing
		// the key files accept each other's feedback forms, and a restart
		// does not void the forms people have open.
		FeedbackKey: derivedKey(pkey, "atrium feedback forms"),
	})
	if err != nil {
		return err
	}
	cp := &audit.Checkpointer{Head: db, Signer: signer, Origin: auditOrigin, File: c.checkpointFile(),
		Every: c.CheckpointEvery, Interval: c.CheckpointInterval, Log: log}
	return listenAndServe(ctx, c, srv, cp, log, stdout, fmt.Sprintf("database: %s, started in %d ms", db.Dialect(), time.Since(start).Milliseconds()))
}

// listenAndServe serves until ctx ends, then lets requests in flight finish
// and has the checkpointer sign a final checkpoint before returning, so the
// caller can close the store.
func listenAndServe(ctx context.Context, c *Config, h http.Handler, cp *audit.Checkpointer, log *slog.Logger, stdout io.Writer, ready string) error {
	ln, err := net.Listen("tcp", c.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", c.Addr, err)
	}
	hs := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
	}
	cpCtx, stopCP := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { cp.Run(cpCtx) })
	defer wg.Wait() // the final checkpoint is signed before the store closes
	defer stopCP()

	scheme := "http"
	if c.TLSCert != "" {
		scheme = "https"
	}
	fmt.Fprintf(stdout, "Atrium %s is listening on %s://%s (%s)\n", version, scheme, ln.Addr(), ready)
	log.Info("listening", "addr", ln.Addr().String(), "detail", ready)
	served := make(chan error, 1)
	go func() {
		if c.TLSCert != "" {
			served <- hs.ServeTLS(ln, c.TLSCert, c.TLSKey)
		} else {
			served <- hs.Serve(ln)
		}
	}()
	select {
	case err = <-served:
	case <-ctx.Done():
		log.Info("shutting down: finishing requests in flight")
		shutdown, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		err = hs.Shutdown(shutdown)
		cancel()
	}
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

// bootstrap creates the first administrator (with a random password printed
// once) and a default team when the database has no users at all.
func bootstrap(ctx context.Context, db *store.DB, c *Config, stdout io.Writer) error {
	n, err := db.CountUsers(ctx)
	if err != nil || n > 0 {
		return err
	}
	password, u, err := createAdmin(ctx, db, c.AdminEmail, "Administrator")
	if err != nil {
		return err
	}
	if _, err := db.CreateTeam(ctx, identity.Team{Slug: "default", Name: "Default team"}); err != nil && atrium.KindOf(err) != atrium.Conflict {
		return err
	}
	if err := db.AddTeamMember(ctx, "default", u.ID); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "\nFirst start: created the administrator account.\n  e-mail:   %s\n  password: %s\nThis password is shown only now. Log in and change it under your name, top right.\n\n", c.AdminEmail, password)
	return nil
}

// createAdmin adds an administrator with a fresh random password, which it
// returns: Atrium never ships a fixed default password.
func createAdmin(ctx context.Context, db *store.DB, email, name string) (string, identity.User, error) {
	secret, _ := identity.NewSecret("")
	password := secret[:24]
	u, err := db.CreateUser(ctx, identity.User{Email: email, Name: name, Admin: true}, password)
	if err != nil {
		return "", u, fmt.Errorf("create administrator: %w", err)
	}
	return password, u, nil
}

// derivedKey is a key for one purpose, derived from a secret kept for
// another: HMAC-SHA256 of the purpose under the secret.
func derivedKey(secret []byte, purpose string) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(purpose))
	return m.Sum(nil)
}
