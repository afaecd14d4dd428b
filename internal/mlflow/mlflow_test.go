package mlflow

import (
	"encoding/json"
	"errors"
	"math"
	"testing"

	"github.com/atrium-mlops/atrium/internal/atrium"
)

func TestInt64(t *testing.T) {
	for in, want := range map[string]int64{`12`: 12, `"12"`: 12, `-3`: -3, `1.0`: 1, `"1700000000000"`: 1_700_000_000_000} {
		var n Int64
		if err := json.Unmarshal([]byte(in), &n); err != nil || n.V != want || !n.Set {
			t.Errorf("Int64(%s)=%+v, %v, want %d", in, n, err, want)
		}
	}
	var n Int64
	if err := json.Unmarshal([]byte(`null`), &n); err != nil || n.Set {
		t.Errorf("Int64(null)=%+v, %v, want unset", n, err)
	}
	for _, bad := range []string{`1.5`, `"x"`, `true`, `1e300`, `"99999999999999999999"`} {
		var n Int64
		if err := json.Unmarshal([]byte(bad), &n); err == nil {
			t.Errorf("Int64(%s)=%+v, want an error", bad, n)
		}
	}
}

func TestFloat(t *testing.T) {
	for in, check := range map[string]func(float64) bool{
		`0.5`:         func(f float64) bool { return f == 0.5 },
		`"0.25"`:      func(f float64) bool { return f == 0.25 },
		`"NaN"`:       math.IsNaN,
		`"Infinity"`:  func(f float64) bool { return math.IsInf(f, 1) },
		`"-Infinity"`: func(f float64) bool { return math.IsInf(f, -1) },
	} {
		var f Float
		if err := json.Unmarshal([]byte(in), &f); err != nil || !check(float64(f)) {
			t.Errorf("Float(%s)=%v, %v", in, f, err)
		}
	}
	for _, bad := range []string{`null`, `"high"`, `1e400`, `[1]`} {
		var f Float
		if err := json.Unmarshal([]byte(bad), &f); err == nil {
			t.Errorf("Float(%s)=%v, want an error", bad, f)
		}
	}
	for v, want := range map[float64]string{math.NaN(): `"NaN"`, math.Inf(1): `"Infinity"`, math.Inf(-1): `"-Infinity"`, 0.1: `0.1`, 1e21: `1e+21`} {
		if b, _ := json.Marshal(Float(v)); string(b) != want {
			t.Errorf("Marshal(%v)=%s, want %s", v, b, want)
		}
	}
}

func TestCodeOf(t *testing.T) {
	cases := []struct {
		err    error
		code   string
		status int
	}{
		{atrium.Errorf(atrium.NotFound, "x"), "RESOURCE_DOES_NOT_EXIST", 404},
		{atrium.Wrap(atrium.Conflict, errors.New("unique violation"), "x"), "RESOURCE_ALREADY_EXISTS", 400},
		{atrium.Errorf(atrium.Conflict, "archived"), "INVALID_STATE", 400},
		{atrium.Errorf(atrium.Invalid, "x"), "INVALID_PARAMETER_VALUE", 400},
		{atrium.Errorf(atrium.TooLarge, "x"), "INVALID_PARAMETER_VALUE", 400},
		{atrium.Errorf(atrium.Forbidden, "x"), "PERMISSION_DENIED", 403},
		{atrium.Errorf(atrium.Unauthenticated, "x"), "UNAUTHENTICATED", 401},
		{atrium.Errorf(atrium.RateLimited, "x"), "REQUEST_LIMIT_EXCEEDED", 429},
		{atrium.Errorf(atrium.Unavailable, "x"), "TEMPORARILY_UNAVAILABLE", 503},
		{errors.New("boom"), "INTERNAL_ERROR", 500},
	}
	for _, c := range cases {
		if code, status := codeOf(c.err); code != c.code || status != c.status {
			t.Errorf("codeOf(%v)=%s %d, want %s %d", c.err, code, status, c.code, c.status)
		}
	}
}
