// Package registry is the asset registry's domain: datasets, models and
// prompts of a use case, their immutable numbered versions and the aliases
// (champion, production) that point at one of them. No SQL, no HTTP: the
// store calls Validate before it writes.
package registry

import (
	"encoding/json"
	"regexp"
	"time"

	"github.com/atrium-mlops/atrium/internal/atrium"
)

// Kind is what an asset is.
type Kind string

// The kinds of assets.
const (
	Dataset Kind = "dataset"
	Model   Kind = "model"
	Prompt  Kind = "prompt"
)

// Kinds lists every kind, in the order they are shown.
var Kinds = []Kind{Dataset, Model, Prompt}

// Valid reports whether k is one of Kinds.
func (k Kind) Valid() bool { return k == Dataset || k == Model || k == Prompt }

// Check returns an Invalid error unless k is one of Kinds.
func (k Kind) Check() error {
	if !k.Valid() {
		return atrium.Errorf(atrium.Invalid, "kind must be dataset, model or prompt (got %q)", atrium.Truncate(string(k), 40))
	}
	return nil
}

// Limits on registry input. Generous for people and scripts, small enough
// that one asset cannot exhaust a page or the database.
const (
	MaxName        = 200
	MaxDescription = 10_000
	MaxTags        = 50
	MaxTagKey      = 100
	MaxTagValue    = 1000
	MaxMetadata    = 64 << 10 // bytes of JSON
	MaxReason      = 2000
	MaxAliasName   = 64
	MaxTemplate    = 100_000
	MaxVariables   = 100
	MaxRefs        = 20
	maxShortText   = 200
)

// Ref names an asset within a use case.
type Ref struct {
	Kind Kind   `json:"kind"`
	Name string `json:"name"`
}

// Check validates the reference.
func (r Ref) Check() error {
	if err := r.Kind.Check(); err != nil {
		return err
	}
	return CheckName(r.Name)
}

// Asset is a dataset, model or prompt registered in a use case. Its name is
// unique among the use case's assets of its kind.
type Asset struct {
	ID          string            `json:"id"`
	UseCaseID   string            `json:"usecase_id"`
	Kind        Kind              `json:"kind"`
	Name        string            `json:"name"`
	Description string            `json:"description"`
	Tags        map[string]string `json:"tags"`
	CreatedBy   string            `json:"created_by"`
	CreatedAt   time.Time         `json:"created_at"`
	Versions    int               `json:"versions"` // how many versions exist
}

// Ref returns the asset's reference.
func (a Asset) Ref() Ref { return Ref{a.Kind, a.Name} }

// Validate checks an asset's input fields and normalises them (trimmed
// text, a non-nil tag map).
func (a *Asset) Validate() error {
	if err := (Ref{a.Kind, a.Name}).Check(); err != nil {
		return err
	}
	var err error
	if a.Description, err = atrium.CheckText("description", a.Description, MaxDescription, false, true); err != nil {
		return err
	}
	a.Tags, err = CheckTags(a.Tags)
	return err
}

// nameRE is slug-like: lower-case letters and digits, with '-', '_' and '.'
// inside. Model hubs use dots and underscores, so they are allowed here.
var nameRE = regexp.MustCompile(`^[a-z0-9](?:[a-z0-9._-]*[a-z0-9])?$`)

// CheckName validates an asset name.
func CheckName(name string) error {
	if len(name) > MaxName {
		return atrium.Errorf(atrium.Invalid, "name is too long (%d characters, at most %d)", len(name), MaxName)
	}
	if !nameRE.MatchString(name) {
		return atrium.Errorf(atrium.Invalid, "name must be lower-case letters, digits and inner '-', '_' or '.' (got %q)", atrium.Truncate(name, 70))
	}
	return nil
}

// tagKeyRE keeps tag keys printable and easy to filter on.
var tagKeyRE = regexp.MustCompile(`^[A-Za-z0-9_.:/-]+$`)

// CheckTags validates tags and returns them, never nil.
func CheckTags(tags map[string]string) (map[string]string, error) {
	if len(tags) > MaxTags {
		return nil, atrium.Errorf(atrium.Invalid, "too many tags (%d, at most %d)", len(tags), MaxTags)
	}
	out := make(map[string]string, len(tags))
	for k, v := range tags {
		if len(k) > MaxTagKey || !tagKeyRE.MatchString(k) {
			return nil, atrium.Errorf(atrium.Invalid, "tag key %q must be 1–%d letters, digits or _ . : / -", atrium.Truncate(k, 40), MaxTagKey)
		}
		v, err := atrium.CheckText("tag "+k, v, MaxTagValue, false, false)
		if err != nil {
			return nil, err
		}
		out[k] = v
	}
	return out, nil
}

// Status is where a version stands in its life. Versions never change, but
// their status does, each time with a reason.
type Status string

// The statuses of a version.
const (
	Ready      Status = "ready"
	Deprecated Status = "deprecated"
	Archived   Status = "archived"
)

// Check returns an Invalid error unless s is a known status.
func (s Status) Check() error {
	switch s {
	case Ready, Deprecated, Archived:
		return nil
	}
	return atrium.Errorf(atrium.Invalid, "status must be ready, deprecated or archived (got %q)", atrium.Truncate(string(s), 40))
}

// CheckReason validates the reason given for a status change or an alias move.
func CheckReason(reason string) (string, error) {
	return atrium.CheckText("reason", reason, MaxReason, true, true)
}

// Version is one immutable, numbered version of an asset: where its bytes
// are, what they hash to, and what kind-specific facts describe them.
type Version struct {
	AssetID      string            `json:"asset_id"`
	Number       int               `json:"number"`
	URI          string            `json:"uri"`
	Digest       string            `json:"digest"` // SHA-256, 64 lower-case hex digits
	Size         int64             `json:"size"`
	Description  string            `json:"description"`
	Metadata     json.RawMessage   `json:"metadata"` // a JSON object
	Tags         map[string]string `json:"tags"`
	CreatedBy    string            `json:"created_by"`
	CreatedAt    time.Time         `json:"created_at"`
	Status       Status            `json:"status"`
	StatusReason string            `json:"status_reason"`
	Dataset      *DatasetInfo      `json:"dataset,omitempty"`
	Model        *ModelInfo        `json:"model,omitempty"`
	Prompt       *PromptInfo       `json:"prompt,omitempty"`
}

// Details are the kind-specific parts of a version, stored together.
type Details struct {
	Dataset *DatasetInfo `json:"dataset,omitempty"`
	Model   *ModelInfo   `json:"model,omitempty"`
	Prompt  *PromptInfo  `json:"prompt,omitempty"`
}

// Details returns the version's kind-specific parts.
func (v Version) Details() Details { return Details{v.Dataset, v.Model, v.Prompt} }

// SetDetails sets the version's kind-specific parts.
func (v *Version) SetDetails(d Details) { v.Dataset, v.Model, v.Prompt = d.Dataset, d.Model, d.Prompt }

// Validate checks a new version of an asset of kind k and normalises it: the
// URI in canonical form, the digest in lower case, metadata compacted,
// prompt variables derived from the template. Status starts as ready.
func (v *Version) Validate(k Kind) error {
	uri, err := CanonicalURI(v.URI)
	if err != nil {
		return err
	}
	v.URI = uri
	if v.Digest, err = CheckDigest(v.Digest); err != nil {
		return err
	}
	if v.Size < 0 {
		return atrium.Errorf(atrium.Invalid, "size must not be negative")
	}
	if v.Description, err = atrium.CheckText("description", v.Description, MaxDescription, false, true); err != nil {
		return err
	}
	if v.Metadata, err = CheckMetadata(v.Metadata); err != nil {
		return err
	}
	if v.Tags, err = CheckTags(v.Tags); err != nil {
		return err
	}
	v.Status, v.StatusReason = Ready, ""
	return v.validateDetails(k)
}

func (v *Version) validateDetails(k Kind) error {
	other := map[Kind]bool{Dataset: v.Dataset != nil, Model: v.Model != nil, Prompt: v.Prompt != nil}
	for kind, set := range other {
		if set && kind != k {
			return atrium.Errorf(atrium.Invalid, "a %s version cannot carry %s fields", k, kind)
		}
	}
	switch k {
	case Dataset:
		if v.Dataset != nil {
			return v.Dataset.Validate()
		}
	case Model:
		if v.Model != nil {
			return v.Model.Validate()
		}
	case Prompt:
		if v.Prompt == nil {
			return atrium.Errorf(atrium.Invalid, "a prompt version needs its template")
		}
		return v.Prompt.Validate()
	default:
		return k.Check()
	}
	return nil
}

// CheckDigest validates a SHA-256 digest written as 64 hex digits
// (optionally prefixed "sha256:") and returns it in lower case, unprefixed.
func CheckDigest(d string) (string, error) {
	if len(d) == 71 && (d[:7] == "sha256:" || d[:7] == "SHA256:") {
		d = d[7:]
	}
	if len(d) != 64 {
		return "", atrium.Errorf(atrium.Invalid, "digest must be a SHA-256 written as 64 hex digits")
	}
	b := []byte(d)
	for i, c := range b {
		switch {
		case c >= '0' && c <= '9', c >= 'a' && c <= 'f':
		case c >= 'A' && c <= 'F':
			b[i] = c + 'a' - 'A'
		default:
			return "", atrium.Errorf(atrium.Invalid, "digest must be a SHA-256 written as 64 hex digits")
		}
	}
	return string(b), nil
}

// CheckMetadata validates version metadata: a JSON object of at most
// MaxMetadata bytes. It returns the object compacted, "{}" when empty.
func CheckMetadata(m json.RawMessage) (json.RawMessage, error) {
	if len(m) == 0 || string(m) == "null" {
		return json.RawMessage(`{}`), nil
	}
	if len(m) > MaxMetadata {
		return nil, atrium.Errorf(atrium.TooLarge, "metadata is too large (%d bytes, at most %d)", len(m), MaxMetadata)
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(m, &obj); err != nil || obj == nil {
		return nil, atrium.Errorf(atrium.Invalid, "metadata must be a JSON object")
	}
	out, err := json.Marshal(obj) // compacts and sorts keys
	if err != nil {
		return nil, atrium.Errorf(atrium.Invalid, "metadata must be a JSON object")
	}
	return out, nil
}
