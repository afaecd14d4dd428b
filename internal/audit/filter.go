package audit

import (
	"time"

	"github.com/atrium-mlops/atrium/internal/atrium"
)

// Filter narrows an audit listing; empty fields do not narrow it.
type Filter struct {
	ObjectType string
	ObjectID   string
	ActorID    string
	Since      time.Time // entries at or after
	Until      time.Time // entries before
	Page       atrium.PageRequest
}

// ParseWindow sets Since and Until from bounds as people and clients write
// them: a date (2026-01-31, midnight UTC) or an RFC 3339 time. An empty
// bound leaves its side open.
func (f *Filter) ParseWindow(since, until string) error {
	for _, b := range []struct {
		name string
		v    string
		dst  *time.Time
	}{{"since", since, &f.Since}, {"until", until, &f.Until}} {
		if b.v == "" {
			continue
		}
		t, err := parseWhen(b.v)
		if err != nil {
			return atrium.Errorf(atrium.Invalid, "%s must be a date (2026-01-31) or an RFC 3339 time", b.name)
		}
		*b.dst = t
	}
	return nil
}

func parseWhen(v string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t, nil
	}
	return time.Parse("2006-01-02", v)
}
