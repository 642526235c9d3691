package sql

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/basaltdb/basalt/sql/parse"
	"github.com/basaltdb/basalt/storage"
	"github.com/basaltdb/basalt/types"
)

// TestStarHidesMeta: the reserved _meta field (where a rollup keeps its
// aggregate states) is not one of the columns of `*`, `t.*` or DESCRIBE,
// in the mutable segment and once sealed; naming it still reads it.
// Documents get a _meta only from a fold (writes of _meta are refused), as
// a rollup's do.
func TestStarHidesMeta(t *testing.T) {
	ctx := context.Background()
	eng := openTestEngine(t, 0, "roll")
	var ops []storage.WriteOp
	for _, g := range []struct {
		id string
		n  int64
	}{{"a", 2}, {"b", 5}} {
		doc := types.Object([]types.Field{
			{Name: "k", Value: types.String(g.id)},
			{Name: "n", Value: types.Int(g.n)},
			{Name: storage.FieldMeta, Value: types.Object([]types.Field{{Name: "rollup", Value: types.Array([]types.Value{types.Int(g.n)})}})},
		})
		ops = append(ops, storage.WriteOp{Kind: storage.OpFold, ID: g.id, Fold: func(types.Value, bool) (types.Value, error) { return doc, nil }})
	}
	res, _, err := eng.Write(ctx, "commons", "roll", ops)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res {
		if r.Err != nil {
			t.Fatal(r.Err.Message)
		}
	}
	s := NewSession(eng, Limits{})
	cols := func(q string) []string {
		t.Helper()
		res, err := s.Query(ctx, q, Params{})
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		var out []string
		for _, c := range res.Columns {
			out = append(out, c.Name)
		}
		return out
	}
	for _, where := range []string{"mutable", "sealed"} {
		if where == "sealed" {
			if err := eng.Flush(ctx, "commons", "roll"); err != nil {
				t.Fatal(err)
			}
		}
		want := []string{"_id", "_event_time", "k", "n"}
		for _, q := range []string{
			"SELECT * FROM roll",
			"SELECT r.* FROM roll r",
			"SELECT * FROM (SELECT * FROM roll) s",
		} {
			if got := cols(q); !slices.Equal(got, want) {
				t.Errorf("%s: %s: columns %v, want %v", where, q, got, want)
			}
		}
		stmt, err := parse.ParseOne("SELECT * FROM roll")
		if err != nil {
			t.Fatal(err)
		}
		described, err := s.Describe(ctx, stmt, Params{})
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, c := range described {
			names = append(names, c.Name)
		}
		if !slices.Equal(names, want) {
			t.Errorf("%s: Describe of SELECT *: %v, want %v", where, names, want)
		}
		d, err := s.Query(ctx, "DESCRIBE roll", Params{})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range d.Rows {
			if strings.Contains(r[0].String(), "_meta") {
				t.Errorf("%s: DESCRIBE shows %s", where, r[0])
			}
		}
		if len(d.Rows) == 0 {
			t.Errorf("%s: DESCRIBE shows nothing", where)
		}
		// Named, it is there.
		got, err := s.Query(ctx, "SELECT k, _meta.rollup[1] AS s FROM roll ORDER BY k", Params{})
		if err != nil {
			t.Fatal(err)
		}
		if len(got.Rows) != 2 || got.Rows[0][1].String() != "2" || got.Rows[1][1].String() != "5" {
			t.Errorf("%s: _meta.rollup named: %v", where, got.Rows)
		}
	}
}
