package encoding

import (
	"math"
	"testing"
)

// tenth is a variable so that tenth+2*tenth is computed in float64, not
// exactly as a constant expression.
var tenth = 0.1

func TestDecimalExp(t *testing.T) {
	for _, c := range []struct {
		name string
		vals []float64
		exp  int // -1: not decimal
	}{
		{"integers", []float64{1, 2, -300, 0}, 0},
		{"prices", []float64{19.99, 5, 0.01, 1234.5}, 2},
		{"raised late", []float64{1, 2.5, 3.125, 0.001}, 3},
		{"coordinates", []float64{48.858844, 2.294351, -33.856159}, 6},
		{"sum of tenths", []float64{tenth + 2*tenth}, 17}, // 0.30000000000000004
		{"negative zero", []float64{1.5, math.Copysign(0, -1)}, -1},
		{"nan", []float64{math.NaN()}, -1},
		{"inf", []float64{1, math.Inf(1)}, -1},
		{"too large", []float64{1e19}, -1},
		{"third", []float64{1.0 / 3}, 16}, // 0.3333333333333333 is its shortest form
		{"small third", []float64{1.0 / 3000}, -1},
		{"tiny", []float64{5e-324}, -1},
	} {
		t.Run(c.name, func(t *testing.T) {
			ms := make([]int64, len(c.vals))
			exp, ok := decimalExp(c.vals, ms)
			if !ok {
				exp = -1
			}
			if exp != c.exp {
				t.Fatalf("exponent %d, want %d", exp, c.exp)
			}
			if !ok {
				return
			}
			for i, f := range c.vals {
				if got := float64(ms[i]) / pow10[exp]; math.Float64bits(got) != math.Float64bits(f) {
					t.Fatalf("value %d: %v/10^%d = %v, want %v", i, ms[i], exp, got, f)
				}
			}
		})
	}
}

func TestMantissaRejectsOutOfRange(t *testing.T) {
	for _, f := range []float64{9e18, -9e18, math.MaxFloat64, math.NaN(), math.Inf(-1)} {
		if _, ok := mantissa(f, 0); ok {
			t.Fatalf("%v accepted", f)
		}
	}
	if m, ok := mantissa(8.999e18, 0); !ok || m != 8999000000000000000 {
		t.Fatalf("8.999e18: %d, %v", m, ok)
	}
}
