package encoding

import (
	"math/rand/v2"
	"testing"
)

func TestIntDict(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	entries := []int64{-5, 1 << 33, 99, 1 << 62, -1 << 62}
	vals := make([]int64, 4096)
	for i := range vals {
		vals[i] = entries[rng.IntN(len(entries))]
	}
	sec := encodeInts(t, vals, true)
	if sec[0] != intDict {
		t.Fatalf("codec %s, want dict", intCodecNames[sec[0]])
	}
	// 3-bit codes plus a small dictionary.
	if max := packedLen(len(vals), 3) + 64; len(sec) > max {
		t.Fatalf("%d bytes, want at most %d", len(sec), max)
	}
}

func TestIntDictGivesUpOnUniqueValues(t *testing.T) {
	// Near-unique columns must not be hashed beyond the probe.
	e := getEncoder()
	defer putEncoder(e)
	vals := make([]int64, 1<<16)
	for i := range vals {
		vals[i] = int64(i) * 7919 % (1 << 16) << 20
	}
	best := planInts(vals)
	if p := e.planIntDict(vals, best); p.codec == intDict {
		t.Fatal("dictionary planned for unique values")
	}
	if len(e.imap) > dictProbeRows {
		t.Fatalf("hashed %d values, want at most %d", len(e.imap), dictProbeRows)
	}
}

func TestIntDictCorruptCode(t *testing.T) {
	// Three entries take 2-bit codes; code 3 is out of range.
	sec := []byte{intDict, 3, intFOR, 0, 2, 0b100100, 0b11}
	var d Decoder
	r := reader{b: sec}
	requireCorrupt(t, d.decodeInts(&r, make([]int64, 1), true, nil))
}
