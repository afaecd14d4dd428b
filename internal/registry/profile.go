package registry

import (
	"math"

	"github.com/atrium-mlops/atrium/internal/atrium"
)

// ColumnType is the type a dataset column's values have.
type ColumnType string

// The column types a profile knows.
const (
	Integer     ColumnType = "integer"
	Number      ColumnType = "number"
	Boolean     ColumnType = "boolean"
	String      ColumnType = "string"
	Timestamp   ColumnType = "timestamp"
	Categorical ColumnType = "categorical"
)

// Check returns an Invalid error unless t is a known column type.
func (t ColumnType) Check() error {
	switch t {
	case Integer, Number, Boolean, String, Timestamp, Categorical:
		return nil
	}
	return atrium.Errorf(atrium.Invalid, "column type must be integer, number, boolean, string, timestamp or categorical (got %q)", atrium.Truncate(string(t), 40))
}

// Numeric reports whether values of type t are numbers.
func (t ColumnType) Numeric() bool { return t == Integer || t == Number }

// Column is one column of a dataset's schema.
type Column struct {
	Name     string     `json:"name"`
	Type     ColumnType `json:"type"`
	Nullable bool       `json:"nullable"`
}

// Classification is how sensitive a column's values are.
type Classification string

// The classifications of a column.
const (
	NotPersonal      Classification = "none"
	DirectIdentifier Classification = "direct-identifier"
	QuasiIdentifier  Classification = "quasi-identifier"
	SpecialCategory  Classification = "special-category"
)

// Classifications lists every classification, least sensitive first.
var Classifications = []Classification{NotPersonal, QuasiIdentifier, DirectIdentifier, SpecialCategory}

// Check returns an Invalid error unless c is a known classification.
func (c Classification) Check() error {
	switch c {
	case NotPersonal, DirectIdentifier, QuasiIdentifier, SpecialCategory:
		return nil
	}
	return atrium.Errorf(atrium.Invalid, "classification must be none, direct-identifier, quasi-identifier or special-category (got %q)", atrium.Truncate(string(c), 40))
}

// Profile summarises a dataset version's contents: how many rows, and per
// column what its values look like. Profiles are computed by streaming
// (internal/profile), so distinct counts and quantiles are sketch estimates.
type Profile struct {
	Rows    int64           `json:"rows"`
	Bytes   int64           `json:"bytes"`
	Format  string          `json:"format"` // csv, jsonl or parquet
	Columns []ColumnProfile `json:"columns"`
}

// ColumnProfile describes the values of one column.
type ColumnProfile struct {
	Name     string     `json:"name"`
	Type     ColumnType `json:"type"`
	Count    int64      `json:"count"` // values present (not null)
	Nulls    int64      `json:"nulls"`
	Distinct int64      `json:"distinct"` // estimate
	// Numbers only.
	Min       *float64   `json:"min,omitempty"`
	Max       *float64   `json:"max,omitempty"`
	Mean      *float64   `json:"mean,omitempty"`
	Std       *float64   `json:"std,omitempty"`
	Quantiles []Quantile `json:"quantiles,omitempty"` // estimates, ascending by Q
	Histogram []Bin      `json:"histogram,omitempty"`
	// Strings, categories and booleans: the most frequent values.
	Top []TopValue `json:"top,omitempty"`
	// Suggested is what the PII check proposes from the column's name and a
	// sample of its values; a person confirms it in DatasetInfo.Sensitivity.
	Suggested *Suggestion `json:"suggested,omitempty"`
}

// Quantile is the estimated value below which a share Q of values lie.
type Quantile struct {
	Q     float64 `json:"q"`
	Value float64 `json:"value"`
}

// Bin is one bar of a histogram: the values in [Low, High) (the last bin
// includes High).
type Bin struct {
	Low   float64 `json:"low"`
	High  float64 `json:"high"`
	Count int64   `json:"count"`
}

// TopValue is a frequent value and how often it occurs (an estimate for
// large columns).
type TopValue struct {
	Value string `json:"value"`
	Count int64  `json:"count"`
}

// Suggestion is a classification the PII check proposes, with why.
type Suggestion struct {
	Classification Classification `json:"classification"`
	Reason         string         `json:"reason"`   // "values look like e-mail addresses"
	Detector       string         `json:"detector"` // email, phone, iban, card, national-id, birth-date, name
}

// Sensitivity is what the people responsible say about a dataset's personal
// data: each column's classification, the legal basis for processing it,
// consent notes and how long it is kept.
type Sensitivity struct {
	Columns    map[string]Classification `json:"columns,omitempty"`
	LegalBasis string                    `json:"legal_basis,omitempty"`
	Consent    string                    `json:"consent,omitempty"`
	Retention  string                    `json:"retention,omitempty"` // "3 years after the contract ends"
}

// Limits on profiles and schemas.
const (
	MaxColumns   = 2000
	MaxQuantiles = 101
	MaxBins      = 200
	MaxTop       = 50
)

// CheckSchema validates a schema: unique column names, known types.
func CheckSchema(cols []Column) error {
	if len(cols) > MaxColumns {
		return atrium.Errorf(atrium.Invalid, "schema has too many columns (%d, at most %d)", len(cols), MaxColumns)
	}
	seen := make(map[string]bool, len(cols))
	for _, c := range cols {
		if err := checkColumnName(c.Name); err != nil {
			return err
		}
		if seen[c.Name] {
			return atrium.Errorf(atrium.Invalid, "schema names column %q twice", atrium.Truncate(c.Name, 70))
		}
		seen[c.Name] = true
		if err := c.Type.Check(); err != nil {
			return atrium.Errorf(atrium.Invalid, "column %q: %s", atrium.Truncate(c.Name, 70), atrium.MessageOf(err))
		}
	}
	return nil
}

func checkColumnName(name string) error {
	_, err := atrium.CheckText("column name", name, maxShortText, true, false)
	return err
}

// Check validates a profile's shape and numbers: no NaN or infinities, no
// negative counts, bounded lists.
func (p *Profile) Check() error {
	if p.Rows < 0 || p.Bytes < 0 {
		return atrium.Errorf(atrium.Invalid, "profile counts must not be negative")
	}
	if len(p.Columns) > MaxColumns {
		return atrium.Errorf(atrium.Invalid, "profile has too many columns (%d, at most %d)", len(p.Columns), MaxColumns)
	}
	switch p.Format {
	case "", "csv", "jsonl", "parquet":
	default:
		return atrium.Errorf(atrium.Invalid, "profile format must be csv, jsonl or parquet (got %q)", atrium.Truncate(p.Format, 40))
	}
	seen := make(map[string]bool, len(p.Columns))
	for i := range p.Columns {
		c := &p.Columns[i]
		if err := checkColumnName(c.Name); err != nil {
			return err
		}
		if seen[c.Name] {
			return atrium.Errorf(atrium.Invalid, "profile names column %q twice", atrium.Truncate(c.Name, 70))
		}
		seen[c.Name] = true
		if err := c.check(); err != nil {
			return atrium.Errorf(atrium.Invalid, "column %q: %s", atrium.Truncate(c.Name, 70), atrium.MessageOf(err))
		}
	}
	return nil
}

func (c *ColumnProfile) check() error {
	if err := c.Type.Check(); err != nil {
		return err
	}
	if c.Count < 0 || c.Nulls < 0 || c.Distinct < 0 {
		return atrium.Errorf(atrium.Invalid, "counts must not be negative")
	}
	for _, f := range []*float64{c.Min, c.Max, c.Mean, c.Std} {
		if f != nil && !finite(*f) {
			return atrium.Errorf(atrium.Invalid, "statistics must be finite numbers")
		}
	}
	if len(c.Quantiles) > MaxQuantiles || len(c.Histogram) > MaxBins || len(c.Top) > MaxTop {
		return atrium.Errorf(atrium.Invalid, "at most %d quantiles, %d histogram bins and %d top values", MaxQuantiles, MaxBins, MaxTop)
	}
	for _, q := range c.Quantiles {
		if !finite(q.Value) || q.Q < 0 || q.Q > 1 {
			return atrium.Errorf(atrium.Invalid, "quantiles must be finite, with q between 0 and 1")
		}
	}
	for _, b := range c.Histogram {
		if !finite(b.Low) || !finite(b.High) || b.High < b.Low || b.Count < 0 {
			return atrium.Errorf(atrium.Invalid, "histogram bins must be finite, low ≤ high, with counts ≥ 0")
		}
	}
	for i := range c.Top {
		v, err := atrium.CheckText("top value", c.Top[i].Value, MaxTagValue, false, false)
		if err != nil {
			return err
		}
		c.Top[i].Value = v
		if c.Top[i].Count < 0 {
			return atrium.Errorf(atrium.Invalid, "counts must not be negative")
		}
	}
	if s := c.Suggested; s != nil {
		if err := s.Classification.Check(); err != nil {
			return err
		}
		var err error
		if s.Reason, err = atrium.CheckText("suggestion reason", s.Reason, maxShortText, false, false); err != nil {
			return err
		}
		if s.Detector, err = atrium.CheckText("suggestion detector", s.Detector, maxShortText, false, false); err != nil {
			return err
		}
	}
	return nil
}

func finite(f float64) bool { return !math.IsNaN(f) && !math.IsInf(f, 0) }

// Check validates and normalises a sensitivity record. Every classified
// column must exist in the schema when one is given.
func (s *Sensitivity) Check(schema []Column) error {
	if len(s.Columns) > MaxColumns {
		return atrium.Errorf(atrium.Invalid, "sensitivity names too many columns (%d, at most %d)", len(s.Columns), MaxColumns)
	}
	known := make(map[string]bool, len(schema))
	for _, c := range schema {
		known[c.Name] = true
	}
	for name, c := range s.Columns {
		if err := checkColumnName(name); err != nil {
			return err
		}
		if len(schema) > 0 && !known[name] {
			return atrium.Errorf(atrium.Invalid, "sensitivity classifies column %q, which the schema does not have", atrium.Truncate(name, 70))
		}
		if err := c.Check(); err != nil {
			return atrium.Errorf(atrium.Invalid, "column %q: %s", atrium.Truncate(name, 70), atrium.MessageOf(err))
		}
	}
	var err error
	if s.LegalBasis, err = atrium.CheckText("legal basis", s.LegalBasis, MaxReason, false, true); err != nil {
		return err
	}
	if s.Consent, err = atrium.CheckText("consent notes", s.Consent, MaxReason, false, true); err != nil {
		return err
	}
	s.Retention, err = atrium.CheckText("retention", s.Retention, maxShortText, false, false)
	return err
}
