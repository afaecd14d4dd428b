package ingest

import (
	"context"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	sdkresource "go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	collectortrace "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"google.golang.org/protobuf/proto"

	"github.com/atrium-mlops/atrium/internal/atrium"
	"github.com/atrium-mlops/atrium/internal/store"
	"github.com/atrium-mlops/atrium/internal/telemetry"
)

// otlpServer is a loopback OTLP/HTTP receiver: each export is decoded
// with DecodeOTLP and submitted to the ingester. With failFirst, the first
// export is stored but answered 503, as when a response is lost, so the
// exporter sends it again.
type otlpServer struct {
	t         *testing.T
	in        *Ingester
	scope     telemetry.KeyScope
	failFirst bool

	mu       sync.Mutex
	exports  int
	ctypes   []string
	results  [][]telemetry.ItemResult
	rejected int
}

func (s *otlpServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/v1/traces" || r.Method != http.MethodPost {
		http.NotFound(w, r)
		return
	}
	req, rejected, why, err := DecodeOTLP(r.Body, r.Header.Get("Content-Type"), r.Header.Get("Content-Encoding"), s.scope.Model, time.Now())
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	res, err := s.in.Submit(r.Context(), s.scope, req)
	if err != nil {
		http.Error(w, err.Error(), http.StatusServiceUnavailable)
		return
	}
	for _, it := range res {
		if it.Status == telemetry.Refused {
			rejected++
			why = it.Error
		}
	}
	s.mu.Lock()
	s.exports++
	first := s.exports == 1
	s.ctypes = append(s.ctypes, r.Header.Get("Content-Type"))
	s.results = append(s.results, res)
	s.rejected += rejected
	s.mu.Unlock()
	if first && s.failFirst {
		w.Header().Set("Retry-After", "0")
		http.Error(w, "try again", http.StatusServiceUnavailable)
		return
	}
	body, ct := OTLPResponse(r.Header.Get("Content-Type"), rejected, why)
	w.Header().Set("Content-Type", ct)
	w.Write(body)
}

// exportSpans sends spans through the OpenTelemetry SDK's OTLP/HTTP
// exporter and returns their span contexts.
func exportSpans(t *testing.T, url string, opts ...otlptracehttp.Option) []trace.SpanContext {
	t.Helper()
	ctx := context.Background()
	opts = append([]otlptracehttp.Option{otlptracehttp.WithEndpointURL(url + "/v1/traces"),
		otlptracehttp.WithRetry(otlptracehttp.RetryConfig{Enabled: true, InitialInterval: time.Millisecond, MaxInterval: 10 * time.Millisecond, MaxElapsedTime: 10 * time.Second})}, opts...)
	exp, err := otlptracehttp.New(ctx, opts...)
	if err != nil {
		t.Fatalf("otlptracehttp.New: %v", err)
	}
	res := sdkresource.NewSchemaless(attribute.String("service.name", "chatbot"), attribute.String("atrium.segment.region", "eu"))
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp), sdktrace.WithResource(res))
	defer tp.Shutdown(ctx)
	tr := tp.Tracer("test")
	start := time.Now().Add(-2 * time.Second)
	var out []trace.SpanContext
	// A chat call, a failed call, a span that is not a model call, and one
	// naming a version through Atrium's attribute.
	_, chat := tr.Start(ctx, "chat churn", trace.WithTimestamp(start), trace.WithAttributes(
		attribute.String("gen_ai.operation.name", "chat"), attribute.String("gen_ai.request.model", "gpt-x"),
		attribute.String("gen_ai.response.model", "gpt-x-2026"), attribute.Float64("gen_ai.request.temperature", 0.2),
		attribute.Int("gen_ai.request.max_tokens", 256), attribute.Int("gen_ai.usage.input_tokens", 31),
		attribute.Int("gen_ai.usage.output_tokens", 12), attribute.StringSlice("gen_ai.response.finish_reasons", []string{"stop", "length"}),
		attribute.String("gen_ai.input.messages", `[{"role":"user","parts":[{"type":"text","content":"my IBAN is …"}]}]`),
		attribute.String("gen_ai.output.messages", `[{"role":"assistant","parts":[{"type":"text","content":"secret answer"}]}]`),
		attribute.String("user.id", "customer-7"), attribute.String("atrium.segment.plan", "pro")))
	chat.End(trace.WithTimestamp(start.Add(1500 * time.Millisecond)))
	out = append(out, chat.SpanContext())
	_, failed := tr.Start(ctx, "chat churn", trace.WithTimestamp(start), trace.WithAttributes(
		attribute.String("gen_ai.operation.name", "chat"), attribute.String("error.type", "TimeoutError")))
	failed.SetStatus(codes.Error, "upstream timed out")
	failed.End(trace.WithTimestamp(start.Add(time.Second)))
	out = append(out, failed.SpanContext())
	_, plain := tr.Start(ctx, "GET /health")
	plain.End()
	_, versioned := tr.Start(ctx, "embeddings", trace.WithTimestamp(start), trace.WithAttributes(
		attribute.String("gen_ai.operation.name", "embeddings"), attribute.String("atrium.model", "churn"), attribute.Int("atrium.model.version", 2)))
	versioned.End(trace.WithTimestamp(start.Add(40 * time.Millisecond)))
	out = append(out, versioned.SpanContext())
	if err := tp.ForceFlush(ctx); err != nil {
		t.Fatalf("ForceFlush: %v", err)
	}
	return out
}

func spanID(sc trace.SpanContext) string {
	tid, sid := sc.TraceID(), sc.SpanID()
	return hex.EncodeToString(tid[:]) + hex.EncodeToString(sid[:])
}

func TestOTLPExporter(t *testing.T) {
	for _, c := range []struct {
		name string
		ct   string
		opts []otlptracehttp.Option
	}{
		{"protobuf", OTLPProtobuf, nil},
		{"json-gzip", OTLPJSON, []otlptracehttp.Option{otlptracehttp.WithEncoding(otlptracehttp.EncodingJSON), otlptracehttp.WithCompression(otlptracehttp.GzipCompression)}},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := newFixture(t, dialects[0].url(t))
			in := f.ingester(t, Options{})
			s := &otlpServer{t: t, in: in, scope: f.scope, failFirst: true}
			srv := httptest.NewServer(s)
			defer srv.Close()
			scs := exportSpans(t, srv.URL, c.opts...)

			s.mu.Lock()
			defer s.mu.Unlock()
			if s.exports < 2 || !strings.HasPrefix(s.ctypes[0], c.ct) {
				t.Fatalf("%d exports of %v, want the first retried, as %s", s.exports, s.ctypes, c.ct)
			}
			// Each span was exported on its own (WithSyncer); the first
			// export was sent twice and stored once.
			first, retry := s.results[0], s.results[1]
			if statuses(first) != "0:accepted" || statuses(retry) != "0:duplicate" || first[0].ID != spanID(scs[0]) {
				t.Fatalf("first export %+v, its retry %+v; want the same id accepted, then a duplicate", first, retry)
			}
			p, err := f.db.GetPrediction(f.owner, "retention", spanID(scs[0]))
			if err != nil {
				t.Fatalf("GetPrediction: %v", err)
			}
			if p.Source != "otlp" || p.Model != "churn" || p.ModelVersion != 1 || p.Alias != "champion" {
				t.Errorf("chat span stored as %s v%d alias %q source %q, want the key's model churn@champion from otlp", p.Model, p.ModelVersion, p.Alias, p.Source)
			}
			if p.LatencyMS == nil || *p.LatencyMS != 1500 || p.Output.Label == nil || *p.Output.Label != "stop" {
				t.Errorf("latency %v label %v, want 1500 ms and the first finish reason", p.LatencyMS, p.Output.Label)
			}
			if p.Features["gen_ai.usage.input_tokens"] != 31.0 || p.Features["gen_ai.request.temperature"] != 0.2 || p.Features["gen_ai.response.model"] != "gpt-x-2026" {
				t.Errorf("features %v, want the parameters and token counts", p.Features)
			}
			for k, v := range p.Features {
				if strings.Contains(k, "messages") || strings.Contains(fmtAny(v), "secret") {
					t.Errorf("content stored as feature %s=%v", k, v)
				}
			}
			if p.Segments["plan"] != "pro" || p.Segments["region"] != "eu" || !strings.HasPrefix(p.Subject, "s_") {
				t.Errorf("segments %v subject %q, want plan from the span, region from the resource, a pseudonymous subject", p.Segments, p.Subject)
			}
			failed, err := f.db.GetPrediction(f.owner, "retention", spanID(scs[1]))
			if err != nil || failed.Error != "timeout" || failed.Output.Label != nil {
				t.Errorf("failed span stored as %+v (%v), want error timeout and no output", failed, err)
			}
			v, err := f.db.GetPrediction(f.owner, "retention", spanID(scs[2]))
			if err != nil || v.ModelVersion != 2 || v.Alias != "" || *v.Output.Label != "ok" {
				t.Errorf("versioned span stored as %+v (%v), want version 2 by atrium.model.version", v, err)
			}
			page, err := f.db.ListPredictions(f.owner, "retention", store.PredictionFilter{}, atrium.PageRequest{Size: 50})
			if err != nil || len(page.Items) != 3 {
				t.Fatalf("%d predictions stored (%v), want 3: the plain span is not a model call", len(page.Items), err)
			}
		})
	}
}

func fmtAny(v any) string {
	s, _ := v.(string)
	return s
}

// TestOTLPJSONSpecExample decodes an OTLP/JSON body written by hand after
// the specification's example: hex ids, enums as numbers, 64-bit integers
// as strings.
func TestOTLPJSONSpecExample(t *testing.T) {
	body := `{"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"my.service"}}]},
	"scopeSpans":[{"scope":{"name":"my.library","version":"1.0.0"},"spans":[
	 {"traceId":"5B8EFFF798038103D269B633813FC60C","spanId":"EEE19B7EC3C1B174","parentSpanId":"EEE19B7EC3C1B173",
	  "name":"chat gpt-x","startTimeUnixNano":"1544712660000000000","endTimeUnixNano":"1544712661250000000","kind":3,
	  "attributes":[{"key":"gen_ai.operation.name","value":{"stringValue":"chat"}},
	   {"key":"gen_ai.request.model","value":{"stringValue":"churn"}},
	   {"key":"gen_ai.usage.input_tokens","value":{"intValue":"42"}},
	   {"key":"gen_ai.request.temperature","value":{"doubleValue":0.5}},
	   {"key":"gen_ai.response.finish_reasons","value":{"arrayValue":{"values":[{"stringValue":"tool_calls"}]}}},
	   {"key":"enduser.id","value":{"intValue":"7"}}],
	  "status":{"code":1},"links":[{"traceId":"5B8EFFF798038103D269B633813FC60D","spanId":"EEE19B7EC3C1B175"}]},
	 {"traceId":"5B8EFFF798038103D269B633813FC60C","spanId":"0000000000000000","name":"bad ids",
	  "endTimeUnixNano":"1544712661250000000","attributes":[{"key":"gen_ai.operation.name","value":{"stringValue":"chat"}}]},
	 {"traceId":"5B8EFFF798038103D269B633813FC60C","spanId":"EEE19B7EC3C1B176","name":"not a model call",
	  "endTimeUnixNano":"1544712661250000000"}
	]}]}]}`
	req, rejected, why, err := DecodeOTLP(strings.NewReader(body), "application/json", "", "", time.Now())
	if err != nil {
		t.Fatalf("DecodeOTLP: %v", err)
	}
	if rejected != 1 || !strings.Contains(why, "span id 8") {
		t.Fatalf("rejected %d (%q), want the span with a zero span id", rejected, why)
	}
	if len(req.Predictions) != 1 {
		t.Fatalf("%d predictions, want 1", len(req.Predictions))
	}
	p := req.Predictions[0]
	if p.ID != "5b8efff798038103d269b633813fc60ceee19b7ec3c1b174" {
		t.Fatalf("ID=%s, want trace id + span id in lower-case hex", p.ID)
	}
	if !p.Time.Equal(time.Unix(0, 1544712661250000000)) || *p.LatencyMS != 1250 || p.Model != "churn" || p.Subject != "7" || *p.Output.Label != "tool_calls" {
		t.Fatalf("prediction %+v", p)
	}
	if p.Features["gen_ai.usage.input_tokens"] != 42.0 || p.Features["gen_ai.request.temperature"] != 0.5 {
		t.Fatalf("features %v", p.Features)
	}
}

func TestOTLPRefusesBadBodies(t *testing.T) {
	for _, c := range []struct{ name, body, ct, enc, msg string }{
		{"text", `hello`, "text/plain", "", "not accepted"},
		{"not protobuf", "\xff\xff\xff", OTLPProtobuf, "", "not an OTLP trace export request in protobuf"},
		{"not json", `{"resourceSpans":`, OTLPJSON, "", "not JSON"},
		{"wrong shape", `{"resourceSpans":{}}`, OTLPJSON, "", "not an OTLP trace export request in JSON"},
		{"bad hex", `{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"zz8EFFF798038103D269B633813FC60C"}]}]}]}`, OTLPJSON, "", "not 32 hex digits"},
		{"deep", `{"resourceSpans":[` + strings.Repeat(`{"a":[`, 100) + strings.Repeat(`]}`, 100) + `]}`, OTLPJSON, "", "deeper"},
		{"brotli", ``, OTLPProtobuf, "br", "Content-Encoding"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, _, _, err := DecodeOTLP(strings.NewReader(c.body), c.ct, c.enc, "", time.Now())
			if atrium.KindOf(err) != atrium.Invalid || !strings.Contains(err.Error(), c.msg) {
				t.Fatalf("err=%v, want Invalid containing %q", err, c.msg)
			}
		})
	}
	// Deep nesting in protobuf: nested array values past the recursion limit.
	v := &collectortrace.ExportTraceServiceRequest{}
	b, _ := proto.Marshal(v)
	deep := nestedAnyValue(100)
	if _, _, _, err := DecodeOTLP(strings.NewReader(string(append(b, deep...))), OTLPProtobuf, "", "", time.Now()); atrium.KindOf(err) != atrium.Invalid {
		t.Fatalf("deep protobuf: %v, want Invalid", err)
	}
}

// nestedAnyValue encodes an ExportTraceServiceRequest whose first span's
// attribute value nests arrays n deep, by hand (field numbers from the
// OTLP protos), so the test does not build the deep message itself.
func nestedAnyValue(n int) []byte {
	// AnyValue{array_value(5): ArrayValue{values(1): AnyValue{…}}}
	inner := []byte{}
	for range n {
		arr := append([]byte{0x0a}, appendLen(nil, len(inner))...)
		arr = append(arr, inner...)
		inner = append([]byte{0x2a}, appendLen(nil, len(arr))...)
		inner = append(inner, arr...)
	}
	kv := append([]byte{0x0a, 0x01, 'k', 0x12}, appendLen(nil, len(inner))...)
	kv = append(kv, inner...)
	span := append([]byte{0x4a}, appendLen(nil, len(kv))...) // Span.attributes = 9
	span = append(span, kv...)
	ss := append([]byte{0x12}, appendLen(nil, len(span))...) // ScopeSpans.spans = 2
	ss = append(ss, span...)
	rs := append([]byte{0x12}, appendLen(nil, len(ss))...) // ResourceSpans.scope_spans = 2
	rs = append(rs, ss...)
	req := append([]byte{0x0a}, appendLen(nil, len(rs))...) // resource_spans = 1
	return append(req, rs...)
}

func appendLen(b []byte, n int) []byte {
	for n >= 0x80 {
		b = append(b, byte(n)|0x80)
		n >>= 7
	}
	return append(b, byte(n))
}

func TestOTLPResponse(t *testing.T) {
	b, ct := OTLPResponse(OTLPProtobuf, 2, "two spans were refused")
	var resp collectortrace.ExportTraceServiceResponse
	if err := proto.Unmarshal(b, &resp); err != nil || ct != OTLPProtobuf || resp.GetPartialSuccess().GetRejectedSpans() != 2 {
		t.Fatalf("protobuf response %q %s %v", b, ct, err)
	}
	b, ct = OTLPResponse("application/json; charset=utf-8", 0, "")
	if ct != OTLPJSON || string(b) != "{}" {
		t.Fatalf("JSON response %q %s, want {}", b, ct)
	}
}
