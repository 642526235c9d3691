package encoding

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"
)

// encodeInts encodes vals as an int section and decodes it back.
func encodeInts(t testing.TB, vals []int64, allowDict bool) []byte {
	t.Helper()
	e := getEncoder()
	defer putEncoder(e)
	sec := e.appendInts(nil, vals, allowDict)
	requireIntsDecode(t, sec, vals, allowDict)
	return sec
}

func requireIntsDecode(t testing.TB, sec []byte, want []int64, allowDict bool) {
	t.Helper()
	var d Decoder
	got := make([]int64, len(want))
	r := reader{b: sec}
	if err := d.decodeInts(&r, got, allowDict, nil); err != nil {
		t.Fatalf("decode %v: %v", intCodecNames[sec[0]], err)
	}
	if err := r.done(); err != nil {
		t.Fatalf("decode %v: %v", intCodecNames[sec[0]], err)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("%s: value %d = %d, want %d", intCodecNames[sec[0]], i, got[i], want[i])
		}
	}
}

func TestPlanIntsChoosesCodec(t *testing.T) {
	seq := func(n int, f func(i int) int64) []int64 {
		out := make([]int64, n)
		for i := range out {
			out[i] = f(i)
		}
		return out
	}
	rng := rand.New(rand.NewPCG(3, 4))
	for _, c := range []struct {
		name  string
		vals  []int64
		codec byte
	}{
		{"one", []int64{math.MinInt64}, intConstant},
		{"constant", seq(100, func(int) int64 { return 42 }), intConstant},
		{"band", seq(100, func(int) int64 { return 1e12 + rng.Int64N(100) }), intFOR},
		{"counter", seq(100, func(i int) int64 { return 1e12 + 3*int64(i) }), intDelta},
		{"descending", seq(100, func(i int) int64 { return -int64(i) * 1000 }), intDelta},
		{"sorted jitter", seq(1000, func(i int) int64 { return int64(i)*1e6 + rng.Int64N(100) }), intDelta},
		{"few wide", seq(1000, func(int) int64 { return []int64{math.MinInt64, 0, math.MaxInt64}[rng.IntN(3)] }), intDict},
		{"random", seq(1000, func(int) int64 { return int64(rng.Uint64()) }), intFOR},
	} {
		t.Run(c.name, func(t *testing.T) {
			sec := encodeInts(t, c.vals, true)
			if sec[0] != c.codec {
				t.Fatalf("codec %s, want %s", intCodecNames[sec[0]], intCodecNames[c.codec])
			}
			// The plan's size is the size written: the block-level choice
			// between codecs relies on it.
			e := getEncoder()
			defer putEncoder(e)
			if p := e.planIntDict(c.vals, planInts(c.vals)); p.size != len(sec) {
				t.Fatalf("planned %d bytes, wrote %d", p.size, len(sec))
			}
		})
	}
}

// TestIntCodecsExtremes forces every codec on extreme values, including
// sequences whose deltas overflow int64.
func TestIntCodecsExtremes(t *testing.T) {
	inputs := [][]int64{
		{math.MaxInt64, math.MinInt64, math.MaxInt64, math.MinInt64},
		{math.MinInt64, math.MaxInt64},
		{0, -1, 1, math.MinInt64 + 1, math.MaxInt64 - 1},
		{5},
		{7, 7, 7, 8},
	}
	for _, vals := range inputs {
		for codec := intConstant; codec <= intDict; codec++ {
			e := getEncoder()
			p := planInts(vals)
			lo, hi := slicesMinMax(vals)
			switch codec {
			case intConstant:
				if lo != hi {
					putEncoder(e)
					continue
				}
			case intFOR:
				p = intPlan{codec: intFOR, base: lo, w: 64}
			case intDelta:
				p = intPlan{codec: intDelta, base: vals[0], step: math.MinInt64, w: 64}
			case intDict:
				p = e.planIntDict(vals, intPlan{codec: intFOR, w: 64, size: math.MaxInt})
				if p.codec != intDict {
					putEncoder(e)
					continue
				}
			}
			sec := e.appendIntPlan(nil, vals, p)
			putEncoder(e)
			requireIntsDecode(t, sec, vals, true)
		}
	}
}

func slicesMinMax(vals []int64) (int64, int64) {
	lo, hi := vals[0], vals[0]
	for _, x := range vals {
		lo, hi = min(lo, x), max(hi, x)
	}
	return lo, hi
}

func TestDecodeIntsCorrupt(t *testing.T) {
	var d Decoder
	dst := make([]int64, 100)
	for i, sec := range [][]byte{
		{},
		{9},                       // unknown codec
		{intConstant},             // missing value
		{intFOR, 0},               // missing width
		{intFOR, 0, 65},           // width above 64
		{intFOR, 0, 8, 1, 2, 3},   // 100 bytes of payload missing
		{intDelta, 0, 0},          // missing width
		{intDict, 0},              // empty dictionary
		{intDict, 101},            // more entries than values
		{intDict, 1, intDict, 1},  // nested dictionary
		{intDict, 2, intConstant}, // truncated entries
	} {
		r := reader{b: sec}
		if err := d.decodeInts(&r, dst, true, nil); err == nil {
			t.Fatalf("case %d decoded", i)
		} else {
			requireCorrupt(t, err)
		}
	}
	// A dictionary is refused where the format does not allow one.
	sec := encodeInts(t, []int64{1 << 40, -1, 1 << 40, -1, 1 << 40, -1, 0, 0}, true)
	if sec[0] != intDict {
		t.Fatalf("codec %s, want dict", intCodecNames[sec[0]])
	}
	r := reader{b: sec}
	if err := d.decodeInts(&r, make([]int64, 8), false, nil); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("dict where none is allowed: %v", err)
	}
}
