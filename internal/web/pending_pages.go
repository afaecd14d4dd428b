package web

// TEMPORARY scaffolding so the package compiles while the pages are written;
// the pages helper deletes this file.

import (
	"net/http"
)

type pages struct{}

func loadPages() (*pages, error) { return &pages{}, nil }

func (s *Server) renderError(w http.ResponseWriter, r *http.Request, p Problem) {
	http.Error(w, p.Detail, p.Status)
}
func clearSessionCookie(w http.ResponseWriter, r *http.Request) {}

func (s *Server) static(w http.ResponseWriter, r *http.Request)                   { http.NotFound(w, r) }
func (s *Server) pageHome(w http.ResponseWriter, r *http.Request)                 { http.NotFound(w, r) }
func (s *Server) pageLogin(w http.ResponseWriter, r *http.Request)                { http.NotFound(w, r) }
func (s *Server) pageLoginPost(w http.ResponseWriter, r *http.Request)            { http.NotFound(w, r) }
func (s *Server) pageLogout(w http.ResponseWriter, r *http.Request)               { http.NotFound(w, r) }
func (s *Server) pageUseCases(w http.ResponseWriter, r *http.Request)             { http.NotFound(w, r) }
func (s *Server) pageNewUseCase(w http.ResponseWriter, r *http.Request)           { http.NotFound(w, r) }
func (s *Server) pageNewUseCasePost(w http.ResponseWriter, r *http.Request)       { http.NotFound(w, r) }
func (s *Server) pageUseCase(w http.ResponseWriter, r *http.Request)              { http.NotFound(w, r) }
func (s *Server) pageEditUseCase(w http.ResponseWriter, r *http.Request)          { http.NotFound(w, r) }
func (s *Server) pageEditUseCasePost(w http.ResponseWriter, r *http.Request)      { http.NotFound(w, r) }
func (s *Server) pageTransitionPost(w http.ResponseWriter, r *http.Request)       { http.NotFound(w, r) }
func (s *Server) pageArchivePost(w http.ResponseWriter, r *http.Request)          { http.NotFound(w, r) }
func (s *Server) pageGrantPost(w http.ResponseWriter, r *http.Request)            { http.NotFound(w, r) }
func (s *Server) pageGrantDeletePost(w http.ResponseWriter, r *http.Request)      { http.NotFound(w, r) }
func (s *Server) pageTokens(w http.ResponseWriter, r *http.Request)               { http.NotFound(w, r) }
func (s *Server) pageTokensPost(w http.ResponseWriter, r *http.Request)           { http.NotFound(w, r) }
func (s *Server) pageTokenRevokePost(w http.ResponseWriter, r *http.Request)      { http.NotFound(w, r) }
func (s *Server) pageUsers(w http.ResponseWriter, r *http.Request)                { http.NotFound(w, r) }
func (s *Server) pageUsersPost(w http.ResponseWriter, r *http.Request)            { http.NotFound(w, r) }
func (s *Server) pageUserPost(w http.ResponseWriter, r *http.Request)             { http.NotFound(w, r) }
func (s *Server) pageTeams(w http.ResponseWriter, r *http.Request)                { http.NotFound(w, r) }
func (s *Server) pageTeamsPost(w http.ResponseWriter, r *http.Request)            { http.NotFound(w, r) }
func (s *Server) pageTeam(w http.ResponseWriter, r *http.Request)                 { http.NotFound(w, r) }
func (s *Server) pageTeamMemberPost(w http.ResponseWriter, r *http.Request)       { http.NotFound(w, r) }
func (s *Server) pageTeamMemberDeletePost(w http.ResponseWriter, r *http.Request) { http.NotFound(w, r) }
func (s *Server) pageAudit(w http.ResponseWriter, r *http.Request)                { http.NotFound(w, r) }
