package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
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
)

var scenarios = []string{scCreateVersion, scGetVersion, scListVersions, scLogBatch}

// Limits on the flags: enough to load a server hard, not enough to turn
// the tool against the machine it runs on.
const (
	maxClients  = 1024
	maxDuration = time.Hour
	maxSeed     = 100_000
	// maxMetrics is MLflow's own limit on metrics in one log-batch.
	maxMetrics = 1000
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
	if cfg.token == "" {
		return cfg, usageErr("an API token is required: -token or ATRIUM_TOKEN (for mlflow-log-batch also MLFLOW_TRACKING_TOKEN)")
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
