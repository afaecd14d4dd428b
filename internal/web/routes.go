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
		{method: "GET", pattern: "/api/v1/usecases", access: user, h: s.usecases.List},
		{method: "POST", pattern: "/api/v1/usecases", access: user, self: true, h: s.usecases.Create},
		{method: "GET", pattern: "/api/v1/usecases/{slug}", access: user, role: usecase.Viewer, h: s.usecases.Get},
		{method: "PATCH", pattern: "/api/v1/usecases/{slug}", access: user, role: usecase.Editor, h: s.usecases.Update},
		{method: "POST", pattern: "/api/v1/usecases/{slug}/archive", access: user, role: usecase.Owner, h: s.usecases.Archive},
		{method: "POST", pattern: "/api/v1/usecases/{slug}/restore", access: user, role: usecase.Owner, h: s.usecases.Restore},
		{method: "GET", pattern: "/api/v1/usecases/{slug}/transitions", access: user, role: usecase.Viewer, h: s.usecases.ListTransitions},
		{method: "POST", pattern: "/api/v1/usecases/{slug}/transitions", access: user, role: usecase.Editor, h: s.usecases.Transition},
		{method: "GET", pattern: "/api/v1/usecases/{slug}/grants", access: user, role: usecase.Viewer, h: s.usecases.ListGrants},
		{method: "POST", pattern: "/api/v1/usecases/{slug}/grants", access: user, role: usecase.Owner, h: s.usecases.PutGrant},
		{method: "DELETE", pattern: "/api/v1/usecases/{slug}/grants/{id}", access: user, role: usecase.Owner, h: s.usecases.DeleteGrant},
		{method: "GET", pattern: "/api/v1/usecases/{slug}/audit", access: user, role: usecase.Viewer, h: s.usecases.ListAudit},

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
		{method: "GET", pattern: "/api/v1/templates", access: user, h: s.canvases.APIListTemplates},
		{method: "GET", pattern: "/api/v1/templates/{id}", access: user, h: s.canvases.APIGetTemplate},
		{method: "GET", pattern: "/api/v1/search", access: user, h: s.search.APISearch},
		{method: "GET", pattern: "/api/v1/usecases/{slug}/canvases", access: user, role: usecase.Viewer, h: s.canvases.APIListCanvases},
		{method: "POST", pattern: "/api/v1/usecases/{slug}/canvases", access: user, role: usecase.Editor, h: s.canvases.APICreateCanvas},
		{method: "POST", pattern: "/api/v1/usecases/{slug}/canvases/import", access: user, role: usecase.Editor, h: s.canvases.APIImportCanvas},
		{method: "GET", pattern: "/api/v1/usecases/{slug}/canvases/{canvas}", access: user, role: usecase.Viewer, h: s.canvases.APIGetCanvas},
		{method: "PATCH", pattern: "/api/v1/usecases/{slug}/canvases/{canvas}", access: user, role: usecase.Editor, h: s.canvases.APIUpdateCanvas},
		{method: "GET", pattern: "/api/v1/usecases/{slug}/canvases/{canvas}/completeness", access: user, role: usecase.Viewer, h: s.canvases.APICanvasCompleteness},
		{method: "GET", pattern: "/api/v1/usecases/{slug}/canvases/{canvas}/export", access: user, role: usecase.Viewer, h: s.canvases.APIExportCanvas},
		{method: "GET", pattern: "/api/v1/usecases/{slug}/canvases/{canvas}/sections/{section}", access: user, role: usecase.Viewer, h: s.canvases.APIGetSection},
		{method: "PUT", pattern: "/api/v1/usecases/{slug}/canvases/{canvas}/sections/{section}", access: user, role: usecase.Reviewer, h: s.canvases.APISaveSection},
		{method: "GET", pattern: "/api/v1/usecases/{slug}/canvases/{canvas}/sections/{section}/evidence", access: user, role: usecase.Viewer, h: s.canvases.APISectionEvidence},
		{method: "GET", pattern: "/api/v1/usecases/{slug}/canvases/{canvas}/sections/{section}/comments", access: user, role: usecase.Viewer, h: s.canvases.APIListComments},
		{method: "POST", pattern: "/api/v1/usecases/{slug}/canvases/{canvas}/sections/{section}/comments", access: user, role: usecase.Reviewer, h: s.canvases.APIAddComment},
		{method: "GET", pattern: "/api/v1/usecases/{slug}/canvases/{canvas}/iterations", access: user, role: usecase.Viewer, h: s.canvases.APIListIterations},
		{method: "POST", pattern: "/api/v1/usecases/{slug}/canvases/{canvas}/iterations", access: user, role: usecase.Editor, h: s.canvases.APIPublishIteration},
		{method: "GET", pattern: "/api/v1/usecases/{slug}/canvases/{canvas}/iterations/{n}", access: user, role: usecase.Viewer, h: s.canvases.APIGetIteration},
		{method: "GET", pattern: "/api/v1/usecases/{slug}/canvases/{canvas}/diff", access: user, role: usecase.Viewer, h: s.canvases.APIDiffIterations},
		{method: "GET", pattern: "/api/v1/usecases/{slug}/canvases/{canvas}/objectives", access: user, role: usecase.Viewer, h: s.canvases.APIListObjectives},
		{method: "POST", pattern: "/api/v1/usecases/{slug}/canvases/{canvas}/objectives", access: user, role: usecase.Editor, h: s.canvases.APICreateObjective},
		{method: "PATCH", pattern: "/api/v1/usecases/{slug}/canvases/{canvas}/objectives/{id}", access: user, role: usecase.Editor, h: s.canvases.APIUpdateObjective},
		{method: "DELETE", pattern: "/api/v1/usecases/{slug}/canvases/{canvas}/objectives/{id}", access: user, role: usecase.Editor, h: s.canvases.APIDeleteObjective},
		{method: "GET", pattern: "/api/v1/usecases/{slug}/stakeholders", access: user, role: usecase.Viewer, h: s.canvases.APIListStakeholders},
		{method: "POST", pattern: "/api/v1/usecases/{slug}/stakeholders", access: user, role: usecase.Editor, h: s.canvases.APICreateStakeholder},
		{method: "PATCH", pattern: "/api/v1/usecases/{slug}/stakeholders/{id}", access: user, role: usecase.Editor, h: s.canvases.APIUpdateStakeholder},
		{method: "DELETE", pattern: "/api/v1/usecases/{slug}/stakeholders/{id}", access: user, role: usecase.Editor, h: s.canvases.APIDeleteStakeholder},
		{method: "GET", pattern: "/api/v1/usecases/{slug}/decisions", access: user, role: usecase.Viewer, h: s.canvases.APIListDecisions},
		{method: "POST", pattern: "/api/v1/usecases/{slug}/decisions", access: user, role: usecase.Editor, h: s.canvases.APICreateDecision},
		{method: "GET", pattern: "/api/v1/usecases/{slug}/decisions/{number}", access: user, role: usecase.Viewer, h: s.canvases.APIGetDecision},
		{method: "PATCH", pattern: "/api/v1/usecases/{slug}/decisions/{number}", access: user, role: usecase.Editor, h: s.canvases.APIUpdateDecision},

		// Pages.
		{method: "GET", pattern: "/{$}", access: user, h: s.pageHome},
		{method: "GET", pattern: "/login", access: public, h: s.pageLogin},
		{method: "POST", pattern: "/login", access: public, h: s.pageLoginPost},
		{method: "POST", pattern: "/logout", access: user, h: s.pageLogout},
		{method: "GET", pattern: "/usecases", access: user, h: s.usecases.ListPage},
		{method: "GET", pattern: "/usecases/new", access: user, h: s.usecases.NewPage},
		{method: "POST", pattern: "/usecases/new", access: user, h: s.usecases.NewPost},
		{method: "GET", pattern: "/usecases/{slug}", access: user, role: usecase.Viewer, h: s.usecases.ShowPage},
		{method: "GET", pattern: "/usecases/{slug}/edit", access: user, role: usecase.Editor, h: s.usecases.EditPage},
		{method: "POST", pattern: "/usecases/{slug}/edit", access: user, role: usecase.Editor, h: s.usecases.EditPost},
		{method: "POST", pattern: "/usecases/{slug}/transition", access: user, role: usecase.Editor, h: s.usecases.TransitionPost},
		{method: "POST", pattern: "/usecases/{slug}/archive", access: user, role: usecase.Owner, h: s.usecases.ArchivePost},
		{method: "POST", pattern: "/usecases/{slug}/grants", access: user, role: usecase.Owner, h: s.usecases.GrantPost},
		{method: "POST", pattern: "/usecases/{slug}/grants/{id}/delete", access: user, role: usecase.Owner, h: s.usecases.GrantDeletePost},
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
		{method: "GET", pattern: "/usecases/{slug}/canvases", access: user, role: usecase.Viewer, h: s.canvases.PageCanvases},
		{method: "POST", pattern: "/usecases/{slug}/canvases", access: user, role: usecase.Editor, h: s.canvases.PageCanvasesPost},
		{method: "GET", pattern: "/usecases/{slug}/canvases/import", access: user, role: usecase.Editor, h: s.canvases.PageImportCanvas},
		{method: "POST", pattern: "/usecases/{slug}/canvases/import", access: user, role: usecase.Editor, h: s.canvases.PageImportCanvasPost},
		{method: "GET", pattern: "/usecases/{slug}/canvases/{canvas}", access: user, role: usecase.Viewer, h: s.canvases.PageCanvas},
		{method: "POST", pattern: "/usecases/{slug}/canvases/{canvas}/header", access: user, role: usecase.Editor, h: s.canvases.PageCanvasHeaderPost},
		{method: "GET", pattern: "/usecases/{slug}/canvases/{canvas}/print", access: user, role: usecase.Viewer, h: s.canvases.PageCanvasPrint},
		{method: "GET", pattern: "/usecases/{slug}/canvases/{canvas}/export.md", access: user, role: usecase.Viewer, h: s.canvases.PageCanvasExport},
		{method: "GET", pattern: "/usecases/{slug}/canvases/{canvas}/sections/{section}", access: user, role: usecase.Viewer, h: s.canvases.PageSection},
		{method: "POST", pattern: "/usecases/{slug}/canvases/{canvas}/sections/{section}", access: user, role: usecase.Editor, h: s.canvases.PageSectionPost},
		{method: "POST", pattern: "/usecases/{slug}/canvases/{canvas}/sections/{section}/status", access: user, role: usecase.Reviewer, h: s.canvases.PageSectionStatusPost},
		{method: "POST", pattern: "/usecases/{slug}/canvases/{canvas}/sections/{section}/comments", access: user, role: usecase.Reviewer, h: s.canvases.PageCommentPost},
		{method: "POST", pattern: "/usecases/{slug}/canvases/{canvas}/objectives", access: user, role: usecase.Editor, h: s.canvases.PageObjectivePost},
		{method: "POST", pattern: "/usecases/{slug}/canvases/{canvas}/objectives/{id}/delete", access: user, role: usecase.Editor, h: s.canvases.PageObjectiveDeletePost},
		{method: "POST", pattern: "/usecases/{slug}/canvases/{canvas}/publish", access: user, role: usecase.Editor, h: s.canvases.PagePublishPost},
		{method: "GET", pattern: "/usecases/{slug}/canvases/{canvas}/iterations", access: user, role: usecase.Viewer, h: s.canvases.PageIterations},
		{method: "GET", pattern: "/usecases/{slug}/canvases/{canvas}/iterations/{n}", access: user, role: usecase.Viewer, h: s.canvases.PageIteration},
		{method: "GET", pattern: "/usecases/{slug}/canvases/{canvas}/diff", access: user, role: usecase.Viewer, h: s.canvases.PageDiff},
		{method: "GET", pattern: "/usecases/{slug}/stakeholders", access: user, role: usecase.Viewer, h: s.canvases.PageStakeholders},
		{method: "POST", pattern: "/usecases/{slug}/stakeholders", access: user, role: usecase.Editor, h: s.canvases.PageStakeholdersPost},
		{method: "POST", pattern: "/usecases/{slug}/stakeholders/{id}", access: user, role: usecase.Editor, h: s.canvases.PageStakeholderPost},
		{method: "POST", pattern: "/usecases/{slug}/stakeholders/{id}/delete", access: user, role: usecase.Editor, h: s.canvases.PageStakeholderDeletePost},
		{method: "GET", pattern: "/usecases/{slug}/decisions", access: user, role: usecase.Viewer, h: s.canvases.PageDecisions},
		{method: "GET", pattern: "/usecases/{slug}/decisions/new", access: user, role: usecase.Editor, h: s.canvases.PageNewDecision},
		{method: "POST", pattern: "/usecases/{slug}/decisions/new", access: user, role: usecase.Editor, h: s.canvases.PageNewDecisionPost},
		{method: "GET", pattern: "/usecases/{slug}/decisions/{number}", access: user, role: usecase.Viewer, h: s.canvases.PageDecision},
		{method: "GET", pattern: "/usecases/{slug}/decisions/{number}/edit", access: user, role: usecase.Editor, h: s.canvases.PageEditDecision},
		{method: "POST", pattern: "/usecases/{slug}/decisions/{number}/edit", access: user, role: usecase.Editor, h: s.canvases.PageEditDecisionPost},
	}
}
