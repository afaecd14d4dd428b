package telemetry

import (
	"encoding/json"
	"mime"
	"net/http"
	"strings"

	"github.com/atrium-mlops/atrium/internal/atrium"
	"github.com/atrium-mlops/atrium/internal/ingest"
	domain "github.com/atrium-mlops/atrium/internal/telemetry"
	"github.com/atrium-mlops/atrium/internal/web/respond"
)

// BatchAnswer is the answer to a batch: how many events were accepted,
// were duplicates of events stored before, or were refused, and one
// answer per event in the order sent.
type BatchAnswer struct {
	Accepted   int                 `json:"accepted"`
	Duplicates int                 `json:"duplicates"`
	Refused    int                 `json:"refused"`
	Items      []domain.ItemResult `json:"items"`
}

// IngestPrediction serves POST /api/v1/ingest/predictions.
func (h *Handlers) IngestPrediction(w http.ResponseWriter, r *http.Request) {
	h.single(w, r, ingest.Predictions)
}

// IngestPredictionBatch serves POST /api/v1/ingest/predictions/batch.
func (h *Handlers) IngestPredictionBatch(w http.ResponseWriter, r *http.Request) {
	h.batch(w, r, ingest.Predictions)
}

// IngestOutcome serves POST /api/v1/ingest/outcomes.
func (h *Handlers) IngestOutcome(w http.ResponseWriter, r *http.Request) {
	h.single(w, r, ingest.Outcomes)
}

// IngestOutcomeBatch serves POST /api/v1/ingest/outcomes/batch.
func (h *Handlers) IngestOutcomeBatch(w http.ResponseWriter, r *http.Request) {
	h.batch(w, r, ingest.Outcomes)
}

// IngestFeedback serves POST /api/v1/ingest/feedback.
func (h *Handlers) IngestFeedback(w http.ResponseWriter, r *http.Request) {
	h.single(w, r, ingest.Feedback)
}

// IngestFeedbackBatch serves POST /api/v1/ingest/feedback/batch.
func (h *Handlers) IngestFeedbackBatch(w http.ResponseWriter, r *http.Request) {
	h.batch(w, r, ingest.Feedback)
}

// submit decodes the events of a request and hands them to the ingester,
// which answers once the accepted ones are committed.
func (h *Handlers) submit(w http.ResponseWriter, r *http.Request, kind ingest.Kind, single bool) ([]domain.ItemResult, error) {
	scope, ok := ScopeFrom(r.Context())
	switch {
	case h.Ingester == nil:
		return nil, errNoIngester
	case !ok:
		return nil, errNoScope
	}
	release, err := h.Gate.Enter(r.Context())
	if err != nil {
		return nil, err
	}
	defer release()
	body := http.MaxBytesReader(w, r.Body, domain.MaxWireBytes+1)
	req, err := ingest.Decode(kind, body, r.Header.Get("Content-Type"), r.Header.Get("Content-Encoding"), single, h.now())
	if err != nil {
		return nil, err
	}
	return h.Ingester.Submit(r.Context(), scope, req)
}

// single answers one event: 201 with its answer when it was stored now,
// 200 when it was stored before (a retry), a problem when it was refused.
func (h *Handlers) single(w http.ResponseWriter, r *http.Request, kind ingest.Kind) {
	res, err := h.submit(w, r, kind, true)
	if err == nil && len(res) != 1 {
		err = atrium.Errorf(atrium.Internal, "one event sent, %d answers", len(res))
	}
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	it := res[0]
	switch it.Status {
	case domain.Accepted:
		if kind == ingest.Predictions {
			if scope, ok := ScopeFrom(r.Context()); ok {
				w.Header().Set("Location", apiPath(scope.Slug, "predictions", it.ID))
			}
		}
		respond.JSON(w, http.StatusCreated, it)
	case domain.Duplicate:
		respond.JSON(w, http.StatusOK, it)
	default:
		h.Fail(w, r, refusal(it))
	}
}

// refusal is the error of a refused event, with the kind it was refused
// for (Invalid when the ingester named none).
func refusal(it domain.ItemResult) error {
	kind := atrium.Kind(it.Code)
	if respond.StatusOf(kind) == 0 || kind == atrium.Internal {
		kind = atrium.Invalid
	}
	msg := it.Error
	if msg == "" {
		msg = "the event was refused"
	}
	return atrium.Errorf(kind, "%s", msg)
}

// batch answers many events at once: 200 with an answer per event, whatever
// became of each, once the accepted ones are committed.
func (h *Handlers) batch(w http.ResponseWriter, r *http.Request, kind ingest.Kind) {
	res, err := h.submit(w, r, kind, false)
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	respond.JSON(w, http.StatusOK, tally(res))
}

// tally counts the answers of a batch.
func tally(res []domain.ItemResult) BatchAnswer {
	a := BatchAnswer{Items: res}
	if a.Items == nil {
		a.Items = []domain.ItemResult{}
	}
	for _, it := range res {
		switch it.Status {
		case domain.Accepted:
			a.Accepted++
		case domain.Duplicate:
			a.Duplicates++
		default:
			a.Refused++
		}
	}
	return a
}

// The media types of OTLP/HTTP.
const (
	otlpProtobuf = "application/x-protobuf"
	otlpJSON     = "application/json"
)

// Traces serves POST /v1/traces: an OpenTelemetry trace export (OTLP/HTTP,
// protobuf or JSON). Spans that follow the GenAI semantic conventions
// become predictions; the answer is an ExportTraceServiceResponse in the
// request's encoding, with partial_success saying how many spans were
// rejected and why.
func (h *Handlers) Traces(w http.ResponseWriter, r *http.Request) {
	media, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if media != otlpProtobuf && media != otlpJSON {
		unsupported(w, r, media)
		return
	}
	scope, ok := ScopeFrom(r.Context())
	switch {
	case h.Ingester == nil:
		h.Fail(w, r, errNoIngester)
		return
	case !ok:
		h.Fail(w, r, errNoScope)
		return
	}
	release, err := h.Gate.Enter(r.Context())
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	defer release()
	body := http.MaxBytesReader(w, r.Body, domain.MaxWireBytes+1)
	req, rejected, why, err := ingest.DecodeOTLP(body, media, r.Header.Get("Content-Encoding"), scope.Model, h.now())
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	res, err := h.Ingester.Submit(r.Context(), scope, req)
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	for _, it := range res {
		if it.Status == domain.Refused {
			rejected++
			if why == "" {
				why = it.Error
			}
		}
	}
	out, err := exportResponse(media, rejected, why)
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", media)
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	w.Write(out)
}

// unsupported answers 415 to a trace export in another encoding.
func unsupported(w http.ResponseWriter, r *http.Request, media string) {
	if media == "" {
		media = "none"
	}
	p := respond.Problem{Type: "https://atrium.dev/problems/" + string(atrium.Invalid), Title: http.StatusText(http.StatusUnsupportedMediaType),
		Status: http.StatusUnsupportedMediaType, Code: string(atrium.Invalid),
		Detail: "send OTLP/HTTP as " + otlpProtobuf + " or " + otlpJSON + " (got " + atrium.Truncate(strings.TrimSpace(media), 60) + ")"}
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Accept-Post", otlpProtobuf+", "+otlpJSON)
	w.WriteHeader(p.Status)
	json.NewEncoder(w).Encode(p)
}
