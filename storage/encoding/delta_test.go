package encoding

import (
	"math"
	"testing"
)

func TestDelta(t *testing.T) {
	// A regular step costs no payload at all.
	vals := make([]int64, 1000)
	for i := range vals {
		vals[i] = 1_700_000_000_000_000 + int64(i)*1_000_000
	}
	sec := encodeInts(t, vals, true)
	if sec[0] != intDelta || len(sec) > 16 {
		t.Fatalf("%s of %d bytes, want delta of at most 16", intCodecNames[sec[0]], len(sec))
	}
	// Deltas that overflow int64 wrap and come back.
	encodeInts(t, []int64{math.MaxInt64, math.MinInt64, math.MaxInt64, math.MinInt64, 0}, false)
	// Decoding a single value reads no payload.
	var d Decoder
	r := reader{b: []byte{intDelta, 0x54, 0x02, 0}}
	dst := make([]int64, 1)
	if err := d.decodeInts(&r, dst, false, nil); err != nil || dst[0] != 42 {
		t.Fatalf("got %d, %v", dst[0], err)
	}
}
