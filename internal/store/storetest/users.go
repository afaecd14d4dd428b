package storetest

import (
	"strings"
	"testing"
	"time"

	"github.com/atrium-mlops/atrium/internal/atrium"
	"github.com/atrium-mlops/atrium/internal/identity"
	"github.com/atrium-mlops/atrium/internal/store"
)

// Each password costs an argon2id hash (~150 ms), so few tests set one.
const password = "correct horse battery staple"

func ptr[T any](v T) *T { return &v }

func testUsers(t *testing.T, open Opener) {
	t.Run("Create", func(t *testing.T) {
		ctx := t.Context()
		db := open(t)
		u, err := db.CreateUser(ctx, identity.User{Email: " Ada@Example.ORG ", Name: "Ada Lovelace", Admin: true}, "")
		if err != nil {
			t.Fatalf("CreateUser: %v", err)
		}
		if u.ID == "" || u.CreatedAt.IsZero() {
			t.Fatalf("CreateUser returned ID=%q CreatedAt=%v, want both set", u.ID, u.CreatedAt)
		}
		if u.Email != "ada@example.org" || u.Name != "Ada Lovelace" || !u.Admin || u.Disabled || u.HasPassword {
			t.Fatalf("CreateUser=%+v, want ada@example.org, Ada Lovelace, admin, enabled, no password", u)
		}
		for _, lookup := range []struct {
			name string
			get  func() (identity.User, error)
		}{
			{"GetUser", func() (identity.User, error) { return db.GetUser(ctx, u.ID) }},
			{"GetUserByEmail", func() (identity.User, error) { return db.GetUserByEmail(ctx, "ADA@example.org") }},
		} {
			got, err := lookup.get()
			if err != nil {
				t.Fatalf("%s: %v", lookup.name, err)
			}
			// Sub-microsecond precision is TestTimesRoundTrip's business.
			if want := usec(u); got != want {
				t.Errorf("%s=%+v, want %+v", lookup.name, got, want)
			}
		}
		// The name defaults to the address's local part.
		g := mustUser(t, ctx, db, "grace@example.org", "", false)
		if g.Name != "grace" {
			t.Errorf("default Name=%q, want %q", g.Name, "grace")
		}
		_, err = db.GetUser(ctx, "no-such-id")
		wantKind(t, err, atrium.NotFound)
		_, err = db.GetUserByEmail(ctx, "nobody@example.org")
		wantKind(t, err, atrium.NotFound)
		if n, err := db.CountUsers(ctx); err != nil || n != 2 {
			t.Errorf("CountUsers=%d, %v, want 2", n, err)
		}
		page, err := db.ListUsers(ctx, atrium.PageRequest{Size: 10})
		if err != nil {
			t.Fatalf("ListUsers: %v", err)
		}
		if page.Total != 2 || len(page.Items) != 2 || page.Items[0].Email != "ada@example.org" || page.Items[1].Email != "grace@example.org" {
			t.Errorf("ListUsers=%+v, want ada then grace", page)
		}
	})

	t.Run("DuplicateEmail", func(t *testing.T) {
		ctx := t.Context()
		db := open(t)
		mustUser(t, ctx, db, "ada@example.org", "Ada", false)
		for _, email := range []string{"ada@example.org", "ADA@EXAMPLE.ORG", " Ada@example.org"} {
			_, err := db.CreateUser(ctx, identity.User{Email: email}, "")
			wantKind(t, err, atrium.Conflict)
		}
		if n, _ := db.CountUsers(ctx); n != 1 {
			t.Errorf("CountUsers=%d, want 1", n)
		}
		wantAuditSize(t, ctx, db, 1)
	})

	t.Run("Invalid", func(t *testing.T) {
		ctx := t.Context()
		db := open(t)
		tests := []struct {
			name     string
			user     identity.User
			password string
		}{
			{"empty email", identity.User{}, ""},
			{"no at sign", identity.User{Email: "ada.example.org"}, ""},
			{"display name", identity.User{Email: "Ada <ada@example.org>"}, ""},
			{"two addresses", identity.User{Email: "ada@example.org, bob@example.org"}, ""},
			{"control character in email", identity.User{Email: "ada\x00@example.org"}, ""},
			{"control character in name", identity.User{Email: "ada@example.org", Name: "Ada\x07"}, ""},
			{"newline in name", identity.User{Email: "ada@example.org", Name: "Ada\nLovelace"}, ""},
			{"line separator in name", identity.User{Email: "ada@example.org", Name: "Ada\u2028Lovelace"}, ""},
			{"over-long name", identity.User{Email: "ada@example.org", Name: strings.Repeat("a", identity.MaxName+1)}, ""},
			{"over-long email", identity.User{Email: strings.Repeat("a", identity.MaxEmail) + "@example.org"}, ""},
			{"short password", identity.User{Email: "ada@example.org"}, strings.Repeat("p", identity.MinPassword-1)},
			{"over-long password", identity.User{Email: "ada@example.org"}, strings.Repeat("p", identity.MaxPassword+1)},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				_, err := db.CreateUser(ctx, tt.user, tt.password)
				wantKind(t, err, atrium.Invalid)
				if n, _ := db.CountUsers(ctx); n != 0 {
					t.Fatalf("CountUsers=%d after a refused create, want 0", n)
				}
			})
		}
		wantAuditSize(t, ctx, db, 0)
	})

	t.Run("Authenticate", func(t *testing.T) {
		ctx := t.Context()
		db := open(t)
		u, err := db.CreateUser(ctx, identity.User{Email: "ada@example.org"}, password)
		if err != nil {
			t.Fatalf("CreateUser: %v", err)
		}
		if !u.HasPassword {
			t.Fatal("HasPassword=false, want true")
		}
		mustUser(t, ctx, db, "tokens-only@example.org", "", false)

		got, err := db.Authenticate(ctx, "ADA@example.org", password)
		if err != nil {
			t.Fatalf("Authenticate with the right password: %v", err)
		}
		if got.ID != u.ID {
			t.Fatalf("Authenticate ID=%q, want %q", got.ID, u.ID)
		}

		var msgs []string
		fail := func(email, pw string) {
			t.Helper()
			_, err := db.Authenticate(ctx, email, pw)
			wantKind(t, err, atrium.Unauthenticated)
			msgs = append(msgs, atrium.MessageOf(err))
		}
		fail("ada@example.org", password+"!")
		fail("nobody@example.org", password)
		fail("not an address", password)
		fail("tokens-only@example.org", password)
		if _, err := db.UpdateUser(ctx, u.ID, store.UserPatch{Disabled: ptr(true)}); err != nil {
			t.Fatalf("disable: %v", err)
		}
		fail("ada@example.org", password)
		for _, m := range msgs[1:] {
			if m != msgs[0] {
				t.Errorf("failure messages differ: %q and %q; they must not tell which part was wrong", msgs[0], m)
			}
		}
	})

	t.Run("Update", func(t *testing.T) {
		ctx := t.Context()
		db := open(t)
		mustUser(t, ctx, db, "root@example.org", "Root", true)
		u := mustUser(t, ctx, db, "ada@example.org", "Ada", false)

		got, err := db.UpdateUser(ctx, u.ID, store.UserPatch{Name: ptr("Ada Lovelace"), Admin: ptr(true)})
		if err != nil {
			t.Fatalf("UpdateUser: %v", err)
		}
		if got.Name != "Ada Lovelace" || !got.Admin || got.Disabled {
			t.Fatalf("UpdateUser=%+v, want name Ada Lovelace, admin, enabled", got)
		}
		got, err = db.UpdateUser(ctx, u.ID, store.UserPatch{Disabled: ptr(true)})
		if err != nil {
			t.Fatalf("disable: %v", err)
		}
		if !got.Disabled || got.Name != "Ada Lovelace" || !got.Admin {
			t.Fatalf("after disabling=%+v, want disabled and the rest unchanged", got)
		}
		stored, err := db.GetUser(ctx, u.ID)
		if err != nil {
			t.Fatalf("GetUser: %v", err)
		}
		if stored != got {
			t.Errorf("GetUser=%+v, want %+v", stored, got)
		}

		for _, p := range []store.UserPatch{
			{Name: ptr("Ada\x00")},
			{Name: ptr(strings.Repeat("a", identity.MaxName+1))},
			{Password: ptr("short")},
		} {
			_, err := db.UpdateUser(ctx, u.ID, p)
			wantKind(t, err, atrium.Invalid)
		}
		if again, _ := db.GetUser(ctx, u.ID); again != stored {
			t.Errorf("after refused updates GetUser=%+v, want %+v", again, stored)
		}
		_, err = db.UpdateUser(ctx, "no-such-id", store.UserPatch{Name: ptr("x")})
		wantKind(t, err, atrium.NotFound)
		wantAuditSize(t, ctx, db, 4)
	})

	t.Run("Password", func(t *testing.T) {
		ctx := t.Context()
		db := open(t)
		u := mustUser(t, ctx, db, "ada@example.org", "Ada", false)
		secret, err := db.CreateSession(ctx, u.ID, time.Hour)
		if err != nil {
			t.Fatalf("CreateSession: %v", err)
		}
		got, err := db.UpdateUser(ctx, u.ID, store.UserPatch{Password: ptr(password)})
		if err != nil {
			t.Fatalf("set password: %v", err)
		}
		if !got.HasPassword {
			t.Error("HasPassword=false after setting one, want true")
		}
		if _, err := db.Authenticate(ctx, "ada@example.org", password); err != nil {
			t.Errorf("Authenticate with the new password: %v", err)
		}
		_, err = db.SessionActor(ctx, secret)
		wantKind(t, err, atrium.Unauthenticated) // changing the password ends sessions
	})

	t.Run("Profile", func(t *testing.T) {
		ctx := t.Context()
		db := open(t)
		u := mustUser(t, ctx, db, "ada@example.org", "Ada", false)
		as := atrium.WithActor(ctx, atrium.Actor{UserID: u.ID})
		// A token-only account sets its first password without a current one.
		got, err := db.UpdateProfile(as, store.ProfilePatch{Name: ptr("Ada Lovelace"), Password: ptr(password)})
		if err != nil || got.Name != "Ada Lovelace" || !got.HasPassword {
			t.Fatalf("first password and new name = %+v, %v", got, err)
		}
		secret, err := db.CreateSession(ctx, u.ID, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		audited := auditSize(t, ctx, db)
		for name, p := range map[string]store.ProfilePatch{
			"wrong current password": {CurrentPassword: "not the password", Password: ptr("a brand new password")},
			"no current password":    {Password: ptr("a brand new password")},
			"short new password":     {CurrentPassword: password, Password: ptr("short")},
			"control character name": {Name: ptr("Ada\x00")},
			"blank name":             {Name: ptr("   "), CurrentPassword: password, Password: ptr("a brand new password")},
		} {
			if _, err := db.UpdateProfile(as, p); err == nil {
				t.Errorf("%s: accepted", name)
			}
		}
		if auditSize(t, ctx, db) != audited {
			t.Fatal("a refused profile change was stored")
		}
		if _, err := db.Authenticate(ctx, "ada@example.org", password); err != nil {
			t.Fatalf("the old password stopped working after refused changes: %v", err)
		}
		if _, err := db.UpdateProfile(as, store.ProfilePatch{CurrentPassword: password, Password: ptr("a brand new password")}); err != nil {
			t.Fatalf("change with the right current password: %v", err)
		}
		if _, err := db.Authenticate(ctx, "ada@example.org", "a brand new password"); err != nil {
			t.Errorf("the new password does not work: %v", err)
		}
		_, err = db.SessionActor(ctx, secret)
		wantKind(t, err, atrium.Unauthenticated) // a new password ends sessions
	})

	t.Run("LastAdmin", func(t *testing.T) {
		ctx := t.Context()
		db := open(t)
		a := mustUser(t, ctx, db, "a@example.org", "A", true)
		for _, p := range []store.UserPatch{{Admin: ptr(false)}, {Disabled: ptr(true)}, {Admin: ptr(false), Disabled: ptr(true)}} {
			_, err := db.UpdateUser(ctx, a.ID, p)
			wantKind(t, err, atrium.Conflict)
		}
		if got, _ := db.GetUser(ctx, a.ID); !got.Admin || got.Disabled {
			t.Fatalf("after refused changes=%+v, want an enabled admin", got)
		}
		// A disabled administrator does not count.
		c := mustUser(t, ctx, db, "c@example.org", "C", true)
		if _, err := db.UpdateUser(ctx, c.ID, store.UserPatch{Disabled: ptr(true)}); err != nil {
			t.Fatalf("disable second admin: %v", err)
		}
		_, err := db.UpdateUser(ctx, a.ID, store.UserPatch{Admin: ptr(false)})
		wantKind(t, err, atrium.Conflict)
		// With another enabled administrator it is allowed, and then the
		// other one is the last.
		b := mustUser(t, ctx, db, "b@example.org", "B", true)
		if _, err := db.UpdateUser(ctx, a.ID, store.UserPatch{Admin: ptr(false)}); err != nil {
			t.Fatalf("demote with another admin present: %v", err)
		}
		_, err = db.UpdateUser(ctx, b.ID, store.UserPatch{Disabled: ptr(true)})
		wantKind(t, err, atrium.Conflict)
		// Disabling someone who is not an administrator is fine.
		if _, err := db.UpdateUser(ctx, a.ID, store.UserPatch{Disabled: ptr(true)}); err != nil {
			t.Fatalf("disable non-admin: %v", err)
		}
	})

	t.Run("DisablingEndsSessions", func(t *testing.T) {
		ctx := t.Context()
		db := open(t)
		u := mustUser(t, ctx, db, "ada@example.org", "Ada", false)
		other := mustUser(t, ctx, db, "bob@example.org", "Bob", false)
		s1, _ := db.CreateSession(ctx, u.ID, time.Hour)
		s2, _ := db.CreateSession(ctx, u.ID, time.Hour)
		s3, _ := db.CreateSession(ctx, other.ID, time.Hour)
		_, secret, err := db.CreateToken(ctx, u.ID, "ci", 0)
		if err != nil {
			t.Fatalf("CreateToken: %v", err)
		}
		if _, err := db.UpdateUser(ctx, u.ID, store.UserPatch{Disabled: ptr(true)}); err != nil {
			t.Fatalf("disable: %v", err)
		}
		for _, s := range []string{s1, s2} {
			_, err := db.SessionActor(ctx, s)
			wantKind(t, err, atrium.Unauthenticated)
		}
		_, err = db.TokenActor(ctx, secret)
		wantKind(t, err, atrium.Unauthenticated)
		if a, err := db.SessionActor(ctx, s3); err != nil || a.UserID != other.ID {
			t.Errorf("another user's session: actor=%+v, %v; want it untouched", a, err)
		}
		// Enabling again does not bring the sessions back.
		if _, err := db.UpdateUser(ctx, u.ID, store.UserPatch{Disabled: ptr(false)}); err != nil {
			t.Fatalf("enable: %v", err)
		}
		_, err = db.SessionActor(ctx, s1)
		wantKind(t, err, atrium.Unauthenticated)
		if _, _, err := db.CreateToken(ctx, u.ID, "again", 0); err != nil {
			t.Errorf("CreateToken after enabling: %v", err)
		}
	})
}
