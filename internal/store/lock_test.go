//go:build linux || darwin || freebsd || openbsd || netbsd || dragonfly

package store_test

import (
	"errors"
	"path/filepath"
	"testing"

	"github.com/atrium-mlops/atrium/internal/store"
)

// TestLock checks which holders exclude which: servers share, a restore
// excludes everyone, and a released lock (its file still there) excludes no one.
func TestLock(t *testing.T) {
	type take func(string) (*store.Lock, error)
	shared, exclusive := take(store.LockShared), take(store.LockExclusive)
	tests := []struct {
		name          string
		first, second take
		wantInUse     bool
	}{
		{"two servers", shared, shared, false},
		{"restore beside a server", shared, exclusive, true},
		{"server during a restore", exclusive, shared, true},
		{"two restores", exclusive, exclusive, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			url := filepath.Join(t.TempDir(), "sub", "atrium.db")
			first, err := tt.first(url)
			if err != nil {
				t.Fatalf("first lock: %v", err)
			}
			second, err := tt.second(url)
			if got := errors.Is(err, store.ErrInUse); got != tt.wantInUse {
				t.Fatalf("second lock: %v, want in use %v", err, tt.wantInUse)
			}
			second.Release()
			if err := first.Release(); err != nil {
				t.Fatalf("Release: %v", err)
			}
			again, err := store.LockExclusive(url)
			if err != nil {
				t.Fatalf("LockExclusive after both released: %v", err)
			}
			again.Release()
		})
	}
	t.Run("postgres", func(t *testing.T) {
		url := "postgres://127.0.0.1/none"
		a, err := store.LockExclusive(url)
		if err != nil {
			t.Fatalf("LockExclusive: %v", err)
		}
		defer a.Release()
		if b, err := store.LockExclusive(url); err != nil {
			t.Fatalf("second LockExclusive on PostgreSQL: %v, want no lock at all", err)
		} else {
			b.Release()
		}
	})
}
