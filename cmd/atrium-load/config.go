package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"net"
	"net/url"
	"strings"
	"time"
)

// errUsage marks a mistake in the command line.
var errUsage = errors.New("usage")

// Scenarios the tool knows.
const (
	scCreateVersion = "create-version"
	scGetVersion    = "get-version"
	scListVersions  = "list-versions"
	scLogBatch      = "mlflow-log-batch"
	scIngestBatch   = "ingest-batch"
	scIngestSingle  = "ingest-single"
)

var scenarios = []string{scCreateVersion, scGetVersion, scListVersions, scLogBatch, scIngestBatch, scIngestSingle}

// isIngest reports whether a scenario sends events with an ingestion key.
func isIngest(scenario string) bool { return scenario == scIngestBatch || scenario == scIngestSingle }

// Limits on the flags: enough to load a server hard, not enough to turn
// the tool against the machine it runs on.
const (
	maxClients  = 1024
	maxDuration = time.Hour
	maxSeed     = 100_000
	// maxMetrics is MLflow's own limit on metrics in one log-batch.
	maxMetrics = 1000
	// maxEvents is the server's limit on events in one ingest request.
	maxEvents = 10_000
	maxRate   = 1_000_000
)

type config struct {
	base     *url.URL
	token    string
	scenario string
	clients  int
	duration time.Duration
	timeout  time.Duration
	usecase  string
	team     string
	model    string
	seed     int
	metrics  int
	runID    string
	json     bool
	// The ingest scenarios.
	ingestKey string
	batch     int
	ndjson    bool
	gzip      bool
	randomIDs bool
	rate      float64
	pid       int
}

func usageErr(format string, args ...any) error {
	return fmt.Errorf("%w: %s", errUsage, fmt.Sprintf(format, args...))
}

func parseFlags(args []string, getenv func(string) string, stderr io.Writer) (config, error) {
	fs := flag.NewFlagSet("atrium-load", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var cfg config
	var base string
	var remote bool
	fs.StringVar(&base, "url", "http://127.0.0.1:8080", "base URL of the Atrium server")
	fs.StringVar(&cfg.token, "token", "", "API token (default: $ATRIUM_TOKEN); mlflow-log-batch needs one bound to a use case (atrium token create --usecase SLUG), also read from $MLFLOW_TRACKING_TOKEN")
	fs.StringVar(&cfg.scenario, "scenario", scCreateVersion, "one of "+strings.Join(scenarios, ", "))
	fs.IntVar(&cfg.clients, "clients", 16, "concurrent clients, each sending its next request when the last one was answered")
	fs.DurationVar(&cfg.duration, "duration", 10*time.Second, "how long to drive the load")
	fs.DurationVar(&cfg.timeout, "timeout", 30*time.Second, "time limit of one request")
	fs.StringVar(&cfg.usecase, "usecase", "atrium-load", "slug of the use case to work in; created if missing and -team is given")
	fs.StringVar(&cfg.team, "team", "", "team slug that owns the use case, when the tool creates it")
	fs.StringVar(&cfg.model, "model", "load-model", "name of the model whose versions are created or read; created if missing")
	fs.IntVar(&cfg.seed, "seed", 100, "get-version, list-versions: versions the model must have before the run (created if fewer)")
	fs.IntVar(&cfg.metrics, "metrics", 100, "mlflow-log-batch: metrics per request")
	fs.StringVar(&cfg.runID, "run-id", "", "mlflow-log-batch: an existing run to log to (default: create an experiment and a run)")
	fs.StringVar(&cfg.ingestKey, "ingest-key", "", "ingest-*: the ingestion key to send events with (default: $ATRIUM_INGEST_KEY, else one is created with the token)")
	fs.IntVar(&cfg.batch, "batch", 1000, "ingest-batch: events per request")
	format := fs.String("format", "json", "ingest-batch: body format, json (an array) or ndjson")
	fs.BoolVar(&cfg.gzip, "gzip", false, "ingest-*: gzip request bodies")
	fs.BoolVar(&cfg.randomIDs, "random-ids", false, "ingest-*: random hex event ids, as clients sending UUIDs make, instead of each client's sequence")
	fs.Float64Var(&cfg.rate, "rate", 0, "requests per second to aim at, spread over -clients senders (open loop; latency counts from each request's scheduled time); 0: each client sends as soon as its last request was answered")
	fs.IntVar(&cfg.pid, "pid", 0, "process id of the server, to report its resident memory (Linux /proc)")
	fs.BoolVar(&cfg.json, "json", false, "print the report as JSON")
	fs.BoolVar(&remote, "remote", false, "allow a server that is not on loopback")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: atrium-load [flags]\n\nDrives a running Atrium server with concurrent clients and reports throughput,\nlatency percentiles and errors by status.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	if fs.NArg() > 0 {
		return cfg, usageErr("unexpected argument %q", fs.Arg(0))
	}
	if cfg.token == "" {
		cfg.token = getenv("ATRIUM_TOKEN")
	}
	if cfg.token == "" && cfg.scenario == scLogBatch {
		cfg.token = getenv("MLFLOW_TRACKING_TOKEN")
	}
	if cfg.ingestKey == "" && isIngest(cfg.scenario) {
		cfg.ingestKey = getenv("ATRIUM_INGEST_KEY")
	}
	if cfg.token == "" && !(isIngest(cfg.scenario) && cfg.ingestKey != "") {
		return cfg, usageErr("an API token is required: -token or ATRIUM_TOKEN (for mlflow-log-batch also MLFLOW_TRACKING_TOKEN; the ingest scenarios need one only without -ingest-key)")
	}
	switch *format {
	case "json":
	case "ndjson":
		cfg.ndjson = true
	default:
		return cfg, usageErr("-format must be json or ndjson, not %q", *format)
	}
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return cfg, usageErr("-url must be an http or https URL, not %q", base)
	}
	if !remote && !isLoopback(u.Hostname()) {
		return cfg, usageErr("%s is not on loopback; pass -remote to load it anyway", u.Host)
	}
	u.Path = strings.TrimSuffix(u.Path, "/")
	cfg.base = u
	known := false
	for _, s := range scenarios {
		known = known || s == cfg.scenario
	}
	if !known {
		return cfg, usageErr("unknown scenario %q; choose one of %s", cfg.scenario, strings.Join(scenarios, ", "))
	}
	switch {
	case cfg.clients < 1 || cfg.clients > maxClients:
		return cfg, usageErr("-clients must be 1…%d", maxClients)
	case cfg.duration <= 0 || cfg.duration > maxDuration:
		return cfg, usageErr("-duration must be more than 0 and at most %s", maxDuration)
	case cfg.timeout <= 0:
		return cfg, usageErr("-timeout must be more than 0")
	case cfg.seed < 1 || cfg.seed > maxSeed:
		return cfg, usageErr("-seed must be 1…%d", maxSeed)
	case cfg.metrics < 1 || cfg.metrics > maxMetrics:
		return cfg, usageErr("-metrics must be 1…%d (MLflow's limit per log-batch)", maxMetrics)
	case cfg.batch < 1 || cfg.batch > maxEvents:
		return cfg, usageErr("-batch must be 1…%d (the server's limit per request)", maxEvents)
	case math.IsNaN(cfg.rate) || cfg.rate < 0 || cfg.rate > maxRate:
		return cfg, usageErr("-rate must be 0…%d requests per second", maxRate)
	case cfg.pid < 0:
		return cfg, usageErr("-pid must be a process id")
	case cfg.usecase == "" || strings.ContainsAny(cfg.usecase, "/?#"):
		return cfg, usageErr("-usecase must be a use-case slug")
	case cfg.model == "" || strings.ContainsAny(cfg.model, "/?#"):
		return cfg, usageErr("-model must be a model name")
	}
	return cfg, nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
