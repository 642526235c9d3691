package sql

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/basaltdb/basalt/sql/sqlerr"
	"github.com/basaltdb/basalt/types"
)

// TestTypedAggregates checks MIN, MAX and AVG folded from typed vectors
// (ints, floats, timestamps read as int64 and float64) against the same
// aggregates of an expression, which fold value by value: blocks of ints,
// of floats (NaN, which orders above every number, and -0 among them),
// of both, and of nulls, grouped and not, sealed and in the mutable
// segment.
func TestTypedAggregates(t *testing.T) {
	ctx := context.Background()
	eng := openTestEngine(t, 16384, "t") // segments of two whole blocks
	r := rand.New(rand.NewPCG(21, 22))
	docs := make([]types.Value, 30000)
	for i := range docs {
		f := []types.Field{
			{Name: "_id", Value: types.String(fmt.Sprintf("d%05d", i))},
			{Name: "k", Value: types.String(fmt.Sprint("g", r.IntN(7)))},
			{Name: "ts", Value: types.Timestamp(1_700_000_000_000_000 + r.Int64N(1e12))},
		}
		var x types.Value
		switch block := i / 8192; { // a kind (or a mix) per block
		case block%4 == 0:
			x = types.Int(r.Int64N(2000) - 1000)
		case block%4 == 1:
			x = types.Float(r.Float64()*2000 - 1000)
			if r.IntN(3000) == 0 {
				x = types.Float(math.NaN())
			} else if r.IntN(3000) == 0 {
				x = types.Float(math.Copysign(0, -1))
			}
		case block%4 == 2:
			x = []types.Value{types.Int(r.Int64N(5000)), types.Float(r.Float64() * 5000), types.Null}[r.IntN(3)]
		default:
			x = types.Null
		}
		f = append(f, types.Field{Name: "x", Value: x})
		docs[i] = types.Object(f)
	}
	writeValues(t, eng, "t", docs[:24576], 1024)
	if err := eng.Flush(ctx, "commons", "t"); err != nil {
		t.Fatal(err)
	}
	writeValues(t, eng, "t", docs[24576:], 1000)
	s := NewSession(eng, Limits{})
	for _, q := range []string{
		"SELECT k, min(%[1]s), max(%[1]s), avg(%[1]s), stddev(%[1]s), min(%[2]s), max(%[2]s) FROM t GROUP BY k ORDER BY k",
		"SELECT min(%[1]s), max(%[1]s), avg(%[1]s), min(%[2]s), max(%[2]s) FROM t",
		"SELECT min(%[1]s), max(%[1]s), avg(%[1]s) FROM t WHERE _id < 'd08000'",
	} {
		typed, err := s.Query(ctx, fmt.Sprintf(q, "x", "ts"), Params{})
		if err != nil {
			t.Fatal(err)
		}
		byValue, err := s.Query(ctx, fmt.Sprintf(q, "CASE WHEN true THEN x END", "CASE WHEN true THEN ts END"), Params{})
		if err != nil {
			t.Fatal(err)
		}
		if !sameValues(typed.Rows, byValue.Rows) {
			t.Errorf("%s\ntyped:\n%s\nvalue by value:\n%s", q, rowsText(typed), rowsText(byValue))
		}
	}
}

// sameValues compares rows value by value, floats to a relative 1e-12: the
// partial sums of AVG and STDDEV merge in an order that depends on the
// plan's workers.
func sameValues(a, b [][]types.Value) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if len(a[i]) != len(b[i]) {
			return false
		}
		for j, x := range a[i] {
			y := b[i][j]
			if x.Kind() == types.KindFloat && y.Kind() == types.KindFloat {
				f, g := x.Float(), y.Float()
				if f == g || math.IsNaN(f) && math.IsNaN(g) || math.Abs(f-g) <= 1e-12*math.Max(math.Abs(f), math.Abs(g)) {
					continue
				}
				return false
			}
			if types.Compare(x, y) != 0 || x.Kind() != y.Kind() {
				return false
			}
		}
	}
	return true
}

// TestGroupsByIDs checks GROUP BY of several keys found by fixed-size ids
// (strings numbered per worker, dictionary entries once a block, ints,
// bools, timestamps, date_trunc of a column, null and missing keys, and a
// key that is sometimes a float, which takes the encoded way) against the
// same grouping by an aggregate the executor folds row by row
// (string_agg of two arguments keeps it off the vectors), groups in the
// same order, sealed and in the mutable segment.
func TestGroupsByIDs(t *testing.T) {
	ctx := context.Background()
	eng := openTestEngine(t, 16384, "t")
	r := rand.New(rand.NewPCG(23, 24))
	docs := make([]types.Value, 40000)
	for i := range docs {
		f := []types.Field{
			{Name: "_id", Value: types.String(fmt.Sprintf("d%05d", i))},
			{Name: "_event_time", Value: types.Timestamp(1_700_000_000_000_000 + int64(i)*200_000_000)},
			{Name: "c", Value: types.String(fmt.Sprint("c", r.IntN(30)))},
			{Name: "u", Value: types.String(fmt.Sprint("u", r.IntN(5000)))},
			{Name: "n", Value: types.Int(int64(r.IntN(4)))},
			{Name: "b", Value: types.Bool(r.IntN(2) == 0)},
		}
		switch r.IntN(10) {
		case 0: // m missing
		case 1:
			f = append(f, types.Field{Name: "m", Value: types.Null})
		case 2:
			f = append(f, types.Field{Name: "m", Value: types.Float(float64(r.IntN(3)) + []float64{0, 0.5}[r.IntN(2)])})
		default:
			f = append(f, types.Field{Name: "m", Value: types.Int(int64(r.IntN(3)))})
		}
		docs[i] = types.Object(f)
	}
	writeValues(t, eng, "t", docs[:32768], 1024)
	if err := eng.Flush(ctx, "commons", "t"); err != nil {
		t.Fatal(err)
	}
	writeValues(t, eng, "t", docs[32768:], 1000)
	s := NewSession(eng, Limits{})
	for _, keys := range []string{
		"c, n", "u, c", "c, b, n", "date_trunc('hour', _event_time), c",
		"c, date_trunc('day', _event_time), n, b", "c, m", "m, lower(c)", "n, u",
	} {
		q := "SELECT " + keys + ", count(*)%s FROM t GROUP BY " + keys
		byIDs, err := s.Query(ctx, fmt.Sprintf(q, ""), Params{})
		if err != nil {
			t.Fatal(err)
		}
		byRow, err := s.Query(ctx, fmt.Sprintf(q, ", string_agg('', '')"), Params{})
		if err != nil {
			t.Fatal(err)
		}
		if len(byIDs.Rows) != len(byRow.Rows) || len(byIDs.Rows) < 4 {
			t.Fatalf("GROUP BY %s: %d groups, by rows %d", keys, len(byIDs.Rows), len(byRow.Rows))
		}
		for i, row := range byIDs.Rows {
			if got, want := fmt.Sprint(row), fmt.Sprint(byRow.Rows[i][:len(row)]); got != want {
				t.Fatalf("GROUP BY %s: group %d is %s, by rows %s", keys, i, got, want)
			}
		}
	}
	// A grouping by ids is held to the memory budget (its groups, and its
	// tables of ids and strings).
	small := NewSession(eng, Limits{MemoryBytes: 256 << 10})
	if _, err := small.Query(ctx, "SELECT u, n, count(*) FROM t GROUP BY u, n", Params{}); sqlerr.CodeOf(err) != sqlerr.OutOfMemory {
		t.Errorf("20,000 groups of ids in a budget of 256 KiB: %v, want 53200", err)
	}
}
