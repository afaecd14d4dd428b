package canvas

import "github.com/atrium-mlops/atrium/internal/usecase"

// EvidenceRequest is what an evidence provider is asked about when a canvas
// shows its live panels: one section of one canvas of one use case, seen by
// the actor in the context. The section's Evidence lists the kinds to ask
// for (see package evidence).
type EvidenceRequest struct {
	UseCase  usecase.UseCase
	Canvas   Canvas
	Template *Template
	Section  SectionDef
}
