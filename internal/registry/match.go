package registry

import (
	"strings"
	"time"

	"github.com/atrium-mlops/atrium/internal/atrium"
)

// VersionState is what may change about a model version through MLflow's
// API, which the version itself never does: its stage, its description and
// tags as MLflow edits them, the run and logged model it came from, and
// whether MLflow deleted it (Atrium keeps the version, archived).
type VersionState struct {
	Stage       Stage             `json:"stage"`
	Description string            `json:"description"`
	Tags        map[string]string `json:"tags"`
	RunID       string            `json:"run_id"`
	ModelID     string            `json:"model_id"`
	Deleted     bool              `json:"deleted"`
	UpdatedAt   time.Time         `json:"updated_at"`
}

// ModelVersion is a model version as MLflow sees it: the immutable version,
// its MLflow state and the aliases pointing at it.
type ModelVersion struct {
	Asset   Asset
	Version Version
	State   VersionState
	Aliases []string
}

// CheckMLflowTag validates a tag of a registered model or model version:
// MLflow's key rule with the registry's lengths.
func CheckMLflowTag(key, value string) error {
	if err := CheckTrackingKey("tag", key); err != nil {
		return err
	}
	if len(key) > MaxTagKey {
		return atrium.Errorf(atrium.Invalid, "tag key %q is longer than %d bytes", atrium.Truncate(key, 40), MaxTagKey)
	}
	return checkValue("tag", key, value, MaxRunTagValue)
}

// Like reports whether s matches an SQL LIKE pattern (% any run, _ one
// character), ignoring case when fold is set.
func Like(s, pattern string, fold bool) bool {
	if fold {
		s, pattern = strings.ToLower(s), strings.ToLower(pattern)
	}
	rs, rp := []rune(s), []rune(pattern)
	// Iterative matching with backtracking to the last %: linear in
	// practice, never exponential.
	i, j, star, mark := 0, 0, -1, 0
	for i < len(rs) {
		switch {
		case j < len(rp) && (rp[j] == '_' || rp[j] == rs[i]) && rp[j] != '%':
			i++
			j++
		case j < len(rp) && rp[j] == '%':
			star, mark = j, i
			j++
		case star >= 0:
			mark++
			i, j = mark, star+1
		default:
			return false
		}
	}
	for j < len(rp) && rp[j] == '%' {
		j++
	}
	return j == len(rp)
}

// Matches reports whether an object with these attributes and tags meets
// every clause. A clause on a missing tag fails, except != which a missing
// tag meets: MLflow's client adds tags.`mlflow.prompt.is_prompt` != 'true'
// to every registered-model search and expects plain models to match.
func Matches(clauses []Clause, attrs, tags map[string]string) bool {
	for _, c := range clauses {
		var v string
		var ok bool
		if c.Entity == "tag" {
			v, ok = tags[c.Key]
		} else {
			v, ok = attrs[c.Key]
		}
		if !ok {
			if c.Entity == "tag" && c.Op == "!=" {
				continue
			}
			return false
		}
		switch c.Op {
		case "=":
			ok = v == c.Value
		case "!=":
			ok = v != c.Value
		case "LIKE":
			ok = Like(v, c.Value, false)
		case "ILIKE":
			ok = Like(v, c.Value, true)
		case "IN":
			ok = false
			for _, x := range c.Values {
				ok = ok || x == v
			}
		default:
			ok = false
		}
		if !ok {
			return false
		}
	}
	return true
}
