package fn

import (
	"math"
	"math/big"
	"testing"

	"github.com/basaltdb/basalt/types"
)

func TestArith(t *testing.T) {
	for _, c := range []struct {
		op   byte
		a, b types.Value
		want types.Value
		code string
	}{
		// Integer arithmetic, as PostgreSQL bigint.
		{op: '+', a: i(2), b: i(3), want: i(5)},
		{op: '-', a: i(2), b: i(3), want: i(-1)},
		{op: '*', a: i(-4), b: i(3), want: i(-12)},
		{op: '/', a: i(7), b: i(2), want: i(3)},
		{op: '/', a: i(-7), b: i(2), want: i(-3)},
		{op: '%', a: i(-7), b: i(3), want: i(-1)},
		{op: '%', a: i(7), b: i(-3), want: i(1)},
		{op: '%', a: i(math.MinInt64), b: i(-1), want: i(0)},
		{op: '+', a: i(math.MaxInt64), b: i(1), code: "22003"},
		{op: '-', a: i(math.MinInt64), b: i(1), code: "22003"},
		{op: '*', a: i(math.MaxInt64), b: i(2), code: "22003"},
		{op: '*', a: i(math.MinInt64), b: i(-1), code: "22003"},
		{op: '*', a: i(math.MinInt64), b: i(1), want: i(math.MinInt64)},
		{op: '*', a: i(-3037000500), b: i(3037000500), code: "22003"},
		{op: '/', a: i(math.MinInt64), b: i(-1), code: "22003"},
		{op: '/', a: i(1), b: i(0), code: "22012"},
		{op: '%', a: i(1), b: i(0), code: "22012"},
		// Mixed and float arithmetic.
		{op: '/', a: f(7.5), b: i(2), want: f(3.75)},
		{op: '+', a: i(1), b: f(0.5), want: f(1.5)},
		{op: '+', a: f(0.1), b: f(0.2), want: f(0.30000000000000004)},
		{op: '%', a: f(7.5), b: i(2), want: f(1.5)},
		{op: '/', a: f(1), b: f(0), code: "22012"},
		{op: '/', a: f(1), b: i(0), code: "22012"},
		{op: '%', a: f(1), b: f(0), code: "22012"},
		{op: '*', a: f(1e300), b: f(1e300), code: "22003"},
		{op: '*', a: f(1e-300), b: f(1e-300), code: "22003"},
		{op: '+', a: f(math.Inf(1)), b: f(1), want: f(math.Inf(1))},
		{op: '*', a: f(math.NaN()), b: f(2), want: f(math.NaN())},
		// NULL and undefined propagate.
		{op: '+', a: null, b: i(1), want: null},
		{op: '/', a: i(1), b: undef, want: null},
		{op: '/', a: null, b: i(0), want: null},
		// Timestamps subtract to microseconds.
		{op: '-', a: ts("2024-01-02"), b: ts("2024-01-01"), want: i(86400e6)},
		{op: '+', a: ts("2024-01-02"), b: i(1), code: "42883"},
		// Other kinds have no arithmetic.
		{op: '+', a: i(1), b: s("1"), code: "42883"},
		{op: '*', a: b(true), b: i(1), code: "42883"},
	} {
		got, err := Arith(c.op, c.a, c.b)
		if code := errCode(err); code != c.code {
			t.Errorf("%s %c %s: error %q (%v), want %q", show(c.a), c.op, show(c.b), code, err, c.code)
			continue
		}
		if c.code == "" && !same(got, c.want) {
			t.Errorf("%s %c %s = %s, want %s", show(c.a), c.op, show(c.b), show(got), show(c.want))
		}
	}
}

func TestMulIntMatchesBigArithmetic(t *testing.T) {
	edge := []int64{0, 1, -1, 2, -2, 3037000499, 3037000500, -3037000500, math.MaxInt64, math.MinInt64, 1 << 32, -(1 << 31)}
	for _, x := range edge {
		for _, y := range edge {
			got, ok := mulInt(x, y)
			p := new(bigInt).mul(x, y)
			if ok != p.fits() || (ok && got != p.int64()) {
				t.Errorf("mulInt(%d, %d) = %d, %v", x, y, got, ok)
			}
		}
	}
}

// bigInt wraps math/big for checking overflow detection.
type bigInt struct{ v big.Int }

func (b *bigInt) mul(x, y int64) *bigInt {
	b.v.Mul(big.NewInt(x), big.NewInt(y))
	return b
}

func (b *bigInt) fits() bool   { return b.v.IsInt64() }
func (b *bigInt) int64() int64 { return b.v.Int64() }
