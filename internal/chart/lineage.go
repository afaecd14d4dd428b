package chart

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/atrium-mlops/atrium/internal/atrium"
)

// NodeKind is what a lineage node stands for; it decides the node's shape.
type NodeKind string

// The kinds of lineage node.
const (
	KindDataset NodeKind = "dataset"
	KindModel   NodeKind = "model"
	KindPrompt  NodeKind = "prompt"
	KindRun     NodeKind = "run"
)

var kinds = []NodeKind{KindDataset, KindRun, KindModel, KindPrompt}

// Limits on a lineage graph; a larger one is refused with atrium.TooLarge.
const (
	MaxNodes = 500
	MaxEdges = 2000
)

// Node is one vertex of a lineage graph.
type Node struct {
	ID       string   // unique within the graph; never shown
	Kind     NodeKind // dataset, model, prompt or run
	Label    string   // e.g. "credit-data v2"; the ID is shown when empty
	Sublabel string   // e.g. a role or alias names: "champion"
	Href     string   // optional same-site path ("/usecases/…"); anything else is dropped
}

// Edge is a lineage relation. From is upstream and To downstream — the
// dataset a model was trained on is From, the model To — so edges run left
// to right.
type Edge struct {
	From, To string
	Relation string // trained_on, evaluated_on, derived_from, fine_tuned_from, produced_by
}

// Graph is a lineage graph to draw. Title and Desc name and describe it for
// assistive technology; when empty they are generated.
type Graph struct {
	Title string
	Desc  string
	Nodes []Node
	Edges []Edge
}

// Geometry of the lineage drawing.
const (
	gNodeW   = 184.0
	gNodeH   = 52.0
	gDummyH  = 12.0
	gGapX    = 104.0
	gGapY    = 22.0
	gMargin  = 16.0
	gLegendH = 34.0
	gLabelN  = 21 // characters of a node label
	gSubN    = 25 // characters of a sublabel
	gRelN    = 22 // characters of an edge label

	// maxEdgeLabels is the most edges drawn with a visible relation label;
	// beyond it the labels would pile up, and the relation is left to the
	// edge's tooltip and the description.
	maxEdgeLabels = 80
)

// vertex is a node or a dummy point of a long edge in the layered layout.
type vertex struct {
	node  int // index into Graph.Nodes, or -1 for a dummy
	layer int
	order int
	y     float64 // centre
	h     float64
	up    []int // neighbours in the layer to the left
	down  []int // neighbours in the layer to the right
}

// lane is one drawn edge: the parallel edges between two nodes merged.
type lane struct {
	from, to int    // node indexes, as given
	label    string // relations, joined
	reversed bool   // drawn against the layout to break a cycle
	chain    []int  // vertices from the left end to the right end
}

type layout struct {
	verts  []vertex
	layers [][]int
	lanes  []lane
	loops  int // self-references left out
}

func (l *layout) x(v int) float64 {
	return gMargin + float64(l.verts[v].layer)*(gNodeW+gGapX)
}

// SVG lays the graph out in layers and draws it.
func (g Graph) SVG() ([]byte, error) {
	l, err := layoutGraph(g)
	if err != nil {
		return nil, err
	}
	return l.draw(g), nil
}

func validateGraph(g Graph) (map[string]int, error) {
	if len(g.Nodes) > MaxNodes {
		return nil, atrium.Errorf(atrium.TooLarge, "a lineage graph can show at most %d nodes; this one has %d", MaxNodes, len(g.Nodes))
	}
	if len(g.Edges) > MaxEdges {
		return nil, atrium.Errorf(atrium.TooLarge, "a lineage graph can show at most %d edges; this one has %d", MaxEdges, len(g.Edges))
	}
	idx := make(map[string]int, len(g.Nodes))
	for i, n := range g.Nodes {
		if n.ID == "" {
			return nil, atrium.Errorf(atrium.Invalid, "lineage node %d has no id", i+1)
		}
		if _, dup := idx[n.ID]; dup {
			return nil, atrium.Errorf(atrium.Invalid, "lineage node id %q appears twice", atrium.Truncate(n.ID, 60))
		}
		switch n.Kind {
		case KindDataset, KindModel, KindPrompt, KindRun:
		default:
			return nil, atrium.Errorf(atrium.Invalid, "lineage node %q has kind %q; want dataset, model, prompt or run", atrium.Truncate(n.ID, 60), atrium.Truncate(string(n.Kind), 30))
		}
		idx[n.ID] = i
	}
	for i, e := range g.Edges {
		if _, ok := idx[e.From]; !ok {
			return nil, atrium.Errorf(atrium.Invalid, "lineage edge %d starts at %q, which is not a node of the graph", i+1, atrium.Truncate(e.From, 60))
		}
		if _, ok := idx[e.To]; !ok {
			return nil, atrium.Errorf(atrium.Invalid, "lineage edge %d ends at %q, which is not a node of the graph", i+1, atrium.Truncate(e.To, 60))
		}
	}
	return idx, nil
}

// layoutGraph is the Sugiyama pipeline: merge parallel edges, break cycles,
// assign layers, add dummies for long edges, order the layers to reduce
// crossings, and place the vertices vertically.
func layoutGraph(g Graph) (*layout, error) {
	idx, err := validateGraph(g)
	if err != nil {
		return nil, err
	}
	l := &layout{}
	l.mergeEdges(g, idx)
	l.breakCycles(len(g.Nodes))
	layer, err := l.assignLayers(len(g.Nodes))
	if err != nil {
		return nil, err
	}
	l.addVertices(layer)
	l.order()
	l.place()
	return l, nil
}

// mergeEdges turns the edges into lanes, one per ordered pair of nodes, in
// order of first appearance, their relations joined. Self-references are
// counted and left out.
func (l *layout) mergeEdges(g Graph, idx map[string]int) {
	type pair struct{ a, b int }
	at := map[pair]int{}
	seen := map[string]bool{}
	for _, e := range g.Edges {
		a, b := idx[e.From], idx[e.To]
		if a == b {
			l.loops++
			continue
		}
		k := pair{a, b}
		i, ok := at[k]
		if !ok {
			i = len(l.lanes)
			at[k] = i
			l.lanes = append(l.lanes, lane{from: a, to: b})
		}
		rel := strings.TrimSpace(clean(e.Relation))
		key := fmt.Sprintf("%d\x00%s", i, rel)
		if rel != "" && !seen[key] {
			seen[key] = true
			if l.lanes[i].label != "" {
				l.lanes[i].label += ", "
			}
			l.lanes[i].label += rel
		}
	}
}

// breakCycles marks lanes to lay out backwards: a depth-first search in
// input order reverses every lane that points back to a node still on the
// search path, which leaves the rest acyclic.
func (l *layout) breakCycles(n int) {
	out := make([][]int, n) // lane indexes by node
	for i, ln := range l.lanes {
		out[ln.from] = append(out[ln.from], i)
	}
	state := make([]byte, n) // 0 new, 1 on path, 2 done
	type frame struct{ v, next int }
	for s := 0; s < n; s++ {
		if state[s] != 0 {
			continue
		}
		stack := []frame{{s, 0}}
		state[s] = 1
		for len(stack) > 0 {
			top := &stack[len(stack)-1]
			if top.next == len(out[top.v]) {
				state[top.v] = 2
				stack = stack[:len(stack)-1]
				continue
			}
			li := out[top.v][top.next]
			top.next++
			w := l.lanes[li].to
			switch state[w] {
			case 0:
				state[w] = 1
				stack = append(stack, frame{w, 0})
			case 1:
				l.lanes[li].reversed = true
			}
		}
	}
}

// assignLayers gives each node the length of the longest path reaching it
// (Kahn's order, input order among equals), then moves each source right,
// next to its nearest successor, so an input used late does not trail a
// long edge across the drawing.
func (l *layout) assignLayers(n int) ([]int, error) {
	succ := make([][]int, n)
	pred := make([][]int, n)
	indeg := make([]int, n)
	for _, ln := range l.lanes {
		a, b := ln.from, ln.to
		if ln.reversed {
			a, b = b, a
		}
		succ[a] = append(succ[a], b)
		pred[b] = append(pred[b], a)
		indeg[b]++
	}
	layer := make([]int, n)
	queue := make([]int, 0, n)
	for v := 0; v < n; v++ {
		if indeg[v] == 0 {
			queue = append(queue, v)
		}
	}
	topo := make([]int, 0, n)
	for len(queue) > 0 {
		v := queue[0]
		queue = queue[1:]
		topo = append(topo, v)
		for _, w := range succ[v] {
			if layer[v]+1 > layer[w] {
				layer[w] = layer[v] + 1
			}
			indeg[w]--
			if indeg[w] == 0 {
				queue = append(queue, w)
			}
		}
	}
	if len(topo) != n {
		return nil, atrium.Errorf(atrium.Internal, "lineage layout: cycle left after breaking cycles")
	}
	for i := len(topo) - 1; i >= 0; i-- {
		v := topo[i]
		if len(pred[v]) > 0 || len(succ[v]) == 0 {
			continue
		}
		m := math.MaxInt
		for _, w := range succ[v] {
			m = min(m, layer[w])
		}
		layer[v] = m - 1
	}
	return layer, nil
}

// addVertices makes the layered graph: a vertex per node, then a dummy in
// every layer a lane crosses, each lane a chain of vertices from left to
// right.
func (l *layout) addVertices(layer []int) {
	nl := 0
	for v := range layer {
		nl = max(nl, layer[v]+1)
		l.verts = append(l.verts, vertex{node: v, layer: layer[v], h: gNodeH})
	}
	for i := range l.lanes {
		ln := &l.lanes[i]
		a, b := ln.from, ln.to
		if ln.reversed {
			a, b = b, a
		}
		ln.chain = []int{a}
		for k := layer[a] + 1; k < layer[b]; k++ {
			l.verts = append(l.verts, vertex{node: -1, layer: k, h: gDummyH})
			ln.chain = append(ln.chain, len(l.verts)-1)
		}
		ln.chain = append(ln.chain, b)
		for j := 1; j < len(ln.chain); j++ {
			p, q := ln.chain[j-1], ln.chain[j]
			l.verts[p].down = append(l.verts[p].down, q)
			l.verts[q].up = append(l.verts[q].up, p)
		}
	}
	l.layers = make([][]int, nl)
	for v := range l.verts {
		k := l.verts[v].layer
		l.verts[v].order = len(l.layers[k])
		l.layers[k] = append(l.layers[k], v)
	}
}

// order reduces crossings: barycentre sweeps down and up, keeping the best
// ordering seen, then adjacent exchanges while they help.
func (l *layout) order() {
	best := l.snapshot()
	bestC := l.crossings()
	for it := 0; it < 8 && bestC > 0; it++ {
		for k := 1; k < len(l.layers); k++ {
			l.sortLayer(k, true)
		}
		for k := len(l.layers) - 2; k >= 0; k-- {
			l.sortLayer(k, false)
		}
		if c := l.crossings(); c < bestC {
			bestC, best = c, l.snapshot()
		}
	}
	l.restore(best)
	if bestC > 0 && len(l.verts) <= 3000 {
		l.transpose()
	}
	// Nodes without any edge go to the end of their layer, out of the way.
	for k, ly := range l.layers {
		sort.SliceStable(ly, func(i, j int) bool { return !l.isolated(ly[i]) && l.isolated(ly[j]) })
		for i, v := range ly {
			l.verts[v].order = i
		}
		l.layers[k] = ly
	}
}

func (l *layout) isolated(v int) bool { return len(l.verts[v].up) == 0 && len(l.verts[v].down) == 0 }

func (l *layout) snapshot() [][]int {
	s := make([][]int, len(l.layers))
	for k, ly := range l.layers {
		s[k] = append([]int(nil), ly...)
	}
	return s
}

func (l *layout) restore(s [][]int) {
	for k, ly := range s {
		l.layers[k] = append(l.layers[k][:0], ly...)
		for i, v := range ly {
			l.verts[v].order = i
		}
	}
}

// sortLayer orders layer k by the mean position of each vertex's neighbours
// in the layer before it (down) or after it (up); a vertex with none keeps
// its place.
func (l *layout) sortLayer(k int, down bool) {
	ly := l.layers[k]
	bary := make([]float64, len(l.verts))
	for _, v := range ly {
		nb := l.verts[v].up
		if !down {
			nb = l.verts[v].down
		}
		if len(nb) == 0 {
			bary[v] = float64(l.verts[v].order)
			continue
		}
		s := 0.0
		for _, w := range nb {
			s += float64(l.verts[w].order)
		}
		bary[v] = s / float64(len(nb))
	}
	sort.SliceStable(ly, func(i, j int) bool {
		a, b := ly[i], ly[j]
		if bary[a] != bary[b] {
			return bary[a] < bary[b]
		}
		return l.verts[a].order < l.verts[b].order
	})
	for i, v := range ly {
		l.verts[v].order = i
	}
}

// crossings counts edge crossings between all adjacent layers.
func (l *layout) crossings() int {
	c := 0
	for k := 0; k+1 < len(l.layers); k++ {
		c += l.crossingsBetween(k)
	}
	return c
}

// crossingsBetween counts crossings between layer k and k+1 by counting
// inversions with a Fenwick tree.
func (l *layout) crossingsBetween(k int) int {
	type seg struct{ a, b int }
	var segs []seg
	for _, v := range l.layers[k] {
		for _, w := range l.verts[v].down {
			segs = append(segs, seg{l.verts[v].order, l.verts[w].order})
		}
	}
	sort.Slice(segs, func(i, j int) bool {
		if segs[i].a != segs[j].a {
			return segs[i].a < segs[j].a
		}
		return segs[i].b < segs[j].b
	})
	size := len(l.layers[k+1]) + 1
	tree := make([]int, size+1)
	c, total := 0, 0
	for _, s := range segs {
		// count earlier segments whose lower end is strictly greater than s.b
		le := 0
		for i := s.b + 1; i > 0; i -= i & -i {
			le += tree[i]
		}
		c += total - le
		for i := s.b + 1; i <= size; i += i & -i {
			tree[i]++
		}
		total++
	}
	return c
}

// transpose swaps neighbours within a layer while that lowers the crossings
// around them, for a few rounds.
func (l *layout) transpose() {
	for round := 0; round < 4; round++ {
		improved := false
		for _, ly := range l.layers {
			for i := 0; i+1 < len(ly); i++ {
				u, v := ly[i], ly[i+1]
				if l.pairCrossings(u, v) > l.pairCrossings(v, u) {
					ly[i], ly[i+1] = v, u
					l.verts[u].order, l.verts[v].order = i+1, i
					improved = true
				}
			}
		}
		if !improved {
			return
		}
	}
}

// pairCrossings counts the crossings between the edges of u and those of v
// when u sits directly above v.
func (l *layout) pairCrossings(u, v int) int {
	c := 0
	for _, side := range [2]bool{true, false} {
		nu, nv := l.verts[u].up, l.verts[v].up
		if !side {
			nu, nv = l.verts[u].down, l.verts[v].down
		}
		for _, a := range nu {
			for _, b := range nv {
				if l.verts[a].order > l.verts[b].order {
					c++
				}
			}
		}
	}
	return c
}

// place gives every vertex a vertical centre: each layer is pulled towards
// its neighbours' positions, keeping its order and the spacing between
// vertices (an isotonic regression, solved exactly by pooling adjacent
// violators).
func (l *layout) place() {
	for _, ly := range l.layers {
		y := 0.0
		for i, v := range ly {
			if i > 0 {
				y += (l.verts[ly[i-1]].h+l.verts[v].h)/2 + gGapY
			}
			l.verts[v].y = y
		}
	}
	for pass := 0; pass < 10; pass++ {
		switch {
		case pass%2 == 0:
			for k := 1; k < len(l.layers); k++ {
				l.pull(k, 1)
			}
		default:
			for k := len(l.layers) - 2; k >= 0; k-- {
				l.pull(k, 2)
			}
		}
	}
	for k := range l.layers {
		l.pull(k, 3)
	}
	// Nodes without edges follow the last connected vertex of their layer
	// at the least spacing, instead of wherever the pulls pushed them.
	for _, ly := range l.layers {
		for i, v := range ly {
			if !l.isolated(v) {
				continue
			}
			if i == 0 {
				l.verts[v].y = 0
			} else {
				p := l.verts[ly[i-1]]
				l.verts[v].y = p.y + (p.h+l.verts[v].h)/2 + gGapY
			}
		}
	}
	// Move the drawing to start at 0.
	top := math.Inf(1)
	for _, v := range l.verts {
		top = math.Min(top, v.y-v.h/2)
	}
	for i := range l.verts {
		l.verts[i].y -= top
	}
}

// pull places layer k against its neighbours: 1 the layer before, 2 the
// layer after, 3 both.
func (l *layout) pull(k int, which int) {
	ly := l.layers[k]
	if len(ly) == 0 {
		return
	}
	want := make([]float64, len(ly))
	weight := make([]float64, len(ly))
	sep := make([]float64, len(ly))
	for i, v := range ly {
		var nb []int
		if which&1 != 0 {
			nb = append(nb, l.verts[v].up...)
		}
		if which&2 != 0 {
			nb = append(nb, l.verts[v].down...)
		}
		want[i], weight[i] = l.verts[v].y, 0.01
		if len(nb) > 0 {
			s := 0.0
			for _, w := range nb {
				s += l.verts[w].y
			}
			want[i], weight[i] = s/float64(len(nb)), 1
			if l.verts[v].node < 0 {
				weight[i] = 2 // keep long edges straight
			}
		}
		if i > 0 {
			sep[i] = sep[i-1] + (l.verts[ly[i-1]].h+l.verts[v].h)/2 + gGapY
		}
	}
	// z = y - sep must be non-decreasing; fit it to want - sep.
	type block struct {
		sum, w float64
		n      int
	}
	var bs []block
	for i := range ly {
		bs = append(bs, block{(want[i] - sep[i]) * weight[i], weight[i], 1})
		for len(bs) > 1 {
			a, b := bs[len(bs)-2], bs[len(bs)-1]
			if a.sum/a.w <= b.sum/b.w {
				break
			}
			bs = append(bs[:len(bs)-2], block{a.sum + b.sum, a.w + b.w, a.n + b.n})
		}
	}
	i := 0
	for _, b := range bs {
		z := b.sum / b.w
		for j := 0; j < b.n; j++ {
			l.verts[ly[i]].y = z + sep[i]
			i++
		}
	}
}

// size is the drawing's extent below the legend.
func (l *layout) size() (w, h float64) {
	for _, v := range l.verts {
		h = math.Max(h, v.y+v.h/2)
	}
	nl := float64(len(l.layers))
	w = 2*gMargin + nl*gNodeW + math.Max(nl-1, 0)*gGapX
	return w, h + 2*gMargin
}

var kindFill = map[NodeKind]string{
	KindDataset: "#e8f0fa",
	KindModel:   "#fcebe1",
	KindPrompt:  "#f4eaf7",
	KindRun:     "#e6f3eb",
}

var kindStroke = map[NodeKind]string{
	KindDataset: palette[0],
	KindModel:   palette[1],
	KindPrompt:  palette[3],
	KindRun:     palette[2],
}

var kindName = map[NodeKind]string{
	KindDataset: "Dataset",
	KindModel:   "Model",
	KindPrompt:  "Prompt",
	KindRun:     "Run",
}

// shape returns the outline of a node of kind k in the box (x, y, w, h).
func shape(k NodeKind, x, y, w, h float64) string {
	p := func(vs ...float64) string {
		s := make([]string, len(vs))
		for i, v := range vs {
			s[i] = num(v)
		}
		return strings.Join(s, " ")
	}
	switch k {
	case KindDataset:
		e := math.Min(6, h/6)
		return `<path d="M` + p(x, y+e) + ` A` + p(w/2, e, 0, 0, 1, x+w, y+e) + ` V` + p(y+h-e) + ` A` + p(w/2, e, 0, 0, 1, x, y+h-e) + ` Z M` + p(x, y+e) + ` A` + p(w/2, e, 0, 0, 0, x+w, y+e) + `"`
	case KindPrompt:
		f := math.Min(12, h/3)
		return `<path d="M` + p(x, y) + ` H` + p(x+w-f) + ` L` + p(x+w, y+f) + ` V` + p(y+h) + ` H` + p(x) + ` Z M` + p(x+w-f, y) + ` V` + p(y+f) + ` H` + p(x+w) + `"`
	case KindRun:
		c := math.Min(10, w/4)
		return `<path d="M` + p(x+c, y) + ` H` + p(x+w-c) + ` L` + p(x+w, y+h/2) + ` L` + p(x+w-c, y+h) + ` H` + p(x+c) + ` L` + p(x, y+h/2) + ` Z"`
	default:
		return `<rect x="` + num(x) + `" y="` + num(y) + `" width="` + num(w) + `" height="` + num(h) + `" rx="10"`
	}
}

func (l *layout) draw(g Graph) []byte {
	title := g.Title
	if strings.TrimSpace(title) == "" {
		title = "Lineage graph"
	}
	desc := g.Desc
	if strings.TrimSpace(desc) == "" {
		desc = describeGraph(g, l)
	}
	var s svg
	if len(g.Nodes) == 0 {
		s.open("chart-lineage", 360, 80, title, desc)
		s.textEl("chart-empty", 180, 44, `text-anchor="middle" fill="`+colMuted+`"`, "No lineage recorded yet.")
		return s.close()
	}
	w, h := l.size()
	top := gLegendH
	w = math.Max(w, 360)
	// An image's parts are hidden from assistive technology, links included,
	// so a graph with links is a group (named by its title) instead.
	s.role = "img"
	for _, n := range g.Nodes {
		if safeHref(n.Href) != "" {
			s.role = "group"
			break
		}
	}
	s.open("chart-lineage", w, h+top, title, desc)
	l.legend(&s, g)
	// Edges first, so nodes sit on top of them.
	l.drawEdges(&s, g, top)
	l.drawNodes(&s, g, top)
	return s.close()
}

// drawEdges draws each lane as a smooth path through its dummies, with an
// arrowhead at the downstream end and its relation label.
func (l *layout) drawEdges(s *svg, g Graph, top float64) {
	ports := l.ports()
	s.raw(`<g class="chart-edges" fill="none">` + "\n")
	type box struct{ x, y, w float64 }
	placed := map[int][]box{}
	for i, ln := range l.lanes {
		pts := make([][2]float64, 0, 2*len(ln.chain))
		for j, v := range ln.chain {
			x, y := l.x(v), l.verts[v].y+top
			switch {
			case j == 0:
				pts = append(pts, [2]float64{x + gNodeW, y + ports[portKey{i, false}]})
			case j == len(ln.chain)-1:
				pts = append(pts, [2]float64{x, y + ports[portKey{i, true}]})
			default:
				pts = append(pts, [2]float64{x, y}, [2]float64{x + gNodeW, y})
			}
		}
		var d strings.Builder
		d.WriteString("M" + num(pts[0][0]) + " " + num(pts[0][1]))
		for j := 1; j < len(pts); j++ {
			a, b := pts[j-1], pts[j]
			if j%2 == 0 { // through a dummy: straight
				d.WriteString(" L" + num(b[0]) + " " + num(b[1]))
				continue
			}
			mx := (a[0] + b[0]) / 2
			d.WriteString(" C" + num(mx) + " " + num(a[1]) + " " + num(mx) + " " + num(b[1]) + " " + num(b[0]) + " " + num(b[1]))
		}
		class, dash := "chart-edge", ""
		if ln.reversed {
			class, dash = "chart-edge chart-edge-back", ` stroke-dasharray="5 3"`
		}
		s.raw(`<g class="` + class + `">`)
		s.tip(edgeText(g, ln))
		s.raw(`<path d="` + d.String() + `" stroke="` + colAxis + `" stroke-width="1.5"` + dash + `/>`)
		// Arrowhead at the downstream end.
		tip, dir := pts[len(pts)-1], -1.0
		if ln.reversed {
			tip, dir = pts[0], 1.0
		}
		s.raw(`<path class="chart-arrow" d="M` + num(tip[0]) + " " + num(tip[1]) + " L" + num(tip[0]+dir*9) + " " + num(tip[1]-4.5) + " L" + num(tip[0]+dir*9) + " " + num(tip[1]+4.5) + ` Z" fill="` + colAxis + `"/>`)
		if ln.label != "" && len(l.lanes) <= maxEdgeLabels {
			gap := (len(ln.chain) - 1) / 2
			seg := 2 * gap
			a, b := pts[seg], pts[seg+1]
			lx, ly := (a[0]+b[0])/2, (a[1]+b[1])/2-4
			txt, _ := fitWidth(ln.label, gRelN, gGapX-6, 10)
			tw := textWidth(txt, 10)
			col := l.verts[ln.chain[0]].layer + gap
			for try := 0; try < 6; try++ {
				clash := false
				for _, p := range placed[col] {
					if math.Abs(p.y-ly) < 11 && math.Abs(p.x-lx) < (p.w+tw)/2 {
						clash = true
						break
					}
				}
				if !clash {
					break
				}
				ly += 11
			}
			placed[col] = append(placed[col], box{lx, ly, tw})
			s.textEl("chart-edge-label", lx, ly, `text-anchor="middle" font-size="10" fill="`+colMuted+`" stroke="`+colBack+`" stroke-width="3" stroke-linejoin="round" paint-order="stroke"`, txt)
		}
		s.raw("</g>\n")
	}
	s.raw("</g>\n")
}

// drawNodes draws each node in its kind's shape, with its label, sublabel,
// tooltip and, for a same-site href, a link.
func (l *layout) drawNodes(s *svg, g Graph, top float64) {
	s.raw(`<g class="chart-nodes">` + "\n")
	for v := range g.Nodes {
		n := g.Nodes[v]
		x, y := l.x(v), l.verts[v].y+top-gNodeH/2
		href := safeHref(n.Href)
		name := nodeName(n)
		tipText := kindName[n.Kind] + ": " + name
		if strings.TrimSpace(n.Sublabel) != "" {
			tipText += " (" + strings.TrimSpace(n.Sublabel) + ")"
		}
		// The tooltip names the link when there is one, the node otherwise.
		if href != "" {
			s.raw(`<a class="chart-link" href="` + attr(href) + `">`)
			s.tip(tipText)
		}
		s.raw(`<g class="chart-node chart-node-` + string(n.Kind) + `">`)
		if href == "" {
			s.tip(tipText)
		}
		s.raw(shape(n.Kind, x, y, gNodeW, gNodeH) + ` fill="` + kindFill[n.Kind] + `" stroke="` + kindStroke[n.Kind] + `" stroke-width="1.5"/>`)
		cy := y + gNodeH/2
		if n.Kind == KindDataset {
			cy += 3
		}
		label, _ := fitWidth(name, gLabelN, (gNodeW-24)/1.05, 12)
		sub, _ := fitWidth(n.Sublabel, gSubN, gNodeW-24, 11)
		if sub == "" {
			s.textEl("chart-node-label", x+gNodeW/2, cy+4.5, `text-anchor="middle" font-weight="600" fill="`+colText+`"`, label)
		} else {
			s.textEl("chart-node-label", x+gNodeW/2, cy-2, `text-anchor="middle" font-weight="600" fill="`+colText+`"`, label)
			s.textEl("chart-node-sublabel", x+gNodeW/2, cy+12, `text-anchor="middle" font-size="11" fill="`+colMuted+`"`, sub)
		}
		s.raw("</g>")
		if href != "" {
			s.raw("</a>")
		}
		s.raw("\n")
	}
	s.raw("</g>\n")
}

// portKey names one end of a lane: its left end (in false) or right end.
type portKey struct {
	lane int
	in   bool
}

// ports spreads the ends of the lanes meeting one side of a node so their
// arrowheads do not sit on top of each other; the ends are ordered by the
// position of the other end, so they do not cross at the node.
func (l *layout) ports() map[portKey]float64 {
	type end struct {
		k     portKey
		other float64
	}
	sides := map[[2]int][]end{} // (vertex, 0 right side / 1 left side)
	for i, ln := range l.lanes {
		a, b := ln.chain[0], ln.chain[len(ln.chain)-1]
		sides[[2]int{a, 0}] = append(sides[[2]int{a, 0}], end{portKey{i, false}, l.verts[ln.chain[1]].y})
		sides[[2]int{b, 1}] = append(sides[[2]int{b, 1}], end{portKey{i, true}, l.verts[ln.chain[len(ln.chain)-2]].y})
	}
	out := map[portKey]float64{}
	for _, es := range sides {
		sort.SliceStable(es, func(i, j int) bool { return es[i].other < es[j].other })
		k := len(es)
		if k == 1 {
			continue
		}
		step := math.Min(8, (gNodeH-16)/float64(k-1))
		for i, e := range es {
			out[e.k] = (float64(i) - float64(k-1)/2) * step
		}
	}
	return out
}

func (l *layout) legend(s *svg, g Graph) {
	present := map[NodeKind]bool{}
	for _, n := range g.Nodes {
		present[n.Kind] = true
	}
	s.raw(`<g class="chart-legend">` + "\n")
	x := gMargin
	for _, k := range kinds {
		if !present[k] {
			continue
		}
		s.raw(`<g class="chart-legend-item chart-node-` + string(k) + `">` + shape(k, x, 8, 30, 18) + ` fill="` + kindFill[k] + `" stroke="` + kindStroke[k] + `" stroke-width="1.5"/>`)
		s.textEl("chart-legend-label", x+36, 21, `fill="`+colText+`"`, kindName[k])
		s.raw("</g>\n")
		x += 36 + textWidth(kindName[k], 12) + 22
	}
	s.raw("</g>\n")
}

func edgeText(g Graph, ln lane) string {
	rel := ln.label
	if rel == "" {
		rel = "linked to"
	}
	return nodeName(g.Nodes[ln.to]) + " " + rel + " " + nodeName(g.Nodes[ln.from])
}

// nodeName is what a node is called: its label, or its id without one.
func nodeName(n Node) string {
	if v := strings.TrimSpace(n.Label); v != "" {
		return v
	}
	return n.ID
}

// describeGraph is the generated text alternative: counts, then the edges
// themselves while there are few enough to read.
func describeGraph(g Graph, l *layout) string {
	count := map[NodeKind]int{}
	for _, n := range g.Nodes {
		count[n.Kind]++
	}
	var parts []string
	for _, k := range kinds {
		if c := count[k]; c > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", c, plural(c, string(k))))
		}
	}
	d := fmt.Sprintf("Lineage graph of %d %s", len(g.Nodes), plural(len(g.Nodes), "node"))
	if len(parts) > 0 {
		d += " (" + strings.Join(parts, ", ") + ")"
	}
	d += fmt.Sprintf(" and %d %s.", len(l.lanes), plural(len(l.lanes), "link"))
	if l.loops > 0 {
		d += fmt.Sprintf(" %d %s of a node to itself not drawn.", l.loops, plural(l.loops, "link"))
	}
	if len(l.lanes) > 0 && len(l.lanes) <= 30 {
		var es []string
		for _, ln := range l.lanes {
			es = append(es, atrium.Truncate(edgeText(g, ln), 160))
		}
		d += " " + strings.Join(es, "; ") + "."
	}
	return d
}

func plural(n int, w string) string {
	if n == 1 {
		return w
	}
	return w + "s"
}
