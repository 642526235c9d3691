package types

import (
	"math"
	"math/big"
	"math/rand/v2"
	"slices"
	"testing"
)

func sign(c int) int {
	switch {
	case c < 0:
		return -1
	case c > 0:
		return 1
	}
	return 0
}

// exactCmp compares two finite numbers with big.Float, the oracle for
// int/float comparisons.
func exactCmp(a, b Value) int {
	toBig := func(v Value) *big.Float {
		if v.Kind() == KindInt {
			return new(big.Float).SetInt64(v.Int())
		}
		return big.NewFloat(v.Float())
	}
	return toBig(a).Cmp(toBig(b))
}

func TestCompareNumbersExact(t *testing.T) {
	nan := Float(math.NaN())
	for _, tc := range []struct {
		a, b Value
		want int
	}{
		{Int(1), Float(1), 0},
		{Int(1<<53 + 1), Float(1 << 53), 1},
		{Int(1<<53 + 1), Float(1<<53 + 2), -1},
		{Int(1<<53 + 3), Float(1<<53 + 4), -1},
		{Int(-1<<53 - 1), Float(-1 << 53), -1},
		{Int(math.MaxInt64), Float(1 << 63), -1},
		{Int(math.MaxInt64), Float(math.Nextafter(1<<63, 0)), 1},
		{Int(math.MaxInt64 - 1022), Float(math.Nextafter(1<<63, 0)), 1},
		{Int(math.MaxInt64 - 1023), Float(math.Nextafter(1<<63, 0)), 0}, // 2^63-1024
		{Int(math.MaxInt64 - 1024), Float(math.Nextafter(1<<63, 0)), -1},
		{Int(math.MinInt64), Float(-1 << 63), 0},
		{Int(math.MinInt64), Float(math.Nextafter(-1<<63, math.Inf(-1))), 1},
		{Int(math.MinInt64 + 1), Float(-1 << 63), 1},
		{Int(0), Float(math.Copysign(0, -1)), 0},
		{Float(0), Float(math.Copysign(0, -1)), 0},
		{Int(2), Float(2.5), -1},
		{Int(-2), Float(-2.5), 1},
		{Int(-3), Float(-2.5), -1},
		{Int(math.MaxInt64), Float(math.Inf(1)), -1},
		{Int(math.MinInt64), Float(math.Inf(-1)), 1},
		{nan, Float(math.Inf(-1)), 1}, // NaN is above every number, as in PostgreSQL
		{nan, Float(math.Inf(1)), 1},
		{nan, Int(math.MinInt64), 1},
		{nan, Int(math.MaxInt64), 1},
		{nan, nan, 0},
		{nan, Float(math.Float64frombits(0xfff8000000000001)), 0},
		{Int(1), Int(2), -1},
		{Float(1e300), Int(math.MaxInt64), 1},
	} {
		if got := Compare(tc.a, tc.b); got != tc.want {
			t.Errorf("Compare(%s, %s) = %d, want %d", debug(tc.a), debug(tc.b), got, tc.want)
		}
		if got := Compare(tc.b, tc.a); got != -tc.want {
			t.Errorf("Compare(%s, %s) = %d, want %d", debug(tc.b), debug(tc.a), got, -tc.want)
		}
	}
}

func TestCompareNumbersRandom(t *testing.T) {
	r := newRand(t)
	for range 100000 {
		a, b := randNumber(r), randNumber(r)
		if math.IsNaN(a.Float()) || math.IsNaN(b.Float()) {
			continue
		}
		if got, want := Compare(a, b), exactCmp(a, b); got != want {
			t.Fatalf("Compare(%s, %s) = %d, want %d", debug(a), debug(b), got, want)
		}
	}
}

func randNumber(r *rand.Rand) Value {
	if r.IntN(2) == 0 {
		return Int(randInt(r))
	}
	return Float(randFloat(r, false))
}

func TestCompareKindOrder(t *testing.T) {
	ordered := []Value{
		Undefined, Null, Bool(false), Bool(true), Float(math.Inf(-1)), Int(math.MinInt64),
		Float(-1.5), Int(-1), Int(0), Float(0.5), Int(1), Float(math.Inf(1)), Float(math.NaN()),
		String(""), String("A"), String("a"), String("a\x00"), String("ab"), String("é"),
		Timestamp(math.MinInt64), Timestamp(0), Timestamp(1),
		Array(nil), Array([]Value{Null}), Array([]Value{Int(1)}), Array([]Value{Int(1), Null}), Array([]Value{Int(2)}),
		Object(nil), Object([]Field{{"a", Int(2)}}), Object([]Field{{"a", Int(2)}, {"b", Null}}), Object([]Field{{"b", Int(1)}}),
	}
	for i, a := range ordered {
		for j, b := range ordered {
			if got, want := Compare(a, b), sign(i-j); got != want {
				t.Errorf("Compare(%s, %s) = %d, want %d", debug(a), debug(b), got, want)
			}
		}
	}
}

// compareTotalOrderPool draws from a small pool so that ties and near-ties
// are frequent.
func comparePool(r *rand.Rand) []Value {
	var pool []Value
	for range 60 {
		pool = append(pool, randValue(r, 2, genOpts{}))
	}
	for range 40 {
		pool = append(pool, randNumber(r))
	}
	// Mixed-kind containers equal under int/float equality.
	pool = append(pool,
		Array([]Value{Int(1), String("x")}), Array([]Value{Float(1), String("x")}),
		Object([]Field{{"a", Int(1)}}), Object([]Field{{"a", Float(1)}}),
	)
	return pool
}

func TestCompareTotalOrder(t *testing.T) {
	r := newRand(t)
	pool := comparePool(r)
	for _, a := range pool {
		if Compare(a, a) != 0 {
			t.Fatalf("Compare(%s, itself) != 0", debug(a))
		}
		for _, b := range pool {
			if Compare(a, b) != -Compare(b, a) {
				t.Fatalf("not antisymmetric: %s vs %s", debug(a), debug(b))
			}
		}
	}
	for range 200000 {
		a, b, c := pool[r.IntN(len(pool))], pool[r.IntN(len(pool))], pool[r.IntN(len(pool))]
		ab, bc, ac := Compare(a, b), Compare(b, c), Compare(a, c)
		if ab <= 0 && bc <= 0 && ac > 0 || ab >= 0 && bc >= 0 && ac < 0 {
			t.Fatalf("not transitive: %s ? %s ? %s: %d %d %d", debug(a), debug(b), debug(c), ab, bc, ac)
		}
		if ab == 0 && bc == 0 && ac != 0 {
			t.Fatalf("equality not transitive: %s %s %s", debug(a), debug(b), debug(c))
		}
	}
	// A sorted slice must be ordered pairwise, not only neighbour to neighbour.
	s := slices.Clone(pool)
	slices.SortFunc(s, Compare)
	for i := range s {
		for j := i + 1; j < len(s); j++ {
			if Compare(s[i], s[j]) > 0 {
				t.Fatalf("sorted %s before %s", debug(s[i]), debug(s[j]))
			}
		}
	}
}

func TestEqual(t *testing.T) {
	nan := Float(math.NaN())
	for _, tc := range []struct {
		a, b Value
		want bool
	}{
		{Int(1), Float(1), true},
		{Int(1<<53 + 1), Float(1 << 53), false},
		{Int(math.MaxInt64), Float(1 << 63), false},
		{Float(0), Float(math.Copysign(0, -1)), true},
		{nan, nan, false}, // NaN is no number, so it equals nothing
		{Array([]Value{nan}), Array([]Value{nan}), false},
		{Undefined, Undefined, true},
		{Null, Null, true},
		{Null, Undefined, false},
		{Bool(true), Int(1), false},
		{String("1"), Int(1), false},
		{Timestamp(5), Int(5), false},
		{Timestamp(5), Timestamp(5), true},
		{String("\u00e9"), String("e\u0301"), false}, // bytewise, no normalization
		{Array([]Value{Int(1), Float(2)}), Array([]Value{Float(1), Int(2)}), true},
		{Array([]Value{Int(1)}), Array([]Value{Int(1), Int(1)}), false},
		{Array([]Value{Int(1), Int(2)}), Array([]Value{Int(2), Int(1)}), false},
		{
			Object([]Field{{"a", Int(1)}, {"b", Array([]Value{String("x")})}}),
			Object([]Field{{"b", Array([]Value{String("x")})}, {"a", Float(1)}}),
			true,
		},
		{Object([]Field{{"a", Int(1)}}), Object([]Field{{"a", Int(1)}, {"b", Int(1)}}), false},
		{Object([]Field{{"a", Int(1)}, {"b", Int(1)}}), Object([]Field{{"a", Int(1)}, {"c", Int(1)}}), false},
		{Object([]Field{{"a", Null}}), Object([]Field{{"b", Null}}), false},
		{Object(nil), Array(nil), false},
	} {
		if got := Equal(tc.a, tc.b); got != tc.want {
			t.Errorf("Equal(%s, %s) = %v, want %v", debug(tc.a), debug(tc.b), got, tc.want)
		}
		if got := Equal(tc.b, tc.a); got != tc.want {
			t.Errorf("Equal(%s, %s) = %v, want %v", debug(tc.b), debug(tc.a), got, tc.want)
		}
	}
}

// TestEqualAgreesWithCompare: for values without objects and NaN, Equal is
// Compare == 0.
func TestEqualAgreesWithCompare(t *testing.T) {
	r := newRand(t)
	pool := comparePool(r)
	hasObjOrNaN := func(v Value) bool {
		var walk func(Value) bool
		walk = func(v Value) bool {
			switch v.Kind() {
			case KindObject:
				return true
			case KindFloat:
				return math.IsNaN(v.Float())
			case KindArray:
				return slices.ContainsFunc(v.Elems(), walk)
			}
			return false
		}
		return walk(v)
	}
	for _, a := range pool {
		for _, b := range pool {
			if hasObjOrNaN(a) || hasObjOrNaN(b) {
				continue
			}
			if Equal(a, b) != (Compare(a, b) == 0) {
				t.Fatalf("Equal(%s, %s) = %v but Compare = %d", debug(a), debug(b), Equal(a, b), Compare(a, b))
			}
		}
	}
}
