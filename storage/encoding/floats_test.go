package encoding

import (
	"math"
	"math/rand/v2"
	"testing"
)

func encodeFloats(t testing.TB, vals []float64) []byte {
	t.Helper()
	e := getEncoder()
	sec := e.appendFloats(nil, vals)
	putEncoder(e)
	var d Decoder
	got := make([]float64, len(vals))
	r := reader{b: sec}
	if err := d.decodeFloats(&r, got, nil); err != nil {
		t.Fatal(err)
	}
	if err := r.done(); err != nil {
		t.Fatal(err)
	}
	for i := range vals {
		if math.Float64bits(got[i]) != math.Float64bits(vals[i]) {
			t.Fatalf("value %d: %v (%#x), want %v (%#x)", i, got[i], math.Float64bits(got[i]), vals[i], math.Float64bits(vals[i]))
		}
	}
	return sec
}

func TestFloatCodecs(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	gen := func(f func() float64) []float64 {
		out := make([]float64, 2000)
		for i := range out {
			out[i] = f()
		}
		return out
	}
	for _, c := range []struct {
		name      string
		vals      []float64
		codec     byte
		maxPerRow float64
	}{
		{"prices", gen(func() float64 { return float64(rng.IntN(1_000_000)) / 100 }), floatDecimal, 2.6},
		{"percentages", gen(func() float64 { return float64(rng.IntN(1001)) / 10 }), floatDecimal, 1.3},
		{"constant", gen(func() float64 { return 0.25 }), floatDecimal, 0.01},
		{"nan constant", gen(func() float64 { return math.NaN() }), floatBits, 0.01},
		{"few non-decimals", gen(func() float64 { return []float64{math.Pi, math.Sqrt2, math.Copysign(0, -1)}[rng.IntN(3)] }), floatBits, 0.3},
		{"random", gen(func() float64 { return rng.NormFloat64() }), floatRaw, 8.001},
		{"random bits", gen(func() float64 { return math.Float64frombits(rng.Uint64()) }), floatRaw, 8.001},
	} {
		t.Run(c.name, func(t *testing.T) {
			sec := encodeFloats(t, c.vals)
			if sec[0] != c.codec {
				t.Fatalf("codec %s, want %s", floatCodecNames[sec[0]], floatCodecNames[c.codec])
			}
			if perRow := float64(len(sec)) / float64(len(c.vals)); perRow > c.maxPerRow {
				t.Fatalf("%.3f bytes a value, want at most %.3f", perRow, c.maxPerRow)
			}
		})
	}
}

func TestFloatSpecials(t *testing.T) {
	encodeFloats(t, specialFloats)
	for _, f := range specialFloats {
		encodeFloats(t, []float64{f})
		encodeFloats(t, []float64{f, f, f})
		encodeFloats(t, []float64{f, 1.25, f})
	}
}

func TestDecodeFloatsCorrupt(t *testing.T) {
	var d Decoder
	for i, sec := range [][]byte{
		{},
		{7},                         // unknown codec
		{floatRaw, 1, 2, 3},         // truncated
		{floatDecimal},              // missing exponent
		{floatDecimal, 19, 0, 0},    // exponent too large
		{floatBits, intConstant},    // truncated int section
		{floatDecimal, 2, intDelta}, // truncated int section
	} {
		r := reader{b: sec}
		if err := d.decodeFloats(&r, make([]float64, 4), nil); err == nil {
			t.Fatalf("case %d decoded", i)
		} else {
			requireCorrupt(t, err)
		}
	}
}
