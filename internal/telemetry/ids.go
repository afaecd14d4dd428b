package telemetry

import (
	"regexp"

	"github.com/atrium-mlops/atrium/internal/atrium"
)

// NewID returns a random event id: 32 lower-case hex digits from
// crypto/rand.
func NewID() string { return atrium.NewID() }

var idRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$`)

// CheckID validates an event id a client chose: 1 to 128 characters,
// letters, digits and . _ : -, starting with a letter or digit (so that
// UUIDs, trace ids and "order-123:retry" all fit, and nothing needs escaping
// in a URL or a log line).
func CheckID(id string) error {
	if !idRE.MatchString(id) {
		if id == "" {
			return atrium.Errorf(atrium.Invalid, "id is empty")
		}
		return atrium.Errorf(atrium.Invalid, "id must be 1–%d letters, digits, dots, underscores, colons or hyphens, starting with a letter or digit (got %q)", MaxID, atrium.Truncate(id, 40))
	}
	return nil
}
