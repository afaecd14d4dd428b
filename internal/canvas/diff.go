package canvas

import (
	"sort"
	"strings"
	"unicode"
)

// DiffOp is one run of a word-level diff.
type DiffOp struct {
	Op   string `json:"op"` // "equal", "insert" or "delete"
	Text string `json:"text"`
}

// Diff operations.
const (
	OpEqual  = "equal"
	OpInsert = "insert"
	OpDelete = "delete"
)

// SectionDiff compares one section between two snapshots.
type SectionDiff struct {
	SectionID  string   `json:"section"`
	Title      string   `json:"title"`
	Phase      string   `json:"phase"` // the phase id
	PhaseTitle string   `json:"phase_title"`
	Changed    bool     `json:"changed"` // content or status differ
	StatusFrom Status   `json:"status_from"`
	StatusTo   Status   `json:"status_to"`
	OwnerFrom  string   `json:"owner_from,omitempty"`
	OwnerTo    string   `json:"owner_to,omitempty"`
	Ops        []DiffOp `json:"ops"`
}

// HeaderDiff is one header value, or the title, that differs between two
// snapshots.
type HeaderDiff struct {
	Field string `json:"field"` // "title" for the canvas title
	Label string `json:"label"`
	From  string `json:"from"`
	To    string `json:"to"`
}

// maxDiffCells bounds the work of one LCS: beyond 4,000 × 4,000 tokens the
// diff falls back to whole lines, then to replacing the whole text, so a
// huge section never stalls a page.
const maxDiffCells = 4000 * 4000

// DiffSnapshots compares two snapshots of a canvas: the title and header
// values that changed, and every section of the template in order, changed
// or not, with a word diff of its content.
func DiffSnapshots(t *Template, a, b Snapshot) (header []HeaderDiff, sections []SectionDiff) {
	if a.Title != b.Title {
		header = append(header, HeaderDiff{Field: "title", Label: "Title", From: a.Title, To: b.Title})
	}
	known := map[string]bool{}
	for _, f := range t.Header {
		known[f.ID] = true
		if a.Header[f.ID] != b.Header[f.ID] {
			header = append(header, HeaderDiff{Field: f.ID, Label: f.Label, From: a.Header[f.ID], To: b.Header[f.ID]})
		}
	}
	// Values of fields the template no longer has still count as changes.
	var extra []string
	for _, h := range []map[string]string{a.Header, b.Header} {
		for id := range h {
			if !known[id] {
				known[id] = true
				extra = append(extra, id)
			}
		}
	}
	sort.Strings(extra)
	for _, id := range extra {
		if a.Header[id] != b.Header[id] {
			header = append(header, HeaderDiff{Field: id, Label: id, From: a.Header[id], To: b.Header[id]})
		}
	}
	for _, p := range t.Phases {
		for _, s := range p.Sections {
			from, to := snapshotItem(a, s.ID), snapshotItem(b, s.ID)
			sections = append(sections, SectionDiff{
				SectionID: s.ID, Title: s.Title, Phase: p.ID, PhaseTitle: p.Title,
				Changed:    from.Content != to.Content || from.Status != to.Status,
				StatusFrom: from.Status, StatusTo: to.Status,
				OwnerFrom: from.OwnerName, OwnerTo: to.OwnerName,
				Ops: DiffWords(from.Content, to.Content),
			})
		}
	}
	return header, sections
}

func snapshotItem(s Snapshot, id string) SnapshotItem {
	it, ok := s.Sections[id]
	if !ok || it.Status == "" {
		it.Status = Empty
	}
	return it
}

// DiffWords compares two texts word by word. Words and runs of whitespace
// are the units; the result joins equal and deleted runs back into a, and
// equal and inserted runs into b. Adjacent runs of one kind are merged, and
// within a changed stretch the deletion comes before the insertion.
func DiffWords(a, b string) []DiffOp {
	if a == b {
		if a == "" {
			return []DiffOp{}
		}
		return []DiffOp{{OpEqual, a}}
	}
	ta, tb := splitWords(a), splitWords(b)
	if !small(ta, tb) {
		ta, tb = splitLines(a), splitLines(b)
	}
	if !small(ta, tb) {
		return compact([]DiffOp{{OpDelete, a}, {OpInsert, b}})
	}
	return compact(diffTokens(ta, tb))
}

func small(a, b []string) bool {
	// Common ends cost nothing, so only the differing middle counts.
	p, s := commonEnds(a, b)
	n, m := len(a)-p-s, len(b)-p-s
	return n == 0 || m == 0 || n*m <= maxDiffCells
}

// splitWords cuts s into alternating runs of whitespace and non-whitespace.
func splitWords(s string) []string {
	var out []string
	start := 0
	var inSpace bool
	for i, r := range s {
		sp := unicode.IsSpace(r)
		if i > 0 && sp != inSpace {
			out = append(out, s[start:i])
			start = i
		}
		inSpace = sp
	}
	if start < len(s) {
		out = append(out, s[start:])
	}
	return out
}

// splitLines cuts s into lines, each keeping its newline.
func splitLines(s string) []string {
	var out []string
	for s != "" {
		i := strings.IndexByte(s, '\n')
		if i < 0 {
			out = append(out, s)
			break
		}
		out = append(out, s[:i+1])
		s = s[i+1:]
	}
	return out
}

func commonEnds(a, b []string) (prefix, suffix int) {
	for prefix < len(a) && prefix < len(b) && a[prefix] == b[prefix] {
		prefix++
	}
	for suffix < len(a)-prefix && suffix < len(b)-prefix && a[len(a)-1-suffix] == b[len(b)-1-suffix] {
		suffix++
	}
	return prefix, suffix
}

// diffTokens finds a longest common subsequence with Hirschberg's
// algorithm: quadratic time but linear memory.
func diffTokens(a, b []string) []DiffOp {
	ids := map[string]int{}
	intern := func(ts []string) []int {
		out := make([]int, len(ts))
		for i, t := range ts {
			id, ok := ids[t]
			if !ok {
				id = len(ids)
				ids[t] = id
			}
			out[i] = id
		}
		return out
	}
	d := &differ{a: a, b: b}
	d.hirschberg(intern(a), intern(b), 0, 0)
	return d.ops
}

type differ struct {
	a, b []string
	ops  []DiffOp
}

func (d *differ) emit(op string, tokens []string) {
	for _, t := range tokens {
		d.ops = append(d.ops, DiffOp{op, t})
	}
}

// hirschberg diffs x = a[i0:i0+len(x)] against y = b[j0:j0+len(y)].
func (d *differ) hirschberg(x, y []int, i0, j0 int) {
	p, s := commonEndsInt(x, y)
	d.emit(OpEqual, d.a[i0:i0+p])
	x, y = x[p:len(x)-s], y[p:len(y)-s]
	i0, j0 = i0+p, j0+p
	defer d.emit(OpEqual, d.a[i0+len(x):i0+len(x)+s])
	switch {
	case len(x) == 0:
		d.emit(OpInsert, d.b[j0:j0+len(y)])
		return
	case len(y) == 0:
		d.emit(OpDelete, d.a[i0:i0+len(x)])
		return
	case len(x) == 1:
		for j, v := range y {
			if v == x[0] {
				d.emit(OpInsert, d.b[j0:j0+j])
				d.emit(OpEqual, d.a[i0:i0+1])
				d.emit(OpInsert, d.b[j0+j+1:j0+len(y)])
				return
			}
		}
		d.emit(OpDelete, d.a[i0:i0+1])
		d.emit(OpInsert, d.b[j0:j0+len(y)])
		return
	}
	mid := len(x) / 2
	fwd := lcsRow(x[:mid], y, false)
	bwd := lcsRow(x[mid:], y, true)
	best, split := -1, 0
	for j := 0; j <= len(y); j++ {
		if v := fwd[j] + bwd[len(y)-j]; v > best {
			best, split = v, j
		}
	}
	d.hirschberg(x[:mid], y[:split], i0, j0)
	d.hirschberg(x[mid:], y[split:], i0+mid, j0+split)
}

// lcsRow returns, for every prefix length j of y (of its reverse when
// reverse is set), the LCS length of x and that prefix.
func lcsRow(x, y []int, reverse bool) []int {
	at := func(s []int, i int) int {
		if reverse {
			return s[len(s)-1-i]
		}
		return s[i]
	}
	prev := make([]int, len(y)+1)
	cur := make([]int, len(y)+1)
	for i := range x {
		xi := at(x, i)
		for j := range y {
			if xi == at(y, j) {
				cur[j+1] = prev[j] + 1
			} else {
				cur[j+1] = max(prev[j+1], cur[j])
			}
		}
		prev, cur = cur, prev
	}
	return prev
}

func commonEndsInt(a, b []int) (prefix, suffix int) {
	for prefix < len(a) && prefix < len(b) && a[prefix] == b[prefix] {
		prefix++
	}
	for suffix < len(a)-prefix && suffix < len(b)-prefix && a[len(a)-1-suffix] == b[len(b)-1-suffix] {
		suffix++
	}
	return prefix, suffix
}

// compact merges runs into readable changes: whitespace kept between two
// changes is folded into them (so "a b" → "c d" reads as one replacement
// rather than two), each changed stretch becomes one deletion followed by
// one insertion, and empty runs disappear.
func compact(ops []DiffOp) []DiffOp {
	out := []DiffOp{}
	var del, ins strings.Builder
	flush := func() {
		if del.Len() > 0 {
			out = append(out, DiffOp{OpDelete, del.String()})
		}
		if ins.Len() > 0 {
			out = append(out, DiffOp{OpInsert, ins.String()})
		}
		del.Reset()
		ins.Reset()
	}
	for i, op := range ops {
		switch op.Op {
		case OpDelete:
			del.WriteString(op.Text)
		case OpInsert:
			ins.WriteString(op.Text)
		default:
			changing := del.Len() > 0 || ins.Len() > 0
			if changing && strings.TrimSpace(op.Text) == "" && i+1 < len(ops) && ops[i+1].Op != OpEqual {
				del.WriteString(op.Text)
				ins.WriteString(op.Text)
				continue
			}
			flush()
			if op.Text == "" {
				continue
			}
			if n := len(out); n > 0 && out[n-1].Op == OpEqual {
				out[n-1].Text += op.Text
			} else {
				out = append(out, op)
			}
		}
	}
	flush()
	return out
}
