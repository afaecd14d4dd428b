package storetest

import (
	"strings"
	"testing"
	"time"

	"github.com/atrium-mlops/atrium/internal/atrium"
	"github.com/atrium-mlops/atrium/internal/identity"
	"github.com/atrium-mlops/atrium/internal/store"
)

// t0 is a fixed, microsecond-aligned moment for tests that move the clock.
var t0 = time.Date(2031, 3, 14, 15, 9, 26, 535000000, time.UTC)

// clock sets db's clock to a moment the test can move.
func clock(db *store.DB) *time.Time {
	now := t0
	db.SetClock(func() time.Time { return now })
	return &now
}

func testSessions(t *testing.T, open Opener) {
	t.Run("Lifecycle", func(t *testing.T) {
		ctx := t.Context()
		db := open(t)
		u := mustUser(t, ctx, db, "ada@example.org", "Ada", true)
		secret, err := db.CreateSession(ctx, u.ID, time.Hour)
		if err != nil {
			t.Fatalf("CreateSession: %v", err)
		}
		if len(secret) < 32 {
			t.Fatalf("session secret %q is too short to be unguessable", secret)
		}
		a, err := db.SessionActor(ctx, secret)
		if err != nil {
			t.Fatalf("SessionActor: %v", err)
		}
		want := atrium.Actor{UserID: u.ID, Email: u.Email, Name: u.Name, Admin: true}
		if a != want {
			t.Fatalf("SessionActor=%+v, want %+v", a, want)
		}
		if err := db.DeleteSession(ctx, secret); err != nil {
			t.Fatalf("DeleteSession: %v", err)
		}
		_, err = db.SessionActor(ctx, secret)
		wantKind(t, err, atrium.Unauthenticated)
		// Logging out twice, or with a made-up id, is not an error and
		// records nothing.
		n := auditSize(t, ctx, db)
		for _, s := range []string{secret, "made-up"} {
			if err := db.DeleteSession(ctx, s); err != nil {
				t.Errorf("DeleteSession(%q) again: %v", s, err)
			}
		}
		wantAuditSize(t, ctx, db, n)
		for _, s := range []string{"", "made-up", secret + "x", strings.ToUpper(secret)} {
			_, err := db.SessionActor(ctx, s)
			wantKind(t, err, atrium.Unauthenticated)
		}
	})

	t.Run("Expiry", func(t *testing.T) {
		ctx := t.Context()
		db := open(t)
		now := clock(db)
		u := mustUser(t, ctx, db, "ada@example.org", "Ada", false)
		secret, err := db.CreateSession(ctx, u.ID, time.Hour)
		if err != nil {
			t.Fatalf("CreateSession: %v", err)
		}
		tests := []struct {
			after time.Duration
			valid bool
		}{
			{0, true},
			{59 * time.Minute, true},
			{time.Hour - time.Microsecond, true},
			{time.Hour, false},
			{48 * time.Hour, false},
		}
		for _, tt := range tests {
			*now = t0.Add(tt.after)
			_, err := db.SessionActor(ctx, secret)
			if tt.valid && err != nil {
				t.Errorf("after %v: SessionActor: %v, want valid", tt.after, err)
			}
			if !tt.valid && atrium.KindOf(err) != atrium.Unauthenticated {
				t.Errorf("after %v: SessionActor err=%v, want Unauthenticated", tt.after, err)
			}
		}
	})

	t.Run("UnknownUser", func(t *testing.T) {
		ctx := t.Context()
		db := open(t)
		if _, err := db.CreateSession(ctx, "no-such-user", time.Hour); err == nil {
			t.Fatal("CreateSession for an unknown user succeeded, want an error")
		}
		wantAuditSize(t, ctx, db, 0)
	})
}

func testTokens(t *testing.T, open Opener) {
	t.Run("Create", func(t *testing.T) {
		ctx := t.Context()
		db := open(t)
		u := mustUser(t, ctx, db, "ada@example.org", "Ada", false)
		tok, secret, err := db.CreateToken(as(ctx, u), u.ID, " ci deploys ", 0)
		if err != nil {
			t.Fatalf("CreateToken: %v", err)
		}
		if !strings.HasPrefix(secret, identity.TokenPrefix) || len(secret) < len(identity.TokenPrefix)+32 {
			t.Fatalf("secret=%q, want %q followed by at least 32 characters", secret, identity.TokenPrefix)
		}
		if !strings.HasPrefix(secret, tok.Prefix) || len(tok.Prefix) >= len(secret)/2 {
			t.Errorf("Prefix=%q, want a short start of the secret", tok.Prefix)
		}
		if tok.Name != "ci deploys" || tok.UserID != u.ID || tok.ExpiresAt != nil || tok.RevokedAt != nil {
			t.Errorf("token=%+v, want name %q, user %s, no expiry, not revoked", tok, "ci deploys", u.ID)
		}
		a, err := db.TokenActor(ctx, secret)
		if err != nil {
			t.Fatalf("TokenActor: %v", err)
		}
		if want := (atrium.Actor{UserID: u.ID, Email: u.Email, Name: u.Name, TokenID: tok.ID}); a != want {
			t.Errorf("TokenActor=%+v, want %+v", a, want)
		}
		got, err := db.GetToken(ctx, tok.ID)
		if err != nil {
			t.Fatalf("GetToken: %v", err)
		}
		if got.LastUsedAt == nil {
			t.Error("LastUsedAt=nil after use, want set")
		}
		// Anything but the exact secret is refused.
		flip := []byte(secret)
		flip[len(flip)-1] ^= 1
		for _, s := range []string{"", identity.TokenPrefix, tok.Prefix, string(flip), secret + "A", secret[:len(secret)-1], strings.ToUpper(secret)} {
			_, err := db.TokenActor(ctx, s)
			wantKind(t, err, atrium.Unauthenticated)
		}
		_, err = db.GetToken(ctx, "no-such-token")
		wantKind(t, err, atrium.NotFound)
	})

	t.Run("Invalid", func(t *testing.T) {
		ctx := t.Context()
		db := open(t)
		mustUser(t, ctx, db, "root@example.org", "Root", true)
		u := mustUser(t, ctx, db, "ada@example.org", "Ada", false)
		n := auditSize(t, ctx, db)
		tests := []struct {
			name   string
			userID string
			label  string
			ttl    time.Duration
			want   atrium.Kind
		}{
			{"empty name", u.ID, " ", 0, atrium.Invalid},
			{"control character", u.ID, "ci\x1b[31m", 0, atrium.Invalid},
			{"over-long name", u.ID, strings.Repeat("n", 101), 0, atrium.Invalid},
			{"negative ttl", u.ID, "ci", -time.Second, atrium.Invalid},
			{"ttl over ten years", u.ID, "ci", 11 * 365 * 24 * time.Hour, atrium.Invalid},
			{"unknown user", "no-such-user", "ci", 0, atrium.NotFound},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				_, _, err := db.CreateToken(ctx, tt.userID, tt.label, tt.ttl)
				wantKind(t, err, tt.want)
			})
		}
		if _, err := db.UpdateUser(ctx, u.ID, store.UserPatch{Disabled: ptr(true)}); err != nil {
			t.Fatalf("disable: %v", err)
		}
		_, _, err := db.CreateToken(ctx, u.ID, "ci", 0)
		wantKind(t, err, atrium.Conflict)
		wantAuditSize(t, ctx, db, n+1) // only the disabling
		if p, _ := db.ListTokens(ctx, "", atrium.PageRequest{Size: 10}); p.Total != 0 {
			t.Errorf("ListTokens Total=%d after refused creates, want 0", p.Total)
		}
	})

	t.Run("Revoke", func(t *testing.T) {
		ctx := t.Context()
		db := open(t)
		now := clock(db)
		u := mustUser(t, ctx, db, "ada@example.org", "Ada", false)
		tok, secret, err := db.CreateToken(ctx, u.ID, "ci", 0)
		if err != nil {
			t.Fatalf("CreateToken: %v", err)
		}
		*now = t0.Add(time.Minute)
		got, err := db.RevokeToken(ctx, tok.ID)
		if err != nil {
			t.Fatalf("RevokeToken: %v", err)
		}
		if got.RevokedAt == nil || !got.RevokedAt.Equal(*now) {
			t.Fatalf("RevokedAt=%v, want %v", got.RevokedAt, *now)
		}
		_, err = db.TokenActor(ctx, secret)
		wantKind(t, err, atrium.Unauthenticated)
		// Revoking again keeps the first time and records nothing.
		n := auditSize(t, ctx, db)
		*now = t0.Add(time.Hour)
		again, err := db.RevokeToken(ctx, tok.ID)
		if err != nil {
			t.Fatalf("RevokeToken again: %v", err)
		}
		if again.RevokedAt == nil || !again.RevokedAt.Equal(t0.Add(time.Minute)) {
			t.Errorf("RevokedAt after revoking twice=%v, want the first time %v", again.RevokedAt, t0.Add(time.Minute))
		}
		wantAuditSize(t, ctx, db, n)
		_, err = db.RevokeToken(ctx, "no-such-token")
		wantKind(t, err, atrium.NotFound)
	})

	t.Run("Expiry", func(t *testing.T) {
		ctx := t.Context()
		db := open(t)
		now := clock(db)
		u := mustUser(t, ctx, db, "ada@example.org", "Ada", false)
		short, shortSecret, err := db.CreateToken(ctx, u.ID, "short", time.Hour)
		if err != nil {
			t.Fatalf("CreateToken: %v", err)
		}
		if short.ExpiresAt == nil || !short.ExpiresAt.Equal(t0.Add(time.Hour)) {
			t.Fatalf("ExpiresAt=%v, want %v", short.ExpiresAt, t0.Add(time.Hour))
		}
		_, forever, err := db.CreateToken(ctx, u.ID, "forever", 0)
		if err != nil {
			t.Fatalf("CreateToken: %v", err)
		}
		tests := []struct {
			after time.Duration
			valid bool
		}{
			{0, true},
			{time.Hour - time.Microsecond, true},
			{time.Hour, false},
			{24 * time.Hour, false},
		}
		for _, tt := range tests {
			*now = t0.Add(tt.after)
			_, err := db.TokenActor(ctx, shortSecret)
			if tt.valid && err != nil {
				t.Errorf("after %v: TokenActor: %v, want valid", tt.after, err)
			}
			if !tt.valid && atrium.KindOf(err) != atrium.Unauthenticated {
				t.Errorf("after %v: TokenActor err=%v, want Unauthenticated", tt.after, err)
			}
		}
		*now = t0.Add(9 * 365 * 24 * time.Hour)
		if _, err := db.TokenActor(ctx, forever); err != nil {
			t.Errorf("a token without expiry, nine years on: %v", err)
		}
	})

	t.Run("List", func(t *testing.T) {
		ctx := t.Context()
		db := open(t)
		now := clock(db)
		ada := mustUser(t, ctx, db, "ada@example.org", "Ada", false)
		bob := mustUser(t, ctx, db, "bob@example.org", "Bob", false)
		var adas []string
		for i, owner := range []identity.User{ada, bob, ada, ada} {
			*now = t0.Add(time.Duration(i) * time.Minute)
			tok, _, err := db.CreateToken(ctx, owner.ID, "t", 0)
			if err != nil {
				t.Fatalf("CreateToken: %v", err)
			}
			if owner.ID == ada.ID {
				adas = append([]string{tok.ID}, adas...) // newest first
			}
		}
		tests := []struct {
			user  string
			total int
		}{
			{ada.ID, 3},
			{bob.ID, 1},
			{"", 4},
			{"no-such-user", 0},
		}
		for _, tt := range tests {
			p, err := db.ListTokens(ctx, tt.user, atrium.PageRequest{Size: 10})
			if err != nil {
				t.Fatalf("ListTokens(%q): %v", tt.user, err)
			}
			if p.Total != tt.total || len(p.Items) != tt.total {
				t.Errorf("ListTokens(%q) Total=%d len=%d, want %d", tt.user, p.Total, len(p.Items), tt.total)
			}
			for _, tok := range p.Items {
				if tt.user != "" && tok.UserID != tt.user {
					t.Errorf("ListTokens(%q) holds a token of %q", tt.user, tok.UserID)
				}
			}
		}
		var got []string
		for p := (atrium.PageRequest{Size: 2}); ; {
			page, err := db.ListTokens(ctx, ada.ID, p)
			if err != nil {
				t.Fatalf("ListTokens: %v", err)
			}
			for _, tok := range page.Items {
				got = append(got, tok.ID)
			}
			if page.NextPageToken == "" {
				break
			}
			if p, err = atrium.ParsePage("2", page.NextPageToken); err != nil {
				t.Fatalf("ParsePage: %v", err)
			}
		}
		if strings.Join(got, ",") != strings.Join(adas, ",") {
			t.Errorf("Ada's tokens page by page=%q, want newest first %q", got, adas)
		}
	})
}
