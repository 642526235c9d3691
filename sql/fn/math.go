package fn

import (
	"math"
	"math/rand/v2"
	"strconv"

	"github.com/basaltdb/basalt/sql/sqlerr"
	"github.com/basaltdb/basalt/types"
)

func mathFuncs() []*Func {
	ceil := &Func{Name: "ceil", MinArgs: 1, MaxArgs: 1, NullIn: true, Eval: intOrFloat("ceil", math.Ceil)}
	power := &Func{Name: "power", MinArgs: 2, MaxArgs: 2, NullIn: true, Eval: evalPower}
	log10 := &Func{Name: "log10", MinArgs: 1, MaxArgs: 1, NullIn: true, Eval: evalLog}
	return []*Func{
		{Name: "abs", MinArgs: 1, MaxArgs: 1, NullIn: true, Eval: evalAbs},
		ceil,
		alias("ceiling", ceil),
		{Name: "floor", MinArgs: 1, MaxArgs: 1, NullIn: true, Eval: intOrFloat("floor", math.Floor)},
		{Name: "round", MinArgs: 1, MaxArgs: 2, NullIn: true, Eval: roundFunc("round", math.Round, true)},
		{Name: "trunc", MinArgs: 1, MaxArgs: 2, NullIn: true, Eval: roundFunc("trunc", math.Trunc, false)},
		{Name: "sign", MinArgs: 1, MaxArgs: 1, NullIn: true, Eval: evalSign},
		{Name: "sqrt", MinArgs: 1, MaxArgs: 1, NullIn: true, Eval: floatFunc("sqrt", func(x float64) (float64, error) {
			if x < 0 {
				return 0, sqlerr.New(codeInvalidPowerArg, "cannot take square root of a negative number")
			}
			return math.Sqrt(x), nil
		})},
		{Name: "cbrt", MinArgs: 1, MaxArgs: 1, NullIn: true, Eval: floatFunc("cbrt", pure(math.Cbrt))},
		power,
		alias("pow", power),
		// The integer bitwise operators &, |, #, << and >> bind to these,
		// PostgreSQL's names for the functions behind them.
		bitwise("int8and", func(x, y int64) int64 { return x & y }),
		bitwise("int8or", func(x, y int64) int64 { return x | y }),
		bitwise("int8xor", func(x, y int64) int64 { return x ^ y }),
		// Shift counts are taken modulo 64, as the C shift PostgreSQL
		// runs does on amd64 and arm64.
		bitwise("int8shl", func(x, y int64) int64 { return x << (uint64(y) & 63) }),
		bitwise("int8shr", func(x, y int64) int64 { return x >> (uint64(y) & 63) }),
		{Name: "exp", MinArgs: 1, MaxArgs: 1, NullIn: true, Eval: floatFunc("exp", func(x float64) (float64, error) {
			r := math.Exp(x)
			if math.IsInf(r, 0) && !math.IsInf(x, 0) {
				return 0, errFloatOverflow()
			}
			if r == 0 && !math.IsInf(x, 0) {
				return 0, errFloatUnderflow()
			}
			return r, nil
		})},
		{Name: "ln", MinArgs: 1, MaxArgs: 1, NullIn: true, Eval: floatFunc("ln", checkedLog(math.Log))},
		{Name: "log", MinArgs: 1, MaxArgs: 2, NullIn: true, Eval: evalLog},
		log10,
		{Name: "mod", MinArgs: 2, MaxArgs: 2, NullIn: true, Eval: func(_ *Ctx, a []types.Value) (types.Value, error) {
			if !a[0].Kind().IsNumeric() || !a[1].Kind().IsNumeric() {
				return types.Value{}, errNoFunction("mod", a)
			}
			return Arith('%', a[0], a[1])
		}},
		{Name: "div", MinArgs: 2, MaxArgs: 2, NullIn: true, Eval: evalDiv},
		{Name: "pi", Eval: func(*Ctx, []types.Value) (types.Value, error) { return types.Float(math.Pi), nil }},
		{Name: "random", Volatile: true, Eval: func(*Ctx, []types.Value) (types.Value, error) {
			return types.Float(rand.Float64()), nil
		}},
		{Name: "degrees", MinArgs: 1, MaxArgs: 1, NullIn: true, Eval: floatFunc("degrees", pure(func(x float64) float64 { return x * 180 / math.Pi }))},
		{Name: "radians", MinArgs: 1, MaxArgs: 1, NullIn: true, Eval: floatFunc("radians", pure(func(x float64) float64 { return x * math.Pi / 180 }))},
		{Name: "sin", MinArgs: 1, MaxArgs: 1, NullIn: true, Eval: floatFunc("sin", trig(math.Sin))},
		{Name: "cos", MinArgs: 1, MaxArgs: 1, NullIn: true, Eval: floatFunc("cos", trig(math.Cos))},
		{Name: "tan", MinArgs: 1, MaxArgs: 1, NullIn: true, Eval: floatFunc("tan", trig(math.Tan))},
		{Name: "asin", MinArgs: 1, MaxArgs: 1, NullIn: true, Eval: floatFunc("asin", unitDomain(math.Asin))},
		{Name: "acos", MinArgs: 1, MaxArgs: 1, NullIn: true, Eval: floatFunc("acos", unitDomain(math.Acos))},
		{Name: "atan", MinArgs: 1, MaxArgs: 1, NullIn: true, Eval: floatFunc("atan", pure(math.Atan))},
		{Name: "atan2", MinArgs: 2, MaxArgs: 2, NullIn: true, Eval: func(_ *Ctx, a []types.Value) (types.Value, error) {
			if !a[0].Kind().IsNumeric() || !a[1].Kind().IsNumeric() {
				return types.Value{}, errNoFunction("atan2", a)
			}
			return types.Float(math.Atan2(a[0].Float(), a[1].Float())), nil
		}},
		{Name: "greatest", MinArgs: 1, MaxArgs: -1, Eval: extreme(1)},
		{Name: "least", MinArgs: 1, MaxArgs: -1, Eval: extreme(-1)},
	}
}

func pure(f func(float64) float64) func(float64) (float64, error) {
	return func(x float64) (float64, error) { return f(x), nil }
}

// floatFunc lifts a float function to one numeric argument; ints convert.
func floatFunc(name string, f func(float64) (float64, error)) func(*Ctx, []types.Value) (types.Value, error) {
	return func(_ *Ctx, a []types.Value) (types.Value, error) {
		if !a[0].Kind().IsNumeric() {
			return types.Value{}, errNoFunction(name, a)
		}
		r, err := f(a[0].Float())
		if err != nil {
			return types.Value{}, err
		}
		return types.Float(r), nil
	}
}

// intOrFloat applies f to a float and returns an int unchanged, as
// PostgreSQL's ceil and floor keep their argument's type.
func intOrFloat(name string, f func(float64) float64) func(*Ctx, []types.Value) (types.Value, error) {
	return func(_ *Ctx, a []types.Value) (types.Value, error) {
		switch a[0].Kind() {
		case types.KindInt:
			return a[0], nil
		case types.KindFloat:
			return types.Float(f(a[0].Float())), nil
		}
		return types.Value{}, errNoFunction(name, a)
	}
}

func evalAbs(_ *Ctx, a []types.Value) (types.Value, error) {
	switch a[0].Kind() {
	case types.KindInt:
		i := a[0].Int()
		if i == math.MinInt64 {
			return types.Value{}, errOutOfRange("bigint")
		}
		if i < 0 {
			i = -i
		}
		return types.Int(i), nil
	case types.KindFloat:
		return types.Float(math.Abs(a[0].Float())), nil
	}
	return types.Value{}, errNoFunction("abs", a)
}

func evalSign(_ *Ctx, a []types.Value) (types.Value, error) {
	switch a[0].Kind() {
	case types.KindInt:
		i := a[0].Int()
		switch {
		case i > 0:
			return types.Int(1), nil
		case i < 0:
			return types.Int(-1), nil
		}
		return types.Int(0), nil
	case types.KindFloat:
		f := a[0].Float()
		switch {
		case f > 0:
			return types.Float(1), nil
		case f < 0:
			return types.Float(-1), nil
		}
		return types.Float(0), nil // NaN has no sign; PostgreSQL answers 0 too.
	}
	return types.Value{}, errNoFunction("sign", a)
}

// roundFunc is ROUND or TRUNC. With one argument an int stays an int and a
// float rounds (half away from zero, as numeric does) or truncates to an
// integral float. With a digit count the answer is a float computed on the
// shortest decimal form of the input, so ROUND(2.675, 2) is 2.68 as for the
// numeric literal 2.675, although the nearest float is 2.67499999...
func roundFunc(name string, f func(float64) float64, halfUp bool) func(*Ctx, []types.Value) (types.Value, error) {
	return func(_ *Ctx, a []types.Value) (types.Value, error) {
		k := a[0].Kind()
		if !k.IsNumeric() || (len(a) == 2 && a[1].Kind() != types.KindInt) {
			return types.Value{}, errNoFunction(name, a)
		}
		if len(a) == 1 {
			if k == types.KindInt {
				return a[0], nil
			}
			return types.Float(f(a[0].Float())), nil
		}
		return types.Float(roundDecimal(a[0].Float(), a[1].Int(), halfUp)), nil
	}
}

// roundDecimal rounds x to n decimal places (n may be negative) on the
// decimal digits of its shortest representation.
func roundDecimal(x float64, n int64, halfUp bool) float64 {
	if math.IsNaN(x) || math.IsInf(x, 0) || x == 0 {
		return x
	}
	n = max(min(n, 400), -400)
	// Shortest digits: d.ddddde±XX.
	s := strconv.FormatFloat(math.Abs(x), 'e', -1, 64)
	mant, exp := s, 0
	if i := indexByte(s, 'e'); i >= 0 {
		mant = s[:i]
		exp, _ = strconv.Atoi(s[i+1:])
	}
	digits := make([]byte, 0, len(mant))
	for i := 0; i < len(mant); i++ {
		if mant[i] != '.' {
			digits = append(digits, mant[i])
		}
	}
	// digits[0] has weight 10^exp; keep those with weight >= 10^-n.
	keep := int64(exp) + 1 + n
	if keep >= int64(len(digits)) {
		return x
	}
	var kept []byte
	if keep > 0 {
		kept = append(kept, digits[:keep]...)
	}
	up := halfUp && keep >= 0 && digits[keep] >= '5'
	// Value = 0.kept × 10^(exp+1); add one unit in the last kept place when
	// rounding up.
	scaleExp := int64(exp) + 1
	if keep < 0 {
		return math.Copysign(0, x)
	}
	if up {
		i := len(kept) - 1
		for ; i >= 0; i-- {
			if kept[i] == '9' {
				kept[i] = '0'
				continue
			}
			kept[i]++
			break
		}
		if i < 0 {
			kept = append([]byte{'1'}, kept...)
			scaleExp++
		}
	}
	if len(kept) == 0 {
		return math.Copysign(0, x)
	}
	r, err := strconv.ParseFloat("0."+string(kept)+"e"+strconv.FormatInt(scaleExp, 10), 64)
	if err != nil {
		return x
	}
	return math.Copysign(r, x)
}

func indexByte(s string, c byte) int {
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			return i
		}
	}
	return -1
}

// bitwise is an operator on two integers; PostgreSQL has none for
// floating-point or numeric operands, so neither has Basalt.
func bitwise(name string, op func(x, y int64) int64) *Func {
	return &Func{Name: name, MinArgs: 2, MaxArgs: 2, NullIn: true, Eval: func(_ *Ctx, a []types.Value) (types.Value, error) {
		if a[0].Kind() != types.KindInt || a[1].Kind() != types.KindInt {
			return types.Value{}, errNoFunction(name, a)
		}
		return types.Int(op(a[0].Int(), a[1].Int())), nil
	}}
}

func evalPower(_ *Ctx, a []types.Value) (types.Value, error) {
	if !a[0].Kind().IsNumeric() || !a[1].Kind().IsNumeric() {
		return types.Value{}, errNoFunction("power", a)
	}
	x, y := a[0].Float(), a[1].Float()
	if x == 0 && y < 0 {
		return types.Value{}, sqlerr.New(codeInvalidPowerArg, "zero raised to a negative power is undefined")
	}
	if x < 0 && y != math.Trunc(y) && !math.IsInf(y, 0) {
		return types.Value{}, sqlerr.New(codeInvalidPowerArg, "a negative number raised to a non-integer power yields a complex result")
	}
	r := math.Pow(x, y)
	if math.IsInf(r, 0) && !math.IsInf(x, 0) && !math.IsInf(y, 0) {
		return types.Value{}, errFloatOverflow()
	}
	if r == 0 && x != 0 && !math.IsInf(x, 0) && !math.IsInf(y, 0) {
		return types.Value{}, errFloatUnderflow()
	}
	return types.Float(r), nil
}

func checkedLog(f func(float64) float64) func(float64) (float64, error) {
	return func(x float64) (float64, error) {
		switch {
		case x == 0:
			return 0, sqlerr.New(codeInvalidLogArg, "cannot take logarithm of zero")
		case x < 0:
			return 0, sqlerr.New(codeInvalidLogArg, "cannot take logarithm of a negative number")
		}
		return f(x), nil
	}
}

// evalLog is LOG(x), the base-10 logarithm, or LOG(b, x). A base-b answer
// that is an integer n with b^n = x exactly is returned exactly, so that
// LOG(2, 8) is 3 and not 2.9999999999999996.
func evalLog(_ *Ctx, a []types.Value) (types.Value, error) {
	for _, v := range a {
		if !v.Kind().IsNumeric() {
			return types.Value{}, errNoFunction("log", a)
		}
	}
	if len(a) == 1 {
		r, err := checkedLog(math.Log10)(a[0].Float())
		if err != nil {
			return types.Value{}, err
		}
		return types.Float(r), nil
	}
	b, x := a[0].Float(), a[1].Float()
	lb, err := checkedLog(math.Log)(b)
	if err != nil {
		return types.Value{}, err
	}
	lx, err := checkedLog(math.Log)(x)
	if err != nil {
		return types.Value{}, err
	}
	if lb == 0 {
		return types.Value{}, errDivByZero()
	}
	r := lx / lb
	if n := math.Round(r); n != r && math.Abs(n-r) < 1e-9 && math.Pow(b, n) == x {
		r = n
	}
	return types.Float(r), nil
}

func evalDiv(_ *Ctx, a []types.Value) (types.Value, error) {
	if !a[0].Kind().IsNumeric() || !a[1].Kind().IsNumeric() {
		return types.Value{}, errNoFunction("div", a)
	}
	r, err := Arith('/', a[0], a[1])
	if err != nil || r.Kind() == types.KindInt {
		return r, err
	}
	return types.Float(math.Trunc(r.Float())), nil
}

func trig(f func(float64) float64) func(float64) (float64, error) {
	return func(x float64) (float64, error) {
		if math.IsInf(x, 0) {
			return 0, sqlerr.New(sqlerr.NumericOutOfRange, "input is out of range")
		}
		return f(x), nil
	}
}

func unitDomain(f func(float64) float64) func(float64) (float64, error) {
	return func(x float64) (float64, error) {
		if x < -1 || x > 1 {
			return 0, sqlerr.New(sqlerr.NumericOutOfRange, "input is out of range")
		}
		return f(x), nil
	}
}

// extreme is GREATEST (dir 1) or LEAST (dir -1): NULLs are skipped and the
// answer is NULL only when every argument is NULL, as in PostgreSQL. Values
// of different kinds order as types.Compare orders them.
func extreme(dir int) func(*Ctx, []types.Value) (types.Value, error) {
	return func(_ *Ctx, a []types.Value) (types.Value, error) {
		best := types.Null
		for _, v := range a {
			if isNull(v) {
				continue
			}
			if isNull(best) {
				best = v
				continue
			}
			c, ok := cmp(v, best)
			if !ok {
				c = types.Compare(v, best)
			}
			if c*dir > 0 {
				best = v
			}
		}
		return best, nil
	}
}
