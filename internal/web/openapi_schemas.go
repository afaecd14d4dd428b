package web

import (
	"cmp"
	"encoding/json"
	"reflect"
	"strings"

	"github.com/invopop/jsonschema"

	"github.com/atrium-mlops/atrium/internal/artifact"
	"github.com/atrium-mlops/atrium/internal/atrium"
	"github.com/atrium-mlops/atrium/internal/audit"
	"github.com/atrium-mlops/atrium/internal/canvas"
	"github.com/atrium-mlops/atrium/internal/decision"
	"github.com/atrium-mlops/atrium/internal/evidence"
	"github.com/atrium-mlops/atrium/internal/identity"
	"github.com/atrium-mlops/atrium/internal/people"
	"github.com/atrium-mlops/atrium/internal/store"
	"github.com/atrium-mlops/atrium/internal/usecase"
	"github.com/atrium-mlops/atrium/internal/web/account"
	webadmin "github.com/atrium-mlops/atrium/internal/web/admin"
	"github.com/atrium-mlops/atrium/internal/web/canvases"
	"github.com/atrium-mlops/atrium/internal/web/respond"
	"github.com/atrium-mlops/atrium/internal/web/search"
	"github.com/atrium-mlops/atrium/internal/web/usecases"
)

// This file says what reflecting the API's Go types cannot: the name of a
// schema when it is not the type's own, what each type and member means,
// and the limits the domain enforces on what clients send. The text lives
// here rather than in struct tags because much of it quotes code in
// backticks, which a tag cannot hold, and because the domain's types should
// not carry the API's prose. buildAPIDescription fails when an entry names
// a member its type does not have, and TestSchemaDocsUsed when it names a
// type no route sends or receives.

// schemaDoc describes one Go type of the API.
type schemaDoc struct {
	// name is the component name, when it is not the type's own.
	name string
	desc string
	// props describe the JSON members the type declares itself (members of
	// an embedded struct are described with that struct).
	props map[string]prop
	// exactlyOne names members of a request of which exactly one is sent.
	exactlyOne []string
}

// prop describes one JSON member, and for a request body what is accepted.
type prop struct {
	desc string
	// required marks a member a request body must have.
	required bool
	// nullable allows null beside the member's type.
	nullable        bool
	enum            []any
	format, pattern string
	minLen, maxLen  int
	min, max        json.Number
	maxItems        int
	def             any
	examples        []any
	// items applies to each item of an array or value of an object.
	items *prop
}

// apply writes p into s, the member's schema, and returns the schema to use.
func (p prop) apply(s *jsonschema.Schema) *jsonschema.Schema {
	if p.desc != "" {
		s.Description = p.desc
	}
	if p.enum != nil {
		s.Enum = p.enum
	}
	s.Format = cmp.Or(p.format, s.Format)
	s.Pattern = cmp.Or(p.pattern, s.Pattern)
	if p.minLen > 0 {
		s.MinLength = ptr(uint64(p.minLen))
	}
	if p.maxLen > 0 {
		s.MaxLength = ptr(uint64(p.maxLen))
	}
	if p.min != "" {
		s.Minimum = p.min
	}
	if p.max != "" {
		s.Maximum = p.max
	}
	if p.maxItems > 0 {
		s.MaxItems = ptr(uint64(p.maxItems))
	}
	if p.def != nil {
		s.Default = p.def
	}
	if p.examples != nil {
		s.Examples = p.examples
	}
	if p.items != nil {
		// A struct's additionalProperties is the reflector's shared false.
		if each := cmp.Or(s.Items, s.AdditionalProperties); each != nil && each != jsonschema.FalseSchema {
			p.items.apply(each)
		}
	}
	if p.nullable {
		desc := s.Description
		s.Description = ""
		return &jsonschema.Schema{OneOf: []*jsonschema.Schema{s, {Type: "null"}}, Description: desc}
	}
	return s
}

// pageDoc describes a page of a list of what of ("use cases"); total, when
// given, says what total counts in other words.
func pageDoc(name, of, total string) schemaDoc {
	return schemaDoc{name: name, desc: "One page of " + of + ".", props: map[string]prop{
		"next_page_token": {desc: "Pass as `page_token` for the next page; absent on the last page."},
		"total":           {desc: cmp.Or(total, "Number of items on all pages.")},
	}}
}

// schemaName is the component name of struct type t: its schemaDoc's; for
// a page or an unpaged list of T, T's name and "Page" or "List"; else the
// type's own.
func schemaName(t reflect.Type) string {
	if d := schemaDocs[t]; d.name != "" {
		return d.name
	}
	switch genericName(t) {
	case pageType:
		return schemaName(itemType(t)) + "Page"
	case listType:
		return schemaName(itemType(t)) + "List"
	}
	return t.Name()
}

// schemaDesc is the description of the component of type t: its
// schemaDoc's, or for an unpaged list one that says so.
func schemaDesc(t reflect.Type) string {
	if d := schemaDocs[t]; d.desc != "" || genericName(t) != listType {
		return d.desc
	}
	return "Every " + schemaName(itemType(t)) + " at once, in `items`: the list is not paged."
}

// The generic wrappers of lists, by package path and name.
var (
	pageType = genericName(reflect.TypeFor[atrium.Page[struct{}]]())
	listType = genericName(reflect.TypeFor[respond.List[struct{}]]())
)

// genericName is a type's package path and name without type arguments.
func genericName(t reflect.Type) string {
	name, _, _ := strings.Cut(t.PkgPath()+"."+t.Name(), "[")
	return name
}

// itemType is the type of a list's items.
func itemType(t reflect.Type) reflect.Type {
	f, _ := t.FieldByName("Items")
	return f.Type.Elem()
}

// enum is a named string type of the domain whose values are listed: it
// becomes a component schema of its own, referred to wherever it is used.
type enum struct {
	name, desc string
	values     []any
}

// enums are the domain's enumerations by Go type.
var enums = map[reflect.Type]enum{
	reflect.TypeFor[usecase.Stage](): {"Stage", "A lifecycle stage, in order.", anys(usecase.Stages)},
	reflect.TypeFor[usecase.Role](): {"Role", "A role on one use case, least powerful first; each allows everything " +
		"the ones before it do. Viewers can read the use case, editors can also change its text and stage, owners can also " +
		"archive it, hand it over and manage access.", anys(usecase.Roles)},
	reflect.TypeFor[canvas.Status]():     {"SectionStatus", "How far a section has come.", anys(canvas.Statuses)},
	reflect.TypeFor[canvas.Comparator](): {"Comparator", "How a measured value is compared with the target.", anys(canvas.Comparators)},
}

// mapType is the reflectors' Mapper: enumerations, then the registry's
// special cases (openapi_registry.go).
func mapType(t reflect.Type) *jsonschema.Schema {
	if s := mapEnum(t); s != nil {
		return s
	}
	return mapRegistry(t)
}

// mapEnum refers the reflector to the component of an enumeration.
func mapEnum(t reflect.Type) *jsonschema.Schema {
	if e, ok := enums[t]; ok {
		return &jsonschema.Schema{Ref: schemaRef(e.name)}
	}
	return nil
}

// schemaDocs describes the API's Go types.
var schemaDocs = map[reflect.Type]schemaDoc{
	reflect.TypeFor[respond.Problem](): {desc: "An RFC 9457 problem document. Programs should branch on `code`.",
		props: map[string]prop{
			"type":   {desc: "URI naming the kind of problem.", format: "uri"},
			"title":  {desc: "The HTTP status text."},
			"status": {desc: "The HTTP status code."},
			"detail": {desc: "What went wrong with this request, for people."},
			"code":   {desc: "Stable error code.", enum: anys(respond.Codes())},
		}},
	reflect.TypeFor[usecase.UseCase](): {desc: "An ML use case.",
		props: map[string]prop{
			"team":      {desc: "Slug of the owning team."},
			"version":   {desc: "Incremented by every change; send it back when editing.", min: "1"},
			"your_role": {desc: "The caller's effective role, on answers about a single use case."},
		}},
	reflect.TypeFor[atrium.Page[usecase.UseCase]](): pageDoc("", "use cases", ""),
	reflect.TypeFor[usecase.Transition]():           {desc: "One stage change of a use case."},
	reflect.TypeFor[usecase.Grant](): {desc: "A role given on a use case to either a user (the user_* fields) or a " +
		"team (the team* fields).",
		props: map[string]prop{
			"team": {desc: "Slug of the team."},
		}},
	reflect.TypeFor[identity.User](): {desc: "A person who can sign in or act through tokens.",
		props: map[string]prop{
			"email":        {format: "email"},
			"has_password": {desc: "False for token-only users."},
		}},
	reflect.TypeFor[atrium.Page[identity.User]](): pageDoc("", "users", ""),
	reflect.TypeFor[identity.Team](): {desc: "A group of users that can own use cases and receive roles.",
		props: map[string]prop{
			"members": {desc: "Present when a single team is returned; absent in lists."},
		}},
	reflect.TypeFor[atrium.Page[identity.Team]](): pageDoc("", "teams", ""),
	reflect.TypeFor[identity.Token](): {desc: "An API token's metadata; the secret itself is shown only once, at " +
		"creation.",
		props: map[string]prop{
			"prefix":       {desc: "The first characters of the secret, to recognise it by."},
			"expires_at":   {desc: "Absent for tokens that never expire."},
			"revoked_at":   {desc: "Absent unless revoked."},
			"last_used_at": {desc: "Absent if never used; updated at most once a minute."},
			"usecase_id":   {desc: "Id of the use case the token is bound to; absent for a token that acts wherever its user may."},
		}},
	reflect.TypeFor[atrium.Page[identity.Token]](): pageDoc("", "API tokens", ""),
	reflect.TypeFor[account.CreatedToken](): {desc: "A new token's metadata and its secret.",
		props: map[string]prop{
			"token": {desc: "The secret, `atr_…`. Store it now: it cannot be shown again."},
		}},
	reflect.TypeFor[account.Me](): {desc: "The caller: their user record, teams, the token used and the server " +
		"version.",
		props: map[string]prop{
			"token_id": {desc: "Id of the API token the request used; absent for browser sessions."},
		}},
	reflect.TypeFor[store.AuditRecord](): {name: "AuditEntry", desc: "One entry of the audit log. Each entry's hash " +
		"covers every other field and the previous entry's hash, so the log is a chain that cannot be altered " +
		"unnoticed.",
		props: map[string]prop{
			"actor_name": {desc: "Name of the acting user, or the actor id when there is none."},
		}},
	reflect.TypeFor[audit.Entry](): {
		props: map[string]prop{
			"seq":         {desc: "Position in the log, from 0, without gaps.", min: "0"},
			"actor_id":    {desc: "Id of the acting user, or `system`."},
			"action":      {desc: "What was done, e.g. `usecase.create`."},
			"object_type": {desc: "Kind of object changed, e.g. `usecase`."},
			"request_id":  {desc: "The X-Request-Id of the request that caused the change."},
			"commitment":  {desc: "Hex SHA-256 over a salt and the changed content."},
			"prev_hash":   {desc: "Hash of the previous entry; 64 zeros for entry 0."},
			"hash":        {desc: "Hex SHA-256 of this entry's canonical encoding."},
		}},
	reflect.TypeFor[atrium.Page[store.AuditRecord]](): pageDoc("AuditPage", "audit entries", ""),
	reflect.TypeFor[canvases.TemplateSummary](): {desc: "A canvas template on offer, without its sections.",
		props: map[string]prop{
			"source":   {desc: "The file the template was read from; `built-in:…` for the templates inside the binary."},
			"phases":   {desc: "Number of phases (columns)."},
			"sections": {desc: "Number of sections over all phases."},
		}},
	reflect.TypeFor[canvas.Template](): {desc: "A canvas template: header fields and phases of sections, each with " +
		"its guiding prompts and the evidence kinds shown beside it."},
	reflect.TypeFor[canvas.Field](): {name: "HeaderField", desc: "A header field of a template: text, a date or a " +
		"number.",
		props: map[string]prop{
			"kind": {enum: anys(canvas.FieldKinds)},
		}},
	reflect.TypeFor[canvas.Phase](): {desc: "A column of a canvas: a phase of the human-centric canvas or a column " +
		"of the MLOps canvas, with its sections."},
	reflect.TypeFor[canvas.SectionDef](): {desc: "One section of a template.",
		props: map[string]prop{
			"evidence":     {desc: "Evidence kinds shown beside the text, in order."},
			"moments":      {desc: "For the people grid: the questions before, during and after deployment."},
			"stakeholders": {desc: "The stakeholder kind whose register entries the section shows."},
			"objectives":   {desc: "The section holds structured objectives."},
		}},
	reflect.TypeFor[canvas.Moment](): {desc: "One of the three moments of the people grid, with its questions.",
		props: map[string]prop{
			"id": {enum: anys(canvas.MomentIDs)},
		}},
	reflect.TypeFor[canvas.Section](): {desc: "The state of one section of a canvas.",
		props: map[string]prop{
			"section":    {desc: "Id of the section in the template."},
			"content":    {desc: "The text, in Markdown."},
			"owner_id":   {desc: "Id of the person responsible for the section."},
			"version":    {desc: "0 until first saved; incremented by every save. Send it back as `base_version`.", min: "0"},
			"updated_by": {desc: "Who saved it last."},
			"comments":   {desc: "Number of comments in the section's thread."},
		}},
	reflect.TypeFor[canvases.SectionView](): {desc: "A section with its content rendered to sanitised HTML (no " +
		"scripts, no `javascript:` links), ready to show.",
		props: map[string]prop{
			"html": {desc: "The content rendered from Markdown and sanitised."},
		}},
	reflect.TypeFor[canvas.Tally](): {desc: "How many sections are in each status."},
	reflect.TypeFor[canvas.Completeness](): {desc: "How many sections are empty, drafted, in review and agreed: " +
		"overall and per phase."},
	reflect.TypeFor[canvas.PhaseCompleteness](): {desc: "The completeness of one phase, with the status of each of " +
		"its sections."},
	reflect.TypeFor[canvas.SectionState](): {desc: "The status of one section, as completeness counts it."},
	reflect.TypeFor[canvases.CanvasView](): {name: "Canvas", desc: "A canvas of a use case, made from a template. " +
		"Every section of the template is present, never-saved ones as empty.",
		props: map[string]prop{
			"sections": {desc: "Every section by id."},
		}},
	reflect.TypeFor[canvas.Canvas](): {
		props: map[string]prop{
			"usecase":    {desc: "Slug of the use case."},
			"template":   {desc: "Id of the template."},
			"header":     {desc: "Header values by field id."},
			"version":    {desc: "Incremented by every change to the title or header; send it back when editing them.", min: "1"},
			"iterations": {desc: "Number of published iterations."},
		}},
	reflect.TypeFor[canvas.Comment](): {desc: "One message in a section's discussion thread.",
		props: map[string]prop{
			"body": {desc: "Markdown."},
		}},
	reflect.TypeFor[evidence.Item](): {name: "PanelItem", desc: "One line of an evidence panel.",
		props: map[string]prop{
			"href": {desc: "Page with more about the item."},
			"tone": {desc: "How to colour the value.", enum: []any{"", "good", "warn", "bad", "muted"}},
		}},
	reflect.TypeFor[evidence.Panel](): {desc: "Live evidence beside a section, from the provider of one evidence " +
		"kind. Panels carry text only, never HTML.",
		props: map[string]prop{
			"kind":  {desc: "The evidence kind, such as `objectives`."},
			"empty": {desc: "Why there is nothing to show yet, when `items` is empty."},
			"href":  {desc: "Page with all of it."},
			"data":  {desc: "The same evidence as data; its shape depends on the kind."},
		}},
	reflect.TypeFor[canvases.SectionDetail](): {desc: "A section with what helps to write it: its prompts, live " +
		"evidence and discussion.",
		props: map[string]prop{
			"phase":  {desc: "Id of the phase holding the section."},
			"thread": {desc: "The comments, oldest first."},
		}},
	reflect.TypeFor[canvas.Snapshot](): {desc: "The frozen content of a canvas.",
		props: map[string]prop{
			"sections": {desc: "Every section saved at least once, by id."},
		}},
	reflect.TypeFor[canvas.SnapshotItem](): {desc: "One section as frozen in an iteration."},
	reflect.TypeFor[canvas.Iteration](): {desc: "A published, immutable snapshot of a canvas.",
		props: map[string]prop{
			"number":   {min: "1"},
			"snapshot": {desc: "The frozen canvas; empty in lists, filled when one iteration is read."},
		}},
	reflect.TypeFor[canvas.DiffOp](): {desc: "One run of a word-level diff: text equal in both versions, inserted " +
		"or deleted.",
		props: map[string]prop{
			"op": {enum: []any{"equal", "insert", "delete"}},
		}},
	reflect.TypeFor[canvases.DiffView](): {name: "CanvasDiff", desc: "What changed between two snapshots of a " +
		"canvas.",
		props: map[string]prop{
			"to":       {desc: "An iteration number, or `current`."},
			"header":   {desc: "The title and header values that differ."},
			"sections": {desc: "Every section of the template in order, changed or not."},
		}},
	reflect.TypeFor[canvas.HeaderDiff](): {desc: "The title or a header value, where two snapshots differ.",
		props: map[string]prop{
			"field": {desc: "`title` for the canvas title."},
		}},
	reflect.TypeFor[canvas.SectionDiff](): {desc: "One section of the template, compared between two snapshots.",
		props: map[string]prop{
			"ops": {desc: "A word-level diff of the content."},
		}},
	reflect.TypeFor[canvases.EditConflict](): {desc: "A problem document for a section edit made from an older " +
		"version: it carries what is needed to merge by hand.",
		props: map[string]prop{
			"base":    {desc: "The section as it was at `base_version`."},
			"current": {desc: "The section as it is now."},
			"yours":   {desc: "The content you sent, or null if you sent none.", nullable: true},
			"changes": {desc: "What others changed: a word diff from `base` to `current`."},
		}},
	reflect.TypeFor[canvas.Objective](): {desc: "A measurable objective of a canvas section.",
		props: map[string]prop{
			"comparator":  {enum: anys(canvas.Comparators)},
			"measured_at": {enum: anys(canvas.MeasuredAt)},
			"window":      {desc: "A window such as `30d`, or empty for a one-off measurement."},
			"min_samples": {min: "0"},
		}},
	reflect.TypeFor[people.Stakeholder](): {desc: "An entry of a use case's stakeholder register.",
		props: map[string]prop{
			"kind":     {enum: anys(people.StakeholderKinds)},
			"name":     {desc: "A person or a group."},
			"before":   {desc: "Notes for before deployment."},
			"during":   {desc: "Notes for during deployment."},
			"after":    {desc: "Notes for after deployment."},
			"subjects": {desc: "Subject keys or e-mails a roll-out routes first; test pilots only."},
			"version":  {min: "1"},
		}},
	reflect.TypeFor[decision.Link](): {desc: "A link from a decision to evidence.",
		props: map[string]prop{
			"kind": {enum: anys(decision.LinkKinds)},
			"target": {desc: "For a section: `<section id>` (any canvas of the use case) or `<canvas id>/<section " +
				"id>`; for a decision: its number; for a url: an http(s) address."},
		}},
	reflect.TypeFor[decision.Decision](): {desc: "A record of a use case's decision log.",
		props: map[string]prop{
			"number":     {min: "1"},
			"options":    {desc: "The options considered, Markdown."},
			"status":     {enum: anys(decision.Statuses)},
			"decided_at": {format: "date"},
			"version":    {min: "1"},
		}},
	reflect.TypeFor[artifact.Artifact](): {desc: "A file of a use case kept in the blob store: a model card, an " +
		"evaluation report, a data sample.",
		props: map[string]prop{
			"name":         {desc: "The file name a download is offered under."},
			"content_type": {desc: "The media type it is served with: the one declared if it is on the allow-list, otherwise `application/octet-stream`."},
			"size":         {desc: "Size in bytes.", min: "1"},
			"digest":       {desc: "Hex SHA-256 of the bytes, computed by Atrium while they were uploaded.", pattern: "^[0-9a-f]{64}$"},
			"uri":          {desc: "Path of the artifact's content (GET it to download)."},
			"asset":        {desc: "The registry version the artifact documents, if any."},
			"created_by":   {desc: "Id of the user who uploaded it."},
		}},
	reflect.TypeFor[atrium.Page[artifact.Artifact]](): pageDoc("", "artifacts", ""),
	reflect.TypeFor[artifact.AssetRef](): {name: "ArtifactAssetRef", desc: "A registry version: asset kind, name and version number.",
		props: map[string]prop{
			"kind":    {enum: []any{"dataset", "model", "prompt"}},
			"version": {min: "1"},
		}},
	reflect.TypeFor[search.Hit](): {name: "SearchHit", desc: "One search result, with the address of the page it " +
		"names.",
		props: map[string]prop{
			"href": {desc: "The page showing the hit."},
		}},
	reflect.TypeFor[store.SearchHit](): {
		props: map[string]prop{
			"kind":     {enum: []any{"section", "decision"}},
			"template": {desc: "Template id of the canvas, for section hits."},
			"snippet":  {desc: "The matching passage, plain text."},
		}},
	reflect.TypeFor[atrium.Page[search.Hit]]():     pageDoc("SearchPage", "search hits", ""),
	reflect.TypeFor[atrium.Page[canvas.Comment]](): pageDoc("", "comments", "Number of comments on all pages."),
	reflect.TypeFor[account.MePatch](): {desc: "What people change about themselves: their name, or their password.",
		props: map[string]prop{
			"name":             {minLen: 1, maxLen: 200},
			"current_password": {maxLen: 256},
			"password":         {minLen: 12, maxLen: 256},
		}},
	reflect.TypeFor[usecases.UseCaseInput](): {desc: "A new use case.",
		props: map[string]prop{
			"slug": {desc: "URL name, unique across Atrium. Omit to derive it from the name. 1 to 64 lower-case " +
				"letters, digits or inner hyphens. Empty means derive it from the name.", pattern: "^([a-z0-9]([a-z0-9-]*[a-z0-9])?)?$", maxLen: 64},
			"name":    {desc: "Display name, one line.", minLen: 1, maxLen: 200, required: true},
			"summary": {desc: "What the use case is for; may span several lines.", maxLen: 4000},
			"team":    {desc: "Slug of the owning team.", required: true},
			"stage":   {desc: "Starting stage; `scoping` when omitted.", def: "scoping"},
		}},
	reflect.TypeFor[usecases.UseCasePatch](): {desc: "Fields to change; omitted fields stay as they are.",
		props: map[string]prop{
			"name":     {desc: "New display name.", minLen: 1, maxLen: 200},
			"summary":  {desc: "New summary.", maxLen: 4000},
			"team":     {desc: "Slug of the team to move the use case to (owner role)."},
			"owner_id": {desc: "Id of an enabled user to hand the use case to (owner role)."},
			"version": {desc: "The version you read. 0 or omitted skips the check; any other value that is not the " +
				"current version answers 409.", min: "0"},
		}},
	reflect.TypeFor[usecases.TransitionInput](): {desc: "A move to another stage.",
		props: map[string]prop{
			"to":   {desc: "The stage to move to; it must differ from the current one.", required: true},
			"note": {desc: "Why the use case moves; may span several lines.", maxLen: 2000},
		}},
	reflect.TypeFor[usecases.GrantInput](): {desc: "Who gets which role: exactly one of `user_id`, `email` and " +
		"`team`, and the `role`.",
		exactlyOne: []string{"user_id", "email", "team"},
		props: map[string]prop{
			"user_id": {desc: "Id of the user to grant the role to."},
			"email":   {desc: "E-mail address of the user to grant the role to.", maxLen: 254},
			"team":    {desc: "Slug of the team to grant the role to."},
			"role":    {required: true},
		}},
	reflect.TypeFor[usecases.GrantedTo](): {desc: "A grant whose grantee the caller may see: the grant as listed, " +
		"and what changed in words.",
		props: map[string]prop{
			"message": {examples: []any{"Ada Lovelace now has editor access."}},
		}},
	reflect.TypeFor[usecases.GrantedIfAny](): {desc: "A grant whose grantee the caller may not see: what was asked, " +
		"never who, the same whether or not the grantee exists.",
		props: map[string]prop{
			"user_email": {desc: "The address asked for, in lower case."},
			"message":    {examples: []any{"If ada@example.org has an Atrium account, they now have editor access."}},
		}},
	reflect.TypeFor[webadmin.UserInput](): {desc: "A new user.",
		props: map[string]prop{
			"email":    {desc: "Plain e-mail address, unique; stored in lower case.", format: "email", maxLen: 254, required: true},
			"name":     {desc: "Display name; defaults to the part of the address before the @.", maxLen: 200},
			"password": {desc: "Password for signing in to the web interface. Omit for a token-only user.", minLen: 12, maxLen: 256},
			"admin":    {desc: "Whether the user administers Atrium.", def: false},
		}},
	reflect.TypeFor[webadmin.UserPatch](): {desc: "Fields to change; omitted fields stay as they are.",
		props: map[string]prop{
			"name":     {desc: "New display name; empty resets it to the part of the address before the @.", maxLen: 200},
			"admin":    {desc: "Grant or withdraw administration."},
			"disabled": {desc: "A disabled user can neither sign in nor use their tokens."},
			"password": {desc: "New password.", minLen: 12, maxLen: 256},
		}},
	reflect.TypeFor[webadmin.TeamInput](): {desc: "A new team, with no members.",
		props: map[string]prop{
			"slug": {desc: "URL name, unique across teams. Omit to derive it from the name. 1 to 64 lower-case " +
				"letters, digits or inner hyphens. Empty means derive it from the name.", pattern: "^([a-z0-9]([a-z0-9-]*[a-z0-9])?)?$", maxLen: 64},
			"name": {desc: "Display name, one line.", minLen: 1, maxLen: 200, required: true},
		}},
	reflect.TypeFor[webadmin.MemberInput](): {desc: "The user to put in the team.",
		props: map[string]prop{
			"user_id": {desc: "Id of the user to add.", required: true},
		}},
	reflect.TypeFor[account.TokenInput](): {desc: "A new API token.",
		props: map[string]prop{
			"name": {desc: "A label to recognise the token by.", minLen: 1, maxLen: 100, required: true},
			"expires_in": {desc: "How long the token lives: days such as `90d`, a duration such as `12h` or " +
				"`1h30m`, or `never` (also when omitted or empty). Whole ASCII digits only; at most five years " +
				"(`1825d`), anything longer is refused.", examples: []any{"90d", "12h", "never"}},
			"usecase": {desc: "Slug of a use case to bind the token to: it then acts in that use case only, and " +
				"MLflow clients using it work there (docs/mlflow.md). The caller needs a role on it. A token that is " +
				"itself bound can only create tokens bound to the same use case.", examples: []any{"credit-risk-scoring"}},
		}},
	reflect.TypeFor[canvases.CanvasInput](): {desc: "A new canvas made from a template.",
		props: map[string]prop{
			"template": {desc: "Id of the template, such as `human-centric-mlops` or `mlops-canvas-v0.1`.", required: true},
			"title":    {desc: "Title of the canvas, one line.", minLen: 1, maxLen: 200, required: true},
			"header":   {desc: "Header values by field id; dates as YYYY-MM-DD, numbers as whole numbers.", items: &prop{maxLen: 200}},
		}},
	reflect.TypeFor[canvases.CanvasPatch](): {desc: "The title and header values to change.",
		props: map[string]prop{
			"title":  {desc: "New title.", minLen: 1, maxLen: 200},
			"header": {desc: "Header values to change by field id; fields not named stay, an empty value clears one.", items: &prop{maxLen: 200}},
			"version": {desc: "The canvas version you read. 0 or omitted skips the check; any other value that is " +
				"not the current version answers 409.", min: "0"},
		}},
	reflect.TypeFor[canvases.SectionInput](): {desc: "A save of a section: any of its content, status and owner, " +
		"with the version the edit starts from.",
		props: map[string]prop{
			"content":      {desc: "The new text, in Markdown. Omit to keep it.", maxLen: 50000},
			"status":       {desc: "The new status. Reviewers may change only this.", enum: anys(canvas.Statuses)},
			"owner_id":     {desc: "Id of the person responsible; empty clears it."},
			"base_version": {desc: "The section version your edit starts from; 0 for a section never saved.", min: "0", required: true},
		}},
	reflect.TypeFor[canvases.CommentInput](): {desc: "A comment on a section.",
		props: map[string]prop{
			"body": {desc: "The comment, Markdown.", minLen: 1, maxLen: 10000, required: true},
		}},
	reflect.TypeFor[canvases.IterationInput](): {desc: "What a new iteration settles.",
		props: map[string]prop{
			"message": {desc: "What this iteration settles.", maxLen: 2000},
		}},
	reflect.TypeFor[canvases.ObjectiveInput](): {desc: "A new measurable objective.",
		props: map[string]prop{
			"section":     {desc: "Id of an objective section of the canvas, such as `objective-setting`.", required: true},
			"metric":      {desc: "What is measured, such as `AUC`.", minLen: 1, maxLen: 200, required: true},
			"comparator":  {enum: anys(canvas.Comparators), required: true},
			"target":      {desc: "The value to reach; may be negative.", required: true},
			"unit":        {desc: "Unit of the target, such as `%`.", maxLen: 40},
			"measured_at": {desc: "Where it is measured.", enum: anys(canvas.MeasuredAt), required: true},
			"window": {desc: "A window such as `90m`, `12h`, `30d` or `4w` (at most five years), or empty for a " +
				"one-off measurement.", maxLen: 8},
			"min_samples": {desc: "Fewest samples for a measurement to count.", min: "0"},
			"notes":       {desc: "Notes.", maxLen: 2000},
		}},
	reflect.TypeFor[canvases.ObjectivePatch](): {desc: "Fields to change; omitted fields stay. The section cannot " +
		"change.",
		props: map[string]prop{
			"metric":      {desc: "What is measured, such as `AUC`.", minLen: 1, maxLen: 200},
			"comparator":  {enum: anys(canvas.Comparators)},
			"target":      {desc: "The value to reach; may be negative."},
			"unit":        {desc: "Unit of the target, such as `%`.", maxLen: 40},
			"measured_at": {desc: "Where it is measured.", enum: anys(canvas.MeasuredAt)},
			"window": {desc: "A window such as `90m`, `12h`, `30d` or `4w` (at most five years), or empty for a " +
				"one-off measurement.", maxLen: 8},
			"min_samples": {desc: "Fewest samples for a measurement to count.", min: "0"},
			"notes":       {desc: "Notes.", maxLen: 2000},
		}},
	reflect.TypeFor[canvases.StakeholderInput](): {desc: "A new entry of the stakeholder register.",
		props: map[string]prop{
			"kind":     {enum: anys(people.StakeholderKinds), required: true},
			"name":     {desc: "A person or a group.", minLen: 1, maxLen: 200, required: true},
			"role":     {desc: "Their role.", maxLen: 200},
			"contact":  {desc: "How to reach them.", maxLen: 254},
			"concerns": {desc: "What worries them.", maxLen: 4000},
			"before":   {desc: "Notes for before deployment.", maxLen: 4000},
			"during":   {desc: "Notes for during deployment.", maxLen: 4000},
			"after":    {desc: "Notes for after deployment.", maxLen: 4000},
			"notes":    {desc: "Anything else.", maxLen: 4000},
			"subjects": {desc: "Subject keys or e-mails a roll-out routes first; test pilots only.", maxItems: 1000, items: &prop{maxLen: 254}},
		}},
	reflect.TypeFor[canvases.StakeholderPatch](): {desc: "Fields to change; omitted fields stay.",
		props: map[string]prop{
			"kind":     {enum: anys(people.StakeholderKinds)},
			"name":     {desc: "A person or a group.", minLen: 1, maxLen: 200},
			"role":     {desc: "Their role.", maxLen: 200},
			"contact":  {desc: "How to reach them.", maxLen: 254},
			"concerns": {desc: "What worries them.", maxLen: 4000},
			"before":   {desc: "Notes for before deployment.", maxLen: 4000},
			"during":   {desc: "Notes for during deployment.", maxLen: 4000},
			"after":    {desc: "Notes for after deployment.", maxLen: 4000},
			"notes":    {desc: "Anything else.", maxLen: 4000},
			"subjects": {desc: "Subject keys or e-mails a roll-out routes first; test pilots only.", maxItems: 1000, items: &prop{maxLen: 254}},
			"version": {desc: "The version you read. 0 or omitted skips the check; any other value that is not the " +
				"current version answers 409.", min: "0"},
		}},
	reflect.TypeFor[canvases.DecisionInput](): {desc: "A new decision record.",
		props: map[string]prop{
			"title":        {desc: "The question decided, one line.", minLen: 1, maxLen: 200, required: true},
			"context":      {desc: "Why a decision was needed.", maxLen: 10000},
			"options":      {desc: "The options considered.", maxLen: 10000},
			"decision":     {desc: "What was decided.", maxLen: 10000},
			"rationale":    {desc: "Why.", maxLen: 10000},
			"consequences": {desc: "What follows from it.", maxLen: 10000},
			"status":       {desc: "`proposed` when omitted on create.", enum: anys(decision.Statuses)},
			"decided_by":   {desc: "Who decided: a person or a body.", maxLen: 200},
			"decided_at":   {desc: "The date, YYYY-MM-DD.", format: "date"},
			"supersedes":   {desc: "Number of the decision this one replaces.", min: "0"},
			"links":        {maxItems: 50},
		}},
	reflect.TypeFor[canvases.LinkInput](): {desc: "One link of a decision record; see Link.",
		props: map[string]prop{
			"kind":   {enum: anys(decision.LinkKinds), required: true},
			"target": {desc: "What the link points at; see Link.", maxLen: 500, required: true},
			"label":  {desc: "Label.", maxLen: 200},
		}},
	reflect.TypeFor[canvases.DecisionPatch](): {desc: "Fields to change; omitted fields stay. `links`, when sent, " +
		"replaces the whole list.",
		props: map[string]prop{
			"title":        {desc: "The question decided, one line.", minLen: 1, maxLen: 200},
			"context":      {desc: "Why a decision was needed.", maxLen: 10000},
			"options":      {desc: "The options considered.", maxLen: 10000},
			"decision":     {desc: "What was decided.", maxLen: 10000},
			"rationale":    {desc: "Why.", maxLen: 10000},
			"consequences": {desc: "What follows from it.", maxLen: 10000},
			"status":       {desc: "`proposed` when omitted on create.", enum: anys(decision.Statuses)},
			"decided_by":   {desc: "Who decided: a person or a body.", maxLen: 200},
			"decided_at":   {desc: "The date, YYYY-MM-DD.", format: "date"},
			"supersedes":   {desc: "Number of the decision this one replaces.", min: "0"},
			"links":        {maxItems: 50},
			"version": {desc: "The version you read. 0 or omitted skips the check; any other value that is not the " +
				"current version answers 409.", min: "0"},
		}},
}
