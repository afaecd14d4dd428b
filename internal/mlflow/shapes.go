package mlflow

import (
	"sort"

	"github.com/atrium-mlops/atrium/internal/registry"
)

// The JSON shapes of MLflow's protos (service.proto, model_registry.proto),
// as its server writes them: snake_case names, int64 as JSON numbers, model
// version numbers as strings, doubles' NaN and infinities as strings.

// KeyValue is MLflow's tag and param shape.
type KeyValue struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// Experiment is MLflow's Experiment.
type Experiment struct {
	ExperimentID     string     `json:"experiment_id"`
	Name             string     `json:"name"`
	ArtifactLocation string     `json:"artifact_location"`
	LifecycleStage   string     `json:"lifecycle_stage"`
	LastUpdateTime   int64      `json:"last_update_time"`
	CreationTime     int64      `json:"creation_time"`
	Tags             []KeyValue `json:"tags"`
}

// Metric is MLflow's Metric.
type Metric struct {
	Key       string `json:"key"`
	Value     Float  `json:"value"`
	Timestamp int64  `json:"timestamp"`
	Step      int64  `json:"step"`
}

// RunInfo is MLflow's RunInfo.
type RunInfo struct {
	RunID          string `json:"run_id"`
	RunUUID        string `json:"run_uuid"`
	RunName        string `json:"run_name"`
	ExperimentID   string `json:"experiment_id"`
	UserID         string `json:"user_id"`
	Status         string `json:"status"`
	StartTime      int64  `json:"start_time"`
	EndTime        *int64 `json:"end_time,omitempty"`
	ArtifactURI    string `json:"artifact_uri"`
	LifecycleStage string `json:"lifecycle_stage"`
}

// RunData is MLflow's RunData.
type RunData struct {
	Metrics []Metric   `json:"metrics"`
	Params  []KeyValue `json:"params"`
	Tags    []KeyValue `json:"tags"`
}

// Run is MLflow's Run.
type Run struct {
	Info   RunInfo   `json:"info"`
	Data   RunData   `json:"data"`
	Inputs RunInputs `json:"inputs"`
}

// RunInputs is MLflow's RunInputs: the datasets a run used.
type RunInputs struct {
	DatasetInputs []DatasetInput `json:"dataset_inputs,omitempty"`
}

// DatasetInput is MLflow's DatasetInput.
type DatasetInput struct {
	Tags    []KeyValue            `json:"tags"`
	Dataset registry.InputDataset `json:"dataset"`
}

// RegisteredModelAlias is MLflow's alias shape.
type RegisteredModelAlias struct {
	Alias   string `json:"alias"`
	Version string `json:"version"`
}

// RegisteredModel is MLflow's RegisteredModel.
type RegisteredModel struct {
	Name                 string                 `json:"name"`
	CreationTimestamp    int64                  `json:"creation_timestamp"`
	LastUpdatedTimestamp int64                  `json:"last_updated_timestamp"`
	UserID               string                 `json:"user_id"`
	Description          string                 `json:"description"`
	LatestVersions       []ModelVersion         `json:"latest_versions"`
	Tags                 []KeyValue             `json:"tags"`
	Aliases              []RegisteredModelAlias `json:"aliases"`
}

// ModelVersion is MLflow's ModelVersion.
type ModelVersion struct {
	Name                 string     `json:"name"`
	Version              string     `json:"version"`
	CreationTimestamp    int64      `json:"creation_timestamp"`
	LastUpdatedTimestamp int64      `json:"last_updated_timestamp"`
	UserID               string     `json:"user_id"`
	CurrentStage         string     `json:"current_stage"`
	Description          string     `json:"description"`
	Source               string     `json:"source"`
	RunID                string     `json:"run_id"`
	Status               string     `json:"status"`
	StatusMessage        string     `json:"status_message"`
	Tags                 []KeyValue `json:"tags"`
	RunLink              string     `json:"run_link"`
	Aliases              []string   `json:"aliases"`
	ModelID              string     `json:"model_id,omitempty"`
}

// LoggedModel is MLflow's LoggedModel.
type LoggedModel struct {
	Info struct {
		ModelID                string     `json:"model_id"`
		ExperimentID           string     `json:"experiment_id"`
		Name                   string     `json:"name"`
		CreationTimestampMs    int64      `json:"creation_timestamp_ms"`
		LastUpdatedTimestampMs int64      `json:"last_updated_timestamp_ms"`
		ArtifactURI            string     `json:"artifact_uri"`
		Status                 string     `json:"status"`
		ModelType              string     `json:"model_type,omitempty"`
		SourceRunID            string     `json:"source_run_id,omitempty"`
		Tags                   []KeyValue `json:"tags"`
	} `json:"info"`
	Data struct {
		Params  []KeyValue `json:"params"`
		Metrics []Metric   `json:"metrics"`
	} `json:"data"`
}

// kvs turns a map into MLflow's sorted key-value list.
func kvs(m map[string]string) []KeyValue {
	out := make([]KeyValue, 0, len(m))
	for k, v := range m {
		out = append(out, KeyValue{k, v})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}

func experimentJSON(e registry.Experiment) Experiment {
	return Experiment{ExperimentID: e.ID, Name: e.Name, ArtifactLocation: e.ArtifactLocation, LifecycleStage: e.LifecycleStage,
		LastUpdateTime: e.LastUpdateTime, CreationTime: e.CreationTime, Tags: kvs(e.Tags)}
}

func runInfoJSON(r registry.Run) RunInfo {
	return RunInfo{RunID: r.ID, RunUUID: r.ID, RunName: r.Name, ExperimentID: r.ExperimentID, UserID: r.User, Status: string(r.Status),
		StartTime: r.StartTime, EndTime: r.EndTime, ArtifactURI: r.ArtifactURI, LifecycleStage: r.LifecycleStage}
}

func metricJSON(m registry.Metric) Metric {
	return Metric{Key: m.Key, Value: Float(m.Value), Timestamp: m.Timestamp, Step: m.Step}
}

func runJSON(r registry.Run) Run {
	out := Run{Info: runInfoJSON(r), Data: RunData{Metrics: make([]Metric, 0, len(r.Metrics)), Params: kvs(r.Params), Tags: kvs(r.Tags)}}
	for _, m := range r.Metrics {
		out.Data.Metrics = append(out.Data.Metrics, metricJSON(m))
	}
	for _, in := range r.Inputs {
		out.Inputs.DatasetInputs = append(out.Inputs.DatasetInputs, DatasetInput{Tags: kvs(in.Tags), Dataset: in.Dataset})
	}
	return out
}

func loggedModelJSON(m registry.LoggedModel) LoggedModel {
	var out LoggedModel
	i := &out.Info
	i.ModelID, i.ExperimentID, i.Name, i.CreationTimestampMs, i.LastUpdatedTimestampMs = m.ID, m.ExperimentID, m.Name, m.CreationTime, m.LastUpdateTime
	i.ArtifactURI, i.Status, i.ModelType, i.SourceRunID, i.Tags = m.ArtifactURI, m.Status, m.ModelType, m.RunID, kvs(m.Tags)
	out.Data.Params, out.Data.Metrics = kvs(m.Params), []Metric{}
	return out
}

func modelVersionJSON(mv registry.ModelVersion) ModelVersion {
	status := "READY"
	out := ModelVersion{Name: mv.Asset.Name, Version: itoa(mv.Version.Number), CreationTimestamp: mv.Version.CreatedAt.UnixMilli(),
		LastUpdatedTimestamp: mv.State.UpdatedAt.UnixMilli(), UserID: mv.Version.CreatedBy, CurrentStage: string(mv.State.Stage),
		Description: mv.State.Description, Source: mv.Version.URI, RunID: mv.State.RunID, Status: status,
		Tags: kvs(mv.State.Tags), Aliases: mv.Aliases, ModelID: mv.State.ModelID}
	if out.Aliases == nil {
		out.Aliases = []string{}
	}
	return out
}
