package fn

import (
	"math"
	"math/bits"

	"github.com/basaltdb/basalt/sql/sqlerr"
	"github.com/basaltdb/basalt/types"
)

// Arith applies the binary arithmetic operator op (one of + - * / %) to a and
// b. A NULL or undefined operand yields NULL. Int op int is int, checked for
// overflow (22003) as PostgreSQL's bigint; division truncates toward zero and
// % takes the sign of the dividend. Int op float and float op float are float
// and report overflow and underflow as PostgreSQL's float8 does. Division or
// modulo by zero is 22012 for ints and floats alike. With intervals, as in
// PostgreSQL: timestamp - timestamp is an interval; timestamp ± interval
// and interval + timestamp a timestamp; interval ± interval an interval;
// interval * number, number * interval and interval / number an interval
// (see intervalArith). A date being the timestamp of its midnight,
// timestamp ± int and int + timestamp add days, as PostgreSQL's date ±
// integer does. Any other combination of kinds is 42883.
func Arith(op byte, a, b types.Value) (types.Value, error) {
	if isNull(a) || isNull(b) {
		return types.Null, nil
	}
	ak, bk := a.Kind(), b.Kind()
	switch {
	case ak == types.KindInt && bk == types.KindInt:
		return arithInt(op, a.Int(), b.Int())
	case ak.IsNumeric() && bk.IsNumeric():
		return arithFloat(op, a.Float(), b.Float())
	case ak == types.KindInterval || bk == types.KindInterval || (ak == types.KindTimestamp && bk == types.KindTimestamp):
		if v, ok, err := intervalArith(op, a, b); ok || err != nil {
			return v, err
		}
	case ak == types.KindTimestamp && bk == types.KindInt && (op == '+' || op == '-'),
		ak == types.KindInt && bk == types.KindTimestamp && op == '+':
		return addDays(op, a, b)
	}
	if !validOp(op) {
		return types.Value{}, sqlerr.New(sqlerr.Internal, "fn: unknown arithmetic operator %q", op)
	}
	return types.Value{}, errNoOperator(string(op), a, b)
}

// ArithKinds reports whether Arith may accept operands of kinds a and b
// (neither NULL): numbers, timestamps and intervals. Any other kind is
// refused, so a lenient caller can answer NULL without making the error.
func ArithKinds(a, b types.Kind) bool {
	return arithKind(a) && arithKind(b)
}

func arithKind(k types.Kind) bool {
	return k == types.KindInt || k == types.KindFloat || k == types.KindTimestamp || k == types.KindInterval
}

func validOp(op byte) bool {
	return op == '+' || op == '-' || op == '*' || op == '/' || op == '%'
}

func arithInt(op byte, x, y int64) (types.Value, error) {
	var r int64
	ok := true
	switch op {
	case '+':
		r, ok = addInt(x, y)
	case '-':
		r, ok = subInt(x, y)
	case '*':
		r, ok = mulInt(x, y)
	case '/':
		if y == 0 {
			return types.Value{}, errDivByZero()
		}
		if x == math.MinInt64 && y == -1 {
			ok = false
		} else {
			r = x / y
		}
	case '%':
		if y == 0 {
			return types.Value{}, errDivByZero()
		}
		// Go, like PostgreSQL, defines MinInt64 % -1 as 0 without trapping.
		r = x % y
	default:
		return types.Value{}, sqlerr.New(sqlerr.Internal, "fn: unknown arithmetic operator %q", op)
	}
	if !ok {
		return types.Value{}, errOutOfRange("bigint")
	}
	return types.Int(r), nil
}

func addInt(x, y int64) (int64, bool) {
	r := x + y
	// Overflow iff both operands have the sign the result lacks.
	return r, (x^r)&(y^r) >= 0
}

func subInt(x, y int64) (int64, bool) {
	r := x - y
	return r, (x^y)&(x^r) >= 0
}

func mulInt(x, y int64) (int64, bool) {
	if x == 0 || y == 0 {
		return 0, true
	}
	neg := (x < 0) != (y < 0)
	hi, lo := bits.Mul64(absU(x), absU(y))
	if hi != 0 {
		return 0, false
	}
	if neg {
		if lo > 1<<63 {
			return 0, false
		}
		return int64(-lo), true
	}
	if lo > math.MaxInt64 {
		return 0, false
	}
	return int64(lo), true
}

// absU returns |x| as a uint64, exact for MinInt64 too.
func absU(x int64) uint64 {
	if x < 0 {
		return uint64(-x) // -MinInt64 wraps to MinInt64, whose bits are 1<<63.
	}
	return uint64(x)
}

func arithFloat(op byte, x, y float64) (types.Value, error) {
	var r float64
	switch op {
	case '+':
		r = x + y
		if math.IsInf(r, 0) && !math.IsInf(x, 0) && !math.IsInf(y, 0) {
			return types.Value{}, errFloatOverflow()
		}
	case '-':
		r = x - y
		if math.IsInf(r, 0) && !math.IsInf(x, 0) && !math.IsInf(y, 0) {
			return types.Value{}, errFloatOverflow()
		}
	case '*':
		r = x * y
		if math.IsInf(r, 0) && !math.IsInf(x, 0) && !math.IsInf(y, 0) {
			return types.Value{}, errFloatOverflow()
		}
		if r == 0 && x != 0 && y != 0 {
			return types.Value{}, errFloatUnderflow()
		}
	case '/':
		if y == 0 && !math.IsNaN(x) {
			return types.Value{}, errDivByZero() // NaN / 0 is NaN, as in PostgreSQL
		}
		r = x / y
		if math.IsInf(r, 0) && !math.IsInf(x, 0) {
			return types.Value{}, errFloatOverflow()
		}
		if r == 0 && x != 0 && !math.IsInf(y, 0) {
			return types.Value{}, errFloatUnderflow()
		}
	case '%':
		if y == 0 {
			return types.Value{}, errDivByZero()
		}
		r = math.Mod(x, y)
	default:
		return types.Value{}, sqlerr.New(sqlerr.Internal, "fn: unknown arithmetic operator %q", op)
	}
	return types.Float(r), nil
}

func errFloatOverflow() error {
	return sqlerr.New(sqlerr.NumericOutOfRange, "value out of range: overflow")
}

func errFloatUnderflow() error {
	return sqlerr.New(sqlerr.NumericOutOfRange, "value out of range: underflow")
}

// addDays is timestamp ± n days (either operand the timestamp for +).
func addDays(op byte, a, b types.Value) (types.Value, error) {
	ts, n := a, b
	if a.Kind() == types.KindInt {
		ts, n = b, a
	}
	days := n.Int()
	if op == '-' {
		days = -days
	}
	d, ok := mulInt(days, 86400*microsPerSecond)
	us, ok2 := addInt(ts.Micros(), d)
	if !ok || !ok2 || us < minTimestamp || us > maxTimestamp {
		return types.Value{}, sqlerr.New(codeDatetimeOverflow, "date out of range")
	}
	return types.Timestamp(us), nil
}
