package usecase

import (
	"errors"
	"strings"
	"testing"

	"github.com/atrium-mlops/atrium/internal/atrium"
)

func TestStages(t *testing.T) {
	next, ok := Scoping.Next()
	if !ok || next != Data {
		t.Fatalf("Scoping.Next() = %q, %v; want data", next, ok)
	}
	if _, ok := Retired.Next(); ok {
		t.Fatal("Retired has a next stage")
	}
	if Stage("launch").Valid() {
		t.Fatal("unknown stage is valid")
	}
	if got := Modelling.Label(); got != "Modelling" {
		t.Fatalf("Label = %q", got)
	}
}

func TestRoles(t *testing.T) {
	if !Owner.AtLeast(Editor) || Viewer.AtLeast(Reviewer) || NoRole.AtLeast(Viewer) || Role("root").AtLeast(Viewer) {
		t.Fatal("role order is wrong")
	}
	if Viewer.Max(Editor) != Editor || Editor.Max(NoRole) != Editor {
		t.Fatal("Max is wrong")
	}
	if err := Viewer.Require(Editor, "editing"); atrium.KindOf(err) != atrium.Forbidden {
		t.Fatalf("Require = %v, want Forbidden", err)
	}
}

func TestCheckTransition(t *testing.T) {
	u := UseCase{Slug: "x", Stage: Scoping}
	blocked := errors.New("gate says no")
	for _, tc := range []struct {
		name string
		u    UseCase
		to   Stage
		note string
		gate Gate
		want atrium.Kind
	}{
		{"forward", u, Data, "ok", nil, ""},
		{"backward is allowed", UseCase{Stage: Modelling}, Data, "", nil, ""},
		{"same stage", u, Scoping, "", nil, atrium.Conflict},
		{"unknown stage", u, "launch", "", nil, atrium.Invalid},
		{"archived", UseCase{Stage: Scoping, Archived: true}, Data, "", nil, atrium.Conflict},
		{"long note", u, Data, strings.Repeat("n", MaxNote+1), nil, atrium.Invalid},
		{"gate refuses", u, Data, "", func(UseCase, Stage) error { return atrium.Wrap(atrium.Conflict, blocked, "gate") }, atrium.Conflict},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := CheckTransition(tc.u, tc.to, tc.note, tc.gate)
			if tc.want == "" && err != nil || tc.want != "" && atrium.KindOf(err) != tc.want {
				t.Fatalf("err = %v, want kind %q", err, tc.want)
			}
		})
	}
}

func TestNormalize(t *testing.T) {
	u := UseCase{Name: "  Loan default risk  "}
	if err := u.Normalize(); err != nil || u.Slug != "loan-default-risk" || u.Name != "Loan default risk" || u.Stage != Scoping {
		t.Fatalf("Normalize = %+v, %v", u, err)
	}
	for _, bad := range []UseCase{{Name: ""}, {Name: "x", Slug: "new"}, {Name: "x", Slug: "Bad Slug"}, {Name: "x", Stage: "launch"}, {Name: strings.Repeat("n", MaxName+1)}} {
		if err := bad.Normalize(); atrium.KindOf(err) != atrium.Invalid {
			t.Errorf("Normalize(%+v) = %v, want Invalid", bad, err)
		}
	}
}

func TestPatchApply(t *testing.T) {
	base := UseCase{Slug: "churn", Name: "Churn", Summary: "Who leaves.", Stage: Data}
	name, summary, blank := "  Churn prediction ", "Who leaves, and why.", " "
	u := base
	if err := (Patch{Name: &name}).Apply(&u); err != nil || u.Name != "Churn prediction" || u.Summary != base.Summary {
		t.Errorf("name only: %+v, %v; want the name trimmed and the summary kept", u, err)
	}
	u = base
	if err := (Patch{Summary: &summary}).Apply(&u); err != nil || u.Name != base.Name || u.Summary != summary {
		t.Errorf("summary only: %+v, %v", u, err)
	}
	u = base
	if err := (Patch{}).Apply(&u); err != nil || u != base {
		t.Errorf("empty patch: %+v, %v; want the use case unchanged", u, err)
	}
	u = base
	if err := (Patch{Name: &blank}).Apply(&u); atrium.KindOf(err) != atrium.Invalid || !strings.Contains(err.Error(), "name is required") {
		t.Errorf("blank name: err = %v, want Invalid: name is required", err)
	}
}
