package web

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	collectortrace "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
)

// TestOTLPExportBecomesAPrediction points OpenTelemetry's own OTLP/HTTP
// exporter at a real server, with the ingestion key as its header, and
// finds the GenAI span it exports stored as a prediction.
func TestOTLPExportBecomesAPrediction(t *testing.T) {
	f := newFixture(t)
	f.seedTelemetry()
	hs := httptest.NewServer(f.srv)
	defer hs.Close()
	ctx := context.Background()
	exp, err := otlptracehttp.New(ctx, otlptracehttp.WithEndpointURL(hs.URL+"/v1/traces"),
		otlptracehttp.WithHeaders(map[string]string{"Authorization": "Bearer " + f.tel.keys["alpha"]}),
		otlptracehttp.WithRetry(otlptracehttp.RetryConfig{Enabled: false}))
	if err != nil {
		t.Fatal(err)
	}
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
	_, span := tp.Tracer("atrium-test").Start(ctx, "chat scorer", trace.WithSpanKind(trace.SpanKindClient), trace.WithAttributes(
		attribute.String("gen_ai.operation.name", "chat"),
		attribute.String("gen_ai.system", "openai"),
		attribute.String("gen_ai.request.model", "gpt-4o-mini"),
		attribute.String("gen_ai.response.model", "gpt-4o-mini-2024-07-18"),
		attribute.Int("gen_ai.usage.input_tokens", 42),
		attribute.Int("gen_ai.usage.output_tokens", 7),
		attribute.StringSlice("gen_ai.response.finish_reasons", []string{"stop"}),
	))
	span.End()
	if err := tp.Shutdown(ctx); err != nil {
		t.Fatalf("the exporter failed: %v", err)
	}
	sc := span.SpanContext()
	id := sc.TraceID().String() + sc.SpanID().String()
	rec := f.do("owner", "GET", "/api/v1/usecases/alpha/predictions/"+id, "", nil)
	if rec.Code != http.StatusOK {
		t.Fatalf("the exported span is not a stored prediction: %d %s", rec.Code, rec.Body)
	}
	if body := rec.Body.String(); !strings.Contains(body, `"source":"otlp"`) || !strings.Contains(body, `"model":"scorer"`) {
		t.Fatalf("the prediction does not come from OTLP for the key's model: %s", body)
	}

	// The same exporter with a user's API token is refused.
	exp2, _ := otlptracehttp.New(ctx, otlptracehttp.WithEndpointURL(hs.URL+"/v1/traces"),
		otlptracehttp.WithHeaders(map[string]string{"Authorization": "Bearer " + f.tokens["owner"]}),
		otlptracehttp.WithRetry(otlptracehttp.RetryConfig{Enabled: false}))
	// Exported directly: through a span processor the error would go to
	// OpenTelemetry's global error handler, not back to the caller.
	tp2 := sdktrace.NewTracerProvider()
	_, s2 := tp2.Tracer("atrium-test").Start(ctx, "chat", trace.WithAttributes(attribute.String("gen_ai.operation.name", "chat")))
	s2.End()
	if err := exp2.ExportSpans(ctx, []sdktrace.ReadOnlySpan{s2.(sdktrace.ReadOnlySpan)}); err == nil || !strings.Contains(err.Error(), "401") {
		t.Fatalf("export with a user token: err = %v, want a 401", err)
	}
	exp2.Shutdown(ctx)
	tp2.Shutdown(ctx)
}

// TestOTLPAnswersInTheRequestsEncoding: JSON in, JSON out; protobuf in,
// protobuf out; partial success counts the GenAI spans that were refused; other
// media types are 415.
func TestOTLPAnswersInTheRequestsEncoding(t *testing.T) {
	f := newFixture(t)
	f.seedTelemetry()
	const genAI = `{"resourceSpans": [{"scopeSpans": [{"spans": [
		{"traceId": "5b8efff798038103d269b633813fc60c", "spanId": "eee19b7ec3c1b174", "name": "chat", "kind": 3,
		 "startTimeUnixNano": "%START%", "endTimeUnixNano": "%END%",
		 "attributes": [{"key": "gen_ai.operation.name", "value": {"stringValue": "chat"}},
		                {"key": "gen_ai.request.model", "value": {"stringValue": "gpt-4o-mini"}}]},
		{"traceId": "5b8efff798038103d269b633813fc60c", "spanId": "eee19b7ec3c1b175", "name": "SELECT accounts", "kind": 3,
		 "startTimeUnixNano": "%START%", "endTimeUnixNano": "%END%",
		 "attributes": [{"key": "db.system", "value": {"stringValue": "postgresql"}}]},
		{"traceId": "5b8efff798038103d269b633813fc60c", "spanId": "eee19b7ec3c1b176", "name": "chat", "kind": 3,
		 "startTimeUnixNano": "%START%", "endTimeUnixNano": "%END%",
		 "attributes": [{"key": "gen_ai.operation.name", "value": {"stringValue": "chat"}},
		                {"key": "atrium.model", "value": {"stringValue": "no-such-model"}}]}
	]}]}]}`
	body := strings.NewReplacer("%START%", nowNanos(-2), "%END%", nowNanos(-1)).Replace(genAI)
	rec := f.ingest("alpha", "/v1/traces", "application/json", []byte(body))
	if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != "application/json" {
		t.Fatalf("JSON export = %d %q %s", rec.Code, rec.Header().Get("Content-Type"), rec.Body)
	}
	var resp collectortrace.ExportTraceServiceResponse
	if err := protojson.Unmarshal(rec.Body.Bytes(), &resp); err != nil {
		t.Fatalf("the answer is not an ExportTraceServiceResponse in JSON: %v (%s)", err, rec.Body)
	}
	if ps := resp.GetPartialSuccess(); ps.GetRejectedSpans() != 1 || ps.GetErrorMessage() == "" {
		t.Fatalf("partial_success = %v, want the span naming an unknown model rejected with a reason", ps)
	}
	// A span that is not about a model (the database call) is passed over,
	// neither stored nor counted as rejected: an application exports all
	// its spans to one endpoint.
	if rec := f.do("viewer", "GET", "/api/v1/usecases/alpha/predictions/5b8efff798038103d269b633813fc60ceee19b7ec3c1b175", "", nil); rec.Code != http.StatusNotFound {
		t.Fatalf("the database span = %d, want no prediction", rec.Code)
	}
	if rec := f.do("viewer", "GET", "/api/v1/usecases/alpha/predictions/5b8efff798038103d269b633813fc60ceee19b7ec3c1b174", "", nil); rec.Code != 200 {
		t.Fatalf("the GenAI span is not stored: %d %s", rec.Code, rec.Body)
	}

	// The same export as protobuf answers protobuf, and it was all seen.
	// OTLP/JSON writes ids in hex, protojson reads bytes as base64.
	var req collectortrace.ExportTraceServiceRequest
	b64 := func(h string) string { b, _ := hex.DecodeString(h); return base64.StdEncoding.EncodeToString(b) }
	asProto := strings.NewReplacer(`"5b8efff798038103d269b633813fc60c"`, `"`+b64("5b8efff798038103d269b633813fc60c")+`"`,
		`"eee19b7ec3c1b174"`, `"`+b64("eee19b7ec3c1b174")+`"`, `"eee19b7ec3c1b175"`, `"`+b64("eee19b7ec3c1b175")+`"`,
		`"eee19b7ec3c1b176"`, `"`+b64("eee19b7ec3c1b176")+`"`).Replace(body)
	if err := protojson.Unmarshal([]byte(asProto), &req); err != nil {
		t.Fatal(err)
	}
	pb, _ := proto.Marshal(&req)
	rec = f.ingest("alpha", "/v1/traces", "application/x-protobuf", pb)
	if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != "application/x-protobuf" {
		t.Fatalf("protobuf export = %d %q %s", rec.Code, rec.Header().Get("Content-Type"), rec.Body)
	}
	resp.Reset()
	if err := proto.Unmarshal(rec.Body.Bytes(), &resp); err != nil {
		t.Fatalf("the answer is not a protobuf ExportTraceServiceResponse: %v", err)
	}
	if got := resp.GetPartialSuccess().GetRejectedSpans(); got != 1 {
		t.Fatalf("protobuf partial_success rejected = %d, want 1", got)
	}

	for _, ct := range []string{"text/plain", "application/grpc", ""} {
		rec := f.ingest("alpha", "/v1/traces", ct, []byte(body))
		if rec.Code != http.StatusUnsupportedMediaType {
			t.Fatalf("Content-Type %q = %d, want 415", ct, rec.Code)
		}
		problem(t, rec)
	}
	if rec := f.ingest("alpha", "/v1/traces", "application/x-protobuf", bytes.Repeat([]byte{0xff}, 64)); rec.Code != http.StatusBadRequest {
		t.Fatalf("garbage protobuf = %d, want 400", rec.Code)
	}
	if rec := f.ingest("", "/v1/traces", "application/json", []byte(body)); rec.Code != http.StatusUnauthorized {
		t.Fatalf("no key = %d, want 401", rec.Code)
	}
	if rec := f.ingest("revoked", "/v1/traces", "application/json", []byte(body)); rec.Code != http.StatusUnauthorized {
		t.Fatalf("a revoked key = %d, want 401", rec.Code)
	}
}

// nowNanos is the time s seconds from now in Unix nanoseconds, as OTLP's
// JSON writes it.
func nowNanos(s int) string {
	return strconv.FormatInt(time.Now().Add(time.Duration(s)*time.Second).UnixNano(), 10)
}
