package registry

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/atrium-mlops/atrium/internal/atrium"
)

const digest = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

func TestAssetValidate(t *testing.T) {
	many := map[string]string{}
	for i := range MaxTags + 1 {
		many[strings.Repeat("k", i+1)] = "v"
	}
	for _, tc := range []struct {
		name string
		a    Asset
		ok   bool
	}{
		{"model", Asset{Kind: Model, Name: "churn-classifier_v2.1", Tags: map[string]string{"team": " alpha "}}, true},
		{"dataset", Asset{Kind: Dataset, Name: "customers"}, true},
		{"prompt", Asset{Kind: Prompt, Name: "p"}, true},
		{"unknown kind", Asset{Kind: "notebook", Name: "n"}, false},
		{"no kind", Asset{Name: "n"}, false},
		{"empty name", Asset{Kind: Model}, false},
		{"upper case", Asset{Kind: Model, Name: "Churn"}, false},
		{"leading dash", Asset{Kind: Model, Name: "-churn"}, false},
		{"trailing dot", Asset{Kind: Model, Name: "churn."}, false},
		{"slash", Asset{Kind: Model, Name: "a/b"}, false},
		{"dot dot", Asset{Kind: Model, Name: ".."}, false},
		{"long name", Asset{Kind: Model, Name: strings.Repeat("a", MaxName+1)}, false},
		{"longest name", Asset{Kind: Model, Name: strings.Repeat("a", MaxName)}, true},
		{"too many tags", Asset{Kind: Model, Name: "m", Tags: many}, false},
		{"bad tag key", Asset{Kind: Model, Name: "m", Tags: map[string]string{"a b": "v"}}, false},
		{"long tag key", Asset{Kind: Model, Name: "m", Tags: map[string]string{strings.Repeat("k", MaxTagKey+1): "v"}}, false},
		{"long tag value", Asset{Kind: Model, Name: "m", Tags: map[string]string{"k": strings.Repeat("v", MaxTagValue+1)}}, false},
		{"control in tag", Asset{Kind: Model, Name: "m", Tags: map[string]string{"k": "a\nb"}}, false},
		{"control in description", Asset{Kind: Model, Name: "m", Description: "a\x07b"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.a.Validate()
			if tc.ok && err != nil {
				t.Fatalf("Validate()=%v, want nil", err)
			}
			if !tc.ok && atrium.KindOf(err) != atrium.Invalid {
				t.Fatalf("Validate()=%v, want an invalid error", err)
			}
		})
	}
	a := Asset{Kind: Model, Name: "m", Tags: map[string]string{"team": " alpha "}}
	if err := a.Validate(); err != nil || a.Tags["team"] != "alpha" {
		t.Errorf("Validate tags=%v, %v, want the value trimmed", a.Tags, err)
	}
}

func TestVersionValidate(t *testing.T) {
	for _, tc := range []struct {
		name string
		kind Kind
		v    Version
		want atrium.Kind // "" for valid
	}{
		{"plain", Model, Version{URI: "s3://b/k", Digest: digest}, ""},
		{"prefixed digest", Model, Version{URI: "s3://b/k", Digest: "sha256:" + digest}, ""},
		{"short digest", Model, Version{URI: "s3://b/k", Digest: digest[:63]}, atrium.Invalid},
		{"non-hex digest", Model, Version{URI: "s3://b/k", Digest: "z" + digest[1:]}, atrium.Invalid},
		{"negative size", Model, Version{URI: "s3://b/k", Digest: digest, Size: -1}, atrium.Invalid},
		{"file uri", Model, Version{URI: "file:///etc/passwd", Digest: digest}, atrium.Invalid},
		{"metadata array", Model, Version{URI: "s3://b/k", Digest: digest, Metadata: json.RawMessage(`[]`)}, atrium.Invalid},
		{"metadata broken", Model, Version{URI: "s3://b/k", Digest: digest, Metadata: json.RawMessage(`{"a":`)}, atrium.Invalid},
		{"metadata huge", Model, Version{URI: "s3://b/k", Digest: digest, Metadata: json.RawMessage(`{"a":"` + strings.Repeat("x", MaxMetadata) + `"}`)}, atrium.TooLarge},
		{"dataset role", Dataset, Version{URI: "s3://b/k", Digest: digest, Dataset: &DatasetInfo{Role: Validation}}, ""},
		{"bad dataset role", Dataset, Version{URI: "s3://b/k", Digest: digest, Dataset: &DatasetInfo{Role: "holdout"}}, atrium.Invalid},
		{"model fields on a dataset", Dataset, Version{URI: "s3://b/k", Digest: digest, Model: &ModelInfo{}}, atrium.Invalid},
		{"model", Model, Version{URI: "s3://b/k", Digest: digest, Model: &ModelInfo{Framework: "torch", TrainingData: []VersionRef{{"d", 1}}, Code: &CodeRef{"https://git/x", "abcdef0"}}}, ""},
		{"model ref version 0", Model, Version{URI: "s3://b/k", Digest: digest, Model: &ModelInfo{TrainingData: []VersionRef{{"d", 0}}}}, atrium.Invalid},
		{"model bad commit", Model, Version{URI: "s3://b/k", Digest: digest, Model: &ModelInfo{Code: &CodeRef{"https://git/x", "main"}}}, atrium.Invalid},
		{"prompt without template", Prompt, Version{URI: "s3://b/k", Digest: digest}, atrium.Invalid},
		{"prompt bad form", Prompt, Version{URI: "s3://b/k", Digest: digest, Prompt: &PromptInfo{Template: "hi", Form: "voice"}}, atrium.Invalid},
		{"prompt", Prompt, Version{URI: "s3://b/k", Digest: digest, Prompt: &PromptInfo{Template: "hi {{name}}"}}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.v.Validate(tc.kind)
			if got := atrium.KindOf(err); (tc.want == "") != (err == nil) || err != nil && got != tc.want {
				t.Fatalf("Validate(%s)=%v (kind %q), want kind %q", tc.kind, err, got, tc.want)
			}
		})
	}
	v := Version{URI: "S3://B/k", Digest: strings.ToUpper(digest), Metadata: json.RawMessage(` { "b": 1, "a": [ 2 ] } `), Status: Archived}
	if err := v.Validate(Model); err != nil {
		t.Fatalf("Validate: %v", err)
	}
	if v.URI != "s3://b/k" || v.Digest != digest || string(v.Metadata) != `{"a":[2],"b":1}` || v.Status != Ready {
		t.Errorf("normalised version=%+v, want canonical URI, lower-case digest, compact metadata, status ready", v)
	}
}

func TestVariables(t *testing.T) {
	for _, tc := range []struct {
		template string
		want     []string
	}{
		{"no variables", []string{}},
		{"Hello {{name}}, {{ name }} from {{team_1}}", []string{"name", "team_1"}},
		{"{{ 1bad }} {{ok}} {single} {{a-b}}", []string{"ok"}},
	} {
		if got := Variables(tc.template); !slices.Equal(got, tc.want) {
			t.Errorf("Variables(%q)=%q, want %q", tc.template, got, tc.want)
		}
	}
	p := PromptInfo{Template: "a\r\nb {{x}}", Variables: []string{"injected"}}
	if err := p.Validate(); err != nil || p.Template != "a\nb {{x}}" || p.Form != Text || !slices.Equal(p.Variables, []string{"x"}) {
		t.Errorf("PromptInfo.Validate=%+v, %v, want variables derived, form text", p, err)
	}
}

func TestCheckAlias(t *testing.T) {
	for _, tc := range []struct {
		name string
		ok   bool
	}{
		{"champion", true}, {"production", true}, {"canary-eu", true},
		{"", false}, {"Champion", false}, {"42", false}, {"a b", false}, {strings.Repeat("a", MaxAliasName+1), false},
	} {
		if err := CheckAlias(tc.name); (err == nil) != tc.ok {
			t.Errorf("CheckAlias(%q)=%v, want ok=%v", tc.name, err, tc.ok)
		}
	}
}

func TestStatusCheck(t *testing.T) {
	for _, s := range []Status{Ready, Deprecated, Archived} {
		if err := s.Check(); err != nil {
			t.Errorf("Status(%q).Check()=%v", s, err)
		}
	}
	if err := Status("deleted").Check(); atrium.KindOf(err) != atrium.Invalid {
		t.Errorf("Status(deleted).Check()=%v, want invalid", err)
	}
	if _, err := CheckReason("  "); atrium.KindOf(err) != atrium.Invalid {
		t.Errorf("CheckReason(blank)=%v, want invalid", err)
	}
}
