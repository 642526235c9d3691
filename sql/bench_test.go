package sql

import (
	"context"
	"fmt"
	"testing"

	"github.com/basaltdb/basalt/types"
)

// BenchmarkQuery runs one query of each access path over rows=N sealed
// documents (genDocs' shape), and over 50,000 documents still in the
// mutable segment (state=mutable), as freshly ingested data is. `basalt
// bench query` runs the full suite at scale.
func BenchmarkQuery(b *testing.B) {
	b.Run("state=sealed", func(b *testing.B) { benchmarkQuery(b, 200_000, true) })
	b.Run("state=mutable", func(b *testing.B) { benchmarkQuery(b, 50_000, false) })
}

func benchmarkQuery(b *testing.B, rows int, seal bool) {
	ctx := context.Background()
	eng := openTestEngine(b, 0, "t")
	writeValues(b, eng, "t", genDocs(rows), 1000)
	if seal {
		if err := eng.Flush(ctx, "commons", "t"); err != nil {
			b.Fatal(err)
		}
	}
	s := NewSession(eng, Limits{})
	queries := []struct{ name, q string }{
		{"count-eq", "SELECT count(*) FROM t WHERE kind = 'click'"},
		{"groupby", "SELECT kind, count(*), sum(x) FROM t GROUP BY kind"},
		{"count-distinct", "SELECT count(DISTINCT x) FROM t"},
		{"point", "SELECT * FROM t WHERE _id = 'd12345'"},
		{"time-range", "SELECT count(*) FROM t WHERE _event_time >= TIMESTAMP '2023-11-14T22:30:00Z' AND _event_time < TIMESTAMP '2023-11-14T23:30:00Z'"},
		{"topn-nested", "SELECT _id, x FROM t WHERE dev.os = 'ios' ORDER BY dev.v DESC, _id LIMIT 20"},
		{"array-contains", "SELECT count(*) FROM t WHERE 'red' = ANY(tags)"},
		{"like-scan", "SELECT count(*) FROM t WHERE kind LIKE '%ie%'"},
		{"time-bucket", "SELECT date_trunc('minute', _event_time) AS m, count(*) FROM t WHERE _event_time >= TIMESTAMP '2023-11-15T00:00:00Z' GROUP BY m"},
		{"time-bucket-fn", "SELECT time_bucket(INTERVAL '5 minutes', _event_time) AS m, count(*) FROM t GROUP BY m"},
		{"groupby-2keys", "SELECT date_trunc('hour', _event_time), kind, count(*) FROM t GROUP BY 1, 2"},
		{"distinct", "SELECT DISTINCT kind FROM t"},
		{"min-max-avg", "SELECT min(_event_time), max(dev.v), avg(dev.v) FROM t"},
		{"topn-latest", "SELECT * FROM t ORDER BY _event_time DESC LIMIT 10"},
		{"like-general", "SELECT count(*) FROM t WHERE _id LIKE '%1_3%'"},
		{"func-filter", "SELECT count(*) FROM t WHERE length(kind) > 4"},
		{"arith-filter", "SELECT count(*) FROM t WHERE x * 2 + 1 > 150"},
		{"func-agg", "SELECT kind, sum(length(upper(kind)) + x) FROM t GROUP BY kind"},
		{"join-groupby", "SELECT b.kind, count(*) FROM t a JOIN t b ON a._id = b._id WHERE a.x > 90 GROUP BY b.kind"},
		{"unnest-groupby", "SELECT tag, count(*) FROM t CROSS JOIN UNNEST(tags) AS u(tag) GROUP BY tag"},
	}
	for _, q := range queries {
		b.Run(fmt.Sprintf("rows=%d/q=%s", rows, q.name), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := s.Query(ctx, q.q, Params{}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/query")
		})
	}
}

// BenchmarkRowIn runs (a, b) [NOT] IN (SELECT x, y …) over outer=N rows
// against a subquery of sub=N rows (half the outer rows match; the
// subquery holds no NULLs). The subquery's rows are hashed once; before,
// each outer row was compared with each of them.
func BenchmarkRowIn(b *testing.B) {
	const n = 10_000
	ctx := context.Background()
	eng := openTestEngine(b, 0, "o", "s")
	outer := make([]types.Value, n)
	sub := make([]types.Value, n)
	for i := range n {
		outer[i] = types.Object([]types.Field{{Name: "_id", Value: types.String(fmt.Sprint(i))},
			{Name: "a", Value: types.Int(int64(i))}, {Name: "b", Value: types.Int(int64(i % 7))}})
		sub[i] = types.Object([]types.Field{{Name: "_id", Value: types.String(fmt.Sprint(i))},
			{Name: "x", Value: types.Int(int64(i + n/2))}, {Name: "y", Value: types.Int(int64((i + n/2) % 7))}})
	}
	writeValues(b, eng, "o", outer, 1000)
	writeValues(b, eng, "s", sub, 1000)
	s := NewSession(eng, Limits{})
	for _, q := range []struct {
		name, q string
		want    int64
	}{
		{"in", "SELECT count(*) FROM o WHERE (a, b) IN (SELECT x, y FROM s)", n / 2},
		{"not-in", "SELECT count(*) FROM o WHERE (a, b) NOT IN (SELECT x, y FROM s)", n / 2},
	} {
		b.Run(fmt.Sprintf("outer=%d/sub=%d/q=%s", n, n, q.name), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				res, err := s.Query(ctx, q.q, Params{})
				if err != nil {
					b.Fatal(err)
				}
				if got := res.Rows[0][0].Int(); got != q.want {
					b.Fatalf("count %d, want %d", got, q.want)
				}
			}
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}
