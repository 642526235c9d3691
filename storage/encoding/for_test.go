package encoding

import (
	"math"
	"testing"
)

func TestFOR(t *testing.T) {
	// The width is that of the spread, not of the values.
	vals := []int64{1 << 60, 1<<60 + 7, 1<<60 + 3, 1<<60 + 5, 1 << 60}
	sec := encodeInts(t, vals, false)
	if sec[0] != intFOR {
		t.Fatalf("codec %s, want for", intCodecNames[sec[0]])
	}
	if want := forSize(len(vals), 1<<60, 3); len(sec) != want {
		t.Fatalf("%d bytes, want %d", len(sec), want)
	}
	// The full int64 range needs all 64 bits and still round-trips.
	encodeInts(t, []int64{math.MinInt64, math.MaxInt64, 0, math.MinInt64, 17}, false)
}
