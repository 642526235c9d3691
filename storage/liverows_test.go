package storage

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/RoaringBitmap/roaring/v2"
	"github.com/basaltdb/basalt/index"
)

// TestLiveRows compares liveRows with testing every row, over random
// deletion bitmaps (sparse, dense, runs) and blocks, reusing one buffer.
func TestLiveRows(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	var sel []int
	for round := range 500 {
		del := roaring.New()
		rows := 4 * index.BlockRows
		switch round % 4 {
		case 0: // a few
			for range rng.IntN(20) {
				del.Add(uint32(rng.IntN(rows)))
			}
		case 1: // dense
			for r := range rows {
				if rng.IntN(3) > 0 {
					del.Add(uint32(r))
				}
			}
		case 2: // runs, block edges included
			for range rng.IntN(6) {
				a := rng.IntN(rows)
				del.AddRange(uint64(a), uint64(min(rows, a+rng.IntN(3*index.BlockRows))))
			}
		case 3: // everything
			del.AddRange(0, uint64(rows))
		}
		b := rng.IntN(4)
		lo, hi := b*index.BlockRows, min((b+1)*index.BlockRows, rows-rng.IntN(2)*rng.IntN(index.BlockRows))
		var want []int
		for r := lo; r < hi; r++ {
			if !del.Contains(uint32(r)) {
				want = append(want, r-lo)
			}
		}
		sel = liveRows(sel, del, lo, hi)
		if !slices.Equal(sel, want) && !(len(sel) == 0 && len(want) == 0) {
			t.Fatalf("round %d, rows [%d, %d) less %d deleted: %d live rows, want %d", round, lo, hi, del.GetCardinality(), len(sel), len(want))
		}
	}
}

func BenchmarkLiveRows(b *testing.B) {
	del := roaring.New()
	rng := rand.New(rand.NewPCG(5, 6))
	for range index.BlockRows / 16 { // 6% of the rows deleted
		del.Add(uint32(rng.IntN(index.BlockRows)))
	}
	var sel []int
	for b.Loop() {
		sel = liveRows(sel, del, 0, index.BlockRows)
	}
}
