package ingest

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"mime"
	"strconv"
	"strings"
	"time"

	collectortrace "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/atrium-mlops/atrium/internal/atrium"
	"github.com/atrium-mlops/atrium/internal/telemetry"
)

// OTLP/HTTP trace export (POST /v1/traces): spans that follow the
// OpenTelemetry semantic conventions for generative AI become predictions.
// A span is one model call; what the call was asked and answered (prompts,
// completions, messages) is never read, only its parameters, token counts,
// outcome and timing.

// Content types of OTLP/HTTP bodies.
const (
	OTLPProtobuf = "application/x-protobuf"
	OTLPJSON     = "application/json"
)

// otlpDepth bounds the nesting of an export request (attribute values may
// nest arrays and key-value lists). Real requests nest about ten deep.
const otlpDepth = 32

// Span attributes read from model-call spans (OpenTelemetry GenAI semantic
// conventions), and Atrium's own.
const (
	attrModel         = "atrium.model"
	attrModelVersion  = "atrium.model.version"
	attrSegmentPrefix = "atrium.segment."
	attrFinishReasons = "gen_ai.response.finish_reasons"
	attrErrorType     = "error.type"
	attrRequestModel  = "gen_ai.request.model"
)

// genAIFeatures are the attributes kept as features: the request's
// parameters, what was served, and the tokens used. Anything else on the
// span (prompt and completion content above all) is not kept.
var genAIFeatures = map[string]bool{
	"gen_ai.operation.name": true, "gen_ai.provider.name": true, "gen_ai.system": true,
	"gen_ai.request.model": true, "gen_ai.response.model": true,
	"gen_ai.request.temperature": true, "gen_ai.request.max_tokens": true, "gen_ai.request.top_p": true,
	"gen_ai.request.top_k": true, "gen_ai.request.frequency_penalty": true, "gen_ai.request.presence_penalty": true,
	"gen_ai.request.seed": true, "gen_ai.request.choice.count": true,
	"gen_ai.usage.input_tokens": true, "gen_ai.usage.output_tokens": true,
	"gen_ai.usage.cache_read.input_tokens": true, "gen_ai.usage.cache_creation.input_tokens": true,
	"gen_ai.usage.reasoning.output_tokens": true,
	// Older instrumentations' names for the token counts.
	"gen_ai.usage.prompt_tokens": true, "gen_ai.usage.completion_tokens": true,
}

// DecodeOTLP reads an OTLP/HTTP trace export request (protobuf, or JSON as
// the OTLP specification encodes it) and returns a prediction for each span
// about a generative AI call: one with a gen_ai.* attribute. Other spans
// are ignored, not refused. A prediction's id is the span's trace id and
// span id in hex, so an exporter's retry is a duplicate, not a second
// prediction; its time is the span's end and its latency its duration. Its
// model is the span's (or resource's) atrium.model attribute, else
// defaultModel (the ingestion key's), else gen_ai.request.model; its
// version atrium.model.version. Subject comes from user.id or enduser.id,
// segments from atrium.segment.<name>, features from the request
// parameters and token counts, the output label from the first finish
// reason ("ok" for a call that reports none, such as embeddings), and an
// error status or error.type makes it a failed call ("timeout" when the
// error type says so).
//
// Spans with gen_ai.* attributes that cannot be read (ids of the wrong
// length, no end time) are left out of the Request: rejected counts them
// and why says what was wrong with the first, for the export response's
// partial success. The body limits are Decode's. Span times are checked
// against the clock by Submit, like every event's; now is not needed here.
func DecodeOTLP(body io.Reader, contentType, contentEncoding string, defaultModel string, _ time.Time) (req *Request, rejected int, why string, err error) {
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil && strings.TrimSpace(contentType) != "" {
		return nil, 0, "", atrium.Errorf(atrium.Invalid, "the Content-Type %q cannot be read; send %s or %s", atrium.Truncate(contentType, 80), OTLPProtobuf, OTLPJSON)
	}
	switch mt {
	case OTLPProtobuf, "application/protobuf", OTLPJSON:
	default:
		return nil, 0, "", atrium.Errorf(atrium.Invalid, "the Content-Type %q is not accepted for OTLP; send %s or %s", atrium.Truncate(contentType, 80), OTLPProtobuf, OTLPJSON)
	}
	buf, err := readBody(body, contentEncoding, telemetry.MaxBodyBytes)
	if err != nil {
		return nil, 0, "", err
	}
	defer buf.release()
	var ex collectortrace.ExportTraceServiceRequest
	if mt == OTLPJSON {
		err = unmarshalOTLPJSON(buf.b, &ex)
	} else {
		err = proto.UnmarshalOptions{RecursionLimit: otlpDepth, DiscardUnknown: true}.Unmarshal(buf.b, &ex)
		if err != nil {
			err = atrium.Errorf(atrium.Invalid, "the body is not an OTLP trace export request in protobuf: %v", err)
		}
	}
	if err != nil {
		return nil, 0, "", err
	}
	req = &Request{Kind: Predictions}
	for _, rs := range ex.GetResourceSpans() {
		res := rs.GetResource().GetAttributes()
		for _, ss := range rs.GetScopeSpans() {
			for _, sp := range ss.GetSpans() {
				if !isGenAI(sp) {
					continue
				}
				if len(req.Predictions) >= telemetry.MaxBatch {
					return nil, 0, "", atrium.Errorf(atrium.TooLarge, "a request holds at most %d model-call spans; export smaller batches", telemetry.MaxBatch)
				}
				p, err := spanPrediction(sp, res, defaultModel)
				if err != nil {
					if rejected == 0 {
						why = err.Error()
					}
					rejected++
					continue
				}
				req.Predictions = append(req.Predictions, p)
			}
		}
	}
	if rejected > 1 {
		why = fmt.Sprintf("%s (and %d more spans)", why, rejected-1)
	}
	return req, rejected, why, nil
}

// OTLPResponse is the body of an export response in the request's content
// type: an empty ExportTraceServiceResponse when every span was taken, a
// partial success naming the rejected ones otherwise.
func OTLPResponse(contentType string, rejected int, message string) (body []byte, ct string) {
	resp := &collectortrace.ExportTraceServiceResponse{}
	if rejected > 0 {
		resp.PartialSuccess = &collectortrace.ExportTracePartialSuccess{RejectedSpans: int64(rejected), ErrorMessage: message}
	}
	if mt, _, _ := mime.ParseMediaType(contentType); mt == OTLPJSON {
		b, _ := protojson.Marshal(resp)
		return b, OTLPJSON
	}
	b, _ := proto.Marshal(resp)
	return b, OTLPProtobuf
}

// unmarshalOTLPJSON reads OTLP/JSON. It differs from protobuf's canonical
// JSON mapping in one way that matters: trace and span ids are hex, not
// base64 (a 32-digit hex trace id is also valid base64, of 24 wrong bytes).
// The OpenTelemetry Collector reads ids with their own JSON decoders; here
// the ids are rewritten to base64 and the rest left to protojson, which
// already takes enums as numbers and 64-bit integers as numbers or strings,
// as OTLP/JSON sends them. An id already in base64 is left as it is.
func unmarshalOTLPJSON(b []byte, ex *collectortrace.ExportTraceServiceRequest) error {
	var doc any
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	if err := d.Decode(&doc); err != nil {
		return atrium.Errorf(atrium.Invalid, "the body is not JSON: %v", err)
	}
	if d.More() {
		return atrium.Errorf(atrium.Invalid, "the body has more after its JSON object")
	}
	if err := hexIDsToBase64(doc, 0); err != nil {
		return err
	}
	fixed, err := json.Marshal(doc)
	if err != nil {
		return atrium.Wrap(atrium.Internal, err, "re-encode the OTLP request")
	}
	err = protojson.UnmarshalOptions{DiscardUnknown: true, RecursionLimit: otlpDepth}.Unmarshal(fixed, ex)
	if err != nil {
		return atrium.Errorf(atrium.Invalid, "the body is not an OTLP trace export request in JSON: %v", err)
	}
	return nil
}

// idFields are the JSON names of the id fields, camelCase as OTLP/JSON
// sends them and the proto names protojson also accepts, with the byte
// length of each.
var idFields = map[string]int{
	"traceId": 16, "trace_id": 16,
	"spanId": 8, "span_id": 8,
	"parentSpanId": 8, "parent_span_id": 8,
}

// hexIDsToBase64 rewrites hex id strings in place, wherever they are
// (spans and their links).
func hexIDsToBase64(v any, depth int) error {
	if depth > otlpDepth {
		return atrium.Errorf(atrium.Invalid, "the OTLP request is nested deeper than %d levels", otlpDepth)
	}
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			if n, ok := idFields[k]; ok {
				if s, ok := e.(string); ok && len(s) == 2*n {
					raw, err := hex.DecodeString(s)
					if err != nil {
						return atrium.Errorf(atrium.Invalid, "%s %q is not %d hex digits", k, atrium.Truncate(s, 40), 2*n)
					}
					x[k] = base64.StdEncoding.EncodeToString(raw)
				}
				continue
			}
			if err := hexIDsToBase64(e, depth+1); err != nil {
				return err
			}
		}
	case []any:
		for _, e := range x {
			if err := hexIDsToBase64(e, depth+1); err != nil {
				return err
			}
		}
	}
	return nil
}

// isGenAI reports whether a span describes a generative AI call.
func isGenAI(sp *tracepb.Span) bool {
	for _, kv := range sp.GetAttributes() {
		if strings.HasPrefix(kv.GetKey(), "gen_ai.") {
			return true
		}
	}
	return false
}

// spanPrediction maps one model-call span.
func spanPrediction(sp *tracepb.Span, resource []*commonpb.KeyValue, defaultModel string) (telemetry.Prediction, error) {
	var p telemetry.Prediction
	tid, sid := sp.GetTraceId(), sp.GetSpanId()
	if len(tid) != 16 || len(sid) != 8 || allZero(tid) || allZero(sid) {
		return p, fmt.Errorf("span %q: a trace id is 16 bytes and a span id 8, not all zero", atrium.Truncate(sp.GetName(), 60))
	}
	p.ID = hex.EncodeToString(tid) + hex.EncodeToString(sid)
	start, end := sp.GetStartTimeUnixNano(), sp.GetEndTimeUnixNano()
	switch {
	case end == 0:
		return p, fmt.Errorf("span %s has no end time", p.ID)
	case end > math.MaxInt64:
		return p, fmt.Errorf("span %s ends too far in the future", p.ID)
	case start > end:
		return p, fmt.Errorf("span %s ends before it starts", p.ID)
	}
	p.Time = time.Unix(0, int64(end)).UTC()
	if start > 0 {
		ms := float64(end-start) / float64(time.Millisecond)
		p.LatencyMS = &ms
	}
	p.Source = "otlp"

	// Atrium's attributes may sit on the span or, for a whole service, on
	// its resource; the span's win.
	atriumAttr := func(key string) (*commonpb.AnyValue, bool) {
		if v, ok := attr(sp.GetAttributes(), key); ok {
			return v, true
		}
		return attr(resource, key)
	}
	if v, ok := atriumAttr(attrModel); ok {
		p.Model = valueText(v)
	} else if defaultModel != "" {
		p.Model = defaultModel
	} else if v, ok := attr(sp.GetAttributes(), attrRequestModel); ok {
		p.Model = valueText(v)
	}
	if v, ok := atriumAttr(attrModelVersion); ok {
		p.Version = valueText(v)
	}
	for _, key := range []string{"user.id", "enduser.id"} {
		if v, ok := attr(sp.GetAttributes(), key); ok && p.Subject == "" {
			p.Subject = valueText(v)
		}
	}
	segment := func(kvs []*commonpb.KeyValue) {
		for _, kv := range kvs {
			if name, ok := strings.CutPrefix(kv.GetKey(), attrSegmentPrefix); ok && name != "" {
				if p.Segments == nil {
					p.Segments = map[string]string{}
				}
				if _, set := p.Segments[name]; !set {
					p.Segments[name] = valueText(kv.GetValue())
				}
			}
		}
	}
	segment(sp.GetAttributes())
	segment(resource)

	var failure string
	var label *string
	for _, kv := range sp.GetAttributes() {
		k, v := kv.GetKey(), kv.GetValue()
		switch {
		case genAIFeatures[k]:
			if f, ok := featureValue(v); ok {
				if p.Features == nil {
					p.Features = make(map[string]any, 8)
				}
				p.Features[k] = f
			}
		case k == attrFinishReasons:
			if arr := v.GetArrayValue().GetValues(); len(arr) > 0 {
				l := valueText(arr[0])
				label = &l
			} else if s, ok := v.GetValue().(*commonpb.AnyValue_StringValue); ok && s.StringValue != "" {
				l := s.StringValue
				label = &l
			}
		case k == attrErrorType:
			failure = "error"
			if strings.Contains(strings.ToLower(valueText(v)), "timeout") {
				failure = "timeout"
			}
		}
	}
	if sp.GetStatus().GetCode() == tracepb.Status_STATUS_CODE_ERROR && failure == "" {
		failure = "error"
	}
	switch {
	case failure != "":
		p.Error = failure
	case label != nil:
		p.Output.Label = label
	default:
		ok := "ok"
		p.Output.Label = &ok
	}
	return p, nil
}

func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

// attr finds an attribute by key.
func attr(kvs []*commonpb.KeyValue, key string) (*commonpb.AnyValue, bool) {
	for _, kv := range kvs {
		if kv.GetKey() == key {
			return kv.GetValue(), true
		}
	}
	return nil, false
}

// valueText is a scalar attribute value as text.
func valueText(v *commonpb.AnyValue) string {
	switch x := v.GetValue().(type) {
	case *commonpb.AnyValue_StringValue:
		return x.StringValue
	case *commonpb.AnyValue_IntValue:
		return strconv.FormatInt(x.IntValue, 10)
	case *commonpb.AnyValue_DoubleValue:
		return strconv.FormatFloat(x.DoubleValue, 'g', -1, 64)
	case *commonpb.AnyValue_BoolValue:
		return strconv.FormatBool(x.BoolValue)
	}
	return ""
}

// featureValue is a scalar attribute value as a feature value; arrays,
// lists and bytes are not features.
func featureValue(v *commonpb.AnyValue) (any, bool) {
	switch x := v.GetValue().(type) {
	case *commonpb.AnyValue_StringValue:
		return x.StringValue, true
	case *commonpb.AnyValue_IntValue:
		return float64(x.IntValue), true
	case *commonpb.AnyValue_DoubleValue:
		if math.IsNaN(x.DoubleValue) || math.IsInf(x.DoubleValue, 0) {
			return nil, false
		}
		return x.DoubleValue, true
	case *commonpb.AnyValue_BoolValue:
		return x.BoolValue, true
	}
	return nil, false
}
