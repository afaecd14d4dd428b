package web

import (
	"reflect"
	"slices"

	"github.com/invopop/jsonschema"

	"github.com/atrium-mlops/atrium/internal/atrium"
	"github.com/atrium-mlops/atrium/internal/telemetry"
	"github.com/atrium-mlops/atrium/internal/web/respond"
	webtelemetry "github.com/atrium-mlops/atrium/internal/web/telemetry"
)

// What the API description says about ingestion and a use case's
// telemetry: the tag, the ingestion key's security scheme, parameters,
// enumerations and the prose of the types.

// ingestErrs are the answers every ingestion route can give, with more.
func ingestErrs(more errs) errs {
	out := errs{
		400: "The body is not valid: not JSON (or NDJSON), not gzip when it says so, more than 10,000 events, or " +
			"(a single event) the event itself; `detail` says why.",
		401: "No ingestion key was sent (a user's API token or session is not one), or the key is not valid or " +
			"was revoked, or its use case is archived.",
		413: "The body is larger than 8 MiB as sent or 32 MiB decompressed, or one event is larger than 64 KiB.",
		429: "Too many requests with this key; `Retry-After` says when to try again.",
		503: "The server is too busy to take more events now (`Retry-After` says when to try again), or it takes " +
			"none at all.",
	}
	for k, v := range more {
		out[k] = v
	}
	return out
}

// Query parameters of the telemetry reads.
var (
	qPredModel = &param{name: "model", in: "query",
		desc: "Only events of the model asset with this name.", schema: str()}
	qPredVersion = &param{name: "version", in: "query",
		desc: "Only events of this version of the model.", schema: integer(1)}
	qPredFrom = &param{name: "from", in: "query",
		desc:   "Only predictions made at or after this time (RFC 3339).",
		schema: &jsonschema.Schema{Type: "string", Format: "date-time", Examples: []any{"2026-03-03T00:00:00Z"}}}
	qPredTo = &param{name: "to", in: "query",
		desc:   "Only predictions made before this time (RFC 3339).",
		schema: &jsonschema.Schema{Type: "string", Format: "date-time", Examples: []any{"2026-03-04T00:00:00Z"}}}
	qPredErrors = &param{name: "errors", in: "query",
		desc:   "`true` for failed predictions only.",
		schema: &jsonschema.Schema{Type: "boolean"}}
	qAggFrom = &param{name: "from", in: "query",
		desc:   "Start of the window (RFC 3339); 24 hours before `to` when omitted.",
		schema: &jsonschema.Schema{Type: "string", Format: "date-time"}}
	qAggTo = &param{name: "to", in: "query",
		desc:   "End of the window (RFC 3339), exclusive; now when omitted.",
		schema: &jsonschema.Schema{Type: "string", Format: "date-time"}}
	qAggSegment = &param{name: "segment", in: "query",
		desc: "Only one slice: empty for all events, `name=value` for the events with that segment attribute. " +
			"Omit for every slice.", schema: str()}
)

// The ingestion key's security scheme.
var ingestKeyScheme = &securityScheme{Type: "http", Scheme: "bearer", Description: "An ingestion key, `atri_…`, sent " +
	"as `Authorization: Bearer atri_…`. It reports events for one use case and does nothing else; API tokens and " +
	"sessions are not accepted on the ingestion routes. Owners create keys on the use case's Telemetry page or with " +
	"POST /api/v1/usecases/{slug}/ingest-keys."}

// securityOf is an operation's own security requirement, when it differs
// from the document's (nil: it does not).
func securityOf(rt route) *[]map[string][]string {
	switch rt.access {
	case public:
		return &[]map[string][]string{}
	case ingest:
		return &[]map[string][]string{{"ingestKey": {}}}
	}
	return nil
}

func init() {
	i := slices.IndexFunc(apiTags, func(t openAPITag) bool { return t.Name == "meta" })
	apiTags = slices.Insert(apiTags, i, openAPITag{Name: "ingestion", title: "Ingestion", Description: "What models " +
		"report from production, with an ingestion key: predictions, outcomes and feedback; and, for a use case's " +
		"people, its keys, privacy policy, risk flag, predictions and hourly aggregates."})
	securitySchemes["ingestKey"] = ingestKeyScheme
	// Events are sent and read back alike; the request side gets
	// components of its own ("PredictionInput", …).
	twinPackages[reflect.TypeFor[telemetry.Prediction]().PkgPath()] = true
	pathParams["ingest-keys/{id}"] = &param{component: "IngestKeyID", name: "id", in: "path",
		desc: "Id of the ingestion key.", schema: str()}
	pathParams["predictions/{id}"] = &param{component: "PredictionID", name: "id", in: "path",
		desc: "Id of the prediction: the client's, or the one Atrium assigned.", schema: str()}
	for t, e := range map[reflect.Type]enum{
		reflect.TypeFor[telemetry.ItemStatus](): {"ItemStatus", "What became of one event: `accepted` (stored now), " +
			"`duplicate` (stored before, nothing changed) or `refused` (not stored; `error` says why).",
			[]any{telemetry.Accepted, telemetry.Duplicate, telemetry.Refused}},
		reflect.TypeFor[telemetry.FeedbackKind]():   {"FeedbackKind", "What sort of thing a person said.", anys(telemetry.FeedbackKinds)},
		reflect.TypeFor[telemetry.FeedbackStatus](): {"FeedbackStatus", "Where a piece of feedback is in triage.", anys(telemetry.FeedbackStatuses)},
	} {
		enums[t] = e
	}
	for t, d := range telemetrySchemaDocs {
		schemaDocs[t] = d
	}
}

// telemetrySchemaDocs describes the types of ingestion and telemetry.
var telemetrySchemaDocs = map[reflect.Type]schemaDoc{
	reflect.TypeFor[telemetry.Prediction](): {desc: "One answer of a model version, as reported and as stored.",
		props: map[string]prop{
			"id":            {desc: "Your id, to make retries safe (letters, digits and `. _ : -`, at most 128); one is assigned when omitted.", maxLen: telemetry.MaxID},
			"model":         {desc: "Name of the model asset; the key's default model when omitted.", maxLen: telemetry.MaxName},
			"version":       {desc: "A version number or an alias; `champion` when set, else the newest version, when omitted."},
			"model_version": {desc: "The version the event was resolved to; set by Atrium."},
			"alias":         {desc: "The alias it was resolved through, if any; set by Atrium."},
			"time":          {desc: "When the prediction was made; now when omitted. At most an hour ahead."},
			"subject":       {desc: "Who or what it is about, in your terms; stored only as a keyed hash (`s_…`)."},
			"segments":      {desc: "At most 8 attributes to slice by (cohort, region), short strings."},
			"features":      {desc: "The model's inputs: a flat object of at most 256 numbers, strings, booleans and nulls."},
			"latency_ms":    {desc: "How long the model took, in milliseconds.", min: "0"},
			"error":         {desc: "Set when the call failed (`timeout`, `error`); then there is no output."},
			"explanation":   {desc: "Contribution of each feature to the answer."},
			"source":        {desc: "How the event arrived: `api`, `otlp`, `gateway`; set by Atrium."},
		}},
	reflect.TypeFor[telemetry.Output](): {desc: "What the model answered: a label, a score, a value, or a label with its score.",
		props: map[string]prop{
			"score": {desc: "A probability or confidence from 0 to 1.", min: "0", max: "1"},
		}},
	reflect.TypeFor[atrium.Page[telemetry.Prediction]](): pageDoc("", "predictions, newest first", ""),
	reflect.TypeFor[telemetry.Outcome](): {desc: "The actual label or value for an earlier prediction.",
		props: map[string]prop{
			"prediction_id": {desc: "Id of the prediction it is the outcome of.", required: true},
			"time":          {desc: "When the outcome became known; now when omitted."},
		}},
	reflect.TypeFor[telemetry.Feedback](): {desc: "What a person said about the model or one of its predictions.",
		props: map[string]prop{
			"id":            {desc: "Your id, to make retries safe; one is assigned when omitted.", maxLen: telemetry.MaxID},
			"prediction_id": {desc: "The prediction it is about, if any."},
			"kind":          {required: true},
			"value":         {desc: "`up` or `down` for thumbs, `1` to `5` for a rating, what the answer should have been for a correction."},
			"text":          {desc: "What the person wrote.", maxLen: telemetry.MaxText},
			"contact":       {desc: "Where the person wants to hear back.", maxLen: telemetry.MaxContact},
			"time":          {desc: "When it was given; now when omitted."},
			"author_id":     {desc: "Set by Atrium for feedback from a signed-in user."},
			"author_name":   {desc: "Set by Atrium."},
			"link_id":       {desc: "The feedback link it came through; set by Atrium."},
			"key_id":        {desc: "The ingestion key it came through; set by Atrium."},
			"status":        {desc: "Set by Atrium: `new` when it arrives."},
			"assignee_id":   {desc: "Set in triage."},
			"assignee_name": {desc: "Set in triage."},
			"note":          {desc: "What became of it; set in triage."},
			"decision_ids":  {desc: "Decisions it led to; set in triage."},
			"model_version": {desc: "The version of the prediction it is about; set by Atrium."},
			"updated_at":    {desc: "Set by Atrium."},
			"receipt":       {desc: "Set by Atrium for public feedback only, once."},
		}},
	reflect.TypeFor[telemetry.ItemResult](): {desc: "What became of one event of a request.",
		props: map[string]prop{
			"index": {desc: "Position of the event in the request, from 0.", min: "0"},
			"id":    {desc: "Id of the event: the one sent, or the one assigned."},
			"code":  {desc: "For a refused event: the error code, as in a problem document.", enum: anys(append([]string{""}, respond.Codes()...))},
			"error": {desc: "For a refused event: why, for people."},
		}},
	reflect.TypeFor[webtelemetry.BatchAnswer](): {desc: "What became of every event of a batch.",
		props: map[string]prop{
			"accepted":   {desc: "Events stored now.", min: "0"},
			"duplicates": {desc: "Events stored before, unchanged.", min: "0"},
			"refused":    {desc: "Events not stored.", min: "0"},
			"items":      {desc: "One answer per event, in the order sent."},
		}},
	reflect.TypeFor[telemetry.IngestKey](): {desc: "A credential that lets a client report events for one use case and nothing else.",
		props: map[string]prop{
			"prefix":       {desc: "The secret's first characters, to tell keys apart."},
			"model":        {desc: "The model an event that names none is about: `name` or `name@alias`."},
			"created_by":   {desc: "Id of the user who created it."},
			"revoked_at":   {desc: "When it was revoked; absent while it works."},
			"last_used_at": {desc: "When it last sent a request (to within a minute)."},
		}},
	reflect.TypeFor[respond.List[telemetry.IngestKey]](): {desc: "Every ingestion key of the use case in `items`: the list is not paged."},
	reflect.TypeFor[webtelemetry.KeyInput](): {desc: "A new ingestion key.",
		props: map[string]prop{
			"name":  {desc: "Says which client sends with it.", minLen: 1, maxLen: 100, required: true},
			"model": {desc: "The model an event that names none is about: `name` or `name@alias`.", maxLen: 200},
		}},
	reflect.TypeFor[webtelemetry.CreatedKey](): {desc: "A new ingestion key with its secret, shown this once.",
		props: map[string]prop{"secret": {desc: "The key, `atri_…`: send it as `Authorization: Bearer <secret>`."}}},
	reflect.TypeFor[telemetry.Policy](): {desc: "A use case's privacy policy for what it ingests.",
		props: map[string]prop{
			"drop":           {desc: "Features and segments removed before anything is stored."},
			"hash":           {desc: "Features and segments stored only as a keyed hash (`h_…`)."},
			"mask_text":      {desc: "Whether e-mail addresses, phone numbers, IBANs and card numbers in free text are masked."},
			"retention_days": {desc: "How long features and explanations are kept; 0 keeps them.", min: "0"},
			"version":        {desc: "Counts the changes: 0 until one is saved.", min: "0"},
			"updated_by":     {desc: "Id of the user who saved it last."},
		}},
	reflect.TypeFor[webtelemetry.PolicyInput](): {desc: "A new privacy policy.",
		props: map[string]prop{
			"drop":           {desc: "Feature and segment names to remove before anything is stored."},
			"hash":           {desc: "Feature and segment names to store only as a keyed hash."},
			"mask_text":      {desc: "Mask e-mail addresses, phone numbers, IBANs and card numbers in free text."},
			"retention_days": {desc: "Days to keep features and explanations; 0 keeps them. At least 180 (or 0) for a high-risk use case.", min: "0"},
			"version":        {desc: "The version read; the save is refused with 409 if it changed since.", min: "0", required: true},
		}},
	reflect.TypeFor[webtelemetry.RiskInput](): {desc: "Whether the use case is a high-risk AI system.",
		props: map[string]prop{"high_risk": {required: true}}},
	reflect.TypeFor[webtelemetry.AggregateRow](): {desc: "The aggregate of one model version, hour and segment.",
		props: map[string]prop{
			"model":         {desc: "Name of the model asset; empty for feedback about no prediction."},
			"model_version": {desc: "0 for feedback about no prediction.", min: "0"},
			"hour":          {desc: "Start of the hour, UTC."},
			"segment":       {desc: "Empty for all events, else `name=value`."},
			"aggregate":     {desc: "The sketches and counts of the hour."},
		}},
	reflect.TypeFor[telemetry.Aggregate](): {desc: "What the events of one hour, model version and segment add up to. Every " +
		"part merges exactly, so the aggregates of many commits and replicas equal a recount from the raw events.",
		props: map[string]prop{
			"predictions":  {desc: "Predictions counted.", min: "0"},
			"errors":       {desc: "Predictions whose call failed with `error`.", min: "0"},
			"timeouts":     {desc: "Predictions whose call failed with `timeout`.", min: "0"},
			"latency_ms":   {desc: "Latency in milliseconds."},
			"score_bins":   {desc: "Scores counted in equal bins over [0, 1]."},
			"score_sum":    {desc: "Sum of the scores."},
			"labels":       {desc: "Labels answered."},
			"values":       {desc: "Regression values answered."},
			"value_sum_sq": {desc: "Sum of the squared values."},
			"features":     {desc: "Per feature: numbers, reference bins and categories."},
			"subjects":     {desc: "Distinct subjects (on the segment of all events only)."},
			"outcomes":     {desc: "Quality, from outcomes, counted at the prediction's time."},
			"feedback":     {desc: "Feedback, counted at the prediction's time (or its own, when it names none)."},
		}},
	reflect.TypeFor[telemetry.Sketch](): {desc: "A quantile sketch with 1 % relative accuracy: counts in logarithmic buckets.",
		props: map[string]prop{
			"count": {desc: "Values added.", min: "0"},
			"zero":  {desc: "Values that were 0.", min: "0"},
			"min":   {desc: "Smallest value; meaningful when `count` is above 0."},
			"max":   {desc: "Largest value; meaningful when `count` is above 0."},
			"pos":   {desc: "Buckets of positive values."},
			"neg":   {desc: "Buckets of negative values (by magnitude)."},
		}},
	reflect.TypeFor[telemetry.Buckets](): {desc: "Consecutive logarithmic buckets: `counts[i]` is the bucket `offset + i`."},
	reflect.TypeFor[telemetry.Counts](): {desc: "Exact counts per value, up to a cap; what does not fit is counted in `overflow`.",
		props: map[string]prop{"overflow": {desc: "Values past the cap.", min: "0"}}},
	reflect.TypeFor[telemetry.FeatureAgg](): {desc: "One feature's values: numbers in a sketch and in the reference dataset's " +
		"bins, strings and booleans as categories.",
		props: map[string]prop{
			"edges":      {desc: "Bin edges from the reference dataset's profile, ascending."},
			"bins":       {desc: "Counts per bin: below the first edge, between edges, from the last edge on; empty without a reference."},
			"bins_mixed": {desc: "Set when events were binned with different edges; the bins are then not comparable."},
			"missing":    {desc: "Events with the feature null.", min: "0"},
		}},
	reflect.TypeFor[telemetry.OutcomeAgg](): {desc: "Quality figures from the outcomes of the hour's predictions.",
		props: map[string]prop{
			"labelled":       {desc: "Outcomes that arrived.", min: "0"},
			"confusion":      {desc: "Counts of (actual, answered) label pairs, keyed actual + U+001F + answered."},
			"pos_score_bins": {desc: "Scores of predictions whose outcome was positive, in the score bins."},
			"neg_score_bins": {desc: "Scores of predictions whose outcome was negative, in the score bins."},
			"scored":         {desc: "Outcomes of predictions with a score.", min: "0"},
			"log_loss_sum":   {desc: "Sum of the log loss of scored predictions."},
			"brier_sum":      {desc: "Sum of the Brier score of scored predictions."},
			"regression":     {desc: "Outcomes with a value, of predictions with a value.", min: "0"},
			"abs_err_sum":    {desc: "Sum of absolute errors."},
			"sq_err_sum":     {desc: "Sum of squared errors."},
			"ape_sum":        {desc: "Sum of absolute percentage errors, over outcomes not 0."},
			"ape_count":      {desc: "Outcomes counted in `ape_sum`.", min: "0"},
			"actual_sum":     {desc: "Sum of the actual values."},
			"actual_sq_sum":  {desc: "Sum of the squared actual values."},
		}},
	reflect.TypeFor[telemetry.FeedbackAgg](): {desc: "Feedback counts.",
		props: map[string]prop{
			"by_kind":      {desc: "Pieces of feedback per kind."},
			"thumbs_up":    {min: "0"},
			"thumbs_down":  {min: "0"},
			"rating_sum":   {desc: "Sum of the ratings."},
			"rating_count": {desc: "Ratings given.", min: "0"},
			"overrides":    {desc: "Corrections that differ from the answer.", min: "0"},
		}},
	reflect.TypeFor[respond.List[webtelemetry.AggregateRow]](): {desc: "The aggregates in `items`, by hour, model, version and segment: the list is not paged."},
}
