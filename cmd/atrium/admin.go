package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/atrium-mlops/atrium/internal/atrium"
	"github.com/atrium-mlops/atrium/internal/identity"
	"github.com/atrium-mlops/atrium/internal/store"
)

// openDB opens and migrates the configured database, acting as the system.
func openDB(ctx context.Context, c *Config) (*store.DB, context.Context, error) {
	if !store.IsPostgres(c.DB) {
		if err := os.MkdirAll(c.Data, 0o700); err != nil {
			return nil, ctx, err
		}
	}
	db, err := store.Open(ctx, c.DB)
	return db, atrium.WithActor(ctx, atrium.System), err
}

func runMigrate(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	c, fs := newFlags("migrate", getenv, stderr, false)
	if err := c.parse(fs, args); err != nil {
		return err
	}
	db, ctx, err := openDB(ctx, c)
	if err != nil {
		return err
	}
	defer db.Close()
	ms, err := db.Migrations(ctx)
	if err != nil {
		return err
	}
	for _, m := range ms {
		fmt.Fprintf(stdout, "applied %s\n", m.Version)
	}
	fmt.Fprintf(stdout, "%s database is up to date (%d migrations)\n", db.Dialect(), len(ms))
	return nil
}

func runUserAdd(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	c, fs := newFlags("user add", getenv, stderr, false)
	email := fs.String("email", "", "the user's e-mail address (required)")
	name := fs.String("name", "", "display name; defaults to the part of the e-mail before @")
	isAdmin := fs.Bool("admin", false, "make the user an administrator")
	pwFile := fs.String("password-file", "", "file whose first line is the password; without it the user signs in with tokens only")
	team := fs.String("team", "", "slug of a team to add the user to")
	if err := c.parse(fs, args); err != nil {
		return err
	}
	if *email == "" {
		return fmt.Errorf("--email is required")
	}
	var password string
	if *pwFile != "" {
		b, err := os.ReadFile(*pwFile)
		if err != nil {
			return fmt.Errorf("read password file: %w", err)
		}
		password, _, _ = strings.Cut(string(b), "\n")
		if password = strings.TrimRight(password, "\r"); password == "" {
			return fmt.Errorf("the password file's first line is empty")
		}
	}
	db, ctx, err := openDB(ctx, c)
	if err != nil {
		return err
	}
	defer db.Close()
	u, err := db.CreateUser(ctx, identity.User{Email: *email, Name: *name, Admin: *isAdmin}, password)
	if err != nil {
		return err
	}
	if *team != "" {
		if err := db.AddTeamMember(ctx, *team, u.ID); err != nil {
			return fmt.Errorf("user %s created, but adding them to team %q failed: %w", u.Email, *team, err)
		}
	}
	fmt.Fprintf(stdout, "created user %s (%s) with id %s\n", u.Email, u.Name, u.ID)
	return nil
}

func runTokenCreate(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	c, fs := newFlags("token create", getenv, stderr, false)
	email := fs.String("user", "", "e-mail of the user the token acts as (required)")
	name := fs.String("name", "", "what the token is for, e.g. \"training pipeline\" (required)")
	expires := fs.String("expires", "90d", "lifetime such as 30d, 12h, or never; at most 1825d (5 years)")
	scope := fs.String("usecase", "", "bind the token to this use case (slug): it acts there only, and MLflow clients using it work in that use case")
	if err := c.parse(fs, args); err != nil {
		return err
	}
	if *email == "" || *name == "" {
		return fmt.Errorf("--user and --name are required")
	}
	ttl, err := identity.ParseTTL(*expires)
	if err != nil {
		return err
	}
	db, ctx, err := openDB(ctx, c)
	if err != nil {
		return err
	}
	defer db.Close()
	u, err := db.GetUserByEmail(ctx, *email)
	if err != nil {
		return err
	}
	var secret string
	if *scope != "" {
		_, secret, err = db.CreateScopedToken(ctx, u.ID, *name, ttl, *scope)
	} else {
		_, secret, err = db.CreateToken(ctx, u.ID, *name, ttl)
	}
	if err != nil {
		return err
	}
	// Only the token on standard output, so scripts can capture it.
	fmt.Fprintln(stdout, secret)
	return nil
}
