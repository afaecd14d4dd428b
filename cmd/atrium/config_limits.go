package main

import (
	"flag"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/atrium-mlops/atrium/internal/atrium"
	"github.com/atrium-mlops/atrium/internal/web/throttle"
)

// rateConfig is the rate-limit part of Config: --rate-limit-session,
// -token and -automation as given, and the limits validate works out from
// them and from --rate-limit and --rate-burst.
type rateConfig struct {
	kinds  map[throttle.Credential]*string
	Limits throttle.Limits
	// rateGiven and burstGiven say whether --rate-limit and --rate-burst
	// were set (flag or environment) rather than defaulted.
	rateGiven, burstGiven bool
	envErr                error
}

// credentialNames say in the flags' help whose rate each is.
var credentialNames = map[throttle.Credential]string{
	throttle.Session:       "browser sessions, per user",
	throttle.PersonalToken: "personal API tokens, per token",
	throttle.Automation:    "automation tokens (bound to one use case), per token",
	throttle.IngestKey:     "ingestion keys (atri_…), per key; --rate-limit and --rate-burst leave it alone",
}

// rateFlags binds --rate-limit-KIND for every kind of credential, and notes
// whether --rate-limit and --rate-burst come from the environment.
func (c *Config) rateFlags(fs *flag.FlagSet, getenv func(string) string, env func(name, def string) string) {
	r := &c.rate
	r.rateGiven, r.burstGiven = getenv("ATRIUM_RATE_LIMIT") != "", getenv("ATRIUM_RATE_BURST") != ""
	for _, name := range []string{"RATE_LIMIT", "RATE_BURST"} {
		// A value that is not a number must not quietly turn the limits off.
		if v := getenv("ATRIUM_" + name); v != "" {
			if _, err := strconv.ParseFloat(v, 64); err != nil {
				r.envErr = fmt.Errorf("ATRIUM_%s must be a number (got %q)", name, atrium.Truncate(v, 40))
			}
		}
	}
	r.kinds = map[throttle.Credential]*string{}
	for _, k := range throttle.Credentials {
		name := "RATE_LIMIT_" + strings.ToUpper(string(k))
		v := new(string)
		r.kinds[k] = v
		fs.StringVar(v, "rate-limit-"+string(k), env(name, ""), fmt.Sprintf("rate limit of %s: RATE:BURST (requests a second, burst) or off; default %s [ATRIUM_%s]",
			credentialNames[k], throttle.DefaultLimits.Of(k), name))
	}
}

// noteGiven records --rate-limit and --rate-burst given on the command line.
func (r *rateConfig) noteGiven(fs *flag.FlagSet) {
	fs.Visit(func(f *flag.Flag) {
		r.rateGiven = r.rateGiven || f.Name == "rate-limit"
		r.burstGiven = r.burstGiven || f.Name == "rate-burst"
	})
}

// resolveLimits works out the rate limit of each kind of credential: its
// own --rate-limit-KIND when given; otherwise its default, with the rate
// replaced by --rate-limit and the burst by --rate-burst when those are
// given (so "--rate-limit 0" still turns every limit off). Ingestion keys
// are the exception: a model in production reports at a scale a person's
// limit would choke, so only --rate-limit-ingest changes theirs.
func (c *Config) resolveLimits() error {
	r := &c.rate
	if r.envErr != nil {
		return r.envErr
	}
	if math.IsNaN(c.RateLimit) || math.IsInf(c.RateLimit, 0) || c.RateLimit < 0 || c.RateBurst < 0 {
		return fmt.Errorf("--rate-limit and --rate-burst cannot be negative")
	}
	if r.rateGiven && c.RateLimit > throttle.MaxPerSecond || r.burstGiven && c.RateBurst > throttle.MaxBurst {
		return fmt.Errorf("--rate-limit is at most %g and --rate-burst at most %d", throttle.MaxPerSecond, throttle.MaxBurst)
	}
	r.Limits = throttle.Limits{}
	for _, k := range throttle.Credentials {
		rate := throttle.DefaultLimits.Of(k)
		if r.rateGiven && k != throttle.IngestKey {
			rate.PerSecond = c.RateLimit
		}
		if r.burstGiven && c.RateBurst > 0 && k != throttle.IngestKey {
			rate.Burst = c.RateBurst
		}
		if v := r.kinds[k]; v != nil && *v != "" {
			var err error
			if rate, err = throttle.ParseRate(*v); err != nil {
				return fmt.Errorf("--rate-limit-%s: %v", k, err)
			}
		}
		if rate.Off() {
			rate = throttle.Rate{}
		}
		r.Limits.Set(k, rate)
	}
	return nil
}
