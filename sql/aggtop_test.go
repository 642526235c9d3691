package sql

import (
	"context"
	"strconv"
	"strings"
	"testing"
)

// TestAggregateTopN runs grouped percentiles under ORDER BY … LIMIT, where
// only the groups the sort keeps get their percentiles worked out, against
// the same query without LIMIT cut by hand: the same rows, ties included
// (many groups share their count), through the fused scan aggregate, the
// plain aggregate and the join aggregate.
func TestAggregateTopN(t *testing.T) {
	ctx := context.Background()
	eng := openTestEngine(t, 3000, "t")
	writeValues(t, eng, "t", genDocs(9000), 1000)
	s := NewSession(eng, Limits{})
	cases := []struct{ query, limit string }{
		{"SELECT x, count(*) AS n, percentile_cont(0.9) WITHIN GROUP (ORDER BY dev.v) AS p FROM t GROUP BY x ORDER BY n DESC", "LIMIT 7"},
		{"SELECT x, count(*) AS n, percentile_disc(0.5) WITHIN GROUP (ORDER BY dev.v) FROM t GROUP BY x ORDER BY n, x DESC", "LIMIT 5 OFFSET 3"},
		{"SELECT dev.os AS os, kind, max(dev.v) AS m, approx_percentile(x, 0.5) FROM t GROUP BY 1, 2 ORDER BY m NULLS FIRST, kind", "LIMIT 4"},
		{"SELECT x, count(*) AS n, percentile_cont(0.5) WITHIN GROUP (ORDER BY dev.v) FROM (SELECT * FROM t WHERE _id > 'd001') s GROUP BY x ORDER BY n DESC", "LIMIT 6"},
		{"SELECT t.x, count(*) AS n, percentile_cont(0.5) WITHIN GROUP (ORDER BY u.dev.v) FROM t JOIN t AS u ON t._id = u._id GROUP BY t.x ORDER BY n DESC", "LIMIT 6"},
		// The sort reads the percentile: every group needs it.
		{"SELECT x, percentile_cont(0.5) WITHIN GROUP (ORDER BY dev.v) AS p FROM t GROUP BY x ORDER BY p DESC, x", "LIMIT 3"},
	}
	for _, c := range cases {
		all, err := s.Query(ctx, c.query, Params{})
		if err != nil {
			t.Fatalf("%s: %v", c.query, err)
		}
		top, err := s.Query(ctx, c.query+" "+c.limit, Params{})
		if err != nil {
			t.Fatalf("%s %s: %v", c.query, c.limit, err)
		}
		var count, offset int
		if _, err := fmtSscan(c.limit, &count, &offset); err != nil {
			t.Fatal(err)
		}
		want := all.Rows[offset:min(offset+count, len(all.Rows))]
		got := roundedRows(&Result{Rows: top.Rows})
		if w := roundedRows(&Result{Rows: want}); got != w {
			t.Errorf("%s %s:\n%s\nwant (the first rows without LIMIT):\n%s", c.query, c.limit, got, w)
		}
		if len(all.Rows) <= count+offset {
			t.Errorf("%s: only %d groups: LIMIT keeps them all", c.query, len(all.Rows))
		}
	}
}

// fmtSscan reads "LIMIT n [OFFSET m]".
func fmtSscan(limit string, count, offset *int) (int, error) {
	f := strings.Fields(limit)
	n, err := strconv.Atoi(f[1])
	*count = n
	if err != nil || len(f) < 4 {
		return 1, err
	}
	*offset, err = strconv.Atoi(f[3])
	return 2, err
}
