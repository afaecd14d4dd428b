package people

import (
	"reflect"
	"strings"
	"testing"

	"github.com/atrium-mlops/atrium/internal/atrium"
)

// wantInvalid fails unless err is an Invalid error whose message mentions
// every fragment.
func wantInvalid(t *testing.T, what string, err error, fragments ...string) {
	t.Helper()
	if err == nil {
		t.Errorf("%s: passed, want an Invalid error", what)
		return
	}
	if k := atrium.KindOf(err); k != atrium.Invalid {
		t.Errorf("%s: kind %q, want invalid (%v)", what, k, err)
	}
	for _, f := range fragments {
		if !strings.Contains(err.Error(), f) {
			t.Errorf("%s: err = %q, want it to mention %q", what, err, f)
		}
	}
}

func TestStakeholderNormalize(t *testing.T) {
	s := Stakeholder{Kind: TestPilot, Name: " Branch Leeds ", Subjects: []string{" a@x.example ", "", "cust-17", "a@x.example"}, Concerns: "Workload.\r\nTraining."}
	if err := s.Normalize(); err != nil {
		t.Fatal(err)
	}
	if s.Name != "Branch Leeds" || !reflect.DeepEqual(s.Subjects, []string{"a@x.example", "cust-17"}) || s.Concerns != "Workload.\nTraining." {
		t.Errorf("Normalize = %+v", s)
	}
	u := Stakeholder{Kind: User, Name: "Loan officers"}
	if err := u.Normalize(); err != nil || u.Subjects == nil {
		t.Errorf("user: %v, subjects %v; want ok and an empty list", err, u.Subjects)
	}
	many := make([]string, 1001)
	for i := range many {
		many[i] = "s" + strings.Repeat("x", i%9) + string(rune('a'+i%26)) + strings.Repeat("y", i/26)
	}
	for _, tc := range []struct {
		s    Stakeholder
		frag string
	}{
		{Stakeholder{Kind: "boss", Name: "A"}, `kind "boss" is not one of decision-maker, user, person-affected, additional, test-pilot`},
		{Stakeholder{Kind: User}, "the name is required"},
		{Stakeholder{Kind: User, Name: strings.Repeat("n", 201)}, "the name is too long"},
		{Stakeholder{Kind: User, Name: "A", Role: strings.Repeat("r", 201)}, "the role is too long"},
		{Stakeholder{Kind: User, Name: "A", Contact: strings.Repeat("c", 255)}, "the contact is too long"},
		{Stakeholder{Kind: User, Name: "A", During: strings.Repeat("d", 4001)}, "during deployment is too long"},
		{Stakeholder{Kind: User, Name: "A", Notes: "x\x00"}, "control character"},
		{Stakeholder{Kind: User, Name: "A", Subjects: []string{"a@x"}}, "only test pilots carry subjects"},
		{Stakeholder{Kind: TestPilot, Name: "A", Subjects: []string{"two words"}}, "must not contain spaces"},
		{Stakeholder{Kind: TestPilot, Name: "A", Subjects: []string{"tab\tx"}}, "must not contain spaces"},
		{Stakeholder{Kind: TestPilot, Name: "A", Subjects: []string{strings.Repeat("s", 255)}}, "too long (255 characters, at most 254)"},
		{Stakeholder{Kind: TestPilot, Name: "A", Subjects: many}, "there are 1001 subjects; at most 1000"},
	} {
		wantInvalid(t, "Stakeholder", tc.s.Normalize(), tc.frag)
	}
}

func TestFormChoices(t *testing.T) {
	if len(StakeholderKinds) != 5 {
		t.Errorf("choice lists = %v", StakeholderKinds)
	}
}
