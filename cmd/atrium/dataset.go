package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/atrium-mlops/atrium/internal/atrium"
	"github.com/atrium-mlops/atrium/internal/profile"
	"github.com/atrium-mlops/atrium/internal/registry"
)

// parseInterleaved parses flags that may come before or after positional
// arguments ("profile data.csv --json") and returns the positionals.
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			return pos, nil
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

// runDatasetProfile profiles a local dataset file and prints the result;
// with --register SLUG/ASSET it also registers it as the next version of
// that dataset, on a server or on the database, like "dataset register".
func runDatasetProfile(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("atrium dataset profile", flag.ContinueOnError)
	fs.SetOutput(stderr)
	format := fs.String("format", "", "csv, jsonl or parquet (default: from the file name)")
	register := fs.String("register", "", "USECASE/DATASET: register the profile as the next version of that dataset (needs --uri)")
	role := fs.String("role", "", "with --register: what the version is for: training, validation, test or reference")
	source := fs.String("source", "", "with --register: where the data came from")
	owner := fs.String("owner", "", "with --register: who answers for the data")
	client := addClientFlags(fs, getenv, stderr) // --json, and where to register
	var content contentFlags
	content.bind(fs)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: atrium dataset profile FILE [--format csv|jsonl|parquet] [--json] [--register USECASE/DATASET --uri URI [--role R] [--server URL]]")
		fs.PrintDefaults()
	}
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		fs.Usage()
		return fmt.Errorf("name one dataset file")
	}
	var slug, name string
	if *register != "" {
		var ok bool
		if slug, name, ok = strings.Cut(*register, "/"); !ok || slug == "" || name == "" {
			return fmt.Errorf("--register must be USECASE/DATASET, such as churn/customers (got %q)", atrium.Truncate(*register, 60))
		}
		if content.file != "" || content.digest != "" || content.size != 0 {
			return fmt.Errorf("with --register the digest and size are those of %s; leave out --file, --digest and --size", pos[0])
		}
		if client.usecase != "" && client.usecase != slug {
			return fmt.Errorf("--register names use case %q but --usecase says %q", atrium.Truncate(slug, 60), atrium.Truncate(client.usecase, 60))
		}
		if content.uri == "" {
			return fmt.Errorf("--register needs --uri: where the data is kept (the registry stores its address and digest, not the file)")
		}
		client.usecase = slug
		if err := client.check(); err != nil {
			return err
		}
		content.file = pos[0]
	}
	var progress io.Writer
	if isTerminal(stderr) {
		progress = stderr
	}
	p, schema, err := profileFile(ctx, pos[0], *format, progress)
	if err != nil {
		return err
	}
	if *register != "" {
		v, err := content.version() // hashes the file that was profiled
		if err != nil {
			return err
		}
		v.Dataset = &registry.DatasetInfo{Role: registry.DatasetRole(*role), Schema: schema, Profile: &p, Source: *source, Owner: *owner}
		c, err := client.open(ctx)
		if err != nil {
			return err
		}
		defer c.Close()
		out, err := registerDataset(ctx, c, slug, name, v)
		if err != nil {
			return err
		}
		return printRegistered(stdout, client, registry.Dataset, name, out)
	}
	if client.json {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(struct {
			Profile registry.Profile  `json:"profile"`
			Schema  []registry.Column `json:"schema"`
		}{p, schema})
	}
	return printProfile(stdout, pos[0], p)
}

// profileFile profiles the dataset at path (format "" takes it from the
// name), drawing a progress line on progress a few times a second when it is
// not nil.
func profileFile(ctx context.Context, path, format string, progress io.Writer) (registry.Profile, []registry.Column, error) {
	opt := profile.Options{Format: format}
	if progress == nil {
		return profile.File(ctx, path, opt)
	}
	opt.Progress = &profile.Progress{}
	done := make(chan struct{})
	stopped := make(chan struct{})
	start := time.Now()
	go func() {
		defer close(stopped)
		tick := time.NewTicker(250 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-done:
				fmt.Fprint(progress, "\r\033[K")
				return
			case <-tick.C:
				fmt.Fprint(progress, "\r\033[Kprofiling: "+opt.Progress.Line(time.Since(start)))
			}
		}
	}()
	p, schema, err := profile.File(ctx, path, opt)
	close(done)
	<-stopped
	return p, schema, err
}

// isTerminal reports whether w is a terminal (a character device other
// than the null device).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	if err != nil || st.Mode()&os.ModeCharDevice == 0 {
		return false
	}
	null, err := os.Stat(os.DevNull)
	return err != nil || !os.SameFile(st, null)
}

func printProfile(w io.Writer, path string, p registry.Profile) error {
	fmt.Fprintf(w, "%s: %s, %d rows, %d columns, %d bytes\n\n", path, p.Format, p.Rows, len(p.Columns), p.Bytes)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "COLUMN\tTYPE\tNULLS\tDISTINCT≈\tMIN\tMEDIAN≈\tMEAN\tMAX\tSTD\tMOST FREQUENT")
	for _, c := range p.Columns {
		median := ""
		for _, q := range c.Quantiles {
			if q.Q == 0.5 {
				median = num(&q.Value)
			}
		}
		var top []string
		for i, t := range c.Top {
			if i == 3 {
				break
			}
			top = append(top, fmt.Sprintf("%s (%d)", strconv.Quote(trunc(t.Value, 24)), t.Count))
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%s\t%s\t%s\t%s\t%s\t%s\n", trunc(c.Name, 32), c.Type, c.Nulls, c.Distinct,
			num(c.Min), median, num(c.Mean), num(c.Max), num(c.Std), strings.Join(top, ", "))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	var sugg []registry.ColumnProfile
	for _, c := range p.Columns {
		if c.Suggested != nil {
			sugg = append(sugg, c)
		}
	}
	if len(sugg) == 0 {
		_, err := fmt.Fprintln(w, "\nThe PII check suggests no classification.")
		return err
	}
	fmt.Fprintln(w, "\nPII check (suggestions to confirm in the dataset's sensitivity):")
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, c := range sugg {
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", trunc(c.Name, 32), c.Suggested.Classification, c.Suggested.Detector, c.Suggested.Reason)
	}
	return tw.Flush()
}

func num(f *float64) string {
	if f == nil {
		return ""
	}
	return strconv.FormatFloat(*f, 'g', 6, 64)
}

func trunc(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
