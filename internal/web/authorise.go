package web

import (
	"net/http"

	"github.com/atrium-mlops/atrium/internal/usecase"
)

// authoriseUseCase loads the use case in the path and refuses a person
// whose role on it is below min, before anything they sent is looked at:
// someone who may not make a change learns that, not what was wrong with
// the form. Package usecases has its own for the use-case forms; this one
// serves the pages still in this package.
func (s *Server) authoriseUseCase(r *http.Request, min usecase.Role, what string) (usecase.UseCase, error) {
	u, err := s.db.GetUseCase(r.Context(), r.PathValue("slug"))
	if err == nil {
		err = u.Role.Require(min, what)
	}
	return u, err
}
