package store

import (
	"database/sql/driver"
	"fmt"
	"time"
)

// timeLayout is how every timestamp is stored, in both dialects: fixed width
// and UTC, so text order is time order and the two databases agree byte for byte.
const timeLayout = "2006-01-02T15:04:05.000000Z"

func formatTime(t time.Time) string { return t.UTC().Format(timeLayout) }

// ts scans a stored timestamp (TEXT) into a time.Time.
type ts struct{ t *time.Time }

func (s ts) Scan(v any) error {
	switch x := v.(type) {
	case string:
		return s.parse(x)
	case []byte:
		return s.parse(string(x))
	case time.Time:
		*s.t = x.UTC()
		return nil
	}
	return fmt.Errorf("cannot scan %T into a timestamp", v)
}

func (s ts) parse(v string) error {
	t, err := time.Parse(timeLayout, v)
	if err != nil {
		return fmt.Errorf("bad stored timestamp %q: %w", v, err)
	}
	*s.t = t
	return nil
}

// nullTS scans a nullable timestamp into a **time.Time.
type nullTS struct{ t **time.Time }

func (s nullTS) Scan(v any) error {
	if v == nil {
		*s.t = nil
		return nil
	}
	var t time.Time
	if err := (ts{&t}).Scan(v); err != nil {
		return err
	}
	*s.t = &t
	return nil
}

// optTime is a nullable timestamp argument.
func optTime(t *time.Time) driver.Valuer { return optTimeV{t} }

type optTimeV struct{ t *time.Time }

func (o optTimeV) Value() (driver.Value, error) {
	if o.t == nil {
		return nil, nil
	}
	return formatTime(*o.t), nil
}
