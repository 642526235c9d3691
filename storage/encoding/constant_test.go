package encoding

import (
	"math"
	"testing"
)

func TestConstant(t *testing.T) {
	for _, x := range []int64{0, -1, math.MinInt64, math.MaxInt64} {
		vals := []int64{x, x, x, x, x}
		sec := encodeInts(t, vals, true)
		if sec[0] != intConstant || len(sec) != 1+varintLen(x) {
			t.Fatalf("%d: %s of %d bytes", x, intCodecNames[sec[0]], len(sec))
		}
	}
}
