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
		// Timestamps take an integer of days (date ± integer), no other
		// number (intervals: TestIntervalArith).
		{op: '+', a: ts("2024-01-02"), b: i(1), want: ts("2024-01-03")},
		{op: '-', a: ts("2024-01-02"), b: i(2), want: ts("2023-12-31")},
		{op: '+', a: i(-1), b: ts("2024-01-02"), want: ts("2024-01-01")},
		{op: '-', a: i(1), b: ts("2024-01-02"), code: "42883"},
		{op: '+', a: ts("2024-01-02"), b: f(1.5), code: "42883"},
		{op: '*', a: ts("2024-01-02"), b: i(2), code: "42883"},
		{op: '+', a: ts("9999-12-31"), b: i(1), code: "22008"},
		{op: '+', a: ts("2024-01-02"), b: ts("2024-01-01"), code: "42883"},
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

// TestIntervalArith checks interval arithmetic and its text against what
// PostgreSQL 15 answers for the same expressions (the differential test
// runs more of them on both).
func TestIntervalArith(t *testing.T) {
	const hour, minute = 3600e6, 60e6
	iv := func(months, days int32, us int64) types.Value { return types.Interval(months, days, us) }
	for _, c := range []struct {
		op   byte
		a, b types.Value
		want types.Value
		text string
		code string
	}{
		{op: '-', a: ts("2024-03-10T12:00:00Z"), b: ts("2024-03-09T10:30:00Z"), want: iv(0, 1, 1.5*hour), text: "1 day 01:30:00"},
		{op: '-', a: ts("2024-03-09T10:30:00Z"), b: ts("2024-03-10T12:00:00Z"), want: iv(0, -1, -1.5*hour), text: "-1 days -01:30:00"},
		{op: '-', a: ts("2024-01-01T00:00:00Z"), b: ts("2024-01-01T00:00:00Z"), want: iv(0, 0, 0), text: "00:00:00"},
		{op: '+', a: ts("2024-01-31T00:00:00Z"), b: iv(1, 0, hour), want: ts("2024-02-29T01:00:00Z")},
		{op: '-', a: ts("2024-03-31T00:00:00Z"), b: iv(1, 0, 0), want: ts("2024-02-29T00:00:00Z")},
		{op: '+', a: iv(0, 0, hour), b: ts("2024-01-01T00:00:00Z"), want: ts("2024-01-01T01:00:00Z")},
		{op: '+', a: iv(1, 1, 0), b: iv(2, 0, 2*hour), want: iv(3, 1, 2*hour), text: "3 mons 1 day 02:00:00"},
		{op: '+', a: iv(0, 1, 0), b: iv(0, 0, 25*hour), want: iv(0, 1, 25*hour), text: "1 day 25:00:00"},
		{op: '-', a: iv(0, 0, hour), b: iv(0, 0, 2*hour), want: iv(0, 0, -hour), text: "-01:00:00"},
		{op: '*', a: iv(0, 1, 3*hour), b: i(2), want: iv(0, 2, 6*hour), text: "2 days 06:00:00"},
		{op: '*', a: iv(0, 1, 21*hour+18*minute+54e6), b: i(3), want: iv(0, 3, 63*hour+56*minute+42e6), text: "3 days 63:56:42"},
		{op: '*', a: f(0.5), b: iv(1, 0, 0), want: iv(0, 15, 0), text: "15 days"},
		{op: '*', a: iv(0, 3, 0), b: f(0.5), want: iv(0, 1, 12*hour), text: "1 day 12:00:00"},
		{op: '/', a: iv(0, 1, 0), b: i(3), want: iv(0, 0, 8*hour), text: "08:00:00"},
		{op: '/', a: iv(12, 0, 0), b: f(8), want: iv(1, 15, 0), text: "1 mon 15 days"},
		{op: '/', a: iv(0, 3, 1), b: i(2), want: iv(0, 1, 12*hour), text: "1 day 12:00:00"}, // half a microsecond rounds to even
		{op: '/', a: iv(0, 1, 0), b: i(0), code: "22012"},
		{op: '+', a: iv(types.MaxIntervalMonths, 0, 0), b: iv(1, 0, 0), code: "22003"},
		{op: '+', a: iv(0, 0, 1), b: i(1), code: "42883"},
		{op: '-', a: i(1), b: iv(0, 0, 1), code: "42883"},
		{op: '*', a: iv(0, 0, 1), b: iv(0, 0, 1), code: "42883"},
		{op: '-', a: iv(0, 0, 1), b: ts("2024-01-01T00:00:00Z"), code: "42883"},
		{op: '+', a: iv(0, 0, 1), b: null, want: null},
	} {
		got, err := Arith(c.op, c.a, c.b)
		if code := errCode(err); code != c.code {
			t.Errorf("%s %c %s: error %q (%v), want %q", show(c.a), c.op, show(c.b), code, err, c.code)
			continue
		}
		if c.code != "" {
			continue
		}
		if got.Kind() != c.want.Kind() || got.Micros() != c.want.Micros() || got.IntervalMonths() != c.want.IntervalMonths() || got.IntervalDays() != c.want.IntervalDays() {
			t.Errorf("%s %c %s = %s, want %s", show(c.a), c.op, show(c.b), show(got), show(c.want))
		}
		if c.text != "" && FormatInterval(got) != c.text {
			t.Errorf("%s %c %s: text %q, want %q", show(c.a), c.op, show(c.b), FormatInterval(got), c.text)
		}
	}
	if v, err := Neg(iv(1, 0, -hour)); err != nil || FormatInterval(v) != "-1 mons +01:00:00" {
		t.Errorf("-(1 mon -01:00:00) = %q, %v", FormatInterval(v), err)
	}
	for s, want := range map[string]string{
		"1 year 2 months 3 days 04:05:06.5": "1 year 2 mons 3 days 04:05:06.5",
		"-1 year":                           "-1 years",
		"1 mon -1 day":                      "1 mon -1 days",
		"0":                                 "00:00:00",
		"90 minutes":                        "01:30:00",
		"27 hours":                          "27:00:00",
		"7214 hours 17 minutes":             "7214:17:00",
		"-1 day +2 hours":                   "-1 days +02:00:00",
		"-1.25 seconds":                     "-00:00:01.25",
	} {
		v, err := Cast(types.String(s), "interval")
		if err != nil || FormatInterval(v) != want {
			t.Errorf("CAST(%q AS interval) = %q, %v; want %q", s, FormatInterval(v), err, want)
		}
		if back, err := Cast(v, "text"); err != nil || back.Str() != want {
			t.Errorf("CAST(CAST(%q AS interval) AS text) = %v, %v", s, back, err)
		}
	}
	for field, want := range map[string]types.Value{
		"epoch": f(93784.5), "day": i(1), "hour": i(2), "minute": i(3), "second": f(4.5),
		"millisecond": i(4500), "microsecond": i(4500000), "month": i(0), "year": i(0),
	} {
		got, err := evalExtract(nil, []types.Value{s(field), iv(0, 1, 2*hour+3*minute+4.5e6)})
		if err != nil || !same(got, want) {
			t.Errorf("EXTRACT(%s FROM 1 day 02:03:04.5) = %s, %v; want %s", field, show(got), err, show(want))
		}
	}
	if got, _ := evalExtract(nil, []types.Value{s("epoch"), iv(14, 0, 0)}); !same(got, f(365.25*86400+2*30*86400)) {
		t.Errorf("EXTRACT(epoch FROM 1 year 2 mons) = %s", show(got))
	}
}
