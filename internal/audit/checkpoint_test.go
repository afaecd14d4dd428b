package audit

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// testKey returns a fresh in-memory key pair named name.
func testKey(t *testing.T, name string) (note.Signer, note.Verifier) {
	t.Helper()
	skey, vkey, err := note.GenerateKey(rand.Reader, name)
	if err != nil {
		t.Fatalf("GenerateKey: %v", err)
	}
	s, err := note.NewSigner(skey)
	if err != nil {
		t.Fatalf("NewSigner: %v", err)
	}
	v, err := note.NewVerifier(vkey)
	if err != nil {
		t.Fatalf("NewVerifier: %v", err)
	}
	return s, v
}

func TestCheckpointRoundTrip(t *testing.T) {
	s, v := testKey(t, "atrium")
	root := tlog.Hash(sha256.Sum256([]byte("root")))
	text, err := SignCheckpoint(s, "atrium", 10, root)
	if err != nil {
		t.Fatalf("SignCheckpoint: %v", err)
	}
	wantBody := "atrium\n10\n" + base64.StdEncoding.EncodeToString(root[:]) + "\n\n"
	if !strings.HasPrefix(text, wantBody) {
		t.Fatalf("checkpoint=%q, want prefix %q", text, wantBody)
	}
	cp, err := OpenCheckpoint(text, v)
	if err != nil {
		t.Fatalf("OpenCheckpoint: %v", err)
	}
	want := Checkpoint{Origin: "atrium", Size: 10, Root: root, Text: text}
	if cp != want {
		t.Fatalf("OpenCheckpoint=%+v, want %+v", cp, want)
	}
}

func TestOpenCheckpointRejects(t *testing.T) {
	s, v := testKey(t, "atrium")
	_, otherV := testKey(t, "atrium")
	root := tlog.Hash(sha256.Sum256([]byte("root")))
	good, err := SignCheckpoint(s, "atrium", 3, root)
	if err != nil {
		t.Fatal(err)
	}
	signBody := func(body string) string {
		t.Helper()
		b, err := note.Sign(&note.Note{Text: body}, s)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	b64 := base64.StdEncoding.EncodeToString(root[:])
	tests := []struct {
		name    string
		text    string
		v       note.Verifier
		wantErr string
	}{
		{"other key", good, otherV, "not signed by"},
		{"edited body", strings.Replace(good, "\n3\n", "\n4\n", 1), v, "signature"},
		{"leading zero size", signBody("atrium\n03\n" + b64 + "\n"), v, "not a valid tree size"},
		{"negative size", signBody("atrium\n-1\n" + b64 + "\n"), v, "not a valid tree size"},
		{"short root", signBody("atrium\n3\nAAAA\n"), v, "not a base64"},
		{"two lines", signBody("atrium\n3\n"), v, "fewer than three"},
		{"garbage", "nothing to see", v, "malformed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := OpenCheckpoint(tt.text, tt.v)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err=%v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}

func TestCheckpointFile(t *testing.T) {
	s, _ := testKey(t, "atrium")
	path := filepath.Join(t.TempDir(), "audit", "checkpoints")

	got, err := ReadCheckpointFile(path)
	if err != nil || got != nil {
		t.Fatalf("ReadCheckpointFile(missing)=%q, %v; want nil, nil", got, err)
	}

	var want []string
	for i, size := range []int64{10, 25, 50} {
		text, err := SignCheckpoint(s, "atrium", size, tlog.Hash{byte(i)})
		if err != nil {
			t.Fatal(err)
		}
		if err := AppendCheckpointFile(path, text); err != nil {
			t.Fatalf("AppendCheckpointFile #%d: %v", i, err)
		}
		want = append(want, text)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := fi.Mode().Perm(), os.FileMode(0o600); got != want {
		t.Fatalf("checkpoint file mode=%04o, want %04o", got, want)
	}

	got, err = ReadCheckpointFile(path)
	if err != nil {
		t.Fatalf("ReadCheckpointFile: %v", err)
	}
	if len(got) != len(want) {
		t.Fatalf("read %d notes, want %d: %q", len(got), len(want), got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("note %d=%q, want %q", i, got[i], want[i])
		}
	}
}

func TestAppendCheckpointFileRefusesUnsplittableNotes(t *testing.T) {
	path := filepath.Join(t.TempDir(), "checkpoints")
	tests := []struct {
		name string
		note string
	}{
		{"no signatures", "atrium\n1\nroot\n"},
		{"empty signature block", "atrium\n1\nroot\n\n"},
		{"blank line in body", "atrium\n\n1\nroot\n\n— atrium sig\n"},
		{"double blank before signatures", "atrium\n1\nroot\n\n\n— atrium sig\n"},
		{"no final newline", "atrium\n1\nroot\n\n— atrium sig"},
		{"leading blank line", "\natrium\n1\nroot\n\n— atrium sig\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := AppendCheckpointFile(path, tt.note); err == nil {
				t.Fatalf("AppendCheckpointFile(%q) succeeded, want error", tt.note)
			}
		})
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Fatalf("stat after refused appends: %v, want not exist", err)
	}
}
