package identity

import (
	"strconv"
	"strings"
	"time"

	"github.com/atrium-mlops/atrium/internal/atrium"
)

// MaxTTL is the longest lifetime a token may be given: five years of 365
// days. A token meant to outlive that should be replaced, not extended.
const MaxTTL = 1825 * 24 * time.Hour

// ttlUnits are the units a lifetime may be written in.
var ttlUnits = map[byte]time.Duration{'d': 24 * time.Hour, 'h': time.Hour, 'm': time.Minute, 's': time.Second}

// ParseTTL reads a token lifetime: days such as "90d", a duration such as
// "12h" or "1h30m", or "never" (also "") for a token that does not expire.
// Only ASCII digits count, and every step is checked against MaxTTL before
// it is added, so a huge number is refused instead of wrapping round to a
// lifetime of minutes.
func ParseTTL(v string) (time.Duration, error) {
	if v == "" || v == "never" {
		return 0, nil
	}
	bad := atrium.Errorf(atrium.Invalid, "expiry %q is not a duration like 30d, 12h or never", v)
	tooLong := atrium.Errorf(atrium.Invalid, "expiry %q is too long: token lifetimes are at most 5 years (1825d)", v)
	var total time.Duration
	for rest := v; rest != ""; {
		whole := leadingDigits(rest)
		frac := ""
		if rest = rest[len(whole):]; strings.HasPrefix(rest, ".") {
			frac = leadingDigits(rest[1:])
			if frac == "" {
				return 0, bad
			}
			rest = rest[1+len(frac):]
		}
		if whole == "" || rest == "" {
			return 0, bad
		}
		unit, ok := ttlUnits[rest[0]]
		if !ok {
			return 0, bad
		}
		rest = rest[1:]
		// Digits only, so ParseInt fails only on a number too big for int64.
		n, err := strconv.ParseInt(whole, 10, 64)
		if err != nil || n > int64((MaxTTL-total)/unit) {
			return 0, tooLong
		}
		total += time.Duration(n) * unit
		if frac != "" {
			f, err := strconv.ParseFloat("0."+frac, 64)
			if err != nil {
				return 0, bad
			}
			total += time.Duration(f * float64(unit))
		}
		if total > MaxTTL {
			return 0, tooLong
		}
	}
	if total <= 0 {
		return 0, bad
	}
	return total, nil
}

// leadingDigits returns the ASCII digits s starts with.
func leadingDigits(s string) string {
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	return s[:i]
}
