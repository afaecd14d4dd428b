package telemetry

import (
	collectortrace "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/atrium-mlops/atrium/internal/atrium"
)

// exportResponse encodes the answer to a trace export in the request's
// encoding; partial_success is set only when spans were rejected, as the
// OTLP specification asks.
func exportResponse(media string, rejected int, why string) ([]byte, error) {
	resp := &collectortrace.ExportTraceServiceResponse{}
	if rejected > 0 {
		resp.PartialSuccess = &collectortrace.ExportTracePartialSuccess{RejectedSpans: int64(rejected), ErrorMessage: atrium.Truncate(why, 500)}
	}
	var (
		out []byte
		err error
	)
	if media == otlpJSON {
		out, err = protojson.Marshal(resp)
	} else {
		out, err = proto.Marshal(resp)
	}
	if err != nil {
		return nil, atrium.Wrap(atrium.Internal, err, "encode the trace export's answer")
	}
	return out, nil
}
