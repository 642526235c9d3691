package fn

import "github.com/basaltdb/basalt/types"

// Truthy reports how a WHERE or HAVING clause reads v: known is false for
// NULL and undefined (the row is dropped, as for false), and a value of any
// kind other than bool is false.
func Truthy(v types.Value) (val bool, known bool) {
	if isNull(v) {
		return false, false
	}
	return v.Bool(), true
}

// logical reads an operand of AND, OR and NOT: known is false for NULL,
// undefined and, since the logic is only defined on booleans, any other
// non-bool kind.
func logical(v types.Value) (val bool, known bool) {
	if v.Kind() != types.KindBool {
		return false, false
	}
	return v.Bool(), true
}

// Not is three-valued NOT: NULL stays NULL. A non-bool operand counts as
// NULL.
func Not(v types.Value) types.Value {
	b, ok := logical(v)
	if !ok {
		return types.Null
	}
	return types.Bool(!b)
}

// And is three-valued AND: false if either operand is false, else NULL if
// either is NULL, else true. A non-bool operand counts as NULL.
func And(a, b types.Value) types.Value {
	x, xok := logical(a)
	y, yok := logical(b)
	switch {
	case xok && !x, yok && !y:
		return types.Bool(false)
	case !xok || !yok:
		return types.Null
	}
	return types.Bool(true)
}

// Or is three-valued OR: true if either operand is true, else NULL if either
// is NULL, else false. A non-bool operand counts as NULL.
func Or(a, b types.Value) types.Value {
	x, xok := logical(a)
	y, yok := logical(b)
	switch {
	case xok && x, yok && y:
		return types.Bool(true)
	case !xok || !yok:
		return types.Null
	}
	return types.Bool(false)
}
