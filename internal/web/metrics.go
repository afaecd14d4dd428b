package web

import (
	"fmt"
	"github.com/atrium-mlops/atrium/internal/markdown"
	"io"
	"net/http"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/atrium-mlops/atrium/internal/web/throttle"
)

// latencyBuckets are the upper bounds, in seconds, of the latency histogram.
var latencyBuckets = []float64{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5}

// metrics keeps request counters and latency histograms in memory and writes
// them in the Prometheus text format. Labels are route patterns, never raw
// paths, so the number of series stays bounded.
type metrics struct {
	mu       sync.Mutex
	requests map[reqKey]uint64
	latency  map[string]*histogram
	started  time.Time
}

type reqKey struct {
	route, method string
	code          int
}

type histogram struct {
	counts []uint64 // one per bucket, not cumulative
	count  uint64
	sum    float64
}

func newMetrics() *metrics {
	return &metrics{requests: map[reqKey]uint64{}, latency: map[string]*histogram{}, started: time.Now()}
}

func (m *metrics) observe(route, method string, code int, d time.Duration) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.requests[reqKey{route, method, code}]++
	h := m.latency[route]
	if h == nil {
		h = &histogram{counts: make([]uint64, len(latencyBuckets))}
		m.latency[route] = h
	}
	sec := d.Seconds()
	if i, _ := slices.BinarySearch(latencyBuckets, sec); i < len(latencyBuckets) {
		h.counts[i]++
	}
	h.count++
	h.sum += sec
}

func (m *metrics) write(w io.Writer) {
	m.mu.Lock()
	defer m.mu.Unlock()
	fmt.Fprintln(w, "# HELP atrium_http_requests_total HTTP requests served, by route pattern, method and status.")
	fmt.Fprintln(w, "# TYPE atrium_http_requests_total counter")
	keys := make([]reqKey, 0, len(m.requests))
	for k := range m.requests {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b reqKey) int {
		return strings.Compare(fmt.Sprint(a.route, a.method, a.code), fmt.Sprint(b.route, b.method, b.code))
	})
	for _, k := range keys {
		fmt.Fprintf(w, "atrium_http_requests_total{route=%q,method=%q,code=\"%d\"} %d\n", k.route, k.method, k.code, m.requests[k])
	}
	fmt.Fprintln(w, "# HELP atrium_http_request_duration_seconds Time to serve HTTP requests, by route pattern.")
	fmt.Fprintln(w, "# TYPE atrium_http_request_duration_seconds histogram")
	routes := make([]string, 0, len(m.latency))
	for r := range m.latency {
		routes = append(routes, r)
	}
	slices.Sort(routes)
	for _, r := range routes {
		h := m.latency[r]
		var cum uint64
		for i, le := range latencyBuckets {
			cum += h.counts[i]
			fmt.Fprintf(w, "atrium_http_request_duration_seconds_bucket{route=%q,le=\"%g\"} %d\n", r, le, cum)
		}
		fmt.Fprintf(w, "atrium_http_request_duration_seconds_bucket{route=%q,le=\"+Inf\"} %d\n", r, h.count)
		fmt.Fprintf(w, "atrium_http_request_duration_seconds_sum{route=%q} %g\n", r, h.sum)
		fmt.Fprintf(w, "atrium_http_request_duration_seconds_count{route=%q} %d\n", r, h.count)
	}
}

// family writes one gauge or counter family with its samples, each given as
// a label set and a value.
func family(w io.Writer, name, kind, help string, samples ...any) {
	fmt.Fprintf(w, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, kind)
	for i := 0; i+1 < len(samples); i += 2 {
		fmt.Fprintf(w, "%s%s %v\n", name, samples[i], samples[i+1])
	}
}

// serveMetrics writes the Prometheus exposition: requests, latencies, the
// database pools and a few runtime figures.
func (s *Server) serveMetrics(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	s.metrics.write(w)
	wr, rd := s.db.Stats()
	const pw, pr = `{pool="write"}`, `{pool="read"}`
	family(w, "atrium_db_open_connections", "gauge", "Open database connections.", pw, wr.OpenConnections, pr, rd.OpenConnections)
	family(w, "atrium_db_in_use_connections", "gauge", "Database connections in use.", pw, wr.InUse, pr, rd.InUse)
	family(w, "atrium_db_idle_connections", "gauge", "Idle database connections.", pw, wr.Idle, pr, rd.Idle)
	family(w, "atrium_db_wait_total", "counter", "Times a query waited for a free connection.", pw, wr.WaitCount, pr, rd.WaitCount)
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	family(w, "atrium_go_goroutines", "gauge", "Goroutines.", "", runtime.NumGoroutine())
	family(w, "atrium_go_heap_alloc_bytes", "gauge", "Bytes of allocated heap objects.", "", ms.HeapAlloc)
	// Reads serve stored HTML, so this grows with saves; growth with page
	// views would mean a read path renders again.
	family(w, "atrium_markdown_renders_total", "counter", "Markdown texts rendered (at save, and once at start for older rows).", "", markdown.Renders())
	family(w, "atrium_rate_limited_total", "counter", "Requests refused by the rate limit, by kind of credential.",
		`{credential="session"}`, s.limiter.Refused(throttle.Session), `{credential="token"}`, s.limiter.Refused(throttle.PersonalToken),
		`{credential="automation"}`, s.limiter.Refused(throttle.Automation), `{credential="ingest"}`, s.limiter.Refused(throttle.IngestKey))
	family(w, "atrium_process_uptime_seconds", "gauge", "Seconds since the server started.", "", int64(time.Since(s.metrics.started).Seconds()))
}
