package main

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"strings"
	"text/tabwriter"

	"github.com/atrium-mlops/atrium/internal/telemetry"
)

// The ingestion-key commands: create a key for a client to report events
// with, list a use case's keys, revoke one. Like the registry commands,
// each runs against a server (--server and a token) or on the database as
// the user --as names.

// ingestKeyClient is what the ingestion-key commands need; httpRegistry and
// localRegistry both provide it.
type ingestKeyClient interface {
	CreateIngestKey(ctx context.Context, slug, name, model string) (telemetry.IngestKey, string, error)
	ListIngestKeys(ctx context.Context, slug string) ([]telemetry.IngestKey, error)
	RevokeIngestKey(ctx context.Context, slug, id string) (telemetry.IngestKey, error)
	Close() error
}

// ingestKeyCommands are the subcommands of "atrium ingest-key".
var ingestKeyCommands = map[string]registryCommand{
	"create": runIngestKeyCreate,
	"list":   runIngestKeyList,
	"revoke": runIngestKeyRevoke,
}

// openIngestKeys connects to where the command acts.
func (f *clientFlags) openIngestKeys(ctx context.Context) (ingestKeyClient, error) {
	c, err := f.open(ctx)
	if err != nil {
		return nil, err
	}
	kc, ok := c.(ingestKeyClient)
	if !ok {
		c.Close()
		return nil, fmt.Errorf("this client cannot manage ingestion keys")
	}
	return kc, nil
}

func runIngestKeyCreate(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	f := newClientFlags("ingest-key create", "ingest-key create --usecase SLUG --name NAME [--model MODEL[@ALIAS]]", getenv, stderr)
	name := f.fs.String("name", "", "what the key is for, such as \"scoring API, production\" (required)")
	model := f.fs.String("model", "", "the model an event that names none is about: NAME or NAME@ALIAS")
	if _, err := f.parse(args); err != nil {
		return err
	}
	if strings.TrimSpace(*name) == "" {
		return fmt.Errorf("--name is required: say which client will send with the key")
	}
	c, err := f.openIngestKeys(ctx)
	if err != nil {
		return err
	}
	defer c.Close()
	k, secret, err := c.CreateIngestKey(ctx, f.usecase, strings.TrimSpace(*name), strings.TrimSpace(*model))
	if err != nil {
		return err
	}
	if f.json {
		return printJSON(stdout, struct {
			telemetry.IngestKey
			Secret string `json:"secret"`
		}{k, secret})
	}
	fmt.Fprintf(stdout, "Created ingestion key %q (id %s) for %s.\n\n  %s\n\n", k.Name, k.ID, f.usecase, secret)
	fmt.Fprintln(stdout, "This is the only time the key is shown: Atrium keeps only a hash of it. Clients send it as")
	fmt.Fprintln(stdout, "\"Authorization: Bearer <key>\" to /api/v1/ingest/… or, as an OpenTelemetry exporter's header, to /v1/traces.")
	return nil
}

func runIngestKeyList(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	f := newClientFlags("ingest-key list", "ingest-key list --usecase SLUG", getenv, stderr)
	if _, err := f.parse(args); err != nil {
		return err
	}
	c, err := f.openIngestKeys(ctx)
	if err != nil {
		return err
	}
	defer c.Close()
	keys, err := c.ListIngestKeys(ctx, f.usecase)
	if err != nil {
		return err
	}
	if f.json {
		if keys == nil {
			keys = []telemetry.IngestKey{}
		}
		return printJSON(stdout, keys)
	}
	if len(keys) == 0 {
		fmt.Fprintf(stdout, "%s has no ingestion keys; create one with \"atrium ingest-key create\".\n", f.usecase)
		return nil
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tNAME\tSTARTS WITH\tMODEL\tCREATED\tLAST USED\tSTATUS")
	for _, k := range keys {
		last, status := "never", "active"
		if k.LastUsed != nil {
			last = k.LastUsed.UTC().Format("2006-01-02 15:04")
		}
		if k.RevokedAt != nil {
			status = "revoked " + k.RevokedAt.UTC().Format("2006-01-02")
		}
		fmt.Fprintf(tw, "%s\t%s\t%s…\t%s\t%s\t%s\t%s\n", k.ID, k.Name, k.Prefix, orDash(k.Model), k.CreatedAt.UTC().Format("2006-01-02"), last, status)
	}
	return tw.Flush()
}

func runIngestKeyRevoke(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	f := newClientFlags("ingest-key revoke", "ingest-key revoke ID --usecase SLUG", getenv, stderr)
	pos, err := f.parse(args, "ID")
	if err != nil {
		return err
	}
	c, err := f.openIngestKeys(ctx)
	if err != nil {
		return err
	}
	defer c.Close()
	k, err := c.RevokeIngestKey(ctx, f.usecase, pos[0])
	if err != nil {
		return err
	}
	if f.json {
		return printJSON(stdout, k)
	}
	fmt.Fprintf(stdout, "Revoked ingestion key %q (id %s): clients that send it are refused from now on.\n", k.Name, k.ID)
	return nil
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// The ingestion-key calls of the two clients.

func ingestKeysPath(slug string, rest ...string) string {
	p := "usecases/" + url.PathEscape(slug) + "/ingest-keys"
	for _, r := range rest {
		p += "/" + url.PathEscape(r)
	}
	return p
}

func (c *httpRegistry) CreateIngestKey(ctx context.Context, slug, name, model string) (telemetry.IngestKey, string, error) {
	var out struct {
		telemetry.IngestKey
		Secret string `json:"secret"`
	}
	err := c.do(ctx, "POST", ingestKeysPath(slug), nil, map[string]string{"name": name, "model": model}, &out)
	return out.IngestKey, out.Secret, err
}

func (c *httpRegistry) ListIngestKeys(ctx context.Context, slug string) ([]telemetry.IngestKey, error) {
	var out struct {
		Items []telemetry.IngestKey `json:"items"`
	}
	err := c.do(ctx, "GET", ingestKeysPath(slug), nil, nil, &out)
	return out.Items, err
}

func (c *httpRegistry) RevokeIngestKey(ctx context.Context, slug, id string) (telemetry.IngestKey, error) {
	var out telemetry.IngestKey
	err := c.do(ctx, "DELETE", ingestKeysPath(slug, id), nil, nil, &out)
	return out, err
}

func (l *localRegistry) CreateIngestKey(ctx context.Context, slug, name, model string) (telemetry.IngestKey, string, error) {
	return l.db.CreateIngestKey(l.as(ctx), slug, name, model)
}

func (l *localRegistry) ListIngestKeys(ctx context.Context, slug string) ([]telemetry.IngestKey, error) {
	return l.db.ListIngestKeys(l.as(ctx), slug)
}

func (l *localRegistry) RevokeIngestKey(ctx context.Context, slug, id string) (telemetry.IngestKey, error) {
	return l.db.RevokeIngestKey(l.as(ctx), slug, id)
}
