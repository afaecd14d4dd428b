package profile

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/atrium-mlops/atrium/internal/registry"
)

func TestDetectors(t *testing.T) {
	thisYear := time.Now().Year()
	cases := []struct {
		name string
		fn   func([]byte) bool
		yes  []string
		no   []string
	}{
		{"email", isEmail,
			[]string{"ann@example.com", "first.last+tag@mail.example.co.uk", "x_y-z@a-b.io", "O'Brien@example.ie"},
			[]string{"ann@example", "@example.com", "ann@@example.com", "ann@.com", "ann@example.c", "ann@-x.com", "ann example@x.com", ".ann@example.com", "ann.@example.com", "ann@example.123", "mailto:ann"}},
		{"phone", isPhone,
			[]string{"+31612345678", "+31 6 1234 5678", "+1 (555) 123-4567", "+44 20 7946 0958", "(555) 123-4567", "555-123-4567", "020 7946 0958", "06-12345678", "0612345678"},
			[]string{"+0123456789", "+1234567", "1234567890", "2024-01-15", "12345", "555--123-4567", "(555 123-4567", "+31 6 1234 567a", "0000000000", "1.234.567,89"}},
		{"iban", isIBAN,
			[]string{"NL91ABNA0417164300", "NL91 ABNA 0417 1643 00", "DE89370400440532013000", "GB29NWBK60161331926819", "FR1420041010050500013M02606", "be68539007547034"},
			[]string{"NL92ABNA0417164300", "NL91ABNA041716430", "DE89370400440532013001", "XX", "1234567890123456", "NL91-ABNA-0417-1643-00"}},
		{"card", isCard,
			[]string{"4111111111111111", "4111 1111 1111 1111", "4111-1111-1111-1111", "5500000000000004", "340000000000009", "6011000000000004", "2221000000000009"},
			[]string{"4111111111111112", "1234567812345670", "411111111111", "4111 1111 1111 111a", "79927398713", "9111111111111111"}},
		{"ssn", isSSN,
			[]string{"123-45-6789", "078-05-1120"},
			[]string{"000-12-3456", "666-12-3456", "900-12-3456", "123-00-4567", "123-45-0000", "123456789", "12-345-6789"}},
		{"nino", isNINO,
			[]string{"AB123456C", "ab 12 34 56 c", "JG103759A"},
			[]string{"DA123456C", "AO123456C", "GB123456A", "AB123456E", "AB12345C", "AB1234567C"}},
		{"bsn", isBSN,
			[]string{"111222333", "123456782", "12345672"},
			[]string{"111222334", "123456789", "000000000", "12345678a", "1234567820"}},
		{"birth", isBirthDate,
			[]string{"1980-05-17", "1950-01-01", fmt.Sprintf("%d-01-01", thisYear-100), "2001-02-03T00:00:00Z"},
			[]string{fmt.Sprintf("%d-01-01", thisYear+1), fmt.Sprintf("%d-01-01", thisYear-130), "1980-02-30", "17/05/1980", "1980"}},
	}
	for _, tc := range cases {
		for _, v := range tc.yes {
			if !tc.fn([]byte(v)) {
				t.Errorf("%s: %q not detected", tc.name, v)
			}
		}
		for _, v := range tc.no {
			if tc.fn([]byte(v)) {
				t.Errorf("%s: %q detected, but is not one", tc.name, v)
			}
		}
	}
}

func TestNameRules(t *testing.T) {
	cases := map[string]string{
		"email": "email", "E-Mail": "email", "contact_email": "email", "emailAddress": "email",
		"phone_number": "phone", "MobilePhone": "phone", "tel": "phone",
		"iban": "iban", "credit_card_number": "card", "ssn": "national-id", "national_id": "national-id", "BSN": "national-id",
		"first_name": "name", "lastName": "name", "Surname": "name", "name": "name", "full name": "name",
		"dob": "birth-date", "date_of_birth": "birth-date", "dateOfBirth": "birth-date", "BirthDate": "birth-date",
		"street_address": "address", "postcode": "address", "zip_code": "address",
		"gender": "special-category", "ethnicity": "special-category", "health_status": "special-category", "diagnosis_code": "special-category",
		// Near misses: words that contain a rule's word but are not it.
		"product_name": "", "filename": "", "telemetry": "", "zipper": "", "cardinality": "", "address_count_total": "address",
		"amount": "", "signup": "", "username": "", "country": "", "cardigan": "", "emails_sent": "",
	}
	for name, want := range cases {
		got := ""
		if r := matchName(name); r != nil {
			got = r.detector
		}
		if got != want {
			t.Errorf("%q: rule %q, want %q (words %v)", name, got, want, nameWords(name))
		}
	}
}

// suggestFor runs the PII check over values under a column name.
func suggestFor(name string, values []string) *registry.Suggestion {
	c := newColumn(name, "", DefaultSample, false)
	for _, v := range values {
		c.addText([]byte(v), false)
	}
	return c.result().Suggested
}

func repeat(n int, f func(i int) string) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = f(i)
	}
	return out
}

func TestSuggestions(t *testing.T) {
	emails := repeat(100, func(i int) string { return fmt.Sprintf("u%d@example.com", i) })
	words := repeat(100, func(i int) string { return fmt.Sprintf("word%d", i) })
	cases := []struct {
		name   string
		column string
		values []string
		want   string // classification/detector, "" for none
		reason string
	}{
		{"emails under any name", "contact", emails, "direct-identifier/email", "100% of 100 sampled values look like e-mail addresses"},
		{"one stray e-mail", "comment", append(words[:99:99], "a@example.com"), "", ""},
		{"a minority of e-mails", "comment", append(words[:60:60], emails[:40]...), "", ""},
		{"a majority of e-mails", "comment", append(words[:40:40], emails[:60]...), "direct-identifier/email", "60% of 100"},
		{"name and values agree", "email", emails, "direct-identifier/email", "the column name suggests e-mail addresses, and 100%"},
		{"few values still need five", "contact", emails[:4], "", ""},
		{"few values under the name", "email", emails[:4], "direct-identifier/email", "the column name suggests e-mail addresses"},
		{"cards by Luhn", "ref", repeat(50, func(i int) string { return luhnComplete("4", rngFor(i), 16) }), "direct-identifier/card", "payment card numbers"},
		{"Luhn-failing card-shaped numbers", "ref", repeat(50, func(i int) string {
			c := luhnComplete("4", rngFor(i), 16)
			return c[:15] + string(rune('0'+(int(c[15]-'0')+1)%10))
		}), "", ""},
		{"IBANs", "account", []string{"NL91ABNA0417164300", "DE89370400440532013000", "GB29NWBK60161331926819", "NL91ABNA0417164300", "FR1420041010050500013M02606"}, "direct-identifier/iban", "IBANs"},
		{"BSNs need the name", "number", repeat(20, func(int) string { return "111222333" }), "", ""},
		{"BSNs under the name", "bsn", repeat(20, func(int) string { return "111222333" }), "direct-identifier/national-id", "11-check"},
		{"SSNs", "tax_ref", repeat(20, func(i int) string { return fmt.Sprintf("%03d-45-%04d", 100+i, 1000+i) }), "direct-identifier/national-id", "social security"},
		{"dates are not birth dates by themselves", "created", repeat(20, func(i int) string { return fmt.Sprintf("19%02d-01-01", 50+i) }), "", ""},
		{"birth dates", "dob", repeat(20, func(i int) string { return fmt.Sprintf("19%02d-01-01", 50+i) }), "quasi-identifier/birth-date", "the column name suggests dates of birth, and 100% of 20 sampled values look like dates of birth"},
		{"special category wins over values", "gender", repeat(20, func(i int) string { return []string{"f", "m", "x"}[i%3] }), "special-category/special-category", "special-category"},
		{"nothing personal", "amount", repeat(50, func(i int) string { return fmt.Sprint(i * 7) }), "", ""},
		{"phones", "contact", repeat(20, func(i int) string { return fmt.Sprintf("+31 6 %04d %04d", i, 2*i) }), "direct-identifier/phone", "phone numbers"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := suggestFor(tc.column, tc.values)
			got := ""
			if s != nil {
				got = string(s.Classification) + "/" + s.Detector
			}
			if got != tc.want {
				t.Fatalf("suggestion %q (%+v), want %q", got, s, tc.want)
			}
			if s != nil && !strings.Contains(s.Reason, tc.reason) {
				t.Errorf("reason %q, want it to contain %q", s.Reason, tc.reason)
			}
		})
	}
}

// The PII check looks at the first Sample values only.
func TestSuggestionSample(t *testing.T) {
	c := newColumn("contact", "", 10, false)
	for i := 0; i < 10; i++ {
		c.addText([]byte("plain text"), false)
	}
	for i := 0; i < 100; i++ {
		c.addText([]byte(fmt.Sprintf("u%d@example.com", i)), false)
	}
	if s := c.result().Suggested; s != nil {
		t.Errorf("suggested %+v from values past the sample", s)
	}
}

func rngFor(i int) *rand.Rand { return rand.New(rand.NewPCG(uint64(i), 7)) }
