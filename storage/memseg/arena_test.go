package memseg

import (
	"bytes"
	"math/rand/v2"
	"testing"
)

// TestArenaKeepsValues adds values from empty to past the big-value size,
// through chunks that start small and double (and a value larger than the
// next chunk would be), and reads every one back from a view taken at the
// end and from views taken along the way, which later appends must not
// change.
func TestArenaKeepsValues(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	var a arena
	var refs []uint64
	var vals [][]byte
	type early struct {
		view arenaView
		n    int
	}
	var views []early
	for i := 0; i < 5000; i++ {
		var n int
		switch rng.IntN(10) {
		case 0:
			n = bigValue - 1 + rng.IntN(3) // around the big-value bound
		case 1:
			n = 2*firstChunkBytes + rng.IntN(8<<10) // past a small next chunk
		default:
			n = rng.IntN(64)
		}
		v := make([]byte, n)
		for j := range v {
			v[j] = byte(rng.IntN(256))
		}
		refs = append(refs, a.add(v))
		vals = append(vals, v)
		if i%500 == 0 {
			views = append(views, early{a.view(), len(refs)})
		}
	}
	check := func(av arenaView, n int) {
		for i := 0; i < n; i++ {
			if got := av.bytesOf(refs[i]); !bytes.Equal(got, vals[i]) {
				t.Fatalf("value %d (%d bytes) reads back as %d other bytes", i, len(vals[i]), len(got))
			}
		}
	}
	check(a.view(), len(refs))
	for _, e := range views {
		check(e.view, e.n)
	}
	if len(a.chunks) < 2 || len(a.bigs) == 0 || len(a.chunks[0]) != firstChunkBytes {
		t.Fatalf("%d chunks (first %d bytes), %d big values: the test missed a path", len(a.chunks), len(a.chunks[0]), len(a.bigs))
	}
}
