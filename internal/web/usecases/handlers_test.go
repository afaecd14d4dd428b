package usecases

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/atrium-mlops/atrium/internal/web/render"
)

// TestPagesStandAlone renders every page of this package with nothing but
// the shared layout, partials and functions: a page that leans on another
// feature's templates fails here, not in production.
func TestPagesStandAlone(t *testing.T) {
	views, err := render.Load("test", slog.New(slog.DiscardHandler), Pages())
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	for page, data := range map[string]any{
		"usecases":     useCaseListData{},
		"usecase":      useCaseData{},
		"usecase_new":  newUseCaseData{},
		"usecase_edit": editData{},
	} {
		t.Run(page, func(t *testing.T) {
			rec := httptest.NewRecorder()
			views.Render(rec, httptest.NewRequest(http.MethodGet, "/usecases", nil), http.StatusOK, page, data)
			if rec.Code != http.StatusOK {
				t.Fatalf("status=%d, want %d: %s", rec.Code, http.StatusOK, rec.Body)
			}
		})
	}
}
