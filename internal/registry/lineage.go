package registry

import (
	"strconv"
	"time"

	"github.com/atrium-mlops/atrium/internal/atrium"
)

// Relation is how one version depends on another (or on a run): the edge
// points from the dependent version to what it depends on, so "model v2
// trained_on dataset v1" is an edge from the model to the dataset.
type Relation string

// The relations of the lineage graph.
const (
	TrainedOn     Relation = "trained_on"      // model → dataset
	EvaluatedOn   Relation = "evaluated_on"    // model or prompt → dataset
	DerivedFrom   Relation = "derived_from"    // dataset → dataset
	FineTunedFrom Relation = "fine_tuned_from" // model → model
	ProducedBy    Relation = "produced_by"     // model → run
)

// Relations lists every relation, in the order they are shown.
var Relations = []Relation{TrainedOn, EvaluatedOn, DerivedFrom, FineTunedFrom, ProducedBy}

// relationPairs says which kinds each relation may join: the kinds its
// source may have, and the kind of its target ("" for a run).
var relationPairs = map[Relation]struct {
	from []Kind
	to   Kind
}{
	TrainedOn:     {[]Kind{Model}, Dataset},
	EvaluatedOn:   {[]Kind{Model, Prompt}, Dataset},
	DerivedFrom:   {[]Kind{Dataset}, Dataset},
	FineTunedFrom: {[]Kind{Model}, Model},
	ProducedBy:    {[]Kind{Model}, ""},
}

// Check returns an Invalid error unless r is one of Relations.
func (r Relation) Check() error {
	if _, ok := relationPairs[r]; !ok {
		return atrium.Errorf(atrium.Invalid, "relation must be trained_on, evaluated_on, derived_from, fine_tuned_from or produced_by (got %q)", atrium.Truncate(string(r), 40))
	}
	return nil
}

// Limits on the lineage graph.
const (
	// MaxEdgesFrom bounds the edges leaving one version.
	MaxEdgesFrom = 200
	// MaxDepth bounds a traversal; DefaultDepth is used when none is given.
	MaxDepth     = 10
	DefaultDepth = 3
	// MaxGraphEdges bounds a use case's whole graph as one answer.
	MaxGraphEdges = 5000
)

// Node is one end of a lineage edge: a version of an asset of the use case,
// or (Run set, the rest empty) an experiment-tracking run.
type Node struct {
	Kind    Kind   `json:"kind,omitempty"`
	Name    string `json:"name,omitempty"`
	Version int    `json:"version,omitempty"`
	Run     string `json:"run,omitempty"`
}

// VersionNode is the node of version n of the asset ref.
func VersionNode(ref Ref, n int) Node { return Node{Kind: ref.Kind, Name: ref.Name, Version: n} }

// RunNode is the node of a run.
func RunNode(id string) Node { return Node{Run: id} }

// IsRun reports whether the node is a run.
func (n Node) IsRun() bool { return n.Run != "" }

// Ref returns the asset a version node belongs to.
func (n Node) Ref() Ref { return Ref{n.Kind, n.Name} }

// String is "model/credit-scorer/2" or "run/<id>", unique within a use case.
func (n Node) String() string {
	if n.IsRun() {
		return "run/" + n.Run
	}
	return string(n.Kind) + "/" + n.Name + "/" + strconv.Itoa(n.Version)
}

// Check validates a node: a well-formed version reference, or a run id of
// the shape runs have (1–64 letters or digits). Whether the version or run
// exists is the store's to check.
func (n Node) Check() error {
	if n.Run != "" {
		if n.Kind != "" || n.Name != "" || n.Version != 0 {
			return atrium.Errorf(atrium.Invalid, "a lineage node is either a version or a run, not both")
		}
		return CheckRunRef(n.Run)
	}
	if err := n.Ref().Check(); err != nil {
		return err
	}
	if n.Version < 1 {
		return atrium.Errorf(atrium.Invalid, "version of %s %q must be 1 or more", n.Kind, n.Name)
	}
	return nil
}

// CheckRunRef validates the shape of a run id named by lineage: what
// ModelInfo.RunID accepts (1–64 letters or digits), so every id a model
// version may carry can become an edge.
func CheckRunRef(id string) error {
	if !runIDRE.MatchString(id) {
		return atrium.Errorf(atrium.Invalid, "run id must be 1–64 letters or digits (got %q)", atrium.Truncate(id, 70))
	}
	return nil
}

// Edge is one lineage fact: From depends on To by Relation.
type Edge struct {
	From      Node      `json:"from"`
	To        Node      `json:"to"`
	Relation  Relation  `json:"relation"`
	CreatedBy string    `json:"created_by"`
	CreatedAt time.Time `json:"created_at"`
}

// CheckEdge validates an edge's shape: known relation, the kinds it joins,
// no edge from a version to itself. Cycles need the rest of the graph; see
// WouldCycle.
func CheckEdge(from, to Node, rel Relation) error {
	if err := rel.Check(); err != nil {
		return err
	}
	if err := from.Check(); err != nil {
		return err
	}
	if err := to.Check(); err != nil {
		return err
	}
	if from.IsRun() {
		return atrium.Errorf(atrium.Invalid, "a lineage edge starts at a version, not a run")
	}
	pair := relationPairs[rel]
	ok := false
	for _, k := range pair.from {
		ok = ok || from.Kind == k
	}
	switch {
	case !ok:
		return atrium.Errorf(atrium.Invalid, "%s cannot start at a %s", rel, from.Kind)
	case pair.to == "" && !to.IsRun():
		return atrium.Errorf(atrium.Invalid, "%s must point at a run", rel)
	case pair.to != "" && (to.IsRun() || to.Kind != pair.to):
		return atrium.Errorf(atrium.Invalid, "%s must point at a %s version", rel, pair.to)
	case from == to:
		return atrium.Errorf(atrium.Invalid, "a version cannot depend on itself")
	}
	return nil
}

// WouldCycle reports whether adding the edge from → to to edges would close
// a cycle: whether from is already reachable from to.
func WouldCycle(edges []Edge, from, to Node) bool {
	next := map[Node][]Node{}
	for _, e := range edges {
		next[e.From] = append(next[e.From], e.To)
	}
	return Reachable(next, to, from)
}

// Reachable reports whether target can be reached from start by following
// next (each node's successors), start itself included: the breadth-first
// walk the cycle check makes, over nodes of any comparable type.
func Reachable[N comparable](next map[N][]N, start, target N) bool {
	if start == target {
		return true
	}
	seen := map[N]bool{start: true}
	queue := []N{start}
	for len(queue) > 0 {
		n := queue[0]
		queue = queue[1:]
		for _, m := range next[n] {
			if m == target {
				return true
			}
			if !seen[m] {
				seen[m] = true
				queue = append(queue, m)
			}
		}
	}
	return false
}

// Graph is part of a use case's lineage: the nodes and the edges between them.
type Graph struct {
	Nodes []Node `json:"nodes"`
	Edges []Edge `json:"edges"`
	// Truncated is set when the graph was larger than one answer holds.
	Truncated bool `json:"truncated,omitempty"`
}

// CheckDepth returns the traversal depth to use: DefaultDepth for 0, an
// Invalid error outside 1..MaxDepth.
func CheckDepth(d int) (int, error) {
	if d == 0 {
		return DefaultDepth, nil
	}
	if d < 1 || d > MaxDepth {
		return 0, atrium.Errorf(atrium.Invalid, "depth must be from 1 to %d (got %d)", MaxDepth, d)
	}
	return d, nil
}

// NodesOf returns the distinct nodes edges touch, in the order first seen.
func NodesOf(edges []Edge) []Node {
	out := []Node{}
	seen := map[Node]bool{}
	for _, e := range edges {
		for _, n := range []Node{e.From, e.To} {
			if !seen[n] {
				seen[n] = true
				out = append(out, n)
			}
		}
	}
	return out
}

// ModelEdges are the edges a new model version's own fields imply: trained_on
// each training dataset, evaluated_on each evaluation dataset, produced_by
// its run. The store adds them when it registers the version.
func ModelEdges(self Node, m *ModelInfo) []Edge {
	if m == nil {
		return nil
	}
	var out []Edge
	seen := map[Edge]bool{}
	add := func(to Node, rel Relation) {
		e := Edge{From: self, To: to, Relation: rel}
		if !seen[e] {
			seen[e] = true
			out = append(out, e)
		}
	}
	for _, r := range m.TrainingData {
		add(Node{Kind: Dataset, Name: r.Name, Version: r.Version}, TrainedOn)
	}
	for _, r := range m.EvaluationData {
		add(Node{Kind: Dataset, Name: r.Name, Version: r.Version}, EvaluatedOn)
	}
	if m.RunID != "" {
		add(RunNode(m.RunID), ProducedBy)
	}
	return out
}
