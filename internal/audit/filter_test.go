package audit

import (
	"strings"
	"testing"
	"time"

	"github.com/atrium-mlops/atrium/internal/atrium"
)

func TestFilterParseWindow(t *testing.T) {
	for _, tc := range []struct {
		since, until string
		want         Filter
	}{
		{"", "", Filter{}},
		{"2026-01-31", "", Filter{Since: time.Date(2026, 1, 31, 0, 0, 0, 0, time.UTC)}},
		{"", "2026-02-01T10:30:00+01:00", Filter{Until: time.Date(2026, 2, 1, 9, 30, 0, 0, time.UTC)}},
	} {
		var f Filter
		if err := f.ParseWindow(tc.since, tc.until); err != nil || !f.Since.Equal(tc.want.Since) || !f.Until.Equal(tc.want.Until) {
			t.Errorf("ParseWindow(%q, %q) = %v–%v, %v; want %v–%v", tc.since, tc.until, f.Since, f.Until, err, tc.want.Since, tc.want.Until)
		}
	}
	for _, tc := range [][3]string{{"yesterday", "", "since"}, {"", "31.01.2026", "until"}, {"2026-13-01", "", "since"}} {
		var f Filter
		err := f.ParseWindow(tc[0], tc[1])
		if atrium.KindOf(err) != atrium.Invalid || !strings.HasPrefix(atrium.MessageOf(err), tc[2]+" must be a date") {
			t.Errorf("ParseWindow(%q, %q) err = %v, want Invalid: %s must be a date…", tc[0], tc[1], err, tc[2])
		}
	}
}
