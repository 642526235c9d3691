package fn

import (
	"github.com/basaltdb/basalt/types"
)

// Compare applies the comparison operator op ("=", "<>", "!=", "<", "<=",
// ">", ">=") and returns a Bool, or Null when either operand is NULL or
// undefined. Ints and floats compare as numbers, exactly; NaN equals NaN and
// is greater than every other number, as in PostgreSQL. Values of
// incompatible kinds are not comparable: every operator but <> yields false,
// and <> yields true. Arrays compare element by element (types.Compare);
// objects are equal when they hold the same fields whatever their order, and
// order by types.Compare. An unknown op yields Null.
func Compare(op string, a, b types.Value) types.Value {
	if isNull(a) || isNull(b) {
		return types.Null
	}
	c, ok := cmp(a, b)
	if !ok {
		switch op {
		case "<>", "!=":
			return types.Bool(true)
		case "=", "<", "<=", ">", ">=":
			return types.Bool(false)
		}
		return types.Null
	}
	if k := a.Kind(); (k == types.KindObject || k == types.KindArray) && (op == "=" || op == "<>" || op == "!=") {
		eq := equal(a, b)
		return types.Bool(eq == (op == "="))
	}
	switch op {
	case "=":
		return types.Bool(c == 0)
	case "<>", "!=":
		return types.Bool(c != 0)
	case "<":
		return types.Bool(c < 0)
	case "<=":
		return types.Bool(c <= 0)
	case ">":
		return types.Bool(c > 0)
	case ">=":
		return types.Bool(c >= 0)
	}
	return types.Null
}

// Comparer returns Compare for one operator, resolved once: a compiled
// comparison calls it per row.
func Comparer(op string) func(a, b types.Value) types.Value {
	var lt, eq, gt bool // the answer when a < b, a = b, a > b
	switch op {
	case "=":
		eq = true
	case "<>", "!=":
		lt, gt = true, true
	case "<":
		lt = true
	case "<=":
		lt, eq = true, true
	case ">":
		gt = true
	case ">=":
		eq, gt = true, true
	default:
		return func(a, b types.Value) types.Value { return Compare(op, a, b) }
	}
	return func(a, b types.Value) types.Value {
		ak, bk := a.Kind(), b.Kind()
		if ak == types.KindInt && bk == types.KindInt {
			x, y := a.Int(), b.Int()
			return types.Bool(x < y && lt || x == y && eq || x > y && gt)
		}
		if ak <= types.KindNull || bk <= types.KindNull || ak == types.KindObject || ak == types.KindArray {
			return Compare(op, a, b)
		}
		c, ok := cmp(a, b)
		if !ok {
			// Incomparable kinds: only <> holds.
			return types.Bool(lt && gt && !eq)
		}
		return types.Bool(c < 0 && lt || c == 0 && eq || c > 0 && gt)
	}
}

// equal reports whether two comparable values are equal: as cmp says,
// except that objects, at any depth (inside arrays too), are equal when
// they hold equal values under the same field names, whatever the order.
func equal(a, b types.Value) bool {
	switch {
	case a.Kind() == types.KindArray && b.Kind() == types.KindArray:
		ae, be := a.Elems(), b.Elems()
		if len(ae) != len(be) {
			return false
		}
		for i := range ae {
			if !equal(ae[i], be[i]) {
				return false
			}
		}
		return true
	case a.Kind() == types.KindObject && b.Kind() == types.KindObject:
		af := a.Fields()
		if len(af) != len(b.Fields()) {
			return false
		}
		for _, f := range af {
			if g := b.Get(f.Name); g.IsUndefined() || !equal(f.Value, g) {
				return false
			}
		}
		return true
	}
	c, ok := cmp(a, b)
	return ok && c == 0
}

// cmp orders two non-null values of comparable kinds; ok is false when the
// kinds are not comparable.
func cmp(a, b types.Value) (c int, ok bool) {
	ak, bk := a.Kind(), b.Kind()
	if ak != bk && !(ak.IsNumeric() && bk.IsNumeric()) {
		return 0, false
	}
	return types.Compare(a, b), true
}

// AnyCompare evaluates v op ANY(arr) with PostgreSQL's three-valued
// semantics: true if the comparison is true for some element; otherwise NULL
// if it was NULL for some element (or v is NULL and arr is not empty);
// otherwise false, which is also the answer for an empty array. A NULL,
// undefined or non-array arr yields NULL.
func AnyCompare(op string, v, arr types.Value) types.Value {
	if arr.Kind() != types.KindArray {
		return types.Null
	}
	sawNull := false
	for _, e := range arr.Elems() {
		r := Compare(op, v, e)
		if r.Kind() != types.KindBool {
			sawNull = true
			continue
		}
		if r.Bool() {
			return r
		}
	}
	if sawNull {
		return types.Null
	}
	return types.Bool(false)
}
