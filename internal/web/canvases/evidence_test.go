package canvases

import (
	"strings"
	"testing"

	"github.com/atrium-mlops/atrium/internal/canvas"
	"github.com/atrium-mlops/atrium/internal/evidence"
)

func TestEvidenceRegistry(t *testing.T) {
	reg := evidence.NewRegistry[canvas.EvidenceRequest]()
	New(nil, nil, nil, nil, reg, "")
	if got := strings.Join(reg.Kinds(), ","); got != "completeness,decisions,objectives,registry,stakeholders" {
		t.Fatalf("registered kinds = %s", got)
	}
}
