package web

import (
	"encoding/json"
	"strconv"

	"github.com/invopop/jsonschema"

	"github.com/atrium-mlops/atrium/internal/atrium"
)

// What the API description says about the API as a whole, and the
// parameters that operations share.

// apiInfo introduces the API.
var apiInfo = openAPIInfo{
	Title:   "Atrium",
	Version: "1",
	Summary: "JSON API of Atrium, a self-hosted MLOps control plane.",
	Description: "Atrium follows ML use cases through their lifecycle (scoping, data, modelling, deployment, usage, " +
		"retired), records who may do what to them, and keeps a tamper-evident audit log of every change.\n" +
		"\n" +
		"Conventions:\n" +
		"\n" +
		"- Authenticate with an API token (`Authorization: Bearer atr_…`) or, from a browser, with the " +
		"`atrium_session` cookie. A credential that is sent but not valid is refused with 401 on every route, " +
		"public ones included.\n" +
		"- Request bodies are JSON objects (`Content-Type: application/json`) of at most 1 MiB. Decoding is strict: " +
		"unknown keys, keys repeated in the same object and trailing values are refused with 400.\n" +
		"- Every error is an RFC 9457 problem document (`application/problem+json`) whose `code` member is stable " +
		"and meant for programs; `detail` is meant for people.\n" +
		"- Lists are paged: pass `page_size` (1–500, default 50) and the `next_page_token` of the previous page as " +
		"`page_token`. The last page has no `next_page_token`.\n" +
		"- Requests made with a credential are rate limited per token (or per signed-in user); over the limit the " +
		"answer is 429 with `Retry-After`.\n" +
		"- Cookie-authenticated writes from another origin are refused with 403.\n" +
		"- A use case you cannot see answers 404 exactly like one that does not exist.",
}

// apiTags group the operations, in the order the reference shows them.
var apiTags = []openAPITag{
	{Name: "usecases", title: "Use cases", Description: "ML use cases, their stage history and who has access to " +
		"them."},
	{Name: "identity", title: "Identity", Description: "The caller, users, teams and API tokens."},
	{Name: "audit", title: "Audit", Description: "The append-only, hash-chained audit log."},
	{Name: "canvases", title: "Canvases", Description: "Canvas templates, canvases of a use case, their sections, " +
		"comments, iterations " +
		"and measurable objectives."},
	{Name: "stakeholders", title: "Stakeholders", Description: "The stakeholder register of a use case."},
	{Name: "decisions", title: "Decisions", Description: "The decision log of a use case."},
	{Name: "artifacts", title: "Artifacts", Description: "Small files of a use case — model cards, evaluation " +
		"reports, data samples — kept in the blob store. Models are not stored: the registry keeps their URI and digest."},
	{Name: "search", title: "Search", Description: "Full-text search across canvases and decisions."},
	{Name: "meta", title: "The API description", Description: "This description of the API."},
}

// securitySchemes are the two ways to authenticate.
var securitySchemes = map[string]*securityScheme{
	"bearer": {Type: "http", Scheme: "bearer", Description: "An API token, `atr_…`, sent as `Authorization: Bearer " +
		"atr_…`. Create one with POST /api/v1/tokens or on the Tokens page."},
	"cookie": {Type: "apiKey", In: "cookie", Name: sessionCookie, Description: "The browser session set by signing " +
		"in on the login page. Writes made with it from another origin are refused."},
}

// param is a parameter of an operation, in the query or in the path.
type param struct {
	// component is the parameter's name under components/parameters when
	// operations share it; "" keeps it inline.
	component string
	name, in  string
	required  bool
	desc      string
	schema    *jsonschema.Schema
}

func str() *jsonschema.Schema { return &jsonschema.Schema{Type: "string"} }

func integer(min int) *jsonschema.Schema {
	return &jsonschema.Schema{Type: "integer", Minimum: num(min)}
}

func num(n int) json.Number { return json.Number(strconv.Itoa(n)) }

// The query parameters.
var (
	pageSize = &param{component: "PageSize", name: "page_size", in: "query",
		desc:   "How many items to return.",
		schema: &jsonschema.Schema{Type: "integer", Minimum: "1", Maximum: num(atrium.MaxPageSize), Default: atrium.DefaultPageSize}}
	pageToken = &param{component: "PageToken", name: "page_token", in: "query",
		desc:   "The `next_page_token` of the previous page; omit for the first page. Opaque.",
		schema: str()}
	qStage = &param{name: "stage", in: "query",
		desc:   "Only use cases in this stage.",
		schema: &jsonschema.Schema{Ref: schemaRef("Stage")}}
	qTeam = &param{name: "team", in: "query",
		desc:   "Only use cases owned by the team with this slug.",
		schema: str()}
	qUseCaseName = &param{name: "q", in: "query",
		desc:   "Only use cases whose name contains this text, ignoring case.",
		schema: &jsonschema.Schema{Type: "string", MaxLength: ptr[uint64](200)}}
	qArchived = &param{name: "archived", in: "query",
		desc:   "`true` includes archived use cases; any other value leaves them out.",
		schema: &jsonschema.Schema{Type: "boolean", Default: false}}
	qAllTokens = &param{name: "all", in: "query",
		desc:   "`true` lists every user's tokens (administrators only).",
		schema: &jsonschema.Schema{Type: "boolean", Default: false}}
	qObjectType = &param{name: "object_type", in: "query",
		desc:   "Only entries about objects of this kind, e.g. `usecase`, `user`, `team`, `token`.",
		schema: str()}
	qObjectID = &param{name: "object_id", in: "query",
		desc:   "Only entries about the object with this id.",
		schema: str()}
	qActor = &param{component: "AuditActor", name: "actor", in: "query",
		desc:   "Only entries made by the user with this id (`system` for the server itself).",
		schema: str()}
	qSince = &param{component: "AuditSince", name: "since", in: "query",
		desc:   "Only entries at or after this time: a date (`2026-01-31`, midnight UTC) or an RFC 3339 time.",
		schema: &jsonschema.Schema{Type: "string", Examples: []any{"2026-01-31", "2026-01-31T12:00:00Z"}}}
	qUntil = &param{component: "AuditUntil", name: "until", in: "query",
		desc:   "Only entries before this time: a date (`2026-01-31`, midnight UTC) or an RFC 3339 time.",
		schema: &jsonschema.Schema{Type: "string", Examples: []any{"2026-02-01", "2026-01-31T18:00:00Z"}}}
	qSearch = &param{name: "q", in: "query", required: true,
		desc:   "Words to find.",
		schema: &jsonschema.Schema{Type: "string", MinLength: ptr[uint64](1), MaxLength: ptr[uint64](200)}}
	qArtifactName = &param{name: "name", in: "query", required: true,
		desc: "The file name to store the artifact under, 1 to 200 characters: no control characters, no `/` or " +
			"`\\`, not `.` or `..`. It is only ever offered as the download's file name.",
		schema: &jsonschema.Schema{Type: "string", MinLength: ptr(uint64(1)), MaxLength: ptr(uint64(800))}}
	qArtifactType = &param{name: "content_type", in: "query",
		desc: "The artifact's media type; the request's `Content-Type` when omitted. Types on the allow-list " +
			"(text/plain, text/markdown, text/csv, application/json, application/pdf, image/png, image/jpeg and a few " +
			"more) are kept; any other, HTML and SVG included, is stored and served as `application/octet-stream`.",
		schema: str()}
	qAssetKind = &param{name: "asset_kind", in: "query",
		desc:   "With `asset_name` and `asset_version`: the registry version the artifact documents.",
		schema: &jsonschema.Schema{Type: "string", Enum: []any{"dataset", "model", "prompt"}}}
	qAssetName = &param{name: "asset_name", in: "query",
		desc:   "Name of the asset, with `asset_kind` and `asset_version`.",
		schema: str()}
	qAssetVersion = &param{name: "asset_version", in: "query",
		desc:   "Version number, with `asset_kind` and `asset_name`.",
		schema: integer(1)}
	qFormat = &param{name: "format", in: "query",
		desc:   "`markdown` or `json`.",
		schema: &jsonschema.Schema{Type: "string", Enum: []any{"markdown", "json"}, Default: "markdown"}}
	qFrom = &param{name: "from", in: "query", required: true,
		desc:   "The older iteration's number.",
		schema: integer(1)}
	qTo = &param{name: "to", in: "query",
		desc:   "The newer iteration's number, or `current` for the live canvas.",
		schema: &jsonschema.Schema{Type: "string", Default: "current"}}
)

// pathParams documents each path parameter by the segment before it, so
// that the {id} of a user and that of an objective can differ.
var pathParams = map[string]*param{
	"usecases/{slug}": {component: "UseCaseSlug", name: "slug", in: "path",
		desc: "Slug of the use case.", schema: str()},
	"users/{id}": {component: "UserID", name: "id", in: "path",
		desc: "Id of the user.", schema: str()},
	"teams/{team}": {component: "TeamSlug", name: "team", in: "path",
		desc: "Slug of the team.", schema: str()},
	"templates/{id}": {component: "TemplateID", name: "id", in: "path",
		desc: "Id of the canvas template, such as `human-centric-mlops`.", schema: str()},
	"canvases/{canvas}": {component: "CanvasID", name: "canvas", in: "path",
		desc: "Id of the canvas.", schema: str()},
	"sections/{section}": {component: "SectionID", name: "section", in: "path",
		desc: "Id of a section of the canvas's template, such as `problem-definition`.", schema: str()},
	"objectives/{id}": {component: "ObjectiveID", name: "id", in: "path",
		desc: "Id of the objective.", schema: int64s(1)},
	"stakeholders/{id}": {component: "StakeholderID", name: "id", in: "path",
		desc: "Id of the stakeholder register entry.", schema: int64s(1)},
	"decisions/{number}": {component: "DecisionNumber", name: "number", in: "path",
		desc: "Number of the decision within its use case, from 1.", schema: integer(1)},
	"iterations/{n}": {component: "IterationNumber", name: "n", in: "path",
		desc: "Number of the published iteration, from 1.", schema: integer(1)},
	"grants/{id}": {component: "GrantID", name: "id", in: "path",
		desc: "Id of the grant.", schema: int64s(0)},
	"members/{id}": {component: "MemberID", name: "id", in: "path",
		desc: "Id of the member (a user id).", schema: str()},
	"tokens/{id}": {component: "TokenID", name: "id", in: "path",
		desc: "Id of the token (not its secret).", schema: str()},
	"artifacts/{id}": {component: "ArtifactID", name: "id", in: "path",
		desc: "Id of the artifact, 32 hexadecimal characters.", schema: &jsonschema.Schema{Type: "string", Pattern: "^[0-9a-f]{32}$"}},
}

// int64s is a 64-bit integer of at least min.
func int64s(min int) *jsonschema.Schema {
	s := integer(min)
	s.Format = "int64"
	return s
}
