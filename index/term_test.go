package index

import (
	"bytes"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/basaltdb/basalt/types"
)

func newRand(t testing.TB) *rand.Rand {
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	return rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
}

// Ints and floats where a float64 cannot hold every int: around 2^53 and at
// the ends of int64.
var edgeInts = []int64{
	0, 1, -1, 1<<53 - 1, 1 << 53, 1<<53 + 1, 1<<53 + 2, 1<<53 + 3, 1<<53 + 4, 1<<53 + 5,
	-1 << 53, -1<<53 - 1, -1<<53 - 3, 1<<54 + 6, math.MaxInt64, math.MaxInt64 - 1, math.MaxInt64 - 511,
	math.MaxInt64 - 512, math.MaxInt64 - 1023, math.MaxInt64 - 1024, math.MaxInt64 - 1535,
	math.MinInt64, math.MinInt64 + 1, math.MinInt64 + 1024, math.MinInt64 + 1025,
}

var edgeFloats = []float64{
	0, math.Copysign(0, -1), 0.5, -0.5, 1, -1, 1 << 53, 1<<53 + 2, 1<<53 + 4, 1<<53 + 8, -1 << 53,
	-1<<53 - 2, -1<<53 - 4, 1 << 63, -1 << 63, math.Nextafter(1<<63, 0), math.Nextafter(-1<<63, math.Inf(-1)),
	math.Nextafter(-1<<63, 0), math.Inf(1), math.Inf(-1), math.MaxFloat64, -math.MaxFloat64, 5e-324, -5e-324,
	math.NaN(), math.Float64frombits(0xfff8000000000001), 1e300,
}

func randNum(r *rand.Rand) types.Value {
	switch r.IntN(6) {
	case 0:
		return types.Int(edgeInts[r.IntN(len(edgeInts))])
	case 1:
		return types.Float(edgeFloats[r.IntN(len(edgeFloats))])
	case 2:
		return types.Int(int64(r.IntN(21) - 10))
	case 3:
		return types.Float(float64(r.IntN(41)-20) / 2)
	case 4:
		return types.Int(int64(r.Uint64()))
	}
	f := math.Float64frombits(r.Uint64())
	return types.Float(f)
}

func randStr(r *rand.Rand) string {
	const alphabet = "ab\x00\xff\xfez"
	b := make([]byte, r.IntN(5))
	for i := range b {
		b[i] = alphabet[r.IntN(len(alphabet))]
	}
	return string(b)
}

// randTermValue returns a random indexable scalar.
func randTermValue(r *rand.Rand) types.Value {
	switch r.IntN(8) {
	case 0:
		return types.Null
	case 1:
		return types.Bool(r.IntN(2) == 0)
	case 2, 3, 4:
		return randNum(r)
	case 5, 6:
		return types.String(randStr(r))
	}
	switch r.IntN(3) {
	case 0:
		return types.Timestamp(int64(r.Uint64()))
	case 1:
		return types.Timestamp(edgeInts[r.IntN(len(edgeInts))])
	}
	return types.Timestamp(int64(r.IntN(5) - 2))
}

func sign(c int) int {
	switch {
	case c < 0:
		return -1
	case c > 0:
		return 1
	}
	return 0
}

func TestTermOrderMatchesCompare(t *testing.T) {
	r := newRand(t)
	check := func(a, b types.Value) {
		ta, tb := AppendTerm(nil, a), AppendTerm(nil, b)
		if got, want := sign(bytes.Compare(ta, tb)), types.Compare(a, b); got != want {
			t.Fatalf("terms of %s (%x) and %s (%x) compare %d, values compare %d", show(a), ta, show(b), tb, got, want)
		}
	}
	// Every pair of edge numbers.
	var nums []types.Value
	for _, i := range edgeInts {
		nums = append(nums, types.Int(i))
	}
	for _, f := range edgeFloats {
		nums = append(nums, types.Float(f))
	}
	for _, a := range nums {
		for _, b := range nums {
			check(a, b)
		}
	}
	// Random pairs within one family and across families.
	for range 200000 {
		a := randTermValue(r)
		var b types.Value
		if r.IntN(2) == 0 {
			b = randNum(r)
			a = randNum(r)
		} else {
			b = randTermValue(r)
		}
		check(a, b)
	}
}

func TestTermEquality(t *testing.T) {
	for _, tc := range []struct {
		a, b types.Value
		same bool
	}{
		{types.Int(1), types.Float(1), true},
		{types.Int(0), types.Float(math.Copysign(0, -1)), true},
		{types.Float(0), types.Float(math.Copysign(0, -1)), true},
		{types.Int(-7), types.Float(-7), true},
		{types.Int(1 << 53), types.Float(1 << 53), true},
		{types.Int(math.MinInt64), types.Float(-1 << 63), true},
		{types.Int(1<<53 + 1), types.Float(1 << 53), false},
		{types.Int(1<<53 + 1), types.Int(1 << 53), false},
		{types.Int(math.MaxInt64), types.Int(math.MaxInt64 - 1), false},
		{types.Int(math.MaxInt64), types.Float(1 << 63), false},
		{types.Int(1), types.Timestamp(1), false},
		{types.Int(1), types.String("1"), false},
		{types.Bool(true), types.Int(1), false},
		{types.Float(math.NaN()), types.Float(math.Float64frombits(0xfff8000000000001)), true},
	} {
		ta, tb := AppendTerm(nil, tc.a), AppendTerm(nil, tc.b)
		if bytes.Equal(ta, tb) != tc.same {
			t.Errorf("terms of %s (%x) and %s (%x): same=%v, want %v", show(tc.a), ta, show(tc.b), tb, !tc.same, tc.same)
		}
	}
}

func TestDecodeTermRoundTrip(t *testing.T) {
	r := newRand(t)
	for range 100000 {
		v := randTermValue(r)
		term := AppendTerm([]byte("pre"), v)[3:]
		w, ok := DecodeTerm(term)
		if !ok {
			t.Fatalf("DecodeTerm(%x) of %s failed", term, show(v))
		}
		if v.Kind() == types.KindFloat && math.IsNaN(v.Float()) {
			if w.Kind() != types.KindFloat || !math.IsNaN(w.Float()) {
				t.Fatalf("NaN decodes to %s", show(w))
			}
		} else if !types.Equal(v, w) {
			t.Fatalf("DecodeTerm(term(%s)) = %s", show(v), show(w))
		}
		if !bytes.Equal(AppendTerm(nil, w), term) {
			t.Fatalf("term of the decoded %s differs", show(w))
		}
		// Integral numbers in int64 range come back as ints.
		if v.Kind() == types.KindInt && w.Kind() != types.KindInt {
			t.Fatalf("int %s decodes as %s", show(v), w.Kind())
		}
	}
}

func TestDecodeTermCorrupt(t *testing.T) {
	for _, term := range [][]byte{
		nil, {0}, {0x07}, {TermNull, 0}, {TermTrue, 1}, {TermNumber, 1, 2}, {TermNumber},
		{TermTimestamp, 1}, append([]byte{TermNumber}, make([]byte, 12)...),
	} {
		if v, ok := DecodeTerm(term); ok {
			t.Errorf("DecodeTerm(%x) = %s, want failure", term, v)
		}
	}
}

func TestAppendTermPanicsWithoutTerm(t *testing.T) {
	for _, v := range []types.Value{types.Undefined, types.Array(nil), types.Object(nil)} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("AppendTerm(%s) did not panic", v.Kind())
				}
			}()
			AppendTerm(nil, v)
		}()
		if Indexable(v) {
			t.Errorf("Indexable(%s) = true", v.Kind())
		}
	}
}

// show renders v with its kind, for failure messages (NaN renders as null in
// JSON).
func show(v types.Value) string {
	if v.Kind() == types.KindFloat && math.IsNaN(v.Float()) {
		return "float(NaN)"
	}
	return v.Kind().String() + "(" + v.JSON() + ")"
}
