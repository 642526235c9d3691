package encoding

import "math"

// The decimal codec is the trick of ALP (Afroozeh, Kuffó, Boncz, SIGMOD
// 2024): most floats that people store were typed or computed as decimals
// with a few digits (prices, coordinates, percentages, durations in seconds),
// so v = m / 10^e for a small integer m and a common exponent e. The block
// stores e and the m's with the int codecs, where frame of reference, delta
// or a dictionary shrink them well below 8 bytes a value.
//
// A float qualifies only if the decoder's own arithmetic, float64(m) divided
// by 10^e, gives back its exact bits; so -0.0, NaN, infinities and values
// needing more than maxDecimalExp digits keep the section on another codec.

// maxDecimalExp is the largest exponent tried: 10^18 is the largest power of
// ten below 2^63, and every power up to 10^22 is exact in a float64.
const maxDecimalExp = 18

var pow10 = [maxDecimalExp + 1]float64{
	1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9,
	1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18,
}

// mantissa returns m with float64(m)/10^e == f bit for bit, if there is one.
func mantissa(f float64, e int) (int64, bool) {
	x := f * pow10[e]
	// The bound keeps the conversion in range and rejects NaN and ±Inf.
	if !(x > -9e18 && x < 9e18) {
		return 0, false
	}
	m := int64(math.RoundToEven(x))
	return m, math.Float64bits(float64(m)/pow10[e]) == math.Float64bits(f)
}

// decimalExp finds the smallest exponent at which every value of vals is an
// exact decimal and writes the mantissas to ms (of the same length).
func decimalExp(vals []float64, ms []int64) (int, bool) {
	e := 0
	for {
		// A value that is exact only at a larger exponent raises e for the
		// whole section; the values before it were checked at the smaller e
		// and are checked again. e only grows, so this ends within
		// maxDecimalExp+1 passes, and in practice one or two.
		again := false
		for i, f := range vals {
			m, ok := mantissa(f, e)
			for !ok {
				if e == maxDecimalExp {
					return 0, false
				}
				e++
				again = again || i > 0
				m, ok = mantissa(f, e)
			}
			ms[i] = m
		}
		if !again {
			return e, true
		}
	}
}
