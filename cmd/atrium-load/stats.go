package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// report is the outcome of one run.
type report struct {
	Scenario string  `json:"scenario"`
	Clients  int     `json:"clients"`
	Seconds  float64 `json:"seconds"`
	Requests int     `json:"requests"`
	OK       int     `json:"ok"`
	Failed   int     `json:"failed"`
	// PerSecond is successful requests per second.
	PerSecond float64 `json:"per_second"`
	// Latency of the successful requests, in milliseconds.
	P50  float64 `json:"p50_ms"`
	P95  float64 `json:"p95_ms"`
	P99  float64 `json:"p99_ms"`
	Max  float64 `json:"max_ms"`
	Mean float64 `json:"mean_ms"`
	// Errors counts failed requests by HTTP status, or "transport" when
	// no answer came.
	Errors map[string]int `json:"errors"`
	// FirstErrors is an example message per status, to say what went wrong.
	FirstErrors map[string]string `json:"first_errors,omitempty"`
	Check       string            `json:"check,omitempty"`
	// Statuses counts every answer by HTTP status, successes too
	// ("transport" when none came).
	Statuses map[string]int `json:"statuses"`
	// Rate is the requests per second aimed at (0: closed loop); latency
	// then counts from each request's scheduled time, so a server that
	// falls behind shows it.
	Rate float64 `json:"target_rate,omitempty"`
	// RequestsPerSecond is every answered request per second, failures too.
	RequestsPerSecond float64 `json:"requests_per_second"`
	// The ingest scenarios: events in successful requests, per second,
	// and what the server answered for them.
	Batch           int        `json:"batch,omitempty"`
	Format          string     `json:"format,omitempty"`
	Gzip            bool       `json:"gzip,omitempty"`
	Events          int        `json:"events,omitempty"`
	EventsPerSecond float64    `json:"events_per_second,omitempty"`
	Accepted        int        `json:"accepted,omitempty"`
	Duplicates      int        `json:"duplicates,omitempty"`
	Refused         int        `json:"refused,omitempty"`
	RSS             *rssReport `json:"server_rss,omitempty"`
}

// tally is one client's record, merged after the run.
type tally struct {
	lat      []time.Duration
	errors   map[string]int
	first    map[string]string
	statuses map[string]int
	events   int
}

// drive runs cfg.clients clients until cfg.duration has passed or ctx
// ends. Closed loop (no -rate), each sends its next request once the last
// one was answered. Open loop (-rate), request n is due at start + n/rate
// and the next free client sends it then; latency counts from when it was
// due, so that time spent waiting for a free client — the server falling
// behind — is not hidden. Requests already sent when the time is up are
// waited for and counted, so that the check afterwards sees every
// acknowledged write.
func drive(ctx context.Context, c *client, cfg config, sc *scenario) report {
	tallies := make([]tally, cfg.clients)
	var wg sync.WaitGroup
	start := time.Now()
	deadline := start.Add(cfg.duration)
	var due atomic.Int64 // open loop: the next request's number
	for cl := range cfg.clients {
		wg.Go(func() {
			t := &tallies[cl]
			t.errors, t.first, t.statuses = map[string]int{}, map[string]string{}, map[string]int{}
			for i := 0; ctx.Err() == nil; i++ {
				var began time.Time
				if cfg.rate > 0 {
					n := due.Add(1) - 1
					began = start.Add(time.Duration(float64(n) / cfg.rate * float64(time.Second)))
					if !began.Before(deadline) {
						return
					}
					if wait := time.Until(began); wait > 0 {
						select {
						case <-time.After(wait):
						case <-ctx.Done():
							return
						}
					}
				} else if !time.Now().Before(deadline) {
					return
				}
				r := sc.next(cl, i)
				if cfg.rate == 0 {
					began = time.Now()
				}
				res := c.do(ctx, r)
				took := time.Since(began)
				key := "transport"
				if res.status != 0 {
					key = strconv.Itoa(res.status)
				}
				t.statuses[key]++
				if res.err == nil && sc.success(res.status) {
					t.lat = append(t.lat, took)
					t.events += r.events
					sc.record(res.status, res.body)
					continue
				}
				msg := ""
				if res.err != nil {
					msg = res.err.Error()
				}
				if res.status != 0 {
					msg = message(res.body)
				}
				t.errors[key]++
				if _, ok := t.first[key]; !ok {
					t.first[key] = msg
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	rep := report{Scenario: cfg.scenario, Clients: cfg.clients, Seconds: elapsed.Seconds(), Errors: map[string]int{},
		FirstErrors: map[string]string{}, Statuses: map[string]int{}, Rate: cfg.rate}
	var lat []time.Duration
	for _, t := range tallies {
		lat = append(lat, t.lat...)
		rep.Events += t.events
		for k, n := range t.statuses {
			rep.Statuses[k] += n
		}
		for k, n := range t.errors {
			rep.Errors[k] += n
			rep.Failed += n
			if _, ok := rep.FirstErrors[k]; !ok {
				rep.FirstErrors[k] = t.first[k]
			}
		}
	}
	rep.OK = len(lat)
	rep.Requests = rep.OK + rep.Failed
	rep.PerSecond = float64(rep.OK) / elapsed.Seconds()
	rep.RequestsPerSecond = float64(rep.Requests) / elapsed.Seconds()
	rep.EventsPerSecond = float64(rep.Events) / elapsed.Seconds()
	if isIngest(cfg.scenario) {
		rep.Format, rep.Gzip = "json", cfg.gzip
		if cfg.ndjson {
			rep.Format = "ndjson"
		}
		rep.Batch = cfg.batch
		if cfg.scenario == scIngestSingle {
			rep.Batch, rep.Format = 1, "json"
		}
	}
	rep.P50, rep.P95, rep.P99, rep.Max, rep.Mean = percentiles(lat)
	return rep
}

// percentiles returns p50, p95, p99, max and mean of lat in milliseconds,
// each percentile the smallest value at or above that share (nearest rank).
func percentiles(lat []time.Duration) (p50, p95, p99, top, mean float64) {
	if len(lat) == 0 {
		return
	}
	lat = slices.Clone(lat)
	slices.Sort(lat)
	rank := func(p int) float64 {
		i := (len(lat)*p+99)/100 - 1
		return ms(lat[min(max0(i), len(lat)-1)])
	}
	var sum time.Duration
	for _, d := range lat {
		sum += d
	}
	return rank(50), rank(95), rank(99), ms(lat[len(lat)-1]), ms(sum) / float64(len(lat))
}

func max0(i int) int {
	if i < 0 {
		return 0
	}
	return i
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func (r report) writeText(w io.Writer) {
	fmt.Fprintf(w, "scenario    %s\n", r.Scenario)
	fmt.Fprintf(w, "clients     %d\n", r.Clients)
	if r.Rate > 0 {
		fmt.Fprintf(w, "target      %.0f requests/s (latency from each request's scheduled time)\n", r.Rate)
	}
	if r.Batch > 0 {
		gz := ""
		if r.Gzip {
			gz = ", gzip"
		}
		fmt.Fprintf(w, "batch       %d events a request (%s%s)\n", r.Batch, r.Format, gz)
	}
	fmt.Fprintf(w, "duration    %.1fs\n", r.Seconds)
	fmt.Fprintf(w, "requests    %d (%d ok, %d failed)\n", r.Requests, r.OK, r.Failed)
	fmt.Fprintf(w, "throughput  %.1f ok/s, %.1f requests/s\n", r.PerSecond, r.RequestsPerSecond)
	if r.Batch > 0 {
		fmt.Fprintf(w, "events      %d in successful requests, %.0f events/s (%d accepted, %d duplicates, %d refused)\n",
			r.Events, r.EventsPerSecond, r.Accepted, r.Duplicates, r.Refused)
	}
	fmt.Fprintf(w, "latency ms  p50 %.2f  p95 %.2f  p99 %.2f  max %.2f  mean %.2f\n", r.P50, r.P95, r.P99, r.Max, r.Mean)
	fmt.Fprintf(w, "statuses    %s\n", counts(r.Statuses))
	if r.RSS != nil {
		fmt.Fprintf(w, "server RSS  %.1f MiB at start, %.1f peak, %.1f at end (pid %d)\n", r.RSS.Start, r.RSS.Peak, r.RSS.End, r.RSS.PID)
	}
	if len(r.Errors) == 0 {
		fmt.Fprintf(w, "errors      none\n")
	} else {
		fmt.Fprintf(w, "errors      %s\n", counts(r.Errors))
		for _, k := range sortedKeys(r.Errors) {
			fmt.Fprintf(w, "  %s e.g.   %s\n", k, r.FirstErrors[k])
		}
	}
	if r.Check != "" {
		fmt.Fprintf(w, "check       %s\n", r.Check)
	}
}

// sortedKeys returns a count map's keys in order.
func sortedKeys(m map[string]int) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// counts formats a count map as "200: 5, 503: 1".
func counts(m map[string]int) string {
	if len(m) == 0 {
		return "none"
	}
	keys := sortedKeys(m)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s: %d", k, m[k])
	}
	return strings.Join(parts, ", ")
}

func (r report) writeJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}
