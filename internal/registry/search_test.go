package registry

import (
	"math"
	"strings"
	"testing"

	"github.com/atrium-mlops/atrium/internal/atrium"
)

var runFilter = map[string][]string{"attribute": {"status", "run_name", "start_time"}, "metric": nil, "param": nil, "tag": nil}

func TestParseFilter(t *testing.T) {
	cases := []struct {
		in   string
		want []Clause
	}{
		{"", nil},
		{"metrics.auc > 0.8", []Clause{{Entity: "metric", Key: "auc", Op: ">", Number: 0.8, Value: "0.8"}}},
		{"params.model = 'tree' and tags.`team name` LIKE 'a%'", []Clause{{Entity: "param", Key: "model", Op: "=", Value: "tree"}, {Entity: "tag", Key: "team name", Op: "LIKE", Value: "a%"}}},
		{`tags."mlflow.user" != "o''brien"`, []Clause{{Entity: "tag", Key: "mlflow.user", Op: "!=", Value: "o''brien"}}},
		{"tags.t = 'it''s'", []Clause{{Entity: "tag", Key: "t", Op: "=", Value: "it's"}}},
		{"STATUS = 'FINISHED'", []Clause{{Entity: "attribute", Key: "status", Op: "=", Value: "FINISHED"}}},
		{"attributes.start_time >= 1700000000000", []Clause{{Entity: "attribute", Key: "start_time", Op: ">=", Number: 1.7e12, Value: "1700000000000"}}},
		{"tags.k IN ('a', 'b')", []Clause{{Entity: "tag", Key: "k", Op: "IN", Values: []string{"a", "b"}}}},
		{"metrics.loss <= -1e-3", []Clause{{Entity: "metric", Key: "loss", Op: "<=", Number: -1e-3, Value: "-1e-3"}}},
	}
	for _, c := range cases {
		got, err := ParseFilter(c.in, runFilter)
		if err != nil {
			t.Errorf("ParseFilter(%q): %v", c.in, err)
			continue
		}
		if len(got) != len(c.want) {
			t.Errorf("ParseFilter(%q)=%+v, want %+v", c.in, got, c.want)
			continue
		}
		for i := range got {
			g, w := got[i], c.want[i]
			if g.Entity != w.Entity || g.Key != w.Key || g.Op != w.Op || g.Value != w.Value || g.Number != w.Number || strings.Join(g.Values, ",") != strings.Join(w.Values, ",") {
				t.Errorf("ParseFilter(%q)[%d]=%+v, want %+v", c.in, i, g, w)
			}
		}
	}
	for _, bad := range []string{
		"metrics.auc > 'high'", "params.p > 3", "tags.t LIKE 3", "metrics.a > 1 OR metrics.b > 2", "metrics.a >", "metrics.a ~ 1",
		"tags.t = 'open", "unknown_attr = 'x'", "metrics.a > 1 AND", "tags.t IN 'a'", "tags.t IN ('a' 'b')", "datasets.name = 'x'",
		strings.Repeat("metrics.a > 1 AND ", 21) + "metrics.a > 1", strings.Repeat("x", MaxFilter+1),
	} {
		if _, err := ParseFilter(bad, runFilter); atrium.KindOf(err) != atrium.Invalid {
			t.Errorf("ParseFilter(%q): %v, want Invalid", atrium.Truncate(bad, 60), err)
		}
	}
	if _, err := ParseFilter("metrics.auc > 1", map[string][]string{"attribute": {"name"}, "tag": nil}); err == nil {
		t.Errorf("a metric filter where only names and tags are allowed was accepted")
	}
}

func TestParseOrderBy(t *testing.T) {
	got, err := ParseOrderBy([]string{"name DESC", "metrics.auc", "tags.`a b` asc"}, map[string][]string{"attribute": {"name"}, "metric": nil, "tag": nil})
	if err != nil || len(got) != 3 || !got[0].Desc || got[1].Entity != "metric" || got[2].Key != "a b" || got[2].Desc {
		t.Fatalf("ParseOrderBy=%+v, %v", got, err)
	}
	for _, bad := range [][]string{{"name SIDEWAYS"}, {"name DESC extra"}, {""}, {"params.p"}, {"a", "b", "c", "d", "e", "f"}} {
		if _, err := ParseOrderBy(bad, map[string][]string{"attribute": {"name"}}); err == nil {
			t.Errorf("ParseOrderBy(%q) was accepted", bad)
		}
	}
}

func TestLike(t *testing.T) {
	cases := []struct {
		s, p string
		fold bool
		want bool
	}{
		{"credit-scorer", "credit%", false, true},
		{"credit-scorer", "%scorer", false, true},
		{"credit-scorer", "c_edit%", false, true},
		{"credit-scorer", "Credit%", false, false},
		{"credit-scorer", "Credit%", true, true},
		{"abc", "a%c%", false, true},
		{"abc", "%%%", false, true},
		{"", "%", false, true},
		{"", "_", false, false},
		{"ab", "a", false, false},
		{"ünïcode", "_n_code", false, true},
		{strings.Repeat("a", 5000) + "b", strings.Repeat("%a", 50) + "%c", false, false},
	}
	for _, c := range cases {
		if got := Like(c.s, c.p, c.fold); got != c.want {
			t.Errorf("Like(%q, %q, %v)=%v, want %v", atrium.Truncate(c.s, 20), atrium.Truncate(c.p, 20), c.fold, got, c.want)
		}
	}
}

func TestMatches(t *testing.T) {
	tags := map[string]string{"team": "risk"}
	attrs := map[string]string{"name": "scorer"}
	for _, c := range []struct {
		filter string
		want   bool
	}{
		{"name = 'scorer'", true},
		{"name != 'scorer'", false},
		{"tags.team = 'risk'", true},
		{"tags.missing = 'x'", false},
		{"tags.missing != 'true'", true},
		{"name ILIKE 'SC%' AND tags.team LIKE 'r_sk'", true},
		{"tags.team IN ('ops', 'risk')", true},
	} {
		cl, err := ParseFilter(c.filter, map[string][]string{"attribute": {"name"}, "tag": nil})
		if err != nil {
			t.Fatal(err)
		}
		if got := Matches(cl, attrs, tags); got != c.want {
			t.Errorf("Matches(%q)=%v, want %v", c.filter, got, c.want)
		}
	}
}

func TestBatchCheck(t *testing.T) {
	ok := Batch{Metrics: []Metric{{Key: "loss", Value: math.NaN(), Timestamp: 1}, {Key: "x y/z:1", Value: math.Inf(1), Timestamp: 2}},
		Params: []Param{{Key: "lr", Value: "0.1"}, {Key: "lr", Value: "0.1"}}, Tags: []Tag{{Key: "mlflow.runName", Value: ""}}}
	if err := ok.Check(); err != nil {
		t.Fatalf("Check: %v", err)
	}
	for name, b := range map[string]Batch{
		"1001 metrics":   {Metrics: make([]Metric, 1001)},
		"101 params":     {Params: make([]Param, 101)},
		"101 tags":       {Tags: make([]Tag, 101)},
		"1001 entities":  {Metrics: make([]Metric, 950), Params: make([]Param, 51)},
		"empty key":      {Metrics: []Metric{{Key: "", Timestamp: 1}}},
		"dotdot key":     {Params: []Param{{Key: "a/../b"}}},
		"slash start":    {Tags: []Tag{{Key: "/etc"}}},
		"bad char":       {Tags: []Tag{{Key: "a;b"}}},
		"long key":       {Tags: []Tag{{Key: strings.Repeat("k", 251)}}},
		"negative time":  {Metrics: []Metric{{Key: "a", Timestamp: -1}}},
		"invalid utf8":   {Params: []Param{{Key: "a", Value: "\xff"}}},
		"param conflict": {Params: []Param{{Key: "a", Value: "1"}, {Key: "a", Value: "2"}}},
		"long tag value": {Tags: []Tag{{Key: "a", Value: strings.Repeat("v", MaxRunTagValue+1)}}},
	} {
		if err := b.Check(); atrium.KindOf(err) != atrium.Invalid {
			t.Errorf("%s: %v, want Invalid", name, err)
		}
	}
}

func TestMetricLater(t *testing.T) {
	a := Metric{Step: 1, Timestamp: 5, Value: 1}
	for _, c := range []struct {
		m    Metric
		want bool
	}{
		{Metric{Step: 2, Timestamp: 1, Value: 0}, true},
		{Metric{Step: 0, Timestamp: 9, Value: 9}, false},
		{Metric{Step: 1, Timestamp: 6, Value: 0}, true},
		{Metric{Step: 1, Timestamp: 5, Value: 2}, true},
		{Metric{Step: 1, Timestamp: 5, Value: math.NaN()}, true},
		{Metric{Step: 1, Timestamp: 5, Value: 0}, false},
	} {
		if got := c.m.Later(a); got != c.want {
			t.Errorf("%+v.Later(%+v)=%v, want %v", c.m, a, got, c.want)
		}
	}
}

func TestParseStage(t *testing.T) {
	for in, want := range map[string]Stage{"production": StageProduction, "STAGING": StageStaging, "None": StageNone, "archived": StageArchived} {
		if got, err := ParseStage(in); err != nil || got != want {
			t.Errorf("ParseStage(%q)=%q, %v", in, got, err)
		}
	}
	if _, err := ParseStage("Live"); err == nil {
		t.Errorf("ParseStage(Live) was accepted")
	}
}
