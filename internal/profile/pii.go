package profile

import (
	"fmt"
	"strings"
	"time"
	"unicode"

	"github.com/atrium-mlops/atrium/internal/registry"
)

// The PII check looks at a column's name and at the first SampleSize
// non-null values. A value detector suggests a classification only when at
// least valueShare of the sampled values match and at least valueMin do, so
// that a stray value does not flag a column.
const (
	DefaultSample = 10000
	valueShare    = 0.5
	valueMin      = 5
)

type detector int

const (
	detEmail detector = iota
	detPhone
	detIBAN
	detCard
	detSSN
	detNINO
	detBSN
	detBirth
	nDetectors
)

var detectors = [nDetectors]struct {
	name   string // Suggestion.Detector
	class  registry.Classification
	what   string // "look like …"
	match  func([]byte) bool
	byName bool // only counts when the column name points at it
}{
	detEmail: {"email", registry.DirectIdentifier, "e-mail addresses", isEmail, false},
	detPhone: {"phone", registry.DirectIdentifier, "phone numbers", isPhone, false},
	detIBAN:  {"iban", registry.DirectIdentifier, "IBANs with a valid checksum", isIBAN, false},
	detCard:  {"card", registry.DirectIdentifier, "payment card numbers with a valid Luhn check digit", isCard, false},
	detSSN:   {"national-id", registry.DirectIdentifier, "US social security numbers", isSSN, false},
	detNINO:  {"national-id", registry.DirectIdentifier, "UK National Insurance numbers", isNINO, false},
	detBSN:   {"national-id", registry.DirectIdentifier, "Dutch citizen service numbers (BSN) passing the 11-check", isBSN, true},
	detBirth: {"birth-date", registry.QuasiIdentifier, "dates of birth", isBirthDate, true},
}

type piiTally struct {
	limit   int
	sampled int
	hits    [nDetectors]int
}

func (t *piiTally) add(b []byte) {
	if t.sampled >= t.limit {
		return
	}
	t.sampled++
	for i := range detectors {
		if detectors[i].match(b) {
			t.hits[i]++
		}
	}
}

// nameRule maps words in a column name to a classification.
type nameRule struct {
	words    []string // any one of these as a word of the name
	detector string
	class    registry.Classification
	reason   string
}

// Column names are split into lower-case words at non-letters and at
// lower-to-upper case changes ("dateOfBirth" → date, of, birth); a rule
// matches a word or two adjacent words joined ("first name" → firstname).
var nameRules = []nameRule{
	{[]string{"email", "e-mail", "mail", "emailaddress"}, "email", registry.DirectIdentifier, "the column name suggests e-mail addresses"},
	{[]string{"phone", "mobile", "telephone", "tel", "cell", "msisdn", "fax", "phonenumber"}, "phone", registry.DirectIdentifier, "the column name suggests phone numbers"},
	{[]string{"iban", "bic", "accountnumber"}, "iban", registry.DirectIdentifier, "the column name suggests bank account numbers"},
	{[]string{"card", "creditcard", "cardnumber", "ccnumber", "pan"}, "card", registry.DirectIdentifier, "the column name suggests payment card numbers"},
	{[]string{"ssn", "socialsecurity", "nationalid", "nino", "bsn", "passport", "taxid", "tin", "nationalinsurance", "personalnumber", "idnumber"}, "national-id", registry.DirectIdentifier, "the column name suggests a national identifier"},
	{[]string{"firstname", "lastname", "surname", "fullname", "givenname", "familyname", "middlename", "maidenname", "forename", "customername", "patientname", "personname", "contactname"}, "name", registry.DirectIdentifier, "the column name suggests people's names"},
	{[]string{"dob", "birth", "birthday", "birthdate", "dateofbirth"}, "birth-date", registry.QuasiIdentifier, "the column name suggests dates of birth"},
	{[]string{"address", "street", "postcode", "postalcode", "zip", "zipcode", "city", "residence"}, "address", registry.QuasiIdentifier, "the column name suggests addresses or locations"},
	{[]string{"gender", "sex", "ethnicity", "ethnic", "race", "religion", "health", "diagnosis", "disability", "medical", "sexuality", "orientation", "political", "union", "biometric", "genetic"}, "special-category", registry.SpecialCategory, "the column name suggests special-category data (health, ethnicity, gender and the like)"},
}

func nameWords(name string) []string {
	var words []string
	var cur []rune
	prevLower := false
	flush := func() {
		if len(cur) > 0 {
			words = append(words, string(cur))
			cur = cur[:0]
		}
	}
	for _, r := range name {
		switch {
		case unicode.IsUpper(r):
			if prevLower {
				flush()
			}
			cur = append(cur, unicode.ToLower(r))
			prevLower = false
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			cur = append(cur, r)
			prevLower = true
		default:
			flush()
			prevLower = false
		}
	}
	flush()
	return words
}

func matchName(name string) *nameRule {
	words := nameWords(name)
	cands := append([]string(nil), words...)
	for i := 0; i+1 < len(words); i++ {
		cands = append(cands, words[i]+words[i+1])
	}
	for i := 0; i+2 < len(words); i++ {
		cands = append(cands, words[i]+words[i+1]+words[i+2])
	}
	if len(words) == 1 && words[0] == "name" {
		return &nameRules[5]
	}
	for i := range nameRules {
		for _, w := range nameRules[i].words {
			for _, c := range cands {
				if c == w {
					return &nameRules[i]
				}
			}
		}
	}
	return nil
}

var classRank = map[registry.Classification]int{
	registry.NotPersonal: 0, registry.QuasiIdentifier: 1, registry.DirectIdentifier: 2, registry.SpecialCategory: 3,
}

// suggest combines the name rule and the value detectors into at most one
// suggestion: the most sensitive classification wins; with a name and values
// agreeing, the reason says both.
func (t *piiTally) suggest(name string, count int64) *registry.Suggestion {
	rule := matchName(name)
	best := -1
	bestShare := 0.0
	if t.sampled > 0 {
		for i, d := range detectors {
			if d.byName && (rule == nil || rule.detector != d.name) {
				continue
			}
			share := float64(t.hits[i]) / float64(t.sampled)
			if t.hits[i] < valueMin || share < valueShare {
				continue
			}
			if best < 0 || share > bestShare {
				best, bestShare = i, share
			}
		}
	}
	var s *registry.Suggestion
	if best >= 0 {
		d := detectors[best]
		s = &registry.Suggestion{
			Classification: d.class,
			Detector:       d.name,
			Reason:         fmt.Sprintf("%.0f%% of %d sampled values look like %s", 100*bestShare, t.sampled, d.what),
		}
	}
	if rule == nil {
		return s
	}
	if s == nil || classRank[rule.class] > classRank[s.Classification] {
		return &registry.Suggestion{Classification: rule.class, Detector: rule.detector, Reason: rule.reason}
	}
	if s.Detector == rule.detector {
		s.Reason = rule.reason + ", and " + s.Reason
	}
	return s
}

// isEmail accepts local@domain.tld with the characters addresses use in
// practice (not every form RFC 5322 allows).
func isEmail(b []byte) bool {
	if len(b) < 6 || len(b) > 254 {
		return false
	}
	at := -1
	for i, ch := range b {
		if ch == '@' {
			if at >= 0 {
				return false
			}
			at = i
		}
	}
	if at < 1 || at > 64 {
		return false
	}
	for _, ch := range b[:at] {
		if !(isAlnum(ch) || strings.IndexByte(".!#$%&'*+/=?^_`{|}~-", ch) >= 0) {
			return false
		}
	}
	if b[0] == '.' || b[at-1] == '.' {
		return false
	}
	domain := b[at+1:]
	labels := 0
	start := 0
	for i := 0; i <= len(domain); i++ {
		if i < len(domain) && domain[i] != '.' {
			ch := domain[i]
			if !isAlnum(ch) && ch != '-' {
				return false
			}
			continue
		}
		label := domain[start:i]
		if len(label) == 0 || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		labels++
		if i == len(domain) { // the top-level domain: letters only
			if len(label) < 2 {
				return false
			}
			for _, ch := range label {
				if !isLetter(ch) {
					return false
				}
			}
		}
		start = i + 1
	}
	return labels >= 2
}

func isAlnum(ch byte) bool  { return isLetter(ch) || (ch >= '0' && ch <= '9') }
func isLetter(ch byte) bool { return (ch|0x20) >= 'a' && (ch|0x20) <= 'z' }

// isPhone accepts E.164 numbers (+ and 8 to 15 digits, the first not 0) and
// national numbers of 10 or 11 digits that are written like phone numbers:
// a leading 0 or a grouping with spaces, dashes, dots or parentheses
// ("(555) 123-4567", "020 7946 0958", "06-12345678"). Separators may not
// repeat, and letters or other characters reject the value.
func isPhone(b []byte) bool {
	if len(b) < 8 || len(b) > 24 {
		return false
	}
	plus := b[0] == '+'
	if plus {
		b = b[1:]
	}
	var d [16]byte
	n, seps, parens := 0, 0, 0
	prevSep := true
	for _, ch := range b {
		switch {
		case ch >= '0' && ch <= '9':
			if n == len(d) {
				return false
			}
			d[n] = ch
			n++
			prevSep = false
		case ch == ' ' || ch == '-' || ch == '.':
			if prevSep {
				return false
			}
			seps++
			prevSep = true
		case ch == '(' || ch == ')':
			parens++
		default:
			return false
		}
	}
	if parens != 0 && parens != 2 {
		return false
	}
	if plus {
		return n >= 8 && n <= 15 && d[0] != '0'
	}
	if n < 10 || n > 11 {
		return false
	}
	same := true
	for i := 1; i < n; i++ {
		same = same && d[i] == d[0]
	}
	if same {
		return false
	}
	return d[0] == '0' || seps > 0 || parens == 2
}

// ibanLength is the length of an IBAN in the countries most data comes from.
var ibanLength = map[string]int{
	"AT": 20, "BE": 16, "BG": 22, "CH": 21, "CY": 28, "CZ": 24, "DE": 22, "DK": 18, "EE": 20, "ES": 24,
	"FI": 18, "FR": 27, "GB": 22, "GR": 27, "HR": 21, "HU": 28, "IE": 22, "IS": 26, "IT": 27, "LI": 21,
	"LT": 20, "LU": 20, "LV": 21, "MC": 27, "MT": 31, "NL": 18, "NO": 15, "PL": 28, "PT": 25, "RO": 24,
	"SE": 24, "SI": 19, "SK": 24, "SM": 27, "TR": 26, "AE": 23, "SA": 24, "IL": 23, "BR": 29,
}

// isIBAN checks an IBAN's shape, its country's length when known, and the
// ISO 7064 mod-97 checksum. Spaces between groups are allowed.
func isIBAN(b []byte) bool {
	if len(b) < 15 || len(b) > 42 {
		return false
	}
	var s [34]byte
	n := 0
	for _, ch := range b {
		if ch == ' ' {
			continue
		}
		if n == len(s) || !isAlnum(ch) {
			return false
		}
		if isLetter(ch) {
			ch &^= 0x20
		}
		s[n] = ch
		n++
	}
	if n < 15 || !isLetter(s[0]) || !isLetter(s[1]) || !isDigit(s[2]) || !isDigit(s[3]) {
		return false
	}
	if l, ok := ibanLength[string(s[:2])]; ok && l != n {
		return false
	}
	rem := 0
	for i := 0; i < n; i++ {
		ch := s[(i+4)%n] // the first four characters move to the end
		if isDigit(ch) {
			rem = (rem*10 + int(ch-'0')) % 97
		} else {
			v := int(ch-'A') + 10
			rem = (rem*100 + v) % 97
		}
	}
	return rem == 1
}

func isDigit(ch byte) bool { return ch >= '0' && ch <= '9' }

// isCard accepts 13 to 19 digits (optionally grouped by spaces or dashes)
// with a card network's prefix (Visa 4, Mastercard 51–55 and 2221–2720,
// American Express 34/37, Discover 6011/65, JCB 35, Maestro 50/56–58/6)
// and a valid Luhn check digit.
func isCard(b []byte) bool {
	if len(b) < 13 || len(b) > 23 {
		return false
	}
	var d [19]byte
	n := 0
	for _, ch := range b {
		switch {
		case isDigit(ch):
			if n == len(d) {
				return false
			}
			d[n] = ch - '0'
			n++
		case ch == ' ' || ch == '-':
		default:
			return false
		}
	}
	if n < 13 {
		return false
	}
	p2 := int(d[0])*10 + int(d[1])
	p4 := p2*100 + int(d[2])*10 + int(d[3])
	ok := d[0] == 4 || (p2 >= 51 && p2 <= 55) || (p4 >= 2221 && p4 <= 2720) || p2 == 34 || p2 == 37 ||
		p4 == 6011 || p2 == 65 || p2 == 35 || p2 == 50 || (p2 >= 56 && p2 <= 58) || d[0] == 6
	if !ok {
		return false
	}
	sum := 0
	for i := 0; i < n; i++ {
		v := int(d[n-1-i])
		if i%2 == 1 {
			v *= 2
			if v > 9 {
				v -= 9
			}
		}
		sum += v
	}
	return sum%10 == 0
}

// isSSN accepts the US social security number shape AAA-GG-SSSS with the
// ranges the Social Security Administration never issues excluded (area 000,
// 666 and 900–999, group 00, serial 0000). Only the dashed form counts: nine
// bare digits are too common to mean anything.
func isSSN(b []byte) bool {
	if len(b) != 11 || b[3] != '-' || b[6] != '-' {
		return false
	}
	a, ok1 := digits(b[0:3])
	g, ok2 := digits(b[4:6])
	s, ok3 := digits(b[7:11])
	return ok1 && ok2 && ok3 && a != 0 && a != 666 && a < 900 && g != 0 && s != 0
}

// isNINO accepts a UK National Insurance number: two prefix letters (not
// D, F, I, Q, U or V; the second not O; not BG, GB, KN, NK, NT, TN or ZZ), six
// digits and a suffix A–D, with optional spaces.
func isNINO(b []byte) bool {
	var s [9]byte
	n := 0
	for _, ch := range b {
		if ch == ' ' {
			continue
		}
		if n == len(s) {
			return false
		}
		if isLetter(ch) {
			ch &^= 0x20
		}
		s[n] = ch
		n++
	}
	if n != 9 || !isLetter(s[0]) || !isLetter(s[1]) || !isLetter(s[8]) {
		return false
	}
	if strings.IndexByte("DFIQUV", s[0]) >= 0 || strings.IndexByte("DFIQUVO", s[1]) >= 0 {
		return false
	}
	switch string(s[:2]) {
	case "BG", "GB", "KN", "NK", "NT", "TN", "ZZ":
		return false
	}
	for _, ch := range s[2:8] {
		if !isDigit(ch) {
			return false
		}
	}
	return s[8] >= 'A' && s[8] <= 'D'
}

// isBSN accepts a Dutch citizen service number: nine digits (or eight, with
// the leading zero dropped) passing the 11-check 9·d1 + 8·d2 + … + 2·d8 − d9 ≡ 0
// (mod 11). One random nine-digit number in eleven passes, so this detector
// counts only in a column whose name points at a national identifier.
func isBSN(b []byte) bool {
	if len(b) != 9 && len(b) != 8 {
		return false
	}
	var d [9]int
	off := 9 - len(b)
	for i, ch := range b {
		if !isDigit(ch) {
			return false
		}
		d[off+i] = int(ch - '0')
	}
	sum := 0
	for i := 0; i < 8; i++ {
		sum += (9 - i) * d[i]
	}
	sum -= d[8]
	return sum != 0 && sum%11 == 0
}

// isBirthDate accepts a calendar date (or the date part of a timestamp)
// that is a plausible date of birth: not in the future and at most 120 years
// ago. It counts only in a column whose name points at birth dates.
func isBirthDate(b []byte) bool {
	if len(b) < 10 || !isTimestamp(b[:10]) {
		return false
	}
	y, _ := digits(b[0:4])
	now := time.Now().UTC()
	t := time.Date(y, time.Month(int(b[5]-'0')*10+int(b[6]-'0')), int(b[8]-'0')*10+int(b[9]-'0'), 0, 0, 0, 0, time.UTC)
	return !t.After(now) && y >= now.Year()-120
}
