//go:build !(linux || darwin || freebsd || openbsd || netbsd || dragonfly)

package store

import "os"

// flock does nothing where flock(2) does not exist: there the lock is not
// enforced, and the operator must stop the server before a restore.
func flock(*os.File, bool) error { return nil }
