package plan

import (
	"github.com/basaltdb/basalt/sql/fn"
	"github.com/basaltdb/basalt/types"
)

// PostgreSQL gives a quoted literal no type of its own: in `ts >=
// '2024-01-02'` it becomes a timestamp because ts is one. Basalt's fields
// have no declared type, so the binder asks the collection which kinds a
// path holds: when the other operand of a comparison is known to hold one
// kind (a field whose documents all hold timestamps, `_event_time`, a
// function returning timestamps, a cast), a string constant is cast to that
// kind. A string that does not read as that kind stays a string, and the
// comparison is false as any comparison of different kinds is.

// timestampFuncs return timestamps whatever their arguments.
var timestampFuncs = map[string]bool{
	"date_trunc": true, "time_bucket": true, "date_bin": true, "now": true,
	"current_timestamp": true, "to_timestamp": true, "timestamp_seconds": true,
	"timestamp_millis": true, "timestamp_micros": true, "parse_timestamp_iso8601": true,
	"parse_timestamp": true,
}

// staticKind returns the one kind e evaluates to (null aside), when the
// binder can tell.
func (b *Binder) staticKind(e Expr) (types.Kind, bool) {
	switch e := e.(type) {
	case *ColRef:
		if tp, ok := b.colPaths[e.ID]; ok {
			ks := tp.t.PathKinds(tp.path)
			// A field holding ints and floats holds numbers: JSON does not
			// tell 2 from 2.0, so '2' compares with it as a number.
			if ks&^KindsOf(types.KindNull, types.KindUndefined) == KindsOf(types.KindInt, types.KindFloat) {
				return types.KindFloat, true
			}
			return ks.Only()
		}
	case *Const:
		if k := e.V.Kind(); k != types.KindNull && k != types.KindUndefined {
			return k, true
		}
	case *IntervalAdd:
		if k, ok := b.staticKind(e.X); ok && k == types.KindInterval {
			return k, true
		}
		return types.KindTimestamp, true
	case *Cast:
		switch t, _ := fn.NormalizeType(e.Type); t {
		case fn.TypeTimestamp, fn.TypeDate:
			return types.KindTimestamp, true
		case fn.TypeInt:
			return types.KindInt, true
		case fn.TypeFloat:
			return types.KindFloat, true
		case fn.TypeBool:
			return types.KindBool, true
		case fn.TypeString:
			return types.KindString, true
		case fn.TypeInterval:
			return types.KindInterval, true
		}
	case *Call:
		if timestampFuncs[e.Fn.Name] {
			return types.KindTimestamp, true
		}
	case *Arith:
		// Time arithmetic (`now() - ts` is an interval).
		l, lok := b.staticKind(e.L)
		r, rok := b.staticKind(e.R)
		ts, iv := types.KindTimestamp, types.KindInterval
		switch {
		case !lok || !rok:
		case l == ts && r == ts && e.Op == '-', l == iv && r == iv && e.Op != '*' && e.Op != '/':
			return iv, true
		case l == ts && r == iv, l == iv && r == ts:
			return ts, true
		}
	}
	return 0, false
}

// coerce casts e, when it is a string constant, to the kind other is known
// to hold.
func (b *Binder) coerce(e, other Expr) Expr {
	c, ok := e.(*Const)
	if !ok || c.V.Kind() != types.KindString {
		return e
	}
	k, ok := b.staticKind(other)
	if !ok {
		return e
	}
	var typ string
	switch k {
	case types.KindTimestamp:
		typ = fn.TypeTimestamp
	case types.KindInt:
		// '2.5' against an int column compares as a number, as
		// PostgreSQL's int = numeric does.
		typ = fn.TypeFloat
		if v, err := fn.Cast(c.V, fn.TypeInt); err == nil {
			return &Const{V: v}
		}
	case types.KindFloat:
		typ = fn.TypeFloat
	case types.KindBool:
		typ = fn.TypeBool
	case types.KindInterval:
		typ = fn.TypeInterval
	default:
		return e
	}
	v, err := fn.Cast(c.V, typ)
	if err != nil {
		return e
	}
	return &Const{V: v}
}

// coercePair types a string constant on either side by the other.
func (b *Binder) coercePair(l, r Expr) (Expr, Expr) {
	return b.coerce(l, r), b.coerce(r, l)
}

// coerceArray reads a string constant on the array side of `x = ANY(…)`
// as PostgreSQL's array text (`'{5,10}'`, what drivers send for an array
// parameter), its elements typed as x is known to be, as PostgreSQL types
// the untyped literal by the other operand. Anything else is left as is.
func (b *Binder) coerceArray(arr, x Expr) Expr {
	c, ok := arr.(*Const)
	if !ok || c.V.Kind() != types.KindString {
		return arr
	}
	elem := ""
	if k, ok := b.staticKind(x); ok {
		switch k {
		case types.KindInt:
			elem = fn.TypeFloat // '2.5' against ints compares as a number
		case types.KindFloat:
			elem = fn.TypeFloat
		case types.KindBool:
			elem = fn.TypeBool
		case types.KindTimestamp:
			elem = fn.TypeTimestamp
		case types.KindInterval:
			elem = fn.TypeInterval
		}
	}
	typ := fn.TypeArray
	if elem != "" {
		typ = elem + "[]"
	}
	v, err := fn.Cast(c.V, typ)
	if err != nil {
		return arr // compared as it is: a string is no array, so NULL
	}
	return &Const{V: v}
}

// coerceTimeOperand types a string constant on the right of + or - by the
// time value on the left, as PostgreSQL resolves an untyped literal there:
// timestamp + '1 day' and interval ± '1 min' take an interval, timestamp -
// '2024-01-01' a timestamp (and so give an interval).
func (b *Binder) coerceTimeOperand(op byte, l, r Expr) Expr {
	c, ok := r.(*Const)
	if !ok || c.V.Kind() != types.KindString || (op != '+' && op != '-') {
		return r
	}
	k, ok := b.staticKind(l)
	if !ok {
		return r
	}
	var typ string
	switch {
	case k == types.KindInterval, k == types.KindTimestamp && op == '+':
		typ = fn.TypeInterval
	case k == types.KindTimestamp:
		typ = fn.TypeTimestamp
	default:
		return r
	}
	v, err := fn.Cast(c.V, typ)
	if err != nil {
		return r // an error at run time names the operator and the kinds
	}
	return &Const{V: v}
}
