package registry

import (
	"math"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/atrium-mlops/atrium/internal/atrium"
)

// Limits of experiment tracking. They follow MLflow's own, so a script that
// works against MLflow's server works here.
const (
	MaxTrackingKey      = 250    // param, metric and tag keys
	MaxParamValue       = 6000   // bytes of a param value
	MaxRunTagValue      = 8000   // bytes of a run tag value
	MaxExperimentName   = 500    // characters
	MaxRunName          = 250    // characters
	MaxBatchMetrics     = 1000   // metrics in one log-batch
	MaxBatchParams      = 100    // params in one log-batch
	MaxBatchTags        = 100    // tags in one log-batch
	MaxBatchEntities    = 1000   // metrics, params and tags together
	MaxExperimentTags   = 100    // tags on one experiment
	MaxParamsPerRun     = 1000   // params one run may hold
	MaxSearchResults    = 1000   // results one search page may return
	MaxHistory          = 25_000 // metric values one history page returns
	DefaultSearchResult = 100
)

// RunStatus is where an MLflow run stands.
type RunStatus string

// The run statuses MLflow knows.
const (
	RunRunning   RunStatus = "RUNNING"
	RunScheduled RunStatus = "SCHEDULED"
	RunFinished  RunStatus = "FINISHED"
	RunFailed    RunStatus = "FAILED"
	RunKilled    RunStatus = "KILLED"
)

// Check validates a run status.
func (s RunStatus) Check() error {
	switch s {
	case RunRunning, RunScheduled, RunFinished, RunFailed, RunKilled:
		return nil
	}
	return atrium.Errorf(atrium.Invalid, "run status must be RUNNING, SCHEDULED, FINISHED, FAILED or KILLED (got %q)", atrium.Truncate(string(s), 40))
}

// Lifecycle stages of experiments and runs.
const (
	Active  = "active"
	Deleted = "deleted"
)

// Experiment groups runs of one use case; its name is unique there.
type Experiment struct {
	ID               string            `json:"id"`
	UseCaseID        string            `json:"usecase_id"`
	Name             string            `json:"name"`
	ArtifactLocation string            `json:"artifact_location"`
	LifecycleStage   string            `json:"lifecycle_stage"`
	Tags             map[string]string `json:"tags"`
	CreatedBy        string            `json:"created_by"`
	CreationTime     int64             `json:"creation_time"`    // ms since the epoch
	LastUpdateTime   int64             `json:"last_update_time"` // ms since the epoch
}

// Run is one execution of training or evaluation code.
type Run struct {
	ID             string            `json:"id"` // 32 hex digits
	ExperimentID   string            `json:"experiment_id"`
	Name           string            `json:"name"`
	Status         RunStatus         `json:"status"`
	StartTime      int64             `json:"start_time"`
	EndTime        *int64            `json:"end_time,omitempty"`
	LifecycleStage string            `json:"lifecycle_stage"`
	ArtifactURI    string            `json:"artifact_uri"`
	User           string            `json:"user"` // as the client named it
	CreatedBy      string            `json:"created_by"`
	Params         map[string]string `json:"params"`
	Tags           map[string]string `json:"tags"`
	Metrics        []Metric          `json:"metrics"` // the latest value of each key
	Inputs         []Input           `json:"inputs"`  // datasets the run used
}

// Metric is one logged value. Value may be NaN or ±Inf, as MLflow allows.
type Metric struct {
	Key       string  `json:"key"`
	Value     float64 `json:"value"`
	Timestamp int64   `json:"timestamp"` // ms since the epoch
	Step      int64   `json:"step"`
}

// Param is a run's input; it never changes once logged.
type Param struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// Tag is a key and a value on a run or an experiment.
type Tag struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// Batch is what one log-batch call records on a run.
type Batch struct {
	Metrics []Metric
	Params  []Param
	Tags    []Tag
}

// trackingKeyRE is MLflow's rule for keys: letters, digits, and _ - . space / :
var trackingKeyRE = regexp.MustCompile(`^[A-Za-z0-9_\-. /:]+$`)

// CheckTrackingKey validates a param, metric or tag key.
func CheckTrackingKey(what, key string) error {
	if key == "" || len(key) > MaxTrackingKey || !trackingKeyRE.MatchString(key) {
		return atrium.Errorf(atrium.Invalid, "%s key %q must be 1–%d letters, digits, spaces or _ - . / :", what, atrium.Truncate(key, 40), MaxTrackingKey)
	}
	if strings.Contains(key, "..") || strings.HasPrefix(key, "/") {
		return atrium.Errorf(atrium.Invalid, "%s key %q must not hold '..' or start with '/'", what, atrium.Truncate(key, 40))
	}
	return nil
}

// checkValue refuses invalid UTF-8 and NUL, and values longer than max bytes.
func checkValue(what, key, v string, max int) error {
	if len(v) > max {
		return atrium.Errorf(atrium.Invalid, "%s %q: value is %d bytes, at most %d", what, atrium.Truncate(key, 40), len(v), max)
	}
	if !utf8.ValidString(v) || strings.ContainsRune(v, 0) {
		return atrium.Errorf(atrium.Invalid, "%s %q: value must be UTF-8 text without NUL", what, atrium.Truncate(key, 40))
	}
	return nil
}

// Check validates a param.
func (p Param) Check() error {
	if err := CheckTrackingKey("param", p.Key); err != nil {
		return err
	}
	return checkValue("param", p.Key, p.Value, MaxParamValue)
}

// Check validates a run tag.
func (t Tag) Check() error {
	if err := CheckTrackingKey("tag", t.Key); err != nil {
		return err
	}
	return checkValue("tag", t.Key, t.Value, MaxRunTagValue)
}

// Check validates a metric. Any float is a value, NaN and infinities too.
func (m Metric) Check() error {
	if err := CheckTrackingKey("metric", m.Key); err != nil {
		return err
	}
	if m.Timestamp < 0 {
		return atrium.Errorf(atrium.Invalid, "metric %q: timestamp must not be negative", atrium.Truncate(m.Key, 40))
	}
	return nil
}

// Check validates a batch against MLflow's limits: at most 1,000 metrics,
// 100 params and 100 tags, 1,000 entries in all, and no key logged twice
// with different values among its params.
func (b Batch) Check() error {
	switch {
	case len(b.Metrics) > MaxBatchMetrics:
		return atrium.Errorf(atrium.Invalid, "a batch may hold at most %d metrics (got %d)", MaxBatchMetrics, len(b.Metrics))
	case len(b.Params) > MaxBatchParams:
		return atrium.Errorf(atrium.Invalid, "a batch may hold at most %d params (got %d)", MaxBatchParams, len(b.Params))
	case len(b.Tags) > MaxBatchTags:
		return atrium.Errorf(atrium.Invalid, "a batch may hold at most %d tags (got %d)", MaxBatchTags, len(b.Tags))
	case len(b.Metrics)+len(b.Params)+len(b.Tags) > MaxBatchEntities:
		return atrium.Errorf(atrium.Invalid, "a batch may hold at most %d metrics, params and tags together", MaxBatchEntities)
	}
	for _, m := range b.Metrics {
		if err := m.Check(); err != nil {
			return err
		}
	}
	seen := map[string]string{}
	for _, p := range b.Params {
		if err := p.Check(); err != nil {
			return err
		}
		if v, ok := seen[p.Key]; ok && v != p.Value {
			return atrium.Errorf(atrium.Invalid, "param %q is given twice with different values", atrium.Truncate(p.Key, 40))
		}
		seen[p.Key] = p.Value
	}
	for _, t := range b.Tags {
		if err := t.Check(); err != nil {
			return err
		}
	}
	return nil
}

// Later reports whether metric m supersedes o as the latest value of its
// key: a higher step, then a later timestamp, then (MLflow's tie-break) a
// larger value, with NaN above every number.
func (m Metric) Later(o Metric) bool {
	if m.Step != o.Step {
		return m.Step > o.Step
	}
	if m.Timestamp != o.Timestamp {
		return m.Timestamp > o.Timestamp
	}
	if math.IsNaN(o.Value) {
		return false
	}
	return math.IsNaN(m.Value) || m.Value > o.Value
}

// CheckExperimentName validates an experiment name.
func CheckExperimentName(name string) (string, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return "", atrium.Errorf(atrium.Invalid, "experiment name must not be empty")
	}
	return atrium.CheckText("experiment name", name, MaxExperimentName, true, false)
}

// CheckRunName validates a run name ("" lets the store choose one).
func CheckRunName(name string) (string, error) {
	return atrium.CheckText("run name", name, MaxRunName, false, false)
}

// CheckRunID validates a run id: 32 lower-case hex digits.
func CheckRunID(id string) error {
	if len(id) != 32 || strings.Trim(id, "0123456789abcdef") != "" {
		return atrium.Errorf(atrium.Invalid, "run id must be 32 lower-case hex digits (got %q)", atrium.Truncate(id, 40))
	}
	return nil
}

// CheckArtifactLocation validates where an experiment's runs keep their
// artifacts. The server never reads it; clients write there directly, so
// only the registry's allowed schemes are accepted.
func CheckArtifactLocation(loc string) (string, error) {
	if loc == "" {
		return "", nil
	}
	return CanonicalURI(loc)
}

// Stage is an MLflow model version stage, kept for clients that still use
// transition-stage. Staging and Production also move the alias of the same
// name in lower case; Archived archives the version.
type Stage string

// The stages MLflow knows.
const (
	StageNone       Stage = "None"
	StageStaging    Stage = "Staging"
	StageProduction Stage = "Production"
	StageArchived   Stage = "Archived"
)

// ParseStage accepts a stage name in any case, as MLflow does.
func ParseStage(s string) (Stage, error) {
	for _, st := range []Stage{StageNone, StageStaging, StageProduction, StageArchived} {
		if strings.EqualFold(s, string(st)) {
			return st, nil
		}
	}
	return "", atrium.Errorf(atrium.Invalid, "stage must be None, Staging, Production or Archived (got %q)", atrium.Truncate(s, 40))
}

// Logged-model statuses, as MLflow names them.
const (
	ModelPending      = "LOGGED_MODEL_PENDING"
	ModelReady        = "LOGGED_MODEL_READY"
	ModelUploadFailed = "LOGGED_MODEL_UPLOAD_FAILED"
)

// LoggedModel is a model a run logged (MLflow's LoggedModel): metadata and
// where its files are, never the files themselves.
type LoggedModel struct {
	ID             string            `json:"id"`
	ExperimentID   string            `json:"experiment_id"`
	RunID          string            `json:"run_id"`
	Name           string            `json:"name"`
	ModelType      string            `json:"model_type"`
	Status         string            `json:"status"`
	ArtifactURI    string            `json:"artifact_uri"`
	Tags           map[string]string `json:"tags"`
	Params         map[string]string `json:"params"`
	CreatedBy      string            `json:"created_by"`
	CreationTime   int64             `json:"creation_time"`
	LastUpdateTime int64             `json:"last_update_time"`
}

// CheckModelStatus validates a logged-model status.
func CheckModelStatus(s string) error {
	switch s {
	case ModelPending, ModelReady, ModelUploadFailed:
		return nil
	}
	return atrium.Errorf(atrium.Invalid, "status must be LOGGED_MODEL_PENDING, LOGGED_MODEL_READY or LOGGED_MODEL_UPLOAD_FAILED (got %q)", atrium.Truncate(s, 40))
}

// Limits of a dataset input, MLflow's own.
const (
	MaxDatasetName    = 500
	MaxDatasetDigest  = 36
	MaxDatasetSource  = 65_535
	MaxDatasetSchema  = 1 << 20
	MaxDatasetProfile = 16_384
	MaxInputsPerCall  = 100
)

// InputDataset describes a dataset a run used, as MLflow's client gives it.
// Atrium keeps it as given and never opens its source.
type InputDataset struct {
	Name       string `json:"name"`
	Digest     string `json:"digest"`
	SourceType string `json:"source_type"`
	Source     string `json:"source"`
	Schema     string `json:"schema,omitempty"`
	Profile    string `json:"profile,omitempty"`
}

// Input is a dataset a run used, with its tags (such as
// mlflow.data.context = training).
type Input struct {
	Dataset InputDataset      `json:"dataset"`
	Tags    map[string]string `json:"tags"`
}

// Check validates an input against MLflow's limits.
func (in Input) Check() error {
	d := in.Dataset
	for _, f := range []struct {
		what, v  string
		max      int
		required bool
	}{
		{"dataset name", d.Name, MaxDatasetName, true}, {"dataset digest", d.Digest, MaxDatasetDigest, true},
		{"dataset source_type", d.SourceType, 36, true}, {"dataset source", d.Source, MaxDatasetSource, true},
		{"dataset schema", d.Schema, MaxDatasetSchema, false}, {"dataset profile", d.Profile, MaxDatasetProfile, false},
	} {
		if f.required && f.v == "" {
			return atrium.Errorf(atrium.Invalid, "%s is required", f.what)
		}
		if err := checkValue(f.what, d.Name, f.v, f.max); err != nil {
			return err
		}
	}
	if len(in.Tags) > MaxBatchTags {
		return atrium.Errorf(atrium.Invalid, "an input may have at most %d tags", MaxBatchTags)
	}
	for k, v := range in.Tags {
		if err := (Tag{Key: k, Value: v}).Check(); err != nil {
			return err
		}
	}
	return nil
}
