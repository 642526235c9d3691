package coldata

import (
	"math/rand/v2"
	"testing"

	"github.com/basaltdb/basalt/types"
)

// TestVecAppend builds Vecs from random sequences of values and runs of
// undefined rows, and checks every row reads back with its kind and value,
// across the uniform-to-mixed switch and slice growth.
func TestVecAppend(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	gen := func() types.Value {
		switch rng.IntN(7) {
		case 0:
			return types.Int(rng.Int64())
		case 1:
			return types.Float(rng.Float64())
		case 2:
			return types.String(string(rune('a' + rng.IntN(26))))
		case 3:
			return types.Bool(rng.IntN(2) == 0)
		case 4:
			return types.Timestamp(rng.Int64N(1e15))
		case 5:
			return types.Null
		}
		return types.Array([]types.Value{types.Int(1)})
	}
	for round := 0; round < 200; round++ {
		var v Vec
		var want []types.Value
		uniform := round%3 == 0
		first := gen()
		for i := rng.IntN(300); i >= 0; i-- {
			if rng.IntN(5) == 0 {
				n := rng.IntN(20)
				v.AppendUndefined(n)
				for range n {
					want = append(want, types.Undefined)
				}
				continue
			}
			x := gen()
			if uniform {
				x = first
			}
			v.Append(x)
			want = append(want, x)
		}
		if v.Len() != len(want) {
			t.Fatalf("round %d: %d rows, want %d", round, v.Len(), len(want))
		}
		for i, w := range want {
			got := v.Value(i)
			if got.Kind() != w.Kind() || (w.Kind() != types.KindUndefined && !types.Equal(got, w) && w.Kind() != types.KindNull) {
				t.Fatalf("round %d row %d: %s (%s), want %s (%s)", round, i, got, got.Kind(), w, w.Kind())
			}
		}
		v.Reset()
		if v.Len() != 0 {
			t.Fatal("Reset left rows")
		}
	}
}
