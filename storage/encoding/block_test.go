package encoding

import (
	"encoding/binary"
	"fmt"
	"math"
	"testing"

	"github.com/basaltdb/basalt/coldata"
	"github.com/basaltdb/basalt/types"
)

var testSizes = []int{0, 1, 2, 3, 17, 1024, MaxBlockRows}

func payloadKinds() []types.Kind {
	return []types.Kind{
		types.KindNull, types.KindBool, types.KindInt, types.KindFloat,
		types.KindString, types.KindTimestamp, types.KindArray, types.KindObject,
	}
}

func TestRoundTripUniform(t *testing.T) {
	g := newGen(1)
	for _, n := range testSizes {
		for _, k := range append(payloadKinds(), types.KindUndefined) {
			trials := 12
			if n == MaxBlockRows {
				trials = 2
			}
			for trial := range trials {
				t.Run(fmt.Sprintf("n=%d/kind=%s/trial=%d", n, k, trial), func(t *testing.T) {
					roundTrip(t, g.vec(k, n, 0))
				})
			}
		}
	}
}

func TestRoundTripWithHoles(t *testing.T) {
	g := newGen(2)
	for _, n := range testSizes {
		for _, k := range payloadKinds() {
			for _, holes := range []float64{0.01, 0.3, 0.9} {
				if n == MaxBlockRows && holes != 0.3 {
					continue
				}
				t.Run(fmt.Sprintf("n=%d/kind=%s/holes=%v", n, k, holes), func(t *testing.T) {
					for range 4 {
						roundTrip(t, g.vec(k, n, holes))
					}
				})
			}
		}
	}
}

func TestRoundTripMixed(t *testing.T) {
	g := newGen(3)
	for _, n := range testSizes {
		for _, runs := range []bool{false, true} {
			t.Run(fmt.Sprintf("n=%d/runs=%v", n, runs), func(t *testing.T) {
				trials := 20
				if n == MaxBlockRows {
					trials = 2
				}
				for range trials {
					roundTrip(t, g.mixedVec(n, runs))
				}
			})
		}
	}
}

func TestRoundTripSpecialValues(t *testing.T) {
	var v rows
	for _, x := range specialInts {
		v.add(types.Int(x))
		v.add(types.Timestamp(x))
	}
	for _, f := range specialFloats {
		v.add(types.Float(f))
	}
	for _, s := range specialStrings {
		v.add(types.String(s))
	}
	nested := types.Object([]types.Field{
		{Name: "a", Value: types.Array([]types.Value{types.Int(5), types.Float(5), types.Float(math.Copysign(0, -1))})},
		{Name: "日本", Value: types.Object([]types.Field{{Name: "deep", Value: types.Array([]types.Value{types.Array(nil), types.Object(nil)})}})},
		{Name: "t", Value: types.Timestamp(-1)},
		{Name: "n", Value: types.Null},
		{Name: "s", Value: types.String(specialStrings[3])},
	})
	v.add(nested)
	v.add(types.Array([]types.Value{nested, types.Bool(true), types.Float(math.NaN())}))
	v.add(types.Array(nil))
	v.add(types.Object(nil))
	v.add(types.Undefined)
	v.add(types.Null)
	v.add(types.Bool(false))
	roundTrip(t, v.vec())

	// Each special on its own, as a uniform block, exercises the codecs a
	// single-valued section picks.
	for _, x := range v {
		var one rows
		one.add(x)
		one.add(x)
		roundTrip(t, one.vec())
	}
}

func TestRoundTripFloatKeepsKind(t *testing.T) {
	// 5.0 must come back a float and 5 an int, even though the decimal codec
	// stores both as the integer 5.
	var v rows
	for range 100 {
		v.add(types.Float(5))
		v.add(types.Int(5))
	}
	roundTrip(t, v.vec())
}

func TestRoundTripMixedVecOfOneKind(t *testing.T) {
	// A mixed Vec whose rows all have one kind is written uniform.
	var v coldata.Vec
	v.ResetMixed([]types.Kind{types.KindInt, types.KindInt, types.KindInt})
	v.I64[0], v.I64[1], v.I64[2] = 7, -7, 1<<62
	block := AppendBlock(nil, &v)
	var d Decoder
	var got coldata.Vec
	if err := d.DecodeBlock(block, &got); err != nil {
		t.Fatal(err)
	}
	if k, ok := got.Uniform(); !ok || k != types.KindInt {
		t.Fatalf("decoded as uniform=%v %s", ok, k)
	}
	for i, want := range []int64{7, -7, 1 << 62} {
		if got.I64[i] != want {
			t.Fatalf("row %d = %d, want %d", i, got.I64[i], want)
		}
	}
}

func TestDecoderReuse(t *testing.T) {
	// One Decoder and one Vec across blocks of different shapes: no state
	// may leak from one block into the next.
	g := newGen(4)
	var d Decoder
	var got coldata.Vec
	for i := range 200 {
		var v *coldata.Vec
		n := []int{0, 1, 5, 100, 3000}[i%5]
		switch i % 3 {
		case 0:
			v = g.mixedVec(n, i%2 == 0)
		case 1:
			v = g.vec(payloadKinds()[i%8], n, 0.2)
		default:
			v = g.vec(payloadKinds()[i%8], n, 0)
		}
		block := AppendBlock(nil, v)
		if err := d.DecodeBlock(block, &got); err != nil {
			t.Fatalf("block %d: %v", i, err)
		}
		requireSameVec(t, v, &got)
	}
}

func TestDecodedStringsOutliveSource(t *testing.T) {
	// Strings alias the Decoder, not src: the caller may reuse src at once.
	g := newGen(7)
	for _, compressible := range []bool{false, true} {
		var v rows
		for i := range 100 {
			// Random bytes: nothing for zstd to gain.
			s1 := string(binary.LittleEndian.AppendUint64(nil, g.rng.Uint64()))
			s2 := string(binary.LittleEndian.AppendUint64(nil, g.rng.Uint64()))
			if compressible {
				s1 = fmt.Sprintf("the same long prefix of every string %d", i)
				s2 = s1
			}
			v.add(types.String(s1))
			v.add(types.Array([]types.Value{types.String(s2)}))
		}
		block := AppendBlock(nil, v.vec())
		if got := blockCodecs(t, block)["zstd"]; got != compressible {
			t.Fatalf("compressed = %v, want %v", got, compressible)
		}
		var d Decoder
		var got coldata.Vec
		if err := d.DecodeBlock(block, &got); err != nil {
			t.Fatal(err)
		}
		clear(block)
		requireSameVec(t, v.vec(), &got)
	}
}

func TestGeneratorsCarryPayloads(t *testing.T) {
	// The round-trip tests are only as good as their inputs: a generator
	// that produced zeros would make them pass vacuously.
	g := newGen(8)
	for _, k := range []types.Kind{types.KindInt, types.KindFloat, types.KindString, types.KindArray} {
		v := g.vec(k, 1000, 0)
		distinct := map[string]bool{}
		for i := range v.Len() {
			distinct[show(v.Value(i))] = true
		}
		if len(distinct) < 2 && g.intMode != 0 {
			t.Fatalf("%s vec has %d distinct values", k, len(distinct))
		}
	}
}

func TestAppendBlockTooManyRows(t *testing.T) {
	var v coldata.Vec
	v.ResetUniform(types.KindNull, MaxBlockRows+1)
	defer func() {
		if recover() == nil {
			t.Fatal("AppendBlock of too many rows did not panic")
		}
	}()
	AppendBlock(nil, &v)
}

func TestBlockRows(t *testing.T) {
	g := newGen(5)
	for _, n := range testSizes {
		block := AppendBlock(nil, g.mixedVec(n, true))
		if got, err := BlockRows(block); err != nil || got != n {
			t.Fatalf("BlockRows = %d, %v; want %d", got, err, n)
		}
	}
	for _, bad := range [][]byte{
		nil,
		{formatVersion},
		{formatVersion, 0},
		{2, 0, 1},                            // unknown version
		{formatVersion, 0x80, 1},             // unknown flag
		{formatVersion, 0, 0x81, 0x80},       // truncated varint
		{formatVersion, 0, 0x81, 0x80, 0x04}, // 65537 rows
	} {
		_, err := BlockRows(bad)
		requireCorrupt(t, err)
	}
}

// TestEncodedSizes pins the sizes that the codec choices produce for typical
// columns, so that a regression in a planner shows up as a failing size.
func TestEncodedSizes(t *testing.T) {
	const n = 4096
	g := newGen(6)
	cases := []struct {
		name      string
		vec       func() *coldata.Vec
		codec     string
		maxPerRow float64 // bytes per row
	}{
		{"sorted timestamps", func() *coldata.Vec {
			var v rows
			ts := int64(1_700_000_000_000_000)
			for range n {
				ts += 1_000_000 + g.rng.Int64N(1000)
				v.add(types.Timestamp(ts))
			}
			return v.vec()
		}, "timestamp:delta", 1.4},
		{"sequential ids", func() *coldata.Vec {
			var v rows
			for i := range n {
				v.add(types.Int(1_000_000 + int64(i)))
			}
			return v.vec()
		}, "int:delta", 0.01},
		{"http statuses", func() *coldata.Vec {
			var v rows
			for range n {
				v.add(types.Int([]int64{200, 201, 204, 301, 404, 500}[g.rng.IntN(6)]))
			}
			return v.vec()
		}, "int:dict", 0.4},
		{"ages", func() *coldata.Vec {
			var v rows
			for range n {
				v.add(types.Int(18 + g.rng.Int64N(50)))
			}
			return v.vec()
		}, "int:for", 0.76},
		{"few wide ints", func() *coldata.Vec {
			var v rows
			for range n {
				v.add(types.Int([]int64{-1, 1 << 50, math.MaxInt64, 42}[g.rng.IntN(4)]))
			}
			return v.vec()
		}, "int:dict", 0.3},
		{"constant", func() *coldata.Vec {
			var v rows
			for range n {
				v.add(types.Int(-123456789))
			}
			return v.vec()
		}, "int:constant", 0.01},
		{"prices", func() *coldata.Vec {
			var v rows
			for range n {
				v.add(types.Float(float64(g.rng.IntN(100_000)) / 100))
			}
			return v.vec()
		}, "float:decimal/for", 2.3},
		{"coordinates", func() *coldata.Vec {
			var v rows
			for range n {
				v.add(types.Float(float64(g.rng.IntN(360_000_000)-180_000_000) / 1e6))
			}
			return v.vec()
		}, "float:decimal/for", 3.7},
		{"few floats", func() *coldata.Vec {
			var v rows
			for range n {
				v.add(types.Float([]float64{math.Pi, math.E, math.NaN()}[g.rng.IntN(3)]))
			}
			return v.vec()
		}, "float:bits/dict", 0.3},
		{"levels", func() *coldata.Vec {
			var v rows
			for range n {
				v.add(types.String([]string{"debug", "info", "warning", "error", "critical"}[g.rng.IntN(5)]))
			}
			return v.vec()
		}, "string:dict", 0.45},
		{"uuids", func() *coldata.Vec {
			var v rows
			for range n {
				v.add(types.String(fmt.Sprintf("%08x-%04x-%04x-%04x-%012x", g.rng.Uint32(), g.rng.Uint32()&0xffff,
					g.rng.Uint32()&0xffff, g.rng.Uint32()&0xffff, g.rng.Uint64()&0xffffffffffff)))
			}
			return v.vec()
		}, "string:plain", 20}, // 36 bytes before zstd: hex digits entropy-code to 4 bits
		{"optional field", func() *coldata.Vec {
			var v rows
			for range n {
				if g.rng.IntN(4) == 0 {
					v.add(types.Undefined)
				} else {
					v.add(types.Bool(g.rng.IntN(2) == 0))
				}
			}
			return v.vec()
		}, "bool:packed", 0.45},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v := c.vec()
			block := roundTrip(t, v)
			requireCodec(t, block, c.codec)
			perRow := float64(len(block)) / float64(n)
			t.Logf("%d bytes, %.3f bytes/row, codecs %v", len(block), perRow, blockCodecs(t, block))
			if perRow > c.maxPerRow {
				t.Fatalf("%.3f bytes/row, want at most %.3f", perRow, c.maxPerRow)
			}
		})
	}
}

// TestFormatExample pins the example of docs/format/column-block.md, so that
// the page and the code cannot drift apart.
func TestFormatExample(t *testing.T) {
	v := rows{types.Int(7), types.Undefined, types.Int(7), types.Int(8)}.vec()
	got := fmt.Sprintf("% x", AppendBlock(nil, v))
	if want := "01 00 04 40 03 00 13 04 01 0e 01 04"; got != want {
		t.Fatalf("block %s, want %s", got, want)
	}
	roundTrip(t, v)
}
