package store

import (
	"context"
	"fmt"
	"strings"

	"github.com/atrium-mlops/atrium/internal/atrium"
	"github.com/atrium-mlops/atrium/internal/registry"
)

// RunAttributes are the run attributes a search may filter and order on.
var RunAttributes = []string{"run_id", "run_name", "status", "start_time", "end_time", "user_id", "artifact_uri", "lifecycle_stage"}

var runAttributeCols = map[string]string{
	"run_id": "r.id", "run_name": "r.name", "status": "r.status", "start_time": "r.start_time", "end_time": "r.end_time",
	"user_id": "r.user_name", "artifact_uri": "r.artifact_uri", "lifecycle_stage": "r.lifecycle_stage",
}

// sqlArgs collects query arguments and hands out their placeholders.
type sqlArgs struct{ list []any }

func (a *sqlArgs) add(v any) string {
	a.list = append(a.list, v)
	return fmt.Sprintf("$%d", len(a.list))
}

// likeSQL compares col with an MLflow LIKE pattern: case-sensitive for LIKE,
// case-insensitive for ILIKE, the same in both dialects (SQLite's own LIKE
// ignores ASCII case, so LIKE becomes GLOB there).
func (db *DB) likeSQL(col, op, pattern string, a *sqlArgs) string {
	if op == "ILIKE" {
		return "LOWER(" + col + ") LIKE " + a.add(strings.ToLower(pattern))
	}
	switch db.dialect.name {
	case "sqlite":
		var b strings.Builder
		for _, r := range pattern {
			switch r {
			case '%':
				b.WriteByte('*')
			case '_':
				b.WriteByte('?')
			case '*', '?', '[', ']':
				b.WriteString("[" + string(r) + "]")
			default:
				b.WriteRune(r)
			}
		}
		return col + " GLOB " + a.add(b.String())
	default:
		return col + " LIKE " + a.add(pattern)
	}
}

// compareSQL renders one comparison of col against the clause's operand.
func (db *DB) compareSQL(col string, c registry.Clause, numeric bool, a *sqlArgs) (string, error) {
	switch c.Op {
	case "LIKE", "ILIKE":
		if numeric {
			return "", atrium.Errorf(atrium.Invalid, "%s %s: LIKE compares text only", c.Entity, atrium.Truncate(c.Key, 40))
		}
		return db.likeSQL(col, c.Op, c.Value, a), nil
	case "IN":
		if numeric {
			return "", atrium.Errorf(atrium.Invalid, "%s %s: IN compares text only", c.Entity, atrium.Truncate(c.Key, 40))
		}
		ph := make([]string, len(c.Values))
		for i, v := range c.Values {
			ph[i] = a.add(v)
		}
		return col + " IN (" + strings.Join(ph, ", ") + ")", nil
	}
	if numeric {
		return col + " " + c.Op + " " + a.add(c.Number), nil
	}
	if c.Op != "=" && c.Op != "!=" {
		return "", atrium.Errorf(atrium.Invalid, "%s %s: text compares with =, !=, LIKE, ILIKE or IN", c.Entity, atrium.Truncate(c.Key, 40))
	}
	return col + " " + c.Op + " " + a.add(c.Value), nil
}

// RunSearch selects runs of some experiments.
type RunSearch struct {
	ExperimentIDs []string
	Clauses       []registry.Clause
	OrderBy       []registry.OrderBy
	Stage         string // "" for every lifecycle stage
	Page          atrium.PageRequest
}

// SearchRuns returns a page of runs of a use case's experiments matching a
// filter, with their data, by start time (newest first) unless ordered.
func (db *DB) SearchRuns(ctx context.Context, slug string, s RunSearch) (atrium.Page[registry.Run], error) {
	out := atrium.Page[registry.Run]{Items: []registry.Run{}}
	if len(s.ExperimentIDs) == 0 || len(s.ExperimentIDs) > 100 {
		return out, atrium.Errorf(atrium.Invalid, "experiment_ids must name 1 to 100 experiments")
	}
	q, u, err := db.readUseCase(ctx, slug)
	if err != nil {
		return out, err
	}
	ids := make([]string, 0, len(s.ExperimentIDs))
	for _, id := range s.ExperimentIDs {
		e, err := experimentOf(q, u, id)
		if atrium.KindOf(err) == atrium.NotFound && id == "0" {
			continue
		}
		if err != nil {
			return out, db.classify(err)
		}
		ids = append(ids, e.ID)
	}
	if len(ids) == 0 {
		return out, nil
	}
	a := &sqlArgs{}
	ph := make([]string, len(ids))
	for i, id := range ids {
		ph[i] = a.add(id)
	}
	where := []string{"r.experiment_id IN (" + strings.Join(ph, ", ") + ")"}
	if s.Stage != "" {
		where = append(where, "r.lifecycle_stage = "+a.add(s.Stage))
	}
	for _, c := range s.Clauses {
		var cond string
		switch c.Entity {
		case "attribute":
			col := runAttributeCols[c.Key]
			numeric := c.Key == "start_time" || c.Key == "end_time"
			if col == "" {
				return out, atrium.Errorf(atrium.Invalid, "unknown run attribute %q", atrium.Truncate(c.Key, 40))
			}
			cond, err = db.compareSQL(col, c, numeric, a)
		case "metric":
			var cmp string
			cmp, err = db.compareSQL("m.value", c, true, a)
			// NaN compares with nothing, as in MLflow.
			cond = "EXISTS (SELECT 1 FROM tracking_latest_metrics m WHERE m.run_id = r.id AND m.key = " + a.add(c.Key) + " AND m.is_nan = " + a.add(false) + " AND " + cmp + ")"
		case "param", "tag":
			table := map[string]string{"param": "tracking_params", "tag": "tracking_tags"}[c.Entity]
			var cmp string
			cmp, err = db.compareSQL("x.value", c, false, a)
			cond = "EXISTS (SELECT 1 FROM " + table + " x WHERE x.run_id = r.id AND x.key = " + a.add(c.Key) + " AND " + cmp + ")"
		}
		if err != nil {
			return out, err
		}
		where = append(where, cond)
	}
	from := ` FROM tracking_runs r WHERE ` + strings.Join(where, " AND ")
	if err := q.queryRow(`SELECT COUNT(*)`+from, a.list...).Scan(&out.Total); err != nil {
		return out, db.classify(err)
	}
	var order []string
	for _, o := range s.OrderBy {
		dir := " ASC"
		if o.Desc {
			dir = " DESC"
		}
		switch o.Entity {
		case "attribute":
			col := runAttributeCols[o.Key]
			if col == "" {
				return out, atrium.Errorf(atrium.Invalid, "cannot order by run attribute %q", atrium.Truncate(o.Key, 40))
			}
			order = append(order, col+dir)
		case "metric":
			order = append(order, "(SELECT m.value FROM tracking_latest_metrics m WHERE m.run_id = r.id AND m.key = "+a.add(o.Key)+")"+dir)
		case "param", "tag":
			table := map[string]string{"param": "tracking_params", "tag": "tracking_tags"}[o.Entity]
			order = append(order, "(SELECT x.value FROM "+table+" x WHERE x.run_id = r.id AND x.key = "+a.add(o.Key)+")"+dir)
		}
	}
	order = append(order, "r.start_time DESC", "r.id")
	p := s.Page
	limit, offset := a.add(p.Size), a.add(p.Offset)
	runs, err := collect(q, scanRun, `SELECT `+runCols+from+` ORDER BY `+strings.Join(order, ", ")+` LIMIT `+limit+` OFFSET `+offset, a.list...)
	if err != nil {
		return out, db.classify(err)
	}
	for i := range runs {
		if err := runData(q, &runs[i]); err != nil {
			return out, db.classify(err)
		}
	}
	out.Items, out.NextPageToken = runs, p.NextToken(out.Total)
	return out, nil
}
