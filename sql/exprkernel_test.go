package sql

import (
	"context"
	"fmt"
	"testing"

	"github.com/basaltdb/basalt/sql/sqlerr"
	"github.com/basaltdb/basalt/types"
)

// TestExprKernel checks conjuncts of one column run over column vectors
// (exprKernel), sealed (dictionary-coded strings among them) and in the
// mutable segment: their answers are brute force's, they fail only on rows
// they meet, as row-by-row evaluation does, and volatile functions stay
// per row.
func TestExprKernel(t *testing.T) {
	ctx := context.Background()
	const n = 30000
	docs := make([]types.Value, n)
	want := map[string]int{}
	for i := range docs {
		kind, v := "num", fmt.Sprint(i%97)
		if i%3 == 0 {
			kind, v = "txt", "abc"
		}
		docs[i] = types.Object([]types.Field{
			{Name: "_id", Value: types.String(fmt.Sprintf("d%05d", i))},
			{Name: "kind", Value: types.String(kind)},
			{Name: "v", Value: types.String(v)},
			{Name: "x", Value: types.Int(int64(i % 1000))},
		})
		if kind == "num" && i%97 > 50 {
			want["cast"]++
		}
		if i%1000*3+1 > 2000 {
			want["arith"]++
		}
		if len(v) == 2 && i%1000 < 500 {
			want["len-and-x"]++
		}
	}
	for _, sealed := range []bool{true, false} {
		t.Run(fmt.Sprintf("sealed=%v", sealed), func(t *testing.T) {
			eng := openTestEngine(t, 0, "t")
			writeValues(t, eng, "t", docs, 1000)
			if sealed {
				if err := eng.Flush(ctx, "commons", "t"); err != nil {
					t.Fatal(err)
				}
			}
			s := NewSession(eng, Limits{})
			count := func(q string) (int64, error) {
				res, err := s.Query(ctx, q, Params{})
				if err != nil {
					return 0, err
				}
				return res.Rows[0][0].Int(), nil
			}
			for _, c := range []struct{ name, q string }{
				// The cast fails on 'abc', which only rows of kind txt
				// hold, and the conjunct before it leaves them out.
				{"cast", "SELECT count(*) FROM t WHERE kind = 'num' AND CAST(v AS int) > 50"},
				{"cast", "SELECT count(*) FROM t WHERE upper(kind) = 'NUM' AND v::int > 50"},
				{"arith", "SELECT count(*) FROM t WHERE x * 3 + 1 > 2000"},
				{"len-and-x", "SELECT count(*) FROM t WHERE length(v) = 2 AND x < 500"},
				// A conjunct of two columns is evaluated row by row, and
				// the one after it too, on the rows the first keeps.
				{"cast", "SELECT count(*) FROM t WHERE kind || '' = 'num' || v AND v::int > 50 OR kind = 'num' AND v::int > 50"},
			} {
				got, err := count(c.q)
				if err != nil {
					t.Errorf("%s: %v", c.q, err)
				} else if got != int64(want[c.name]) {
					t.Errorf("%s: %d, want %d", c.q, got, want[c.name])
				}
			}
			if _, err := count("SELECT count(*) FROM t WHERE x + 0 = x AND kind = 'num' || (x - x) AND v::int > 50"); err != nil {
				t.Errorf("a cast behind a conjunct of two columns met rows that conjunct leaves out: %v", err)
			}
			// Rows the failing conjunct meets fail the query.
			if _, err := count("SELECT count(*) FROM t WHERE CAST(v AS int) > 50"); sqlerr.CodeOf(err) != sqlerr.InvalidText {
				t.Errorf("cast of 'abc' for every row: %v, want 22P02", err)
			}
			// random() is drawn per row, not per dictionary entry: about
			// half the rows pass each time (within 17 standard
			// deviations), not all or none of a kind's in a block.
			for range 5 {
				got, err := count("SELECT count(*) FROM t WHERE random() + length(kind) * 0 < 0.5")
				if err != nil {
					t.Fatal(err)
				}
				if got < n*45/100 || got > n*55/100 {
					t.Errorf("random() < 0.5 kept %d rows of %d", got, n)
					break
				}
			}
		})
	}
}
