package memseg

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/RoaringBitmap/roaring/v2"
	"github.com/basaltdb/basalt/index"
	"github.com/basaltdb/basalt/types"
)

// TestElemPostingsIncremental interleaves appends with membership lookups,
// whose postings are built by the first lookup and extended by later ones,
// from snapshots older and newer than what is indexed, against brute force.
func TestElemPostingsIncremental(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 9))
	s := New()
	var tags [][]types.Value
	elem := func() types.Value {
		switch rng.IntN(4) {
		case 0:
			return types.Int(int64(rng.IntN(5)))
		case 1:
			return types.Float(float64(rng.IntN(5)))
		case 2:
			return types.Array([]types.Value{types.String("nested")})
		}
		return types.String(fmt.Sprintf("t%d", rng.IntN(8)))
	}
	for round := range 12 {
		n := 1 + rng.IntN(300)
		docs := make([]types.Value, n)
		ids := make([]uint64, n)
		ets := make([]int64, n)
		for i := range docs {
			var arr []types.Value
			for range rng.IntN(4) {
				arr = append(arr, elem())
			}
			f := []types.Field{{Name: "x", Value: types.Int(1)}}
			if rng.IntN(5) > 0 {
				f = append(f, types.Field{Name: "tags", Value: types.Array(arr)})
			}
			docs[i] = types.Object(f)
			ids[i] = uint64(len(tags) + i + 1)
			if len(f) == 1 {
				arr = nil
			}
			tags = append(tags, nil)
			tags[len(tags)-1] = arr
		}
		if _, err := s.Append(docs, ids, ets); err != nil {
			t.Fatal(err)
		}
		for k := range 6 {
			visible := len(tags) - rng.IntN(min(len(tags), 100))
			vals := []types.Value{elem()}
			if k%2 == 1 {
				vals = append(vals, elem())
			}
			p := index.In(vals...)
			if len(vals) == 1 {
				p = index.Eq(vals[0])
			}
			if p.Validate() != nil {
				continue
			}
			got := roaring.New()
			if err := s.Lookup("tags[*]", p, visible, got); err != nil {
				t.Fatal(err)
			}
			want := roaring.New()
			for r := 0; r < visible; r++ {
				for _, e := range tags[r] {
					if e.Kind().IsScalar() && p.Match(e) {
						want.Add(uint32(r))
					}
				}
			}
			if !got.Equals(want) {
				t.Fatalf("round %d %s visible %d: %v, want %v", round, p, visible, got.ToArray(), want.ToArray())
			}
		}
	}
}
