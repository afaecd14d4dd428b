package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math"
	mrand "math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// The ingest scenarios send predictions with an ingestion key: batches of
// -batch events (a JSON array or NDJSON, gzipped with -gzip) to the batch
// endpoint, or one event a request to the single-event endpoint. Events
// look like a churn model's: ten features, numeric and categorical, two
// segments, a subject from a pool of 200,000 customers, a score and its
// label, a latency, and now and then a timeout. Ids are unique per run, so
// every event should be accepted: a duplicate or a refusal fails the check.

// ingestRun is what an ingest run counts from the answers, and what the
// check compares with the server afterwards.
type ingestRun struct {
	accepted, duplicates, refused atomic.Int64
	// before is the model's prediction count in window before the run, -1
	// when the tool cannot read it (no token).
	before    int
	aggPath   string
	model     string
	window    countWindow
	firstSeen string
}

// keyIn and keyOut are the ingestion-key create request and answer.
type keyIn struct {
	Name  string `json:"name"`
	Model string `json:"model"`
}

type keyOut struct {
	ID     string `json:"id"`
	Secret string `json:"secret"`
}

type batchOut struct {
	Accepted   int `json:"accepted"`
	Duplicates int `json:"duplicates"`
	Refused    int `json:"refused"`
	Items      []struct {
		Status string `json:"status"`
		Code   string `json:"code"`
		Error  string `json:"error"`
	} `json:"items"`
}

// setUpIngest makes sure the use case has the model with a version and an
// ingestion key (unless -ingest-key names one), and prepares the event
// generators.
func setUpIngest(ctx context.Context, c *client, cfg config, sc *scenario, log io.Writer) error {
	sc.ingest = &ingestRun{before: -1}
	key := cfg.ingestKey
	if cfg.token != "" {
		if err := ensureUseCase(ctx, c, cfg, log); err != nil {
			return err
		}
		model := c.path("api", "v1", "usecases", cfg.usecase, "assets", "model", cfg.model)
		var a assetOut
		status, err := c.call(ctx, http.MethodGet, model, nil, &a, http.StatusOK, http.StatusNotFound)
		if err != nil {
			return err
		}
		if status == http.StatusNotFound {
			in := assetIn{Kind: "model", Name: cfg.model, Description: "Predictions sent by atrium-load"}
			if _, err := c.call(ctx, http.MethodPost, c.path("api", "v1", "usecases", cfg.usecase, "assets"), in, &a, http.StatusCreated); err != nil {
				return err
			}
			fmt.Fprintf(log, "created model %s\n", cfg.model)
		}
		if a.Versions == 0 {
			uri := "s3://atrium-load/" + cfg.model + "/1/model.onnx"
			sum := sha256.Sum256([]byte(uri))
			in := versionIn{URI: uri, Digest: hex.EncodeToString(sum[:]), Size: 1, Description: "the model atrium-load reports predictions of"}
			if _, err := c.call(ctx, http.MethodPost, model+"/versions", in, nil, http.StatusCreated); err != nil {
				return err
			}
			fmt.Fprintf(log, "registered %s version 1\n", cfg.model)
		}
		if key == "" {
			var k keyOut
			in := keyIn{Name: "atrium-load " + time.Now().UTC().Format(time.RFC3339), Model: cfg.model}
			if _, err := c.call(ctx, http.MethodPost, c.path("api", "v1", "usecases", cfg.usecase, "ingest-keys"), in, &k, http.StatusCreated); err != nil {
				return err
			}
			if k.Secret == "" {
				return fmt.Errorf("the ingestion key's answer has no secret")
			}
			key = k.Secret
			fmt.Fprintf(log, "created ingestion key %s\n", k.ID)
		}
		sc.ingest.aggPath = c.path("api", "v1", "usecases", cfg.usecase, "telemetry", "aggregates")
		sc.ingest.model, sc.ingest.window = cfg.model, newCountWindow(cfg.duration)
		n, err := countPredictions(ctx, c, sc.ingest.aggPath, cfg.model, sc.ingest.window)
		if err != nil {
			return err
		}
		sc.ingest.before = n
	}
	tag, err := runTag()
	if err != nil {
		return err
	}
	gens := make([]*eventGen, cfg.clients)
	for i := range gens {
		gens[i] = &eventGen{tag: tag, client: i, model: cfg.model, random: cfg.randomIDs, rng: mrand.New(mrand.NewPCG(uint64(time.Now().UnixNano()), uint64(i)))}
	}
	single := cfg.scenario == scIngestSingle
	path := c.path("api", "v1", "ingest", "predictions", "batch")
	if single {
		path = c.path("api", "v1", "ingest", "predictions")
		sc.want, sc.alsoOK = http.StatusCreated, http.StatusOK
	} else {
		sc.want = http.StatusOK
	}
	sc.next = func(cl, _ int) request {
		g := gens[cl]
		n := cfg.batch
		if single {
			n = 1
		}
		body, ct := g.body(n, single, cfg.ndjson)
		r := request{method: http.MethodPost, path: path, body: body, contentType: ct, credential: key, events: n}
		if cfg.gzip {
			r.body, r.contentEncoding = g.compress(body), "gzip"
		}
		return r
	}
	return nil
}

// ensureUseCase finds the use case, or creates it when -team is given.
func ensureUseCase(ctx context.Context, c *client, cfg config, log io.Writer) error {
	ucPath := c.path("api", "v1", "usecases", cfg.usecase)
	status, err := c.call(ctx, http.MethodGet, ucPath, nil, nil, http.StatusOK, http.StatusNotFound)
	if err != nil || status == http.StatusOK {
		return err
	}
	if cfg.team == "" {
		return fmt.Errorf("use case %q not found (or not visible to this token); pass -team to create it", cfg.usecase)
	}
	in := useCaseIn{Slug: cfg.usecase, Name: "Load test " + cfg.usecase, Team: cfg.team}
	if _, err := c.call(ctx, http.MethodPost, c.path("api", "v1", "usecases"), in, nil, http.StatusCreated); err != nil {
		return err
	}
	fmt.Fprintf(log, "created use case %s\n", cfg.usecase)
	return nil
}

// countWindow is the time window the check counts predictions in: from an
// hour before the run to two hours after its planned end, so that every
// event of the run (timed when it is sent) falls inside it.
type countWindow struct{ from, to time.Time }

func newCountWindow(d time.Duration) countWindow {
	now := time.Now().UTC()
	return countWindow{from: now.Add(-time.Hour).Truncate(time.Hour), to: now.Add(d + 2*time.Hour)}
}

// countPredictions reads how many predictions of the model the use case's
// hourly aggregates count in the window: the aggregates are written in the
// same commit as the events, so once a run's answers are in they count
// every event accepted. (The prediction list does not count; it pages.)
func countPredictions(ctx context.Context, c *client, path, model string, w countWindow) (int, error) {
	var rows struct {
		Items []struct {
			Aggregate struct {
				Predictions int `json:"predictions"`
			} `json:"aggregate"`
		} `json:"items"`
	}
	q := url.Values{"model": {model}, "segment": {""}, "from": {w.from.Format(time.RFC3339)}, "to": {w.to.Format(time.RFC3339)}}
	res := c.do(ctx, request{method: http.MethodGet, path: path, query: q})
	if res.err != nil {
		return 0, fmt.Errorf("count predictions: %w", res.err)
	}
	if res.status != http.StatusOK {
		return 0, fmt.Errorf("count predictions: %d %s", res.status, message(res.body))
	}
	if err := json.Unmarshal(res.body, &rows); err != nil {
		return 0, fmt.Errorf("count predictions: %w", err)
	}
	n := 0
	for _, r := range rows.Items {
		n += r.Aggregate.Predictions
	}
	return n, nil
}

// runTag is a random prefix that makes this run's event ids its own.
func runTag() (string, error) {
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	return "load-" + hex.EncodeToString(b[:]), nil
}

// recordIngest counts what an ingest answer says about its events.
func (s *scenario) recordIngest(status int, body []byte) {
	in := s.ingest
	if s.name == scIngestSingle {
		if status == http.StatusCreated {
			in.accepted.Add(1)
		} else {
			in.duplicates.Add(1)
		}
		return
	}
	var out batchOut
	if err := json.Unmarshal(body, &out); err != nil {
		return
	}
	in.accepted.Add(int64(out.Accepted))
	in.duplicates.Add(int64(out.Duplicates))
	in.refused.Add(int64(out.Refused))
	if out.Refused > 0 {
		s.mu.Lock()
		if in.firstSeen == "" {
			for _, it := range out.Items {
				if it.Status == "refused" {
					in.firstSeen = it.Code + ": " + it.Error
					break
				}
			}
		}
		s.mu.Unlock()
	}
}

// checkIngest confirms that every event sent was accepted, once, and —
// with a token — that the use case's prediction count grew by exactly the
// events accepted.
func (s *scenario) checkIngest(ctx context.Context, c *client, rep *report) error {
	in := s.ingest
	rep.Accepted, rep.Duplicates, rep.Refused = int(in.accepted.Load()), int(in.duplicates.Load()), int(in.refused.Load())
	var problems []string
	if rep.Duplicates > 0 {
		problems = append(problems, fmt.Sprintf("%d events answered as duplicates, though every id was new", rep.Duplicates))
	}
	if rep.Refused > 0 {
		problems = append(problems, fmt.Sprintf("%d events refused (first: %s)", rep.Refused, in.firstSeen))
	}
	if rep.Accepted+rep.Duplicates+rep.Refused != rep.Events {
		problems = append(problems, fmt.Sprintf("answers account for %d events of %d sent in successful requests",
			rep.Accepted+rep.Duplicates+rep.Refused, rep.Events))
	}
	stored := ""
	if in.before >= 0 {
		n, err := countPredictions(ctx, c, in.aggPath, in.model, in.window)
		switch {
		case err != nil:
			problems = append(problems, "could not count the stored predictions: "+err.Error())
		case n-in.before != rep.Accepted:
			problems = append(problems, fmt.Sprintf("the aggregates count %d predictions of %s, %d more than before the run, but %d were accepted",
				n, in.model, n-in.before, rep.Accepted))
		default:
			stored = fmt.Sprintf("; the aggregates count %d predictions of %s (%d before)", n, in.model, in.before)
		}
	}
	if len(problems) > 0 {
		rep.Check = "FAILED: " + strings.Join(problems, "; ")
		return fmt.Errorf("check: %s", rep.Check)
	}
	rep.Check = fmt.Sprintf("%d events accepted, none refused or duplicated%s", rep.Accepted, stored)
	return nil
}

// eventGen makes one load client's events. It is used by that client's
// goroutine only.
type eventGen struct {
	tag    string
	client int
	model  string
	seq    int64
	// random makes ids random hex, as clients that send UUIDs do, instead
	// of the client's sequence (which the primary key takes in order).
	random bool
	rng    *mrand.Rand
	size   int // the last body's size, to size the next one
	zw     *gzip.Writer
}

var (
	plans    = []string{"basic", "plus", "pro"}
	channels = []string{"web", "app", "store", "phone"}
	ageBands = []string{"18-29", "30-44", "45-64", "65+"}
	regions  = []string{"north", "south", "east", "west"}
	discount = []int{0, 0, 0, 5, 10, 15}
)

// body returns n events as one request body and its content type: a JSON
// object (single), an array, or NDJSON.
func (g *eventGen) body(n int, single, ndjson bool) ([]byte, string) {
	b := make([]byte, 0, max(g.size+g.size/8, 512))
	now := time.Now().UTC().AppendFormat(nil, time.RFC3339Nano)
	ct := "application/json"
	switch {
	case single:
		b = g.appendPrediction(b, now)
	case ndjson:
		ct = "application/x-ndjson"
		for range n {
			b = append(g.appendPrediction(b, now), '\n')
		}
	default:
		b = append(b, '[')
		for i := range n {
			if i > 0 {
				b = append(b, ',')
			}
			b = g.appendPrediction(b, now)
		}
		b = append(b, ']')
	}
	g.size = len(b)
	return b, ct
}

// compress gzips a body at the fastest level: the tool should spend its
// CPU sending, not compressing.
func (g *eventGen) compress(body []byte) []byte {
	var out bytes.Buffer
	out.Grow(len(body) / 4)
	if g.zw == nil {
		g.zw, _ = gzip.NewWriterLevel(&out, gzip.BestSpeed)
	} else {
		g.zw.Reset(&out)
	}
	g.zw.Write(body)
	g.zw.Close()
	return out.Bytes()
}

// appendPrediction appends one prediction as JSON. It is written by hand:
// at a hundred thousand events a second, encoding/json's reflection would
// cost the load tool more CPU than the server spends reading them.
func (g *eventGen) appendPrediction(b, now []byte) []byte {
	r := g.rng
	g.seq++
	tenure := 1 + r.IntN(72)
	charges := 15 + r.Float64()*105
	calls := weighted(r, 40, 25, 15, 10, 6, 4)
	late := weighted(r, 70, 18, 8, 4)
	dataGB := math.Exp(2 + 0.8*r.NormFloat64())
	plan := plans[r.IntN(len(plans))]
	autopay := r.Float64() < 0.6
	z := -1 - 0.04*float64(tenure) + 0.45*float64(calls) + 0.6*float64(late) + 0.01*(charges-60)
	if autopay {
		z -= 0.7
	}
	score := 1 / (1 + math.Exp(-z))

	b = append(b, `{"id":"`...)
	b = append(b, g.tag...)
	b = append(b, '-')
	if g.random {
		b = fmt.Appendf(b, "%016x%016x", r.Uint64(), r.Uint64())
	} else {
		b = strconv.AppendInt(b, int64(g.client), 10)
		b = append(b, '-')
		b = strconv.AppendInt(b, g.seq, 10)
	}
	b = append(b, `","model":"`...)
	b = append(b, g.model...)
	b = append(b, `","time":"`...)
	b = append(b, now...)
	b = append(b, `","subject":"cust-`...)
	b = strconv.AppendInt(b, int64(r.IntN(200_000)), 10)
	b = append(b, `","segments":{"region":"`...)
	b = append(b, regions[r.IntN(len(regions))]...)
	b = append(b, `","plan":"`...)
	b = append(b, plan...)
	b = append(b, `"},"features":{"tenure_months":`...)
	b = strconv.AppendInt(b, int64(tenure), 10)
	b = append(b, `,"monthly_charges":`...)
	b = strconv.AppendFloat(b, charges, 'f', 2, 64)
	b = append(b, `,"support_calls":`...)
	b = strconv.AppendInt(b, int64(calls), 10)
	b = append(b, `,"late_payments":`...)
	b = strconv.AppendInt(b, int64(late), 10)
	b = append(b, `,"data_gb":`...)
	b = strconv.AppendFloat(b, dataGB, 'f', 2, 64)
	b = append(b, `,"discount":`...)
	b = strconv.AppendInt(b, int64(discount[r.IntN(len(discount))]), 10)
	b = append(b, `,"plan":"`...)
	b = append(b, plan...)
	b = append(b, `","channel":"`...)
	b = append(b, channels[r.IntN(len(channels))]...)
	b = append(b, `","age_band":"`...)
	b = append(b, ageBands[r.IntN(len(ageBands))]...)
	b = append(b, `","autopay":`...)
	b = strconv.AppendBool(b, autopay)
	b = append(b, '}')
	if r.IntN(200) == 0 {
		// One call in 200 times out: no output, counted in the error rate.
		b = append(b, `,"error":"timeout","latency_ms":1000}`...)
		return b
	}
	b = append(b, `,"output":{"score":`...)
	b = strconv.AppendFloat(b, score, 'f', 4, 64)
	if score >= 0.5 {
		b = append(b, `,"label":"churn"}`...)
	} else {
		b = append(b, `,"label":"stay"}`...)
	}
	b = append(b, `,"latency_ms":`...)
	b = strconv.AppendFloat(b, 2+math.Exp(1.2+0.5*r.NormFloat64()), 'f', 2, 64)
	return append(b, '}')
}

// weighted draws an index with the given relative weights.
func weighted(r *mrand.Rand, w ...int) int {
	total := 0
	for _, x := range w {
		total += x
	}
	n := r.IntN(total)
	for i, x := range w {
		if n < x {
			return i
		}
		n -= x
	}
	return len(w) - 1
}
