package mlflow

import "net/http"

// Endpoint is one MLflow call: its method and its path after a prefix.
type Endpoint struct {
	Method string
	Path   string // after /api/2.0/mlflow/ (or the artifacts prefix)
	H      http.HandlerFunc
	// Write marks calls that change something (the authorisation test
	// expects a viewer's token to be refused on them).
	Write bool
}

// Endpoints lists every MLflow call Atrium serves, under both Prefixes.
// The methods are those of MLflow's protos (service.proto,
// model_registry.proto); where a call has a GET and a POST form, both are
// here.
func (h *Handlers) Endpoints() []Endpoint {
	g := func(path string, f http.HandlerFunc) Endpoint { return Endpoint{"GET", path, f, false} }
	p := func(path string, f http.HandlerFunc) Endpoint { return Endpoint{"POST", path, f, true} }
	// Searches and checks that MLflow sends as POST but that change nothing.
	q := func(path string, f http.HandlerFunc) Endpoint { return Endpoint{"POST", path, f, false} }
	return []Endpoint{
		// Tracking: experiments.
		p("experiments/create", h.CreateExperiment),
		g("experiments/get", h.GetExperiment),
		g("experiments/get-by-name", h.GetExperimentByName),
		q("experiments/search", h.SearchExperiments),
		g("experiments/search", h.SearchExperiments),
		p("experiments/update", h.UpdateExperiment),
		p("experiments/delete", h.DeleteExperiment),
		p("experiments/restore", h.RestoreExperiment),
		p("experiments/set-experiment-tag", h.SetExperimentTag),
		p("experiments/delete-experiment-tag", h.DeleteExperimentTag),
		// Tracking: runs.
		p("runs/create", h.CreateRun),
		g("runs/get", h.GetRun),
		p("runs/update", h.UpdateRun),
		p("runs/delete", h.DeleteRun),
		p("runs/restore", h.RestoreRun),
		q("runs/search", h.SearchRuns),
		p("runs/log-batch", h.LogBatch),
		p("runs/log-metric", h.LogMetric),
		p("runs/log-parameter", h.LogParam),
		p("runs/set-tag", h.SetTag),
		p("runs/delete-tag", h.DeleteTag),
		q("runs/outputs", h.LogOutputs),
		p("runs/log-inputs", h.LogInputs),
		g("metrics/get-history", h.MetricHistory),
		g("artifacts/list", h.ListArtifacts),
		// Tracking: logged models (MLflow 3).
		p("logged-models", h.CreateLoggedModel),
		g("logged-models/{model_id}", h.GetLoggedModel),
		{"PATCH", "logged-models/{model_id}", h.FinalizeLoggedModel, true},
		q("logged-models/search", h.SearchLoggedModels),
		{"PATCH", "logged-models/{model_id}/tags", h.SetLoggedModelTags, true},
		{"DELETE", "logged-models/{model_id}/tags/{tag_key}", h.DeleteLoggedModelTag, true},
		// Model registry: registered models.
		p("registered-models/create", h.CreateRegisteredModel),
		g("registered-models/get", h.GetRegisteredModel),
		g("registered-models/search", h.SearchRegisteredModels),
		p("registered-models/rename", h.RenameRegisteredModel),
		{"PATCH", "registered-models/update", h.UpdateRegisteredModel, true},
		{"DELETE", "registered-models/delete", h.DeleteRegisteredModel, true},
		q("registered-models/get-latest-versions", h.GetLatestVersions),
		g("registered-models/get-latest-versions", h.GetLatestVersions),
		p("registered-models/set-tag", h.SetRegisteredModelTag),
		{"DELETE", "registered-models/delete-tag", h.DeleteRegisteredModelTag, true},
		p("registered-models/alias", h.SetAlias),
		{"DELETE", "registered-models/alias", h.DeleteAlias, true},
		g("registered-models/alias", h.GetByAlias),
		// Model registry: model versions.
		p("model-versions/create", h.CreateModelVersion),
		g("model-versions/get", h.GetModelVersion),
		g("model-versions/search", h.SearchModelVersions),
		{"PATCH", "model-versions/update", h.UpdateModelVersion, true},
		{"DELETE", "model-versions/delete", h.DeleteModelVersion, true},
		p("model-versions/transition-stage", h.TransitionStage),
		g("model-versions/get-download-uri", h.GetDownloadURI),
		p("model-versions/set-tag", h.SetModelVersionTag),
		{"DELETE", "model-versions/delete-tag", h.DeleteModelVersionTag, true},
	}
}

// ArtifactEndpoints are the mlflow-artifacts proxy's calls: listings
// (always empty) and refused uploads and downloads.
func (h *Handlers) ArtifactEndpoints() []Endpoint {
	return []Endpoint{
		{"GET", "artifacts", h.ListArtifacts, false},
		{"GET", "artifacts/{path...}", h.RefuseArtifact, false},
		{"PUT", "artifacts/{path...}", h.RefuseArtifact, false},
	}
}
