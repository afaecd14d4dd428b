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
}

// tally is one client's record, merged after the run.
type tally struct {
	lat    []time.Duration
	errors map[string]int
	first  map[string]string
}

// drive runs cfg.clients closed-loop clients — each sends its next request
// once the last one was answered — until cfg.duration has passed or ctx
// ends. Requests already sent when the time is up are waited for and
// counted, so that the check afterwards sees every acknowledged write.
func drive(ctx context.Context, c *client, cfg config, sc *scenario) report {
	tallies := make([]tally, cfg.clients)
	var wg sync.WaitGroup
	start := time.Now()
	deadline := start.Add(cfg.duration)
	for cl := range cfg.clients {
		wg.Go(func() {
			t := &tallies[cl]
			t.errors, t.first = map[string]int{}, map[string]string{}
			for i := 0; time.Now().Before(deadline) && ctx.Err() == nil; i++ {
				r := sc.next(cl, i)
				began := time.Now()
				res := c.do(ctx, r)
				took := time.Since(began)
				if res.err == nil && res.status == sc.want {
					t.lat = append(t.lat, took)
					sc.record(res.body)
					continue
				}
				key, msg := "transport", ""
				if res.err != nil {
					msg = res.err.Error()
				}
				if res.status != 0 {
					key = strconv.Itoa(res.status)
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
	rep := report{Scenario: cfg.scenario, Clients: cfg.clients, Seconds: elapsed.Seconds(), Errors: map[string]int{}, FirstErrors: map[string]string{}}
	var lat []time.Duration
	for _, t := range tallies {
		lat = append(lat, t.lat...)
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
	fmt.Fprintf(w, "duration    %.1fs\n", r.Seconds)
	fmt.Fprintf(w, "requests    %d (%d ok, %d failed)\n", r.Requests, r.OK, r.Failed)
	fmt.Fprintf(w, "throughput  %.1f ok/s\n", r.PerSecond)
	fmt.Fprintf(w, "latency ms  p50 %.2f  p95 %.2f  p99 %.2f  max %.2f  mean %.2f\n", r.P50, r.P95, r.P99, r.Max, r.Mean)
	if len(r.Errors) == 0 {
		fmt.Fprintf(w, "errors      none\n")
	} else {
		keys := make([]string, 0, len(r.Errors))
		for k := range r.Errors {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = fmt.Sprintf("%s: %d", k, r.Errors[k])
		}
		fmt.Fprintf(w, "errors      %s\n", strings.Join(parts, ", "))
		for _, k := range keys {
			fmt.Fprintf(w, "  %s e.g.   %s\n", k, r.FirstErrors[k])
		}
	}
	if r.Check != "" {
		fmt.Fprintf(w, "check       %s\n", r.Check)
	}
}

func (r report) writeJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}
