package chart

import (
	"bytes"
	"encoding/xml"
	"flag"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/atrium-mlops/atrium/internal/atrium"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

var t0 = time.Date(2026, 9, 14, 9, 30, 0, 0, time.UTC)

// lineageSample is a small registry: two datasets, two runs, two models, a prompt.
func lineageSample() Graph {
	return Graph{
		Title: "Lineage of credit-scoring",
		Nodes: []Node{
			{ID: "m3", Kind: KindModel, Label: "scorer v3", Sublabel: "champion", Href: "/usecases/credit/registry/model/scorer/versions/3"},
			{ID: "d2", Kind: KindDataset, Label: "credit-data v2", Href: "/usecases/credit/registry/dataset/credit-data/versions/2"},
			{ID: "d1", Kind: KindDataset, Label: "credit-data v1"},
			{ID: "r7", Kind: KindRun, Label: "run 7f3a", Sublabel: "xgboost sweep"},
			{ID: "r8", Kind: KindRun, Label: "run 81c0"},
			{ID: "m2", Kind: KindModel, Label: "scorer v2", Sublabel: "challenger"},
			{ID: "h1", Kind: KindDataset, Label: "holdout-2026Q3 v1", Sublabel: "evaluation set"},
			{ID: "p1", Kind: KindPrompt, Label: "explainer v4", Sublabel: "production"},
		},
		Edges: []Edge{
			{From: "d1", To: "d2", Relation: "derived_from"},
			{From: "d2", To: "r7", Relation: "trained_on"},
			{From: "d1", To: "r8", Relation: "trained_on"},
			{From: "r7", To: "m3", Relation: "produced_by"},
			{From: "r8", To: "m2", Relation: "produced_by"},
			{From: "m2", To: "m3", Relation: "fine_tuned_from"},
			{From: "h1", To: "m3", Relation: "evaluated_on"},
			{From: "h1", To: "m2", Relation: "evaluated_on"},
			{From: "m3", To: "p1", Relation: "derived_from"},
		},
	}
}

// bigGraph is a deterministic registry-shaped graph of n nodes.
func bigGraph(n int) Graph {
	r := rand.New(rand.NewPCG(1, 2))
	var g Graph
	k := []NodeKind{KindDataset, KindRun, KindModel, KindPrompt}
	band := make([][]string, 4)
	for i := 0; i < n; i++ {
		b := i % 4
		id := fmt.Sprintf("n%d", i)
		band[b] = append(band[b], id)
		g.Nodes = append(g.Nodes, Node{ID: id, Kind: k[b], Label: fmt.Sprintf("%s-%d v%d", k[b], i, i%7+1)})
	}
	rels := []string{"trained_on", "produced_by", "derived_from"}
	for b := 1; b < 4; b++ {
		for _, id := range band[b] {
			for j := 0; j < 1+r.IntN(2); j++ {
				from := band[b-1][r.IntN(len(band[b-1]))]
				g.Edges = append(g.Edges, Edge{From: from, To: id, Relation: rels[b-1]})
			}
			if r.IntN(4) == 0 {
				g.Edges = append(g.Edges, Edge{From: band[0][r.IntN(len(band[0]))], To: id, Relation: "evaluated_on"})
			}
		}
	}
	return g
}

func series(n int, f func(i int) float64) []Point {
	p := make([]Point, n)
	for i := range p {
		p[i] = Point{X: float64(i), Y: f(i)}
	}
	return p
}

// cases are the golden files.
func cases() map[string]func() ([]byte, error) {
	return map[string]func() ([]byte, error){
		"lineage":       lineageSample().SVG,
		"lineage-empty": Graph{}.SVG,
		"lineage-cycle": Graph{
			Nodes: []Node{{ID: "a", Kind: KindDataset, Label: "a v1"}, {ID: "b", Kind: KindModel, Label: "b v1"}, {ID: "c", Kind: KindModel, Label: "c v1"}, {ID: "lone", Kind: KindPrompt, Label: "lonely prompt v1"}},
			Edges: []Edge{{From: "a", To: "b", Relation: "trained_on"}, {From: "b", To: "c", Relation: "fine_tuned_from"}, {From: "c", To: "a", Relation: "derived_from"}, {From: "a", To: "a", Relation: "derived_from"}},
		}.SVG,
		"lineage-40": bigGraph(40).SVG,
		"line": LineChart{
			Title: "Run 7f3a metrics", XLabel: "step", YLabel: "loss",
			Series: []Series{
				{Name: "train_loss", Points: series(200, func(i int) float64 { return 2.2*math.Exp(-float64(i)/40) + 0.1 + 0.03*math.Sin(float64(i)) })},
				{Name: "val_loss", Points: func() []Point {
					p := series(20, func(i int) float64 { return 2.3*math.Exp(-float64(i*10)/45) + 0.2 })
					for i := range p {
						p[i].X *= 10
					}
					return p
				}()},
			},
		}.SVG,
		"line-single":       LineChart{Series: []Series{{Name: "accuracy", Points: []Point{{X: 3, Y: 0.91}}}}}.SVG,
		"line-constant-nan": LineChart{YLabel: "auc", Series: []Series{{Name: "auc", Points: []Point{{0, 0.8}, {1, math.NaN()}, {2, 0.8}, {math.Inf(1), 0.8}, {3, 0.8}}}}}.SVG,
		"line-time": LineChart{XTime: true, YLabel: "requests/s", Series: []Series{{Points: func() []Point {
			var p []Point
			for i := 0; i < 48; i++ {
				p = append(p, Point{X: float64(t0.Add(time.Duration(i) * time.Hour).Unix()), Y: 100 + 40*math.Sin(float64(i)/4)})
			}
			return p
		}()}}}.SVG,
		"line-downsampled": LineChart{Series: []Series{{Name: "grad_norm", Points: series(100000, func(i int) float64 {
			if i == 61234 {
				return 50
			}
			return 1 + float64(i%97)/97
		})}}}.SVG,
		"line-empty": LineChart{}.SVG,
		"histogram": Histogram{Title: "income", XLabel: "income (k€)", YLabel: "rows", Bins: []Bin{
			{0, 20, 120}, {20, 40, 940}, {40, 60, 1503}, {60, 80, 870}, {80, 100, 0}, {100, 120, 77}}}.SVG,
		"histogram-single": Histogram{Bins: []Bin{{Low: 1, High: 2, Count: 5}}}.SVG,
		"histogram-many": Histogram{XLabel: "age", Bins: func() []Bin {
			var b []Bin
			for i := 0; i < 60; i++ {
				b = append(b, Bin{float64(18 + i), float64(19 + i), int64(1000 * math.Exp(-math.Pow(float64(i-20)/12, 2)))})
			}
			return b
		}()}.SVG,
		"bars": BarChart{Title: "region", XLabel: "rows", Bars: []Bar{
			{"north-west", 48210}, {"south", 30110}, {"east", 12004}, {"a category name that goes on and on", 511}, {"", 0}}}.SVG,
		"timeline": Timeline{Title: "Aliases of scorer", Now: t0.AddDate(0, 0, 40), Rows: []TimelineRow{
			{Label: "champion", Spans: []Span{
				{From: t0, To: t0.AddDate(0, 0, 9), Label: "v1"},
				{From: t0.AddDate(0, 0, 9), To: t0.AddDate(0, 0, 23), Label: "v2"},
				{From: t0.AddDate(0, 0, 23), Label: "v3"}}},
			{Label: "challenger", Spans: []Span{
				{From: t0.AddDate(0, 0, 5), To: t0.AddDate(0, 0, 12), Label: "v2"},
				{From: t0.AddDate(0, 0, 19), To: t0.AddDate(0, 0, 23), Label: "v3"},
				{From: t0.AddDate(0, 0, 31), Label: "v4"}}},
			{Label: "shadow", Spans: []Span{{From: t0.AddDate(0, 0, 38), Label: "v4"}}},
		}}.SVG,
		"timeline-hours": Timeline{Now: t0.Add(5 * time.Hour), Rows: []TimelineRow{{Label: "staging", Spans: []Span{{From: t0, To: t0.Add(2 * time.Hour), Label: "v7"}, {From: t0.Add(3 * time.Hour), Label: "v8"}}}}}.SVG,
	}
}

func TestGolden(t *testing.T) {
	for name, draw := range cases() {
		t.Run(name, func(t *testing.T) {
			got, err := draw()
			if err != nil {
				t.Fatal(err)
			}
			checkSVG(t, got)
			path := filepath.Join("testdata", name+".svg")
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test ./internal/chart -update to write it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s differs from the golden file; if the change is meant, rerun with -update and look at the result", path)
			}
		})
	}
}

func TestDeterministic(t *testing.T) {
	for name, draw := range cases() {
		a, _ := draw()
		for i := 0; i < 3; i++ {
			b, _ := draw()
			if !bytes.Equal(a, b) {
				t.Fatalf("%s: two drawings of the same input differ", name)
			}
		}
	}
}

var allowedElements = map[string]bool{"svg": true, "title": true, "desc": true, "g": true, "rect": true, "path": true, "line": true, "circle": true, "text": true, "a": true}

// checkSVG parses out as XML and checks what makes it safe to inline: known
// elements only, no event or style attributes, no ids or url() references,
// same-site links only, an accessible name and description, and a viewBox.
func checkSVG(t *testing.T, out []byte) {
	t.Helper()
	if !utf8.Valid(out) {
		t.Fatal("output is not valid UTF-8")
	}
	d := xml.NewDecoder(bytes.NewReader(out))
	d.Strict = true
	depth, roots := 0, 0
	var stack []string
	var first []string // the root's first two child elements
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("output is not XML: %v\n%s", err, head(out))
		}
		switch e := tok.(type) {
		case xml.StartElement:
			name := e.Name.Local
			if !allowedElements[name] {
				t.Fatalf("element <%s> is not one the charts use", name)
			}
			if depth == 0 {
				roots++
				if name != "svg" || e.Name.Space != "http://www.w3.org/2000/svg" {
					t.Fatalf("root is %v", e.Name)
				}
				// An image, or a group named by aria-label when it holds links.
				if a := attrOf(e, "role"); a != "img" && (a != "group" || attrOf(e, "aria-label") == "" || !bytes.Contains(out, []byte("<a "))) {
					t.Fatalf("root role = %q, want img (or a named group when it holds links)", a)
				}
				if attrOf(e, "viewBox") == "" {
					t.Fatal("root has no viewBox")
				}
			}
			if depth == 1 && len(first) < 2 {
				first = append(first, name)
			}
			for _, a := range e.Attr {
				n := strings.ToLower(a.Name.Local)
				if strings.HasPrefix(n, "on") || n == "style" || n == "id" || a.Name.Space != "" && a.Name.Space != "http://www.w3.org/2000/svg" {
					t.Fatalf("attribute %v=%q is not allowed", a.Name, a.Value)
				}
				if strings.Contains(a.Value, "url(") || strings.Contains(strings.ToLower(a.Value), "javascript:") {
					t.Fatalf("attribute %s=%q refers elsewhere", n, a.Value)
				}
				if n == "href" && (name != "a" || safeHref(a.Value) != a.Value) {
					t.Fatalf("link %q is not a same-site path", a.Value)
				}
			}
			stack = append(stack, name)
			depth++
		case xml.EndElement:
			depth--
			stack = stack[:len(stack)-1]
		case xml.CharData:
			for _, r := range string(e) {
				if r != '\n' && (r < ' ' || r == 0x7f || isBidiControl(r)) {
					t.Fatalf("text holds control character %U", r)
				}
			}
			if len(stack) > 0 && stack[len(stack)-1] == "text" && utf8.RuneCount(e) > maxAxisLabel {
				t.Fatalf("visible text %q is not truncated", string(e))
			}
		case xml.ProcInst, xml.Directive:
			t.Fatalf("unexpected %T", e)
		}
	}
	if roots != 1 {
		t.Fatalf("%d root elements", roots)
	}
	if len(first) != 2 || first[0] != "title" || first[1] != "desc" {
		t.Fatalf("root starts with %v, want title and desc", first)
	}
}

func attrOf(e xml.StartElement, name string) string {
	for _, a := range e.Attr {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

func head(b []byte) string {
	if len(b) > 600 {
		return string(b[:600]) + "…"
	}
	return string(b)
}

var hostile = []string{
	`<script>alert(1)</script>`,
	`"quoted" & 'single' <b>`,
	`]]><x>`,
	"bell\x07 nul\x00 esc\x1b del\x7f tab\t newline\n",
	strings.Repeat("W", 10000),
	"نموذج تقييم الائتمان v2",
	"\u202Eevil\u202C \u2066isolated\u2069",
	"bad utf-8 \xff\xfe here",
	"<![CDATA[ x ]]>",
	"&amp; &#x3c; &lt;",
}

func TestHostileText(t *testing.T) {
	for i, h := range hostile {
		g := Graph{Title: h, Desc: h,
			Nodes: []Node{{ID: h, Kind: KindDataset, Label: h, Sublabel: h, Href: "/x?q=" + strconv.Itoa(i) + "&a=<b>"}, {ID: "m", Kind: KindModel, Label: h}},
			Edges: []Edge{{From: h, To: "m", Relation: h}}}
		charts := map[string]func() ([]byte, error){
			"graph":     g.SVG,
			"line":      LineChart{Title: h, XLabel: h, YLabel: h, Series: []Series{{Name: h, Points: []Point{{1, 1}, {2, 3}}}, {Name: h}}}.SVG,
			"histogram": Histogram{Title: h, Desc: h, XLabel: h, YLabel: h, Bins: []Bin{{0, 1, 3}}}.SVG,
			"bars":      BarChart{Title: h, XLabel: h, Bars: []Bar{{h, 3}, {h, 0}}}.SVG,
			"timeline":  Timeline{Title: h, Now: t0.Add(time.Hour), Rows: []TimelineRow{{Label: h, Spans: []Span{{From: t0, Label: h}}}}}.SVG,
		}
		for name, draw := range charts {
			out, err := draw()
			if err != nil {
				t.Fatalf("%s with label %d: %v", name, i, err)
			}
			checkSVG(t, out)
			s := string(out)
			for _, bad := range []string{"<script", "<x>", "<b>", "]]>", "<![CDATA", "\u202E"} {
				if strings.Contains(s, bad) {
					t.Errorf("%s with label %d: output holds %q", name, i, bad)
				}
			}
			if len(out) > 40000 {
				t.Errorf("%s with label %d: %d bytes; long labels are not cut", name, i, len(out))
			}
		}
	}
}

func TestLinks(t *testing.T) {
	bad := []string{"javascript:alert(1)", "JAVASCRIPT:x", "https://evil.example/", "//evil.example/x", "/\\evil.example", "data:text/html,x", " /leading-space", "/a b", "/tab\tx", "/new\nline", "x/relative", "\u202E/x", ""}
	for _, h := range bad {
		g := Graph{Nodes: []Node{{ID: "a", Kind: KindRun, Label: "a", Href: h}}}
		out, err := g.SVG()
		if err != nil {
			t.Fatal(err)
		}
		checkSVG(t, out)
		if strings.Contains(string(out), "href") {
			t.Errorf("href %q was kept", h)
		}
	}
	g := Graph{Nodes: []Node{{ID: "a", Kind: KindRun, Label: "a", Href: `/usecases/x/runs/1?tab=metrics&k="v"`}}}
	out, _ := g.SVG()
	if !strings.Contains(string(out), `href="/usecases/x/runs/1?tab=metrics&amp;k=&#34;v&#34;"><title>Run: a</title>`) {
		t.Errorf("same-site link missing, not escaped or not named:\n%s", out)
	}
	// An image hides its parts, links included; with links the graph is a group.
	if !strings.Contains(string(out), `role="group" aria-label="Lineage graph"`) {
		t.Errorf("graph with a link is not a named group:\n%s", head(out))
	}
	g.Nodes[0].Href = "javascript:x"
	if out, _ := g.SVG(); !strings.Contains(string(out), `role="img"`) {
		t.Errorf("graph without links is not an image:\n%s", head(out))
	}
}

func TestGraphErrors(t *testing.T) {
	many := Graph{}
	for i := 0; i <= MaxNodes; i++ {
		many.Nodes = append(many.Nodes, Node{ID: strconv.Itoa(i), Kind: KindRun})
	}
	edges := Graph{Nodes: []Node{{ID: "a", Kind: KindRun}, {ID: "b", Kind: KindRun}}}
	for i := 0; i <= MaxEdges; i++ {
		edges.Edges = append(edges.Edges, Edge{From: "a", To: "b"})
	}
	for _, c := range []struct {
		g    Graph
		kind atrium.Kind
	}{
		{many, atrium.TooLarge},
		{edges, atrium.TooLarge},
		{Graph{Nodes: []Node{{ID: "", Kind: KindRun}}}, atrium.Invalid},
		{Graph{Nodes: []Node{{ID: "a", Kind: KindRun}, {ID: "a", Kind: KindModel}}}, atrium.Invalid},
		{Graph{Nodes: []Node{{ID: "a", Kind: "feature"}}}, atrium.Invalid},
		{Graph{Nodes: []Node{{ID: "a", Kind: KindRun}}, Edges: []Edge{{From: "a", To: "zz"}}}, atrium.Invalid},
		{Graph{Nodes: []Node{{ID: "a", Kind: KindRun}}, Edges: []Edge{{From: "zz", To: "a"}}}, atrium.Invalid},
	} {
		if _, err := c.g.SVG(); atrium.KindOf(err) != c.kind {
			t.Errorf("err = %v, want kind %s", err, c.kind)
		}
	}
}

// checkLayout asserts that no two nodes overlap, and that every edge not
// reversed to break a cycle runs from a left layer to a right one.
func checkLayout(t testing.TB, g Graph, l *layout) {
	for i := range g.Nodes {
		for j := i + 1; j < len(g.Nodes); j++ {
			a, b := l.verts[i], l.verts[j]
			if a.layer == b.layer && math.Abs(a.y-b.y) < gNodeH+gGapY-0.01 {
				t.Fatalf("nodes %q and %q overlap: layer %d, y %.1f and %.1f", g.Nodes[i].ID, g.Nodes[j].ID, a.layer, a.y, b.y)
			}
		}
	}
	for _, ly := range l.layers {
		for i := 1; i < len(ly); i++ {
			a, b := l.verts[ly[i-1]], l.verts[ly[i]]
			if b.y-a.y < (a.h+b.h)/2+gGapY-0.01 {
				t.Fatalf("vertices %d and %d of a layer are too close", ly[i-1], ly[i])
			}
		}
	}
	for _, ln := range l.lanes {
		a, b := l.verts[ln.chain[0]], l.verts[ln.chain[len(ln.chain)-1]]
		if a.layer >= b.layer {
			t.Fatalf("lane %d→%d goes from layer %d to %d", ln.from, ln.to, a.layer, b.layer)
		}
		left := ln.from
		if ln.reversed {
			left = ln.to
		}
		if ln.chain[0] != left {
			t.Fatalf("lane %d→%d starts at the wrong end", ln.from, ln.to)
		}
	}
}

func TestLayoutSample(t *testing.T) {
	g := lineageSample()
	l, err := layoutGraph(g)
	if err != nil {
		t.Fatal(err)
	}
	checkLayout(t, g, l)
	for _, ln := range l.lanes {
		if ln.reversed {
			t.Errorf("an edge of a DAG was reversed: %d→%d", ln.from, ln.to)
		}
	}
	// Datasets left of runs, runs left of the models they produce.
	layer := func(id string) int {
		for i, n := range g.Nodes {
			if n.ID == id {
				return l.verts[i].layer
			}
		}
		t.Fatalf("no node %s", id)
		return 0
	}
	if !(layer("d1") < layer("d2") && layer("d2") < layer("r7") && layer("r7") < layer("m3") && layer("m3") < layer("p1")) {
		t.Errorf("layers: d1 %d d2 %d r7 %d m3 %d p1 %d", layer("d1"), layer("d2"), layer("r7"), layer("m3"), layer("p1"))
	}
	if c := l.crossings(); c != 0 {
		t.Errorf("sample lineage drawn with %d crossings; it has a drawing with none", c)
	}
}

func TestCrossingsMinimal(t *testing.T) {
	// Two layers joined by a perfect matching given in scrambled order: the
	// best drawing has no crossing.
	g := Graph{}
	perm := []int{3, 0, 4, 1, 2}
	for i := 0; i < 5; i++ {
		g.Nodes = append(g.Nodes, Node{ID: "a" + strconv.Itoa(i), Kind: KindDataset})
	}
	for i := 0; i < 5; i++ {
		g.Nodes = append(g.Nodes, Node{ID: "b" + strconv.Itoa(i), Kind: KindModel})
	}
	for i, p := range perm {
		g.Edges = append(g.Edges, Edge{From: "a" + strconv.Itoa(i), To: "b" + strconv.Itoa(p)})
	}
	l, err := layoutGraph(g)
	if err != nil {
		t.Fatal(err)
	}
	if c := l.crossings(); c != 0 {
		t.Errorf("matching drawn with %d crossings, want 0", c)
	}
	// K(2,2) needs exactly one crossing; a long edge through a dummy counts too.
	k := Graph{
		Nodes: []Node{{ID: "a", Kind: KindDataset}, {ID: "b", Kind: KindDataset}, {ID: "c", Kind: KindModel}, {ID: "d", Kind: KindModel}},
		Edges: []Edge{{From: "a", To: "c"}, {From: "a", To: "d"}, {From: "b", To: "c"}, {From: "b", To: "d"}},
	}
	l, _ = layoutGraph(k)
	if c := l.crossings(); c != 1 {
		t.Errorf("K(2,2) drawn with %d crossings, want 1", c)
	}
	// A chain a→b→c with a long edge a→c and a second chain x→y→z: no crossing needed.
	h := Graph{
		Nodes: []Node{{ID: "x", Kind: KindDataset}, {ID: "a", Kind: KindDataset}, {ID: "y", Kind: KindRun}, {ID: "b", Kind: KindRun}, {ID: "z", Kind: KindModel}, {ID: "c", Kind: KindModel}},
		Edges: []Edge{{From: "a", To: "b"}, {From: "b", To: "c"}, {From: "a", To: "c"}, {From: "x", To: "y"}, {From: "y", To: "z"}, {From: "x", To: "c"}},
	}
	l, _ = layoutGraph(h)
	checkLayout(t, h, l)
	if c := l.crossings(); c != 0 {
		t.Errorf("two chains drawn with %d crossings, want 0", c)
	}
}

func TestCrossingCount(t *testing.T) {
	// The counter itself, against a brute-force count on random layers.
	r := rand.New(rand.NewPCG(7, 7))
	for trial := 0; trial < 200; trial++ {
		g := randomGraph(r, 2+r.IntN(10), r.IntN(25), false)
		l, err := layoutGraph(g)
		if err != nil {
			t.Fatal(err)
		}
		for k := 0; k+1 < len(l.layers); k++ {
			type seg struct{ a, b int }
			var segs []seg
			for _, v := range l.layers[k] {
				for _, w := range l.verts[v].down {
					segs = append(segs, seg{l.verts[v].order, l.verts[w].order})
				}
			}
			want := 0
			for i := range segs {
				for j := i + 1; j < len(segs); j++ {
					if (segs[i].a-segs[j].a)*(segs[i].b-segs[j].b) < 0 {
						want++
					}
				}
			}
			if got := l.crossingsBetween(k); got != want {
				t.Fatalf("crossings between layers %d and %d = %d, brute force %d", k, k+1, got, want)
			}
		}
	}
}

func TestCycles(t *testing.T) {
	g := Graph{
		Nodes: []Node{{ID: "a", Kind: KindModel}, {ID: "b", Kind: KindModel}, {ID: "c", Kind: KindModel}},
		Edges: []Edge{{From: "a", To: "b"}, {From: "b", To: "c"}, {From: "c", To: "a"}, {From: "b", To: "a"}, {From: "c", To: "c"}},
	}
	l, err := layoutGraph(g)
	if err != nil {
		t.Fatal(err)
	}
	checkLayout(t, g, l)
	rev := 0
	for _, ln := range l.lanes {
		if ln.reversed {
			rev++
		}
	}
	if rev != 2 || l.loops != 1 || len(l.lanes) != 4 {
		t.Errorf("reversed %d, loops %d, lanes %d; want 2, 1, 4", rev, l.loops, len(l.lanes))
	}
	out, err := g.SVG()
	if err != nil {
		t.Fatal(err)
	}
	checkSVG(t, out)
}

func TestParallelEdgesMerge(t *testing.T) {
	g := Graph{
		Nodes: []Node{{ID: "d", Kind: KindDataset, Label: "d"}, {ID: "m", Kind: KindModel, Label: "m"}},
		Edges: []Edge{{From: "d", To: "m", Relation: "trained_on"}, {From: "d", To: "m", Relation: "evaluated_on"}, {From: "d", To: "m", Relation: "trained_on"}},
	}
	l, _ := layoutGraph(g)
	if len(l.lanes) != 1 || l.lanes[0].label != "trained_on, evaluated_on" {
		t.Errorf("lanes = %+v", l.lanes)
	}
}

func TestIsolatedAndLargeGraphs(t *testing.T) {
	g := Graph{}
	for i := 0; i < 30; i++ {
		g.Nodes = append(g.Nodes, Node{ID: strconv.Itoa(i), Kind: KindPrompt, Label: "p" + strconv.Itoa(i)})
	}
	l, err := layoutGraph(g)
	if err != nil {
		t.Fatal(err)
	}
	checkLayout(t, g, l)
	big := bigGraph(MaxNodes)
	l, err = layoutGraph(big)
	if err != nil {
		t.Fatal(err)
	}
	checkLayout(t, big, l)
	out, err := big.SVG()
	if err != nil {
		t.Fatal(err)
	}
	checkSVG(t, out)
}

func randomGraph(r *rand.Rand, n, m int, cycles bool) Graph {
	var g Graph
	k := []NodeKind{KindDataset, KindModel, KindPrompt, KindRun}
	for i := 0; i < n; i++ {
		g.Nodes = append(g.Nodes, Node{ID: strconv.Itoa(i), Kind: k[i%4], Label: "n" + strconv.Itoa(i)})
	}
	for j := 0; j < m; j++ {
		a, b := r.IntN(n), r.IntN(n)
		if !cycles && a >= b {
			if a == b {
				continue
			}
			a, b = b, a
		}
		g.Edges = append(g.Edges, Edge{From: strconv.Itoa(a), To: strconv.Itoa(b), Relation: "derived_from"})
	}
	return g
}

func TestRandomDAGs(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for trial := 0; trial < 300; trial++ {
		g := randomGraph(r, 1+r.IntN(25), r.IntN(60), false)
		l, err := layoutGraph(g)
		if err != nil {
			t.Fatal(err)
		}
		checkLayout(t, g, l)
		for _, ln := range l.lanes {
			if ln.reversed {
				t.Fatalf("trial %d: an edge of a DAG was reversed", trial)
			}
		}
	}
}

// FuzzLayout builds small graphs, cycles included, from the fuzzer's bytes;
// the layout must end, keep nodes apart and produce valid SVG.
func FuzzLayout(f *testing.F) {
	f.Add([]byte{5, 0, 1, 1, 2, 2, 0})
	f.Add([]byte{1, 0, 0})
	f.Add([]byte{12, 0, 11, 11, 0, 3, 4, 4, 3, 5, 5, 6, 7, 7, 8, 8, 6})
	f.Add([]byte{0})
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) == 0 {
			return
		}
		n := int(data[0]%24) + 1
		g := Graph{}
		for i := 0; i < n; i++ {
			g.Nodes = append(g.Nodes, Node{ID: strconv.Itoa(i), Kind: kinds[i%4], Label: "n" + strconv.Itoa(i)})
		}
		for i := 1; i+1 < len(data) && len(g.Edges) < 80; i += 2 {
			g.Edges = append(g.Edges, Edge{From: strconv.Itoa(int(data[i]) % n), To: strconv.Itoa(int(data[i+1]) % n), Relation: "r"})
		}
		l, err := layoutGraph(g)
		if err != nil {
			t.Fatal(err)
		}
		checkLayout(t, g, l)
		out, err := g.SVG()
		if err != nil {
			t.Fatal(err)
		}
		checkSVG(t, out)
	})
}

func TestDownsample(t *testing.T) {
	pts := series(100000, func(i int) float64 {
		switch i {
		case 5000:
			return -7
		case 77777:
			return 9
		}
		return float64(i % 10)
	})
	c := LineChart{Series: []Series{{Name: "x", Points: pts}}}
	ps, err := c.prepare()
	if err != nil {
		t.Fatal(err)
	}
	got := ps[0].pts
	if len(got) > maxDrawnPoints {
		t.Errorf("%d points drawn, want at most %d", len(got), maxDrawnPoints)
	}
	var lo, hi bool
	for i, p := range got {
		if i > 0 && p.X <= got[i-1].X {
			t.Fatalf("points out of order at %d", i)
		}
		lo = lo || p.Y == -7
		hi = hi || p.Y == 9
	}
	if !lo || !hi {
		t.Errorf("extremes lost: min kept %v, max kept %v", lo, hi)
	}
	if got[0].X != 0 || got[len(got)-1].X != 99999 {
		t.Errorf("ends not kept: %v … %v", got[0], got[len(got)-1])
	}
	// Many series share the budget.
	var ss []Series
	for i := 0; i < MaxSeries; i++ {
		ss = append(ss, Series{Points: pts[:20000]})
	}
	ps, _ = LineChart{Series: ss}.prepare()
	total := 0
	for _, p := range ps {
		total += len(p.pts)
	}
	if total > maxDrawnPoints {
		t.Errorf("%d points drawn over %d series", total, MaxSeries)
	}
}

func TestLineLimitsAndSkips(t *testing.T) {
	var ss []Series
	for i := 0; i <= MaxSeries; i++ {
		ss = append(ss, Series{})
	}
	if _, err := (LineChart{Series: ss}).SVG(); atrium.KindOf(err) != atrium.TooLarge {
		t.Errorf("too many series: %v", err)
	}
	if _, err := (LineChart{Series: []Series{{Points: make([]Point, MaxPoints+1)}}}).SVG(); atrium.KindOf(err) != atrium.TooLarge {
		t.Errorf("too many points: %v", err)
	}
	c := LineChart{Series: []Series{{Points: []Point{{0, math.NaN()}, {math.Inf(-1), 1}, {1, 2}, {2, math.Inf(1)}}}}}
	ps, _ := c.prepare()
	if len(ps[0].pts) != 1 || ps[0].pts[0] != (Point{1, 2}) {
		t.Errorf("kept %v, want only (1, 2)", ps[0].pts)
	}
	out, err := c.SVG()
	if err != nil {
		t.Fatal(err)
	}
	checkSVG(t, out)
	if !strings.Contains(string(out), "<circle") {
		t.Error("a single point is not drawn")
	}
}

func TestNiceTicks(t *testing.T) {
	for _, c := range []struct {
		lo, hi float64
		want   string
	}{
		{0, 97, "0 20 40 60 80 100"},
		{0.13, 0.92, "0 0.2 0.4 0.6 0.8 1"},
		{-3, 3, "-4 -2 0 2 4"},
		{5, 5, "4.4 4.6 4.8 5 5.2 5.4 5.6"},
		{0.91, 0.91, "0.8 0.85 0.9 0.95 1 1.05"},
		{0, 0, "-1 -0.5 0 0.5 1"},
		{1000, 48210, "0 10k 20k 30k 40k 50k"},
	} {
		ts, _, _ := niceTicks(c.lo, c.hi, 5)
		var got []string
		for _, v := range ts {
			got = append(got, tickLabel(v, ts[1]-ts[0]))
		}
		if strings.Join(got, " ") != c.want {
			t.Errorf("ticks(%v, %v) = %v, want %s", c.lo, c.hi, got, c.want)
		}
	}
}

func TestTimeTicks(t *testing.T) {
	for _, c := range []struct {
		lo, hi time.Time
		want   string
	}{
		{t0, t0.Add(5 * time.Hour), "14 Sep 10:00|11:00|12:00|13:00|14:00"},
		{t0, t0.AddDate(0, 0, 5), "15 Sep|16 Sep|17 Sep|18 Sep|19 Sep"},
		{t0, t0.AddDate(0, 0, 40), "21 Sep|28 Sep|5 Oct|12 Oct|19 Oct"},
		{t0, t0.AddDate(1, 0, 0), "Oct 2026|Jan 2027|Apr 2027|Jul 2027"},
		{t0, t0.AddDate(6, 0, 0), "2027|2028|2029|2030|2031|2032"},
		{t0, t0.Add(90 * time.Second), "14 Sep 09:30:00|09:30:15|09:30:30|09:30:45|09:31:00|09:31:15|09:31:30"},
	} {
		_, labels := timeTicks(c.lo, c.hi, 7)
		if got := strings.Join(labels, "|"); got != c.want {
			t.Errorf("timeTicks(%v, %v) = %s, want %s", c.lo, c.hi.Sub(c.lo), got, c.want)
		}
	}
}

func TestHistogramAndBarErrors(t *testing.T) {
	for _, h := range []Histogram{
		{Bins: []Bin{{1, 1, 0}}},
		{Bins: []Bin{{2, 1, 0}}},
		{Bins: []Bin{{math.NaN(), 1, 0}}},
		{Bins: []Bin{{0, math.Inf(1), 0}}},
		{Bins: []Bin{{0, 1, -1}}},
		{Bins: []Bin{{0, 2, 1}, {1, 3, 1}}},
	} {
		if _, err := h.SVG(); atrium.KindOf(err) != atrium.Invalid {
			t.Errorf("%v: err = %v, want invalid", h.Bins, err)
		}
	}
	if _, err := (Histogram{Bins: make([]Bin, MaxBins+1)}).SVG(); atrium.KindOf(err) != atrium.TooLarge {
		t.Errorf("too many bins: %v", err)
	}
	if _, err := (BarChart{Bars: make([]Bar, MaxBars+1)}).SVG(); atrium.KindOf(err) != atrium.TooLarge {
		t.Errorf("too many bars: %v", err)
	}
	if _, err := (BarChart{Bars: []Bar{{"x", -1}}}).SVG(); atrium.KindOf(err) != atrium.Invalid {
		t.Errorf("negative bar: %v", err)
	}
	// Unsorted bins are drawn in order; all-zero counts still draw an axis.
	out, err := Histogram{Bins: []Bin{{2, 3, 0}, {1, 2, 0}}}.SVG()
	if err != nil {
		t.Fatal(err)
	}
	checkSVG(t, out)
	if !strings.Contains(string(out), "1 to 2: 0") {
		t.Errorf("zero bin has no tooltip:\n%s", out)
	}
}

func TestTimeline(t *testing.T) {
	now := t0.AddDate(0, 0, 10)
	for _, tl := range []Timeline{
		{Rows: []TimelineRow{{Label: "a"}}},
		{Now: now, Rows: []TimelineRow{{Spans: []Span{{Label: "v1"}}}}},
		{Now: now, Rows: []TimelineRow{{Spans: []Span{{From: now.Add(time.Hour)}}}}},
		{Now: now, Rows: []TimelineRow{{Spans: []Span{{From: t0, To: t0}}}}},
		{Now: now, Rows: make([]TimelineRow, MaxRows+1)},
	} {
		if _, err := tl.SVG(); err == nil {
			t.Errorf("%+v: no error", tl)
		}
	}
	// A gap between spans stays empty, and an open span runs to now.
	tl := Timeline{Now: now, Rows: []TimelineRow{{Label: "champion", Spans: []Span{{From: t0, To: t0.AddDate(0, 0, 2), Label: "v1"}, {From: t0.AddDate(0, 0, 6), Label: "v2"}}}}}
	out, err := tl.SVG()
	if err != nil {
		t.Fatal(err)
	}
	checkSVG(t, out)
	s := string(out)
	// v1 ends two days in, v2 starts six days in: a gap of a third of the way
	// from v1's start to now lies between them.
	var x1, w1, x2 float64
	if _, err := fmt.Sscanf(s[strings.Index(s, "<rect x=\"9"):], `<rect x="%g" y="29" width="%g"`, &x1, &w1); err != nil {
		t.Fatalf("no v1 rectangle: %v", err)
	}
	if _, err := fmt.Sscanf(s[strings.Index(s, `<path d="M`):], `<path d="M%g`, &x2); err != nil {
		t.Fatalf("no open v2 shape: %v", err)
	}
	if gap, span := x2-(x1+w1), x2-x1; gap < span*0.6 {
		t.Errorf("gap between v1 (%.1f+%.1f) and v2 (%.1f) is %.1f px", x1, w1, x2, gap)
	}
	if !strings.Contains(s, "champion: v2, 20 Sep 2026 09:30 to now UTC") || strings.Count(s, `<g class="chart-span`) != 2 || !strings.Contains(s, "chart-span-open") {
		t.Errorf("spans not drawn as expected:\n%s", s)
	}
}

// luminance and contrast follow WCAG 2.1.
func luminance(hex string) float64 {
	v, _ := strconv.ParseUint(strings.TrimPrefix(hex, "#"), 16, 32)
	ch := func(c uint64) float64 {
		s := float64(c) / 255
		if s <= 0.03928 {
			return s / 12.92
		}
		return math.Pow((s+0.055)/1.055, 2.4)
	}
	return 0.2126*ch(v>>16&0xff) + 0.7152*ch(v>>8&0xff) + 0.0722*ch(v&0xff)
}

func contrast(a, b string) float64 {
	la, lb := luminance(a), luminance(b)
	return (math.Max(la, lb) + 0.05) / (math.Min(la, lb) + 0.05)
}

func TestContrast(t *testing.T) {
	for _, c := range append([]string{colText, colMuted, colAxis}, palette...) {
		if r := contrast(c, colBack); r < 4.5 {
			t.Errorf("%s on white: %.2f, want ≥ 4.5", c, r)
		}
	}
	for _, c := range palette { // version labels are white on the span colour
		if r := contrast(colBack, c); r < 4.5 {
			t.Errorf("white on %s: %.2f, want ≥ 4.5", c, r)
		}
	}
	for k, fill := range kindFill {
		for _, c := range []string{colText, colMuted} {
			if r := contrast(c, fill); r < 4.5 {
				t.Errorf("%s text on the %s fill %s: %.2f, want ≥ 4.5", c, k, fill, r)
			}
		}
		if r := contrast(kindStroke[k], fill); r < 3 {
			t.Errorf("%s outline on its fill: %.2f, want ≥ 3", k, r)
		}
	}
}

func BenchmarkLineage200(b *testing.B) {
	g := bigGraph(200)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := g.SVG(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkLineage500(b *testing.B) {
	g := bigGraph(MaxNodes)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := g.SVG(); err != nil {
			b.Fatal(err)
		}
	}
}

func TestFitWidth(t *testing.T) {
	for _, v := range []string{strings.Repeat("W", 300), strings.Repeat("信用", 100), strings.Repeat("il", 300), "short", strings.Repeat("نموذج ", 40)} {
		got, cut := fitWidth(v, 40, 160, 12)
		if textWidth(got, 12) > 160 {
			t.Errorf("fitWidth(%.10q…) = %q, %.0f px wide", v, got, textWidth(got, 12))
		}
		if cut != (got != v) || (cut && !strings.HasSuffix(got, "…")) {
			t.Errorf("fitWidth(%.10q…) = %q, cut %v", v, got, cut)
		}
	}
}

// BenchmarkLineageWorst is the largest graph accepted, with random edges
// between any two nodes, so many edges span many layers.
func BenchmarkLineageWorst(b *testing.B) {
	g := randomGraph(rand.New(rand.NewPCG(9, 9)), MaxNodes, MaxEdges, false)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := g.SVG(); err != nil {
			b.Fatal(err)
		}
	}
}

func TestInline(t *testing.T) {
	h, err := Inline(lineageSample())
	if err != nil || !strings.HasPrefix(string(h), "<svg ") {
		t.Fatalf("Inline = %.40q, %v", h, err)
	}
	if _, err := Inline(Histogram{Bins: []Bin{{1, 0, 1}}}); atrium.KindOf(err) != atrium.Invalid {
		t.Errorf("Inline of a bad histogram: %v", err)
	}
}
