package audit

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/mod/sumdb/note"
)

// algEd25519 is the algorithm byte the note package puts in front of
// Ed25519 key material.
const algEd25519 = 1

// LoadOrCreateKey returns the checkpoint signer kept in the file at path,
// generating it on first use, together with its verifier. The private key is
// a note signer key named origin; the matching verifier key is written to
// path+".pub" so it can be copied to wherever verification happens.
//
// The private key file is created with mode 0600 inside a directory created
// with 0700. An existing key file readable by group or others is refused
// rather than used, since anyone who could read it could forge checkpoints.
func LoadOrCreateKey(path, origin string) (note.Signer, note.Verifier, error) {
	if !validOrigin(origin) {
		return nil, nil, fmt.Errorf("audit: invalid key name %q", origin)
	}
	skey, err := readPrivateKey(path)
	if errors.Is(err, fs.ErrNotExist) {
		skey, err = createPrivateKey(path, origin)
		if errors.Is(err, fs.ErrExist) {
			// Another process created it between our read and create;
			// use theirs.
			skey, err = readPrivateKey(path)
		}
	}
	if err != nil {
		return nil, nil, err
	}

	signer, err := note.NewSigner(skey)
	if err != nil {
		return nil, nil, fmt.Errorf("audit: key file %s: %w", path, err)
	}
	if signer.Name() != origin {
		return nil, nil, fmt.Errorf("audit: key file %s holds a key named %q, want %q", path, signer.Name(), origin)
	}
	vkey, err := verifierKeyFor(skey)
	if err != nil {
		return nil, nil, fmt.Errorf("audit: key file %s: %w", path, err)
	}
	verifier, err := note.NewVerifier(vkey)
	if err != nil {
		return nil, nil, fmt.Errorf("audit: key file %s: %w", path, err)
	}
	if err := ensurePublicKey(path+".pub", vkey); err != nil {
		return nil, nil, err
	}
	return signer, verifier, nil
}

// LoadVerifier reads a verifier key written by LoadOrCreateKey. It is what
// an offline verifier uses, so it needs nothing but the public file.
func LoadVerifier(pubPath string) (note.Verifier, error) {
	b, err := os.ReadFile(pubPath)
	if err != nil {
		return nil, fmt.Errorf("audit: %w", err)
	}
	v, err := note.NewVerifier(strings.TrimSpace(string(b)))
	if err != nil {
		return nil, fmt.Errorf("audit: public key %s: %w", pubPath, err)
	}
	return v, nil
}

// readPrivateKey returns the key file's contents after making sure only its
// owner can read it.
func readPrivateKey(path string) (string, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return "", err
	}
	if !fi.Mode().IsRegular() {
		return "", fmt.Errorf("audit: key file %s is not a regular file", path)
	}
	// Windows does not express access control through these bits.
	if runtime.GOOS != "windows" && fi.Mode().Perm()&0o077 != 0 {
		return "", fmt.Errorf("audit: key file %s has mode %04o and may be read by other users; run: chmod 600 %s",
			path, fi.Mode().Perm(), path)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("audit: %w", err)
	}
	return strings.TrimSpace(string(b)), nil
}

// createPrivateKey generates a key and writes it with O_EXCL, so two
// processes starting at once cannot each write a different key.
func createPrivateKey(path, origin string) (string, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return "", fmt.Errorf("audit: %w", err)
	}
	skey, _, err := note.GenerateKey(rand.Reader, origin)
	if err != nil {
		return "", fmt.Errorf("audit: generate key: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return "", err
	}
	_, err = f.WriteString(skey + "\n")
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		// A half-written key must not be picked up by the next start.
		_ = os.Remove(path)
		return "", fmt.Errorf("audit: write key file: %w", err)
	}
	return skey, nil
}

// verifierKeyFor derives the verifier key from the private key itself, so a
// missing or replaced .pub file cannot change which key we vouch for.
func verifierKeyFor(skey string) (string, error) {
	// The base64 key material may itself contain '+', so only the first four
	// separators count.
	parts := strings.SplitN(skey, "+", 5)
	if len(parts) != 5 {
		return "", errors.New("malformed signer key")
	}
	raw, err := base64.StdEncoding.DecodeString(parts[4])
	if err != nil || len(raw) != 1+ed25519.SeedSize || raw[0] != algEd25519 {
		return "", errors.New("signer key is not an Ed25519 key")
	}
	priv := ed25519.NewKeyFromSeed(raw[1:])
	return note.NewEd25519VerifierKey(parts[2], priv.Public().(ed25519.PublicKey))
}

// ensurePublicKey writes the verifier key if it is absent, and refuses to
// continue if a different one is there: verifiers elsewhere trust that file,
// and silently overwriting it would hide a swapped key.
func ensurePublicKey(pubPath, vkey string) error {
	b, err := os.ReadFile(pubPath)
	switch {
	case err == nil:
		if strings.TrimSpace(string(b)) != vkey {
			return fmt.Errorf("audit: public key %s does not belong to the private key beside it", pubPath)
		}
		return nil
	case !errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("audit: %w", err)
	}
	// Write through a temporary name so a crash never leaves a truncated
	// public key behind.
	tmp, err := os.CreateTemp(filepath.Dir(pubPath), filepath.Base(pubPath)+".tmp*")
	if err != nil {
		return fmt.Errorf("audit: %w", err)
	}
	_, err = tmp.WriteString(vkey + "\n")
	if err == nil {
		err = tmp.Chmod(0o644)
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), pubPath)
	}
	if err != nil {
		_ = os.Remove(tmp.Name())
		return fmt.Errorf("audit: write public key: %w", err)
	}
	return nil
}

// validOrigin applies the note package's rules for key names, which are
// stricter than what GenerateKey checks, so a bad name fails here rather than
// when the key is first loaded back.
func validOrigin(name string) bool {
	return name != "" && utf8.ValidString(name) &&
		strings.IndexFunc(name, unicode.IsSpace) < 0 && !strings.Contains(name, "+")
}
