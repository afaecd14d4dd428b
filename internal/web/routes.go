package web

import (
	"net/http"

	"github.com/atrium-mlops/atrium/internal/usecase"
)

// access is who may call a route at all; finer, per-object checks happen in
// the handler through the store.
type access int

const (
	public access = iota // anyone, no credentials
	user                 // any signed-in user or token
	admin                // administrators only
)

// route is one entry of the route table.
type route struct {
	method  string
	pattern string
	access  access
	// role is the least use-case role the route needs ("" for routes not
	// about one use case). The authorisation test reads it.
	role usecase.Role
	// self marks writes that any user may make on their own behalf.
	self bool
	h    http.HandlerFunc
}

// routes is every route Atrium serves.
func (s *Server) routes() []route {
	return []route{
		// Health, metrics, API description, static files.
		{method: "GET", pattern: "/healthz", access: public, h: s.healthz},
		{method: "GET", pattern: "/readyz", access: public, h: s.readyz},
		{method: "GET", pattern: "/metrics", access: user, h: s.serveMetrics},
		{method: "GET", pattern: "/api/v1/openapi.json", access: public, h: s.openAPI},
		{method: "GET", pattern: "/static/{hash}/{file}", access: public, h: s.static},

		// API: the caller.
		{method: "GET", pattern: "/api/v1/me", access: user, h: s.apiMe},

		// API: use cases.
		{method: "GET", pattern: "/api/v1/usecases", access: user, h: s.apiListUseCases},
		{method: "POST", pattern: "/api/v1/usecases", access: user, self: true, h: s.apiCreateUseCase},
		{method: "GET", pattern: "/api/v1/usecases/{slug}", access: user, role: usecase.Viewer, h: s.apiGetUseCase},
		{method: "PATCH", pattern: "/api/v1/usecases/{slug}", access: user, role: usecase.Editor, h: s.apiUpdateUseCase},
		{method: "POST", pattern: "/api/v1/usecases/{slug}/archive", access: user, role: usecase.Owner, h: s.apiArchiveUseCase},
		{method: "POST", pattern: "/api/v1/usecases/{slug}/restore", access: user, role: usecase.Owner, h: s.apiRestoreUseCase},
		{method: "GET", pattern: "/api/v1/usecases/{slug}/transitions", access: user, role: usecase.Viewer, h: s.apiListTransitions},
		{method: "POST", pattern: "/api/v1/usecases/{slug}/transitions", access: user, role: usecase.Editor, h: s.apiTransition},
		{method: "GET", pattern: "/api/v1/usecases/{slug}/grants", access: user, role: usecase.Viewer, h: s.apiListGrants},
		{method: "POST", pattern: "/api/v1/usecases/{slug}/grants", access: user, role: usecase.Owner, h: s.apiPutGrant},
		{method: "DELETE", pattern: "/api/v1/usecases/{slug}/grants/{id}", access: user, role: usecase.Owner, h: s.apiDeleteGrant},
		{method: "GET", pattern: "/api/v1/usecases/{slug}/audit", access: user, role: usecase.Viewer, h: s.apiUseCaseAudit},

		// API: people, teams, tokens, audit.
		{method: "GET", pattern: "/api/v1/users", access: admin, h: s.apiListUsers},
		{method: "POST", pattern: "/api/v1/users", access: admin, h: s.apiCreateUser},
		{method: "GET", pattern: "/api/v1/users/{id}", access: admin, h: s.apiGetUser},
		{method: "PATCH", pattern: "/api/v1/users/{id}", access: admin, h: s.apiUpdateUser},
		{method: "GET", pattern: "/api/v1/teams", access: user, h: s.apiListTeams},
		{method: "POST", pattern: "/api/v1/teams", access: admin, h: s.apiCreateTeam},
		{method: "GET", pattern: "/api/v1/teams/{team}", access: user, h: s.apiGetTeam},
		{method: "POST", pattern: "/api/v1/teams/{team}/members", access: admin, h: s.apiAddTeamMember},
		{method: "DELETE", pattern: "/api/v1/teams/{team}/members/{id}", access: admin, h: s.apiRemoveTeamMember},
		{method: "GET", pattern: "/api/v1/tokens", access: user, h: s.apiListTokens},
		{method: "POST", pattern: "/api/v1/tokens", access: user, self: true, h: s.apiCreateToken},
		{method: "DELETE", pattern: "/api/v1/tokens/{id}", access: user, self: true, h: s.apiRevokeToken},
		{method: "GET", pattern: "/api/v1/audit", access: admin, h: s.apiAudit},

		// Pages.
		{method: "GET", pattern: "/{$}", access: user, h: s.pageHome},
		{method: "GET", pattern: "/login", access: public, h: s.pageLogin},
		{method: "POST", pattern: "/login", access: public, h: s.pageLoginPost},
		{method: "POST", pattern: "/logout", access: user, h: s.pageLogout},
		{method: "GET", pattern: "/usecases", access: user, h: s.pageUseCases},
		{method: "GET", pattern: "/usecases/new", access: user, h: s.pageNewUseCase},
		{method: "POST", pattern: "/usecases/new", access: user, h: s.pageNewUseCasePost},
		{method: "GET", pattern: "/usecases/{slug}", access: user, role: usecase.Viewer, h: s.pageUseCase},
		{method: "GET", pattern: "/usecases/{slug}/edit", access: user, role: usecase.Editor, h: s.pageEditUseCase},
		{method: "POST", pattern: "/usecases/{slug}/edit", access: user, role: usecase.Editor, h: s.pageEditUseCasePost},
		{method: "POST", pattern: "/usecases/{slug}/transition", access: user, role: usecase.Editor, h: s.pageTransitionPost},
		{method: "POST", pattern: "/usecases/{slug}/archive", access: user, role: usecase.Owner, h: s.pageArchivePost},
		{method: "POST", pattern: "/usecases/{slug}/grants", access: user, role: usecase.Owner, h: s.pageGrantPost},
		{method: "POST", pattern: "/usecases/{slug}/grants/{id}/delete", access: user, role: usecase.Owner, h: s.pageGrantDeletePost},
		{method: "GET", pattern: "/tokens", access: user, h: s.pageTokens},
		{method: "POST", pattern: "/tokens", access: user, h: s.pageTokensPost},
		{method: "POST", pattern: "/tokens/{id}/revoke", access: user, h: s.pageTokenRevokePost},
		{method: "GET", pattern: "/admin/users", access: admin, h: s.pageUsers},
		{method: "POST", pattern: "/admin/users", access: admin, h: s.pageUsersPost},
		{method: "POST", pattern: "/admin/users/{id}", access: admin, h: s.pageUserPost},
		{method: "GET", pattern: "/admin/teams", access: admin, h: s.pageTeams},
		{method: "POST", pattern: "/admin/teams", access: admin, h: s.pageTeamsPost},
		{method: "GET", pattern: "/admin/teams/{team}", access: admin, h: s.pageTeam},
		{method: "POST", pattern: "/admin/teams/{team}/members", access: admin, h: s.pageTeamMemberPost},
		{method: "POST", pattern: "/admin/teams/{team}/members/{id}/delete", access: admin, h: s.pageTeamMemberDeletePost},
		{method: "GET", pattern: "/audit", access: admin, h: s.pageAudit},
	}
}
