// Package pgtest gives a test a PostgreSQL schema of its own, so tests can run
// in parallel against one server and leave nothing behind.
//
// The server is named by ATRIUM_TEST_POSTGRES_URL. When it is unset the test
// is skipped — except when CI=true, where it fails: CI must never pass by
// quietly not testing PostgreSQL.
package pgtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
)

// EnvURL names the environment variable holding the server's URL, e.g.
// postgres://postgres@127.0.0.1:5432/test?sslmode=disable.
const EnvURL = "ATRIUM_TEST_POSTGRES_URL"

// BaseURL returns the server's URL from EnvURL. It skips the test when the
// variable is unset, or fails it when CI is "true".
func BaseURL(tb testing.TB) string {
	tb.Helper()
	base := os.Getenv(EnvURL)
	if base == "" {
		if os.Getenv("CI") == "true" {
			tb.Fatalf("%s is not set, and CI must not skip the PostgreSQL tests", EnvURL)
		}
		tb.Skipf("%s is not set; skipping PostgreSQL", EnvURL)
	}
	return base
}

// URL creates a schema named atrium_test_<random> and returns BaseURL with
// search_path set to it, so everything a connection through the URL creates
// lands in that schema. The schema is dropped, with its contents, when the
// test ends; close every connection to it first (cleanups run last-in
// first-out, so a database opened after URL returns is closed in time).
func URL(tb testing.TB) string {
	tb.Helper()
	base := BaseURL(tb)
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		tb.Fatalf("%s=%q is not a postgres:// URL", EnvURL, base)
	}
	b := make([]byte, 8)
	rand.Read(b)
	schema := "atrium_test_" + hex.EncodeToString(b)

	// The schema name is ours and safe as an identifier; nothing is quoted.
	exec(tb, base, "CREATE SCHEMA "+schema)
	tb.Cleanup(func() { exec(tb, base, "DROP SCHEMA IF EXISTS "+schema+" CASCADE") })

	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// exec runs one statement on a connection of its own, which is closed at once
// so that parallel tests do not hold idle connections to the server.
func exec(tb testing.TB, dsn, stmt string) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		tb.Fatalf("pgtest: open %s: %v", EnvURL, err)
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, stmt); err != nil {
		tb.Fatalf("pgtest: %s: %v", stmt, err)
	}
}
