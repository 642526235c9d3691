package sql

import (
	"context"
	"fmt"
	"testing"

	"github.com/basaltdb/basalt/types"
)

// TestWholeDocumentRowsOutliveWrites: rows of documents read whole (a
// lookup by _id, a needle) share the bytes they were decoded from rather
// than copies. Rows read from the mutable segment, and from a sealed
// segment's row block, must read the same after more writes, a seal, a
// replace of the same documents and reads of others.
func TestWholeDocumentRowsOutliveWrites(t *testing.T) {
	ctx := context.Background()
	eng := openTestEngine(t, 1000, "t")
	doc := func(i int, tag string) types.Value {
		return types.Object([]types.Field{
			{Name: "_id", Value: types.String(fmt.Sprintf("d%d", i))},
			{Name: "s", Value: types.String(fmt.Sprintf("%s-string-%d", tag, i))},
			{Name: "o", Value: types.Object([]types.Field{{Name: "a", Value: types.Array([]types.Value{types.String(tag), types.Int(int64(i))})}})},
		})
	}
	var docs []types.Value
	for i := range 1500 {
		docs = append(docs, doc(i, "first"))
	}
	writeValues(t, eng, "t", docs[:1000], 500) // sealed at 1,000 rows
	writeValues(t, eng, "t", docs[1000:], 500) // mutable
	s := NewSession(eng, Limits{})
	queries := []string{
		"SELECT * FROM t WHERE _id = 'd3'",
		"SELECT * FROM t WHERE _id = 'd1203'",
		"SELECT s, o FROM t WHERE _id IN ('d7', 'd1207')",
	}
	var held []*Result
	var want []string
	for _, q := range queries {
		res, err := s.Query(ctx, q, Params{})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Rows) == 0 {
			t.Fatalf("%s: no rows", q)
		}
		held, want = append(held, res), append(want, rowsText(res))
	}
	var again []types.Value
	for i := range 1500 {
		again = append(again, doc(i, "later"))
	}
	writeValues(t, eng, "t", again, 500)
	if err := eng.Flush(ctx, "commons", "t"); err != nil {
		t.Fatal(err)
	}
	writeValues(t, eng, "t", docs, 500)
	// Other documents read whole since, from other row blocks.
	for _, id := range []string{"d500", "d999", "d1400", "d20"} {
		if _, err := s.Query(ctx, "SELECT * FROM t WHERE _id = '"+id+"'", Params{}); err != nil {
			t.Fatal(err)
		}
	}
	for i, res := range held {
		if got := rowsText(res); got != want[i] {
			t.Errorf("%s: the row changed after writes:\n%s\nwas\n%s", queries[i], got, want[i])
		}
	}
}
