package storetest

import (
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/atrium-mlops/atrium/internal/atrium"
	"github.com/atrium-mlops/atrium/internal/audit"
	"github.com/atrium-mlops/atrium/internal/identity"
	"github.com/atrium-mlops/atrium/internal/store"
	"github.com/atrium-mlops/atrium/internal/usecase"
)

func testAudit(t *testing.T, open Opener) {
	t.Run("EveryMutation", func(t *testing.T) {
		ctx := t.Context()
		db := open(t)
		type want struct{ action, objectType, objectID, actorID string }
		var wants []want
		expect := func(action, objectType, objectID, actorID string) {
			wants = append(wants, want{action, objectType, objectID, actorID})
		}
		const sys = "system"
		root := mustUser(t, ctx, db, "root@example.org", "Root", true)
		expect("user.create", "user", root.ID, sys)
		ada := mustUser(t, ctx, db, "ada@example.org", "Ada", false)
		expect("user.create", "user", ada.ID, sys)
		_, err := db.CreateUser(ctx, identity.User{Email: "ADA@example.org"}, "")
		wantKind(t, err, atrium.Conflict) // records nothing
		alpha := mustTeam(t, ctx, db, "alpha", ada)
		expect("team.create", "team", alpha.ID, sys)
		expect("team.member.add", "team", alpha.ID, sys)

		actx := atrium.WithRequestID(as(ctx, ada), "req-42")
		uc := mustUseCase(t, actx, db, usecase.UseCase{Slug: "churn", Name: "Churn", TeamSlug: "alpha"})
		expect("usecase.create", "usecase", uc.ID, ada.ID)
		step := func(what string, err error) {
			t.Helper()
			if err != nil {
				t.Fatalf("%s: %v", what, err)
			}
		}
		_, err = db.UpdateUseCase(actx, "churn", usecase.Patch{Summary: ptr("s")})
		step("UpdateUseCase", err)
		expect("usecase.update", "usecase", uc.ID, ada.ID)
		_, err = db.Transition(actx, "churn", usecase.Data, "", nil)
		step("Transition", err)
		expect("usecase.transition", "usecase", uc.ID, ada.ID)
		g, err := db.PutGrant(actx, "churn", usecase.Grant{UserID: root.ID, Role: usecase.Viewer})
		step("PutGrant", err)
		expect("usecase.grant.put", "usecase", uc.ID, ada.ID)
		step("DeleteGrant", db.DeleteGrant(actx, "churn", g.ID))
		expect("usecase.grant.delete", "usecase", uc.ID, ada.ID)
		_, err = db.SetArchived(actx, "churn", true)
		step("archive", err)
		expect("usecase.archive", "usecase", uc.ID, ada.ID)
		_, err = db.SetArchived(actx, "churn", false)
		step("restore", err)
		expect("usecase.restore", "usecase", uc.ID, ada.ID)
		tok, _, err := db.CreateToken(actx, ada.ID, "ci", 0)
		step("CreateToken", err)
		expect("token.create", "token", tok.ID, ada.ID)
		_, err = db.RevokeToken(actx, tok.ID)
		step("RevokeToken", err)
		expect("token.revoke", "token", tok.ID, ada.ID)
		secret, err := db.CreateSession(ctx, ada.ID, time.Hour)
		step("CreateSession", err)
		expect("session.create", "user", ada.ID, sys)
		step("DeleteSession", db.DeleteSession(actx, secret))
		expect("session.delete", "user", ada.ID, ada.ID)
		_, err = db.UpdateUser(ctx, ada.ID, store.UserPatch{Name: ptr("Ada L.")})
		step("UpdateUser", err)
		expect("user.update", "user", ada.ID, sys)
		step("RemoveTeamMember", db.RemoveTeamMember(ctx, "alpha", ada.ID))
		expect("team.member.remove", "team", alpha.ID, sys)
		// Checkpoints are about the log, not entries in it.
		size, root2, err := db.AuditTreeHead(ctx)
		step("AuditTreeHead", err)
		step("SaveCheckpoint", db.SaveCheckpoint(ctx, size, fmt.Sprintf("unsigned %x", root2)))

		entries := allEntries(t, ctx, db)
		if len(entries) != len(wants) {
			t.Fatalf("%d audit entries, want %d", len(entries), len(wants))
		}
		for i, e := range entries {
			w := wants[i]
			got := want{e.Action, e.ObjectType, e.ObjectID, e.ActorID}
			if got != w {
				t.Errorf("entry %d=%+v, want %+v", i, got, w)
			}
			wantReq := ""
			if e.ActorID == ada.ID {
				wantReq = "req-42"
			}
			if e.RequestID != wantReq {
				t.Errorf("entry %d (%s) RequestID=%q, want %q", i, e.Action, e.RequestID, wantReq)
			}
			if len(e.Commitment) != 64 || e.At.IsZero() {
				t.Errorf("entry %d Commitment=%q At=%v, want a SHA-256 commitment and a time", i, e.Commitment, e.At)
			}
		}
	})

	t.Run("Filters", func(t *testing.T) {
		ctx := t.Context()
		db := open(t)
		now := clock(db)
		ada := mustUser(t, ctx, db, "ada@example.org", "Ada", false)
		bob := mustUser(t, ctx, db, "bob@example.org", "Bob", false)
		mustUser(t, ctx, db, "cy@example.org", "Cy", true)
		*now = t0.Add(time.Hour)
		alpha := mustTeam(t, ctx, db, "alpha", ada, bob)
		*now = t0.Add(2 * time.Hour)
		uc := mustUseCase(t, as(ctx, ada), db, usecase.UseCase{Slug: "churn", Name: "Churn", TeamSlug: "alpha"})
		if _, err := db.UpdateUseCase(as(ctx, ada), "churn", usecase.Patch{Summary: ptr("s")}); err != nil {
			t.Fatalf("UpdateUseCase: %v", err)
		}
		if _, err := db.Transition(as(ctx, bob), "churn", usecase.Data, "", nil); err != nil {
			t.Fatalf("Transition: %v", err)
		}
		tests := []struct {
			name string
			f    audit.Filter
			want []int64 // seqs, newest first
		}{
			{"all", audit.Filter{}, []int64{8, 7, 6, 5, 4, 3, 2, 1, 0}},
			{"object", audit.Filter{ObjectType: "usecase", ObjectID: uc.ID}, []int64{8, 7, 6}},
			{"object type", audit.Filter{ObjectType: "user"}, []int64{2, 1, 0}},
			{"team", audit.Filter{ObjectType: "team", ObjectID: alpha.ID}, []int64{5, 4, 3}},
			{"object id only", audit.Filter{ObjectID: ada.ID}, []int64{0}},
			{"actor", audit.Filter{ActorID: ada.ID}, []int64{7, 6}},
			{"other actor", audit.Filter{ActorID: bob.ID}, []int64{8}},
			{"system", audit.Filter{ActorID: "system"}, []int64{5, 4, 3, 2, 1, 0}},
			{"actor and type", audit.Filter{ActorID: ada.ID, ObjectType: "team"}, nil},
			{"since", audit.Filter{Since: t0.Add(time.Hour)}, []int64{8, 7, 6, 5, 4, 3}},
			{"until is exclusive", audit.Filter{Until: t0.Add(time.Hour)}, []int64{2, 1, 0}},
			{"window", audit.Filter{Since: t0.Add(time.Hour), Until: t0.Add(2 * time.Hour)}, []int64{5, 4, 3}},
			{"window and actor", audit.Filter{Since: t0.Add(time.Hour), ActorID: bob.ID}, []int64{8}},
			{"after everything", audit.Filter{Since: t0.Add(3 * time.Hour)}, nil},
			{"unknown object", audit.Filter{ObjectType: "usecase", ObjectID: "nope"}, nil},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				tt.f.Page = atrium.PageRequest{Size: 100}
				p, err := db.AuditEntries(ctx, tt.f)
				if err != nil {
					t.Fatalf("AuditEntries: %v", err)
				}
				var got []int64
				for _, r := range p.Items {
					got = append(got, r.Seq)
				}
				if fmt.Sprint(got) != fmt.Sprint(tt.want) || p.Total != len(tt.want) {
					t.Errorf("seqs=%v (Total %d), want %v", got, p.Total, tt.want)
				}
			})
		}

		p, err := db.AuditEntries(ctx, audit.Filter{Page: atrium.PageRequest{Size: 100}})
		if err != nil {
			t.Fatalf("AuditEntries: %v", err)
		}
		names := map[string]string{ada.ID: "Ada", bob.ID: "Bob", "system": "system"}
		for _, r := range p.Items {
			if r.ActorName != names[r.ActorID] {
				t.Errorf("entry %d ActorName=%q, want %q", r.Seq, r.ActorName, names[r.ActorID])
			}
		}
		all := allEntries(t, ctx, db)
		for _, r := range p.Items {
			if r.Entry != all[r.Seq] {
				t.Errorf("AuditEntries entry %d=%+v, want %+v as AllAuditEntries has it", r.Seq, r.Entry, all[r.Seq])
			}
		}

		var seqs []int64
		for pr := (atrium.PageRequest{Size: 4}); ; {
			page, err := db.AuditEntries(ctx, audit.Filter{Page: pr})
			if err != nil {
				t.Fatalf("AuditEntries: %v", err)
			}
			if page.Total != 9 {
				t.Fatalf("Total=%d, want 9", page.Total)
			}
			for _, r := range page.Items {
				seqs = append(seqs, r.Seq)
			}
			if page.NextPageToken == "" {
				break
			}
			if pr, err = atrium.ParsePage("4", page.NextPageToken); err != nil {
				t.Fatalf("ParsePage: %v", err)
			}
		}
		if fmt.Sprint(seqs) != "[8 7 6 5 4 3 2 1 0]" {
			t.Errorf("seqs over pages of 4=%v, want each once, newest first", seqs)
		}
	})

	t.Run("Chain", func(t *testing.T) {
		ctx := t.Context()
		db := open(t)
		size, root, err := db.AuditTreeHead(ctx)
		if err != nil || size != 0 || root != (tlog.Hash{}) {
			t.Fatalf("empty log AuditTreeHead=%d %x %v, want 0, zero hash", size, root, err)
		}
		w := newWorld(t, func(*testing.T) *store.DB { return db })
		if _, err := w.db.Transition(as(ctx, w.editor), "churn", usecase.Data, "", nil); err != nil {
			t.Fatalf("Transition: %v", err)
		}
		entries := allEntries(t, ctx, db)
		rep := checkChain(t, ctx, db)
		if rep.Entries != int64(len(entries)) || len(entries) < 15 {
			t.Errorf("Verify checked %d entries, want all %d (and at least 15)", rep.Entries, len(entries))
		}
		leaves := make([]tlog.Hash, len(entries))
		for i, e := range entries {
			leaves[i] = e.LeafHash()
		}
		size, root, err = db.AuditTreeHead(ctx)
		if err != nil {
			t.Fatalf("AuditTreeHead: %v", err)
		}
		if size != int64(len(entries)) || root != audit.TreeRoot(leaves) {
			t.Errorf("AuditTreeHead=%d %x, want %d %x", size, root, len(entries), audit.TreeRoot(leaves))
		}
	})

	t.Run("Checkpoints", func(t *testing.T) {
		ctx := t.Context()
		db := open(t)
		const origin = "atrium.test/audit"
		signer, verifier, err := audit.LoadOrCreateKey(filepath.Join(t.TempDir(), "audit.key"), origin)
		if err != nil {
			t.Fatalf("LoadOrCreateKey: %v", err)
		}
		if n, err := db.LastCheckpointSize(ctx); err != nil || n != 0 {
			t.Fatalf("LastCheckpointSize on a fresh log=%d, %v, want 0", n, err)
		}
		if cps, err := db.Checkpoints(ctx); err != nil || len(cps) != 0 {
			t.Fatalf("Checkpoints on a fresh log=%q, %v, want none", cps, err)
		}
		cp := &audit.Checkpointer{Head: db, Signer: signer, Origin: origin, File: filepath.Join(t.TempDir(), "checkpoints")}

		mustUser(t, ctx, db, "ada@example.org", "Ada", true)
		mustUser(t, ctx, db, "bob@example.org", "Bob", false)
		if n, err := cp.Checkpoint(ctx); err != nil || n != 2 {
			t.Fatalf("Checkpoint=%d, %v, want 2", n, err)
		}
		if n, err := cp.Checkpoint(ctx); err != nil || n != 0 {
			t.Fatalf("Checkpoint with nothing new=%d, %v, want 0", n, err)
		}
		mustTeam(t, ctx, db, "alpha")
		size, root, err := db.AuditTreeHead(ctx)
		if err != nil {
			t.Fatalf("AuditTreeHead: %v", err)
		}
		note, err := audit.SignCheckpoint(signer, origin, size, root)
		if err != nil {
			t.Fatalf("SignCheckpoint: %v", err)
		}
		if err := db.SaveCheckpoint(ctx, size, note); err != nil {
			t.Fatalf("SaveCheckpoint: %v", err)
		}
		// Saving the same size again keeps the first note.
		if err := db.SaveCheckpoint(ctx, size, "something else"); err != nil {
			t.Fatalf("SaveCheckpoint again: %v", err)
		}
		if n, err := db.LastCheckpointSize(ctx); err != nil || n != 3 {
			t.Errorf("LastCheckpointSize=%d, %v, want 3", n, err)
		}
		cps, err := db.Checkpoints(ctx)
		if err != nil {
			t.Fatalf("Checkpoints: %v", err)
		}
		if len(cps) != 2 || cps[1] != note {
			t.Fatalf("Checkpoints=%q, want two, the second the note saved at size 3", cps)
		}
		file, err := audit.ReadCheckpointFile(cp.File)
		if err != nil {
			t.Fatalf("ReadCheckpointFile: %v", err)
		}
		mustTeam(t, ctx, db, "beta")
		entries := allEntries(t, ctx, db)
		rep, err := audit.Verify(entries, append(cps, file...), verifier, origin, auditSize(t, ctx, db))
		if err != nil {
			t.Fatalf("Verify with checkpoints: %v", err)
		}
		if rep.Entries != 4 || rep.Checkpoints != 3 {
			t.Errorf("Verify report=%+v, want 4 entries and 3 checkpoints", rep)
		}
	})

	t.Run("NoPersonalData", func(t *testing.T) {
		ctx := t.Context()
		db := open(t)
		const email, name = "zephyrine.quill@example.org", "Zephyrine Quillfeather"
		admin := mustUser(t, ctx, db, "admin@example.org", "Admin", true)
		z, err := db.CreateUser(ctx, identity.User{Email: email, Name: name}, "")
		if err != nil {
			t.Fatalf("CreateUser: %v", err)
		}
		zc := atrium.WithActor(ctx, atrium.Actor{UserID: z.ID, Email: email, Name: name})
		mustTeam(t, ctx, db, "alpha", z)
		mustUseCase(t, zc, db, usecase.UseCase{Slug: "churn", Name: "Churn", TeamSlug: "alpha"})
		mustGrant(t, zc, db, "churn", usecase.Grant{UserID: admin.ID, Role: usecase.Viewer})
		if _, _, err := db.CreateToken(zc, z.ID, "ci", 0); err != nil {
			t.Fatalf("CreateToken: %v", err)
		}
		if _, err := db.UpdateUser(ctx, z.ID, store.UserPatch{Name: ptr(name + " II")}); err != nil {
			t.Fatalf("UpdateUser: %v", err)
		}
		needles := []string{"zephyrine", "quill", "example.org"}
		for _, e := range allEntries(t, ctx, db) {
			v := reflect.ValueOf(e)
			for i := range v.NumField() {
				f := v.Field(i)
				if f.Kind() != reflect.String {
					continue
				}
				for _, n := range needles {
					if strings.Contains(strings.ToLower(f.String()), n) {
						t.Errorf("entry %d (%s) field %s=%q contains %q", e.Seq, e.Action, v.Type().Field(i).Name, f.String(), n)
					}
				}
			}
		}
	})
}
