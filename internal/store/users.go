package store

import (
	"context"
	"database/sql"
	"errors"
	"sync"
	"time"

	"github.com/atrium-mlops/atrium/internal/atrium"
	"github.com/atrium-mlops/atrium/internal/identity"
)

const userCols = `id, email, name, password_hash IS NOT NULL, admin, disabled, created_at`

func scanUser(sc scanner) (identity.User, error) {
	var u identity.User
	err := sc.Scan(&u.ID, &u.Email, &u.Name, &u.HasPassword, &u.Admin, &u.Disabled, ts{&u.CreatedAt})
	return u, err
}

// auditUser is what the audit commitment covers for a user: never the hash.
type auditUser struct {
	identity.User
	PasswordChanged bool `json:"password_changed,omitempty"`
}

// passwordHookKey is the context key of a func() that a test sets to run
// before each password hash or check, to see whether the single writer is
// held at that moment. Nothing outside the package's tests sets it.
type passwordHookKey struct{}

// hashPassword hashes a new password, or returns NULL for none. Like
// verifyPassword it is slow (argon2id) and must never run inside db.update:
// with one write connection every other write in the system would wait.
func (db *DB) hashPassword(ctx context.Context, pw string) (sql.NullString, error) {
	if pw == "" {
		return sql.NullString{}, nil
	}
	if hook, ok := ctx.Value(passwordHookKey{}).(func()); ok {
		hook()
	}
	h, err := identity.HashPassword(ctx, pw)
	if err != nil {
		return sql.NullString{}, db.classify(err)
	}
	return sql.NullString{String: h, Valid: true}, nil
}

// verifyPassword checks pw against a stored hash, outside any transaction
// (see hashPassword).
func (db *DB) verifyPassword(ctx context.Context, phc, pw string) (bool, error) {
	if hook, ok := ctx.Value(passwordHookKey{}).(func()); ok {
		hook()
	}
	ok, err := identity.VerifyPassword(ctx, phc, pw)
	return ok, db.classify(err)
}

// CreateUser adds a user. password may be empty for token-only users.
func (db *DB) CreateUser(ctx context.Context, u identity.User, password string) (identity.User, error) {
	if err := identity.NormalizeUser(&u); err != nil {
		return u, err
	}
	hash, err := db.hashPassword(ctx, password)
	if err != nil {
		return u, err
	}
	u.ID, u.HasPassword, u.Disabled = atrium.NewID(), hash.Valid, false
	err = db.update(ctx, func(tx *Tx) error {
		u.CreatedAt = tx.now
		_, err := tx.exec(`INSERT INTO users (id, email, name, password_hash, admin, disabled, created_at) VALUES ($1, $2, $3, $4, $5, FALSE, $6)`,
			u.ID, u.Email, u.Name, hash, u.Admin, formatTime(u.CreatedAt))
		if err != nil {
			return tx.uniqueAs(err, "a user with e-mail %s already exists", u.Email)
		}
		return tx.appendAudit("user.create", "user", u.ID, auditUser{User: u})
	})
	return u, err
}

// GetUser returns the user with the given id.
func (db *DB) GetUser(ctx context.Context, id string) (identity.User, error) {
	u, err := scanUser(db.reader(ctx).queryRow(`SELECT `+userCols+` FROM users WHERE id = $1`, id))
	return u, db.classify(notFound(err, "no user with id %q", id))
}

// GetUserByEmail returns the user with the given e-mail address.
func (db *DB) GetUserByEmail(ctx context.Context, email string) (identity.User, error) {
	u, err := getUserByEmail(db.reader(ctx), email)
	return u, db.classify(err)
}

func getUserByEmail(q querier, email string) (identity.User, error) {
	email, err := identity.NormalizeEmail(email)
	if err != nil {
		return identity.User{}, err
	}
	u, err := scanUser(q.queryRow(`SELECT `+userCols+` FROM users WHERE email = $1`, email))
	return u, notFound(err, "no user with e-mail %s", email)
}

// CountUsers returns how many users exist, to detect a fresh database.
func (db *DB) CountUsers(ctx context.Context) (int, error) {
	var n int
	err := db.reader(ctx).queryRow(`SELECT COUNT(*) FROM users`).Scan(&n)
	return n, db.classify(err)
}

// ListUsers returns a page of users ordered by e-mail.
func (db *DB) ListUsers(ctx context.Context, p atrium.PageRequest) (atrium.Page[identity.User], error) {
	var page atrium.Page[identity.User]
	items, err := collect(db.reader(ctx), func(sc scanner) (identity.User, error) {
		var u identity.User
		err := sc.Scan(&u.ID, &u.Email, &u.Name, &u.HasPassword, &u.Admin, &u.Disabled, ts{&u.CreatedAt}, &page.Total)
		return u, err
	}, `SELECT `+userCols+`, COUNT(*) OVER() FROM users ORDER BY email LIMIT $1 OFFSET $2`, p.Size, p.Offset)
	if err != nil {
		return atrium.Page[identity.User]{Items: []identity.User{}}, err
	}
	page.Items, page.NextPageToken = items, p.NextToken(page.Total)
	return page, nil
}

// UserPatch holds the changes to a user; nil fields stay as they are.
type UserPatch struct {
	Name     *string
	Admin    *bool
	Disabled *bool
	Password *string
}

// UpdateUser applies a patch. Disabling a user or changing their password
// ends their browser sessions.
func (db *DB) UpdateUser(ctx context.Context, id string, p UserPatch) (identity.User, error) {
	defer db.tokens.changed() // after the commit: tokens of the account resolve afresh
	var u identity.User
	var hash sql.NullString
	if p.Password != nil {
		if err := identity.CheckPassword(*p.Password); err != nil {
			return u, err // an empty one too: it would otherwise mean "keep"
		}
		var err error
		if hash, err = db.hashPassword(ctx, *p.Password); err != nil {
			return u, err
		}
	}
	err := db.update(ctx, func(tx *Tx) error {
		var err error
		if u, err = scanUser(tx.queryRow(`SELECT `+userCols+` FROM users WHERE id = $1`, id)); err != nil {
			return notFound(err, "no user with id %q", id)
		}
		if p.Name != nil {
			u.Name = *p.Name
		}
		if p.Admin != nil {
			u.Admin = *p.Admin
		}
		if p.Disabled != nil {
			u.Disabled = *p.Disabled
		}
		if err := identity.NormalizeUser(&u); err != nil {
			return err
		}
		if !u.Admin || u.Disabled {
			if err := tx.keepAnAdmin(u.ID); err != nil {
				return err
			}
		}
		if _, err := tx.exec(`UPDATE users SET name = $1, admin = $2, disabled = $3, password_hash = COALESCE($4, password_hash) WHERE id = $5`,
			u.Name, u.Admin, u.Disabled, hash, u.ID); err != nil {
			return err
		}
		if hash.Valid || u.Disabled {
			if _, err := tx.exec(`DELETE FROM sessions WHERE user_id = $1`, u.ID); err != nil {
				return err
			}
		}
		u.HasPassword = u.HasPassword || hash.Valid
		return tx.appendAudit("user.update", "user", u.ID, auditUser{User: u, PasswordChanged: hash.Valid})
	})
	return u, err
}

// keepAnAdmin refuses a change that would leave no enabled administrator.
func (tx *Tx) keepAnAdmin(exceptID string) error {
	if tx.db.dialect.name == "postgres" {
		// Lock the enabled administrators, always in the same order, before
		// counting them: otherwise two concurrent demotions each count the
		// other and both succeed. SQLite's single writer already serialises this.
		if _, err := tx.exec(`SELECT id FROM users WHERE admin = TRUE AND disabled = FALSE ORDER BY id FOR UPDATE`); err != nil {
			return err
		}
	}
	var n int
	if err := tx.queryRow(`SELECT COUNT(*) FROM users WHERE admin = TRUE AND disabled = FALSE AND id <> $1`, exceptID).Scan(&n); err != nil {
		return err
	}
	var wasAdmin bool
	if err := tx.queryRow(`SELECT admin AND NOT disabled FROM users WHERE id = $1`, exceptID).Scan(&wasAdmin); err != nil {
		return err
	}
	if n == 0 && wasAdmin {
		return atrium.Errorf(atrium.Conflict, "this is the last enabled administrator; make someone else an administrator first")
	}
	return nil
}

// Authenticate checks an e-mail and password and returns the user. Every
// failure gives the same error so that it does not reveal which part was wrong.
func (db *DB) Authenticate(ctx context.Context, email, password string) (identity.User, error) {
	bad := atrium.Errorf(atrium.Unauthenticated, "e-mail or password is not right")
	email, err := identity.NormalizeEmail(email)
	if err != nil {
		return identity.User{}, bad
	}
	u, hash, err := getUserWithHash(db.reader(ctx), `email`, email)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return identity.User{}, db.classify(err)
	}
	if !hash.Valid {
		// Spend the same time as a real check so that timing reveals neither
		// which accounts exist nor which have a password.
		hash = sql.NullString{String: dummyHash(), Valid: true}
		u.ID = ""
	}
	ok, err := db.verifyPassword(ctx, hash.String, password)
	if err != nil {
		return identity.User{}, err
	}
	if !ok || u.ID == "" || u.Disabled {
		return identity.User{}, bad
	}
	return u, nil
}

// getUserWithHash reads one user, by id or email, with the password hash.
func getUserWithHash(q querier, col, v string) (identity.User, sql.NullString, error) {
	var u identity.User
	var hash sql.NullString
	row := q.queryRow(`SELECT `+userCols+`, password_hash FROM users WHERE `+col+` = $1`, v)
	err := row.Scan(&u.ID, &u.Email, &u.Name, &u.HasPassword, &u.Admin, &u.Disabled, ts{&u.CreatedAt}, &hash)
	return u, hash, err
}

// dummyHash is a real argon2id hash to check unknown accounts against. It
// is made on first use: hashing costs 19 MiB and tens of milliseconds, which
// every start of every command would otherwise pay.
var dummyHash = sync.OnceValue(func() string {
	h, err := identity.HashPassword(context.Background(), "not-a-real-password-at-all")
	if err != nil {
		panic(err)
	}
	return h
})

// actorFor loads a user as an acting identity, refusing disabled accounts.
func (db *DB) actorFor(ctx context.Context, userID, tokenID string) (atrium.Actor, error) {
	u, err := db.GetUser(ctx, userID)
	if err != nil {
		return atrium.Actor{}, err
	}
	if u.Disabled {
		return atrium.Actor{}, atrium.Errorf(atrium.Unauthenticated, "this account is disabled")
	}
	return atrium.Actor{UserID: u.ID, Email: u.Email, Name: u.Name, Admin: u.Admin, TokenID: tokenID}, nil
}

// CreateSession starts a browser session for a user and returns its secret
// id; only its digest is stored.
func (db *DB) CreateSession(ctx context.Context, userID string, ttl time.Duration) (string, error) {
	secret, digest := identity.NewSecret("")
	err := db.update(ctx, func(tx *Tx) error {
		if _, err := tx.exec(`DELETE FROM sessions WHERE expires_at < $1`, formatTime(tx.now)); err != nil {
			return err
		}
		_, err := tx.exec(`INSERT INTO sessions (id_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)`,
			digest, userID, formatTime(tx.now), formatTime(tx.now.Add(ttl)))
		if err != nil {
			return err
		}
		return tx.appendAudit("session.create", "user", userID, map[string]string{"session": digest[:12]})
	})
	return secret, err
}

// SessionActor resolves a session id to its actor.
func (db *DB) SessionActor(ctx context.Context, secret string) (atrium.Actor, error) {
	var userID string
	var expires time.Time
	err := db.reader(ctx).queryRow(`SELECT user_id, expires_at FROM sessions WHERE id_hash = $1`, identity.Digest(secret)).Scan(&userID, ts{&expires})
	if errors.Is(err, sql.ErrNoRows) || (err == nil && !db.now().Before(expires)) {
		return atrium.Actor{}, atrium.Errorf(atrium.Unauthenticated, "your session has ended; please log in again")
	}
	if err != nil {
		return atrium.Actor{}, db.classify(err)
	}
	return db.actorFor(ctx, userID, "")
}

// DeleteSession ends a session (logout). Ending an unknown session is not an error.
func (db *DB) DeleteSession(ctx context.Context, secret string) error {
	digest := identity.Digest(secret)
	return db.update(ctx, func(tx *Tx) error {
		var userID string
		err := tx.queryRow(`DELETE FROM sessions WHERE id_hash = $1 RETURNING user_id`, digest).Scan(&userID)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		return tx.appendAudit("session.delete", "user", userID, map[string]string{"session": digest[:12]})
	})
}

// ProfilePatch is what people may change about themselves: their display
// name and their password. Changing the password needs the current one,
// unless the account has none yet (people who signed in only with tokens).
type ProfilePatch struct {
	Name            *string
	CurrentPassword string
	Password        *string
}

// UpdateProfile changes the acting user's own name and password. A new
// password ends every browser session of the account: whoever knew the old
// one may be holding a session.
//
// The current password is checked and the new one hashed before the write
// transaction, which then refuses the change if the stored hash moved in
// between, so a concurrent change is never silently overwritten.
func (db *DB) UpdateProfile(ctx context.Context, p ProfilePatch) (identity.User, error) {
	defer db.tokens.changed() // after the commit: the name tokens carry changes
	a := actorOf(ctx)
	if p.CurrentPassword != "" {
		// Checked even when unused, so nonsense is refused, not ignored.
		if err := identity.CheckPassword(p.CurrentPassword); err != nil {
			return identity.User{}, atrium.Errorf(atrium.Invalid, "current_password: %s", atrium.MessageOf(err))
		}
	}
	if p.Password != nil {
		if err := identity.CheckPassword(*p.Password); err != nil {
			return identity.User{}, err
		}
	}
	u, old, err := getUserWithHash(db.reader(ctx), `id`, a.UserID)
	if err != nil {
		return identity.User{}, db.classify(notFound(err, "no user with id %q", a.UserID))
	}
	if err := applyProfile(&u, p); err != nil {
		return identity.User{}, err
	}
	var hash sql.NullString
	if p.Password != nil {
		if old.Valid {
			if p.CurrentPassword == "" {
				return identity.User{}, atrium.Errorf(atrium.Forbidden, "give the current password to set a new one")
			}
			ok, err := db.verifyPassword(ctx, old.String, p.CurrentPassword)
			if err != nil {
				return identity.User{}, err
			}
			if !ok {
				return identity.User{}, atrium.Errorf(atrium.Forbidden, "the current password is not right")
			}
		}
		if hash, err = db.hashPassword(ctx, *p.Password); err != nil {
			return identity.User{}, err
		}
	}
	err = db.update(ctx, func(tx *Tx) error {
		var stored sql.NullString
		var err error
		if u, stored, err = getUserWithHash(tx, `id`, a.UserID); err != nil {
			return notFound(err, "no user with id %q", a.UserID)
		}
		if hash.Valid && stored != old {
			return atrium.Errorf(atrium.Conflict, "the password changed while this change was being checked; try again")
		}
		if err := applyProfile(&u, p); err != nil {
			return err
		}
		if _, err := tx.exec(`UPDATE users SET name = $1, password_hash = COALESCE($2, password_hash) WHERE id = $3`, u.Name, hash, u.ID); err != nil {
			return err
		}
		if hash.Valid {
			if _, err := tx.exec(`DELETE FROM sessions WHERE user_id = $1`, u.ID); err != nil {
				return err
			}
		}
		u.HasPassword = u.HasPassword || hash.Valid
		return tx.appendAudit("user.profile.update", "user", u.ID, auditUser{User: u, PasswordChanged: hash.Valid})
	})
	return u, err
}

// applyProfile puts a profile patch's name on u and validates the result.
func applyProfile(u *identity.User, p ProfilePatch) error {
	if p.Name != nil {
		u.Name = *p.Name
	}
	return identity.NormalizeUser(u)
}
