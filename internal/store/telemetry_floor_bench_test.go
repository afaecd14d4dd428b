package store

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

// BenchmarkRawInsert is the floor under ingestion on SQLite: bare multi-row
// INSERTs of 1,000 prediction-like rows per durable commit, prepared once, on
// the driver the store uses, with nothing else — no decoding, validation,
// aggregates or audit. "wide" is the predictions table as migrated (17
// columns, the primary key and the time index); "narrow" keeps five columns
// with everything else in one blob; "wide-noidx" drops the time index.
// docs/benchmarks.md records what it gives here.
func BenchmarkRawInsert(b *testing.B) {
	schemas := map[string][2]string{
		"wide": {`CREATE TABLE p (usecase_id TEXT NOT NULL, id TEXT NOT NULL, asset_id TEXT NOT NULL, version INTEGER NOT NULL, alias TEXT NOT NULL, ts TEXT NOT NULL, subject TEXT NOT NULL, segments TEXT NOT NULL, out_label TEXT, out_score DOUBLE PRECISION, out_value DOUBLE PRECISION, latency DOUBLE PRECISION, error TEXT NOT NULL, source TEXT NOT NULL, key_id TEXT NOT NULL, features TEXT, explanation TEXT, PRIMARY KEY (usecase_id, id)); CREATE INDEX p_ts ON p(usecase_id, ts)`,
			`(?1,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`},
		"narrow": {`CREATE TABLE p (usecase_id TEXT NOT NULL, id TEXT NOT NULL, ts TEXT NOT NULL, version INTEGER NOT NULL, data BLOB, PRIMARY KEY (usecase_id, id)); CREATE INDEX p_ts ON p(usecase_id, ts)`,
			`(?1,?,?,?,?)`},
		"wide-noidx": {`CREATE TABLE p (usecase_id TEXT NOT NULL, id TEXT NOT NULL, asset_id TEXT NOT NULL, version INTEGER NOT NULL, alias TEXT NOT NULL, ts TEXT NOT NULL, subject TEXT NOT NULL, segments TEXT NOT NULL, out_label TEXT, out_score DOUBLE PRECISION, out_value DOUBLE PRECISION, latency DOUBLE PRECISION, error TEXT NOT NULL, source TEXT NOT NULL, key_id TEXT NOT NULL, features TEXT, explanation TEXT, PRIMARY KEY (usecase_id, id))`,
			`(?1,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`},
	}
	for name, sc := range schemas {
		b.Run(name, func(b *testing.B) {
			db, err := open(filepath.Join(b.TempDir(), "x.db"), true)
			if err != nil {
				b.Fatal(err)
			}
			defer db.write.Close()
			if _, err := db.write.Exec(sc[0]); err != nil {
				b.Fatal(err)
			}
			const rows = 200
			cols := strings.Count(sc[1], ",") + 1
			ph := make([]string, rows)
			for i := range ph {
				if i == 0 {
					ph[i] = sc[1]
				} else {
					ph[i] = strings.Replace(sc[1], "?1", "?", 1)
				}
			}
			q := "INSERT INTO p VALUES " + strings.Join(ph, ",") + " ON CONFLICT DO NOTHING"
			feat := `{"tenure":12,"charges":55.3,"calls":2,"late":0,"data_gb":7.4,"plan":"plus","autopay":true,"region":"north","device":"ios","contract":"monthly"}`
			b.ResetTimer()
			n := 0
			for i := 0; i < b.N; i++ {
				tx, _ := db.write.BeginTx(context.Background(), nil)
				st, _ := tx.Prepare(q)
				for c := 0; c < 5; c++ {
					args := make([]any, 0, rows*cols)
					for r := 0; r < rows; r++ {
						n++
						id := fmt.Sprintf("run-%d-%d", r%8, n)
						if cols == 5 {
							args = append(args, "0123456789abcdef0123456789abcdef", id, "2026-12-02T01:00:00.000000Z", 1, feat+`{"seg":{"a":"b"},"out":0.3}`)
						} else {
							args = append(args, "0123456789abcdef0123456789abcdef", id, "assetid0123456789abcdef012345678", 1, "champion", "2026-12-02T01:00:00.000000Z", "s_0123456789abcdef0123456789abcdef", `{"plan":"plus","region":"north"}`, "churn", 0.3, nil, 12.5, "", "api", "keyid", feat, nil)
						}
					}
					if _, err := st.Exec(args...); err != nil {
						b.Fatal(err)
					}
				}
				st.Close()
				tx.Commit()
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(n), "ns/row")
		})
	}
}
