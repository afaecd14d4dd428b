// Package identity defines users, teams, API tokens and browser sessions, and
// the secrets behind them: argon2id password hashes and random tokens that are
// stored only as SHA-256 digests.
package identity

import (
	"net/mail"
	"strings"
	"time"

	"github.com/atrium-mlops/atrium/internal/atrium"
)

// User is a person who can sign in or act through tokens.
type User struct {
	ID          string    `json:"id"`
	Email       string    `json:"email"`
	Name        string    `json:"name"`
	Admin       bool      `json:"admin"`
	Disabled    bool      `json:"disabled"`
	HasPassword bool      `json:"has_password"`
	CreatedAt   time.Time `json:"created_at"`
}

// Team is a group of users that can own use cases and receive roles.
type Team struct {
	ID        string    `json:"id"`
	Slug      string    `json:"slug"`
	Name      string    `json:"name"`
	Members   []User    `json:"members,omitempty"`
	CreatedAt time.Time `json:"created_at"`
}

// Token is an API token's metadata; the secret is shown once at creation.
type Token struct {
	ID         string     `json:"id"`
	UserID     string     `json:"user_id"`
	Name       string     `json:"name"`
	Prefix     string     `json:"prefix"`
	CreatedAt  time.Time  `json:"created_at"`
	ExpiresAt  *time.Time `json:"expires_at,omitempty"`
	RevokedAt  *time.Time `json:"revoked_at,omitempty"`
	LastUsedAt *time.Time `json:"last_used_at,omitempty"`
	// UseCaseID, when set, binds the token to one use case: it acts there
	// only, and the MLflow API maps flat names onto it.
	UseCaseID string `json:"usecase_id,omitempty"`
}

// Active reports whether the token can still be used at time now.
func (t Token) Active(now time.Time) bool {
	return t.RevokedAt == nil && (t.ExpiresAt == nil || now.Before(*t.ExpiresAt))
}

// Session is a browser session. Only the digest of its id is stored.
type Session struct {
	UserID    string
	CreatedAt time.Time
	ExpiresAt time.Time
}

// Field limits.
const (
	MaxEmail = 254
	MaxName  = 200
)

// NormalizeEmail validates an address and returns it in lower case.
func NormalizeEmail(v string) (string, error) {
	v, err := atrium.CheckText("email", v, MaxEmail, true, false)
	if err != nil {
		return "", err
	}
	a, err := mail.ParseAddress(v)
	if err != nil || a.Address != v || !strings.Contains(v, "@") {
		return "", atrium.Errorf(atrium.Invalid, "email %q is not a plain e-mail address like ada@example.org", v)
	}
	return strings.ToLower(v), nil
}

// NormalizeUser validates the editable fields of a user in place; the name
// defaults to the part of the address before the @.
func NormalizeUser(u *User) error {
	var err error
	if u.Email, err = NormalizeEmail(u.Email); err != nil {
		return err
	}
	if u.Name == "" {
		u.Name = u.Email[:strings.IndexByte(u.Email, '@')]
	}
	u.Name, err = atrium.CheckText("name", u.Name, MaxName, true, false)
	return err
}

// NormalizeTeam validates a team; the slug is derived from the name if empty.
func NormalizeTeam(t *Team) error {
	var err error
	if t.Name, err = atrium.CheckText("name", t.Name, MaxName, true, false); err != nil {
		return err
	}
	if t.Slug == "" {
		t.Slug = atrium.Slugify(t.Name)
	}
	return atrium.CheckSlug("slug", t.Slug)
}

// NormalizeTokenName validates a token's label.
func NormalizeTokenName(v string) (string, error) {
	return atrium.CheckText("name", v, 100, true, false)
}
