package registry

import (
	"strconv"
	"strings"

	"github.com/atrium-mlops/atrium/internal/atrium"
)

// MaxFilter bounds a search filter's length, and MaxClauses its clauses.
const (
	MaxFilter  = 4000
	MaxClauses = 20
)

// Clause is one comparison of an MLflow search filter, such as
// metrics.auc > 0.8 or tags.team = 'risk'. Entity is "metric", "param",
// "tag" or "attribute"; Op is one of = != < <= > >= LIKE ILIKE IN.
type Clause struct {
	Entity string
	Key    string
	Op     string
	Value  string   // the string operand
	Number float64  // the operand of a metric comparison
	Values []string // the list of IN
}

// ParseFilter parses MLflow's search filter: clauses joined by AND, each an
// identifier ("metrics.x", "params.x", "tags.x", "attributes.x" or a bare
// attribute name; keys may be quoted with backticks or double quotes), an
// operator and a quoted string, a number (metrics only) or a list for IN.
// allowed maps each entity to the keys it accepts (nil: any key).
func ParseFilter(s string, allowed map[string][]string) ([]Clause, error) {
	if len(s) > MaxFilter {
		return nil, atrium.Errorf(atrium.Invalid, "filter is too long (%d bytes, at most %d)", len(s), MaxFilter)
	}
	p := &filterParser{s: s}
	var out []Clause
	for {
		p.space()
		if p.done() {
			if len(out) == 0 {
				return nil, nil
			}
			return nil, p.fail("a comparison was expected after AND")
		}
		c, err := p.clause(allowed)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
		if len(out) > MaxClauses {
			return nil, atrium.Errorf(atrium.Invalid, "a filter may hold at most %d comparisons", MaxClauses)
		}
		p.space()
		if p.done() {
			return out, nil
		}
		if !p.word("AND") {
			return nil, p.fail("expected AND between comparisons (OR is not supported)")
		}
	}
}

type filterParser struct {
	s   string
	pos int
}

func (p *filterParser) done() bool { return p.pos >= len(p.s) }

func (p *filterParser) fail(msg string) error {
	return atrium.Errorf(atrium.Invalid, "invalid filter at character %d: %s", p.pos+1, msg)
}

func (p *filterParser) space() {
	for !p.done() && (p.s[p.pos] == ' ' || p.s[p.pos] == '\t' || p.s[p.pos] == '\n' || p.s[p.pos] == '\r') {
		p.pos++
	}
}

// word consumes a keyword, case-insensitively, followed by a non-letter.
func (p *filterParser) word(w string) bool {
	end := p.pos + len(w)
	if end > len(p.s) || !strings.EqualFold(p.s[p.pos:end], w) {
		return false
	}
	if end < len(p.s) && isIdent(p.s[end]) {
		return false
	}
	p.pos = end
	return true
}

func isIdent(c byte) bool {
	return c == '_' || c == '.' || c == '-' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// quoted reads a string in q quotes; a doubled quote stands for itself.
func (p *filterParser) quoted(q byte) (string, error) {
	p.pos++
	var b strings.Builder
	for !p.done() {
		c := p.s[p.pos]
		p.pos++
		if c == q {
			if !p.done() && p.s[p.pos] == q {
				b.WriteByte(q)
				p.pos++
				continue
			}
			return b.String(), nil
		}
		b.WriteByte(c)
	}
	return "", p.fail("unterminated quote")
}

func (p *filterParser) ident() (string, error) {
	start := p.pos
	for !p.done() && isIdent(p.s[p.pos]) {
		p.pos++
	}
	if start == p.pos {
		return "", p.fail("an identifier was expected")
	}
	return p.s[start:p.pos], nil
}

var entities = map[string]string{
	"metric": "metric", "metrics": "metric", "param": "param", "params": "param", "parameter": "param", "parameters": "param",
	"tag": "tag", "tags": "tag", "attribute": "attribute", "attributes": "attribute", "attr": "attribute", "run": "attribute",
}

func (p *filterParser) clause(allowed map[string][]string) (Clause, error) {
	var c Clause
	var head string
	var err error
	if !p.done() && (p.s[p.pos] == '`' || p.s[p.pos] == '"') {
		head, err = p.quoted(p.s[p.pos])
		c.Entity, c.Key = "attribute", head
	} else {
		start := p.pos
		for !p.done() && isIdent(p.s[p.pos]) && p.s[p.pos] != '.' {
			p.pos++
		}
		head = p.s[start:p.pos]
		if e, ok := entities[strings.ToLower(head)]; ok && !p.done() && p.s[p.pos] == '.' {
			p.pos++
			c.Entity = e
			if !p.done() && (p.s[p.pos] == '`' || p.s[p.pos] == '"') {
				c.Key, err = p.quoted(p.s[p.pos])
			} else {
				c.Key, err = p.ident()
			}
		} else {
			p.pos = start
			c.Entity = "attribute"
			c.Key, err = p.ident()
		}
	}
	if err != nil {
		return c, err
	}
	keys, ok := allowed[c.Entity]
	if !ok {
		return c, p.fail("cannot filter on " + c.Entity + "s here")
	}
	if keys != nil {
		found := false
		for _, k := range keys {
			if strings.EqualFold(k, c.Key) {
				c.Key, found = k, true
			}
		}
		if !found {
			return c, p.fail("unknown attribute " + strconv.Quote(atrium.Truncate(c.Key, 40)) + "; expected one of " + strings.Join(keys, ", "))
		}
	}
	p.space()
	switch {
	case p.word("LIKE"):
		c.Op = "LIKE"
	case p.word("ILIKE"):
		c.Op = "ILIKE"
	case p.word("IN"):
		c.Op = "IN"
	case strings.HasPrefix(p.s[p.pos:], "!="), strings.HasPrefix(p.s[p.pos:], "<="), strings.HasPrefix(p.s[p.pos:], ">="):
		c.Op = p.s[p.pos : p.pos+2]
		p.pos += 2
	case strings.HasPrefix(p.s[p.pos:], "="), strings.HasPrefix(p.s[p.pos:], "<"), strings.HasPrefix(p.s[p.pos:], ">"):
		c.Op = p.s[p.pos : p.pos+1]
		p.pos++
	default:
		return c, p.fail("a comparison operator was expected")
	}
	p.space()
	if c.Op == "IN" {
		return c, p.list(&c)
	}
	if p.done() {
		return c, p.fail("a value was expected")
	}
	if q := p.s[p.pos]; q == '\'' || q == '"' {
		if c.Entity == "metric" {
			return c, p.fail("metrics compare with numbers")
		}
		c.Value, err = p.quoted(q)
		return c, err
	}
	start := p.pos
	for !p.done() && (isIdent(p.s[p.pos]) || p.s[p.pos] == '+') {
		p.pos++
	}
	raw := p.s[start:p.pos]
	n, nerr := strconv.ParseFloat(raw, 64)
	if nerr != nil {
		return c, p.fail("a quoted string or a number was expected")
	}
	if c.Entity != "metric" && c.Entity != "attribute" {
		return c, p.fail(c.Entity + "s compare with quoted strings")
	}
	if c.Op == "LIKE" || c.Op == "ILIKE" {
		return c, p.fail("LIKE needs a quoted pattern")
	}
	c.Number, c.Value = n, raw
	return c, nil
}

func (p *filterParser) list(c *Clause) error {
	if p.done() || p.s[p.pos] != '(' {
		return p.fail("IN needs a parenthesised list")
	}
	p.pos++
	for {
		p.space()
		if p.done() || (p.s[p.pos] != '\'' && p.s[p.pos] != '"') {
			return p.fail("IN lists hold quoted strings")
		}
		v, err := p.quoted(p.s[p.pos])
		if err != nil {
			return err
		}
		c.Values = append(c.Values, v)
		if len(c.Values) > 100 {
			return p.fail("an IN list may hold at most 100 values")
		}
		p.space()
		if p.done() {
			return p.fail("unterminated list")
		}
		if p.s[p.pos] == ')' {
			p.pos++
			return nil
		}
		if p.s[p.pos] != ',' {
			return p.fail("expected , or ) in the list")
		}
		p.pos++
	}
}

// OrderBy is one key of an MLflow order_by: a column and a direction.
type OrderBy struct {
	Entity string // "attribute", "metric", "param" or "tag"
	Key    string
	Desc   bool
}

// ParseOrderBy parses order_by entries such as "name DESC" or
// "metrics.auc ASC", keeping only entities and attributes in allowed.
func ParseOrderBy(items []string, allowed map[string][]string) ([]OrderBy, error) {
	if len(items) > 5 {
		return nil, atrium.Errorf(atrium.Invalid, "order_by may hold at most 5 keys")
	}
	var out []OrderBy
	for _, it := range items {
		col, o := strings.TrimSpace(it), OrderBy{}
		if i := strings.LastIndexAny(col, " \t"); i > 0 && !strings.ContainsAny(col[i:], "`\"") {
			switch dir := strings.ToUpper(strings.TrimSpace(col[i:])); dir {
			case "ASC", "DESC":
				o.Desc, col = dir == "DESC", strings.TrimSpace(col[:i])
			default:
				return nil, atrium.Errorf(atrium.Invalid, "order_by %q must be a column and optionally ASC or DESC", atrium.Truncate(it, 60))
			}
		}
		if col == "" {
			return nil, atrium.Errorf(atrium.Invalid, "order_by %q must be a column and optionally ASC or DESC", atrium.Truncate(it, 60))
		}
		fields := []string{col}
		cl, err := ParseFilter(fields[0]+" = '0'", map[string][]string{"attribute": allowed["attribute"], "metric": nil, "param": nil, "tag": nil})
		if err != nil || len(cl) != 1 {
			cl, err = ParseFilter(fields[0]+" = 0", map[string][]string{"attribute": allowed["attribute"], "metric": nil})
		}
		if err != nil || len(cl) != 1 {
			return nil, atrium.Errorf(atrium.Invalid, "cannot order by %q", atrium.Truncate(fields[0], 60))
		}
		if _, ok := allowed[cl[0].Entity]; !ok {
			return nil, atrium.Errorf(atrium.Invalid, "cannot order by %q here", atrium.Truncate(fields[0], 60))
		}
		o.Entity, o.Key = cl[0].Entity, cl[0].Key
		out = append(out, o)
	}
	return out, nil
}
