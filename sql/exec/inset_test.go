package exec

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/basaltdb/basalt/types"
)

// TestInSetMatchesRowIn checks the hashed [NOT] IN against the nested
// loop (rowIn) it replaces, on random rows whose elements are NULL,
// undefined, ints, equal floats (2 and 2.0), NaN, strings and arrays, so
// that true, false and NULL answers all occur.
func TestInSetMatchesRowIn(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	val := func() types.Value {
		switch r.IntN(10) {
		case 0:
			return types.Null
		case 1:
			return types.Value{} // undefined
		case 2:
			return types.Float(float64(r.IntN(4)))
		case 3:
			return types.Float(math.NaN())
		case 4:
			return types.String([]string{"a", "b"}[r.IntN(2)])
		case 5:
			return types.Array([]types.Value{types.Int(int64(r.IntN(2))), types.Null})
		case 6:
			return types.Float(1 << 62)
		case 7:
			return types.Int(1 << 62)
		}
		return types.Int(int64(r.IntN(4)))
	}
	row := func(n int) Row {
		out := make(Row, n)
		for i := range out {
			out[i] = val()
		}
		return out
	}
	counts := map[string]int{}
	for n := 1; n <= 3; n++ {
		for range 200 {
			rows := make([]Row, 1+r.IntN(40))
			for i := range rows {
				rows[i] = row(n)
			}
			s := newInSet(rows, n)
			for range 20 {
				x := row(n)
				for _, not := range []bool{false, true} {
					want := rowIn(x, rows, not)
					got, _ := s.in(x, not)
					if types.Compare(got, want) != 0 || got.Kind() != want.Kind() {
						t.Fatalf("%v IN %v (not=%v): hashed %v, nested loop %v", x, rows, not, got, want)
					}
					counts[want.String()]++
				}
			}
		}
	}
	for _, k := range []string{"true", "false", "null"} {
		if counts[k] == 0 {
			t.Errorf("no %s answer among %v", k, counts)
		}
	}
}
