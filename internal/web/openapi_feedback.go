package web

import (
	"reflect"
	"slices"

	"github.com/invopop/jsonschema"

	"github.com/atrium-mlops/atrium/internal/atrium"
	"github.com/atrium-mlops/atrium/internal/telemetry"
	"github.com/atrium-mlops/atrium/internal/web/feedback"
	"github.com/atrium-mlops/atrium/internal/web/respond"
)

// What the API description says about people's feedback: its tag, the
// inbox's filters, the link and feedback ids, the kinds and states, and the
// prose of its types (see openapi_registry.go for the pattern).

// The inbox's filters.
var (
	qFeedbackKind = &param{name: "kind", in: "query",
		desc:   "Only feedback of this kind.",
		schema: &jsonschema.Schema{Ref: schemaRef("FeedbackKind")}}
	qFeedbackStatus = &param{name: "status", in: "query",
		desc:   "Only feedback in this triage state.",
		schema: &jsonschema.Schema{Ref: schemaRef("FeedbackStatus")}}
	qFeedbackVersion = &param{name: "version", in: "query",
		desc:   "Only feedback about predictions of this model version.",
		schema: integer(1)}
	qFeedbackAssignee = &param{name: "assignee", in: "query",
		desc:   "Only feedback assigned to the user with this id.",
		schema: str()}
	qFeedbackSaid = &param{name: "said", in: "query",
		desc:   "`true`: only feedback with words in it — corrections, bug reports, comments, and thumbs or ratings that came with a text.",
		schema: &jsonschema.Schema{Type: "boolean"}}
)

func init() {
	i := slices.IndexFunc(apiTags, func(t openAPITag) bool { return t.Name == "meta" })
	apiTags = slices.Insert(apiTags, i, openAPITag{Name: "feedback", title: "Feedback", Description: "What people " +
		"say about a use case's model, given through public feedback links (no account needed) or sent by the " +
		"application, and the team's triage of it. See docs/feedback.md."})
	pathParams["feedback-links/{id}"] = &param{component: "FeedbackLinkID", name: "id", in: "path",
		desc: "Id of the feedback link.", schema: str()}
	pathParams["feedback/{id}"] = &param{component: "FeedbackID", name: "id", in: "path",
		desc: "Id of the feedback.", schema: str()}
	enums[reflect.TypeFor[telemetry.FeedbackKind]()] = enum{"FeedbackKind", "What sort of thing a person said: " +
		"`thumbs` (value `up` or `down`), `rating` (value `1` to `5`), `correction` (value: what the answer should " +
		"have been), `bug` (a problem report) or `comment`.", anys(telemetry.FeedbackKinds)}
	enums[reflect.TypeFor[telemetry.FeedbackStatus]()] = enum{"FeedbackStatus", "Where feedback is in the team's " +
		"triage: `new`, `triaged` (read, being looked at), `actioned` (acted on), `dismissed` (no change).",
		anys(telemetry.FeedbackStatuses)}
	for t, d := range feedbackSchemaDocs {
		schemaDocs[t] = d
	}
}

// feedbackSchemaDocs describes the feedback types.
var feedbackSchemaDocs = map[reflect.Type]schemaDoc{
	reflect.TypeFor[telemetry.FeedbackLink](): {desc: "A public, revocable address where people without an account " +
		"give feedback on one use case.",
		props: map[string]prop{
			"name":       {desc: "Where the link is used, for the team."},
			"origins":    {desc: "The sites (`https://host[:port]`) allowed to embed the feedback widget."},
			"created_by": {desc: "Id of the user who created it."},
			"expires_at": {desc: "When it stops working; absent: never."},
			"revoked_at": {desc: "When it was closed; absent while open."},
			"url":        {desc: "The public address: only in the answer that creates the link."},
		}},
	reflect.TypeFor[respond.List[telemetry.FeedbackLink]](): {desc: "Every feedback link of a use case."},
	reflect.TypeFor[feedback.NewLink](): {desc: "A new feedback link.",
		props: map[string]prop{
			"name":            {desc: "Where the link will be used.", required: true, minLen: 1, maxLen: 100},
			"origins":         {desc: "Sites allowed to embed the widget, `https://host[:port]` each.", maxItems: 20},
			"expires_in_days": {desc: "Close the link after this many days; 0 or absent: never.", min: "0", max: "3660"},
		}},
	reflect.TypeFor[telemetry.Feedback](): {desc: "One thing a person said about the model or one of its predictions, " +
		"with the team's triage.",
		props: map[string]prop{
			"prediction_id": {desc: "The prediction it is about; absent for feedback on the service as a whole."},
			"value":         {desc: "`up`/`down` for thumbs, `1`–`5` for a rating, the right answer for a correction."},
			"text":          {desc: "What the person wrote, masked by the use case's privacy policy."},
			"contact":       {desc: "An address the person left to hear back; editors only."},
			"time":          {desc: "When it was given."},
			"author_id":     {desc: "Id of the user who gave it, when signed in."},
			"author_name":   {desc: "Name of that user."},
			"link_id":       {desc: "Id of the feedback link it came through."},
			"key_id":        {desc: "Id of the ingestion key it was sent with."},
			"assignee_id":   {desc: "Id of the user looking after it."},
			"assignee_name": {desc: "Name of that user."},
			"note":          {desc: "What became of it, shown to its author on their receipt page."},
			"decision_ids":  {desc: "Numbers of the use case's decisions it is linked to."},
			"model_version": {desc: "Version of the model whose prediction it is about."},
			"updated_at":    {desc: "When its triage last changed."},
			"receipt":       {desc: "Never in the API's answers: the receipt is given only to the author."},
		}},
	reflect.TypeFor[atrium.Page[telemetry.Feedback]](): pageDoc("", "feedback", ""),
	reflect.TypeFor[feedback.FeedbackPatch](): {desc: "One triage step; omitted members stay as they are.",
		props: map[string]prop{
			"status":          {desc: "The new triage state."},
			"assignee_id":     {desc: "Id of a user with a role on the use case; `\"\"` unassigns."},
			"note":            {desc: "What became of it, for its author.", maxLen: 2000},
			"link_decision":   {desc: "Number of a decision of the use case to link (`\"3\"`)."},
			"unlink_decision": {desc: "Number of a linked decision to unlink."},
		}},
}
