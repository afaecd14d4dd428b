package ingest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/atrium-mlops/atrium/internal/atrium"
	"github.com/atrium-mlops/atrium/internal/identity"
	"github.com/atrium-mlops/atrium/internal/store"
	"github.com/atrium-mlops/atrium/internal/telemetry"
)

// Defaults of Options, which are also atrium serve's (docs/benchmarks.md,
// "Ingestion", measured with them).
const (
	DefaultMaxPending = 100_000
	DefaultMaxCommit  = 5_000
	DefaultLinger     = 2 * time.Millisecond
)

// ReceiptPrefix begins the secret of a feedback author's status page.
const ReceiptPrefix = "atrr_"

// modelTTL is how long a resolved model version is reused: an alias moved
// to another version is followed within it.
const modelTTL = time.Second

// maxModels bounds the resolved model versions kept.
const maxModels = 10_000

// Options configure an Ingester.
type Options struct {
	DB *store.DB
	// Pseudonymiser turns subject keys and hashed values into pseudonyms;
	// nil drops them instead.
	Pseudonymiser *telemetry.Pseudonymiser
	// MaxPending bounds the events queued or being written; past it a
	// request is refused as Busy. MaxCommit bounds the events of one
	// commit (a request larger than it is committed alone). Linger is how
	// long a commit waits for more requests when more are expected.
	MaxPending, MaxCommit int
	Linger                time.Duration
	// Now is the clock events are checked against (time.Now by default).
	Now func() time.Time
	Log *slog.Logger
}

// backend is what the Ingester needs of the store.
type backend interface {
	WriteTelemetry(ctx context.Context, batches []store.TelemetryBatch) ([][]telemetry.ItemResult, error)
	ResolveModel(ctx context.Context, useCaseID, model, version string) (assetID string, number int, alias string, err error)
	PolicyFor(ctx context.Context, useCaseID string) (telemetry.Policy, bool, error)
}

// Ingester checks events and writes them to the store in shared commits:
// requests that arrive while a commit runs are written together by the
// next one, so a commit's fixed cost is shared by many requests.
type Ingester struct {
	db         backend
	ps         *telemetry.Pseudonymiser
	maxPending int
	maxCommit  int
	linger     time.Duration
	now        func() time.Time
	log        *slog.Logger

	mu      sync.Mutex
	queue   []*job
	pending int // events queued or being written
	closed  bool
	wake    chan struct{} // signalled (without blocking) when a job is queued or on Close
	done    chan struct{}
	// expect is how many requests the next commit can count on (see
	// take); guarded by mu.
	expect int

	models   modelCache
	policies policyCache
	stats    counters
}

// policyCache keeps the compiled privacy policy of each use case, so that
// its name sets are built once per policy version rather than per event.
type policyCache struct {
	mu sync.Mutex
	m  map[string]*telemetry.CompiledPolicy
}

// compiled returns pol compiled, from the cache while the use case's
// policy is unchanged.
func (c *policyCache) compiled(useCaseID string, pol telemetry.Policy) *telemetry.CompiledPolicy {
	c.mu.Lock()
	cp := c.m[useCaseID]
	c.mu.Unlock()
	if cp != nil && cp.Compiles(pol) {
		return cp
	}
	cp = pol.Compile()
	c.mu.Lock()
	if c.m == nil || len(c.m) >= maxModels {
		c.m = make(map[string]*telemetry.CompiledPolicy)
	}
	c.m[useCaseID] = cp
	c.mu.Unlock()
	return cp
}

// New starts an Ingester. Close it to stop it.
func New(o Options) *Ingester { return newWith(o.DB, o) }

// newWith starts an Ingester on a backend other than o.DB (tests wrap the
// store).
func newWith(db backend, o Options) *Ingester {
	in := &Ingester{db: db, ps: o.Pseudonymiser, maxPending: o.MaxPending, maxCommit: o.MaxCommit,
		linger: o.Linger, now: o.Now, log: o.Log, wake: make(chan struct{}, 1), done: make(chan struct{})}
	if in.maxPending <= 0 {
		in.maxPending = DefaultMaxPending
	}
	if in.maxCommit <= 0 {
		in.maxCommit = DefaultMaxCommit
	}
	if in.linger < 0 {
		in.linger = 0
	} else if in.linger == 0 {
		in.linger = DefaultLinger
	}
	if in.now == nil {
		in.now = time.Now
	}
	if in.log == nil {
		in.log = slog.New(slog.DiscardHandler)
	}
	in.expect = 1
	in.models.now = time.Now
	go in.run()
	return in
}

// Close stops taking requests, writes every queued one and waits for the
// last commit to finish.
func (in *Ingester) Close() {
	in.mu.Lock()
	in.closed = true
	in.mu.Unlock()
	in.signal()
	<-in.done
}

// Stats are the Ingester's counters since it started.
type Stats struct {
	// Pending is the number of events queued or being written now.
	Pending int `json:"pending"`
	// Commits counts the store writes, Requests the requests they held,
	// and Failed the writes that failed as a whole.
	Commits  int64 `json:"commits"`
	Requests int64 `json:"requests"`
	Failed   int64 `json:"failed"`
	// Accepted, Duplicates and Refused count events by their answer
	// (Refused includes events refused before the write).
	Accepted   int64 `json:"accepted"`
	Duplicates int64 `json:"duplicates"`
	Refused    int64 `json:"refused"`
	// Busy counts requests refused because the queue was full, and
	// Withdrawn requests whose caller left while they were queued.
	Busy      int64 `json:"busy"`
	Withdrawn int64 `json:"withdrawn"`
}

type counters struct {
	commits, requests, failed     atomic.Int64
	accepted, duplicates, refused atomic.Int64
	busy, withdrawn               atomic.Int64
}

// Stats returns the counters.
func (in *Ingester) Stats() Stats {
	in.mu.Lock()
	pending := in.pending
	in.mu.Unlock()
	s := &in.stats
	return Stats{Pending: pending, Commits: s.commits.Load(), Requests: s.requests.Load(), Failed: s.failed.Load(),
		Accepted: s.accepted.Load(), Duplicates: s.duplicates.Load(), Refused: s.refused.Load(),
		Busy: s.busy.Load(), Withdrawn: s.withdrawn.Load()}
}

// Submit checks the events of r for the use case of scope and writes them,
// returning an answer for every event of the request, by its index: the
// events Decode refused, those refused here (a use_case field naming
// another use case, an unknown model, an invalid event) and the store's
// answer for the rest. Submit fills in what an event may leave out (the
// key's default model, an id, the time of arrival), resolves the model
// version and applies the use case's privacy policy, changing r's events
// in place. It returns once the events are durable. The error is for the
// request as a whole: Busy when too many events wait (retry after the
// wait it carries), Unavailable when the store is, or ctx's error if the
// caller left while the request was still queued.
func (in *Ingester) Submit(ctx context.Context, scope telemetry.KeyScope, r *Request) ([]telemetry.ItemResult, error) {
	if err := in.admit(); err != nil {
		return nil, err
	}
	results := make([]telemetry.ItemResult, r.Len())
	for _, it := range r.Refused {
		if it.Index < 0 || it.Index >= len(results) {
			return nil, atrium.Errorf(atrium.Internal, "submit: refused event %d out of range", it.Index)
		}
		results[it.Index] = it
	}
	pol, _, err := in.db.PolicyFor(ctx, scope.UseCaseID)
	if err != nil {
		return nil, err
	}
	now := in.now().UTC()
	p := prep{in: in, ctx: ctx, scope: scope, r: r, pol: in.policies.compiled(scope.UseCaseID, pol), now: now, results: results}
	batch := store.TelemetryBatch{UseCaseID: scope.UseCaseID, KeyID: scope.KeyID}
	switch r.Kind {
	case Predictions:
		batch.Predictions, err = p.predictions()
	case Outcomes:
		batch.Outcomes = p.outcomes()
	case Feedback:
		batch.Feedback = p.feedback()
	default:
		return nil, atrium.Errorf(atrium.Internal, "submit: unknown event kind %q", r.Kind)
	}
	if err != nil {
		return nil, err
	}
	in.stats.refused.Add(int64(len(results) - len(p.pos)))
	if len(p.pos) == 0 {
		return results, nil
	}
	res, err := in.write(ctx, batch, len(p.pos))
	if err != nil {
		return nil, err
	}
	if len(res) != len(p.pos) {
		return nil, atrium.Errorf(atrium.Internal, "submit: the store answered %d events of %d", len(res), len(p.pos))
	}
	for j, it := range res {
		i := p.pos[j]
		it.Index = i
		results[i] = it
	}
	return results, nil
}

// SubmitFeedback writes feedback a person gave through the feedback link
// linkID ("" for a signed-in user, whose AuthorID the caller sets) and
// returns the store's answer and, when it was accepted, the receipt: the
// secret of the page where its author follows what becomes of it (stored
// only as a hash). Feedback that is not valid, or about a prediction the
// use case does not have, is refused with an error saying why.
func (in *Ingester) SubmitFeedback(ctx context.Context, useCaseID, linkID string, f telemetry.Feedback) (telemetry.ItemResult, string, error) {
	if err := in.admit(); err != nil {
		return telemetry.ItemResult{}, "", err
	}
	if f.ID == "" {
		f.ID = telemetry.NewID()
	}
	now := in.now().UTC()
	if f.Time.IsZero() {
		f.Time = now
	}
	f.LinkID, f.KeyID, f.Status = linkID, "", telemetry.New
	f.AssigneeID, f.AssigneeName, f.Note, f.DecisionIDs, f.ModelVersion = "", "", "", nil, 0
	if err := telemetry.ValidateFeedback(&f, now); err != nil {
		in.stats.refused.Add(1)
		return refusal(0, f.ID, err), "", err
	}
	pol, _, err := in.db.PolicyFor(ctx, useCaseID)
	if err != nil {
		return telemetry.ItemResult{}, "", err
	}
	pol.ApplyFeedback(&f)
	receipt, _ := identity.NewSecret(ReceiptPrefix)
	f.Receipt = receipt
	res, err := in.write(ctx, store.TelemetryBatch{UseCaseID: useCaseID, Feedback: []telemetry.Feedback{f}}, 1)
	if err != nil {
		return telemetry.ItemResult{}, "", err
	}
	if len(res) != 1 {
		return telemetry.ItemResult{}, "", atrium.Errorf(atrium.Internal, "submit feedback: the store answered %d items of 1", len(res))
	}
	it := res[0]
	it.Index = 0
	switch it.Status {
	case telemetry.Accepted:
		return it, receipt, nil
	case telemetry.Duplicate:
		return it, "", nil // the receipt of the first submission stands
	}
	return it, "", atrium.Errorf(atrium.Kind(it.Code), "%s", it.Error)
}

// admit refuses a request at once when the queue is full or closed, before
// any work is spent on it.
func (in *Ingester) admit() error {
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.closed {
		return atrium.Errorf(atrium.Unavailable, "the server is shutting down; send the events again shortly")
	}
	if in.pending >= in.maxPending {
		in.stats.busy.Add(1)
		return busy()
	}
	return nil
}

func busy() error {
	return atrium.Busy(time.Second, "too many events are waiting to be stored; send them again in a second")
}

// refusal is the answer for an event refused with err.
func refusal(index int, id string, err error) telemetry.ItemResult {
	return telemetry.ItemResult{Index: index, ID: id, Status: telemetry.Refused, Code: string(atrium.KindOf(err)), Error: atrium.MessageOf(err)}
}

// prep checks and completes the events of one request.
type prep struct {
	in      *Ingester
	ctx     context.Context
	scope   telemetry.KeyScope
	r       *Request
	pol     *telemetry.CompiledPolicy
	now     time.Time
	results []telemetry.ItemResult
	// pos is the request index of each event kept for the store.
	pos []int
}

// keep reports whether read event i may go on; if not, it is refused.
func (p *prep) check(i int, id string, err error) bool {
	if err != nil {
		p.results[p.r.index(i)] = refusal(p.r.index(i), id, err)
		return false
	}
	p.pos = append(p.pos, p.r.index(i))
	return true
}

// useCase refuses an event whose use_case field names another use case.
func (p *prep) useCase(i int) error {
	if uc := p.r.useCase(i); uc != "" && uc != p.scope.Slug {
		return atrium.Errorf(atrium.Invalid, "use_case %q is not the use case of the ingestion key (%q)", atrium.Truncate(uc, 100), p.scope.Slug)
	}
	return nil
}

func (p *prep) predictions() ([]telemetry.Prediction, error) {
	in := p.in
	defModel, defVersion := splitModel(p.scope.Model)
	out := p.r.Predictions[:0]
	for i := range p.r.Predictions {
		e := p.r.Predictions[i]
		err := p.useCase(i)
		if err == nil {
			if e.Model == "" {
				e.Model = defModel
				if e.Version == "" {
					e.Version = defVersion
				}
			} else if e.Version == "" {
				e.Model, e.Version = splitModel(e.Model)
			}
			if e.ID == "" {
				e.ID = telemetry.NewID()
			}
			if e.Time.IsZero() {
				e.Time = p.now
			}
			if e.Source == "" {
				e.Source = "api"
			}
			err = telemetry.ValidatePrediction(&e, p.now)
		}
		if err == nil {
			var m resolved
			m, err = in.resolve(p.ctx, p.scope.UseCaseID, e.Model, e.Version)
			if err != nil && !refusable(err) {
				return nil, err
			}
			e.ModelAssetID, e.ModelVersion, e.Alias = m.assetID, m.number, m.alias
		}
		if p.check(i, e.ID, err) {
			p.pol.ApplyPrediction(&e, in.ps, p.scope.UseCaseID)
			out = append(out, e)
		}
	}
	return out, nil
}

func (p *prep) outcomes() []telemetry.Outcome {
	out := p.r.Outcomes[:0]
	for i := range p.r.Outcomes {
		e := p.r.Outcomes[i]
		err := p.useCase(i)
		if err == nil {
			if e.Time.IsZero() {
				e.Time = p.now
			}
			err = telemetry.ValidateOutcome(&e, p.now)
		}
		if p.check(i, e.PredictionID, err) {
			out = append(out, e)
		}
	}
	return out
}

func (p *prep) feedback() []telemetry.Feedback {
	out := p.r.Feedback[:0]
	for i := range p.r.Feedback {
		e := p.r.Feedback[i]
		err := p.useCase(i)
		if err == nil {
			if e.ID == "" {
				e.ID = telemetry.NewID()
			}
			if e.Time.IsZero() {
				e.Time = p.now
			}
			// Who wrote it and its triage are the server's to say.
			e.KeyID, e.LinkID, e.AuthorID, e.AuthorName, e.Status = p.scope.KeyID, "", "", "", telemetry.New
			e.AssigneeID, e.AssigneeName, e.Note, e.DecisionIDs, e.ModelVersion, e.Receipt = "", "", "", nil, 0, ""
			err = telemetry.ValidateFeedback(&e, p.now)
		}
		if p.check(i, e.ID, err) {
			p.pol.ApplyFeedback(&e)
			out = append(out, e)
		}
	}
	return out
}

// splitModel splits "name@alias" (or "name@3") into its name and version.
func splitModel(s string) (model, version string) {
	if i := strings.LastIndexByte(s, '@'); i > 0 {
		return s[:i], s[i+1:]
	}
	return s, ""
}

// refusable reports whether err is about the event (refuse it) rather
// than about the server (fail the request).
func refusable(err error) bool {
	switch atrium.KindOf(err) {
	case atrium.Invalid, atrium.NotFound, atrium.TooLarge, atrium.Conflict, atrium.Forbidden:
		return true
	}
	return false
}

// resolved is a model version an event was resolved to.
type resolved struct {
	assetID string
	number  int
	alias   string
	err     error
	until   time.Time
}

type modelKey struct{ useCaseID, model, version string }

// modelCache keeps resolved model versions for modelTTL.
type modelCache struct {
	mu  sync.Mutex
	m   map[modelKey]resolved
	now func() time.Time // time.Now; tests move it
}

// resolve is db.ResolveModel, cached for modelTTL. Answers about the event
// (no such model) are cached too; failures of the store are not.
func (in *Ingester) resolve(ctx context.Context, useCaseID, model, version string) (resolved, error) {
	k := modelKey{useCaseID, model, version}
	c := &in.models
	now := c.now()
	c.mu.Lock()
	r, ok := c.m[k]
	c.mu.Unlock()
	if ok && now.Before(r.until) {
		return r, r.err
	}
	var err error
	r = resolved{until: now.Add(modelTTL)}
	r.assetID, r.number, r.alias, err = in.db.ResolveModel(ctx, useCaseID, model, version)
	if err != nil {
		if !refusable(err) {
			return resolved{}, err
		}
		r = resolved{err: err, until: r.until}
	}
	c.mu.Lock()
	if c.m == nil || len(c.m) >= maxModels {
		c.m = make(map[modelKey]resolved)
	}
	c.m[k] = r
	c.mu.Unlock()
	return r, r.err
}

// The states of a job: its caller may withdraw it only while it is queued;
// once the loop has taken it, the caller waits for the real outcome.
const (
	jobQueued int32 = iota
	jobTaken
	jobWithdrawn
)

// job is one request's events waiting to be written.
type job struct {
	batch  store.TelemetryBatch
	events int
	state  atomic.Int32
	done   chan jobResult
}

type jobResult struct {
	results []telemetry.ItemResult
	err     error
}

// write queues batch and waits until it is written.
func (in *Ingester) write(ctx context.Context, batch store.TelemetryBatch, events int) ([]telemetry.ItemResult, error) {
	j := &job{batch: batch, events: events, done: make(chan jobResult, 1)}
	in.mu.Lock()
	switch {
	case in.closed:
		in.mu.Unlock()
		return nil, atrium.Errorf(atrium.Unavailable, "the server is shutting down; send the events again shortly")
	case in.pending > 0 && in.pending+events > in.maxPending:
		// A request larger than the whole queue still goes when the queue
		// is empty; otherwise it could never be sent.
		in.mu.Unlock()
		in.stats.busy.Add(1)
		return nil, busy()
	}
	in.pending += events
	in.queue = append(in.queue, j)
	in.mu.Unlock()
	in.signal()
	select {
	case res := <-j.done:
		return res.results, res.err
	case <-ctx.Done():
		if j.state.CompareAndSwap(jobQueued, jobWithdrawn) {
			in.mu.Lock()
			in.pending -= events
			in.mu.Unlock()
			in.stats.withdrawn.Add(1)
			return nil, atrium.Wrap(atrium.Unavailable, ctx.Err(), "the request ended before its events were stored")
		}
		res := <-j.done
		return res.results, res.err
	}
}

func (in *Ingester) signal() {
	select {
	case in.wake <- struct{}{}:
	default:
	}
}

func (in *Ingester) run() {
	defer close(in.done)
	// One commit at a time. Taking the next batch while one commits was
	// measured (BenchmarkIngest): the store's single writer runs them one
	// after the other anyway, and the batches were smaller, so it cost
	// more CPU per event and gave fewer events a second.
	for {
		jobs := in.take()
		if jobs == nil {
			return
		}
		in.commit(jobs)
	}
}

// take waits for queued jobs and takes up to maxCommit events of them. If
// the last round suggests more requests are about to arrive (their callers
// were just answered and are sending the next), it waits up to the linger
// for them; a lone client is never kept waiting. It returns nil once the
// Ingester is closed and the queue is empty.
func (in *Ingester) take() []*job {
	var jobs []*job
	events := 0
	grab := func() (closed bool) {
		in.mu.Lock()
		defer in.mu.Unlock()
		n := 0
		for _, j := range in.queue {
			if len(jobs) > 0 && events+j.events > in.maxCommit {
				break
			}
			n++
			if j.state.CompareAndSwap(jobQueued, jobTaken) {
				jobs = append(jobs, j)
				events += j.events
			}
		}
		clear(in.queue[:n])
		in.queue = in.queue[n:]
		if len(in.queue) == 0 {
			in.queue = nil // let the backing array go
		}
		return in.closed
	}
	for len(jobs) == 0 {
		if closed := grab(); closed && len(jobs) == 0 {
			in.mu.Lock()
			empty := len(in.queue) == 0
			in.mu.Unlock()
			if empty {
				return nil
			}
			continue
		}
		if len(jobs) == 0 {
			<-in.wake
		}
	}
	in.mu.Lock()
	expect := in.expect
	in.mu.Unlock()
	if len(jobs) >= expect || events >= in.maxCommit {
		return jobs
	}
	timer := time.NewTimer(in.linger)
	defer timer.Stop()
	for len(jobs) < expect && events < in.maxCommit {
		select {
		case <-in.wake:
			if closed := grab(); closed {
				return jobs
			}
		case <-timer.C:
			grab()
			return jobs
		}
	}
	return jobs
}

// commit writes the jobs in one store call and answers each.
func (in *Ingester) commit(jobs []*job) {
	batches := make([]store.TelemetryBatch, len(jobs))
	events := 0
	for i, j := range jobs {
		batches[i] = j.batch
		events += j.events
	}
	// The write is the Ingester's, not any one caller's: a caller that
	// leaves must not undo the others' events.
	res, err := in.writeTelemetry(batches)
	if err == nil && len(res) != len(jobs) {
		err = atrium.Errorf(atrium.Internal, "the store answered %d requests of %d", len(res), len(jobs))
	}
	in.mu.Lock()
	in.pending -= events
	in.expect = max(1, len(jobs)+len(in.queue))
	in.mu.Unlock()
	in.stats.commits.Add(1)
	in.stats.requests.Add(int64(len(jobs)))
	if err != nil {
		in.stats.failed.Add(1)
		in.log.Warn("telemetry write failed", "requests", len(jobs), "events", events, "kind", atrium.KindOf(err), "error", redact(err))
		for _, j := range jobs {
			j.done <- jobResult{err: err}
		}
		return
	}
	for i, j := range jobs {
		for _, it := range res[i] {
			switch it.Status {
			case telemetry.Accepted:
				in.stats.accepted.Add(1)
			case telemetry.Duplicate:
				in.stats.duplicates.Add(1)
			default:
				in.stats.refused.Add(1)
			}
		}
		j.done <- jobResult{results: res[i]}
	}
}

// writeTelemetry calls the store, turning a panic into an error so that
// no caller waits forever.
func (in *Ingester) writeTelemetry(batches []store.TelemetryBatch) (res [][]telemetry.ItemResult, err error) {
	defer func() {
		if v := recover(); v != nil {
			err = atrium.Errorf(atrium.Internal, "the telemetry write failed")
			var wp *store.WriterPanic
			if e, ok := v.(error); ok && errors.As(e, &wp) {
				in.log.Error("telemetry write panicked", "panic", fmt.Sprint(wp.Value), "stack", string(wp.Stack))
			} else {
				in.log.Error("telemetry write panicked", "panic", fmt.Sprint(v))
			}
		}
	}()
	return in.db.WriteTelemetry(context.Background(), batches)
}

// redact is an error's text for a log line with anything quoted left out:
// messages quote the values they are about, and events' values must not
// reach the logs.
func redact(err error) string {
	s := err.Error()
	var b strings.Builder
	quoted := false
	for _, r := range s {
		switch {
		case r == '"':
			if !quoted {
				b.WriteString(`"…"`)
			}
			quoted = !quoted
		case !quoted:
			b.WriteRune(r)
		}
	}
	return b.String()
}
