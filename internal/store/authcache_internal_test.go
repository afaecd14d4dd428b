package store

import (
	"testing"
	"time"

	"github.com/atrium-mlops/atrium/internal/atrium"
	"github.com/atrium-mlops/atrium/internal/identity"
)

// TestTokenCacheFollowsChanges resolves tokens through the cache while they
// are revoked, their account is disabled or renamed, and they expire: each
// change is seen by the very next request.
func TestTokenCacheFollowsChanges(t *testing.T) {
	openBoth(t, func(t *testing.T, db *DB) {
		now := time.Date(2026, 3, 3, 14, 0, 0, 0, time.UTC)
		db.SetClock(func() time.Time { return now })
		sys := atrium.WithActor(t.Context(), atrium.System)
		u, err := db.CreateUser(sys, identity.User{Email: "ann@example.org", Name: "Ann"}, "")
		if err != nil {
			t.Fatalf("CreateUser: %v", err)
		}
		resolve := func(secret string) (atrium.Actor, error) {
			t.Helper()
			a, err := db.TokenActor(t.Context(), secret)
			if b, err2 := db.TokenActor(t.Context(), secret); (err == nil) != (err2 == nil) || a != b {
				t.Fatalf("a second resolution (from the cache) differs: %+v %v, then %+v %v", a, err, b, err2)
			}
			return a, err
		}
		tok, secret, err := db.CreateToken(sys, u.ID, "ci", time.Hour)
		if err != nil {
			t.Fatalf("CreateToken: %v", err)
		}
		if a, err := resolve(secret); err != nil || a.Name != "Ann" {
			t.Fatalf("TokenActor = %+v, %v", a, err)
		}
		name := "Ann Lee"
		if _, err := db.UpdateUser(sys, u.ID, UserPatch{Name: &name}); err != nil {
			t.Fatalf("UpdateUser: %v", err)
		}
		if a, err := resolve(secret); err != nil || a.Name != "Ann Lee" {
			t.Fatalf("after a rename: %+v, %v", a, err)
		}
		if _, err := db.RevokeToken(sys, tok.ID); err != nil {
			t.Fatalf("RevokeToken: %v", err)
		}
		if _, err := resolve(secret); atrium.KindOf(err) != atrium.Unauthenticated {
			t.Fatalf("a revoked token resolved: %v", err)
		}

		_, other, err := db.CreateToken(sys, u.ID, "laptop", time.Hour)
		if err != nil {
			t.Fatalf("CreateToken: %v", err)
		}
		if _, err := resolve(other); err != nil {
			t.Fatal(err)
		}
		off := true
		if _, err := db.UpdateUser(sys, u.ID, UserPatch{Disabled: &off}); err != nil {
			t.Fatalf("UpdateUser: %v", err)
		}
		if _, err := resolve(other); atrium.KindOf(err) != atrium.Unauthenticated {
			t.Fatalf("a disabled account's token resolved: %v", err)
		}

		// A token that expires within the cache's time is refused from
		// its expiry on, not tokenCacheTTL later.
		on := false
		if _, err := db.UpdateUser(sys, u.ID, UserPatch{Disabled: &on}); err != nil {
			t.Fatalf("UpdateUser: %v", err)
		}
		_, short, err := db.CreateToken(sys, u.ID, "short", tokenCacheTTL/2)
		if err != nil {
			t.Fatalf("CreateToken: %v", err)
		}
		if _, err := resolve(short); err != nil {
			t.Fatal(err)
		}
		now = now.Add(tokenCacheTTL / 2)
		if _, err := resolve(short); atrium.KindOf(err) != atrium.Unauthenticated {
			t.Fatalf("an expired token resolved: %v", err)
		}
	})
}
