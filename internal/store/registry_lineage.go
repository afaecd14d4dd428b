package store

// The registry's lineage graph: which version was trained on, evaluated on,
// derived from or fine-tuned from which, and which run produced it.
//
//	AddEdge(ctx, slug string, e registry.Edge) (registry.Edge, error)
//	    editor; e.From a version, e.To a version or a run; audited as
//	    registry.lineage.add. Both ends must be of the use case (a version of
//	    another use case is NotFound, like a missing one). Refuses bad
//	    relation/kind pairs, self-edges and cycles (Invalid), duplicates
//	    (Conflict) and more than registry.MaxEdgesFrom edges from a version.
//	Lineage(ctx, slug string) (registry.Graph, error)
//	    viewer; every version of the use case as a node (and every run an
//	    edge names), with every edge; Truncated past registry.MaxGraphEdges.
//	VersionLineage(ctx, slug string, ref registry.Ref, n, depth int) (registry.Graph, error)
//	    viewer; the edges up to depth hops upstream (what version n depends
//	    on) and downstream (what depends on it), depth 0 meaning
//	    registry.DefaultDepth, at most registry.MaxDepth.
//
// A model version's training data, evaluation data and run become edges
// when the version is registered, in the same transaction
// (addVersionFacts, called from CreateVersion); the version's own audit
// entry records them. Runs are named by id: checkRunRef decides whether an
// id may be used.

import (
	"context"
	"database/sql"
	"strconv"
	"strings"

	"github.com/atrium-mlops/atrium/internal/atrium"
	"github.com/atrium-mlops/atrium/internal/registry"
	"github.com/atrium-mlops/atrium/internal/usecase"
)

// maxGraphNodes bounds the version nodes of a use case's whole graph.
const maxGraphNodes = 2000

// maxInList bounds the parameters of one IN list.
const maxInList = 500

// edgeScanner scans an edge row that carries one more column, into extra.
type edgeScanner struct {
	sc    scanner
	extra *string
}

func (s edgeScanner) Scan(dest ...any) error { return s.sc.Scan(append(dest, s.extra)...) }

// checkRunRef decides whether a lineage edge may name run id in use case u:
// the id must have a run's shape and name a run of u's experiments. A run
// of another use case answers exactly like one that does not exist.
func checkRunRef(q querier, u usecase.UseCase, id string) error {
	if err := registry.CheckRunRef(id); err != nil {
		return err
	}
	var n int
	if err := q.queryRow(`SELECT COUNT(*) FROM tracking_runs r JOIN tracking_experiments x ON x.id = r.experiment_id
		WHERE r.id = $1 AND x.usecase_id = $2`, id, u.ID).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		return atrium.Errorf(atrium.NotFound, "run %q not found in this use case", id)
	}
	return nil
}

// endpoint is a resolved node: its stored key and, for a version, its asset.
type endpoint struct {
	node    registry.Node
	key     string
	assetID string
}

func versionKey(assetID string, n int) string { return assetID + "/" + strconv.Itoa(n) }

// resolveNode finds a node in use case u: a version of one of u's assets,
// or a run u may name.
func resolveNode(q querier, u usecase.UseCase, n registry.Node) (endpoint, error) {
	if n.IsRun() {
		if err := checkRunRef(q, u, n.Run); err != nil {
			return endpoint{}, err
		}
		return endpoint{node: n, key: "run/" + n.Run}, nil
	}
	a, err := assetOf(q, u, n.Ref())
	if err != nil {
		return endpoint{}, err
	}
	if _, err := versionOf(q, a, n.Version); err != nil {
		return endpoint{}, err
	}
	return endpoint{node: n, key: versionKey(a.ID, n.Version), assetID: a.ID}, nil
}

// insertEdge stores an edge between resolved ends. With ignoreDuplicate an
// edge that exists already is left as it is.
func (tx *Tx) insertEdge(u usecase.UseCase, from, to endpoint, rel registry.Relation, ignoreDuplicate bool) error {
	var toAsset, toRun sql.NullString
	var toVersion sql.NullInt64
	if to.node.IsRun() {
		toRun = sql.NullString{String: to.node.Run, Valid: true}
	} else {
		toAsset = sql.NullString{String: to.assetID, Valid: true}
		toVersion = sql.NullInt64{Int64: int64(to.node.Version), Valid: true}
	}
	q := `INSERT INTO registry_lineage_edges (usecase_id, relation, from_asset, from_version, to_asset, to_version, to_run, from_node, to_node, created_by, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`
	if ignoreDuplicate {
		q += ` ON CONFLICT (from_node, to_node, relation) DO NOTHING`
	}
	_, err := tx.exec(q, u.ID, string(rel), from.assetID, from.node.Version, toAsset, toVersion, toRun, from.key, to.key,
		actorOf(tx.ctx).UserID, formatTime(tx.now))
	return tx.uniqueAs(err, "%s %s %s is already recorded", from.node, rel, to.node)
}

// addVersionFacts records what a new version's own fields imply beside it:
// a model's lineage edges (trained_on, evaluated_on, produced_by) and a
// dataset's initial sensitivity. CreateVersion calls it inside its
// transaction, after inserting the version, so both commit or neither. The
// new version has no edges pointing at it yet, so its own cannot close a
// cycle.
func (tx *Tx) addVersionFacts(u usecase.UseCase, a registry.Asset, v registry.Version) error {
	self := endpoint{node: registry.VersionNode(a.Ref(), v.Number), key: versionKey(a.ID, v.Number), assetID: a.ID}
	for _, e := range registry.ModelEdges(self.node, v.Model) {
		to, err := resolveNode(tx, u, e.To)
		if err != nil {
			return err
		}
		if err := tx.insertEdge(u, self, to, e.Relation, true); err != nil {
			return err
		}
	}
	if v.Dataset != nil && v.Dataset.Sensitivity != nil {
		return tx.writeSensitivity(a, v.Number, 0, *v.Dataset.Sensitivity)
	}
	return nil
}

// AddEdge records that e.From depends on e.To by e.Relation (editor role).
func (db *DB) AddEdge(ctx context.Context, slug string, e registry.Edge) (registry.Edge, error) {
	if err := registry.CheckEdge(e.From, e.To, e.Relation); err != nil {
		return registry.Edge{}, err
	}
	out := registry.Edge{From: e.From, To: e.To, Relation: e.Relation}
	err := db.writeAsset(ctx, slug, e.From.Ref(), "recording lineage", func(tx *Tx, u usecase.UseCase, a registry.Asset) error {
		from, err := resolveNode(tx, u, e.From)
		if err != nil {
			return err
		}
		to, err := resolveNode(tx, u, e.To)
		if err != nil {
			return err
		}
		// One writer of the use case's graph at a time, so two edges added
		// at once cannot close a cycle between them.
		if err := tx.lockUseCase(u); err != nil {
			return err
		}
		var n int
		if err := tx.queryRow(`SELECT COUNT(*) FROM registry_lineage_edges WHERE usecase_id = $1 AND from_node = $2`, u.ID, from.key).Scan(&n); err != nil {
			return err
		}
		if n >= registry.MaxEdgesFrom {
			return atrium.Errorf(atrium.Conflict, "%s already has %d lineage edges, the most one version may have", e.From, n)
		}
		// The whole graph's keys, walked in memory: one indexed read, where
		// a walk in SQL costs a query step per hop.
		next := map[string][]string{}
		err = each(tx, func(sc scanner) error {
			var f, t string
			if err := sc.Scan(&f, &t); err != nil {
				return err
			}
			next[f] = append(next[f], t)
			return nil
		}, `SELECT from_node, to_node FROM registry_lineage_edges WHERE usecase_id = $1`, u.ID)
		if err != nil {
			return err
		}
		if registry.Reachable(next, to.key, from.key) {
			return atrium.Errorf(atrium.Invalid, "%s already depends on %s, so this edge would make a cycle", e.To, e.From)
		}
		if err := tx.insertEdge(u, from, to, e.Relation, false); err != nil {
			return err
		}
		out.CreatedBy, out.CreatedAt = actorOf(ctx).UserID, tx.now
		return tx.appendAudit("registry.lineage.add", "registry_asset", a.ID, out)
	})
	if err != nil {
		return registry.Edge{}, err
	}
	return out, nil
}

const edgeCols = `e.relation, fa.kind, fa.name, e.from_version, COALESCE(ta.kind, ''), COALESCE(ta.name, ''), COALESCE(e.to_version, 0),
	COALESCE(e.to_run, ''), e.created_by, e.created_at`

const edgeFrom = ` FROM registry_lineage_edges e JOIN registry_assets fa ON fa.id = e.from_asset LEFT JOIN registry_assets ta ON ta.id = e.to_asset`

func scanEdge(sc scanner) (registry.Edge, error) {
	var e registry.Edge
	err := sc.Scan(&e.Relation, &e.From.Kind, &e.From.Name, &e.From.Version, &e.To.Kind, &e.To.Name, &e.To.Version, &e.To.Run,
		&e.CreatedBy, ts{&e.CreatedAt})
	return e, err
}

// Lineage returns a use case's whole lineage graph.
func (db *DB) Lineage(ctx context.Context, slug string) (registry.Graph, error) {
	r, u, err := db.readUseCase(ctx, slug)
	if err != nil {
		return registry.Graph{}, err
	}
	g, err := lineageOf(r, u)
	return g, db.classify(err)
}

func lineageOf(q querier, u usecase.UseCase) (registry.Graph, error) {
	g := registry.Graph{Nodes: []registry.Node{}}
	edges, err := collect(q, scanEdge, `SELECT `+edgeCols+edgeFrom+` WHERE e.usecase_id = $1 ORDER BY e.id LIMIT $2`, u.ID, registry.MaxGraphEdges+1)
	if err != nil {
		return g, err
	}
	if len(edges) > registry.MaxGraphEdges {
		edges, g.Truncated = edges[:registry.MaxGraphEdges], true
	}
	g.Edges = edges
	versions, err := collect(q, func(sc scanner) (registry.Node, error) {
		var n registry.Node
		return n, sc.Scan(&n.Kind, &n.Name, &n.Version)
	}, `SELECT a.kind, a.name, v.number FROM registry_versions v JOIN registry_assets a ON a.id = v.asset_id
		WHERE a.usecase_id = $1 ORDER BY a.kind, a.name, v.number LIMIT $2`, u.ID, maxGraphNodes+1)
	if err != nil {
		return g, err
	}
	if len(versions) > maxGraphNodes {
		versions, g.Truncated = versions[:maxGraphNodes], true
	}
	seen := map[registry.Node]bool{}
	for _, n := range append(versions, registry.NodesOf(edges)...) {
		if !seen[n] {
			seen[n] = true
			g.Nodes = append(g.Nodes, n)
		}
	}
	return g, nil
}

// VersionLineage returns the lineage around version n of an asset: the
// edges within depth hops upstream and downstream of it.
func (db *DB) VersionLineage(ctx context.Context, slug string, ref registry.Ref, n, depth int) (registry.Graph, error) {
	depth, err := registry.CheckDepth(depth)
	if err != nil {
		return registry.Graph{}, err
	}
	r, u, err := db.readUseCase(ctx, slug)
	if err != nil {
		return registry.Graph{}, err
	}
	self, err := resolveNode(r, u, registry.VersionNode(ref, n))
	if err != nil {
		return registry.Graph{}, db.classify(err)
	}
	g := registry.Graph{Nodes: []registry.Node{self.node}, Edges: []registry.Edge{}}
	for _, dir := range []struct{ near, far string }{{"from_node", "to_node"}, {"to_node", "from_node"}} {
		// Walk from the version one hop at a time, each hop one indexed
		// query over the frontier, up to depth hops.
		seen := map[string]bool{self.key: true}
		frontier := []string{self.key}
		for hop := 0; hop < depth && len(frontier) > 0 && !g.Truncated; hop++ {
			var nextFrontier []string
			for len(frontier) > 0 {
				chunk := frontier[:min(len(frontier), maxInList)]
				frontier = frontier[len(chunk):]
				marks := make([]string, len(chunk))
				args := []any{u.ID}
				for i, k := range chunk {
					marks[i] = "$" + strconv.Itoa(i+2)
					args = append(args, k)
				}
				err := each(r, func(sc scanner) error {
					var far string
					e, err := scanEdge(edgeScanner{sc, &far})
					if err != nil {
						return err
					}
					if len(g.Edges) >= registry.MaxGraphEdges {
						g.Truncated = true
						return nil
					}
					g.Edges = append(g.Edges, e)
					if !seen[far] {
						seen[far] = true
						nextFrontier = append(nextFrontier, far)
					}
					return nil
				}, `SELECT `+edgeCols+`, e.`+dir.far+edgeFrom+` WHERE e.usecase_id = $1 AND e.`+dir.near+` IN (`+strings.Join(marks, ", ")+`) ORDER BY e.id`, args...)
				if err != nil {
					return g, db.classify(err)
				}
			}
			frontier = nextFrontier
		}
	}
	for _, nd := range registry.NodesOf(g.Edges) {
		if nd != self.node {
			g.Nodes = append(g.Nodes, nd)
		}
	}
	return g, nil
}
