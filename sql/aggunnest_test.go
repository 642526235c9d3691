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

// TestAggUnnestMatchesPlain compares aggregates over UNNEST of a scan's
// array column, which fold elements in workers (aggUnnestOp), with the
// same queries made plain by a subquery in the filter: arrays with
// repeated, null, mixed-kind, nested and object elements, empty, null,
// missing and non-array values, over sealed segments, deleted rows and a
// mutable tail. Without ORDER BY the groups must come in the same order
// too: that of their first element.
func TestAggUnnestMatchesPlain(t *testing.T) {
	ctx := context.Background()
	eng := openTestEngine(t, 700, "t")
	r := rand.New(rand.NewPCG(21, 22))
	words := []string{"red", "green", "blue", "x", ""}
	elem := func() types.Value {
		switch r.IntN(12) {
		case 0:
			return types.Null
		case 1:
			return types.Int(int64(r.IntN(4)))
		case 2:
			return types.Float(float64(r.IntN(4)) + 0.5)
		case 3:
			return types.Array([]types.Value{types.String(words[r.IntN(2)])})
		case 4:
			return types.Object([]types.Field{{Name: "k", Value: types.Int(int64(r.IntN(3)))}})
		}
		return types.String(words[r.IntN(len(words))])
	}
	docs := make([]types.Value, 3000)
	for i := range docs {
		f := []types.Field{
			{Name: "_id", Value: types.String(fmt.Sprintf("d%04d", i))},
			{Name: "g", Value: types.String(fmt.Sprintf("g%d", r.IntN(4)))},
			{Name: "x", Value: types.Int(int64(r.IntN(100)))},
		}
		switch k := r.IntN(10); {
		case k == 0: // tags missing
		case k == 1:
			f = append(f, types.Field{Name: "tags", Value: types.Null})
		case k == 2:
			f = append(f, types.Field{Name: "tags", Value: types.String("not-an-array")})
		default:
			var tags []types.Value
			for range r.IntN(5) {
				tags = append(tags, elem())
			}
			f = append(f, types.Field{Name: "tags", Value: types.Array(tags)})
		}
		docs[i] = types.Object(f)
	}
	writeValues(t, eng, "t", docs[:2500], 500)
	if err := eng.Flush(ctx, "commons", "t"); err != nil {
		t.Fatal(err)
	}
	writeValues(t, eng, "t", docs[2500:], 500)
	var del []storage.WriteOp
	for i := 0; i < len(docs); i += 11 {
		del = append(del, storage.WriteOp{Kind: storage.OpDelete, ID: fmt.Sprintf("d%04d", i)})
	}
	if _, _, err := eng.Write(ctx, "commons", "t", del); err != nil {
		t.Fatal(err)
	}
	s := NewSession(eng, Limits{})
	for _, q := range []string{
		"SELECT tag, count(*) FROM t CROSS JOIN UNNEST(tags) AS u(tag) WHERE true %s GROUP BY tag",
		"SELECT tag, count(*), sum(x), min(g) FROM t CROSS JOIN UNNEST(tags) AS u(tag) WHERE x > 20 %s GROUP BY tag",
		"SELECT g, tag, count(*) FROM t CROSS JOIN UNNEST(tags) AS u(tag) WHERE true %s GROUP BY g, tag",
		"SELECT count(*), count(tag), count(DISTINCT tag) FROM t CROSS JOIN UNNEST(tags) AS u(tag) WHERE true %s",
		"SELECT tag, count(*) FROM t LEFT JOIN UNNEST(tags) AS u(tag) ON true WHERE true %s GROUP BY tag",
		"SELECT n, count(*), array_agg(tag ORDER BY tag) FROM t CROSS JOIN UNNEST(tags) WITH ORDINALITY AS u(tag, n) WHERE true %s GROUP BY n",
		"SELECT tag.k, count(*) FROM t CROSS JOIN UNNEST(tags) AS u(tag) WHERE g <> 'g1' %s GROUP BY tag.k",
		"SELECT upper(tag), count(*) FROM t CROSS JOIN UNNEST(tags) AS u(tag) WHERE true %s GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 3",
		"SELECT tag, count(*), max(x) FROM t CROSS JOIN UNNEST(tags) AS u(tag) WHERE tag <> 'red' AND x < 90 %s GROUP BY tag",
		"SELECT g, count(*) FROM t JOIN UNNEST(tags) AS u(tag) ON tag IN ('red', 'x') WHERE true %s GROUP BY g",
		"SELECT g, tag, count(*) FROM t LEFT JOIN UNNEST(tags) AS u(tag) ON tag = 'blue' WHERE true %s GROUP BY g, tag",
		"SELECT tag, count(*) FROM t LEFT JOIN UNNEST(tags) WITH ORDINALITY AS u(tag, n) ON n > 1 WHERE n IS NULL OR tag <> '' %s GROUP BY tag",
	} {
		fusedMatchesPlain(t, s, q, -1)
	}
	// The fused plan is the one that ran: its Unnest folded the elements
	// of the live rows, and the filter above it those not 'red'.
	res, err := s.Query(ctx, "EXPLAIN ANALYZE SELECT tag, count(*) FROM t CROSS JOIN UNNEST(tags) AS u(tag) WHERE tag <> 'red' GROUP BY tag", Params{})
	if err != nil {
		t.Fatal(err)
	}
	n, notRed := 0, 0
	for i, d := range docs {
		if tags := d.Get("tags"); tags.Kind() == types.KindArray && i%11 != 0 {
			n += tags.Len()
			for _, e := range tags.Elems() {
				// Another kind is <> 'red' too; NULL is not.
				if !e.IsNull() && !(e.Kind() == types.KindString && e.Str() == "red") {
					notRed++
				}
			}
		}
	}
	for _, want := range []string{fmt.Sprintf("Unnest tags#1 (rows=%d folded)", n), fmt.Sprintf("(rows=%d folded)", notRed)} {
		if !strings.Contains(rowsText(res), want) {
			t.Errorf("no %q in\n%s", want, rowsText(res))
		}
	}
}
