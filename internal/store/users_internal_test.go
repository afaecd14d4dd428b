package store

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/atrium-mlops/atrium/internal/atrium"
	"github.com/atrium-mlops/atrium/internal/identity"
	"github.com/atrium-mlops/atrium/internal/store/pgtest"
)

// openBoth runs fn against a fresh SQLite store and, when PostgreSQL is
// configured, a fresh PostgreSQL schema.
func openBoth(t *testing.T, fn func(t *testing.T, db *DB)) {
	t.Helper()
	urls := map[string]func(t *testing.T) string{
		"sqlite":   func(t *testing.T) string { return filepath.Join(t.TempDir(), "atrium.db") },
		"postgres": func(t *testing.T) string { return pgtest.URL(t) },
	}
	for _, name := range []string{"sqlite", "postgres"} {
		t.Run(name, func(t *testing.T) {
			db, err := Open(atrium.WithActor(t.Context(), atrium.System), urls[name](t))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			fn(t, db)
		})
	}
}

// TestPasswordWorkOutsideTheWriter checks every store method that hashes or
// checks a password: that slow work must not run while the write
// connection is held, or one wrong password stalls every write in the
// system. The hook looks at the write pool at the moment of each hash.
func TestPasswordWorkOutsideTheWriter(t *testing.T) {
	const pw, pw2 = "correct horse battery", "another good password"
	openBoth(t, func(t *testing.T, db *DB) {
		base := atrium.WithActor(t.Context(), atrium.System)
		var u identity.User
		tests := []struct {
			name string
			do   func(ctx context.Context) error
		}{
			{"CreateUser", func(ctx context.Context) error {
				var err error
				u, err = db.CreateUser(ctx, identity.User{Email: "ada@example.org"}, pw)
				return err
			}},
			{"Authenticate right", func(ctx context.Context) error {
				_, err := db.Authenticate(ctx, "ada@example.org", pw)
				return err
			}},
			{"Authenticate wrong", func(ctx context.Context) error {
				if _, err := db.Authenticate(ctx, "ada@example.org", pw2); atrium.KindOf(err) != atrium.Unauthenticated {
					t.Errorf("wrong password: err = %v, want unauthenticated", err)
				}
				return nil
			}},
			{"Authenticate unknown", func(ctx context.Context) error {
				if _, err := db.Authenticate(ctx, "nobody@example.org", pw); atrium.KindOf(err) != atrium.Unauthenticated {
					t.Errorf("unknown account: err = %v, want unauthenticated", err)
				}
				return nil
			}},
			{"UpdateUser password", func(ctx context.Context) error {
				_, err := db.UpdateUser(ctx, u.ID, UserPatch{Password: ptr(pw2)})
				return err
			}},
			{"UpdateProfile wrong current", func(ctx context.Context) error {
				_, err := db.UpdateProfile(atrium.WithActor(ctx, atrium.Actor{UserID: u.ID}), ProfilePatch{CurrentPassword: pw, Password: ptr(pw)})
				if atrium.KindOf(err) != atrium.Forbidden {
					t.Errorf("wrong current password: err = %v, want forbidden", err)
				}
				return nil
			}},
			{"UpdateProfile right current", func(ctx context.Context) error {
				_, err := db.UpdateProfile(atrium.WithActor(ctx, atrium.Actor{UserID: u.ID}), ProfilePatch{CurrentPassword: pw2, Password: ptr(pw)})
				return err
			}},
		}
		for _, tt := range tests {
			calls, held := 0, 0
			ctx := context.WithValue(base, passwordHookKey{}, func() {
				calls++
				if db.write.Stats().InUse > 0 {
					held++
				}
			})
			if err := tt.do(ctx); err != nil {
				t.Fatalf("%s: %v", tt.name, err)
			}
			if calls == 0 {
				t.Fatalf("%s: no password was hashed or checked through the hook", tt.name)
			}
			if held != 0 {
				t.Errorf("%s: %d of %d password hashes or checks ran while the write connection was held, want 0", tt.name, held, calls)
			}
		}
	})
}

// TestProfileKeepsAConcurrentPasswordChange changes the password between the
// check of the current one and the write: the profile change must be refused,
// not overwrite it.
func TestProfileKeepsAConcurrentPasswordChange(t *testing.T) {
	const pw, theirs, mine = "correct horse battery", "set by an administrator", "set by the person"
	openBoth(t, func(t *testing.T, db *DB) {
		base := atrium.WithActor(t.Context(), atrium.System)
		u, err := db.CreateUser(base, identity.User{Email: "ada@example.org"}, pw)
		if err != nil {
			t.Fatal(err)
		}
		changed := false
		ctx := context.WithValue(atrium.WithActor(base, atrium.Actor{UserID: u.ID}), passwordHookKey{}, func() {
			if !changed {
				changed = true
				if _, err := db.UpdateUser(base, u.ID, UserPatch{Password: ptr(theirs)}); err != nil {
					t.Errorf("concurrent UpdateUser: %v", err)
				}
			}
		})
		_, err = db.UpdateProfile(ctx, ProfilePatch{CurrentPassword: pw, Password: ptr(mine)})
		if got := atrium.KindOf(err); got != atrium.Conflict {
			t.Fatalf("UpdateProfile after a concurrent change: kind = %q (%v), want %q", got, err, atrium.Conflict)
		}
		if _, err := db.Authenticate(base, "ada@example.org", theirs); err != nil {
			t.Fatalf("the concurrent password was lost: %v", err)
		}
	})
}

func ptr[T any](v T) *T { return &v }
