package respond

import (
	"net/http"
	"time"

	"github.com/atrium-mlops/atrium/internal/atrium"
	"github.com/atrium-mlops/atrium/internal/store"
)

// AuditFilter reads the audit filters of a request (object_type,
// object_id, actor, since, until and the page), shared by the audit trail
// API and page and by a use case's audit API.
func AuditFilter(r *http.Request) (store.AuditFilter, error) {
	q := r.URL.Query()
	p, err := atrium.ParsePage(q.Get("page_size"), q.Get("page_token"))
	if err != nil {
		return store.AuditFilter{}, err
	}
	f := store.AuditFilter{ObjectType: q.Get("object_type"), ObjectID: q.Get("object_id"), ActorID: q.Get("actor"), Page: p}
	for name, dst := range map[string]*time.Time{"since": &f.Since, "until": &f.Until} {
		if v := q.Get(name); v != "" {
			t, err := parseWhen(v)
			if err != nil {
				return f, atrium.Errorf(atrium.Invalid, "%s must be a date (2026-01-31) or an RFC 3339 time", name)
			}
			*dst = t
		}
	}
	return f, nil
}

// parseWhen reads a date (2026-01-31) or an RFC 3339 time.
func parseWhen(v string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t, nil
	}
	return time.Parse("2006-01-02", v)
}
