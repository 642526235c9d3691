package exec

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/basaltdb/basalt/types"
)

// TestCountDistinct checks COUNT(DISTINCT) against a set of encoded keys,
// through compactions, merges of partial states, and values of every kind
// (1 and 1.0 are one value, "1" another; NULL is not counted).
func TestCountDistinct(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	value := func() types.Value {
		switch r.IntN(8) {
		case 0:
			return types.Float(float64(r.IntN(500)))
		case 1:
			return types.Float(float64(r.IntN(500)) + 0.5)
		case 2:
			return types.Null
		case 3:
			return types.Bool(r.IntN(2) == 0)
		case 4:
			return types.Array([]types.Value{types.Int(int64(r.IntN(3)))})
		case 5, 6:
			return types.String(fmt.Sprint(r.IntN(150_000)))
		}
		return types.Int(int64(r.IntN(150_000)))
	}
	for _, n := range []int{0, 10, 5_000, 300_000, 300_001} {
		parts := []*countDistinctAcc{newCountDistinctAcc(), newCountDistinctAcc(), newCountDistinctAcc()}
		want := map[string]bool{}
		for i := range n {
			v := value()
			if err := parts[i%len(parts)].add([]types.Value{v}); err != nil {
				t.Fatal(err)
			}
			if !isNull(v) {
				want[string(appendKey(nil, v))] = true
			}
		}
		// Finished (compacted) parts merge linearly, others by appending:
		// one of each, whatever the order.
		parts[1].finish()
		if n%2 == 0 {
			parts[0].finish()
		}
		parts[0].merge(parts[1])
		parts[0].merge(parts[2])
		got, err := parts[0].result()
		if err != nil {
			t.Fatal(err)
		}
		if got.Int() != int64(len(want)) {
			t.Errorf("n=%d: COUNT(DISTINCT) = %d, want %d", n, got.Int(), len(want))
		}
	}
}

// TestCountDistinctCompactions compacts at random points, so that merges
// into the unique keys run both in place (with and without keys found in
// both) and into a grown buffer, and checks the keys after each: sorted,
// unique, and as many as the distinct values added.
func TestCountDistinctCompactions(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	a := newCountDistinctAcc()
	seen := map[int]bool{}
	next := 1 + r.IntN(30_000)
	for i := range 250_000 {
		v := r.IntN(90_000)
		if i > 150_000 {
			v += 60_000 // new values and old ones
		}
		seen[v] = true
		if err := a.addKey(stringKey(fmt.Sprint(v))); err != nil {
			t.Fatal(err)
		}
		if i != next {
			continue
		}
		next += 1 + r.IntN(30_000)
		a.compact()
		for j := 1; j < len(a.keys); j++ {
			if cmpKey(a.keys[j-1], a.keys[j]) >= 0 {
				t.Fatalf("after %d keys: keys %d and %d out of order", i+1, j-1, j)
			}
		}
		if len(a.keys) != len(seen) {
			t.Fatalf("after %d keys: %d unique, want %d", i+1, len(a.keys), len(seen))
		}
	}
}

// TestSortKeys checks the radix sort against a comparison sort, for
// hashed keys, mixed integers, and keys sharing their top bytes.
// TestSortUniqueKeys compares the sort with slices.SortFunc and
// slices.Compact over hashed strings, integers, and keys that share their
// first word's top bits (long runs for the insertion sort).
func TestSortUniqueKeys(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for _, n := range []int{0, 3, 4095, 4096, 70_000} {
		for shape := range 3 {
			keys := make([][2]uint64, n)
			for i := range keys {
				switch shape {
				case 0:
					keys[i] = stringKey(fmt.Sprint(r.IntN(n/2 + 1)))
				case 1:
					keys[i] = intKey(int64(r.IntN(n/3+1)) - 5)
				default:
					keys[i] = [2]uint64{uint64(r.IntN(4)) << 50, uint64(r.IntN(1000))}
				}
			}
			want := slices.Clone(keys)
			slices.SortFunc(want, cmpKey)
			u := sortUniqueKeys(keys, make([][2]uint64, n))
			if want = slices.Compact(want); !slices.Equal(keys[:u], want) {
				t.Fatalf("n=%d shape %d: %d unique keys, want %d", n, shape, u, len(want))
			}
		}
	}
}

// BenchmarkSortUniqueKeys sorts 200,000 hashed keys, the keys of one
// group of the query benchmark's COUNT(DISTINCT user_id), keeping each once.
func BenchmarkSortUniqueKeys(b *testing.B) {
	r := rand.New(rand.NewPCG(5, 6))
	src := make([][2]uint64, 200_000)
	for i := range src {
		src[i] = stringKey(fmt.Sprintf("u%07d", r.IntN(200_000)))
	}
	keys, tmp := make([][2]uint64, len(src)), make([][2]uint64, len(src))
	b.ResetTimer()
	for range b.N {
		copy(keys, src)
		sortUniqueKeys(keys, tmp)
	}
}

// BenchmarkCountDistinctGroup adds 400,000 hashed keys of 200,000 values
// to one COUNT(DISTINCT) state, as one worker's biggest group of the query
// benchmark's COUNT(DISTINCT user_id) by event type, and counts them.
func BenchmarkCountDistinctGroup(b *testing.B) {
	r := rand.New(rand.NewPCG(5, 6))
	src := make([][2]uint64, 400_000)
	want := map[[2]uint64]bool{}
	for i := range src {
		src[i] = stringKey(fmt.Sprintf("u%07d", r.IntN(200_000)))
		want[src[i]] = true
	}
	b.ResetTimer()
	for range b.N {
		a := newCountDistinctAcc()
		for _, k := range src {
			if err := a.addKey(k); err != nil {
				b.Fatal(err)
			}
		}
		a.finish()
		if v, _ := a.result(); v.Int() != int64(len(want)) {
			b.Fatalf("%d distinct, want %d", v.Int(), len(want))
		}
	}
}
