package fn

import (
	"math"

	"github.com/basaltdb/basalt/sql/sqlerr"
	"github.com/basaltdb/basalt/types"
)

// codeWidthBucket is PostgreSQL's invalid_argument_for_width_bucket_function.
const codeWidthBucket = "2201G"

// More of PostgreSQL's scalar functions: overlay, width_bucket,
// factorial, gcd, lcm and the bitwise ~ (int8not).
func pgMoreFuncs() []*Func {
	return []*Func{
		{Name: "int8not", MinArgs: 1, MaxArgs: 1, NullIn: true, Eval: func(_ *Ctx, a []types.Value) (types.Value, error) {
			if a[0].Kind() != types.KindInt {
				return types.Value{}, &sqlerr.Error{Code: sqlerr.UndefinedFunction, Message: "operator does not exist: ~ " + a[0].Kind().String()}
			}
			return types.Int(^a[0].Int()), nil
		}},
		{Name: "gcd", MinArgs: 2, MaxArgs: 2, NullIn: true, Eval: func(_ *Ctx, a []types.Value) (types.Value, error) {
			x, y, err := intPair("gcd", a)
			if err != nil {
				return types.Value{}, err
			}
			return gcd(x, y)
		}},
		{Name: "lcm", MinArgs: 2, MaxArgs: 2, NullIn: true, Eval: func(_ *Ctx, a []types.Value) (types.Value, error) {
			x, y, err := intPair("lcm", a)
			if err != nil {
				return types.Value{}, err
			}
			if x == 0 || y == 0 {
				return types.Int(0), nil
			}
			g, err := gcd(x, y)
			if err != nil {
				return types.Value{}, err
			}
			// |x / g * y|, which must fit.
			r, ok := mulInt(x/g.Int(), y)
			if !ok || r == -1<<63 {
				return types.Value{}, errOutOfRange("bigint")
			}
			if r < 0 {
				r = -r
			}
			return types.Int(r), nil
		}},
		{Name: "overlay", MinArgs: 3, MaxArgs: 4, NullIn: true, Eval: evalOverlay},
		{Name: "width_bucket", MinArgs: 4, MaxArgs: 4, NullIn: true, Eval: evalWidthBucket},
		{Name: "factorial", MinArgs: 1, MaxArgs: 1, NullIn: true, Eval: func(_ *Ctx, a []types.Value) (types.Value, error) {
			if a[0].Kind() != types.KindInt {
				return types.Value{}, errNoFunction("factorial", a)
			}
			n := a[0].Int()
			if n < 0 {
				return types.Value{}, sqlerr.New(codeInvalidArgument, "factorial of a negative number is undefined")
			}
			r := int64(1)
			for k := int64(2); k <= n; k++ {
				var ok bool
				if r, ok = mulInt(r, k); !ok {
					return types.Value{}, errOutOfRange("bigint")
				}
			}
			return types.Int(r), nil
		}},
	}
}

// evalOverlay is overlay(s placing t from start [for count]): s with the
// count characters at start (t's length by default) replaced by t.
func evalOverlay(_ *Ctx, a []types.Value) (types.Value, error) {
	if err := strArgs("overlay", a, "ssii"); err != nil {
		return types.Value{}, err
	}
	r, t := []rune(a[0].Str()), a[1].Str()
	start := a[2].Int()
	count := int64(len([]rune(t)))
	if len(a) == 4 {
		count = a[3].Int()
	}
	if start < 1 {
		return types.Value{}, sqlerr.New(codeSubstringError, "negative substring length not allowed")
	}
	head := string(r[:min(start-1, int64(len(r)))])
	tailAt, ok := addInt(start-1, count)
	if !ok {
		return types.Value{}, errOutOfRange("integer")
	}
	tail := ""
	if tailAt < 0 {
		// A negative count repeats the head, as PostgreSQL's
		// substring arithmetic does: all of s after it.
		tail = string(r)
	} else if tailAt < int64(len(r)) {
		tail = string(r[tailAt:])
	}
	return types.String(head + t + tail), nil
}

// evalWidthBucket is width_bucket(x, low, high, count): the bucket of x
// among count equal buckets from low to high (0 below, count+1 above;
// buckets count down when low > high).
func evalWidthBucket(_ *Ctx, a []types.Value) (types.Value, error) {
	for _, v := range a[:3] {
		if !v.Kind().IsNumeric() {
			return types.Value{}, errNoFunction("width_bucket", a)
		}
	}
	if a[3].Kind() != types.KindInt {
		return types.Value{}, errNoFunction("width_bucket", a)
	}
	x, lo, hi, n := a[0].Float(), a[1].Float(), a[2].Float(), a[3].Int()
	switch {
	case n <= 0 || n > math.MaxInt32:
		return types.Value{}, sqlerr.New(codeWidthBucket, "count must be greater than zero")
	case math.IsNaN(x) || math.IsNaN(lo) || math.IsNaN(hi):
		return types.Value{}, sqlerr.New(codeWidthBucket, "operand, lower bound, and upper bound cannot be NaN")
	case math.IsInf(lo, 0) || math.IsInf(hi, 0):
		return types.Value{}, sqlerr.New(codeWidthBucket, "lower and upper bounds must be finite")
	case lo == hi:
		return types.Value{}, sqlerr.New(codeWidthBucket, "lower bound cannot equal upper bound")
	}
	var b int64
	if lo < hi {
		switch {
		case x < lo:
			b = 0
		case x >= hi:
			b = n + 1
		default:
			b = int64(float64(n)*((x-lo)/(hi-lo))) + 1
		}
	} else {
		switch {
		case x > lo:
			b = 0
		case x <= hi:
			b = n + 1
		default:
			b = int64(float64(n)*((lo-x)/(lo-hi))) + 1
		}
	}
	return types.Int(min(max(b, 0), n+1)), nil
}

func intPair(name string, a []types.Value) (int64, int64, error) {
	if a[0].Kind() != types.KindInt || a[1].Kind() != types.KindInt {
		return 0, 0, errNoFunction(name, a)
	}
	return a[0].Int(), a[1].Int(), nil
}

// gcd is the greatest common divisor, never negative; gcd(MinInt64, 0 or
// MinInt64) does not fit, as in PostgreSQL.
func gcd(x, y int64) (types.Value, error) {
	for y != 0 {
		x, y = y, x%y
	}
	if x == -1<<63 {
		return types.Value{}, errOutOfRange("bigint")
	}
	if x < 0 {
		x = -x
	}
	return types.Int(x), nil
}
