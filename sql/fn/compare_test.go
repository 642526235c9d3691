package fn

import (
	"math"
	"testing"

	"github.com/basaltdb/basalt/types"
)

func TestCompare(t *testing.T) {
	obj := func(kv ...any) types.Value {
		var fs []types.Field
		for k := 0; k < len(kv); k += 2 {
			fs = append(fs, types.Field{Name: kv[k].(string), Value: kv[k+1].(types.Value)})
		}
		return types.Object(fs)
	}
	nan := f(math.NaN())
	for _, c := range []struct {
		op   string
		a, b types.Value
		want types.Value
	}{
		{"=", i(1), i(1), b(true)},
		{"=", i(1), f(1.0), b(true)},
		{"<", i(1), f(1.5), b(true)},
		{"<>", i(1), i(2), b(true)},
		{"!=", i(1), i(1), b(false)},
		{">=", s("b"), s("a"), b(true)},
		{"<", s("B"), s("a"), b(true)}, // bytewise, as the C collation
		{"<", b(false), b(true), b(true)},
		{"<", ts("2024-01-01"), ts("2024-01-02"), b(true)},
		// NaN equals NaN and sorts above every number, as in PostgreSQL.
		{"=", nan, nan, b(true)},
		{">", nan, f(math.Inf(1)), b(true)},
		{"<", i(5), nan, b(true)},
		// Exact int/float comparison.
		{"<", i(math.MaxInt64), f(9223372036854775807.0), b(true)},
		// Incompatible kinds: false, and true for <>.
		{"=", s("1"), i(1), b(false)},
		{"<", s("1"), i(1), b(false)},
		{">", s("1"), i(1), b(false)},
		{"<>", s("1"), i(1), b(true)},
		{"!=", b(true), i(1), b(true)},
		{"=", ts("2024-01-01"), s("2024-01-01T00:00:00Z"), b(false)},
		// NULL and undefined.
		{"=", null, null, null},
		{"<>", i(1), undef, null},
		{"<", undef, s("x"), null},
		// Arrays element by element; objects in any field order.
		{"=", arr(i(1), i(2)), arr(i(1), f(2)), b(true)},
		{"<", arr(i(1), i(2)), arr(i(1), i(3)), b(true)},
		{"<", arr(i(1)), arr(i(1), i(0)), b(true)},
		{"=", obj("a", i(1), "b", i(2)), obj("b", i(2), "a", i(1)), b(true)},
		{"<>", obj("a", i(1)), obj("a", i(2)), b(true)},
		{"=", arr(obj("a", i(1), "b", i(2))), arr(obj("b", i(2), "a", f(1))), b(true)},
		{"<>", obj("a", arr(obj("x", i(1), "y", i(2)))), obj("a", arr(obj("y", i(2), "x", i(1)))), b(false)},
		{"=", obj("a", i(1)), obj("a", i(1), "b", null), b(false)},
		{"=", arr(i(1)), obj("a", i(1)), b(false)},
	} {
		if got := Compare(c.op, c.a, c.b); !same(got, c.want) {
			t.Errorf("%s %s %s = %s, want %s", show(c.a), c.op, show(c.b), show(got), show(c.want))
		}
	}
}

func TestAnyCompare(t *testing.T) {
	for _, c := range []struct {
		op     string
		v, arr types.Value
		want   types.Value
	}{
		// PostgreSQL: 1 = ANY('{2,NULL}') is NULL, 1 = ANY('{1,NULL}') true.
		{"=", i(1), arr(i(2), null), null},
		{"=", i(1), arr(i(1), null), b(true)},
		{"=", i(1), arr(i(2), i(3)), b(false)},
		{"=", null, arr(), b(false)},
		{"=", null, arr(i(1)), null},
		{"<>", i(1), arr(i(1), i(1)), b(false)},
		{"<", i(1), arr(i(0), i(5)), b(true)},
		{"=", i(1), arr(s("1")), b(false)},
		{"=", i(1), null, null},
		{"=", i(1), i(1), null},
	} {
		if got := AnyCompare(c.op, c.v, c.arr); !same(got, c.want) {
			t.Errorf("%s %s ANY(%s) = %s, want %s", show(c.v), c.op, show(c.arr), show(got), show(c.want))
		}
	}
}

// TestComparerMatchesCompare checks the resolved comparisons against
// Compare over pairs of values of every kind, equal and not, NaN, NULL
// and undefined among them.
func TestComparerMatchesCompare(t *testing.T) {
	vals := []types.Value{
		types.Undefined, types.Null, types.Bool(false), types.Bool(true),
		types.Int(-3), types.Int(0), types.Int(7), types.Int(math.MaxInt64),
		types.Float(-3), types.Float(0.5), types.Float(7), types.Float(math.NaN()), types.Float(math.Inf(1)),
		types.String(""), types.String("a"), types.String("b"), types.String("7"),
		types.Timestamp(0), types.Timestamp(1_700_000_000_000_000),
		types.Array([]types.Value{types.Int(1)}), types.Array([]types.Value{types.Int(1), types.Int(2)}),
		types.Object([]types.Field{{Name: "a", Value: types.Int(1)}}),
		types.Object([]types.Field{{Name: "a", Value: types.Float(1)}}),
	}
	if iv, err := IntervalValue(Interval{Days: 1}); err == nil {
		vals = append(vals, iv)
	}
	for _, op := range []string{"=", "<>", "!=", "<", "<=", ">", ">=", "~~"} {
		c := Comparer(op)
		for _, a := range vals {
			for _, b := range vals {
				got, want := c(a, b), Compare(op, a, b)
				if got.Kind() != want.Kind() || (got.Kind() == types.KindBool && got.Bool() != want.Bool()) {
					t.Errorf("%s %s %s: Comparer %s, Compare %s", a.JSON(), op, b.JSON(), got.JSON(), want.JSON())
				}
			}
		}
	}
}
