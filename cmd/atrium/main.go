// Command atrium is the Atrium server and its administration tool.
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
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	if err != nil && !errors.Is(err, flag.ErrHelp) {
		fmt.Fprintln(os.Stderr, "atrium:", err)
		os.Exit(1)
	}
}

const usage = `Atrium — a human-centric MLOps control plane.

Usage:
  atrium serve          run the web UI and API (default)
  atrium demo           run on a fresh data folder with an example use case
  atrium migrate        apply database migrations and exit
  atrium user add       add a user:  --email E [--name N] [--admin]
  atrium token create   print a new API token:  --user E --name N [--expires 90d]
  atrium dataset register  register a dataset version:  NAME --usecase S --uri U (--digest D | --file F)
  atrium model register    register a model version:  NAME --usecase S --uri U (--digest D | --file F)
  atrium prompt push       add a prompt version from a template file:  NAME --usecase S --file F --uri U
  atrium prompt get        print a prompt's template, or render it:  NAME --usecase S [--alias A] [--var k=v]
  atrium alias set         point an alias at a version:  KIND NAME ALIAS VERSION --usecase S --reason R
  atrium alias history     an alias's moves, or where it pointed --at a time:  KIND NAME ALIAS --usecase S
  atrium ingest-key create  a key for a client to report events with:  --usecase S --name N [--model M[@ALIAS]]
  atrium ingest-key list    a use case's ingestion keys:  --usecase S
  atrium ingest-key revoke  refuse a key from now on:  ID --usecase S
  atrium audit verify   check the audit trail and its signed checkpoints
  atrium backup         snapshot a running SQLite database:  --out FILE
  atrium restore        put a snapshot back (server stopped):  --from FILE
  atrium dataset profile FILE   profile a CSV, JSON Lines or Parquet file
  atrium version        print the version

Every command but dataset profile takes --data and --db; run "atrium <command> -h" for its flags.
The registry and ingest-key commands work on the database as
the user --as names, or on a server with --server URL and --token (ATRIUM_TOKEN).
`

// run is the whole program, with its environment passed in so that tests can
// run it in-process.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cmd := "serve"
	if len(args) > 0 && args[0] != "" && args[0][0] != '-' {
		cmd, args = args[0], args[1:]
	}
	sub := func() (string, []string) {
		if len(args) == 0 {
			return "", nil
		}
		return args[0], args[1:]
	}
	switch cmd {
	case "serve":
		return runServe(ctx, args, getenv, stdout, stderr, false)
	case "demo":
		return runServe(ctx, args, getenv, stdout, stderr, true)
	case "migrate":
		return runMigrate(ctx, args, getenv, stdout, stderr)
	case "user":
		if s, rest := sub(); s == "add" {
			return runUserAdd(ctx, rest, getenv, stdout, stderr)
		}
		return fmt.Errorf("unknown command; did you mean \"atrium user add\"?")
	case "token":
		if s, rest := sub(); s == "create" {
			return runTokenCreate(ctx, rest, getenv, stdout, stderr)
		}
		return fmt.Errorf("unknown command; did you mean \"atrium token create\"?")
	case "audit":
		if s, rest := sub(); s == "verify" {
			return runAuditVerify(ctx, rest, getenv, stdout, stderr)
		}
		return fmt.Errorf("unknown command; did you mean \"atrium audit verify\"?")
	case "dataset", "model", "prompt", "alias", "ingest-key":
		return runRegistry(ctx, cmd, args, getenv, stdout, stderr)
	case "backup":
		return runBackup(ctx, args, getenv, stdout, stderr)
	case "restore":
		return runRestore(ctx, args, getenv, stdout, stderr)
	case "version":
		fmt.Fprintln(stdout, "atrium", version)
		return nil
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("unknown command %q", cmd)
}
