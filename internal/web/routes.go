package web

import (
	"net/http"

	"github.com/atrium-mlops/atrium/internal/artifact"
	"github.com/atrium-mlops/atrium/internal/atrium"
	"github.com/atrium-mlops/atrium/internal/canvas"
	"github.com/atrium-mlops/atrium/internal/decision"
	"github.com/atrium-mlops/atrium/internal/evidence"
	"github.com/atrium-mlops/atrium/internal/identity"
	"github.com/atrium-mlops/atrium/internal/mlflow"
	"github.com/atrium-mlops/atrium/internal/people"
	"github.com/atrium-mlops/atrium/internal/registry"
	"github.com/atrium-mlops/atrium/internal/store"
	"github.com/atrium-mlops/atrium/internal/telemetry"
	"github.com/atrium-mlops/atrium/internal/usecase"
	"github.com/atrium-mlops/atrium/internal/web/account"
	webadmin "github.com/atrium-mlops/atrium/internal/web/admin"
	"github.com/atrium-mlops/atrium/internal/web/canvases"
	"github.com/atrium-mlops/atrium/internal/web/feedback"
	webregistry "github.com/atrium-mlops/atrium/internal/web/registry"
	"github.com/atrium-mlops/atrium/internal/web/respond"
	"github.com/atrium-mlops/atrium/internal/web/search"
	webtelemetry "github.com/atrium-mlops/atrium/internal/web/telemetry"
	"github.com/atrium-mlops/atrium/internal/web/usecases"
)

// access is who may call a route at all; finer, per-object checks happen in
// the handler through the store.
type access int

const (
	public access = iota // anyone, no credentials
	user                 // any signed-in user or token
	admin                // administrators only
	// ingest routes take an ingestion key (Authorization: Bearer atri_…)
	// and nothing else: no user token, no session. The key's scope is in
	// the request's context for the handler (webtelemetry.ScopeFrom).
	ingest
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
	// op documents an /api/ route in the API description (openapi.go);
	// every /api/ route has one, pages have none.
	op *apiOp
}

// routes is every route Atrium serves. The API description and its
// reference page are built from it.
func (s *Server) routes() []route {
	table := []route{
		// Health, metrics, the API description, static files.
		{method: "GET", pattern: "/healthz", access: public, h: s.healthz},
		{method: "GET", pattern: "/readyz", access: public, h: s.readyz},
		{method: "GET", pattern: "/metrics", access: user, h: s.serveMetrics},
		{method: "GET", pattern: "/api/v1/openapi.json", access: public, h: s.openAPI, op: &apiOp{
			id: "getOpenAPI", tag: "meta", summary: "Get this API description",
			desc: "Returns this OpenAPI document. It needs no credentials, is cacheable and carries an ETag, so " +
				"`If-None-Match` answers 304 when it has not changed.",
			resp:     map[string]any{},
			respDesc: "The OpenAPI 3.1 document.",
			headers:  headers{"ETag": "A hash of the document."},
			errs:     errs{304: "The document matches the ETag given in `If-None-Match`."}}},
		{method: "GET", pattern: "/static/{hash}/{file}", access: public, h: s.static},

		// API: the caller.
		{method: "GET", pattern: "/api/v1/me", access: user, h: s.account.APIMe, op: &apiOp{
			id: "getMe", tag: "identity", summary: "Get the caller",
			desc: "Returns the signed-in user (or the owner of the token used), the teams they belong to, the id of " +
				"the token used if any, and the server version.",
			resp:     account.Me{},
			respDesc: "The caller."}},
		{method: "PATCH", pattern: "/api/v1/me", access: user, self: true, h: s.account.APIUpdateMe, op: &apiOp{
			id: "updateMe", tag: "identity", summary: "Change your own name or password",
			desc: "Changes the caller's display name and/or password in one step. A new password needs " +
				"`current_password` unless the account has none yet (token-only accounts set their first one this " +
				"way), must be 12 to 256 characters, and ends every browser session of the account. Answers with " +
				"the caller, like GET.",
			body: account.MePatch{}, resp: account.Me{},
			respDesc: "The caller, changed.",
			errs: errs{
				403: "The current password is missing or not right.",
				429: "Too many requests, or too many wrong current passwords for this account (5, then one every 10 " +
					"seconds); `Retry-After` says when to try again.",
			}}},

		// API: use cases.
		{method: "GET", pattern: "/api/v1/usecases", access: user, h: s.usecases.List, op: &apiOp{
			id: "listUseCases", tag: "usecases", summary: "List use cases",
			desc: "Lists the use cases the caller may see (all of them, for administrators), ordered by name. " +
				"Archived use cases are left out unless `archived=true`. Items in this list carry no `your_role`.",
			query: []*param{qStage, qTeam, qUseCaseName, qArchived}, paged: true, resp: atrium.Page[usecase.UseCase]{},
			respDesc: "One page of use cases."}},
		{method: "POST", pattern: "/api/v1/usecases", access: user, self: true, h: s.usecases.Create, op: &apiOp{
			id: "createUseCase", tag: "usecases", summary: "Create a use case",
			desc: "Creates a use case owned by the caller for one of the caller's teams (administrators may use any " +
				"team). It starts at version 1, in stage `scoping` unless another is given.",
			body: usecases.UseCaseInput{}, status: 201, resp: usecase.UseCase{},
			respDesc: "The new use case.",
			headers:  headers{"Location": "Path of the new use case."},
			errs: errs{
				400: "The body is not valid, or the team does not exist.",
				403: "The caller does not belong to the team.",
				409: "A use case with this slug already exists.",
			}}},
		{method: "GET", pattern: "/api/v1/usecases/{slug}", access: user, role: usecase.Viewer, h: s.usecases.Get, op: &apiOp{
			id: "getUseCase", tag: "usecases", summary: "Get a use case",
			desc:     "Returns the use case with the caller's effective role on it in `your_role`.",
			resp:     usecase.UseCase{},
			respDesc: "The use case.",
			errs:     errs{404: "No such use case, or the caller cannot see it: the two are indistinguishable."}}},
		{method: "PATCH", pattern: "/api/v1/usecases/{slug}", access: user, role: usecase.Editor, h: s.usecases.Update, op: &apiOp{
			id: "updateUseCase", tag: "usecases", summary: "Edit a use case",
			desc: "Changes the fields given; omitted fields stay as they are. Name and summary need the editor role; " +
				"moving the use case to another team or owner needs the owner role. Send the `version` you read " +
				"for optimistic locking: if someone changed the use case since, the answer is 409. Every " +
				"successful edit increments the version.",
			body: usecases.UseCasePatch{}, resp: usecase.UseCase{},
			respDesc: "The updated use case.",
			errs: errs{
				400: "The body is not valid, the team does not exist or the owner is not an enabled user.",
				403: "The caller's role is too weak for this change.",
				409: "`version` does not match the current version, or the use case is archived.",
			}}},
		{method: "POST", pattern: "/api/v1/usecases/{slug}/archive", access: user, role: usecase.Owner, h: s.usecases.Archive, op: &apiOp{
			id: "archiveUseCase", tag: "usecases", summary: "Archive a use case",
			desc: "Archives the use case (owner role). An archived use case is hidden from lists by default and " +
				"cannot be edited or moved between stages until it is restored. Takes no body.",
			resp:     usecase.UseCase{},
			respDesc: "The archived use case.",
			errs:     errs{409: "The use case is already archived."}}},
		{method: "POST", pattern: "/api/v1/usecases/{slug}/restore", access: user, role: usecase.Owner, h: s.usecases.Restore, op: &apiOp{
			id: "restoreUseCase", tag: "usecases", summary: "Restore an archived use case",
			desc:     "Makes an archived use case active again (owner role). Takes no body.",
			resp:     usecase.UseCase{},
			respDesc: "The restored use case.",
			errs:     errs{409: "The use case is not archived."}}},
		{method: "GET", pattern: "/api/v1/usecases/{slug}/transitions", access: user, role: usecase.Viewer, h: s.usecases.ListTransitions, op: &apiOp{
			id: "listTransitions", tag: "usecases", summary: "List a use case's stage history",
			desc:     "Returns every stage change of the use case, oldest first. Not paged.",
			resp:     respond.List[usecase.Transition]{},
			respDesc: "The stage history."}},
		{method: "POST", pattern: "/api/v1/usecases/{slug}/transitions", access: user, role: usecase.Editor, h: s.usecases.Transition, op: &apiOp{
			id: "transitionUseCase", tag: "usecases", summary: "Move a use case to another stage",
			desc: "Moves the use case to any other stage (editor role), once the server's stage gate agrees, and " +
				"records the move with its note in the stage history.",
			body: usecases.TransitionInput{}, resp: usecase.UseCase{},
			respDesc: "The use case in its new stage.",
			errs: errs{
				400: "The body is not valid or `to` is not a stage.",
				403: "The caller is not an editor of the use case.",
				409: "The use case is archived or already in that stage.",
			}}},
		{method: "GET", pattern: "/api/v1/usecases/{slug}/grants", access: user, role: usecase.Viewer, h: s.usecases.ListGrants, op: &apiOp{
			id: "listGrants", tag: "usecases", summary: "List who has access to a use case",
			desc: "Returns the roles granted on the use case to users and teams. Its owner, and the members of its " +
				"team (as editors), have access without a grant. Not paged. Who holds a grant is named (ids and " +
				"names) only when the caller may see them: their own grant, people they share a team with, teams " +
				"they belong to; administrators see everyone. For other grants, owners see the `user_email` or " +
				"`team` slug and everyone else only `id` and `role`.",
			resp:     respond.List[usecase.Grant]{},
			respDesc: "The grants, oldest first."}},
		{method: "POST", pattern: "/api/v1/usecases/{slug}/grants", access: user, role: usecase.Owner, h: s.usecases.PutGrant, op: &apiOp{
			id: "putGrant", tag: "usecases", summary: "Grant a role on a use case",
			desc: "Gives a user (by id or e-mail) or a team (by slug) a role on the use case, or replaces the role " +
				"they already hold (owner role). Give exactly one of `user_id`, `email` and `team`. The answer " +
				"names the grantee only when the caller may see them (they share a team, or the caller is an " +
				"administrator). Otherwise, and equally when no user has that id or e-mail address or no team that " +
				"slug, it is 200 with what was asked and a `message` such as \"If ada@example.org has an Atrium " +
				"account, they now have viewer access.\": granting does not tell who has an account or which teams " +
				"exist.",
			body: usecases.GrantInput{}, resp: oneOf{usecases.GrantedTo{}, usecases.GrantedIfAny{}},
			respDesc: "The grant as listed, with a `message`, when the caller may see the grantee; otherwise what " +
				"was asked (`user_id`, `user_email` or `team`, and `role`) with a `message`, the same whether or " +
				"not the grantee exists.",
			errs: errs{
				400: "The body is not valid: an unknown role, not exactly one of `user_id`, `email` and `team`, a " +
					"malformed address or id.",
				403: "The caller is not an owner of the use case (refused before the body is validated).",
			}}},
		{method: "DELETE", pattern: "/api/v1/usecases/{slug}/grants/{id}", access: user, role: usecase.Owner, h: s.usecases.DeleteGrant, op: &apiOp{
			id: "deleteGrant", tag: "usecases", summary: "Remove a grant",
			desc:     "Takes away a role granted on the use case (owner role).",
			status:   204,
			respDesc: "The grant is gone.",
			errs:     errs{404: "No such use case or grant, or the caller cannot see the use case."}}},
		{method: "GET", pattern: "/api/v1/usecases/{slug}/audit", access: user, role: usecase.Viewer, h: s.usecases.ListAudit, op: &apiOp{
			id: "listUseCaseAudit", tag: "audit", summary: "List a use case's audit entries",
			desc: "Returns the audit entries about this use case, newest first. Open to anyone who can see the use " +
				"case.",
			query: []*param{qActor, qSince, qUntil}, paged: true, resp: atrium.Page[store.AuditRecord]{},
			respDesc: "One page of audit entries."}},

		// API: people, teams, tokens, audit.
		{method: "GET", pattern: "/api/v1/users", access: admin, h: s.admin.APIListUsers, op: &apiOp{
			id: "listUsers", tag: "identity", summary: "List users",
			desc:  "Lists every user, ordered by e-mail address (administrators only).",
			paged: true, resp: atrium.Page[identity.User]{},
			respDesc: "One page of users."}},
		{method: "POST", pattern: "/api/v1/users", access: admin, h: s.admin.APICreateUser, op: &apiOp{
			id: "createUser", tag: "identity", summary: "Create a user",
			desc: "Adds a user (administrators only). A user created without a password can act only through API " +
				"tokens.",
			body: webadmin.UserInput{}, status: 201, resp: identity.User{},
			respDesc: "The new user.",
			headers:  headers{"Location": "Path of the new user."},
			errs: errs{
				400: "The body is not valid.",
				409: "A user with this e-mail address already exists.",
			}}},
		{method: "GET", pattern: "/api/v1/users/{id}", access: admin, h: s.admin.APIGetUser, op: &apiOp{
			id: "getUser", tag: "identity", summary: "Get a user",
			desc:     "Returns one user (administrators only).",
			resp:     identity.User{},
			respDesc: "The user.",
			errs:     errs{404: "No user with this id."}}},
		{method: "PATCH", pattern: "/api/v1/users/{id}", access: admin, h: s.admin.APIUpdateUser, op: &apiOp{
			id: "updateUser", tag: "identity", summary: "Edit a user",
			desc: "Changes the fields given; omitted fields stay as they are (administrators only). Disabling a user " +
				"or setting their password ends their browser sessions. The last enabled administrator cannot be " +
				"disabled or demoted.",
			body: webadmin.UserPatch{}, resp: identity.User{},
			respDesc: "The updated user.",
			errs: errs{
				400: "The body is not valid.",
				404: "No user with this id.",
				409: "The change would leave Atrium without an enabled administrator.",
			}}},
		{method: "GET", pattern: "/api/v1/teams", access: user, h: s.admin.APIListTeams, op: &apiOp{
			id: "listTeams", tag: "identity", summary: "List teams",
			desc: "Lists teams ordered by name: every team for administrators, the caller's own teams for everyone " +
				"else. Members are not included; get a team for them.",
			paged: true, resp: atrium.Page[identity.Team]{},
			respDesc: "One page of teams."}},
		{method: "POST", pattern: "/api/v1/teams", access: admin, h: s.admin.APICreateTeam, op: &apiOp{
			id: "createTeam", tag: "identity", summary: "Create a team",
			desc: "Adds a team with no members (administrators only).",
			body: webadmin.TeamInput{}, status: 201, resp: identity.Team{},
			respDesc: "The new team.",
			headers:  headers{"Location": "Path of the new team."},
			errs: errs{
				400: "The body is not valid.",
				409: "A team with this slug already exists.",
			}}},
		{method: "GET", pattern: "/api/v1/teams/{team}", access: user, h: s.admin.APIGetTeam, op: &apiOp{
			id: "getTeam", tag: "identity", summary: "Get a team",
			desc: "Returns a team with its members, ordered by name. Only administrators and the team's members can " +
				"see it; to anyone else it answers 404 as if it did not exist.",
			resp:     identity.Team{},
			respDesc: "The team with its members.",
			errs:     errs{404: "No such team, or the caller is not in it."}}},
		{method: "POST", pattern: "/api/v1/teams/{team}/members", access: admin, h: s.admin.APIAddTeamMember, op: &apiOp{
			id: "addTeamMember", tag: "identity", summary: "Add a member to a team",
			desc: "Puts a user in the team (administrators only). Adding someone who is already a member changes " +
				"nothing.",
			body: webadmin.MemberInput{}, resp: identity.Team{},
			respDesc: "The team with its members.",
			errs: errs{
				400: "The body is not valid or the user does not exist.",
				404: "No such team.",
			}}},
		{method: "DELETE", pattern: "/api/v1/teams/{team}/members/{id}", access: admin, h: s.admin.APIRemoveTeamMember, op: &apiOp{
			id: "removeTeamMember", tag: "identity", summary: "Remove a member from a team",
			desc:     "Takes a user out of the team (administrators only).",
			status:   204,
			respDesc: "The user is no longer a member.",
			errs:     errs{404: "No such team, or the user is not a member of it."}}},
		{method: "GET", pattern: "/api/v1/tokens", access: user, h: s.account.APIListTokens, op: &apiOp{
			id: "listTokens", tag: "identity", summary: "List API tokens",
			desc: "Lists the caller's API tokens, newest first, including expired and revoked ones. Administrators " +
				"may pass `all=true` to list everyone's. Secrets are never shown.",
			query: []*param{qAllTokens}, paged: true, resp: atrium.Page[identity.Token]{},
			respDesc: "One page of tokens.",
			errs: errs{
				400: "A paging parameter is not valid.",
				403: "`all=true` was asked for by someone who is not an administrator.",
			}}},
		{method: "POST", pattern: "/api/v1/tokens", access: user, self: true, h: s.account.APICreateToken, op: &apiOp{
			id: "createToken", tag: "identity", summary: "Create an API token",
			desc: "Issues an API token for the caller. The answer is the only time the secret is shown; Atrium keeps " +
				"only its digest.",
			body: account.TokenInput{}, status: 201, resp: account.CreatedToken{},
			respDesc: "The new token, with its secret.",
			errs:     errs{400: "The body is not valid or the expiry cannot be read."}}},
		{method: "DELETE", pattern: "/api/v1/tokens/{id}", access: user, self: true, h: s.account.APIRevokeToken, op: &apiOp{
			id: "revokeToken", tag: "identity", summary: "Revoke an API token",
			desc: "Revokes one of the caller's tokens; administrators may revoke anyone's. Someone else's token " +
				"answers 404 exactly like a missing one. Revoking a revoked token keeps the first revocation time.",
			resp:     identity.Token{},
			respDesc: "The revoked token.",
			errs:     errs{404: "No such token among those the caller may revoke."}}},
		{method: "GET", pattern: "/api/v1/audit", access: admin, h: s.admin.APIAudit, op: &apiOp{
			id: "listAudit", tag: "audit", summary: "List audit entries",
			desc: "Lists audit log entries, newest first (administrators only). An entry names who did what to which " +
				"object and commits to the content of the change with a salted hash; it does not contain the " +
				"content.",
			query: []*param{qObjectType, qObjectID, qActor, qSince, qUntil}, paged: true, resp: atrium.Page[store.AuditRecord]{},
			respDesc: "One page of audit entries."}},

		// API: canvases, templates, people, decisions, search.
		{method: "GET", pattern: "/api/v1/templates", access: user, h: s.canvases.APIListTemplates, op: &apiOp{
			id: "listTemplates", tag: "canvases", summary: "List canvas templates",
			desc: "Lists the templates on offer: the built-in Human-Centric MLOps Canvas and MLOps Canvas v0.1, then " +
				"any read from `--templates`.",
			resp:     respond.List[canvases.TemplateSummary]{},
			respDesc: "The templates."}},
		{method: "GET", pattern: "/api/v1/templates/{id}", access: user, h: s.canvases.APIGetTemplate, op: &apiOp{
			id: "getTemplate", tag: "canvases", summary: "Get a canvas template",
			desc: "Returns a whole template: header fields, phases, sections with their prompts, moments and " +
				"evidence kinds.",
			resp:     canvas.Template{},
			respDesc: "The template.",
			errs:     errs{404: "No template with this id."}}},
		{method: "GET", pattern: "/api/v1/search", access: user, h: s.search.APISearch, op: &apiOp{
			id: "search", tag: "search", summary: "Search canvases and decisions",
			desc: "Full-text search over the section text of every canvas and the decision records of the use cases " +
				"the caller may see. Hits come best first; each carries the address of its page.",
			query: []*param{qSearch}, paged: true, resp: atrium.Page[search.Hit]{},
			respDesc: "One page of hits.",
			errs:     errs{400: "`q` is missing or too long, or a paging parameter is not valid."}}},
		{method: "GET", pattern: "/api/v1/usecases/{slug}/canvases", access: user, role: usecase.Viewer, h: s.canvases.APIListCanvases, op: &apiOp{
			id: "listCanvases", tag: "canvases", summary: "List a use case's canvases",
			desc:     "Lists the use case's canvases, oldest first, each with its sections and completeness.",
			resp:     respond.List[canvases.CanvasView]{},
			respDesc: "The canvases."}},
		{method: "POST", pattern: "/api/v1/usecases/{slug}/canvases", access: user, role: usecase.Editor, h: s.canvases.APICreateCanvas, op: &apiOp{
			id: "createCanvas", tag: "canvases", summary: "Create a canvas",
			desc: "Creates an empty canvas from a template (editor role). Every section starts empty.",
			body: canvases.CanvasInput{}, status: 201, resp: canvases.CanvasView{},
			respDesc: "The new canvas.",
			headers:  headers{"Location": "Path of the new canvas."},
			errs:     errs{400: "The template is unknown, or the title or a header value is not valid."}}},
		{method: "POST", pattern: "/api/v1/usecases/{slug}/canvases/import", access: user, role: usecase.Editor, h: s.canvases.APIImportCanvas, op: &apiOp{
			id: "importCanvas", tag: "canvases", summary: "Import a canvas from Markdown",
			desc: "Creates a new canvas from a Markdown document in the form `export` produces (editor role): its " +
				"template, title, header and sections. Exporting a canvas and importing the result gives a canvas " +
				"with the same content. Each imported section is saved like an edit, and audited. Text that would " +
				"ask the Markdown renderer for too much work is refused (400) with the reason: quotes or lists " +
				"nested more than 16 deep, more than 1,000 runs of `*`, `_` or `~` or more than 500 `[` in one " +
				"paragraph, or HTML more than five times the text's length.",
			body:   content{"text/markdown": text{canvases.MaxImportBytes}, "text/plain": text{canvases.MaxImportBytes}},
			status: 201, resp: canvases.CanvasView{},
			respDesc: "The new canvas.",
			headers:  headers{"Location": "Path of the new canvas."},
			errs: errs{
				400: "The document does not parse or names an unknown template; `detail` gives the line.",
				413: "The document is larger than 2 MiB.",
			}}},
		{method: "GET", pattern: "/api/v1/usecases/{slug}/canvases/{canvas}", access: user, role: usecase.Viewer, h: s.canvases.APIGetCanvas, op: &apiOp{
			id: "getCanvas", tag: "canvases", summary: "Get a canvas",
			desc: "Returns the canvas with every section (its Markdown and the rendered, sanitised HTML) and its " +
				"completeness.",
			resp:     canvases.CanvasView{},
			respDesc: "The canvas.",
			errs:     errs{503: errCanvasGone}}},
		{method: "PATCH", pattern: "/api/v1/usecases/{slug}/canvases/{canvas}", access: user, role: usecase.Editor, h: s.canvases.APIUpdateCanvas, op: &apiOp{
			id: "updateCanvas", tag: "canvases", summary: "Edit a canvas's title and header",
			desc: "Changes the title and header values given (editor role).",
			body: canvases.CanvasPatch{}, resp: canvases.CanvasView{},
			respDesc: "The updated canvas.",
			errs: errs{
				400: "The title or a header value is not valid, or names a field the template does not have.",
				409: "The record changed since `version` was read.",
			}}},
		{method: "GET", pattern: "/api/v1/usecases/{slug}/canvases/{canvas}/completeness", access: user, role: usecase.Viewer, h: s.canvases.APICanvasCompleteness, op: &apiOp{
			id: "getCanvasCompleteness", tag: "canvases", summary: "Get a canvas's completeness",
			desc:     "Counts the sections that are empty, drafted, in review and agreed, overall and per phase.",
			resp:     canvas.Completeness{},
			respDesc: "The completeness.",
			errs:     errs{503: errCanvasGone}}},
		{method: "GET", pattern: "/api/v1/usecases/{slug}/canvases/{canvas}/export", access: user, role: usecase.Viewer, h: s.canvases.APIExportCanvas, op: &apiOp{
			id: "exportCanvas", tag: "canvases", summary: "Export a canvas",
			desc:  "Downloads the canvas as Markdown (the default; `import` reads it back) or as JSON.",
			query: []*param{qFormat}, resp: content{"text/markdown": text{}, "application/json": canvases.CanvasView{}},
			respDesc: "The canvas as a download named after the use case and the canvas title.",
			headers:  headers{"Content-Disposition": "`attachment; filename=\"<use case>-<title>.md\"`."},
			errs: errs{
				400: "`format` is neither `markdown` nor `json`.",
				503: errCanvasGone,
			}}},
		{method: "GET", pattern: "/api/v1/usecases/{slug}/canvases/{canvas}/sections/{section}", access: user, role: usecase.Viewer, h: s.canvases.APIGetSection, op: &apiOp{
			id: "getSection", tag: "canvases", summary: "Get a section",
			desc:     "Returns one section with its guiding prompts, live evidence panels and comment thread.",
			resp:     canvases.SectionDetail{},
			respDesc: "The section.",
			errs:     errs{503: errCanvasGone}}},
		{method: "PUT", pattern: "/api/v1/usecases/{slug}/canvases/{canvas}/sections/{section}", access: user, role: usecase.Reviewer, h: s.canvases.APISaveSection, op: &apiOp{
			id: "saveSection", tag: "canvases", summary: "Save a section",
			desc: "Saves the content, status or owner of a section. Changing the content or owner needs the editor " +
				"role; changing only the status (a review) needs the reviewer role. Send the `version` you read as " +
				"`base_version`: if someone saved the section since, nothing is stored and the answer is 409 with " +
				"both versions and what changed. Saving without a change makes no new version. Text that would ask " +
				"the Markdown renderer for too much work is refused (400) with the reason: quotes or lists nested " +
				"more than 16 deep, more than 1,000 runs of `*`, `_` or `~` or more than 500 `[` in one paragraph, " +
				"or HTML more than five times the text's length.",
			body: canvases.SectionInput{}, resp: canvases.SectionView{},
			respDesc: "The saved section.",
			details:  map[int]any{409: canvases.EditConflict{}},
			errs: errs{
				409: "The section was saved by someone else since `base_version`. The problem document also has the " +
					"members of EditConflict: `base`, `current`, `yours` and `changes`.",
			}}},
		{method: "GET", pattern: "/api/v1/usecases/{slug}/canvases/{canvas}/sections/{section}/evidence", access: user, role: usecase.Viewer, h: s.canvases.APISectionEvidence, op: &apiOp{
			id: "getSectionEvidence", tag: "canvases", summary: "Get a section's live evidence",
			desc: "Returns the panels of the evidence kinds the section's template names: objectives, stakeholders, " +
				"decisions, completeness and the kinds later features add.",
			resp:     respond.List[evidence.Panel]{},
			respDesc: "The panels, in the template's order.",
			errs:     errs{503: errCanvasGone}}},
		{method: "GET", pattern: "/api/v1/usecases/{slug}/canvases/{canvas}/sections/{section}/comments", access: user, role: usecase.Viewer, h: s.canvases.APIListComments, op: &apiOp{
			id: "listComments", tag: "canvases", summary: "List a section's comments",
			desc:  "Lists one page of the section's discussion, oldest first.",
			paged: true, resp: atrium.Page[canvas.Comment]{},
			respDesc: "One page of comments."}},
		{method: "POST", pattern: "/api/v1/usecases/{slug}/canvases/{canvas}/sections/{section}/comments", access: user, role: usecase.Reviewer, h: s.canvases.APIAddComment, op: &apiOp{
			id: "addComment", tag: "canvases", summary: "Comment on a section",
			desc: "Adds a comment to the section's thread (reviewer role). The text is refused (400) when it would " +
				"ask the Markdown renderer for too much work: quotes or lists nested more than 16 deep, more than " +
				"1,000 runs of `*`, `_` or `~` or more than 500 `[` in one paragraph, or HTML more than five times " +
				"the text's length.",
			body: canvases.CommentInput{}, status: 201, resp: canvas.Comment{},
			respDesc: "The comment.",
			errs: errs{
				429: "Too many requests, or the caller has added 30 comments to this section in the last hour; " +
					"`Retry-After` says when to try again.",
			}}},
		{method: "GET", pattern: "/api/v1/usecases/{slug}/canvases/{canvas}/iterations", access: user, role: usecase.Viewer, h: s.canvases.APIListIterations, op: &apiOp{
			id: "listIterations", tag: "canvases", summary: "List a canvas's iterations",
			desc:     "Lists the published iterations, newest first, without their snapshots.",
			resp:     respond.List[canvas.Iteration]{},
			respDesc: "The iterations."}},
		{method: "POST", pattern: "/api/v1/usecases/{slug}/canvases/{canvas}/iterations", access: user, role: usecase.Editor, h: s.canvases.APIPublishIteration, op: &apiOp{
			id: "publishIteration", tag: "canvases", summary: "Publish an iteration",
			desc: "Freezes the whole canvas as the next numbered iteration (editor role). Iterations never change. " +
				"If the template has an `iteration` header field, it takes the new number.",
			body: canvases.IterationInput{}, status: 201, resp: canvas.Iteration{},
			respDesc: "The iteration.",
			headers:  headers{"Location": "Path of the new iteration."},
			errs:     errs{503: errCanvasGone}}},
		{method: "GET", pattern: "/api/v1/usecases/{slug}/canvases/{canvas}/iterations/{n}", access: user, role: usecase.Viewer, h: s.canvases.APIGetIteration, op: &apiOp{
			id: "getIteration", tag: "canvases", summary: "Get an iteration",
			desc:     "Returns one published iteration with its snapshot.",
			resp:     canvas.Iteration{},
			respDesc: "The iteration."}},
		{method: "GET", pattern: "/api/v1/usecases/{slug}/canvases/{canvas}/diff", access: user, role: usecase.Viewer, h: s.canvases.APIDiffIterations, op: &apiOp{
			id: "diffCanvas", tag: "canvases", summary: "Compare two iterations",
			desc: "Compares iteration `from` with iteration `to`, or with the canvas as it is now: the title and " +
				"header values that changed, and every section with a word-level diff.",
			query: []*param{qFrom, qTo}, resp: canvases.DiffView{},
			respDesc: "The differences.",
			errs: errs{
				400: "`from` or `to` is not an iteration number.",
				404: "No such use case, canvas or record, or the caller cannot see the use case: the answers are " +
					"identical. Also when an iteration does not exist.",
				503: errCanvasGone,
			}}},
		{method: "GET", pattern: "/api/v1/usecases/{slug}/canvases/{canvas}/objectives", access: user, role: usecase.Viewer, h: s.canvases.APIListObjectives, op: &apiOp{
			id: "listObjectives", tag: "canvases", summary: "List a canvas's objectives",
			desc:     "Lists the measurable objectives of every objective section of the canvas.",
			resp:     respond.List[canvas.Objective]{},
			respDesc: "The objectives."}},
		{method: "POST", pattern: "/api/v1/usecases/{slug}/canvases/{canvas}/objectives", access: user, role: usecase.Editor, h: s.canvases.APICreateObjective, op: &apiOp{
			id: "createObjective", tag: "canvases", summary: "Add an objective",
			desc: "Adds a measurable objective to an objective section (editor role). Gates and monitors read these.",
			body: canvases.ObjectiveInput{}, status: 201, resp: canvas.Objective{},
			respDesc: "The objective.",
			errs: errs{
				400: "A value is not valid, or the section holds no objectives.",
				503: errCanvasGone,
			}}},
		{method: "PATCH", pattern: "/api/v1/usecases/{slug}/canvases/{canvas}/objectives/{id}", access: user, role: usecase.Editor, h: s.canvases.APIUpdateObjective, op: &apiOp{
			id: "updateObjective", tag: "canvases", summary: "Edit an objective",
			desc: "Changes the fields given (editor role).",
			body: canvases.ObjectivePatch{}, resp: canvas.Objective{},
			respDesc: "The objective."}},
		{method: "DELETE", pattern: "/api/v1/usecases/{slug}/canvases/{canvas}/objectives/{id}", access: user, role: usecase.Editor, h: s.canvases.APIDeleteObjective, op: &apiOp{
			id: "deleteObjective", tag: "canvases", summary: "Remove an objective",
			desc:     "Removes an objective (editor role).",
			status:   204,
			respDesc: "Removed."}},
		{method: "GET", pattern: "/api/v1/usecases/{slug}/stakeholders", access: user, role: usecase.Viewer, h: s.canvases.APIListStakeholders, op: &apiOp{
			id: "listStakeholders", tag: "stakeholders", summary: "List the stakeholder register",
			desc:     "Lists the use case's stakeholders by kind.",
			resp:     respond.List[people.Stakeholder]{},
			respDesc: "The register."}},
		{method: "POST", pattern: "/api/v1/usecases/{slug}/stakeholders", access: user, role: usecase.Editor, h: s.canvases.APICreateStakeholder, op: &apiOp{
			id: "createStakeholder", tag: "stakeholders", summary: "Add a stakeholder",
			desc: "Adds an entry to the register (editor role).",
			body: canvases.StakeholderInput{}, status: 201, resp: people.Stakeholder{},
			respDesc: "The entry."}},
		{method: "PATCH", pattern: "/api/v1/usecases/{slug}/stakeholders/{id}", access: user, role: usecase.Editor, h: s.canvases.APIUpdateStakeholder, op: &apiOp{
			id: "updateStakeholder", tag: "stakeholders", summary: "Edit a stakeholder",
			desc: "Changes the fields given (editor role).",
			body: canvases.StakeholderPatch{}, resp: people.Stakeholder{},
			respDesc: "The entry.",
			errs:     errs{409: "The record changed since `version` was read."}}},
		{method: "DELETE", pattern: "/api/v1/usecases/{slug}/stakeholders/{id}", access: user, role: usecase.Editor, h: s.canvases.APIDeleteStakeholder, op: &apiOp{
			id: "deleteStakeholder", tag: "stakeholders", summary: "Remove a stakeholder",
			desc:     "Removes an entry from the register (editor role).",
			status:   204,
			respDesc: "Removed."}},
		{method: "GET", pattern: "/api/v1/usecases/{slug}/decisions", access: user, role: usecase.Viewer, h: s.canvases.APIListDecisions, op: &apiOp{
			id: "listDecisions", tag: "decisions", summary: "List the decision log",
			desc:     "Lists the use case's decision records by number.",
			resp:     respond.List[decision.Decision]{},
			respDesc: "The decisions."}},
		{method: "POST", pattern: "/api/v1/usecases/{slug}/decisions", access: user, role: usecase.Editor, h: s.canvases.APICreateDecision, op: &apiOp{
			id: "createDecision", tag: "decisions", summary: "Record a decision",
			desc: "Adds a decision record with the next number (editor role). Its section links make it show beside " +
				"those sections.",
			body: canvases.DecisionInput{}, status: 201, resp: decision.Decision{},
			respDesc: "The decision.",
			headers:  headers{"Location": "Path of the new decision."}}},
		{method: "GET", pattern: "/api/v1/usecases/{slug}/decisions/{number}", access: user, role: usecase.Viewer, h: s.canvases.APIGetDecision, op: &apiOp{
			id: "getDecision", tag: "decisions", summary: "Get a decision",
			desc:     "Returns one decision record.",
			resp:     decision.Decision{},
			respDesc: "The decision."}},
		{method: "PATCH", pattern: "/api/v1/usecases/{slug}/decisions/{number}", access: user, role: usecase.Editor, h: s.canvases.APIUpdateDecision, op: &apiOp{
			id: "updateDecision", tag: "decisions", summary: "Edit a decision",
			desc: "Changes the fields given (editor role).",
			body: canvases.DecisionPatch{}, resp: decision.Decision{},
			respDesc: "The decision.",
			errs:     errs{409: "The record changed since `version` was read."}}},

		// API: the asset registry.
		{method: "GET", pattern: "/api/v1/usecases/{slug}/assets", access: user, role: usecase.Viewer, h: s.registry.APIListAssets, op: &apiOp{
			id: "listAssets", tag: "registry", summary: "List a use case's assets",
			desc: "Lists the datasets, models and prompts registered in the use case, by kind and then name, each " +
				"with the number of versions it has.",
			query: []*param{qListAssetKind}, paged: true, resp: atrium.Page[registry.Asset]{},
			respDesc: "One page of assets.",
			errs:     errs{400: "`kind` is not a kind of asset, or a paging parameter is not valid."}}},
		{method: "POST", pattern: "/api/v1/usecases/{slug}/assets", access: user, role: usecase.Editor, h: s.registry.APICreateAsset, op: &apiOp{
			id: "createAsset", tag: "registry", summary: "Register an asset",
			desc: "Registers a dataset, model or prompt in the use case (editor role). It has no versions yet; add " +
				"them with createVersion.",
			body: webregistry.AssetInput{}, status: 201, resp: registry.Asset{},
			respDesc: "The new asset.",
			headers:  headers{"Location": "API path of the new asset."},
			errs: errs{
				400: "The kind, name, description or a tag is not valid.",
				409: "The use case already has an asset of this kind and name.",
			}}},
		{method: "GET", pattern: "/api/v1/usecases/{slug}/assets/{kind}/{name}", access: user, role: usecase.Viewer, h: s.registry.APIGetAsset, op: &apiOp{
			id: "getAsset", tag: "registry", summary: "Get an asset",
			desc:     "Returns one asset with the number of versions it has.",
			resp:     registry.Asset{},
			respDesc: "The asset.",
			errs:     errs{404: errAsset}}},
		{method: "GET", pattern: "/api/v1/usecases/{slug}/assets/{kind}/{name}/versions", access: user, role: usecase.Viewer, h: s.registry.APIListVersions, op: &apiOp{
			id: "listVersions", tag: "registry", summary: "List an asset's versions",
			desc:  "Lists the versions of an asset, newest first.",
			paged: true, resp: atrium.Page[registry.Version]{},
			respDesc: "One page of versions.",
			errs:     errs{404: errAsset}}},
		{method: "POST", pattern: "/api/v1/usecases/{slug}/assets/{kind}/{name}/versions", access: user, role: usecase.Editor, h: s.registry.APICreateVersion, op: &apiOp{
			id: "createVersion", tag: "registry", summary: "Register a version",
			desc: "Adds the next version of an asset (editor role): numbers start at 1 and have no gaps, also when " +
				"many clients register at once. A version never changes afterwards; only its status does. The URI " +
				"must use an allowed scheme (`s3`, `gs`, `az`, `https`, `hf`, `models`, `runs`, …) and is stored in " +
				"canonical form; local paths, `file:`, `..` segments, encoded separators and control characters are " +
				"refused. Atrium never fetches it. The fields of the asset's kind go in `dataset`, `model` or " +
				"`prompt`; a prompt version needs its template, and the dataset versions a model names must exist " +
				"in the use case.",
			body: webregistry.VersionInput{}, status: 201, resp: registry.Version{},
			respDesc: "The new version, with its number.",
			headers:  headers{"Location": "API path of the new version."},
			errs: errs{
				400: "A field is not valid: the URI, the digest (64 hex digits of SHA-256), the size, a tag, the " +
					"kind's fields; `detail` says which and why.",
				404: errAsset,
				413: "The body is larger than 1 MiB, or `metadata` is larger than 64 KiB.",
			}}},
		{method: "GET", pattern: "/api/v1/usecases/{slug}/assets/{kind}/{name}/versions/{n}", access: user, role: usecase.Viewer, h: s.registry.APIGetVersion, op: &apiOp{
			id: "getVersion", tag: "registry", summary: "Get a version",
			desc:     "Returns one version of an asset with the fields of its kind.",
			resp:     registry.Version{},
			respDesc: "The version.",
			errs:     errs{404: errVersion}}},
		{method: "POST", pattern: "/api/v1/usecases/{slug}/assets/{kind}/{name}/versions/{n}/status", access: user, role: usecase.Editor, h: s.registry.APISetStatus, op: &apiOp{
			id: "setVersionStatus", tag: "registry", summary: "Change a version's status",
			desc: "Marks a version `ready`, `deprecated` or `archived` (editor role), with a reason; audited. It is " +
				"the only change a version ever sees. An archived version cannot be given an alias.",
			body: webregistry.StatusInput{}, resp: registry.Version{},
			respDesc: "The version with its new status.",
			errs: errs{
				404: errVersion,
				409: "The version already has this status.",
			}}},
		{method: "GET", pattern: "/api/v1/usecases/{slug}/assets/{kind}/{name}/aliases", access: user, role: usecase.Viewer, h: s.registry.APIListAliases, op: &apiOp{
			id: "listAliases", tag: "registry", summary: "List an asset's aliases",
			desc:     "Lists the aliases of an asset as they are now, by name. Not paged.",
			resp:     respond.List[registry.Alias]{},
			respDesc: "The aliases.",
			errs:     errs{404: errAsset}}},
		{method: "GET", pattern: "/api/v1/usecases/{slug}/assets/{kind}/{name}/aliases/{alias}", access: user, role: usecase.Viewer, h: s.registry.APIGetAlias, op: &apiOp{
			id: "getAlias", tag: "registry", summary: "Get an alias, now or at a time",
			desc: "Returns the version an alias points at, with who moved it there, when and why. With `at`, the " +
				"alias as it stood at that moment: \"which version was `production` on 3 March at 14:00\".",
			query: []*param{qAliasAt}, resp: registry.Alias{},
			respDesc: "The alias.",
			errs: errs{
				400: "The alias name is not valid, or `at` is not an RFC 3339 time.",
				404: "No such asset or alias, or the alias did not point at a version at `at`.",
			}}},
		{method: "PUT", pattern: "/api/v1/usecases/{slug}/assets/{kind}/{name}/aliases/{alias}", access: user, role: usecase.Editor, h: s.registry.APIPutAlias, op: &apiOp{
			id: "setAlias", tag: "registry", summary: "Set or move an alias",
			desc: "Points an alias at a version (editor role), creating the alias or moving it, with a reason. Every " +
				"move is kept in the alias's history and audited. Pointing an alias where it already points " +
				"changes nothing. Alias names are 1 to 64 lower-case letters, digits or inner hyphens, and not a " +
				"number.",
			body: webregistry.AliasInput{}, resp: registry.Alias{},
			respDesc: "The alias as it is now.",
			errs: errs{
				400: "The alias name, version number or reason is not valid.",
				404: "No such asset, or it has no version with this number.",
				409: "The version is archived.",
			}}},
		{method: "DELETE", pattern: "/api/v1/usecases/{slug}/assets/{kind}/{name}/aliases/{alias}", access: user, role: usecase.Editor, h: s.registry.APIDeleteAlias, op: &apiOp{
			id: "deleteAlias", tag: "registry", summary: "Remove an alias",
			desc:     "Removes an alias (editor role), with a reason; its history keeps the removal.",
			query:    []*param{qAliasReason},
			status:   204,
			respDesc: "The alias is gone.",
			errs: errs{
				400: "The alias name is not valid or `reason` is missing.",
				404: "No such asset or alias.",
			}}},
		{method: "GET", pattern: "/api/v1/usecases/{slug}/assets/{kind}/{name}/aliases/{alias}/history", access: user, role: usecase.Viewer, h: s.registry.APIAliasHistory, op: &apiOp{
			id: "listAliasHistory", tag: "registry", summary: "List an alias's history",
			desc: "Lists every move of an alias, oldest first: `from` is 0 when the alias was created, `to` 0 when it " +
				"was removed.",
			paged: true, resp: atrium.Page[registry.AliasMove]{},
			respDesc: "One page of moves.",
			errs: errs{
				400: "The alias name or a paging parameter is not valid.",
				404: "No such asset, or it never had this alias.",
			}}},
		{method: "POST", pattern: "/api/v1/usecases/{slug}/assets/prompt/{name}/render", access: user, role: usecase.Viewer, h: s.registry.APIRenderPrompt, op: &apiOp{
			id: "renderPrompt", tag: "registry", summary: "Render a prompt",
			desc: "Fills in a prompt version's `{{ variable }}`s (viewer role; nothing is stored). Name the " +
				"version by `version` or by `alias`, or neither for the newest. Every variable of the template must " +
				"be given and no other; values are inserted as they are, once, so a {{ name }} inside a value stays as it is. " +
				"The result is at most 1 MiB.",
			body: webregistry.RenderInput{}, resp: webregistry.Rendered{},
			respDesc: "The rendered text and the version it came from.",
			errs: errs{
				400: "Both `version` and `alias` are given, a variable is missing or unknown, or a value is not valid.",
				404: "No such prompt, version or alias.",
				413: "The body is larger than 1 MiB, or the rendered prompt would be.",
			}}},
		{method: "GET", pattern: "/api/v1/usecases/{slug}/lineage", access: user, role: usecase.Viewer, h: s.registry.APILineage, op: &apiOp{
			id: "getLineage", tag: "registry", summary: "Get a use case's lineage graph",
			desc: "Returns every version of the use case's registry and every run an edge names (`nodes`), and the " +
				"lineage edges between them (`edges`): each says that `from` depends on `to` by `relation`. " +
				"`truncated` is set past 5,000 edges or 2,000 versions.",
			resp:     registry.Graph{},
			respDesc: "The graph."}},
		{method: "POST", pattern: "/api/v1/usecases/{slug}/lineage", access: user, role: usecase.Editor, h: s.registry.APIAddEdge, op: &apiOp{
			id: "addLineageEdge", tag: "registry", summary: "Record a lineage edge",
			desc: "Records that one version depends on another version or on a run (editor role): `trained_on` " +
				"(model → dataset), `evaluated_on` (model or prompt → dataset), `derived_from` (dataset → dataset), " +
				"`fine_tuned_from` (model → model), `produced_by` (model → run). Both ends must be of the use case. " +
				"Model versions get their `trained_on`, `evaluated_on` and `produced_by` edges from their own fields " +
				"when they are registered.",
			body: webregistry.EdgeInput{}, status: 201, resp: registry.Edge{},
			respDesc: "The edge.",
			errs: errs{
				400: "An unknown relation, kinds the relation does not join, an edge from a version to itself or one " +
					"that would close a cycle, or too many edges from one version.",
				404: "No such use case, or a version or run the edge names is not the use case's: the answers are identical.",
				409: "The edge exists already.",
			}}},
		{method: "GET", pattern: "/api/v1/usecases/{slug}/lineage.svg", access: user, role: usecase.Viewer, h: s.registry.APILineageSVG, op: &apiOp{
			id: "drawLineage", tag: "registry", summary: "Draw a use case's lineage graph",
			desc: "The lineage graph as an SVG image, upstream on the left: the same drawing as the lineage page. At " +
				"most 500 nodes and 2,000 edges are drawn.",
			resp:     content{"image/svg+xml": text{}},
			respDesc: "The drawing."}},
		{method: "GET", pattern: "/api/v1/usecases/{slug}/assets/{kind}/{name}/versions/{n}/lineage", access: user, role: usecase.Viewer, h: s.registry.APIVersionLineage, op: &apiOp{
			id: "getVersionLineage", tag: "registry", summary: "Get the lineage around a version",
			desc: "Returns the edges within `depth` hops of a version in both directions: what it depends on " +
				"(upstream) and what depends on it (downstream).",
			query: []*param{qLineageDepth}, resp: registry.Graph{},
			respDesc: "The neighbourhood of the version.",
			errs: errs{
				400: "`depth` is not a number from 1 to 10.",
				404: errVersion,
			}}},
		{method: "GET", pattern: "/api/v1/usecases/{slug}/assets/{kind}/{name}/versions/{n}/evaluations", access: user, role: usecase.Viewer, h: s.registry.APIListEvaluations, op: &apiOp{
			id: "listEvaluations", tag: "registry", summary: "List a version's evaluations",
			desc:     "Lists the metric results recorded for a model or prompt version, oldest first. Not paged.",
			resp:     respond.List[registry.Evaluation]{},
			respDesc: "The evaluations.",
			errs: errs{
				400: "The asset is a dataset; only models and prompts are evaluated.",
				404: errVersion,
			}}},
		{method: "POST", pattern: "/api/v1/usecases/{slug}/assets/{kind}/{name}/versions/{n}/evaluations", access: user, role: usecase.Editor, h: s.registry.APIAddEvaluation, op: &apiOp{
			id: "addEvaluation", tag: "registry", summary: "Record an evaluation",
			desc: "Records one metric result of a model or prompt version on a dataset version of the use case " +
				"(editor role), and the `evaluated_on` edge if it is missing. Evaluations never change; a better " +
				"measurement is a new one.",
			body: webregistry.EvaluationInput{}, status: 201, resp: registry.Evaluation{},
			respDesc: "The evaluation.",
			errs: errs{
				400: "The asset is a dataset, the dataset version is not the use case's, or a value is not valid.",
				404: errVersion,
			}}},
		{method: "GET", pattern: "/api/v1/usecases/{slug}/evaluations/objectives", access: user, role: usecase.Viewer, h: s.registry.APIObjectives, op: &apiOp{
			id: "listObjectiveStatus", tag: "registry", summary: "Compare versions with the objectives",
			desc: "Compares every model and prompt version with every objective of the use case's canvases measured " +
				"at `evaluation`: per version and objective `met`, `not met` or `not measured`, with the value " +
				"compared, the evaluation it came from and the reason in words.",
			resp:     respond.List[registry.VersionObjectives]{},
			respDesc: "Every version against every evaluation objective."}},
		{method: "PUT", pattern: "/api/v1/usecases/{slug}/assets/dataset/{name}/versions/{n}/sensitivity", access: user, role: usecase.Editor, h: s.registry.APIPutSensitivity, op: &apiOp{
			id: "setSensitivity", tag: "registry", summary: "Confirm a dataset version's sensitivity",
			desc: "Replaces what people confirm about a dataset version's personal data (editor role): each " +
				"column's classification, the legal basis, consent notes and retention. Every change is a new " +
				"revision, kept with who made it and when; sending what is stored changes nothing.",
			body: registry.Sensitivity{}, resp: registry.SensitivityRecord{},
			respDesc: "The stored record, with the profile's suggestions for columns still unclassified.",
			errs: errs{
				400: "A classification is unknown, a column is not in the version's schema, or a text is too long.",
				404: errVersion,
			}}},
		{method: "GET", pattern: "/api/v1/usecases/{slug}/assets/dataset/{name}/versions/{n}/sensitivity", access: user, role: usecase.Viewer, h: s.registry.APIGetSensitivity, op: &apiOp{
			id: "getSensitivity", tag: "registry", summary: "Get a dataset version's sensitivity",
			desc: "Returns the current sensitivity record (revision 0 when none was ever set), or with `at` the " +
				"revision in force at that time.",
			query: []*param{qSensitivityAt}, resp: registry.SensitivityRecord{},
			respDesc: "The record.",
			errs: errs{
				400: "`at` is not an RFC 3339 time.",
				404: "No such use case, dataset or version, or no record existed at `at`.",
			}}},
		{method: "GET", pattern: "/api/v1/usecases/{slug}/assets/dataset/{name}/versions/{n}/sensitivity/history", access: user, role: usecase.Viewer, h: s.registry.APISensitivityHistory, op: &apiOp{
			id: "listSensitivityHistory", tag: "registry", summary: "List a dataset version's sensitivity revisions",
			desc:     "Returns every revision of the sensitivity record, newest first. Not paged.",
			resp:     respond.List[registry.SensitivityRecord]{},
			respDesc: "The revisions.",
			errs:     errs{404: errVersion}}},
		// API: ingestion, with an ingestion key (web/telemetry).
		{method: "POST", pattern: "/api/v1/ingest/predictions", access: ingest, h: s.telemetry.IngestPrediction, op: &apiOp{
			id: "ingestPrediction", tag: "ingestion", summary: "Report one prediction",
			desc: "Stores one prediction of a model of the key's use case, once it is committed. The privacy policy " +
				"applies first: dropped and hashed fields, masked text, the subject kept only as a keyed hash. Send " +
				"an `id` of your own to make retries safe: the same id again answers 200 and changes nothing. " +
				"`model` names the model asset (the key's default model when omitted) and `version` a number or an " +
				"alias (`champion` when set, else the newest version, when omitted). A `use_case` member, when " +
				"sent, must be the key's use case. The body may be gzip-compressed (`Content-Encoding: gzip`).",
			body: content{"application/json": telemetry.Prediction{}}, status: 201, resp: telemetry.ItemResult{},
			respDesc: "The prediction was stored; `id` is its id (the one sent, or one Atrium assigned).",
			headers:  headers{"Location": "Path of the stored prediction."},
			errs:     ingestErrs(errs{200: "An event with this id was stored before (a retry): nothing changed; the body is the same answer with status `duplicate`."})}},
		{method: "POST", pattern: "/api/v1/ingest/predictions/batch", access: ingest, h: s.telemetry.IngestPredictionBatch, op: &apiOp{
			id: "ingestPredictions", tag: "ingestion", summary: "Report many predictions",
			desc: "Stores up to 10,000 predictions in one request: a JSON array, or NDJSON (one object a line, " +
				"`Content-Type: application/x-ndjson`), gzip-compressed or not. Each event is checked on its own: " +
				"those that fail are refused with their reason, the others are stored. The answer comes once the " +
				"accepted events are committed and has one item per event, by its index in the request.",
			body: content{"application/json": []telemetry.Prediction{}, "application/x-ndjson": text{}}, resp: webtelemetry.BatchAnswer{},
			respDesc: "What became of each event.",
			errs:     ingestErrs(nil)}},
		{method: "POST", pattern: "/api/v1/ingest/outcomes", access: ingest, h: s.telemetry.IngestOutcome, op: &apiOp{
			id: "ingestOutcome", tag: "ingestion", summary: "Report one outcome",
			desc: "Stores the actual label or value for an earlier prediction of the key's use case, by the " +
				"prediction's id; quality figures count it at the prediction's time. One outcome per prediction: " +
				"sending it again answers 200 and changes nothing. An unknown prediction is refused with 404.",
			body: content{"application/json": telemetry.Outcome{}}, status: 201, resp: telemetry.ItemResult{},
			respDesc: "The outcome was stored.",
			errs:     ingestErrs(errs{200: "An outcome for this prediction was stored before: nothing changed.", 404: "No prediction of the key's use case has this id."})}},
		{method: "POST", pattern: "/api/v1/ingest/outcomes/batch", access: ingest, h: s.telemetry.IngestOutcomeBatch, op: &apiOp{
			id: "ingestOutcomes", tag: "ingestion", summary: "Report many outcomes",
			desc: "Stores up to 10,000 outcomes in one request, as a JSON array or NDJSON, each checked on its own, " +
				"with one answer per outcome once the accepted ones are committed.",
			body: content{"application/json": []telemetry.Outcome{}, "application/x-ndjson": text{}}, resp: webtelemetry.BatchAnswer{},
			respDesc: "What became of each outcome.",
			errs:     ingestErrs(nil)}},
		{method: "POST", pattern: "/api/v1/ingest/feedback", access: ingest, h: s.telemetry.IngestFeedback, op: &apiOp{
			id: "ingestFeedback", tag: "ingestion", summary: "Report one piece of feedback",
			desc: "Stores what a person said about the model or one of its predictions (`prediction_id`), as the " +
				"client behind the key collected it: a thumbs up or down, a rating from 1 to 5, a correction, a bug " +
				"or a comment. Free text is masked when the policy says so. It lands in the use case's feedback " +
				"inbox with status `new`.",
			body: content{"application/json": telemetry.Feedback{}}, status: 201, resp: telemetry.ItemResult{},
			respDesc: "The feedback was stored.",
			errs:     ingestErrs(errs{200: "Feedback with this id was stored before: nothing changed.", 404: "No prediction of the key's use case has the `prediction_id` given."})}},
		{method: "POST", pattern: "/api/v1/ingest/feedback/batch", access: ingest, h: s.telemetry.IngestFeedbackBatch, op: &apiOp{
			id: "ingestFeedbackBatch", tag: "ingestion", summary: "Report many pieces of feedback",
			desc: "Stores up to 10,000 pieces of feedback in one request, as a JSON array or NDJSON, each checked " +
				"on its own, with one answer per item once the accepted ones are committed.",
			body: content{"application/json": []telemetry.Feedback{}, "application/x-ndjson": text{}}, resp: webtelemetry.BatchAnswer{},
			respDesc: "What became of each item.",
			errs:     ingestErrs(nil)}},

		// API: telemetry of a use case (web/telemetry).
		{method: "GET", pattern: "/api/v1/usecases/{slug}/ingest-keys", access: user, role: usecase.Editor, h: s.telemetry.APIListKeys, op: &apiOp{
			id: "listIngestKeys", tag: "ingestion", summary: "List a use case's ingestion keys",
			desc: "Lists the use case's ingestion keys, revoked ones included, newest first (editor role). Secrets " +
				"are never shown again; `prefix` tells keys apart. Not paged.",
			resp:     respond.List[telemetry.IngestKey]{},
			respDesc: "The keys.",
			errs:     errs{403: "The caller's role on the use case is below editor."}}},
		{method: "POST", pattern: "/api/v1/usecases/{slug}/ingest-keys", access: user, role: usecase.Owner, h: s.telemetry.APICreateKey, op: &apiOp{
			id: "createIngestKey", tag: "ingestion", summary: "Create an ingestion key",
			desc: "Creates a key that lets a client report events for this use case and nothing else (owner role). " +
				"The answer carries the secret, `atri_…`, this once: Atrium keeps only a hash of it. `model` is the " +
				"model an event that names none is about (`name` or `name@alias`).",
			body: webtelemetry.KeyInput{}, status: 201, resp: webtelemetry.CreatedKey{},
			respDesc: "The new key with its secret.",
			headers:  headers{"Location": "Path of the new key."},
			errs:     errs{409: "The use case is archived."}}},
		{method: "DELETE", pattern: "/api/v1/usecases/{slug}/ingest-keys/{id}", access: user, role: usecase.Owner, h: s.telemetry.APIRevokeKey, op: &apiOp{
			id: "revokeIngestKey", tag: "ingestion", summary: "Revoke an ingestion key",
			desc: "Revokes the key (owner role): requests that send it are refused from now on, on this replica at " +
				"once and on others within two seconds. Events it sent before stay.",
			resp:     telemetry.IngestKey{},
			respDesc: "The revoked key.",
			errs:     errs{404: "No such use case or key, or the caller cannot see the use case: the answers are identical."}}},
		{method: "GET", pattern: "/api/v1/usecases/{slug}/telemetry/policy", access: user, role: usecase.Viewer, h: s.telemetry.APIGetPolicy, op: &apiOp{
			id: "getTelemetryPolicy", tag: "ingestion", summary: "Get a use case's privacy policy",
			desc: "Returns what is done to events before they are stored: fields dropped and hashed, free text " +
				"masked, and how long features are kept. A use case that never set one has the default: text masked, " +
				"features kept, version 0.",
			resp:     telemetry.Policy{},
			respDesc: "The policy.",
			errs:     errs{404: errUseCase}}},
		{method: "PUT", pattern: "/api/v1/usecases/{slug}/telemetry/policy", access: user, role: usecase.Owner, h: s.telemetry.APIPutPolicy, op: &apiOp{
			id: "putTelemetryPolicy", tag: "ingestion", summary: "Set a use case's privacy policy",
			desc: "Replaces the privacy policy (owner role). Send the `version` you read: if it changed since, the " +
				"answer is 409. It applies to events accepted from then on; retention also to features stored " +
				"before. A high-risk use case must keep features at least 180 days (or for good, with 0).",
			body: webtelemetry.PolicyInput{}, resp: telemetry.Policy{},
			respDesc: "The policy as saved, with its new version.",
			errs: errs{
				400: "The body is not valid, or the retention is below the high-risk floor; `detail` says why.",
				409: "`version` does not match the current policy, or the use case is archived.",
			}}},
		{method: "PUT", pattern: "/api/v1/usecases/{slug}/risk", access: user, role: usecase.Owner, h: s.telemetry.APIPutRisk, op: &apiOp{
			id: "putUseCaseRisk", tag: "ingestion", summary: "Mark a use case high-risk or not",
			desc: "Sets whether the use case is a high-risk AI system (owner role). A high-risk use case must keep " +
				"its logs, features included, at least 180 days, so marking one whose policy keeps them for less is " +
				"refused with the reason: raise the retention first.",
			body: webtelemetry.RiskInput{}, resp: usecase.UseCase{},
			respDesc: "The use case with its new `high_risk`.",
			errs: errs{
				409: "The policy's retention is below the high-risk floor (`detail` says so), or the use case is archived.",
			}}},
		{method: "GET", pattern: "/api/v1/usecases/{slug}/predictions", access: user, role: usecase.Viewer, h: s.telemetry.APIListPredictions, op: &apiOp{
			id: "listPredictions", tag: "ingestion", summary: "List a use case's predictions",
			desc: "Lists the predictions reported for the use case, newest first. Features and explanations are " +
				"included for editors and owners only, and only while the retention keeps them.",
			query: []*param{qPredModel, qPredVersion, qPredFrom, qPredTo, qPredErrors}, paged: true, resp: atrium.Page[telemetry.Prediction]{},
			respDesc: "One page of predictions."}},
		{method: "GET", pattern: "/api/v1/usecases/{slug}/predictions/{id}", access: user, role: usecase.Viewer, h: s.telemetry.APIGetPrediction, op: &apiOp{
			id: "getPrediction", tag: "ingestion", summary: "Get a prediction",
			desc:     "Returns one prediction. Features and explanations are included for editors and owners only.",
			resp:     telemetry.Prediction{},
			respDesc: "The prediction.",
			errs:     errs{404: "No such use case or prediction, or the caller cannot see the use case: the answers are identical."}}},
		{method: "GET", pattern: "/api/v1/usecases/{slug}/telemetry/aggregates", access: user, role: usecase.Viewer, h: s.telemetry.APIAggregates, op: &apiOp{
			id: "listTelemetryAggregates", tag: "ingestion", summary: "Get a use case's hourly aggregates",
			desc: "Returns the hourly aggregates of the use case's events per model version and segment: counts, " +
				"latency and score sketches, error rate, outcome and feedback tallies. They are kept after features " +
				"are deleted. The window is the last 24 hours unless `from` and `to` say otherwise (at most 93 days). " +
				"Not paged.",
			query: []*param{qAggFrom, qAggTo, qPredModel, qPredVersion, qAggSegment}, resp: respond.List[webtelemetry.AggregateRow]{},
			respDesc: "The aggregates, by hour, model, version and segment."}},
		// API: artifacts.
		{method: "POST", pattern: "/api/v1/usecases/{slug}/artifacts", access: user, role: usecase.Editor, h: s.artifacts.APIUpload, op: &apiOp{
			id: "uploadArtifact", tag: "artifacts", summary: "Upload an artifact",
			desc: "Stores the raw request body as a file of the use case (editor role): a model card, an evaluation " +
				"report, a data sample. Send the bytes as they are, not as a form; `name` and `content_type` go in the " +
				"query. The body is streamed to the blob store and hashed on the way; past the server's cap " +
				"(`--artifact-max-bytes`, 25 MiB by default) the upload is refused with 413 and nothing is kept. An empty " +
				"body is refused. Model bytes do not belong here: register the model's URI and digest instead.",
			query: []*param{qArtifactName, qArtifactType, qAssetKind, qAssetName, qAssetVersion},
			body:  content{"*/*": binary{}}, status: 201, resp: artifact.Artifact{},
			respDesc: "The stored artifact.",
			headers:  headers{"Location": "Path of the new artifact."},
			errs: errs{
				400: "The name or content type is not valid, the body is empty, or the linked registry version does not exist.",
				409: "The use case is archived.",
				413: "The body is larger than the server's artifact cap.",
				503: "The server has no artifact store, or the store is not answering.",
			}}},
		{method: "GET", pattern: "/api/v1/usecases/{slug}/artifacts", access: user, role: usecase.Viewer, h: s.artifacts.APIList, op: &apiOp{
			id: "listArtifacts", tag: "artifacts", summary: "List a use case's artifacts",
			desc: "Lists the use case's artifacts, newest first; with `asset_kind`, `asset_name` and `asset_version`, only " +
				"those documenting that registry version.",
			query: []*param{qAssetKind, qAssetName, qAssetVersion}, paged: true, resp: atrium.Page[artifact.Artifact]{},
			respDesc: "One page of artifacts."}},
		{method: "GET", pattern: "/api/v1/usecases/{slug}/artifacts/{id}", access: user, role: usecase.Viewer, h: s.artifacts.APIGet, op: &apiOp{
			id: "getArtifact", tag: "artifacts", summary: "Describe an artifact",
			desc:     "Returns an artifact's name, media type, size, SHA-256 digest and the address of its content.",
			resp:     artifact.Artifact{},
			respDesc: "The artifact."}},
		{method: "GET", pattern: "/api/v1/usecases/{slug}/artifacts/{id}/content", access: user, role: usecase.Viewer, h: s.artifacts.APIContent, op: &apiOp{
			id: "downloadArtifact", tag: "artifacts", summary: "Download an artifact",
			desc: "Sends the artifact's bytes as an attachment, with its stored media type, " +
				"`X-Content-Type-Options: nosniff` and `Content-Security-Policy: sandbox; default-src 'none'`, so a " +
				"browser saves the file and never runs it as part of Atrium. `If-None-Match` with the ETag answers 304.",
			resp:     content{"*/*": binary{}},
			respDesc: "The artifact's bytes.",
			headers: headers{
				"Content-Disposition": "`attachment`, with the name as `filename` (ASCII) and `filename*` (UTF-8, RFC 5987).",
				"ETag":                "`\"sha256-<digest>\"`.",
			},
			errs: errs{
				304: "The artifact matches the ETag given in `If-None-Match`.",
				503: "The server has no artifact store, or the store is not answering.",
			}}},
		{method: "DELETE", pattern: "/api/v1/usecases/{slug}/artifacts/{id}", access: user, role: usecase.Editor, h: s.artifacts.APIDelete, op: &apiOp{
			id: "deleteArtifact", tag: "artifacts", summary: "Delete an artifact",
			desc:     "Removes the artifact and its bytes (editor role).",
			status:   204,
			respDesc: "Deleted.",
			errs: errs{
				409: "The use case is archived.",
				503: "The server has no artifact store, or the store is not answering.",
			}}},
		{method: "GET", pattern: "/api/v1/usecases/{slug}/experiments", access: user, role: usecase.Viewer, h: s.registry.APIListExperiments, op: &apiOp{
			id: "listExperiments", tag: "registry", summary: "List a use case's experiments",
			desc: "Lists the experiment-tracking experiments of the use case, which MLflow's client creates and " +
				"logs runs into (see docs/mlflow.md).",
			paged: true, resp: atrium.Page[registry.Experiment]{},
			respDesc: "One page of experiments."}},
		{method: "GET", pattern: "/api/v1/usecases/{slug}/runs", access: user, role: usecase.Viewer, h: s.registry.APIListRuns, op: &apiOp{
			id: "listRuns", tag: "registry", summary: "List a use case's runs",
			desc: "Lists runs, newest first, of one experiment or of all, each with its params, tags and the latest " +
				"value of every metric.",
			query: []*param{qRunExperiment}, paged: true, resp: atrium.Page[webregistry.RunView]{},
			respDesc: "One page of runs."}},
		{method: "GET", pattern: "/api/v1/usecases/{slug}/runs/{id}", access: user, role: usecase.Viewer, h: s.registry.APIGetRun, op: &apiOp{
			id: "getRun", tag: "registry", summary: "Get a run",
			desc:     "Returns one run with its params, tags and the latest value of every metric.",
			resp:     webregistry.RunView{},
			respDesc: "The run.",
			errs:     errs{404: "No such use case or run, or the caller cannot see the use case: the answers are identical."}}},
		{method: "GET", pattern: "/api/v1/usecases/{slug}/runs/{id}/metrics/{key}", access: user, role: usecase.Viewer, h: s.registry.APIMetricHistory, op: &apiOp{
			id: "getMetricHistory", tag: "registry", summary: "Get a metric's history",
			desc:  "Returns every value logged for one metric of a run, by step and then time, paged.",
			paged: true, resp: atrium.Page[webregistry.MetricValue]{},
			respDesc: "One page of values.",
			errs: errs{
				400: "The metric key is not valid, or a paging parameter is not.",
				404: "No such use case or run, or the caller cannot see the use case: the answers are identical.",
			}}},

		// Pages.
		{method: "GET", pattern: "/{$}", access: user, h: s.pageHome},
		{method: "GET", pattern: "/docs/api", access: public, h: s.pageAPIReference},
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
		{method: "GET", pattern: "/usecases/{slug}/registry", access: user, role: usecase.Viewer, h: s.registry.PageRegistry},
		{method: "POST", pattern: "/usecases/{slug}/registry", access: user, role: usecase.Editor, h: s.registry.PageCreateAssetPost},
		{method: "GET", pattern: "/usecases/{slug}/registry/{kind}/{name}", access: user, role: usecase.Viewer, h: s.registry.PageAsset},
		{method: "POST", pattern: "/usecases/{slug}/registry/{kind}/{name}/aliases", access: user, role: usecase.Editor, h: s.registry.PageAliasPost},
		{method: "POST", pattern: "/usecases/{slug}/registry/{kind}/{name}/aliases/{alias}/delete", access: user, role: usecase.Editor, h: s.registry.PageAliasDeletePost},
		{method: "POST", pattern: "/usecases/{slug}/registry/{kind}/{name}/status", access: user, role: usecase.Editor, h: s.registry.PageStatusPost},
		{method: "GET", pattern: "/usecases/{slug}/registry/{kind}/{name}/{n}", access: user, role: usecase.Viewer, h: s.registry.PageVersion},
		{method: "POST", pattern: "/usecases/{slug}/registry/prompt/{name}/{n}/render", access: user, role: usecase.Viewer, h: s.registry.PageRenderPost},
		{method: "GET", pattern: "/usecases/{slug}/lineage", access: user, role: usecase.Viewer, h: s.registry.PageLineage},
		{method: "GET", pattern: "/usecases/{slug}/runs", access: user, role: usecase.Viewer, h: s.registry.PageRuns},
		{method: "GET", pattern: "/usecases/{slug}/runs/{id}", access: user, role: usecase.Viewer, h: s.registry.PageRun},
		{method: "POST", pattern: "/usecases/{slug}/registry/dataset/{name}/{n}/sensitivity", access: user, role: usecase.Editor, h: s.registry.PageSensitivityPost},
		{method: "GET", pattern: "/usecases/{slug}/telemetry", access: user, role: usecase.Viewer, h: s.telemetry.PageTelemetry},
		{method: "POST", pattern: "/usecases/{slug}/telemetry/keys", access: user, role: usecase.Owner, h: s.telemetry.PageKeyPost},
		{method: "POST", pattern: "/usecases/{slug}/telemetry/keys/{id}/revoke", access: user, role: usecase.Owner, h: s.telemetry.PageKeyRevokePost},
		{method: "POST", pattern: "/usecases/{slug}/telemetry/policy", access: user, role: usecase.Owner, h: s.telemetry.PagePolicyPost},
		{method: "POST", pattern: "/usecases/{slug}/telemetry/risk", access: user, role: usecase.Owner, h: s.telemetry.PageRiskPost},
		// OpenTelemetry's trace export (OTLP/HTTP), with an ingestion key. Not
		// under /api/: the path is the one OTLP exporters append to their
		// endpoint. Documented in docs/api.md, not in the OpenAPI document.
		{method: "POST", pattern: "/v1/traces", access: ingest, h: s.telemetry.Traces},
		{method: "GET", pattern: "/usecases/{slug}/artifacts", access: user, role: usecase.Viewer, h: s.artifacts.PageArtifacts},
		{method: "POST", pattern: "/usecases/{slug}/artifacts", access: user, role: usecase.Editor, h: s.artifacts.PageArtifactsPost},
		{method: "POST", pattern: "/usecases/{slug}/artifacts/{id}/delete", access: user, role: usecase.Editor, h: s.artifacts.PageArtifactDeletePost},

		// Feedback from people (package web/feedback): the links, the inbox
		// and its API; the public pages behind a link, which need no
		// account; the script host applications include.
		{method: "GET", pattern: "/api/v1/usecases/{slug}/feedback-links", access: user, role: usecase.Editor, h: s.feedback.APIListLinks, op: &apiOp{
			id: "listFeedbackLinks", tag: "feedback", summary: "List a use case's feedback links",
			desc: "Lists the use case's feedback links, open and closed, oldest first (editor role). Their addresses are " +
				"not included: they are shown once, when a link is created. Not paged.",
			resp:     respond.List[telemetry.FeedbackLink]{},
			respDesc: "The feedback links."}},
		{method: "POST", pattern: "/api/v1/usecases/{slug}/feedback-links", access: user, role: usecase.Owner, h: s.feedback.APICreateLink, op: &apiOp{
			id: "createFeedbackLink", tag: "feedback", summary: "Create a feedback link",
			desc: "Creates a public address where people without an account give feedback on the use case (owner role). " +
				"The answer's `url` is the only time the address is shown in full; Atrium keeps only a hash of its " +
				"secret. `origins` are the sites allowed to embed the feedback widget in an iframe " +
				"(`https://portal.example.com`); without any, the widget cannot be framed. See docs/feedback.md.",
			body: feedback.NewLink{}, status: 201, resp: telemetry.FeedbackLink{},
			respDesc: "The new link, with its address in `url`.",
			headers:  headers{"Location": "Path of the new link."},
			errs: errs{
				400: "The body is not valid: no name, an origin that is not `https://host[:port]`, an expiry out of range.",
				409: "The use case is archived.",
			}}},
		{method: "DELETE", pattern: "/api/v1/usecases/{slug}/feedback-links/{id}", access: user, role: usecase.Owner, h: s.feedback.APIRevokeLink, op: &apiOp{
			id: "revokeFeedbackLink", tag: "feedback", summary: "Close a feedback link",
			desc: "Closes the link (owner role): from now on its pages say that it does not work, and nothing can be " +
				"sent through it. Feedback already given stays.",
			resp:     telemetry.FeedbackLink{},
			respDesc: "The closed link.",
			errs:     errs{404: "No such use case or link, or the caller cannot see the use case: the answers are identical."}}},
		{method: "GET", pattern: "/api/v1/usecases/{slug}/feedback", access: user, role: usecase.Viewer, h: s.feedback.APIList, op: &apiOp{
			id: "listFeedback", tag: "feedback", summary: "List a use case's feedback",
			desc: "Lists the feedback given on the use case, newest first, filtered by kind, status, model version and " +
				"assignee. Free text arrives already masked by the use case's privacy policy. `contact` is included " +
				"for editors only.",
			query: []*param{qFeedbackKind, qFeedbackStatus, qFeedbackVersion, qFeedbackAssignee, qFeedbackSaid}, paged: true,
			resp:     atrium.Page[telemetry.Feedback]{},
			respDesc: "One page of feedback.",
			errs:     errs{400: "A filter is not valid: an unknown kind or status, a version that is not a number."}}},
		{method: "GET", pattern: "/api/v1/usecases/{slug}/feedback/{id}", access: user, role: usecase.Viewer, h: s.feedback.APIGet, op: &apiOp{
			id: "getFeedback", tag: "feedback", summary: "Get one piece of feedback",
			desc:     "Returns one piece of feedback with its triage state. `contact` is included for editors only.",
			resp:     telemetry.Feedback{},
			respDesc: "The feedback.",
			errs:     errs{404: "No such use case or feedback, or the caller cannot see the use case: the answers are identical."}}},
		{method: "PATCH", pattern: "/api/v1/usecases/{slug}/feedback/{id}", access: user, role: usecase.Editor, h: s.feedback.APIUpdate, op: &apiOp{
			id: "updateFeedback", tag: "feedback", summary: "Triage feedback",
			desc: "Changes the fields given (editor role): the status, the assignee (a user with a role on the use " +
				"case; `\"\"` unassigns), the note its author sees on their receipt page, and links to the use case's " +
				"decisions. Every change is audited.",
			body: feedback.FeedbackPatch{}, resp: telemetry.Feedback{},
			respDesc: "The feedback, changed.",
			errs: errs{
				400: "The body is not valid: an unknown status, an assignee without a role, a decision of another use case.",
				404: "No such use case or feedback, or the caller cannot see the use case: the answers are identical.",
			}}},
		{method: "GET", pattern: "/usecases/{slug}/feedback", access: user, role: usecase.Viewer, h: s.feedback.PageInbox},
		{method: "POST", pattern: "/usecases/{slug}/feedback/{id}", access: user, role: usecase.Editor, h: s.feedback.PageTriagePost},
		{method: "POST", pattern: "/usecases/{slug}/feedback-links", access: user, role: usecase.Owner, h: s.feedback.PageLinkPost},
		{method: "POST", pattern: "/usecases/{slug}/feedback-links/{id}/revoke", access: user, role: usecase.Owner, h: s.feedback.PageLinkRevokePost},
		{method: "GET", pattern: "/f/{secret}", access: public, h: s.feedback.PagePublic},
		{method: "POST", pattern: "/f/{secret}", access: public, h: s.feedback.PagePublicPost},
		{method: "GET", pattern: "/f/{secret}/embed", access: public, h: s.feedback.PageEmbed},
		{method: "POST", pattern: "/f/{secret}/embed", access: public, h: s.feedback.PageEmbedPost},
		{method: "GET", pattern: "/f/{receipt}/status", access: public, h: s.feedback.PageReceipt},
		{method: "GET", pattern: "/static/feedback.js", access: public, h: s.feedback.Script},
	}
	return append(table, s.mlflowRoutes()...)
}

// mlflowRoutes are MLflow's REST calls (package mlflow), each under
// /api/2.0/mlflow/ and its /ajax-api/ twin, and the mlflow-artifacts proxy.
// Any signed-in caller reaches them; the handlers act in the use case the
// caller's token is bound to, with the caller's role there checked by the
// store. They carry no apiOp: MLflow's own shapes, documented in
// docs/mlflow.md, not in the OpenAPI document.
func (s *Server) mlflowRoutes() []route {
	var out []route
	add := func(prefixes []string, eps []mlflow.Endpoint) {
		for _, p := range prefixes {
			for _, ep := range eps {
				out = append(out, route{method: ep.Method, pattern: p + ep.Path, access: user, h: ep.H})
			}
		}
	}
	add(mlflow.Prefixes, s.mlflow.Endpoints())
	add(mlflow.ArtifactPrefixes, s.mlflow.ArtifactEndpoints())
	return out
}
