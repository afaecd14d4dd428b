package admin

import (
	"net/http"

	"github.com/atrium-mlops/atrium/internal/atrium"
	"github.com/atrium-mlops/atrium/internal/store"
	"github.com/atrium-mlops/atrium/internal/web/render"
	"github.com/atrium-mlops/atrium/internal/web/respond"
)

// auditData is the audit trail with its filters as typed.
type auditData struct {
	render.Frame
	Entries                                   []store.AuditRecord
	Pager                                     render.Pager
	ObjectType, ObjectID, Actor, Since, Until string
	Types                                     []string
	Filtered                                  bool
	Error                                     string
}

// auditObjectTypes are the kinds of object the filter offers.
var auditObjectTypes = []string{"usecase", "canvas", "objective", "stakeholder", "decision", "user", "team", "token"}

// PageAudit shows the audit trail, filtered as the query says.
func (h *Handlers) PageAudit(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	d := auditData{Frame: h.Frame(r, "Audit trail", "audit"), ObjectType: q.Get("object_type"), ObjectID: q.Get("object_id"),
		Actor: q.Get("actor"), Since: q.Get("since"), Until: q.Get("until"), Types: auditObjectTypes}
	d.Filtered = d.ObjectType != "" || d.ObjectID != "" || d.Actor != "" || d.Since != "" || d.Until != ""
	f, err := respond.AuditFilter(r)
	if err != nil {
		d.Error = atrium.MessageOf(err)
		h.Render(w, r, http.StatusBadRequest, "audit", d)
		return
	}
	page, err := h.DB.AuditEntries(r.Context(), f)
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	d.Entries, d.Pager = page.Items, render.NewPager(r, f.Page, page.Total, len(page.Items), page.NextPageToken)
	h.Render(w, r, http.StatusOK, "audit", d)
}
