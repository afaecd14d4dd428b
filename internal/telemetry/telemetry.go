// Package telemetry is what a model in production reports back: the
// predictions it makes, the outcomes that arrive later, and what people say
// about it. It validates events, applies a use case's privacy policy to them
// and folds them into the hourly aggregates that dashboards and monitors read
// instead of raw rows. It is pure: no database, no HTTP.
package telemetry

import (
	"time"
)

// Output is what a model answered: a label, a score (a probability for
// classifiers), a value (regression), or a label with its score.
type Output struct {
	Label *string  `json:"label,omitempty"`
	Score *float64 `json:"score,omitempty"`
	Value *float64 `json:"value,omitempty"`
}

// Prediction is one answer of a model version, as stored.
type Prediction struct {
	// ID is the client's (for idempotent retries) or one Atrium assigned.
	ID string `json:"id"`
	// Model and Version name the model as the client sent it: the model
	// asset's name and a version number or an alias ("3", "champion").
	Model   string `json:"model"`
	Version string `json:"version,omitempty"`
	// ModelAssetID and ModelVersion are the concrete version the event was
	// resolved to when it was accepted; Alias is the alias it came through,
	// if any.
	ModelAssetID string `json:"-"`
	ModelVersion int    `json:"model_version"`
	Alias        string `json:"alias,omitempty"`
	// Time is when the prediction was made (the client's clock, bounded).
	Time time.Time `json:"time"`
	// Subject identifies who or what the prediction is about. It arrives
	// as the client's key and is stored only as a keyed hash (Pseudonym).
	Subject string `json:"subject,omitempty"`
	// Segments are attributes for slicing (fairness, cohorts): a few short
	// names with short string values.
	Segments map[string]string `json:"segments,omitempty"`
	// Features are the model's inputs: a flat object of numbers, strings,
	// booleans and nulls.
	Features map[string]any `json:"features,omitempty"`
	Output   Output         `json:"output"`
	// LatencyMS is how long the model took, in milliseconds.
	LatencyMS *float64 `json:"latency_ms,omitempty"`
	// Error, when set, says the call failed ("timeout" or "error"); such a
	// prediction counts toward the error rate and has no output.
	Error string `json:"error,omitempty"`
	// Explanation is an optional per-feature contribution to the output.
	Explanation map[string]float64 `json:"explanation,omitempty"`
	// Source is the path the event came through: "api", "otlp", "gateway".
	Source string `json:"source,omitempty"`
}

// Outcome is the actual label or value for an earlier prediction; it may
// arrive months after it.
type Outcome struct {
	PredictionID string    `json:"prediction_id"`
	Label        *string   `json:"label,omitempty"`
	Value        *float64  `json:"value,omitempty"`
	Time         time.Time `json:"time"`
}

// FeedbackKind is what sort of thing a person said.
type FeedbackKind string

// The kinds of feedback.
const (
	Thumbs     FeedbackKind = "thumbs"     // value "up" or "down"
	Rating     FeedbackKind = "rating"     // value "1" … "5"
	Correction FeedbackKind = "correction" // value: what the output should have been
	Bug        FeedbackKind = "bug"        // text says what went wrong
	Comment    FeedbackKind = "comment"    // text
)

// FeedbackKinds lists every kind, in the order forms offer them.
var FeedbackKinds = []FeedbackKind{Thumbs, Rating, Correction, Bug, Comment}

// FeedbackStatus is where a feedback item is in the team's triage.
type FeedbackStatus string

// The triage states.
const (
	New       FeedbackStatus = "new"
	Triaged   FeedbackStatus = "triaged"
	Actioned  FeedbackStatus = "actioned"
	Dismissed FeedbackStatus = "dismissed"
)

// FeedbackStatuses lists every status in triage order.
var FeedbackStatuses = []FeedbackStatus{New, Triaged, Actioned, Dismissed}

// Feedback is one thing a person said about the model or one of its
// predictions.
type Feedback struct {
	ID           string       `json:"id"`
	PredictionID string       `json:"prediction_id,omitempty"`
	Kind         FeedbackKind `json:"kind"`
	Value        string       `json:"value,omitempty"`
	Text         string       `json:"text,omitempty"`
	// Contact is an address the person left to hear what became of it.
	Contact string    `json:"contact,omitempty"`
	Time    time.Time `json:"time"`
	// Who left it: a user, or an anonymous feedback link; or the client
	// behind an ingestion key.
	AuthorID   string `json:"author_id,omitempty"`
	AuthorName string `json:"author_name,omitempty"`
	LinkID     string `json:"link_id,omitempty"`
	KeyID      string `json:"key_id,omitempty"`
	// Triage.
	Status       FeedbackStatus `json:"status"`
	AssigneeID   string         `json:"assignee_id,omitempty"`
	AssigneeName string         `json:"assignee_name,omitempty"`
	Note         string         `json:"note,omitempty"` // what became of it, shown to its author
	DecisionIDs  []string       `json:"decision_ids,omitempty"`
	// ModelVersion is the version of the prediction it is about, if any.
	ModelVersion int       `json:"model_version,omitempty"`
	UpdatedAt    time.Time `json:"updated_at"`
	// Receipt is the secret of the author's status page (public feedback
	// only); returned once, when the feedback is accepted.
	Receipt string `json:"receipt,omitempty"`
}

// ItemStatus is what became of one event of a request.
type ItemStatus string

// The answers for one event.
const (
	Accepted  ItemStatus = "accepted"  // durably stored now
	Duplicate ItemStatus = "duplicate" // already stored before (a retry); nothing changed
	Refused   ItemStatus = "refused"   // not stored; Error says why
)

// ItemResult answers for one event of a batch, by its index in the request.
type ItemResult struct {
	Index  int        `json:"index"`
	ID     string     `json:"id,omitempty"`
	Status ItemStatus `json:"status"`
	// Code is the error kind (atrium.Kind) and Error the message, for a
	// refused event.
	Code  string `json:"code,omitempty"`
	Error string `json:"error,omitempty"`
}

// IngestKey is a credential that lets a client report events for one use
// case, and nothing else. Only a hash of its secret is stored.
type IngestKey struct {
	ID        string `json:"id"`
	UseCaseID string `json:"-"`
	Name      string `json:"name"`
	Prefix    string `json:"prefix"` // the secret's first characters, to tell keys apart
	// Model is the model an event that names none is about ("name" or
	// "name@alias"); optional.
	Model     string     `json:"model,omitempty"`
	CreatedBy string     `json:"created_by"`
	CreatedAt time.Time  `json:"created_at"`
	RevokedAt *time.Time `json:"revoked_at,omitempty"`
	LastUsed  *time.Time `json:"last_used_at,omitempty"`
}

// KeyScope is what an ingestion key resolves to.
type KeyScope struct {
	KeyID     string
	UseCaseID string
	Slug      string
	Model     string
}

// FeedbackLink is a revocable public address where people without an
// account give feedback on one use case.
type FeedbackLink struct {
	ID        string `json:"id"`
	UseCaseID string `json:"-"`
	Name      string `json:"name"`
	// Origins are the web origins allowed to embed the feedback widget
	// (https://app.example.com); empty: none.
	Origins   []string   `json:"origins,omitempty"`
	CreatedBy string     `json:"created_by"`
	CreatedAt time.Time  `json:"created_at"`
	ExpiresAt *time.Time `json:"expires_at,omitempty"`
	RevokedAt *time.Time `json:"revoked_at,omitempty"`
	// URL is the public address, returned once, when the link is created.
	URL string `json:"url,omitempty"`
}

// Policy is a use case's privacy policy for what it ingests.
type Policy struct {
	// Drop names features and segments removed before anything is stored.
	Drop []string `json:"drop"`
	// Hash names features and segments whose values are stored only as a
	// keyed hash (still countable, no longer readable).
	Hash []string `json:"hash"`
	// MaskText masks e-mail addresses, phone numbers, IBANs and card
	// numbers in every free-text value (features, feedback text).
	MaskText bool `json:"mask_text"`
	// RetentionDays is how long raw payloads (features, explanations) are
	// kept; 0 keeps them. Aggregates are kept either way.
	RetentionDays int       `json:"retention_days"`
	Version       int64     `json:"version"`
	UpdatedAt     time.Time `json:"updated_at"`
	UpdatedBy     string    `json:"updated_by,omitempty"`
}

// DefaultPolicy is the policy of a use case that has not set one: free text
// masked, payloads kept.
func DefaultPolicy() Policy { return Policy{MaskText: true, Drop: []string{}, Hash: []string{}} }

// HighRiskRetentionDays is the shortest payload retention a high-risk use
// case may set: the EU AI Act asks providers of high-risk systems to keep
// their logs for at least six months.
const HighRiskRetentionDays = 180

// Limits on events.
const (
	MaxID          = 128       // characters of an event id
	MaxName        = 100       // characters of a feature, segment or model name
	MaxFeatures    = 256       // features of one prediction
	MaxSegments    = 8         // segment attributes of one prediction
	MaxSegmentText = 100       // characters of a segment value
	MaxFeatureText = 2000      // characters of a string feature value
	MaxText        = 4000      // characters of feedback text
	MaxContact     = 254       // characters of a contact address
	MaxEventBytes  = 64 << 10  // one encoded event
	MaxBatch       = 10000     // events in one request
	MaxBodyBytes   = 32 << 20  // a request body after decompression
	MaxWireBytes   = 8 << 20   // a request body as sent (compressed or not)
	MaxClockSkew   = time.Hour // how far in the future an event's time may be
)
