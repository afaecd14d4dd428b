package telemetry

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash"
	"slices"
	"strconv"
	"sync"

	"github.com/atrium-mlops/atrium/internal/atrium"
)

// MinPseudonymKey is the shortest key a Pseudonymiser accepts: 256 bits.
const MinPseudonymKey = 32

// Pseudonymiser turns subject keys and sensitive values into keyed hashes
// (HMAC-SHA256): the same input gives the same pseudonym within a use case,
// so values stay countable and joinable, but nobody without the server's key
// can test a guess. Use cases get different pseudonyms for the same input.
type Pseudonymiser struct {
	key []byte
	// macs keeps keyed HMAC states (*macState) between uses: hmac.New
	// costs allocations and two block hashes of the key pads each time.
	macs sync.Pool
}

// macState is one keyed HMAC and the buffers a pseudonym is made in.
type macState struct {
	h   hash.Hash
	msg []byte
	sum [sha256.Size]byte
}

// NewPseudonymiser returns a Pseudonymiser keyed with a copy of key, which
// must be at least MinPseudonymKey bytes of secret randomness.
func NewPseudonymiser(key []byte) (*Pseudonymiser, error) {
	if len(key) < MinPseudonymKey {
		return nil, atrium.Errorf(atrium.Invalid, "the pseudonymisation key must be at least %d bytes (got %d)", MinPseudonymKey, len(key))
	}
	ps := &Pseudonymiser{key: append([]byte(nil), key...)}
	ps.macs.New = func() any { return &macState{h: hmac.New(sha256.New, ps.key)} }
	return ps, nil
}

// maxMACMessage is the largest message buffer kept in a pooled macState.
const maxMACMessage = 4 << 10

// pseudonym is prefix and the first n bytes of the HMAC of the parts, in
// hex. The parts are hashed length-prefixed, so no two different part
// lists hash alike.
func (p *Pseudonymiser) pseudonym(prefix string, n int, parts ...string) string {
	st := p.macs.Get().(*macState)
	msg := st.msg[:0]
	for _, s := range parts {
		msg = binary.AppendUvarint(msg, uint64(len(s)))
		msg = append(msg, s...)
	}
	st.h.Reset()
	st.h.Write(msg)
	sum := st.h.Sum(st.sum[:0])
	var out [2 + 2*sha256.Size]byte
	copy(out[:], prefix)
	hex.Encode(out[len(prefix):], sum[:n])
	if cap(msg) <= maxMACMessage {
		st.msg = msg[:0]
	} else {
		st.msg = nil
	}
	p.macs.Put(st)
	return string(out[:len(prefix)+2*n])
}

// Subject is the pseudonym of a subject key: "s_" and 32 hex digits.
func (p *Pseudonymiser) Subject(useCaseID, raw string) string {
	return p.pseudonym("s_", 16, "subject", useCaseID, raw)
}

// Value is the pseudonym of one value of a feature or segment: "h_" and 24
// hex digits.
func (p *Pseudonymiser) Value(useCaseID, field, raw string) string {
	return p.pseudonym("h_", 12, "value", useCaseID, field, raw)
}

// MaxPolicyNames bounds the names a policy lists (Drop and Hash together).
const MaxPolicyNames = 256

// MaxRetentionDays is the longest payload retention a policy may set.
const MaxRetentionDays = 3650

// Validate checks a policy; highRisk says the use case is a high-risk AI
// system, whose payloads must be kept at least HighRiskRetentionDays.
func (pol Policy) Validate(highRisk bool) error {
	if n := len(pol.Drop) + len(pol.Hash); n > MaxPolicyNames {
		return atrium.Errorf(atrium.TooLarge, "a policy names at most %d features and segments (got %d)", MaxPolicyNames, n)
	}
	seen := map[string]string{}
	for _, l := range []struct {
		what  string
		names []string
	}{{"drop", pol.Drop}, {"hash", pol.Hash}} {
		for _, name := range l.names {
			if err := checkName(l.what+" name", name); err != nil {
				return err
			}
			switch prev := seen[name]; {
			case prev == l.what:
				return atrium.Errorf(atrium.Invalid, "%q is listed twice in %s", atrium.Truncate(name, 40), l.what)
			case prev != "":
				return atrium.Errorf(atrium.Invalid, "%q is both dropped and hashed; a dropped value is never stored, so choose one", atrium.Truncate(name, 40))
			}
			seen[name] = l.what
		}
	}
	switch d := pol.RetentionDays; {
	case d < 0 || d > MaxRetentionDays:
		return atrium.Errorf(atrium.Invalid, "retention must be between 0 (keep payloads) and %d days (got %d)", MaxRetentionDays, d)
	case highRisk && d > 0 && d < HighRiskRetentionDays:
		return atrium.Errorf(atrium.Invalid, "this use case is a high-risk AI system: the EU AI Act's record-keeping rules ask for its logs to be kept at least six months, so retention must be 0 (keep) or at least %d days (got %d)", HighRiskRetentionDays, d)
	}
	return nil
}

// CompiledPolicy is a Policy made ready to apply to many events: its name
// lists are turned into sets once rather than for every event.
type CompiledPolicy struct {
	pol        Policy
	drop, hash map[string]bool
}

// Compile prepares the policy for ApplyPrediction on many events. It keeps
// its own copy of pol's lists.
func (pol Policy) Compile() *CompiledPolicy {
	pol.Drop, pol.Hash = slices.Clone(pol.Drop), slices.Clone(pol.Hash)
	c := &CompiledPolicy{pol: pol}
	if len(pol.Drop) > 0 {
		c.drop = setOf(pol.Drop)
	}
	if len(pol.Hash) > 0 {
		c.hash = setOf(pol.Hash)
	}
	return c
}

// Policy is the policy c was compiled from.
func (c *CompiledPolicy) Policy() Policy { return c.pol }

// Compiles reports whether c applies exactly what pol says (same version,
// names and masking), so that a cached c may stand in for pol.
func (c *CompiledPolicy) Compiles(pol Policy) bool {
	return c.pol.Version == pol.Version && c.pol.MaskText == pol.MaskText &&
		slices.Equal(c.pol.Drop, pol.Drop) && slices.Equal(c.pol.Hash, pol.Hash)
}

// ApplyPrediction applies the policy to p in place, before it is stored:
// features and segments named in Drop are removed (and their explanation
// entries); values of those named in Hash are replaced by their pseudonym;
// with MaskText, personal data in the remaining string values is masked; the
// subject key is replaced by its pseudonym. With a nil Pseudonymiser,
// values that would be hashed are removed rather than kept readable.
func (pol Policy) ApplyPrediction(p *Prediction, ps *Pseudonymiser, useCaseID string) {
	pol.Compile().ApplyPrediction(p, ps, useCaseID)
}

// ApplyPrediction is Policy.ApplyPrediction with the compiled policy.
func (c *CompiledPolicy) ApplyPrediction(p *Prediction, ps *Pseudonymiser, useCaseID string) {
	if c.drop != nil || c.hash != nil || c.pol.MaskText {
		c.applyValues(p, ps, useCaseID)
	}
	if p.Subject != "" {
		if ps == nil {
			p.Subject = ""
		} else {
			p.Subject = ps.Subject(useCaseID, p.Subject)
		}
	}
}

// applyValues drops, hashes and masks the features and segments of p.
func (c *CompiledPolicy) applyValues(p *Prediction, ps *Pseudonymiser, useCaseID string) {
	pol, drop, hash := &c.pol, c.drop, c.hash
	for name, v := range p.Features {
		switch {
		case drop[name]:
			delete(p.Features, name)
			delete(p.Explanation, name)
		case hash[name] && v != nil && ps == nil:
			delete(p.Features, name)
		case hash[name] && v != nil:
			p.Features[name] = ps.Value(useCaseID, name, rawValue(v))
		case pol.MaskText:
			if s, ok := v.(string); ok {
				if m, changed := MaskText(s); changed {
					p.Features[name] = m
				}
			}
		}
	}
	for name := range drop {
		delete(p.Explanation, name)
	}
	for name, v := range p.Segments {
		switch {
		case drop[name], hash[name] && ps == nil:
			delete(p.Segments, name)
		case hash[name]:
			p.Segments[name] = ps.Value(useCaseID, name, v)
		case pol.MaskText:
			if m, changed := MaskText(v); changed {
				p.Segments[name] = m
			}
		}
	}
}

// rawValue is the text a feature value is hashed as; numbers in their
// shortest form, so 1, 1.0 and "1e0" sent as JSON numbers hash alike.
func rawValue(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case bool:
		return strconv.FormatBool(x)
	case json.Number:
		if f, err := strconv.ParseFloat(string(x), 64); err == nil {
			return strconv.FormatFloat(f, 'g', -1, 64)
		}
		return string(x)
	}
	if f, ok := NumberOf(v); ok {
		return strconv.FormatFloat(f, 'g', -1, 64)
	}
	return fmt.Sprint(v)
}

// ApplyFeedback applies the policy to feedback in place: with MaskText,
// personal data in its text and in a correction's value is masked. The
// contact address is kept as given: the person left it to be answered.
func (pol Policy) ApplyFeedback(f *Feedback) {
	if !pol.MaskText {
		return
	}
	if m, changed := MaskText(f.Text); changed {
		f.Text = m
	}
	if f.Kind == Correction {
		if m, changed := MaskText(f.Value); changed {
			f.Value = m
		}
	}
}

// ApplyFeedback is Policy.ApplyFeedback with the compiled policy.
func (c *CompiledPolicy) ApplyFeedback(f *Feedback) { c.pol.ApplyFeedback(f) }

func setOf(names []string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[n] = true
	}
	return m
}
