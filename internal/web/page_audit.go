package web

import (
	"net/http"

	"github.com/atrium-mlops/atrium/internal/atrium"
	"github.com/atrium-mlops/atrium/internal/store"
)

// auditData is the audit trail with its filters as typed.
type auditData struct {
	frame
	Entries                                   []store.AuditRecord
	Pager                                     pager
	ObjectType, ObjectID, Actor, Since, Until string
	Types                                     []string
	Filtered                                  bool
	Error                                     string
}

// auditObjectTypes are the kinds of object the filter offers.
var auditObjectTypes = []string{"usecase", "canvas", "objective", "stakeholder", "decision", "user", "team", "token"}

func (s *Server) pageAudit(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	d := auditData{frame: s.frame(r, "Audit trail", "audit"), ObjectType: q.Get("object_type"), ObjectID: q.Get("object_id"),
		Actor: q.Get("actor"), Since: q.Get("since"), Until: q.Get("until"), Types: auditObjectTypes}
	d.Filtered = d.ObjectType != "" || d.ObjectID != "" || d.Actor != "" || d.Since != "" || d.Until != ""
	f, err := auditFilter(r)
	if err != nil {
		d.Error = atrium.MessageOf(err)
		s.render(w, r, http.StatusBadRequest, "audit", d)
		return
	}
	page, err := s.db.AuditEntries(r.Context(), f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d.Entries, d.Pager = page.Items, newPager(r, f.Page, page.Total, len(page.Items), page.NextPageToken)
	s.render(w, r, http.StatusOK, "audit", d)
}
