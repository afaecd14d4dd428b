package store

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// ErrInUse is returned by LockShared and LockExclusive when another process
// (or another open of the lock file in this one) holds the lock in a way
// that conflicts.
var ErrInUse = errors.New("database in use")

// Lock is an advisory lock on an SQLite database, taken on a companion file
// named "<database>.lock". Servers hold it shared for their lifetime; restore
// takes it exclusively, so it can never replace a database a server has open.
//
// The lock is flock(2), not a PID file: the kernel drops it when the holder's
// process ends, however it ends, so a lock file left by a killed server
// blocks nobody. For PostgreSQL there is no file to protect and a Lock does
// nothing.
type Lock struct{ f *os.File }

// LockPath returns the lock file guarding the database at url, or "" for
// PostgreSQL.
func LockPath(url string) string {
	if IsPostgres(url) {
		return ""
	}
	return url + ".lock"
}

// LockShared takes the lock a server holds while it uses the database at
// url. Any number of holders may share it; it fails at once with ErrInUse
// while a restore holds it exclusively.
func LockShared(url string) (*Lock, error) { return lock(url, false) }

// LockExclusive takes the lock restore needs before replacing the database
// at url. It fails at once with ErrInUse while any server holds the lock.
func LockExclusive(url string) (*Lock, error) { return lock(url, true) }

func lock(url string, exclusive bool) (*Lock, error) {
	path := LockPath(url)
	if path == "" {
		return &Lock{}, nil
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("create database folder: %w", err)
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open lock file: %w", err)
	}
	if err := flock(f, exclusive); err != nil {
		f.Close()
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	return &Lock{f: f}, nil
}

// Release drops the lock. The file stays where it is: deleting it while
// another process has it open would let a third lock a new file of the same
// name, and the two would no longer exclude each other.
func (l *Lock) Release() error {
	if l == nil || l.f == nil {
		return nil
	}
	err := l.f.Close() // closing the last descriptor releases the flock
	l.f = nil
	return err
}
