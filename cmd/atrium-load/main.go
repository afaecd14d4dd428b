// Command atrium-load drives a running Atrium server over HTTP with N
// concurrent clients for a while and reports throughput, latency
// percentiles and errors by status. It speaks only the public API, sets up
// what a scenario needs through it (a use case, a model, versions to read,
// an MLflow run), and checks afterwards what it can: version numbers handed
// out during create-version must be new, consecutive and gap-free.
//
//	atrium-load -scenario create-version -clients 16 -duration 10s -team ml
//	atrium-load -scenario ingest-batch -batch 1000 -clients 8 -gzip -team ml
//	atrium-load -scenario ingest-single -rate 2000 -clients 64 -pid $(pidof atrium)
//
// The ingest scenarios send predictions with an ingestion key (-ingest-key
// or ATRIUM_INGEST_KEY; without one the tool creates one with the token)
// and report events per second and the server's answers for them, and,
// given -pid, the server's resident memory.
//
// The token comes from -token or ATRIUM_TOKEN. The server must be on
// loopback unless -remote is given: a load test is not something to point
// at a shared server by accident.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	switch {
	case err == nil:
	case errors.Is(err, flag.ErrHelp):
		os.Exit(2)
	case errors.Is(err, errUsage):
		fmt.Fprintln(os.Stderr, "atrium-load:", err)
		os.Exit(2)
	default:
		fmt.Fprintln(os.Stderr, "atrium-load:", err)
		os.Exit(1)
	}
}

// run parses args, sets up the scenario, drives the load and prints the
// report to stdout. It returns an error if the set-up failed, if nothing
// succeeded, or if the check after the run failed.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, err := parseFlags(args, getenv, stderr)
	if err != nil {
		return err
	}
	c := newClient(cfg)
	sc, err := setUp(ctx, c, cfg, stderr)
	if err != nil {
		return fmt.Errorf("set-up: %w", err)
	}
	var rss *rssSampler
	if cfg.pid != 0 {
		if rss, err = startRSS(cfg.pid, 250*time.Millisecond); err != nil {
			return err
		}
	}
	rep := drive(ctx, c, cfg, sc)
	if rss != nil {
		rep.RSS = rss.finish()
	}
	checkErr := sc.check(ctx, c, &rep)
	if cfg.json {
		if err := rep.writeJSON(stdout); err != nil {
			return err
		}
	} else {
		rep.writeText(stdout)
	}
	if checkErr != nil {
		return checkErr
	}
	if rep.OK == 0 {
		return fmt.Errorf("no request succeeded (%d failed)", rep.Requests)
	}
	return nil
}
