package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"sync"
	"time"
)

// scenario is what the load clients send, and what is checked afterwards.
type scenario struct {
	name string
	// next builds request i of client c.
	next func(c, i int) request
	// want is the status of a success; alsoOK, when set, another one
	// (ingest-single: 201 stored, 200 stored before).
	want, alsoOK int
	// created collects the version numbers create-version was given.
	mu      sync.Mutex
	created []int
	// before is the model's version count before the run.
	before int
	// modelPath is the model's path, for the check.
	modelPath string
	// ingest is set for the ingest scenarios.
	ingest *ingestRun
}

// success reports whether status answers a request of the scenario as
// intended.
func (s *scenario) success(status int) bool {
	return status == s.want || (s.alsoOK != 0 && status == s.alsoOK)
}

// record notes what a successful answer says, for the check.
func (s *scenario) record(status int, body []byte) {
	if s.ingest != nil {
		s.recordIngest(status, body)
		return
	}
	if s.name != scCreateVersion {
		return
	}
	var v struct {
		Number int `json:"number"`
	}
	if json.Unmarshal(body, &v) == nil {
		s.mu.Lock()
		s.created = append(s.created, v.Number)
		s.mu.Unlock()
	}
}

// check confirms, after a create-version run, that every acknowledged
// create got a version number of its own, the numbers follow the ones that
// existed before without a gap, and the model now has exactly that many.
func (s *scenario) check(ctx context.Context, c *client, rep *report) error {
	if s.ingest != nil {
		return s.checkIngest(ctx, c, rep)
	}
	if s.name != scCreateVersion {
		return nil
	}
	var a assetOut
	if _, err := c.call(ctx, http.MethodGet, s.modelPath, nil, &a, http.StatusOK); err != nil {
		rep.Check = "could not read the model back: " + err.Error()
		return fmt.Errorf("check: %w", err)
	}
	nums := slices.Clone(s.created)
	slices.Sort(nums)
	ok := len(nums) == rep.OK && a.Versions == s.before+len(nums)
	for i, n := range nums {
		ok = ok && n == s.before+1+i
	}
	if !ok {
		rep.Check = fmt.Sprintf("FAILED: %d creates acknowledged, %d numbers read from the answers, model went from %d to %d versions",
			rep.OK, len(nums), s.before, a.Versions)
		return fmt.Errorf("check: %s", rep.Check)
	}
	if len(nums) == 0 {
		rep.Check = "no version was created"
		return nil
	}
	rep.Check = fmt.Sprintf("versions %d…%d, one per acknowledged create, no gaps; the model has %d", nums[0], nums[len(nums)-1], a.Versions)
	return nil
}

// The parts of the API's answers the tool reads.
type assetOut struct {
	Name     string `json:"name"`
	Versions int    `json:"versions"`
}

type useCaseIn struct {
	Slug string `json:"slug"`
	Name string `json:"name"`
	Team string `json:"team"`
}

type assetIn struct {
	Kind        string `json:"kind"`
	Name        string `json:"name"`
	Description string `json:"description"`
}

// versionIn is the body of a version create (registry.Version's fields).
type versionIn struct {
	URI         string `json:"uri"`
	Digest      string `json:"digest"`
	Size        int64  `json:"size"`
	Description string `json:"description"`
}

// logBatchIn is MLflow's POST /api/2.0/mlflow/runs/log-batch request.
type logBatchIn struct {
	RunID   string     `json:"run_id"`
	Metrics []metricIn `json:"metrics"`
}

type metricIn struct {
	Key       string  `json:"key"`
	Value     float64 `json:"value"`
	Timestamp int64   `json:"timestamp"` // milliseconds since the epoch
	Step      int64   `json:"step"`
}

// setUp makes sure what the scenario needs exists — the use case (created
// when -team is given), the model, enough versions to read, an MLflow run —
// and returns the scenario.
func setUp(ctx context.Context, c *client, cfg config, log io.Writer) (*scenario, error) {
	sc := &scenario{name: cfg.scenario}
	switch {
	case cfg.scenario == scLogBatch:
		return sc, setUpLogBatch(ctx, c, cfg, sc, log)
	case isIngest(cfg.scenario):
		return sc, setUpIngest(ctx, c, cfg, sc, log)
	}
	if err := ensureUseCase(ctx, c, cfg, log); err != nil {
		return nil, err
	}
	sc.modelPath = c.path("api", "v1", "usecases", cfg.usecase, "assets", "model", cfg.model)
	var a assetOut
	status, err := c.call(ctx, http.MethodGet, sc.modelPath, nil, &a, http.StatusOK, http.StatusNotFound)
	if err != nil {
		return nil, err
	}
	if status == http.StatusNotFound {
		in := assetIn{Kind: "model", Name: cfg.model, Description: "Versions created by atrium-load"}
		if _, err := c.call(ctx, http.MethodPost, c.path("api", "v1", "usecases", cfg.usecase, "assets"), in, &a, http.StatusCreated); err != nil {
			return nil, err
		}
		fmt.Fprintf(log, "created model %s\n", cfg.model)
	}
	versions := c.path("api", "v1", "usecases", cfg.usecase, "assets", "model", cfg.model, "versions")
	tag := strconv.FormatInt(time.Now().UnixNano(), 36)
	newVersion := func(c, i int) request {
		uri := fmt.Sprintf("s3://atrium-load/%s/%s/%d-%d", cfg.model, tag, c, i)
		sum := sha256.Sum256([]byte(uri))
		b, _ := json.Marshal(versionIn{URI: uri, Digest: hex.EncodeToString(sum[:]), Size: int64(i), Description: "atrium-load"})
		return request{method: http.MethodPost, path: versions, body: b}
	}
	switch cfg.scenario {
	case scCreateVersion:
		sc.before, sc.next, sc.want = a.Versions, newVersion, http.StatusCreated
		return sc, nil
	case scGetVersion, scListVersions:
		if missing := cfg.seed - a.Versions; missing > 0 {
			fmt.Fprintf(log, "creating %d versions of %s to read\n", missing, cfg.model)
			if err := seed(ctx, c, cfg.clients, missing, newVersion); err != nil {
				return nil, err
			}
			a.Versions = cfg.seed
		}
	}
	n := a.Versions
	if cfg.scenario == scGetVersion {
		sc.next = func(_, _ int) request {
			return request{method: http.MethodGet, path: versions + "/" + strconv.Itoa(1+rand.IntN(n))}
		}
	} else {
		page := url.Values{"page_size": {"100"}}
		sc.next = func(_, _ int) request { return request{method: http.MethodGet, path: versions, query: page} }
	}
	sc.want = http.StatusOK
	return sc, nil
}

// seed creates n versions with up to workers requests at once.
func seed(ctx context.Context, c *client, workers, n int, newVersion func(c, i int) request) error {
	var next sync.Mutex
	left := n
	errs := make(chan error, workers)
	for w := range min(workers, n) {
		go func() {
			for i := 0; ; i++ {
				next.Lock()
				if left == 0 {
					next.Unlock()
					errs <- nil
					return
				}
				left--
				next.Unlock()
				r := newVersion(-1-w, i)
				res := c.do(ctx, r)
				if res.err == nil && res.status != http.StatusCreated {
					res.err = fmt.Errorf("%d %s", res.status, message(res.body))
				}
				if res.err != nil {
					next.Lock()
					left = 0
					next.Unlock()
					errs <- fmt.Errorf("create a version to read: %w", res.err)
					return
				}
			}
		}()
	}
	var first error
	for range min(workers, n) {
		if err := <-errs; err != nil && first == nil {
			first = err
		}
	}
	return first
}

// setUpLogBatch uses -run-id, or creates an experiment and a run through
// MLflow's REST API (experiments/create, runs/create).
func setUpLogBatch(ctx context.Context, c *client, cfg config, sc *scenario, log io.Writer) error {
	runID := cfg.runID
	if runID == "" {
		var exp struct {
			ExperimentID string `json:"experiment_id"`
		}
		name := fmt.Sprintf("atrium-load-%d", time.Now().UnixNano())
		if _, err := c.call(ctx, http.MethodPost, c.path("api", "2.0", "mlflow", "experiments", "create"),
			map[string]string{"name": name}, &exp, http.StatusOK); err != nil {
			return err
		}
		var created struct {
			Run struct {
				Info struct {
					RunID string `json:"run_id"`
				} `json:"info"`
			} `json:"run"`
		}
		in := map[string]any{"experiment_id": exp.ExperimentID, "start_time": time.Now().UnixMilli(), "run_name": "atrium-load"}
		if _, err := c.call(ctx, http.MethodPost, c.path("api", "2.0", "mlflow", "runs", "create"), in, &created, http.StatusOK); err != nil {
			return err
		}
		if runID = created.Run.Info.RunID; runID == "" {
			return fmt.Errorf("runs/create answered without a run id")
		}
		fmt.Fprintf(log, "created experiment %s and run %s\n", name, runID)
	}
	path := c.path("api", "2.0", "mlflow", "runs", "log-batch")
	sc.want = http.StatusOK
	sc.next = func(cl, i int) request {
		now := time.Now().UnixMilli()
		ms := make([]metricIn, cfg.metrics)
		for j := range ms {
			// Keys repeat across requests, steps grow: what a training
			// loop logging cfg.metrics series would send.
			ms[j] = metricIn{Key: fmt.Sprintf("load_c%d_m%d", cl, j), Value: float64(i) / float64(j+1), Timestamp: now, Step: int64(i)}
		}
		b, _ := json.Marshal(logBatchIn{RunID: runID, Metrics: ms})
		return request{method: http.MethodPost, path: path, body: b}
	}
	return nil
}
