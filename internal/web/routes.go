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
		{method: "GET", pattern: "/api/v1/me", access: user, h: s.account.APIMe},
		{method: "PATCH", pattern: "/api/v1/me", access: user, self: true, h: s.account.APIUpdateMe},

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
		{method: "GET", pattern: "/api/v1/users", access: admin, h: s.admin.APIListUsers},
		{method: "POST", pattern: "/api/v1/users", access: admin, h: s.admin.APICreateUser},
		{method: "GET", pattern: "/api/v1/users/{id}", access: admin, h: s.admin.APIGetUser},
		{method: "PATCH", pattern: "/api/v1/users/{id}", access: admin, h: s.admin.APIUpdateUser},
		{method: "GET", pattern: "/api/v1/teams", access: user, h: s.admin.APIListTeams},
		{method: "POST", pattern: "/api/v1/teams", access: admin, h: s.admin.APICreateTeam},
		{method: "GET", pattern: "/api/v1/teams/{team}", access: user, h: s.admin.APIGetTeam},
		{method: "POST", pattern: "/api/v1/teams/{team}/members", access: admin, h: s.admin.APIAddTeamMember},
		{method: "DELETE", pattern: "/api/v1/teams/{team}/members/{id}", access: admin, h: s.admin.APIRemoveTeamMember},
		{method: "GET", pattern: "/api/v1/tokens", access: user, h: s.account.APIListTokens},
		{method: "POST", pattern: "/api/v1/tokens", access: user, self: true, h: s.account.APICreateToken},
		{method: "DELETE", pattern: "/api/v1/tokens/{id}", access: user, self: true, h: s.account.APIRevokeToken},
		{method: "GET", pattern: "/api/v1/audit", access: admin, h: s.admin.APIAudit},

		// API: canvases, templates, people, decisions, search.
		{method: "GET", pattern: "/api/v1/templates", access: user, h: s.apiListTemplates},
		{method: "GET", pattern: "/api/v1/templates/{id}", access: user, h: s.apiGetTemplate},
		{method: "GET", pattern: "/api/v1/search", access: user, h: s.search.APISearch},
		{method: "GET", pattern: "/api/v1/usecases/{slug}/canvases", access: user, role: usecase.Viewer, h: s.apiListCanvases},
		{method: "POST", pattern: "/api/v1/usecases/{slug}/canvases", access: user, role: usecase.Editor, h: s.apiCreateCanvas},
		{method: "POST", pattern: "/api/v1/usecases/{slug}/canvases/import", access: user, role: usecase.Editor, h: s.apiImportCanvas},
		{method: "GET", pattern: "/api/v1/usecases/{slug}/canvases/{canvas}", access: user, role: usecase.Viewer, h: s.apiGetCanvas},
		{method: "PATCH", pattern: "/api/v1/usecases/{slug}/canvases/{canvas}", access: user, role: usecase.Editor, h: s.apiUpdateCanvas},
		{method: "GET", pattern: "/api/v1/usecases/{slug}/canvases/{canvas}/completeness", access: user, role: usecase.Viewer, h: s.apiCanvasCompleteness},
		{method: "GET", pattern: "/api/v1/usecases/{slug}/canvases/{canvas}/export", access: user, role: usecase.Viewer, h: s.apiExportCanvas},
		{method: "GET", pattern: "/api/v1/usecases/{slug}/canvases/{canvas}/sections/{section}", access: user, role: usecase.Viewer, h: s.apiGetSection},
		{method: "PUT", pattern: "/api/v1/usecases/{slug}/canvases/{canvas}/sections/{section}", access: user, role: usecase.Reviewer, h: s.apiSaveSection},
		{method: "GET", pattern: "/api/v1/usecases/{slug}/canvases/{canvas}/sections/{section}/evidence", access: user, role: usecase.Viewer, h: s.apiSectionEvidence},
		{method: "GET", pattern: "/api/v1/usecases/{slug}/canvases/{canvas}/sections/{section}/comments", access: user, role: usecase.Viewer, h: s.apiListComments},
		{method: "POST", pattern: "/api/v1/usecases/{slug}/canvases/{canvas}/sections/{section}/comments", access: user, role: usecase.Reviewer, h: s.apiAddComment},
		{method: "GET", pattern: "/api/v1/usecases/{slug}/canvases/{canvas}/iterations", access: user, role: usecase.Viewer, h: s.apiListIterations},
		{method: "POST", pattern: "/api/v1/usecases/{slug}/canvases/{canvas}/iterations", access: user, role: usecase.Editor, h: s.apiPublishIteration},
		{method: "GET", pattern: "/api/v1/usecases/{slug}/canvases/{canvas}/iterations/{n}", access: user, role: usecase.Viewer, h: s.apiGetIteration},
		{method: "GET", pattern: "/api/v1/usecases/{slug}/canvases/{canvas}/diff", access: user, role: usecase.Viewer, h: s.apiDiffIterations},
		{method: "GET", pattern: "/api/v1/usecases/{slug}/canvases/{canvas}/objectives", access: user, role: usecase.Viewer, h: s.apiListObjectives},
		{method: "POST", pattern: "/api/v1/usecases/{slug}/canvases/{canvas}/objectives", access: user, role: usecase.Editor, h: s.apiCreateObjective},
		{method: "PATCH", pattern: "/api/v1/usecases/{slug}/canvases/{canvas}/objectives/{id}", access: user, role: usecase.Editor, h: s.apiUpdateObjective},
		{method: "DELETE", pattern: "/api/v1/usecases/{slug}/canvases/{canvas}/objectives/{id}", access: user, role: usecase.Editor, h: s.apiDeleteObjective},
		{method: "GET", pattern: "/api/v1/usecases/{slug}/stakeholders", access: user, role: usecase.Viewer, h: s.apiListStakeholders},
		{method: "POST", pattern: "/api/v1/usecases/{slug}/stakeholders", access: user, role: usecase.Editor, h: s.apiCreateStakeholder},
		{method: "PATCH", pattern: "/api/v1/usecases/{slug}/stakeholders/{id}", access: user, role: usecase.Editor, h: s.apiUpdateStakeholder},
		{method: "DELETE", pattern: "/api/v1/usecases/{slug}/stakeholders/{id}", access: user, role: usecase.Editor, h: s.apiDeleteStakeholder},
		{method: "GET", pattern: "/api/v1/usecases/{slug}/decisions", access: user, role: usecase.Viewer, h: s.apiListDecisions},
		{method: "POST", pattern: "/api/v1/usecases/{slug}/decisions", access: user, role: usecase.Editor, h: s.apiCreateDecision},
		{method: "GET", pattern: "/api/v1/usecases/{slug}/decisions/{number}", access: user, role: usecase.Viewer, h: s.apiGetDecision},
		{method: "PATCH", pattern: "/api/v1/usecases/{slug}/decisions/{number}", access: user, role: usecase.Editor, h: s.apiUpdateDecision},

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
		{method: "GET", pattern: "/account", access: user, h: s.account.PageAccount},
		{method: "POST", pattern: "/account", access: user, h: s.account.PageAccountPost},
		{method: "POST", pattern: "/account/password", access: user, h: s.account.PageAccountPasswordPost},
		{method: "GET", pattern: "/tokens", access: user, h: s.account.PageTokens},
		{method: "POST", pattern: "/tokens", access: user, h: s.account.PageTokensPost},
		{method: "POST", pattern: "/tokens/{id}/revoke", access: user, h: s.account.PageTokenRevokePost},
		{method: "GET", pattern: "/admin/users", access: admin, h: s.admin.PageUsers},
		{method: "POST", pattern: "/admin/users", access: admin, h: s.admin.PageUsersPost},
		{method: "POST", pattern: "/admin/users/{id}", access: admin, h: s.admin.PageUserPost},
		{method: "GET", pattern: "/admin/teams", access: admin, h: s.admin.PageTeams},
		{method: "POST", pattern: "/admin/teams", access: admin, h: s.admin.PageTeamsPost},
		{method: "GET", pattern: "/admin/teams/{team}", access: admin, h: s.admin.PageTeam},
		{method: "POST", pattern: "/admin/teams/{team}/members", access: admin, h: s.admin.PageTeamMemberPost},
		{method: "POST", pattern: "/admin/teams/{team}/members/{id}/delete", access: admin, h: s.admin.PageTeamMemberDeletePost},
		{method: "GET", pattern: "/audit", access: admin, h: s.admin.PageAudit},
		{method: "GET", pattern: "/search", access: user, h: s.search.PageSearch},
		{method: "GET", pattern: "/usecases/{slug}/canvases", access: user, role: usecase.Viewer, h: s.pageCanvases},
		{method: "POST", pattern: "/usecases/{slug}/canvases", access: user, role: usecase.Editor, h: s.pageCanvasesPost},
		{method: "GET", pattern: "/usecases/{slug}/canvases/import", access: user, role: usecase.Editor, h: s.pageImportCanvas},
		{method: "POST", pattern: "/usecases/{slug}/canvases/import", access: user, role: usecase.Editor, h: s.pageImportCanvasPost},
		{method: "GET", pattern: "/usecases/{slug}/canvases/{canvas}", access: user, role: usecase.Viewer, h: s.pageCanvas},
		{method: "POST", pattern: "/usecases/{slug}/canvases/{canvas}/header", access: user, role: usecase.Editor, h: s.pageCanvasHeaderPost},
		{method: "GET", pattern: "/usecases/{slug}/canvases/{canvas}/print", access: user, role: usecase.Viewer, h: s.pageCanvasPrint},
		{method: "GET", pattern: "/usecases/{slug}/canvases/{canvas}/export.md", access: user, role: usecase.Viewer, h: s.pageCanvasExport},
		{method: "GET", pattern: "/usecases/{slug}/canvases/{canvas}/sections/{section}", access: user, role: usecase.Viewer, h: s.pageSection},
		{method: "POST", pattern: "/usecases/{slug}/canvases/{canvas}/sections/{section}", access: user, role: usecase.Editor, h: s.pageSectionPost},
		{method: "POST", pattern: "/usecases/{slug}/canvases/{canvas}/sections/{section}/status", access: user, role: usecase.Reviewer, h: s.pageSectionStatusPost},
		{method: "POST", pattern: "/usecases/{slug}/canvases/{canvas}/sections/{section}/comments", access: user, role: usecase.Reviewer, h: s.pageCommentPost},
		{method: "POST", pattern: "/usecases/{slug}/canvases/{canvas}/objectives", access: user, role: usecase.Editor, h: s.pageObjectivePost},
		{method: "POST", pattern: "/usecases/{slug}/canvases/{canvas}/objectives/{id}/delete", access: user, role: usecase.Editor, h: s.pageObjectiveDeletePost},
		{method: "POST", pattern: "/usecases/{slug}/canvases/{canvas}/publish", access: user, role: usecase.Editor, h: s.pagePublishPost},
		{method: "GET", pattern: "/usecases/{slug}/canvases/{canvas}/iterations", access: user, role: usecase.Viewer, h: s.pageIterations},
		{method: "GET", pattern: "/usecases/{slug}/canvases/{canvas}/iterations/{n}", access: user, role: usecase.Viewer, h: s.pageIteration},
		{method: "GET", pattern: "/usecases/{slug}/canvases/{canvas}/diff", access: user, role: usecase.Viewer, h: s.pageDiff},
		{method: "GET", pattern: "/usecases/{slug}/stakeholders", access: user, role: usecase.Viewer, h: s.pageStakeholders},
		{method: "POST", pattern: "/usecases/{slug}/stakeholders", access: user, role: usecase.Editor, h: s.pageStakeholdersPost},
		{method: "POST", pattern: "/usecases/{slug}/stakeholders/{id}", access: user, role: usecase.Editor, h: s.pageStakeholderPost},
		{method: "POST", pattern: "/usecases/{slug}/stakeholders/{id}/delete", access: user, role: usecase.Editor, h: s.pageStakeholderDeletePost},
		{method: "GET", pattern: "/usecases/{slug}/decisions", access: user, role: usecase.Viewer, h: s.pageDecisions},
		{method: "GET", pattern: "/usecases/{slug}/decisions/new", access: user, role: usecase.Editor, h: s.pageNewDecision},
		{method: "POST", pattern: "/usecases/{slug}/decisions/new", access: user, role: usecase.Editor, h: s.pageNewDecisionPost},
		{method: "GET", pattern: "/usecases/{slug}/decisions/{number}", access: user, role: usecase.Viewer, h: s.pageDecision},
		{method: "GET", pattern: "/usecases/{slug}/decisions/{number}/edit", access: user, role: usecase.Editor, h: s.pageEditDecision},
		{method: "POST", pattern: "/usecases/{slug}/decisions/{number}/edit", access: user, role: usecase.Editor, h: s.pageEditDecisionPost},
	}
}
