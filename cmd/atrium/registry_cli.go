package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/atrium-mlops/atrium/internal/atrium"
	"github.com/atrium-mlops/atrium/internal/registry"
)

// The registry commands: register datasets and models, push and fetch
// prompts, move aliases and ask where they pointed. Each runs against a
// server (--server and a token) or on the database (--data/--db, as the user
// --as names); both go through registryClient.

// registryCommand is one "atrium <group> <sub>" command.
type registryCommand func(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error

// registryGroups lists the subcommands of each registry group; "dataset
// profile" joins "dataset register" here.
var registryGroups = map[string]map[string]registryCommand{
	"dataset": {"register": runDatasetRegister, "profile": runDatasetProfile},
	"model":   {"register": runModelRegister},
	"prompt":  {"push": runPromptPush, "get": runPromptGet},
	"alias":   {"set": runAliasSet, "history": runAliasHistory},
	// ingest_key_cli.go
	"ingest-key": ingestKeyCommands,
}

// runRegistry dispatches "atrium <group> <sub> …".
func runRegistry(ctx context.Context, group string, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	subs := registryGroups[group]
	names := make([]string, 0, len(subs))
	for n := range subs {
		names = append(names, group+" "+n)
	}
	slices.Sort(names)
	if len(args) == 0 {
		return fmt.Errorf("%q needs a subcommand: %s", group, strings.Join(names, ", "))
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		fmt.Fprintf(stdout, "Commands: %s\nRun \"atrium %s -h\" for the flags of one.\n", strings.Join(names, ", "), names[0])
		return nil
	}
	cmd, ok := subs[args[0]]
	if !ok {
		return fmt.Errorf("unknown command \"%s %s\"; try %s", group, atrium.Truncate(args[0], 40), strings.Join(names, ", "))
	}
	return cmd(ctx, args[1:], getenv, stdout, stderr)
}

// clientFlags are the flags every registry command shares: where to act
// (a server, or the database as a user), on which use case, and how to
// print.
type clientFlags struct {
	cfg     *Config
	fs      *flag.FlagSet
	usecase string
	server  string
	token   string
	as      string
	json    bool
	stderr  io.Writer
}

// newClientFlags makes the flag set of a registry command; synopsis is its
// usage line after "atrium".
func newClientFlags(name, synopsis string, getenv func(string) string, stderr io.Writer) *clientFlags {
	fs := flag.NewFlagSet("atrium "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	f := addClientFlags(fs, getenv, stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: atrium %s\n\nFlags:\n", synopsis)
		fs.PrintDefaults()
	}
	return f
}

// addClientFlags adds to fs the storage flags and the flags that say where
// and on which use case to act. Commands defined elsewhere that register
// something (such as "dataset profile --register") use it, then parse fs
// themselves, call check and open.
func addClientFlags(fs *flag.FlagSet, getenv func(string) string, stderr io.Writer) *clientFlags {
	c := &Config{}
	c.flags(fs, getenv, false)
	f := &clientFlags{cfg: c, fs: fs, stderr: stderr}
	fs.StringVar(&f.usecase, "usecase", getenv("ATRIUM_USECASE"), "slug of the use case (required) [ATRIUM_USECASE]")
	fs.StringVar(&f.server, "server", getenv("ATRIUM_SERVER"), "Atrium server to call, e.g. https://atrium.example.org; without it the command works on the database [ATRIUM_SERVER]")
	fs.StringVar(&f.token, "token", getenv("ATRIUM_TOKEN"), "API token for --server [ATRIUM_TOKEN]")
	fs.StringVar(&f.as, "as", getenv("ATRIUM_AS"), "without --server: e-mail of the user the command acts as [ATRIUM_AS]")
	fs.BoolVar(&f.json, "json", false, "print JSON instead of text")
	return f
}

// parse reads flags and positional arguments in any order and checks that
// exactly the named positional arguments were given.
func (f *clientFlags) parse(args []string, positional ...string) ([]string, error) {
	var pos []string
	for {
		if err := f.fs.Parse(args); err != nil {
			return nil, err
		}
		if f.fs.NArg() == 0 {
			break
		}
		pos = append(pos, f.fs.Arg(0))
		args = f.fs.Args()[1:]
	}
	if len(pos) != len(positional) {
		want := "no arguments"
		if len(positional) > 0 {
			want = strings.Join(positional, " ")
		}
		if len(pos) > len(positional) {
			return nil, fmt.Errorf("unexpected argument %q (want %s)", atrium.Truncate(pos[len(positional)], 60), want)
		}
		return nil, fmt.Errorf("missing %s (want %s)", strings.Join(positional[len(pos):], " "), want)
	}
	return pos, f.check()
}

// check validates the flags once they are parsed.
func (f *clientFlags) check() error {
	if err := f.cfg.validate(); err != nil {
		return err
	}
	if f.usecase == "" {
		return fmt.Errorf("--usecase is required (the slug of the use case, as in its address)")
	}
	if !atrium.IsSlug(f.usecase) {
		return fmt.Errorf("--usecase must be a use-case slug such as churn-forecast (got %q)", atrium.Truncate(f.usecase, 60))
	}
	return nil
}

// open connects to where the command acts.
func (f *clientFlags) open(ctx context.Context) (registryClient, error) {
	if f.server == "" {
		if f.tokenGiven() {
			return nil, fmt.Errorf("--token is for --server; on the database, say who acts with --as EMAIL")
		}
		return openLocalRegistry(ctx, f.cfg, f.as)
	}
	if f.asGiven() {
		return nil, fmt.Errorf("--as is for working on the database; with --server the token says who acts")
	}
	return newHTTPRegistry(f.server, f.token, f.stderr)
}

func (f *clientFlags) given(name string) bool {
	set := false
	f.fs.Visit(func(fl *flag.Flag) { set = set || fl.Name == name })
	return set
}

// tokenGiven and asGiven report a flag given on the command line; the
// environment may well carry both for different uses.
func (f *clientFlags) tokenGiven() bool { return f.given("token") }
func (f *clientFlags) asGiven() bool    { return f.given("as") }

// print writes v as indented JSON.
func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// pairs is a repeatable k=v flag.
type pairs struct {
	what string
	m    map[string]string
}

func (p *pairs) String() string { return "" }

func (p *pairs) Set(s string) error {
	k, v, ok := strings.Cut(s, "=")
	if k = strings.TrimSpace(k); !ok || k == "" {
		return fmt.Errorf("want %s=VALUE (got %q)", p.what, atrium.Truncate(s, 60))
	}
	if p.m == nil {
		p.m = map[string]string{}
	}
	if _, dup := p.m[k]; dup {
		return fmt.Errorf("%s %q given twice", p.what, atrium.Truncate(k, 60))
	}
	p.m[k] = v
	return nil
}

// datasetRefs is a repeatable name:version flag.
type datasetRefs []registry.VersionRef

func (d *datasetRefs) String() string { return "" }

func (d *datasetRefs) Set(s string) error {
	name, n, ok := strings.Cut(s, ":")
	v, err := strconv.Atoi(n)
	if !ok || err != nil || v < 1 {
		return fmt.Errorf("want DATASET:VERSION such as customers:3 (got %q)", atrium.Truncate(s, 60))
	}
	if err := registry.CheckName(name); err != nil {
		return err
	}
	*d = append(*d, registry.VersionRef{Name: name, Version: v})
	return nil
}

// contentFlags are the flags that say where a version's bytes are and what
// they hash to, shared by datasets and models.
type contentFlags struct {
	uri, digest, file, description, metadata string
	size                                     int64
	tags                                     pairs
}

func (c *contentFlags) bind(fs *flag.FlagSet) {
	fs.StringVar(&c.uri, "uri", "", "where the bytes are: s3://, gs://, az://, https://, hf://, runs:/, … (required)")
	fs.StringVar(&c.digest, "digest", "", "SHA-256 of the bytes, 64 hex digits (or sha256:…); or use --file")
	fs.StringVar(&c.file, "file", "", "local copy of the bytes: its SHA-256 and size are computed here; the file is not uploaded")
	fs.Int64Var(&c.size, "size", 0, "size in bytes (with --digest)")
	fs.StringVar(&c.description, "description", "", "what this version is")
	fs.StringVar(&c.metadata, "metadata", "", "extra facts as a JSON object")
	c.tags.what = "tag"
	fs.Var(&c.tags, "tag", "KEY=VALUE tag of the version; repeatable")
}

// version builds the version's common part, hashing --file if given.
func (c *contentFlags) version() (registry.Version, error) {
	v := registry.Version{URI: c.uri, Digest: c.digest, Size: c.size, Description: c.description, Tags: c.tags.m}
	if c.uri == "" {
		return v, fmt.Errorf("--uri is required: where the bytes are kept (the registry stores the address and digest, not the bytes)")
	}
	if _, err := registry.CanonicalURI(c.uri); err != nil {
		return v, fmt.Errorf("--uri: %s", atrium.MessageOf(err))
	}
	if c.size < 0 {
		return v, fmt.Errorf("--size must not be negative")
	}
	if c.file != "" {
		digest, size, err := hashFile(c.file)
		if err != nil {
			return v, err
		}
		if c.digest != "" {
			given, err := registry.CheckDigest(c.digest)
			if err != nil {
				return v, fmt.Errorf("--digest: %s", atrium.MessageOf(err))
			}
			if given != digest {
				return v, fmt.Errorf("--digest %s… does not match %s, whose SHA-256 is %s…", given[:12], c.file, digest[:12])
			}
		}
		if c.size != 0 && c.size != size {
			return v, fmt.Errorf("--size %d does not match %s, which has %d bytes", c.size, c.file, size)
		}
		v.Digest, v.Size = digest, size
	}
	if v.Digest == "" {
		return v, fmt.Errorf("give --digest (SHA-256 of the bytes) or --file (a local copy to hash)")
	}
	if c.metadata != "" {
		if !json.Valid([]byte(c.metadata)) {
			return v, fmt.Errorf("--metadata must be a JSON object, such as '{\"rows\": 1200}'")
		}
		v.Metadata = json.RawMessage(c.metadata)
	}
	return v, nil
}

// hashFile returns the SHA-256 (hex) and size of a regular file, read as a
// stream.
func hashFile(path string) (string, int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", 0, fmt.Errorf("--file: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return "", 0, fmt.Errorf("--file: %w", err)
	}
	if !st.Mode().IsRegular() {
		return "", 0, fmt.Errorf("--file %s is not a regular file", path)
	}
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return "", 0, fmt.Errorf("--file: reading %s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}

// readSmallFile reads a file of at most max bytes, for flags that name one.
func readSmallFile(flagName, path string, max int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("--%s: %w", flagName, err)
	}
	defer f.Close()
	if st, err := f.Stat(); err != nil || !st.Mode().IsRegular() {
		return nil, fmt.Errorf("--%s %s is not a regular file", flagName, path)
	}
	b, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, fmt.Errorf("--%s: reading %s: %w", flagName, path, err)
	}
	if int64(len(b)) > max {
		return nil, fmt.Errorf("--%s %s is larger than %d bytes", flagName, path, max)
	}
	return b, nil
}

// registerVersion adds version v to an asset, registering the asset first
// when the use case has none of that kind and name.
func registerVersion(ctx context.Context, c registryClient, slug string, ref registry.Ref, v registry.Version) (registry.Version, error) {
	// Checked here first, so that bad input is refused before anything is
	// registered; the store checks again.
	check := v
	if err := check.Validate(ref.Kind); err != nil {
		return registry.Version{}, err
	}
	if _, err := c.GetAsset(ctx, slug, ref); atrium.KindOf(err) == atrium.NotFound {
		// A new asset is registered only when its first version will be
		// accepted, so a refused version leaves no empty asset behind: the
		// datasets a model names are the one thing checked against what is
		// stored.
		if err := checkDatasetsExist(ctx, c, slug, v.Model); err != nil {
			return registry.Version{}, err
		}
		// Someone else may register it at the same moment; their asset will do.
		if _, err := c.CreateAsset(ctx, slug, registry.Asset{Kind: ref.Kind, Name: ref.Name}); err != nil && atrium.KindOf(err) != atrium.Conflict {
			return registry.Version{}, err
		}
	} else if err != nil {
		return registry.Version{}, err
	}
	return c.CreateVersion(ctx, slug, ref, v)
}

// checkDatasetsExist makes sure every dataset version a model names is
// registered in the use case.
func checkDatasetsExist(ctx context.Context, c registryClient, slug string, m *registry.ModelInfo) error {
	if m == nil {
		return nil
	}
	for _, refs := range [][]registry.VersionRef{m.TrainingData, m.EvaluationData} {
		for _, r := range refs {
			_, err := c.GetVersion(ctx, slug, registry.Ref{Kind: registry.Dataset, Name: r.Name}, r.Version)
			if atrium.KindOf(err) == atrium.NotFound {
				return atrium.Errorf(atrium.Invalid, "dataset %q has no version %d in this use case", r.Name, r.Version)
			}
			if err != nil {
				return err
			}
		}
	}
	return nil
}

// registerDataset adds a version to a dataset of use case slug (the asset
// is registered too when it is new). v.Dataset may be nil.
func registerDataset(ctx context.Context, c registryClient, slug, name string, v registry.Version) (registry.Version, error) {
	if v.Dataset == nil {
		v.Dataset = &registry.DatasetInfo{}
	}
	return registerVersion(ctx, c, slug, registry.Ref{Kind: registry.Dataset, Name: name}, v)
}

// maxProfileFile bounds a --profile file.
const maxProfileFile = 16 << 20

// readProfile reads a dataset profile from a JSON file: either a
// registry.Profile, or what "atrium dataset profile --json" prints, a
// profile with the schema it found ({"profile": …, "schema": […]}).
func readProfile(path string) (*registry.Profile, []registry.Column, error) {
	b, err := readSmallFile("profile", path, maxProfileFile)
	if err != nil {
		return nil, nil, err
	}
	var withSchema struct {
		Profile *registry.Profile `json:"profile"`
		Schema  []registry.Column `json:"schema"`
	}
	var p registry.Profile
	var schema []registry.Column
	if strictJSON(b, &withSchema) == nil && withSchema.Profile != nil {
		p, schema = *withSchema.Profile, withSchema.Schema
	} else if err := strictJSON(b, &p); err != nil {
		return nil, nil, fmt.Errorf("--profile %s is not a dataset profile in JSON: %v", path, err)
	}
	if err := p.Check(); err != nil {
		return nil, nil, fmt.Errorf("--profile %s: %s", path, atrium.MessageOf(err))
	}
	if err := registry.CheckSchema(schema); err != nil {
		return nil, nil, fmt.Errorf("--profile %s: schema: %s", path, atrium.MessageOf(err))
	}
	return &p, schema, nil
}

// strictJSON decodes exactly one JSON value with no unknown fields.
func strictJSON(b []byte, into any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(into); err != nil {
		return err
	}
	if dec.More() {
		return fmt.Errorf("more than one JSON value")
	}
	return nil
}

func runDatasetRegister(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	f := newClientFlags("dataset register", "dataset register NAME --usecase SLUG --uri URI (--digest SHA256 | --file PATH) [flags]", getenv, stderr)
	var content contentFlags
	content.bind(f.fs)
	role := f.fs.String("role", "", "what the version is for: training, validation, test or reference")
	source := f.fs.String("source", "", "where the data came from: a system, a query, a vendor")
	owner := f.fs.String("owner", "", "who answers for the data")
	profile := f.fs.String("profile", "", "JSON file of the version's profile (rows, columns and their statistics), as \"atrium dataset profile --json\" writes it")
	pos, err := f.parse(args, "NAME")
	if err != nil {
		return err
	}
	v, err := content.version()
	if err != nil {
		return err
	}
	v.Dataset = &registry.DatasetInfo{Role: registry.DatasetRole(*role), Source: *source, Owner: *owner}
	if *profile != "" {
		if v.Dataset.Profile, v.Dataset.Schema, err = readProfile(*profile); err != nil {
			return err
		}
	}
	c, err := f.open(ctx)
	if err != nil {
		return err
	}
	defer c.Close()
	out, err := registerDataset(ctx, c, f.usecase, pos[0], v)
	if err != nil {
		return err
	}
	return printRegistered(stdout, f, registry.Dataset, pos[0], out)
}

func runModelRegister(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	f := newClientFlags("model register", "model register NAME --usecase SLUG --uri URI (--digest SHA256 | --file PATH) [flags]", getenv, stderr)
	var content contentFlags
	content.bind(f.fs)
	framework := f.fs.String("framework", "", "framework the model is built with, e.g. xgboost 2.1")
	task := f.fs.String("task", "", "what the model does, e.g. binary-classification")
	params := pairs{what: "NAME"}
	f.fs.Var(&params, "param", "NAME=VALUE training parameter; repeatable")
	var trained, evaluated datasetRefs
	f.fs.Var(&trained, "trained-on", "DATASET:VERSION the model was trained on; repeatable")
	f.fs.Var(&evaluated, "evaluated-on", "DATASET:VERSION the model was evaluated on; repeatable")
	code := f.fs.String("code", "", "REPOSITORY@COMMIT of the training code")
	runID := f.fs.String("run-id", "", "id of the tracking run that produced the model")
	notes := f.fs.String("release-notes", "", "what changed since the previous version")
	pos, err := f.parse(args, "NAME")
	if err != nil {
		return err
	}
	v, err := content.version()
	if err != nil {
		return err
	}
	m := &registry.ModelInfo{Framework: *framework, Task: *task, Parameters: params.m, TrainingData: trained,
		EvaluationData: evaluated, RunID: *runID, ReleaseNotes: *notes}
	if *code != "" {
		i := strings.LastIndex(*code, "@")
		if i <= 0 || i == len(*code)-1 {
			return fmt.Errorf("--code must be REPOSITORY@COMMIT, such as https://git.example.org/team/churn@3f2c1ab (got %q)", atrium.Truncate(*code, 80))
		}
		m.Code = &registry.CodeRef{Repository: (*code)[:i], Commit: strings.ToLower((*code)[i+1:])}
	}
	v.Model = m
	c, err := f.open(ctx)
	if err != nil {
		return err
	}
	defer c.Close()
	out, err := registerVersion(ctx, c, f.usecase, registry.Ref{Kind: registry.Model, Name: pos[0]}, v)
	if err != nil {
		return err
	}
	return printRegistered(stdout, f, registry.Model, pos[0], out)
}

// printRegistered reports a new version.
func printRegistered(w io.Writer, f *clientFlags, kind registry.Kind, name string, v registry.Version) error {
	if f.json {
		return printJSON(w, v)
	}
	fmt.Fprintf(w, "registered %s %s version %d in %s\n", kind, name, v.Number, f.usecase)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "  uri\t%s\n", v.URI)
	fmt.Fprintf(tw, "  digest\tsha256:%s\n", v.Digest)
	fmt.Fprintf(tw, "  size\t%s\n", humanBytes(v.Size))
	if v.Prompt != nil && len(v.Prompt.Variables) > 0 {
		fmt.Fprintf(tw, "  variables\t%s\n", strings.Join(v.Prompt.Variables, ", "))
	}
	return tw.Flush()
}

// humanBytes writes a size for people.
func humanBytes(n int64) string {
	const unit = 1000
	if n < unit {
		return fmt.Sprintf("%d bytes", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit && exp < 4; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %cB (%d bytes)", float64(n)/float64(div), "kMGTP"[exp], n)
}

func runPromptPush(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	f := newClientFlags("prompt push", "prompt push NAME --usecase SLUG --file TEMPLATE --uri URI [flags]", getenv, stderr)
	file := f.fs.String("file", "", "file holding the template; {{ name }} marks a variable (required)")
	uri := f.fs.String("uri", "", "where the template is kept, e.g. its file in the repository: https://git.example.org/team/prompts/summary.txt (required)")
	form := f.fs.String("form", "text", "how the prompt is sent to a model: chat or text")
	modelConfig := f.fs.String("model-config", "", "model settings the prompt is written for, as a JSON object, e.g. '{\"model\":\"gpt-4o\",\"temperature\":0.2}'")
	description := f.fs.String("description", "", "what changed in this version")
	tags := pairs{what: "tag"}
	f.fs.Var(&tags, "tag", "KEY=VALUE tag of the version; repeatable")
	pos, err := f.parse(args, "NAME")
	if err != nil {
		return err
	}
	if *file == "" || *uri == "" {
		return fmt.Errorf("--file (the template) and --uri (where it is kept) are required")
	}
	if _, err := registry.CanonicalURI(*uri); err != nil {
		return fmt.Errorf("--uri: %s", atrium.MessageOf(err))
	}
	b, err := readSmallFile("file", *file, registry.MaxTemplate)
	if err != nil {
		return err
	}
	p := &registry.PromptInfo{Template: string(b), Form: registry.PromptForm(*form)}
	if *modelConfig != "" {
		if !json.Valid([]byte(*modelConfig)) {
			return fmt.Errorf("--model-config must be a JSON object, such as '{\"temperature\": 0.2}'")
		}
		p.ModelConfig = json.RawMessage(*modelConfig)
	}
	// The digest is of the template as stored (line endings normalised,
	// surrounding blank space trimmed), so pushing the same text again
	// gives the same digest.
	if err := p.Validate(); err != nil {
		return fmt.Errorf("--file %s: %s", *file, atrium.MessageOf(err))
	}
	sum := sha256.Sum256([]byte(p.Template))
	v := registry.Version{URI: *uri, Digest: hex.EncodeToString(sum[:]), Size: int64(len(p.Template)), Description: *description, Tags: tags.m, Prompt: p}
	c, err := f.open(ctx)
	if err != nil {
		return err
	}
	defer c.Close()
	out, err := registerVersion(ctx, c, f.usecase, registry.Ref{Kind: registry.Prompt, Name: pos[0]}, v)
	if err != nil {
		return err
	}
	return printRegistered(stdout, f, registry.Prompt, pos[0], out)
}

func runPromptGet(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	f := newClientFlags("prompt get", "prompt get NAME --usecase SLUG [--alias A | --version N] [--render] [--var NAME=VALUE …]", getenv, stderr)
	alias := f.fs.String("alias", "", "the version this alias points at")
	n := f.fs.Int("version", 0, "this version number; without --alias or --version, the newest")
	render := f.fs.Bool("render", false, "print the template filled in with the --var values")
	vars := pairs{what: "NAME"}
	f.fs.Var(&vars, "var", "NAME=VALUE for a template variable; repeatable, implies --render")
	pos, err := f.parse(args, "NAME")
	if err != nil {
		return err
	}
	if *alias != "" && *n != 0 {
		return fmt.Errorf("give --alias or --version, not both")
	}
	if *n < 0 {
		return fmt.Errorf("--version must be 1 or more")
	}
	if *alias != "" {
		if err := registry.CheckAlias(*alias); err != nil {
			return fmt.Errorf("--alias: %s", atrium.MessageOf(err))
		}
	}
	c, err := f.open(ctx)
	if err != nil {
		return err
	}
	defer c.Close()
	ref := registry.Ref{Kind: registry.Prompt, Name: pos[0]}
	if *render || len(vars.m) > 0 {
		got, text, err := c.Render(ctx, f.usecase, pos[0], *n, *alias, vars.m)
		if err != nil {
			return err
		}
		if f.json {
			return printJSON(stdout, struct {
				Version int    `json:"version"`
				Text    string `json:"text"`
			}{got, text})
		}
		_, err = io.WriteString(stdout, withNewline(text))
		return err
	}
	v, err := resolveVersion(ctx, c, f.usecase, ref, *n, *alias)
	if err != nil {
		return err
	}
	if f.json {
		return printJSON(stdout, v)
	}
	if v.Prompt == nil {
		return fmt.Errorf("prompt %s version %d has no template", pos[0], v.Number)
	}
	_, err = io.WriteString(stdout, withNewline(v.Prompt.Template))
	return err
}

func withNewline(s string) string {
	if strings.HasSuffix(s, "\n") {
		return s
	}
	return s + "\n"
}

// parseKindName reads the KIND and NAME arguments of the alias commands.
func parseKindName(kind, name string) (registry.Ref, error) {
	ref := registry.Ref{Kind: registry.Kind(kind), Name: name}
	if err := ref.Check(); err != nil {
		return ref, err
	}
	return ref, nil
}

func runAliasSet(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	f := newClientFlags("alias set", "alias set KIND NAME ALIAS VERSION --usecase SLUG --reason TEXT", getenv, stderr)
	reason := f.fs.String("reason", "", "why the alias moves, kept in its history (required)")
	pos, err := f.parse(args, "KIND", "NAME", "ALIAS", "VERSION")
	if err != nil {
		return err
	}
	ref, err := parseKindName(pos[0], pos[1])
	if err != nil {
		return err
	}
	if err := registry.CheckAlias(pos[2]); err != nil {
		return err
	}
	n, err := strconv.Atoi(pos[3])
	if err != nil || n < 1 {
		return fmt.Errorf("VERSION must be a version number, 1 or more (got %q)", atrium.Truncate(pos[3], 40))
	}
	if strings.TrimSpace(*reason) == "" {
		return fmt.Errorf("--reason is required: say why the alias moves; it is kept in the alias's history")
	}
	c, err := f.open(ctx)
	if err != nil {
		return err
	}
	defer c.Close()
	a, err := c.SetAlias(ctx, f.usecase, ref, pos[2], n, *reason)
	if err != nil {
		return err
	}
	if f.json {
		return printJSON(stdout, a)
	}
	fmt.Fprintf(stdout, "%s of %s %s now points at version %d\n", a.Name, ref.Kind, ref.Name, a.Version)
	return nil
}

func runAliasHistory(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	f := newClientFlags("alias history", "alias history KIND NAME ALIAS --usecase SLUG [--at TIME]", getenv, stderr)
	at := f.fs.String("at", "", "answer which version the alias pointed at then: 2026-03-03T14:00:00Z, or 2026-03-03 14:00 in this machine's time zone")
	pos, err := f.parse(args, "KIND", "NAME", "ALIAS")
	if err != nil {
		return err
	}
	ref, err := parseKindName(pos[0], pos[1])
	if err != nil {
		return err
	}
	if err := registry.CheckAlias(pos[2]); err != nil {
		return err
	}
	var when time.Time
	if *at != "" {
		if when, err = parseWhen(*at, time.Local); err != nil {
			return err
		}
	}
	c, err := f.open(ctx)
	if err != nil {
		return err
	}
	defer c.Close()
	if *at != "" {
		a, err := c.AliasAt(ctx, f.usecase, ref, pos[2], when)
		if err != nil {
			return err
		}
		if f.json {
			return printJSON(stdout, a)
		}
		fmt.Fprintf(stdout, "at %s, %s of %s %s pointed at version %d", when.Format(time.RFC3339), a.Name, ref.Kind, ref.Name, a.Version)
		if !a.MovedAt.IsZero() {
			fmt.Fprintf(stdout, " (moved there %s: %s)", a.MovedAt.Format(time.RFC3339), a.Reason)
		}
		fmt.Fprintln(stdout)
		return nil
	}
	moves, err := c.AliasHistory(ctx, f.usecase, ref, pos[2])
	if err != nil {
		return err
	}
	if f.json {
		return printJSON(stdout, struct {
			Items []registry.AliasMove `json:"items"`
		}{append([]registry.AliasMove{}, moves...)})
	}
	if len(moves) == 0 {
		fmt.Fprintf(stdout, "%s of %s %s has never been set\n", pos[2], ref.Kind, ref.Name)
		return nil
	}
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "WHEN\tMOVE\tBY\tREASON")
	for _, m := range moves {
		move := fmt.Sprintf("%d → %d", m.From, m.To)
		switch {
		case m.From == 0:
			move = fmt.Sprintf("set to %d", m.To)
		case m.To == 0:
			move = fmt.Sprintf("removed (was %d)", m.From)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", m.MovedAt.Format(time.RFC3339), move, m.MovedBy, oneLine(m.Reason))
	}
	return tw.Flush()
}

// oneLine keeps a table row on one line.
func oneLine(s string) string {
	return atrium.Truncate(strings.Join(strings.Fields(s), " "), 120)
}

// whenLayouts are the forms --at accepts without a time zone.
var whenLayouts = []string{"2006-01-02T15:04:05", "2006-01-02T15:04", "2006-01-02 15:04:05", "2006-01-02 15:04", "2006-01-02"}

// parseWhen reads a point in time: RFC 3339 with its zone, or a date and
// time without one, taken in loc.
func parseWhen(s string, loc *time.Location) (time.Time, error) {
	s = strings.TrimSpace(s)
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	for _, layout := range whenLayouts {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("--at must be a time such as 2026-03-03T14:00:00Z or \"2026-03-03 14:00\" (got %q)", atrium.Truncate(s, 60))
}
