package sql

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/basaltdb/basalt/storage"
	"github.com/basaltdb/basalt/types"
)

// TestPreselectTopGroups checks percentiles of the N most frequent values
// of a column, which read only those values' rows (the index counts every
// value first), against the same queries scanned whole: the same rows in
// the same order, with ties at the N-th count (all kept), in sealed
// segments and the mutable one, before and after deletes. EXPLAIN ANALYZE
// shows the preselection where it applies, and not where a row lacks the
// column (its NULL group might be among the top) or most rows are kept.
func TestPreselectTopGroups(t *testing.T) {
	ctx := context.Background()
	r := rand.New(rand.NewPCG(9, 10))
	// Value k has 400-3k rows (at least 5), but v8…v11 have 376 each:
	// tied across the tenth place.
	var pages []int
	for k := range 200 {
		n := max(5, 400-3*k)
		if k >= 8 && k <= 11 {
			n = 376
		}
		for range n {
			pages = append(pages, k)
		}
	}
	r.Shuffle(len(pages), func(i, j int) { pages[i], pages[j] = pages[j], pages[i] })
	// The third busiest value is a null, the fifth the integer 4.
	page := func(k int) types.Value {
		switch k {
		case 2:
			return types.Null
		case 4:
			return types.Int(4)
		}
		return types.String(fmt.Sprintf("v%d", k))
	}
	var docs []types.Value
	for i, k := range pages {
		f := []types.Field{
			{Name: "_id", Value: types.String(fmt.Sprintf("d%05d", i))},
			{Name: "_event_time", Value: types.Timestamp(1_700_000_000_000_000 + int64(i)*1_000_000)},
			{Name: "page", Value: page(k)},
			{Name: "lat", Value: types.Int(int64(r.IntN(1000)))},
			{Name: "few", Value: types.String([]string{"a", "b", "c"}[min(r.IntN(20), 2)])},
		}
		if i%977 != 5 {
			f = append(f, types.Field{Name: "sparse", Value: types.String(fmt.Sprintf("s%d", min(k, 50)))})
		}
		docs = append(docs, types.Object(f))
	}
	queries := []struct {
		q       string
		applies bool
	}{
		{"SELECT page, count(*) AS n, percentile_cont(0.95) WITHIN GROUP (ORDER BY lat) AS p FROM t GROUP BY page ORDER BY n DESC LIMIT 10", true},
		{"SELECT page, count(*) AS n, percentile_disc(0.5) WITHIN GROUP (ORDER BY lat) AS p, sum(lat) FROM t GROUP BY page ORDER BY n DESC LIMIT 3", true},
		{"SELECT count(*) AS n, page, percentile_cont(0.5) WITHIN GROUP (ORDER BY lat) FROM t GROUP BY page ORDER BY n DESC LIMIT 12", true},
		{"SELECT page, count(*) AS n, percentile_cont(0.9) WITHIN GROUP (ORDER BY lat) FROM t WHERE lat < 500 GROUP BY page ORDER BY n DESC LIMIT 2", false},
		{"SELECT sparse, count(*) AS n, percentile_cont(0.9) WITHIN GROUP (ORDER BY lat) FROM t GROUP BY sparse ORDER BY n DESC LIMIT 4", false},
		// One of three values holds 90% of the rows.
		{"SELECT few, count(*) AS n, percentile_cont(0.9) WITHIN GROUP (ORDER BY lat) FROM t GROUP BY few ORDER BY n DESC LIMIT 1", false},
		{"SELECT few, count(*) AS n, percentile_cont(0.9) WITHIN GROUP (ORDER BY lat) FROM t GROUP BY few ORDER BY n DESC LIMIT 2", false},
		{"SELECT page, count(*) AS n, percentile_cont(0.9) WITHIN GROUP (ORDER BY lat) FROM t GROUP BY page ORDER BY n ASC LIMIT 5", false},
	}
	for _, sealed := range []bool{true, false} {
		seal := 1_000_000
		if sealed {
			seal = 2500
		}
		eng := openTestEngine(t, seal, "t")
		writeValues(t, eng, "t", docs, 1000)
		if sealed {
			if err := eng.Flush(ctx, "commons", "t"); err != nil {
				t.Fatal(err)
			}
		}
		s, scan := NewSession(eng, Limits{}), NewSession(eng, Limits{})
		scan.scanCounts = true
		for round := range 2 {
			for _, c := range queries {
				what := fmt.Sprintf("sealed=%v round %d: %s", sealed, round, c.q)
				got, err := s.Query(ctx, c.q, Params{})
				if err != nil {
					t.Fatalf("%s: %v", what, err)
				}
				want, err := scan.Query(ctx, c.q, Params{})
				if err != nil {
					t.Fatalf("%s: %v", what, err)
				}
				if g, w := rowsText(got), rowsText(want); g != w {
					t.Errorf("%s: got\n%s\nwant (scanned)\n%s", what, g, w)
				}
				res, err := s.Query(ctx, "EXPLAIN ANALYZE "+c.q, Params{})
				if err != nil {
					t.Fatal(err)
				}
				if applied := strings.Contains(rowsText(res), "top-groups="); applied != c.applies {
					t.Errorf("%s: preselected %v, want %v:\n%s", what, applied, c.applies, rowsText(res))
				}
			}
			// Delete rows of the busiest values, so the top changes.
			var ops []storage.WriteOp
			for i, d := range docs {
				if p := d.Get("page"); (p.Str() == "v5" || p.Str() == "v6" || p.Kind() == types.KindNull) && i%3 != 0 {
					ops = append(ops, storage.WriteOp{Kind: storage.OpDelete, ID: d.Get("_id").Str()})
				}
			}
			if _, _, err := eng.Write(ctx, DefaultWorkspace, "t", ops); err != nil {
				t.Fatal(err)
			}
		}
	}
}
