package types

import (
	"math"
	"math/bits"
	"strings"
)

// Compare orders two values totally. Values of different kinds order by kind
// (see Kind), except that ints and floats compare as numbers. Within a kind:
// false < true; numbers numerically, NaN above every number and equal to
// itself (as PostgreSQL orders float8); strings bytewise; timestamps
// by instant; arrays element by element, then by length; objects field by
// field in document order (name, then value), then by length.
func Compare(a, b Value) int {
	ak, bk := a.kind, b.kind
	if ak.IsNumeric() && bk.IsNumeric() {
		return compareNumbers(a, b)
	}
	if ak != bk {
		if ak < bk {
			return -1
		}
		return 1
	}
	switch ak {
	case KindUndefined, KindNull:
		return 0
	case KindBool, KindTimestamp:
		x, y := int64(a.num), int64(b.num)
		switch {
		case x < y:
			return -1
		case x > y:
			return 1
		}
		return 0
	case KindString:
		return strings.Compare(a.str, b.str)
	case KindArray:
		ae, be := a.Elems(), b.Elems()
		for i := 0; i < len(ae) && i < len(be); i++ {
			if c := Compare(ae[i], be[i]); c != 0 {
				return c
			}
		}
		return cmpInt(len(ae), len(be))
	case KindObject:
		af, bf := a.Fields(), b.Fields()
		for i := 0; i < len(af) && i < len(bf); i++ {
			if c := strings.Compare(af[i].Name, bf[i].Name); c != 0 {
				return c
			}
			if c := Compare(af[i].Value, bf[i].Value); c != 0 {
				return c
			}
		}
		return cmpInt(len(af), len(bf))
	case KindInterval:
		return compareIntervals(a, b)
	}
	return 0
}

// Equal reports whether a and b are the same value. Ints and floats are equal
// when they denote the same number; objects are equal when they have the same
// fields with equal values, in any order (as JSON-Patch's test requires).
func Equal(a, b Value) bool {
	if a.kind.IsNumeric() && b.kind.IsNumeric() {
		return compareNumbers(a, b) == 0 && !isNaN(a) && !isNaN(b)
	}
	if a.kind != b.kind {
		return false
	}
	switch a.kind {
	case KindArray:
		ae, be := a.Elems(), b.Elems()
		if len(ae) != len(be) {
			return false
		}
		for i := range ae {
			if !Equal(ae[i], be[i]) {
				return false
			}
		}
		return true
	case KindObject:
		af, bf := a.Fields(), b.Fields()
		if len(af) != len(bf) {
			return false
		}
		for _, f := range af {
			g := b.Get(f.Name)
			if g.IsUndefined() || !Equal(f.Value, g) {
				return false
			}
		}
		return true
	}
	return Compare(a, b) == 0
}

func isNaN(v Value) bool { return v.kind == KindFloat && math.IsNaN(v.Float()) }

func cmpInt(a, b int) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// compareNumbers compares two numeric values exactly: an int and a float are
// compared without rounding the int to a float first.
func compareNumbers(a, b Value) int {
	if a.kind == KindInt && b.kind == KindInt {
		x, y := int64(a.num), int64(b.num)
		switch {
		case x < y:
			return -1
		case x > y:
			return 1
		}
		return 0
	}
	if a.kind == KindFloat && b.kind == KindFloat {
		return compareFloats(a.Float(), b.Float())
	}
	if a.kind == KindInt {
		return -compareFloatInt(b.Float(), int64(a.num))
	}
	return compareFloatInt(a.Float(), int64(b.num))
}

func compareFloats(x, y float64) int {
	switch {
	case math.IsNaN(x) && math.IsNaN(y):
		return 0
	case math.IsNaN(x):
		return 1
	case math.IsNaN(y):
		return -1
	case x < y:
		return -1
	case x > y:
		return 1
	}
	return 0
}

// compareFloatInt compares f with i exactly.
func compareFloatInt(f float64, i int64) int {
	if math.IsNaN(f) {
		return 1
	}
	// Every int64 lies in [-2^63, 2^63); floats outside it compare at once.
	if f >= 9223372036854775808.0 {
		return 1
	}
	if f < -9223372036854775808.0 {
		return -1
	}
	t := math.Trunc(f)
	ti := int64(t)
	if ti != i {
		if ti < i {
			return -1
		}
		return 1
	}
	frac := f - t
	switch {
	case frac > 0:
		return 1
	case frac < 0:
		return -1
	}
	return 0
}

// compareIntervals orders intervals by their length, a month counting 30
// days, as PostgreSQL does (so '1 month' = '30 days').
func compareIntervals(a, b Value) int {
	ah, al := IntervalSpan(a)
	bh, bl := IntervalSpan(b)
	switch {
	case ah < bh || (ah == bh && al < bl):
		return -1
	case ah != bh || al != bl:
		return 1
	}
	return 0
}

// IntervalSpan returns an interval's length in microseconds, a month
// counting 30 days and a day 24 hours (as PostgreSQL compares them), as a
// signed 128-bit integer (high word, low word): the three parts together
// overflow 64 bits.
func IntervalSpan(v Value) (int64, uint64) {
	const microsPerMonth = 30 * microsPerDay
	hi, lo := mul128(int64(v.IntervalMonths()), microsPerMonth)
	dh, dl := mul128(int64(v.days), microsPerDay)
	hi, lo = add128(hi, lo, dh, dl)
	us := int64(v.num)
	uh := int64(0)
	if us < 0 {
		uh = -1
	}
	return add128(hi, lo, uh, uint64(us))
}

// mul128 is a * b (b positive) as a signed 128-bit integer.
func mul128(a int64, b uint64) (int64, uint64) {
	hi, lo := bits.Mul64(uint64(max(a, -a)), b)
	if a < 0 { // two's complement negation
		lo = ^lo + 1
		hi = ^hi
		if lo == 0 {
			hi++
		}
	}
	return int64(hi), lo
}

func add128(ah int64, al uint64, bh int64, bl uint64) (int64, uint64) {
	lo, carry := bits.Add64(al, bl, 0)
	return ah + bh + int64(carry), lo
}
