package encoding

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/basaltdb/basalt/coldata"
	"github.com/basaltdb/basalt/types"
)

// identical reports whether a and b are the same value down to kinds and
// bits: stricter than types.Equal, which equates 5 and 5.0 and never NaN.
func identical(a, b types.Value) bool {
	if a.Kind() != b.Kind() || a.Bits() != b.Bits() || a.Str() != b.Str() {
		return false
	}
	switch a.Kind() {
	case types.KindArray:
		ae, be := a.Elems(), b.Elems()
		for i := range ae {
			if !identical(ae[i], be[i]) {
				return false
			}
		}
	case types.KindObject:
		af, bf := a.Fields(), b.Fields()
		for i := range af {
			if af[i].Name != bf[i].Name || !identical(af[i].Value, bf[i].Value) {
				return false
			}
		}
	}
	return true
}

// requireSameVec fails t unless got has the rows of want, kind by kind and
// bit by bit.
func requireSameVec(t testing.TB, want, got *coldata.Vec) {
	t.Helper()
	if want.Len() != got.Len() {
		t.Fatalf("got %d rows, want %d", got.Len(), want.Len())
	}
	wk, wu := want.Uniform()
	gk, gu := got.Uniform()
	if wu && (!gu || (want.Len() > 0 && wk != gk)) {
		t.Fatalf("uniform vec of %s decoded as uniform=%v %s", wk, gu, gk)
	}
	for i := range want.Len() {
		if want.Kind(i) != got.Kind(i) {
			t.Fatalf("row %d: kind %s, want %s", i, got.Kind(i), want.Kind(i))
		}
		w, g := want.Value(i), got.Value(i)
		if !identical(w, g) {
			t.Fatalf("row %d: got %s, want %s", i, show(g), show(w))
		}
		if k := w.Kind(); (k == types.KindArray || k == types.KindObject) && equalReflexive(w) {
			if !types.Equal(w, g) {
				t.Fatalf("row %d: types.Equal(%s, %s) is false", i, show(g), show(w))
			}
		}
	}
}

// equalReflexive reports whether types.Equal(v, v) holds: it does not for
// NaN, nor for objects with duplicate field names or undefined field values
// (which documents cannot have, but mutated blocks can decode to).
func equalReflexive(v types.Value) bool {
	switch v.Kind() {
	case types.KindFloat:
		return !math.IsNaN(v.Float())
	case types.KindArray:
		for _, e := range v.Elems() {
			if !equalReflexive(e) {
				return false
			}
		}
	case types.KindObject:
		seen := map[string]bool{}
		for _, f := range v.Fields() {
			if seen[f.Name] || f.Value.IsUndefined() || !equalReflexive(f.Value) {
				return false
			}
			seen[f.Name] = true
		}
	}
	return true
}

func show(v types.Value) string {
	s := fmt.Sprintf("%s(%#x %q)", v.Kind(), v.Bits(), v.Str())
	if len(s) > 200 {
		s = s[:200] + "..."
	}
	return s
}

// roundTrip encodes v, decodes it with a fresh Decoder, checks the result
// and BlockRows, and returns the encoding.
func roundTrip(t testing.TB, v *coldata.Vec) []byte {
	t.Helper()
	prefix := []byte("prefix")
	block := AppendBlock(prefix, v)
	if string(block[:len(prefix)]) != "prefix" {
		t.Fatal("AppendBlock overwrote dst")
	}
	block = block[len(prefix):]
	var d Decoder
	var got coldata.Vec
	got.Append(types.String("stale")) // DecodeBlock must reset it
	if err := d.DecodeBlock(block, &got); err != nil {
		t.Fatalf("decode %d rows: %v", v.Len(), err)
	}
	requireSameVec(t, v, &got)
	if n, err := BlockRows(block); err != nil || n != v.Len() {
		t.Fatalf("BlockRows = %d, %v; want %d", n, err, v.Len())
	}
	return block
}

// requireCorrupt fails t unless err wraps ErrCorrupt.
func requireCorrupt(t testing.TB, err error) {
	t.Helper()
	if err == nil {
		t.Fatal("decoded corrupt input without error")
	}
	if !errors.Is(err, ErrCorrupt) {
		t.Fatalf("error %q does not wrap ErrCorrupt", err)
	}
}

// blockCodecs returns the codec each section of block uses, by kind: for
// example "int:delta", "float:decimal/for", "string:dict", and "zstd" when
// the body is compressed with zstd ("s2" with s2).
func blockCodecs(t testing.TB, block []byte) map[string]bool {
	t.Helper()
	r := reader{b: block}
	h, err := readHeader(&r)
	if err != nil {
		t.Fatal(err)
	}
	var d Decoder
	var counts [types.NumKinds]int
	if _, _, err := d.readLayout(&r, h.rows, make([]types.Kind, h.rows), &counts); err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	body := r.rest()
	if h.flags&(flagZstd|flagS2) != 0 {
		if h.flags&flagS2 != 0 {
			out["s2"] = true
		} else {
			out["zstd"] = true
		}
		br := reader{b: body}
		rawLen, err := br.uvarint()
		if err != nil {
			t.Fatal(err)
		}
		if body, err = d.decompress(br.rest(), rawLen, h.flags); err != nil {
			t.Fatal(err)
		}
	}
	br := reader{b: body}
	for k := types.KindBool; k < types.NumKinds; k++ {
		if counts[k] == 0 {
			continue
		}
		length, err := br.count(br.remaining())
		if err != nil {
			t.Fatal(err)
		}
		sec, _ := br.next(length)
		name := k.String() + ":"
		switch k {
		case types.KindBool:
			name += "packed"
		case types.KindInt, types.KindTimestamp:
			name += intCodecNames[sec[0]]
		case types.KindFloat:
			name += floatCodecNames[sec[0]]
			switch sec[0] {
			case floatDecimal:
				name += "/" + intCodecNames[sec[2]]
			case floatBits:
				name += "/" + intCodecNames[sec[1]]
			}
		case types.KindString:
			name += stringCodecNames[sec[0]]
		default:
			name += "binary"
		}
		out[name] = true
	}
	return out
}

func requireCodec(t testing.TB, block []byte, codec string) {
	t.Helper()
	if got := blockCodecs(t, block); !got[codec] {
		t.Fatalf("block uses %v, want %s", got, codec)
	}
}

// Special values every kind's generator mixes in.
var (
	specialInts   = []int64{0, 1, -1, math.MinInt64, math.MaxInt64, math.MinInt64 + 1, math.MaxInt64 - 1}
	specialFloats = []float64{
		0, math.Copysign(0, -1), 1, -1, 5, 0.1, 0.3, 0.30000000000000004,
		math.Inf(1), math.Inf(-1), math.NaN(),
		math.Float64frombits(0x7ff8_0000_dead_beef), // quiet NaN with payload
		math.Float64frombits(0xfff0_0000_0000_0001), // negative signalling NaN
		math.MaxFloat64, -math.MaxFloat64, math.SmallestNonzeroFloat64,
		2.2250738585072014e-308, 9.007199254740993e15, 1e18, 1e19, -9.3e18,
	}
	specialStrings = []string{
		"", "a", "\x00", "héllo wörld", "日本語のテキスト", "🦀🚀", "\xff\xfe invalid utf-8",
		strings.Repeat("long ", 20000), strings.Repeat("x", 1<<17),
	}
)

// gen generates random values; each vector draws one distribution per kind
// so that every codec gets exercised, not just the one random data favors.
type gen struct {
	rng *rand.Rand
	// per-vector distribution choices
	intMode, floatMode, strMode int
	base                        int64
	exp                         int
	pool                        []types.Value
}

func newGen(seed uint64) *gen {
	g := &gen{rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))}
	g.reshuffle()
	return g
}

func (g *gen) reshuffle() {
	g.intMode = g.rng.IntN(7)
	g.floatMode = g.rng.IntN(6)
	g.strMode = g.rng.IntN(5)
	g.base = g.rng.Int64() >> g.rng.IntN(64)
	g.exp = g.rng.IntN(8)
	g.pool = g.pool[:0]
}

func (g *gen) int() int64 {
	r := g.rng
	switch g.intMode {
	case 0: // constant
		return g.base
	case 1: // narrow band far from zero
		return g.base + r.Int64N(1000)
	case 2: // sorted-ish: base plus a growing counter with jitter
		g.base += 1_000_000 + r.Int64N(2000) - 1000
		return g.base
	case 3: // low cardinality, wide spread
		return []int64{-7, 3, 1 << 40, math.MaxInt64, math.MinInt64}[r.IntN(5)]
	case 4: // specials
		return specialInts[r.IntN(len(specialInts))]
	case 5: // small signed
		return r.Int64N(200) - 100
	}
	return int64(r.Uint64())
}

func (g *gen) float() float64 {
	r := g.rng
	switch g.floatMode {
	case 0: // decimals with a common exponent: prices, coordinates
		m := r.Int64N(2_000_000) - 1_000_000
		return float64(m) / pow10[g.exp]
	case 1: // low cardinality
		return []float64{0.5, math.Pi, math.NaN(), math.Inf(-1)}[r.IntN(4)]
	case 2: // specials
		return specialFloats[r.IntN(len(specialFloats))]
	case 3: // integers as floats
		return float64(r.IntN(100))
	case 4: // arbitrary bit patterns, NaN payloads included
		return math.Float64frombits(r.Uint64())
	}
	return r.NormFloat64() * 1e6
}

func (g *gen) string() string {
	r := g.rng
	switch g.strMode {
	case 0: // low cardinality
		return []string{"debug", "info", "warn", "error", ""}[r.IntN(5)]
	case 1: // specials
		if r.IntN(50) == 0 {
			return specialStrings[r.IntN(len(specialStrings))]
		}
		return specialStrings[r.IntN(len(specialStrings)-2)]
	case 2: // random short, non-ASCII included
		b := make([]rune, r.IntN(12))
		for i := range b {
			b[i] = rune(r.IntN(0x800))
		}
		return string(b)
	case 3: // ids
		return fmt.Sprintf("user-%08x", r.Uint32())
	}
	return strings.Repeat("ab", r.IntN(40))
}

func (g *gen) value(k types.Kind, depth int) types.Value {
	switch k {
	case types.KindNull:
		return types.Null
	case types.KindBool:
		return types.Bool(g.rng.IntN(2) == 0)
	case types.KindInt:
		return types.Int(g.int())
	case types.KindFloat:
		return types.Float(g.float())
	case types.KindString:
		return types.String(g.string())
	case types.KindTimestamp:
		return types.Timestamp(g.int())
	case types.KindArray:
		n := g.rng.IntN(4)
		if depth > 3 {
			n = 0
		}
		elems := make([]types.Value, n)
		for i := range elems {
			elems[i] = g.value(g.nestedKind(), depth+1)
		}
		return types.Array(elems)
	case types.KindObject:
		n := g.rng.IntN(4)
		if depth > 3 {
			n = 0
		}
		fields := make([]types.Field, n)
		for i := range fields {
			fields[i] = types.Field{Name: fmt.Sprintf("f%d", i), Value: g.value(g.nestedKind(), depth+1)}
		}
		return types.Object(fields)
	}
	return types.Undefined
}

// nestedKind returns any kind but undefined, which binary values keep too,
// but which a document cannot hold inside an array.
func (g *gen) nestedKind() types.Kind {
	return types.Kind(1 + g.rng.IntN(int(types.NumKinds)-1))
}

// vec returns n rows of kind k, with a fraction holes of the rows replaced
// by undefined or null.
func (g *gen) vec(k types.Kind, n int, holes float64) *coldata.Vec {
	g.reshuffle()
	var v rows
	for range n {
		switch {
		case g.rng.Float64() >= holes:
			v.add(g.value(k, 0))
		case g.rng.IntN(2) == 0:
			v.add(types.Null)
		default:
			v.add(types.Undefined)
		}
	}
	return v.vec()
}

// mixedVec returns n rows of random kinds, in runs of random length when
// runs is set.
func (g *gen) mixedVec(n int, runs bool) *coldata.Vec {
	g.reshuffle()
	var v rows
	for i := 0; i < n; {
		k := types.Kind(g.rng.IntN(int(types.NumKinds)))
		length := 1
		if runs {
			length = 1 + g.rng.IntN(50)
		}
		for ; length > 0 && i < n; length-- {
			v.add(g.value(k, 0))
			i++
		}
	}
	return v.vec()
}

// rows collects values for a Vec. Tests build Vecs through it rather than
// with coldata.Vec.Append, which loses earlier payloads when it grows a
// payload slice (coldata's resize does not copy).
type rows []types.Value

func (r *rows) add(v types.Value) { *r = append(*r, v) }

// vec returns the values as a Vec: uniform when they share a kind, else
// mixed, filled the way a segment reader fills one.
func (r rows) vec() *coldata.Vec {
	var v coldata.Vec
	uniform := true
	for _, x := range r {
		uniform = uniform && x.Kind() == r[0].Kind()
	}
	if uniform {
		k := types.KindUndefined
		if len(r) > 0 {
			k = r[0].Kind()
		}
		v.ResetUniform(k, len(r))
	} else {
		kinds := make([]types.Kind, len(r))
		for i, x := range r {
			kinds[i] = x.Kind()
		}
		v.ResetMixed(kinds)
	}
	for i, x := range r {
		switch x.Kind() {
		case types.KindBool:
			v.I64[i] = 0
			if x.Bool() {
				v.I64[i] = 1
			}
		case types.KindInt, types.KindTimestamp:
			v.I64[i] = x.Int()
		case types.KindFloat:
			v.F64[i] = math.Float64frombits(x.Bits())
		case types.KindString:
			v.Str[i] = x.Str()
		case types.KindArray, types.KindObject:
			v.Any[i] = x
		}
	}
	return &v
}
