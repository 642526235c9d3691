package index

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/basaltdb/basalt/coldata"
	"github.com/basaltdb/basalt/types"
)

// TestZoneOfMatchesAdd: the typed summary equals adding values one by one.
func TestZoneOfMatchesAdd(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	gens := []func() types.Value{
		func() types.Value { return types.Int(rng.Int64N(1000) - 500) },
		func() types.Value { return types.Timestamp(rng.Int64N(1e12)) },
		func() types.Value { return types.Bool(rng.IntN(2) == 0) },
		func() types.Value {
			if rng.IntN(20) == 0 {
				return types.Float(math.NaN())
			}
			return types.Float(rng.NormFloat64())
		},
		func() types.Value {
			return types.String(string(rune('a'+rng.IntN(26))) + string(make([]byte, rng.IntN(100))))
		},
		func() types.Value { return types.Null },
		func() types.Value { return types.Array(nil) },
	}
	for round := 0; round < 300; round++ {
		g := gens[round%len(gens)]
		n := 1 + rng.IntN(300)
		var v coldata.Vec
		var want Zone
		mixed := round%5 == 0
		for i := 0; i < n; i++ {
			x := g()
			if mixed && rng.IntN(4) == 0 {
				x = gens[rng.IntN(len(gens))]()
			}
			v.Append(x)
			want.Add(x)
		}
		got := ZoneOf(&v)
		if !sameZone(got, want) {
			t.Fatalf("round %d: ZoneOf %+v, Add %+v", round, got, want)
		}
	}
}

func sameZone(a, b Zone) bool {
	eq := func(x, y types.Value) bool {
		if x.Kind() != y.Kind() {
			return false
		}
		if x.Kind() == types.KindFloat && math.IsNaN(x.Float()) {
			return math.IsNaN(y.Float())
		}
		return types.Compare(x, y) == 0
	}
	return eq(a.Min, b.Min) && eq(a.Max, b.Max) && a.Nulls == b.Nulls && a.Undefined == b.Undefined && a.Nested == b.Nested
}
