package identity

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"
	"sync/atomic"
	"unicode"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"

	"github.com/atrium-mlops/atrium/internal/atrium"
)

// Password length limits, in characters.
const (
	MinPassword = 12
	MaxPassword = 256
)

// argon2id parameters: OWASP's second recommended profile (19 MiB, t=2, p=1).
const (
	argonTime    = 2
	argonMemory  = 19 * 1024
	argonThreads = 1
	argonKeyLen  = 32
)

// CheckPassword enforces the length rules on a new password.
func CheckPassword(pw string) error {
	n := utf8.RuneCountInString(pw)
	if !utf8.ValidString(pw) {
		return atrium.Errorf(atrium.Invalid, "password is not valid UTF-8")
	}
	if n < MinPassword || n > MaxPassword {
		return atrium.Errorf(atrium.Invalid, "password must be %d to %d characters long (got %d)", MinPassword, MaxPassword, n)
	}
	for _, r := range pw {
		if unicode.IsControl(r) {
			return atrium.Errorf(atrium.Invalid, "password cannot contain control characters")
		}
	}
	return nil
}

// MaxConcurrentHashes is how many argon2id computations run at once in the
// process. Each takes 19 MiB and a core for tens of milliseconds, so without
// a bound a burst of sign-ins grows memory by 19 MiB per request in flight.
const MaxConcurrentHashes = 2

// hashSlots is process-wide on purpose: the memory it protects is.
var hashSlots = make(chan struct{}, MaxConcurrentHashes)

// hashCount and hashPeak count computations and the most in flight at once.
var hashCount, hashInFlight, hashPeak atomic.Int64

// HashStats reports how many argon2id computations have run since the
// process started and the most that ever ran at once, for tests that measure
// work rather than time, and for metrics.
func HashStats() (total, peak int64) { return hashCount.Load(), hashPeak.Load() }

// argon2id runs one computation in a slot, waiting for one as long as ctx
// allows.
func argon2id(ctx context.Context, pw, salt []byte, t, m uint32, p uint8, n uint32) ([]byte, error) {
	select {
	case hashSlots <- struct{}{}:
	case <-ctx.Done():
		return nil, fmt.Errorf("wait to hash a password: %w", ctx.Err())
	}
	defer func() { <-hashSlots }()
	now := hashInFlight.Add(1)
	defer hashInFlight.Add(-1)
	for {
		peak := hashPeak.Load()
		if now <= peak || hashPeak.CompareAndSwap(peak, now) {
			break
		}
	}
	hashCount.Add(1)
	return argon2.IDKey(pw, salt, t, m, p, n), nil
}

// HashPassword returns the PHC string of an argon2id hash of pw. It waits
// for a hashing slot (see MaxConcurrentHashes) as long as ctx allows.
func HashPassword(ctx context.Context, pw string) (string, error) {
	if err := CheckPassword(pw); err != nil {
		return "", err
	}
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key, err := argon2id(ctx, []byte(pw), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	if err != nil {
		return "", err
	}
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, argonMemory, argonTime, argonThreads, b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// VerifyPassword reports whether pw matches the PHC string, comparing in
// constant time. Malformed hashes never match. The error is only ever the
// context's, when no hashing slot came free in time.
func VerifyPassword(ctx context.Context, phc, pw string) (bool, error) {
	parts := strings.Split(phc, "$")
	if len(parts) != 6 || parts[1] != "argon2id" || len(pw) > 4*MaxPassword {
		return false, nil
	}
	var version int
	var m uint32
	var t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false, nil
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil || m > 1<<21 || t > 16 || p == 0 {
		return false, nil
	}
	b64 := base64.RawStdEncoding
	salt, err1 := b64.DecodeString(parts[4])
	want, err2 := b64.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(want) == 0 {
		return false, nil
	}
	got, err := argon2id(ctx, []byte(pw), salt, t, m, p, uint32(len(want)))
	if err != nil {
		return false, err
	}
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

// TokenPrefix starts every API token so that secret scanners can spot leaks.
const TokenPrefix = "atr_"

// NewSecret returns a fresh random secret with the given prefix and the hex
// SHA-256 digest under which it is stored.
func NewSecret(prefix string) (secret, digest string) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	secret = prefix + base64.RawURLEncoding.EncodeToString(b)
	return secret, Digest(secret)
}

// Digest is the stored form of a token or session id.
func Digest(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}
