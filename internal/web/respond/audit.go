package respond

import (
	"net/http"

	"github.com/atrium-mlops/atrium/internal/atrium"
	"github.com/atrium-mlops/atrium/internal/audit"
)

// AuditFilter reads the audit filters of a request (object_type,
// object_id, actor, since, until and the page), shared by the audit trail
// API and page and by a use case's audit API; audit.Filter checks them.
func AuditFilter(r *http.Request) (audit.Filter, error) {
	q := r.URL.Query()
	p, err := atrium.ParsePage(q.Get("page_size"), q.Get("page_token"))
	if err != nil {
		return audit.Filter{}, err
	}
	f := audit.Filter{ObjectType: q.Get("object_type"), ObjectID: q.Get("object_id"), ActorID: q.Get("actor"), Page: p}
	err = f.ParseWindow(q.Get("since"), q.Get("until"))
	return f, err
}
