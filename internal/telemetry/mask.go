package telemetry

import (
	"regexp"
	"strings"
)

// The replacements MaskText puts in place of what it finds.
const (
	MaskEmail = "[email]"
	MaskPhone = "[phone]"
	MaskIBAN  = "[iban]"
	MaskCard  = "[card]"
)

// MaskText replaces personal data in free text and reports whether it
// changed anything. It looks, in this order, for:
//
//   - e-mail addresses (local part, "@", a dotted domain);
//   - IBANs: two letters, two check digits and 11 to 30 letters or digits,
//     single spaces allowed between them, whose check digits verify
//     (ISO 13616 mod 97) — a look-alike with wrong check digits is left;
//   - card numbers: 13 to 19 digits, single spaces or hyphens allowed
//     between them, starting with 2–6 (the card networks' ranges), that pass
//     the Luhn check — other digit runs are left;
//   - phone numbers, 7 to 15 digits with spaces, hyphens, dots or
//     parentheses between groups, in one of three shapes: international
//     ("+" then 7–15 digits); national with a trunk or international prefix
//     (starting with 0, 9–15 digits); or North American (3-3-4 digits,
//     optionally after a 1, with separators). Groups after the first have at
//     least two digits unless in parentheses, so "0.5 1.5 2.5" stays. A bare
//     digit run without "+" or a leading 0 is never a phone number: years,
//     amounts ("1 000 000"), order numbers and dates stay as they are.
//
// Every match must stand alone: not glued to a letter or digit on either
// side; a phone number also does not continue a run of digits
// after a single separator (the tail of an account number is not a phone).
func MaskText(s string) (string, bool) {
	if !mayHoldPersonal(s) {
		return s, false
	}
	out := emailRE.ReplaceAllString(s, MaskEmail)
	out = scanReplace(out, ibanAt, MaskIBAN)
	out = scanReplace(out, cardAt, MaskCard)
	out = scanReplace(out, phoneAt, MaskPhone)
	return out, out != s
}

// mayHoldPersonal reports whether s could hold anything MaskText masks:
// every e-mail address has an "@"; every IBAN starts with two letters and
// two digits; every card and phone number has at least 7 digits. Most
// values have none of these and are left without running the scanners.
func mayHoldPersonal(s string) bool {
	digits := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '@':
			return true
		case isDigit(c):
			if digits++; digits >= 7 {
				return true
			}
		case i+3 < len(s) && isLetter(c) && isLetter(s[i+1]) && isDigit(s[i+2]) && isDigit(s[i+3]):
			return true
		}
	}
	return false
}

var emailRE = regexp.MustCompile(`[\p{L}\p{N}._%+\-]+@[\p{L}\p{N}](?:[\p{L}\p{N}\-]*[\p{L}\p{N}])?(?:\.[\p{L}\p{N}](?:[\p{L}\p{N}\-]*[\p{L}\p{N}])?)*\.\p{L}{2,}`)

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isAlnum(c byte) bool {
	return isDigit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0x80
}

// scanReplace replaces every match of at, tried at each position that
// does not follow a letter or digit; at returns the end of the longest
// match starting at i, or -1.
func scanReplace(s string, at func(s string, i int) int, with string) string {
	var b strings.Builder
	last := 0
	for i := 0; i < len(s); {
		if i > 0 && (isAlnum(s[i-1]) || s[i-1] == '+') {
			i++
			continue
		}
		if end := at(s, i); end > i {
			b.WriteString(s[last:i])
			b.WriteString(with)
			last, i = end, end
			continue
		}
		i++
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

// freeAfter reports whether position end is not glued to a letter or digit.
func freeAfter(s string, end int) bool { return end >= len(s) || !isAlnum(s[end]) }

func upper(c byte) byte {
	if c >= 'a' && c <= 'z' {
		return c - 'a' + 'A'
	}
	return c
}

func isLetter(c byte) bool { c = upper(c); return c >= 'A' && c <= 'Z' }

// ibanAt matches an IBAN starting at i.
func ibanAt(s string, i int) int {
	if i+4 > len(s) || !isLetter(s[i]) || !isLetter(s[i+1]) || !isDigit(s[i+2]) || !isDigit(s[i+3]) {
		return -1
	}
	chars := []byte{upper(s[i]), upper(s[i+1]), s[i+2], s[i+3]}
	var ends []int // candidate ends, with their length in chars
	var lens []int
	j := i + 4
	for len(chars) < 34 {
		k := j
		if k < len(s) && s[k] == ' ' {
			k++
		}
		if k >= len(s) || !(isDigit(s[k]) || isLetter(s[k])) {
			break
		}
		chars = append(chars, upper(s[k]))
		j = k + 1
		if len(chars) >= 15 && freeAfter(s, j) {
			ends, lens = append(ends, j), append(lens, len(chars))
		}
	}
	for c := len(ends) - 1; c >= 0; c-- {
		if ibanValid(chars[:lens[c]]) {
			return ends[c]
		}
	}
	return -1
}

// ibanValid is the ISO 13616 check: the country code and check digits
// moved to the end, letters read as 10…35, the number mod 97 is 1.
func ibanValid(chars []byte) bool {
	rearranged := append(append([]byte{}, chars[4:]...), chars[:4]...)
	r := 0
	for _, c := range rearranged {
		if isDigit(c) {
			r = (r*10 + int(c-'0')) % 97
		} else {
			r = (r*100 + int(c-'A'+10)) % 97
		}
	}
	return r == 1
}

// cardAt matches a card number starting at i.
func cardAt(s string, i int) int {
	if i >= len(s) || s[i] < '2' || s[i] > '6' {
		return -1
	}
	var digits []byte
	var ends, lens []int
	j := i
	for len(digits) < 19 {
		k := j
		if len(digits) > 0 && k < len(s) && (s[k] == ' ' || s[k] == '-') {
			k++
		}
		if k >= len(s) || !isDigit(s[k]) {
			break
		}
		digits = append(digits, s[k])
		j = k + 1
		if len(digits) >= 13 && freeAfter(s, j) {
			ends, lens = append(ends, j), append(lens, len(digits))
		}
	}
	for c := len(ends) - 1; c >= 0; c-- {
		if luhn(digits[:lens[c]]) {
			return ends[c]
		}
	}
	return -1
}

func luhn(digits []byte) bool {
	sum := 0
	for k := range digits {
		d := int(digits[len(digits)-1-k] - '0')
		if k%2 == 1 {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return sum%10 == 0
}

// phoneAt matches a phone number starting at i (see MaskText for the
// shapes).
func phoneAt(s string, i int) int {
	if i >= len(s) || !(s[i] == '+' || s[i] == '(' || isDigit(s[i])) {
		return -1
	}
	// A run that continues a longer one ("DE88 3704 0044 …") is not a
	// phone number of its own.
	if i >= 2 && (s[i-1] == ' ' || s[i-1] == '-' || s[i-1] == '.') && isDigit(s[i-2]) {
		return -1
	}
	plus := s[i] == '+'
	j := i
	if plus {
		j++
	}
	// Walk the groups: a group is a run of digits, optionally in
	// parentheses; groups are joined by at most one separator.
	var groups []phoneGroup
	ndigits := 0
	for j < len(s) && ndigits <= 15 {
		k := j
		if len(groups) > 0 && k < len(s) && (s[k] == ' ' || s[k] == '-' || s[k] == '.') {
			k++
		}
		paren := k < len(s) && s[k] == '('
		if paren {
			k++
		}
		start := k
		for k < len(s) && isDigit(s[k]) {
			k++
		}
		if k == start {
			break
		}
		g := phoneGroup{digits: s[start:k], paren: paren}
		if paren {
			if k >= len(s) || s[k] != ')' {
				break
			}
			k++
		}
		g.end = k
		groups = append(groups, g)
		ndigits += len(g.digits)
		j = k
	}
	for c := len(groups); c > 0; c-- {
		if freeAfter(s, groups[c-1].end) && phoneShape(plus, groups[:c]) {
			return groups[c-1].end
		}
	}
	return -1
}

// phoneGroup is a run of digits of a phone number candidate; end is where
// it ends in the text (after its closing parenthesis).
type phoneGroup struct {
	digits string
	paren  bool
	end    int
}

func phoneShape(plus bool, groups []phoneGroup) bool {
	all := ""
	for k, g := range groups {
		if k > 0 && len(g.digits) < 2 && !g.paren {
			return false
		}
		all += g.digits
	}
	n := len(all)
	switch {
	case n < 7 || n > 15:
		return false
	case plus:
		return true
	case all[0] == '0':
		return n >= 9
	}
	// North American: (NXX) NXX-XXXX or 1 NXX NXX XXXX, with separators.
	lens := make([]int, len(groups))
	for k, g := range groups {
		lens[k] = len(g.digits)
	}
	switch {
	case len(lens) == 3 && lens[0] == 3 && lens[1] == 3 && lens[2] == 4:
		return true
	case len(lens) == 4 && all[0] == '1' && lens[0] == 1 && lens[1] == 3 && lens[2] == 3 && lens[3] == 4:
		return true
	}
	return false
}
