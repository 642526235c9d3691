package exec

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/basaltdb/basalt/coldata"
	"github.com/basaltdb/basalt/index"
	"github.com/basaltdb/basalt/types"
)

// TestZoneProves checks the zone-map shortcut of scan filters against the
// kernels themselves: whenever a block's zone proves `column op c`, the
// kernel keeps every row of the block; and the shortcut does fire for
// blocks that lie wholly on one side of c.
func TestZoneProves(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	value := func(kind int) types.Value {
		switch kind {
		case 0:
			return types.Int(int64(r.IntN(20)))
		case 1:
			return types.Timestamp(int64(r.IntN(20)) * 1_000_000)
		case 2:
			return types.String(fmt.Sprint(r.IntN(20)))
		case 3:
			return types.Float(float64(r.IntN(20)) / 2)
		case 4:
			return types.Null
		}
		return types.Undefined
	}
	ops := []string{"=", "<>", "<", "<=", ">", ">="}
	proved := 0
	for range 5000 {
		// Mostly blocks of one kind, sometimes mixed or with nulls.
		main := r.IntN(4)
		n := 1 + r.IntN(6)
		var v coldata.Vec
		for range n {
			k := main
			if r.IntN(8) == 0 {
				k = r.IntN(6)
			}
			v.Append(value(k))
		}
		b := &coldata.Batch{Length: n, Vecs: []coldata.Vec{v}}
		z := index.ZoneOf(&b.Vecs[0])
		op := ops[r.IntN(len(ops))]
		c := value(r.IntN(4))
		if !zoneProves(z, op, c) {
			continue
		}
		proved++
		rows := make([]int, n)
		for i := range rows {
			rows[i] = i
		}
		if kept := cmpKernel(0, op, c)(b, rows); len(kept) != n {
			t.Fatalf("zone %+v proves x %s %v, but the kernel keeps %d of %d rows of %v", z, op, c, len(kept), n, b.Vecs[0])
		}
	}
	if proved < 100 {
		t.Errorf("the zone map proved only %d of 5,000 comparisons", proved)
	}
}
