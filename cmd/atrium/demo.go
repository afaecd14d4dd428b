package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/atrium-mlops/atrium/internal/atrium"
	"github.com/atrium-mlops/atrium/internal/canvas"
	"github.com/atrium-mlops/atrium/internal/identity"
	"github.com/atrium-mlops/atrium/internal/ingest"
	"github.com/atrium-mlops/atrium/internal/store"
	"github.com/atrium-mlops/atrium/internal/usecase"
)

// prepareDemoFolder points the demo at a fresh folder: a new temporary one
// unless --data (or ATRIUM_DATA) names one, which must then be empty.
func prepareDemoFolder(c *Config, fs *flag.FlagSet) error {
	explicit := false
	fs.Visit(func(f *flag.Flag) { explicit = explicit || f.Name == "data" })
	if !explicit {
		dir, err := os.MkdirTemp("", "atrium-demo-")
		if err != nil {
			return err
		}
		c.Data = dir
		c.DB, c.AuditKey = "", ""
		return c.validate()
	}
	entries, err := os.ReadDir(c.Data)
	if err != nil && !os.IsNotExist(err) {
		return err
	}
	if len(entries) > 0 {
		return fmt.Errorf("the demo needs a fresh data folder, but %s is not empty", c.Data)
	}
	return nil
}

// demoPerson is one member of the example team.
type demoPerson struct {
	email, name string
}

// seedDemo fills a fresh database with an example: a credit-risk scoring use
// case for loan applications, owned by a small team and now being modelled.
func seedDemo(ctx context.Context, db *store.DB, in *ingest.Ingester, c *Config, templates *canvas.Library, stdout io.Writer) error {
	if n, err := db.CountUsers(ctx); err != nil || n > 0 {
		if err == nil {
			err = fmt.Errorf("the demo needs an empty database, but %s already has users", c.DB)
		}
		return err
	}
	const email = "maria.keller@demo.atrium.localhost"
	password, maria, err := createAdmin(ctx, db, email, "Maria Keller")
	if err != nil {
		return err
	}
	team, err := db.CreateTeam(ctx, identity.Team{Slug: "credit-risk", Name: "Credit Risk Analytics"})
	if err != nil {
		return err
	}
	people := map[string]identity.User{}
	for _, p := range []demoPerson{
		{"jonas.weber@demo.atrium.localhost", "Jonas Weber"},
		{"aisha.rahman@demo.atrium.localhost", "Aisha Rahman"},
		{"tom.becker@demo.atrium.localhost", "Tom Becker"},
	} {
		u, err := db.CreateUser(ctx, identity.User{Email: p.email, Name: p.name}, "")
		if err != nil {
			return err
		}
		people[p.name] = u
	}
	for _, id := range []string{maria.ID, people["Jonas Weber"].ID} {
		if err := db.AddTeamMember(ctx, team.Slug, id); err != nil {
			return err
		}
	}
	asMaria := atrium.WithActor(ctx, atrium.Actor{UserID: maria.ID, Name: maria.Name, Email: maria.Email, Admin: true})
	uc, err := db.CreateUseCase(asMaria, usecase.UseCase{
		Slug: "credit-risk-scoring", Name: "Credit-risk scoring for loan applications", TeamSlug: team.Slug,
		Summary: "Estimate the probability that a consumer loan applicant defaults within twelve months, " +
			"so loan officers can fast-track clear cases and spend their time on the uncertain ones. " +
			"Every score comes with the main factors behind it, in words an applicant can follow.",
	})
	if err != nil {
		return err
	}
	for _, step := range []struct {
		to   usecase.Stage
		note string
	}{
		{usecase.Data, "Scope agreed with lending operations: retail loans up to 50k, decision support only, officers keep the final say."},
		{usecase.Modelling, "Five years of anonymised application and repayment history prepared; a held-back reference slice is frozen for later drift checks."},
	} {
		if _, err := db.Transition(asMaria, uc.Slug, step.to, step.note, nil); err != nil {
			return err
		}
	}
	for name, role := range map[string]usecase.Role{"Aisha Rahman": usecase.Reviewer, "Tom Becker": usecase.Viewer} {
		if _, err := db.PutGrant(asMaria, uc.Slug, usecase.Grant{UserID: people[name].ID, Role: role}); err != nil {
			return err
		}
	}
	if err := seedDemoCanvas(asMaria, db, templates, uc.Slug); err != nil {
		return err
	}
	reg, err := seedRegistry(asMaria, db, uc.Slug)
	if err != nil {
		return err
	}
	if err := seedTelemetry(asMaria, db, in, uc.Slug, reg, time.Now().UTC()); err != nil {
		return err
	}
	arrears, err := db.CreateUseCase(asMaria, usecase.UseCase{
		Slug: "early-arrears-warning", Name: "Early warning for missed repayments", TeamSlug: team.Slug,
		Summary: "Flag existing borrowers likely to fall behind so the collections team can offer help before a payment is missed.",
	})
	if err != nil {
		return err
	}
	exampleKey, err := seedExampleModel(asMaria, db, arrears.Slug)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "\nAtrium demo — data in %s (delete it when done)\n  log in as: %s\n  password:  %s\n"+
		"  Python client example, reporting to %q:\n    ATRIUM_URL=<the address below> ATRIUM_INGEST_KEY=%s python3 clients/python/examples/log_predictions.py\n\n",
		filepath.Clean(c.Data), email, password, arrears.Name, exampleKey)
	return nil
}
