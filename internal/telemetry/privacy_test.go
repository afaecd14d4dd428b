package telemetry

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/atrium-mlops/atrium/internal/atrium"
)

func TestMaskText(t *testing.T) {
	for _, tc := range []struct {
		name, in, want string
	}{
		{"email", "write to jane.doe+ml@example.co.uk today", "write to [email] today"},
		{"email unicode", "José: josé@exämple.de.", "José: [email]."},
		{"not email", "user@localhost and a@b", "user@localhost and a@b"},
		{"iban spaced", "pay DE89 3704 0044 0532 0130 00 now", "pay [iban] now"},
		{"iban compact", "GB82WEST12345698765432", "[iban]"},
		{"iban lower", "iban: gb82 west 1234 5698 7654 32.", "iban: [iban]."},
		{"iban bad check digits", "DE88 3704 0044 0532 0130 00", "DE88 3704 0044 0532 0130 00"},
		{"iban followed by word", "DE89370400440532013000 EUR", "[iban] EUR"},
		{"card visa spaced", "card 4111 1111 1111 1111 exp", "card [card] exp"},
		{"card dashes", "5500-0000-0000-0004", "[card]"},
		{"card amex", "3782 822463 10005", "[card]"},
		{"card luhn fails", "4111 1111 1111 1112", "4111 1111 1111 1112"},
		{"card glued", "x4111111111111111", "x4111111111111111"},
		{"timestamp ms", "at 1700000000000 ms", "at 1700000000000 ms"},
		{"phone international", "call +49 30 1234567 or", "call [phone] or"},
		{"phone international paren", "+49 (0) 30 12345-67", "[phone]"},
		{"phone us", "(555) 123-4567", "[phone]"},
		{"phone us dashes", "ring 555-123-4567.", "ring [phone]."},
		{"phone us leading one", "1 555 123 4567", "[phone]"},
		{"phone french", "06 12 34 56 78", "[phone]"},
		{"phone uk", "tel 020 7946 0958", "tel [phone]"},
		{"phone two", "0301234567, 0301234568", "[phone], [phone]"},
		{"phone 00 prefix", "0044 20 7946 0958", "[phone]"},
		{"year", "in 2024 we", "in 2024 we"},
		{"amount spaced", "costs 1 000 000 EUR", "costs 1 000 000 EUR"},
		{"amount plain", "id 12345678901", "id 12345678901"},
		{"date", "on 01.02.2024 and 2024-01-15", "on 01.02.2024 and 2024-01-15"},
		{"decimals", "0.5 1.5 2.5 3.5 4.5", "0.5 1.5 2.5 3.5 4.5"},
		{"short national", "0123 45", "0123 45"},
		{"plus too short", "+12 345", "+12 345"},
		{"ten digits bare", "5551234567", "5551234567"},
		{"mixed", "a@b.io paid with 4111111111111111 from DE89370400440532013000, +1 555 123 4567",
			"[email] paid with [card] from [iban], [phone]"},
		{"empty", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, changed := MaskText(tc.in)
			if got != tc.want {
				t.Fatalf("MaskText(%q) = %q, want %q", tc.in, got, tc.want)
			}
			if changed != (tc.in != tc.want) {
				t.Fatalf("MaskText(%q) changed = %v, want %v", tc.in, changed, tc.in != tc.want)
			}
		})
	}
}

func TestPseudonymiser(t *testing.T) {
	if _, err := NewPseudonymiser(make([]byte, 31)); atrium.KindOf(err) != atrium.Invalid {
		t.Fatalf("31-byte key: err = %v, want Invalid", err)
	}
	key := bytes.Repeat([]byte{7}, 32)
	p, err := NewPseudonymiser(key)
	if err != nil {
		t.Fatal(err)
	}
	key[0] = 8 // the Pseudonymiser keeps its own copy
	q, _ := NewPseudonymiser(bytes.Repeat([]byte{7}, 32))
	s := p.Subject("uc1", "customer-42")
	if len(s) != 34 || !strings.HasPrefix(s, "s_") {
		t.Fatalf("Subject = %q, want s_ and 32 hex", s)
	}
	if s != q.Subject("uc1", "customer-42") {
		t.Fatalf("same key, same input: pseudonyms differ")
	}
	if s == p.Subject("uc2", "customer-42") {
		t.Fatalf("two use cases share a pseudonym")
	}
	v := p.Value("uc1", "zip", "10115")
	if len(v) != 26 || !strings.HasPrefix(v, "h_") {
		t.Fatalf("Value = %q, want h_ and 24 hex", v)
	}
	if v == p.Value("uc1", "city", "10115") || p.Value("uc1", "a", "bc") == p.Value("uc1", "ab", "c") {
		t.Fatalf("field and value are not separated in the hash")
	}
}

func TestPolicyValidate(t *testing.T) {
	long := make([]string, MaxPolicyNames+1)
	for i := range long {
		long[i] = "f" + strings.Repeat("x", i%50) + string(rune('a'+i%26))
	}
	for _, tc := range []struct {
		name     string
		pol      Policy
		highRisk bool
		want     atrium.Kind // "" = valid
		says     string
	}{
		{"default", DefaultPolicy(), false, "", ""},
		{"default high risk", DefaultPolicy(), true, "", ""},
		{"names", Policy{Drop: []string{"email"}, Hash: []string{"zip"}, RetentionDays: 30}, false, "", ""},
		{"both", Policy{Drop: []string{"zip"}, Hash: []string{"zip"}}, false, atrium.Invalid, "both dropped and hashed"},
		{"twice", Policy{Drop: []string{"zip", "zip"}}, false, atrium.Invalid, "twice"},
		{"bad name", Policy{Hash: []string{" zip"}}, false, atrium.Invalid, "space"},
		{"empty name", Policy{Hash: []string{""}}, false, atrium.Invalid, "empty"},
		{"too many", Policy{Drop: long}, false, atrium.TooLarge, "at most"},
		{"negative", Policy{RetentionDays: -1}, false, atrium.Invalid, "between 0"},
		{"too long", Policy{RetentionDays: 3651}, false, atrium.Invalid, "between 0"},
		{"ten years", Policy{RetentionDays: 3650}, false, "", ""},
		{"short ok when not high risk", Policy{RetentionDays: 7}, false, "", ""},
		{"floor", Policy{RetentionDays: 179}, true, atrium.Invalid, "EU AI Act"},
		{"floor one day", Policy{RetentionDays: 1}, true, atrium.Invalid, "six months"},
		{"at floor", Policy{RetentionDays: 180}, true, "", ""},
		{"keep high risk", Policy{RetentionDays: 0}, true, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.pol.Validate(tc.highRisk)
			if tc.want == "" {
				if err != nil {
					t.Fatalf("Validate = %v, want nil", err)
				}
				return
			}
			if atrium.KindOf(err) != tc.want || !strings.Contains(err.Error(), tc.says) {
				t.Fatalf("Validate = %v, want %s saying %q", err, tc.want, tc.says)
			}
		})
	}
}

func TestApplyPrediction(t *testing.T) {
	ps, _ := NewPseudonymiser(bytes.Repeat([]byte{1}, 32))
	pol := Policy{Drop: []string{"email", "region"}, Hash: []string{"zip", "plan"}, MaskText: true}
	p := &Prediction{
		Subject:     "customer-42",
		Segments:    map[string]string{"region": "north", "plan": "gold", "channel": "call +49 30 1234567"},
		Features:    map[string]any{"email": "a@b.io", "zip": "10115", "note": "mail a@b.io", "age": 41.0, "vip": true, "n": nil},
		Explanation: map[string]float64{"email": 0.3, "zip": 0.1, "age": -0.2},
	}
	pol.ApplyPrediction(p, ps, "uc1")
	if _, ok := p.Features["email"]; ok {
		t.Errorf("dropped feature kept: %v", p.Features)
	}
	if _, ok := p.Explanation["email"]; ok || len(p.Explanation) != 2 {
		t.Errorf("Explanation = %v, want email removed, zip and age kept", p.Explanation)
	}
	if got, want := p.Features["zip"], ps.Value("uc1", "zip", "10115"); got != want {
		t.Errorf("zip = %v, want %v", got, want)
	}
	if got := p.Features["note"]; got != "mail [email]" {
		t.Errorf("note = %v, want masked", got)
	}
	if p.Features["age"] != 41.0 || p.Features["vip"] != true || p.Features["n"] != nil {
		t.Errorf("untouched features changed: %v", p.Features)
	}
	if _, ok := p.Segments["region"]; ok {
		t.Errorf("dropped segment kept: %v", p.Segments)
	}
	if p.Segments["plan"] != ps.Value("uc1", "plan", "gold") || p.Segments["channel"] != "call [phone]" {
		t.Errorf("Segments = %v, want plan hashed and channel masked", p.Segments)
	}
	if p.Subject != ps.Subject("uc1", "customer-42") {
		t.Errorf("Subject = %q, want its pseudonym", p.Subject)
	}

	// Numbers hash in their shortest form; without a Pseudonymiser,
	// nothing that should be hashed survives in the clear.
	a := &Prediction{Features: map[string]any{"zip": 10115.0}}
	pol.ApplyPrediction(a, ps, "uc1")
	if a.Features["zip"] != ps.Value("uc1", "zip", "10115") {
		t.Errorf("numeric zip = %v, want the hash of \"10115\"", a.Features["zip"])
	}
	b := &Prediction{Subject: "x", Features: map[string]any{"zip": "10115"}, Segments: map[string]string{"plan": "gold"}}
	pol.ApplyPrediction(b, nil, "uc1")
	if len(b.Features) != 0 || len(b.Segments) != 0 || b.Subject != "" {
		t.Errorf("nil Pseudonymiser kept %v %v %q", b.Features, b.Segments, b.Subject)
	}
	// MaskText off leaves text alone.
	c := &Prediction{Features: map[string]any{"note": "a@b.io"}}
	Policy{}.ApplyPrediction(c, ps, "uc1")
	if c.Features["note"] != "a@b.io" {
		t.Errorf("note = %v, want it unmasked without MaskText", c.Features["note"])
	}
}

func TestApplyFeedback(t *testing.T) {
	f := &Feedback{Kind: Correction, Value: "send to a@b.io", Text: "my card 4111 1111 1111 1111", Contact: "me@example.org"}
	DefaultPolicy().ApplyFeedback(f)
	if f.Value != "send to [email]" || f.Text != "my card [card]" || f.Contact != "me@example.org" {
		t.Fatalf("ApplyFeedback = %+v", f)
	}
	g := &Feedback{Kind: Comment, Text: "a@b.io"}
	Policy{}.ApplyFeedback(g)
	if g.Text != "a@b.io" {
		t.Fatalf("Text = %q, want unmasked without MaskText", g.Text)
	}
}

// Pseudonyms are stored and joined on, so they must never change: they
// are the HMAC-SHA256 of the length-prefixed parts, whichever way the
// hash state is kept between calls.
func TestPseudonymsStable(t *testing.T) {
	key := []byte(strings.Repeat("k", 32))
	p, err := NewPseudonymiser(key)
	if err != nil {
		t.Fatal(err)
	}
	want := func(n int, parts ...string) string {
		m := hmac.New(sha256.New, key)
		for _, s := range parts {
			m.Write(binary.AppendUvarint(nil, uint64(len(s))))
			m.Write([]byte(s))
		}
		return hex.EncodeToString(m.Sum(nil)[:n])
	}
	long := strings.Repeat("x", 10_000) // past the kept message buffer
	for range 3 {
		for _, raw := range []string{"", "customer-42", long, "é"} {
			if got, w := p.Subject("uc1", raw), "s_"+want(16, "subject", "uc1", raw); got != w {
				t.Fatalf("Subject(%.20q) = %s, want %s", raw, got, w)
			}
			if got, w := p.Value("uc1", "city", raw), "h_"+want(12, "value", "uc1", "city", raw); got != w {
				t.Fatalf("Value(%.20q) = %s, want %s", raw, got, w)
			}
		}
	}
}

// MaskText's quick test must pass everything the scanners would change.
func TestMaskQuickTest(t *testing.T) {
	samples := []string{"", "Lyon", "FR-69", "web", "12345", "123456", "1234567", "+33 6 12 34 56 78", "06 12 34 56 78",
		"a@b.co", "GB82WEST12345698765432", "gb82 west 1234 5698 7654 32", "4111 1111 1111 1111", "(555) 123-4567",
		"année 2026, 12 mois", "DE89 3704 0044 0532 0130 00", "ab12", "a b 1 2 3 4 5 6", "order 12-34-56"}
	for _, s := range samples {
		if mayHoldPersonal(s) {
			continue
		}
		out := emailRE.ReplaceAllString(s, MaskEmail)
		out = scanReplace(out, ibanAt, MaskIBAN)
		out = scanReplace(out, cardAt, MaskCard)
		out = scanReplace(out, phoneAt, MaskPhone)
		if out != s {
			t.Errorf("the quick test passes over %q, which the scanners mask to %q", s, out)
		}
	}
}

func TestCompiledPolicy(t *testing.T) {
	pol := Policy{Drop: []string{"a"}, Hash: []string{"b"}, MaskText: true, Version: 3}
	c := pol.Compile()
	if !c.Compiles(pol) {
		t.Fatal("a compiled policy does not match its own policy")
	}
	pol.Drop[0] = "z" // the caller's list changing must not change c
	if c.Compiles(pol) || !c.drop["a"] || c.drop["z"] {
		t.Fatalf("the compiled policy followed a change to the caller's list: %v", c.drop)
	}
	for _, other := range []Policy{
		{Drop: []string{"a"}, Hash: []string{"b"}, MaskText: false, Version: 3},
		{Drop: []string{"a"}, Hash: []string{"b"}, MaskText: true, Version: 4},
		{Drop: []string{"a"}, Hash: []string{"b", "c"}, MaskText: true, Version: 3},
	} {
		if c.Compiles(other) {
			t.Errorf("compiled %+v stands in for %+v", c.pol, other)
		}
	}
}
