package audit

import (
	"crypto/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/note"
)

func TestLoadOrCreateKey(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "keys", "nested", "checkpoint.key")

	s1, v1, err := LoadOrCreateKey(path, "atrium")
	if err != nil {
		t.Fatalf("first LoadOrCreateKey: %v", err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatalf("stat key: %v", err)
	}
	if got, want := fi.Mode().Perm(), os.FileMode(0o600); got != want {
		t.Fatalf("key mode=%04o, want %04o", got, want)
	}
	di, err := os.Stat(filepath.Dir(path))
	if err != nil {
		t.Fatalf("stat key dir: %v", err)
	}
	if got, want := di.Mode().Perm(), os.FileMode(0o700); got != want {
		t.Fatalf("key dir mode=%04o, want %04o", got, want)
	}
	if got, want := s1.Name(), "atrium"; got != want {
		t.Fatalf("signer name=%q, want %q", got, want)
	}

	s2, v2, err := LoadOrCreateKey(path, "atrium")
	if err != nil {
		t.Fatalf("second LoadOrCreateKey: %v", err)
	}
	if s2.KeyHash() != s1.KeyHash() || v2.KeyHash() != v1.KeyHash() {
		t.Fatalf("reloaded key hash=%08x/%08x, want %08x", s2.KeyHash(), v2.KeyHash(), s1.KeyHash())
	}

	msg, err := note.Sign(&note.Note{Text: "hello\n"}, s2)
	if err != nil {
		t.Fatalf("sign: %v", err)
	}
	pub, err := LoadVerifier(path + ".pub")
	if err != nil {
		t.Fatalf("LoadVerifier: %v", err)
	}
	for name, v := range map[string]note.Verifier{"pub file": pub, "first verifier": v1} {
		if _, err := note.Open(msg, note.VerifierList(v)); err != nil {
			t.Fatalf("open with %s: %v, want valid signature", name, err)
		}
	}
}

func TestLoadOrCreateKeyRefusals(t *testing.T) {
	tests := []struct {
		name    string
		setup   func(t *testing.T, path string)
		origin  string
		wantErr string
	}{
		{
			name: "world readable",
			setup: func(t *testing.T, path string) {
				t.Helper()
				if err := os.Chmod(path, 0o644); err != nil {
					t.Fatal(err)
				}
			},
			origin:  "atrium",
			wantErr: "chmod 600",
		},
		{
			name: "group readable",
			setup: func(t *testing.T, path string) {
				t.Helper()
				if err := os.Chmod(path, 0o640); err != nil {
					t.Fatal(err)
				}
			},
			origin:  "atrium",
			wantErr: "chmod 600",
		},
		{
			name:    "other key name",
			setup:   func(*testing.T, string) {},
			origin:  "elsewhere",
			wantErr: `want "elsewhere"`,
		},
		{
			name: "replaced public key",
			setup: func(t *testing.T, path string) {
				t.Helper()
				_, vkey, err := note.GenerateKey(rand.Reader, "atrium")
				if err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path+".pub", []byte(vkey+"\n"), 0o644); err != nil {
					t.Fatal(err)
				}
			},
			origin:  "atrium",
			wantErr: "does not belong",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "checkpoint.key")
			if _, _, err := LoadOrCreateKey(path, "atrium"); err != nil {
				t.Fatalf("create: %v", err)
			}
			tt.setup(t, path)
			_, _, err := LoadOrCreateKey(path, tt.origin)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err=%v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}

func TestLoadOrCreateKeyRestoresPublicKey(t *testing.T) {
	path := filepath.Join(t.TempDir(), "checkpoint.key")
	_, v1, err := LoadOrCreateKey(path, "atrium")
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	if err := os.Remove(path + ".pub"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := LoadOrCreateKey(path, "atrium"); err != nil {
		t.Fatalf("reload: %v", err)
	}
	v2, err := LoadVerifier(path + ".pub")
	if err != nil {
		t.Fatalf("LoadVerifier: %v", err)
	}
	if v2.KeyHash() != v1.KeyHash() {
		t.Fatalf("restored key hash=%08x, want %08x", v2.KeyHash(), v1.KeyHash())
	}
}

func TestVerifierKeyFor(t *testing.T) {
	// Enough keys that some of them have '+' in their base64 part.
	for i := 0; i < 32; i++ {
		skey, want, err := note.GenerateKey(rand.Reader, "atrium")
		if err != nil {
			t.Fatal(err)
		}
		got, err := verifierKeyFor(skey)
		if err != nil || got != want {
			t.Fatalf("verifierKeyFor(%q)=%q, %v; want %q", skey, got, err, want)
		}
	}
}
