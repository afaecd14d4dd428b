package web

import (
	"encoding/json"
	"reflect"
	"slices"

	"github.com/invopop/jsonschema"

	"github.com/atrium-mlops/atrium/internal/atrium"
	"github.com/atrium-mlops/atrium/internal/registry"
	"github.com/atrium-mlops/atrium/internal/telemetry"
	webregistry "github.com/atrium-mlops/atrium/internal/web/registry"
	"github.com/atrium-mlops/atrium/internal/web/respond"
)

// What the API description says about the asset registry: its tag, path
// and query parameters, enumerations and the prose of its types. It is kept
// apart from the shared tables so that each capability's words sit in one
// file; init adds them to those tables before any document is built.

// The registry's standard 404s.
const (
	errAsset   = "No such use case or asset, or the caller cannot see the use case: the answers are identical."
	errVersion = "No such use case, asset or version, or the caller cannot see the use case: the answers are identical."
)

// The registry's query parameters.
var (
	qListAssetKind = &param{name: "kind", in: "query",
		desc:   "Only assets of this kind.",
		schema: &jsonschema.Schema{Ref: schemaRef("AssetKind")}}
	qAliasAt = &param{name: "at", in: "query",
		desc:   "A moment in RFC 3339: answer with the alias as it stood then. Omit for the alias as it is now.",
		schema: &jsonschema.Schema{Type: "string", Format: "date-time", Examples: []any{"2026-03-03T14:00:00Z"}}}
	qLineageDepth = &param{name: "depth", in: "query",
		desc:   "How many hops to follow each way.",
		schema: &jsonschema.Schema{Type: "integer", Minimum: "1", Maximum: num(registry.MaxDepth), Default: registry.DefaultDepth}}
	qSensitivityAt = &param{name: "at", in: "query",
		desc:   "A moment in RFC 3339: answer with the revision in force then. Omit for the current record.",
		schema: &jsonschema.Schema{Type: "string", Format: "date-time", Examples: []any{"2026-03-03T14:00:00Z"}}}
	qRunExperiment = &param{name: "experiment", in: "query",
		desc:   "Only runs of the experiment with this id.",
		schema: str()}
	qAliasReason = &param{name: "reason", in: "query", required: true,
		desc:   "Why the alias is removed; kept in its history.",
		schema: &jsonschema.Schema{Type: "string", MinLength: ptr[uint64](1), MaxLength: ptr[uint64](registry.MaxReason)}}
)

// twinPackages hold domain types that requests send and answers return
// alike (a version's dataset, model and prompt fields). On the request side
// each gets a component of its own, "<Name>Input", strict where the
// answer's is open.
var twinPackages = map[string]bool{reflect.TypeFor[registry.Asset]().PkgPath(): true}

// requestName is the request reflector's name for a Go type.
func (b *docBuilder) requestName(t reflect.Type) string {
	name := b.name(t)
	if t.Kind() != reflect.Struct || !twinPackages[t.PkgPath()] {
		return name
	}
	name += "Input"
	if prev, ok := b.typeOf[name]; ok && prev != t {
		b.fail("%v and %v would both be the schema %s; name one in schemaDocs", prev, t, name)
	}
	b.typeOf[name] = t
	return name
}

// mapRegistry maps what reflection gets wrong: json.RawMessage, which the
// registry uses only for JSON objects (metadata, model configuration).
func mapRegistry(t reflect.Type) *jsonschema.Schema {
	switch t {
	case reflect.TypeFor[json.RawMessage]():
		return &jsonschema.Schema{Type: "object"}
	case reflect.TypeFor[telemetry.HLL]():
		// HLL writes itself as its estimate (telemetry.HLL.MarshalJSON).
		props := jsonschema.NewProperties()
		props.Set("distinct", &jsonschema.Schema{Type: "integer", Description: "Estimated number of distinct subjects (HyperLogLog, about 1.6% error)."})
		return &jsonschema.Schema{Type: "object", Properties: props}
	}
	return nil
}

func init() {
	i := slices.IndexFunc(apiTags, func(t openAPITag) bool { return t.Name == "meta" })
	apiTags = slices.Insert(apiTags, i, openAPITag{Name: "registry", title: "Registry", Description: "The datasets, " +
		"models and prompts of a use case, their immutable numbered versions, and aliases with their history."})
	for k, p := range map[string]*param{
		"assets/{kind}": {component: "AssetKind", name: "kind", in: "path",
			desc: "Kind of the asset: `dataset`, `model` or `prompt`.", schema: &jsonschema.Schema{Ref: schemaRef("AssetKind")}},
		"{kind}/{name}": {component: "AssetName", name: "name", in: "path",
			desc: "Name of the asset, unique among the use case's assets of its kind.", schema: str()},
		"dataset/{name}": {component: "AssetName", name: "name", in: "path",
			desc: "Name of the asset, unique among the use case's assets of its kind.", schema: str()},
		"prompt/{name}": {component: "AssetName", name: "name", in: "path",
			desc: "Name of the asset, unique among the use case's assets of its kind.", schema: str()},
		"runs/{id}": {component: "RunID", name: "id", in: "path",
			desc: "Id of the run: 32 hex digits.", schema: str()},
		"metrics/{key}": {component: "MetricKey", name: "key", in: "path",
			desc: "Key of the metric, such as `loss`.", schema: str()},
		"versions/{n}": {component: "VersionNumber", name: "n", in: "path",
			desc: "Number of the version, from 1.", schema: integer(1)},
		"aliases/{alias}": {component: "AliasName", name: "alias", in: "path",
			desc: "Name of the alias, such as `champion`.", schema: str()},
	} {
		pathParams[k] = p
	}
	for t, e := range map[reflect.Type]enum{
		reflect.TypeFor[registry.Kind]():   {"AssetKind", "What an asset is.", anys(registry.Kinds)},
		reflect.TypeFor[registry.Status](): {"VersionStatus", "Where a version stands: `ready` to use, `deprecated` (still usable, on its way out) or `archived` (no alias may point at it).", []any{registry.Ready, registry.Deprecated, registry.Archived}},
		reflect.TypeFor[registry.DatasetRole](): {"DatasetRole", "What a dataset version is used for.",
			[]any{registry.Training, registry.Validation, registry.Test, registry.Reference}},
		reflect.TypeFor[registry.ColumnType](): {"ColumnType", "The type of a column's values.",
			[]any{registry.Integer, registry.Number, registry.Boolean, registry.String, registry.Timestamp, registry.Categorical}},
		reflect.TypeFor[registry.Classification](): {"Classification", "How sensitive a column's values are, least first.", anys(registry.Classifications)},
		reflect.TypeFor[registry.PromptForm]():     {"PromptForm", "How a prompt is sent to a model.", []any{registry.Chat, registry.Text}},
		reflect.TypeFor[registry.Relation]():       {"Relation", "How one version depends on another, or on a run.", anys(registry.Relations)},
	} {
		enums[t] = e
	}
	for t, d := range registrySchemaDocs {
		schemaDocs[t] = d
	}
}

// registrySchemaDocs describes the registry's types.
var registrySchemaDocs = map[reflect.Type]schemaDoc{
	reflect.TypeFor[registry.Asset](): {desc: "A dataset, model or prompt registered in a use case.",
		props: map[string]prop{
			"usecase_id": {desc: "Id of the use case."},
			"name":       {desc: "Unique among the use case's assets of its kind."},
			"created_by": {desc: "Id of the user who registered it."},
			"versions":   {desc: "How many versions it has; the newest has this number.", min: "0"},
		}},
	reflect.TypeFor[atrium.Page[registry.Asset]](): pageDoc("", "assets", ""),
	reflect.TypeFor[registry.Version](): {desc: "One immutable, numbered version of an asset: where its bytes are, " +
		"what they hash to and the fields of its kind. Only `status` and `status_reason` ever change.",
		props: map[string]prop{
			"asset_id":      {desc: "Id of the asset."},
			"number":        {desc: "From 1, without gaps.", min: "1"},
			"uri":           {desc: "Where the bytes are, in canonical form. Atrium never fetches it."},
			"digest":        {desc: "SHA-256 of the bytes, 64 lower-case hex digits."},
			"size":          {desc: "Size in bytes.", min: "0"},
			"metadata":      {desc: "A JSON object, as sent (keys sorted)."},
			"created_by":    {desc: "Id of the user who registered it."},
			"status_reason": {desc: "Why the status was last changed; empty while it is the first `ready`."},
			"dataset":       {desc: "A dataset version's fields."},
			"model":         {desc: "A model version's fields."},
			"prompt":        {desc: "A prompt version's fields."},
		}},
	reflect.TypeFor[atrium.Page[registry.Version]](): pageDoc("", "versions", "Number of versions of the asset."),
	reflect.TypeFor[registry.DatasetInfo](): {desc: "What a dataset version holds and how it may be used.",
		props: map[string]prop{
			"schema":      {desc: "Its columns.", maxItems: registry.MaxColumns},
			"source":      {desc: "Where the data came from: a system, a query, a vendor.", maxLen: registry.MaxURI},
			"owner":       {desc: "Who answers for it.", maxLen: 200},
			"sensitivity": {desc: "What was known about its personal data at registration."},
		}},
	reflect.TypeFor[registry.Column](): {desc: "One column of a schema or a model signature.",
		props: map[string]prop{"name": {minLen: 1, maxLen: 200}}},
	reflect.TypeFor[registry.Profile](): {desc: "A summary of a dataset version's contents, computed by streaming: " +
		"distinct counts and quantiles are estimates.",
		props: map[string]prop{
			"rows":    {min: "0"},
			"bytes":   {min: "0"},
			"format":  {enum: []any{"", "csv", "jsonl", "parquet"}},
			"columns": {maxItems: registry.MaxColumns},
		}},
	reflect.TypeFor[registry.ColumnProfile](): {desc: "What one column's values look like. Statistics are for " +
		"numbers; `top` for strings, categories and booleans.",
		props: map[string]prop{
			"count":     {desc: "Values present (not null).", min: "0"},
			"nulls":     {min: "0"},
			"distinct":  {desc: "An estimate.", min: "0"},
			"quantiles": {maxItems: registry.MaxQuantiles},
			"histogram": {maxItems: registry.MaxBins},
			"top":       {desc: "The most frequent values.", maxItems: registry.MaxTop},
			"suggested": {desc: "The classification the PII check proposes; a person confirms it in `sensitivity`."},
		}},
	reflect.TypeFor[registry.Quantile](): {desc: "The estimated value below which a share `q` of the values lie.",
		props: map[string]prop{"q": {min: "0", max: "1"}}},
	reflect.TypeFor[registry.Bin](): {desc: "One bar of a histogram: the values from `low` up to `high` (the last " +
		"bin includes `high`).",
		props: map[string]prop{"count": {min: "0"}}},
	reflect.TypeFor[registry.TopValue](): {desc: "A frequent value and how often it occurs.",
		props: map[string]prop{"value": {maxLen: registry.MaxTagValue}, "count": {min: "0"}}},
	reflect.TypeFor[registry.Suggestion](): {desc: "A classification the PII check proposes, with why.",
		props: map[string]prop{
			"reason":   {examples: []any{"values look like e-mail addresses"}},
			"detector": {examples: []any{"email", "phone", "iban", "card", "national-id", "birth-date", "name"}},
		}},
	reflect.TypeFor[registry.Sensitivity](): {desc: "What the people responsible say about a dataset's personal " +
		"data.",
		props: map[string]prop{
			"columns":     {desc: "Classification by column name; each must be in the schema when one is given."},
			"legal_basis": {desc: "The legal basis for processing it.", maxLen: registry.MaxReason},
			"consent":     {desc: "Consent notes.", maxLen: registry.MaxReason},
			"retention":   {desc: "How long it is kept, such as `3 years after the contract ends`.", maxLen: 200},
		}},
	reflect.TypeFor[registry.ModelInfo](): {desc: "What a model version is and what it was made from.",
		props: map[string]prop{
			"framework":       {examples: []any{"xgboost", "pytorch", "scikit-learn"}, maxLen: 200},
			"task":            {examples: []any{"classification", "regression", "ranking", "generation"}, maxLen: 200},
			"parameters":      {desc: "Hyperparameters by name.", items: &prop{maxLen: registry.MaxTagValue}},
			"training_data":   {desc: "The dataset versions of this use case it was trained on.", maxItems: registry.MaxRefs},
			"evaluation_data": {desc: "The dataset versions of this use case it was evaluated on.", maxItems: registry.MaxRefs},
			"code":            {desc: "The code it was trained with."},
			"run_id":          {desc: "The experiment-tracking run that produced it.", pattern: "^[A-Za-z0-9]{1,64}$"},
			"release_notes":   {maxLen: registry.MaxDescription},
		}},
	reflect.TypeFor[registry.Signature](): {desc: "What a model takes and returns."},
	reflect.TypeFor[registry.VersionRef](): {desc: "A version of a dataset of the same use case.",
		props: map[string]prop{"version": {min: "1"}}},
	reflect.TypeFor[registry.CodeRef](): {desc: "A repository and the commit the code was at.",
		props: map[string]prop{"commit": {pattern: "^[0-9a-f]{7,64}$"}}},
	reflect.TypeFor[registry.PromptInfo](): {desc: "A prompt version: its template with `{{ name }}` variables " +
		"and the model settings it was written for.",
		props: map[string]prop{
			"template":     {minLen: 1, maxLen: registry.MaxTemplate},
			"form":         {desc: "`text` when omitted."},
			"variables":    {desc: "The names of its variables, sorted; derived from the template, whatever is sent."},
			"model_config": {desc: "The model settings the prompt was written for: model name, temperature, …"},
		}},
	reflect.TypeFor[registry.Alias](): {desc: "A named pointer at one version of an asset, with who moved it there, " +
		"when and why.",
		props: map[string]prop{
			"version":  {min: "1"},
			"moved_by": {desc: "Id of the user who moved it."},
		}},
	reflect.TypeFor[respond.List[registry.Alias]](): {desc: "Every alias of the asset, by name, in `items`: the " +
		"list is not paged."},
	reflect.TypeFor[registry.AliasMove](): {desc: "One move of an alias.",
		props: map[string]prop{
			"from":     {desc: "The version it pointed at before; 0 when the move created the alias.", min: "0"},
			"to":       {desc: "The version it points at after; 0 when the move removed the alias.", min: "0"},
			"moved_by": {desc: "Id of the user who moved it."},
		}},
	reflect.TypeFor[atrium.Page[registry.AliasMove]](): pageDoc("", "alias moves, oldest first", ""),
	reflect.TypeFor[webregistry.AssetInput](): {desc: "A new asset.",
		props: map[string]prop{
			"kind": {required: true},
			"name": {desc: "Lower-case letters and digits with inner `-`, `_` or `.`; unique among the use case's " +
				"assets of the kind.", pattern: "^[a-z0-9]([a-z0-9._-]*[a-z0-9])?$", maxLen: registry.MaxName, required: true},
			"description": {maxLen: registry.MaxDescription},
			"tags":        {desc: "At most 50; keys of letters, digits and `_ . : / -`.", items: &prop{maxLen: registry.MaxTagValue}},
		}},
	reflect.TypeFor[webregistry.VersionInput](): {desc: "A new version. Send the fields of the asset's kind only.",
		props: map[string]prop{
			"uri":         {desc: "Where the bytes are, with an allowed scheme.", minLen: 1, maxLen: registry.MaxURI, required: true, examples: []any{"s3://models/credit/7/model.onnx"}},
			"digest":      {desc: "SHA-256 of the bytes: 64 hex digits, optionally prefixed `sha256:`.", required: true},
			"size":        {desc: "Size in bytes.", min: "0"},
			"description": {maxLen: registry.MaxDescription},
			"metadata":    {desc: "Any JSON object of at most 64 KiB."},
			"tags":        {desc: "At most 50; keys of letters, digits and `_ . : / -`.", items: &prop{maxLen: registry.MaxTagValue}},
			"dataset":     {desc: "For a dataset version."},
			"model":       {desc: "For a model version."},
			"prompt":      {desc: "For a prompt version, which needs it."},
		}},
	reflect.TypeFor[webregistry.StatusInput](): {desc: "A new status for a version, with the reason.",
		props: map[string]prop{
			"status": {required: true},
			"reason": {minLen: 1, maxLen: registry.MaxReason, required: true},
		}},
	reflect.TypeFor[webregistry.AliasInput](): {desc: "The version an alias is to point at, with the reason.",
		props: map[string]prop{
			"version": {desc: "Number of the version.", min: "1", required: true},
			"reason":  {desc: "Why it moves; kept in the alias's history.", minLen: 1, maxLen: registry.MaxReason, required: true},
		}},
	reflect.TypeFor[webregistry.RenderInput](): {desc: "Which prompt version to fill in, and with what.",
		props: map[string]prop{
			"version":   {desc: "Number of the version; 0 or omitted for the alias or the newest.", min: "0"},
			"alias":     {desc: "Name of an alias; empty or omitted for the version or the newest."},
			"variables": {desc: "A value for each of the template's variables, and no others."},
		}},
	reflect.TypeFor[webregistry.Rendered](): {desc: "A prompt filled in.",
		props: map[string]prop{
			"version": {desc: "The version that was rendered.", min: "1"},
			"text":    {desc: "The template with every variable filled in."},
		}},
	reflect.TypeFor[registry.Node](): {name: "LineageNode", desc: "A version of the use case's registry (`kind`, `name`, " +
		"`version`) or, with only `run` set, an experiment-tracking run.",
		props: map[string]prop{
			"version": {min: "0"},
			"run":     {desc: "Id of a run: 1–64 letters or digits.", pattern: "^([A-Za-z0-9]{1,64})?$"},
		}},
	reflect.TypeFor[registry.Edge](): {name: "LineageEdge", desc: "One lineage fact: `from` depends on `to` by `relation`.",
		props: map[string]prop{"created_by": {desc: "Id of the user who recorded it; the version's creator for edges a " +
			"model version's own fields imply."}}},
	reflect.TypeFor[registry.Graph](): {name: "LineageGraph", desc: "Lineage as nodes and the edges between them.",
		props: map[string]prop{"truncated": {desc: "Set when the graph was larger than one answer holds."}}},
	reflect.TypeFor[registry.Evaluation](): {desc: "A metric result of a model or prompt version on a dataset version of " +
		"the same use case. Evaluations never change.",
		props: map[string]prop{
			"version": {desc: "The model or prompt version evaluated."},
			"slice":   {desc: "Empty for the whole dataset, or `key=value` pairs joined by commas, sorted by key."},
			"samples": {desc: "How many examples the value is over; 0 when not recorded.", min: "0"},
		}},
	reflect.TypeFor[respond.List[registry.Evaluation]](): {desc: "Every evaluation of the version, oldest first, in " +
		"`items`: the list is not paged."},
	reflect.TypeFor[registry.ObjectiveCheck](): {desc: "How one version stands against one measurable objective.",
		props: map[string]prop{
			"state":      {enum: []any{registry.Met, registry.NotMet, registry.NotMeasured}},
			"metric":     {desc: "The evaluation metric compared."},
			"slice":      {desc: "The slice compared; empty for the whole dataset."},
			"value":      {desc: "The value compared, when there was one."},
			"evaluation": {desc: "The result the value came from."},
			"reason":     {desc: "The state in words."},
		}},
	reflect.TypeFor[registry.VersionObjectives](): {desc: "One model or prompt version against every evaluation " +
		"objective of its use case, with the counts per state."},
	reflect.TypeFor[respond.List[registry.VersionObjectives]](): {desc: "Every model and prompt version (newest first " +
		"per asset, at most 500) in `items`: the list is not paged."},
	reflect.TypeFor[registry.SensitivityRecord](): {desc: "A dataset version's sensitivity as it stands or stood: what " +
		"people confirmed, the revision, who changed it and when.",
		props: map[string]prop{
			"revision":  {desc: "Counts the changes: 1 for the first; 0 when nothing was ever set.", min: "0"},
			"proposals": {desc: "The profile's suggestions for columns not yet classified; only on the current record."},
		}},
	reflect.TypeFor[registry.Proposal](): {desc: "A classification the profile suggests for a column no one has " +
		"confirmed."},
	reflect.TypeFor[respond.List[registry.SensitivityRecord]](): {desc: "Every revision, newest first, in `items`: " +
		"the list is not paged."},
	reflect.TypeFor[webregistry.EdgeInput](): {desc: "A new lineage edge.",
		props: map[string]prop{
			"from":     {desc: "The dependent version.", required: true},
			"to":       {desc: "What it depends on: a version, or `{\"run\": \"<id>\"}`.", required: true},
			"relation": {required: true},
		}},
	reflect.TypeFor[webregistry.EvaluationInput](): {desc: "A metric result to record.",
		props: map[string]prop{
			"dataset": {desc: "The dataset version of the use case it was measured on.", required: true},
			"metric":  {desc: "What was measured, such as `AUC`.", minLen: 1, maxLen: registry.MaxMetric, required: true},
			"value":   {desc: "A finite number.", required: true},
			"slice":   {desc: "`key=value` pairs joined by commas, such as `segment=young`; empty for the whole dataset.", maxLen: registry.MaxSlice},
			"samples": {desc: "How many examples the value is over; 0 when not recorded.", min: "0"},
			"note":    {maxLen: registry.MaxNote},
		}},
	reflect.TypeFor[registry.Experiment](): {desc: "An experiment-tracking experiment of the use case: a group of runs.",
		props: map[string]prop{
			"creation_time":    {desc: "Milliseconds since the Unix epoch."},
			"last_update_time": {desc: "Milliseconds since the Unix epoch."},
		}},
	reflect.TypeFor[atrium.Page[registry.Experiment]](): pageDoc("", "experiments", ""),
	reflect.TypeFor[webregistry.RunView](): {name: "Run", desc: "One execution of training or evaluation code, as MLflow's " +
		"client logged it.",
		props: map[string]prop{
			"start_time": {desc: "Milliseconds since the Unix epoch."},
			"end_time":   {desc: "Milliseconds since the Unix epoch; absent while the run has not ended."},
			"user":       {desc: "The user as the client named it."},
			"created_by": {desc: "Id of the Atrium user whose token created the run."},
			"metrics":    {desc: "The latest value of each metric."},
		}},
	reflect.TypeFor[atrium.Page[webregistry.RunView]](): pageDoc("RunPage", "runs, newest first", ""),
	reflect.TypeFor[webregistry.MetricValue](): {desc: "One logged value of a metric.",
		props: map[string]prop{
			"non_finite": {desc: "Set, with `value` 0, when the value logged was not a finite number: JSON cannot hold it.",
				enum: []any{"", "NaN", "Infinity", "-Infinity"}},
			"timestamp": {desc: "Milliseconds since the Unix epoch."},
		}},
	reflect.TypeFor[atrium.Page[webregistry.MetricValue]](): pageDoc("MetricValuePage", "metric values, by step and time", ""),
}
