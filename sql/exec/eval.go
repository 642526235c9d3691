package exec

import (
	"github.com/basaltdb/basalt/sql/fn"
	"github.com/basaltdb/basalt/sql/plan"
	"github.com/basaltdb/basalt/sql/sqlerr"
	"github.com/basaltdb/basalt/types"
)

// Row is one row of an operator's output, laid out as its plan node's Cols.
type Row = []types.Value

// evalFn evaluates an expression on a row.
type evalFn func(r Row) (types.Value, error)

// layout maps the columns of a row to their positions.
type layout map[plan.ColID]int

func layoutOf(cols []plan.ColID) layout {
	l := make(layout, len(cols))
	for i, c := range cols {
		l[c] = i
	}
	return l
}

// compiler compiles expressions against a row layout; outer columns
// (correlated subqueries) are read from env.
type compiler struct {
	q   *Query
	lay layout
	env map[plan.ColID]*types.Value
}

func (q *Query) compile(e plan.Expr, lay layout) (evalFn, error) {
	c := &compiler{q: q, lay: lay, env: q.outer}
	return c.compile(e)
}

func (c *compiler) compile(e plan.Expr) (evalFn, error) {
	switch e := e.(type) {
	case nil:
		return func(Row) (types.Value, error) { return types.Null, nil }, nil
	case *plan.Const:
		v := e.V
		return func(Row) (types.Value, error) { return v, nil }, nil
	case *plan.ColRef:
		if i, ok := c.lay[e.ID]; ok {
			return func(r Row) (types.Value, error) { return r[i], nil }, nil
		}
		if p, ok := c.env[e.ID]; ok {
			return func(Row) (types.Value, error) { return *p, nil }, nil
		}
		return nil, sqlerr.New(sqlerr.Internal, "column %s#%d is not available here", e.Name, e.ID)
	case *plan.Call:
		args, err := c.all(e.Args)
		if err != nil {
			return nil, err
		}
		f, ctx, lenient := e.Fn, c.q.fnCtx, e.Lenient
		buf := make([]types.Value, len(args))
		if col, ok := argColumn(e.Args); ok {
			if i, ok := c.lay[col.ID]; ok {
				// f(column), as length(x) or lower(x): the column read in
				// place of a call per row.
				return func(r Row) (types.Value, error) {
					v := r[i]
					if f.NullIn && v.Kind() <= types.KindNull {
						return types.Null, nil
					}
					buf[0] = v
					v, err := f.Eval(ctx, buf)
					if err != nil && lenient && fn.IsKindMismatch(err) {
						return types.Null, nil
					}
					return v, err
				}, nil
			}
		}
		return func(r Row) (types.Value, error) {
			vals := buf
			for i, a := range args {
				v, err := a(r)
				if err != nil {
					return types.Value{}, err
				}
				if f.NullIn && (v.IsNull() || v.IsUndefined()) {
					return types.Null, nil
				}
				vals[i] = v
			}
			v, err := f.Eval(ctx, vals)
			if err != nil && lenient && fn.IsKindMismatch(err) {
				return types.Null, nil
			}
			return v, err
		}, nil
	case *plan.Arith:
		op, lenient := e.Op, e.Lenient
		return c.binary(e.L, e.R, func(a, b types.Value) (types.Value, error) {
			// Fast path: two ints that cannot overflow.
			if a.Kind() == types.KindInt && b.Kind() == types.KindInt {
				x, y := a.Int(), b.Int()
				switch op {
				case '+':
					if s := x + y; (s > x) == (y > 0) {
						return types.Int(s), nil
					}
				case '-':
					if s := x - y; (s < x) == (y > 0) {
						return types.Int(s), nil
					}
				}
			}
			if lenient && !fn.ArithKinds(a.Kind(), b.Kind()) {
				// A kind Arith refuses (or a NULL): NULL, without making
				// the error.
				return types.Null, nil
			}
			v, err := fn.Arith(op, a, b)
			if err != nil && lenient && fn.IsKindMismatch(err) {
				return types.Null, nil
			}
			return v, err
		})
	case *plan.Cmp:
		compare := fn.Comparer(e.Op)
		return c.binary(e.L, e.R, func(a, b types.Value) (types.Value, error) {
			return compare(a, b), nil
		})
	case *plan.Logic:
		l, r, err := c.two(e.L, e.R)
		if err != nil {
			return nil, err
		}
		if e.And {
			return func(row Row) (types.Value, error) {
				a, err := l(row)
				if err != nil {
					return a, err
				}
				if a.Kind() == types.KindBool && !a.Bool() {
					return a, nil
				}
				b, err := r(row)
				if err != nil {
					return b, err
				}
				return fn.And(a, b), nil
			}, nil
		}
		return func(row Row) (types.Value, error) {
			a, err := l(row)
			if err != nil {
				return a, err
			}
			if a.Kind() == types.KindBool && a.Bool() {
				return a, nil
			}
			b, err := r(row)
			if err != nil {
				return b, err
			}
			return fn.Or(a, b), nil
		}, nil
	case *plan.Not:
		return c.unary(e.X, func(v types.Value) (types.Value, error) { return fn.Not(v), nil })
	case *plan.Neg:
		lenient := e.Lenient
		return c.unary(e.X, func(v types.Value) (types.Value, error) {
			n, err := fn.Neg(v)
			if err != nil && lenient && fn.IsKindMismatch(err) {
				return types.Null, nil
			}
			return n, err
		})
	case *plan.Concat:
		return c.binary(e.L, e.R, func(a, b types.Value) (types.Value, error) { return fn.Concat(a, b), nil })
	case *plan.IsTest:
		what, not := e.What, e.Not
		return c.unary(e.X, func(v types.Value) (types.Value, error) {
			var res bool
			switch what {
			case "NULL", "UNKNOWN":
				res = isNull(v)
			case "UNDEFINED":
				res = v.IsUndefined()
			case "TRUE":
				res = v.Kind() == types.KindBool && v.Bool()
			case "FALSE":
				res = v.Kind() == types.KindBool && !v.Bool()
			}
			return types.Bool(res != not), nil
		})
	case *plan.IsDistinct:
		not := e.Not
		return c.binary(e.L, e.R, func(a, b types.Value) (types.Value, error) {
			an, bn := isNull(a), isNull(b)
			distinct := an != bn
			if !an && !bn {
				distinct = !truthy(fn.Compare("=", a, b))
			}
			return types.Bool(distinct != not), nil
		})
	case *plan.In:
		return c.in(e)
	case *plan.Like:
		return c.like(e)
	case *plan.Regex:
		return c.regex(e)
	case *plan.Case:
		type when struct{ cond, then evalFn }
		var ws []when
		for _, w := range e.Whens {
			cond, then, err := c.two(w.Cond, w.Then)
			if err != nil {
				return nil, err
			}
			ws = append(ws, when{cond, then})
		}
		els, err := c.compile(e.Else)
		if err != nil {
			return nil, err
		}
		return func(row Row) (types.Value, error) {
			for _, w := range ws {
				v, err := w.cond(row)
				if err != nil {
					return v, err
				}
				if v.Kind() == types.KindBool && v.Bool() {
					return w.then(row)
				}
			}
			return els(row)
		}, nil
	case *plan.Cast:
		t, try := e.Type, e.Try
		return c.unary(e.X, func(v types.Value) (types.Value, error) {
			if try {
				return fn.TryCast(v, t), nil
			}
			return fn.Cast(v, t)
		})
	case *plan.Coalesce:
		args, err := c.all(e.Args)
		if err != nil {
			return nil, err
		}
		return func(row Row) (types.Value, error) {
			for _, a := range args {
				v, err := a(row)
				if err != nil {
					return v, err
				}
				if !v.IsNull() && !v.IsUndefined() {
					return v, nil
				}
			}
			return types.Null, nil
		}, nil
	case *plan.Subscript:
		return c.binary(e.X, e.Index, func(a, idx types.Value) (types.Value, error) {
			if a.Kind() != types.KindArray || idx.Kind() != types.KindInt {
				if a.IsUndefined() {
					return types.Undefined, nil
				}
				return types.Null, nil
			}
			n := idx.Int()
			if n < 1 || n > int64(a.Len()) {
				return types.Null, nil
			}
			return a.Index(int(n - 1)), nil
		})
	case *plan.Field:
		name := e.Name
		return c.unary(e.X, func(v types.Value) (types.Value, error) {
			if v.Kind() != types.KindObject {
				return types.Undefined, nil
			}
			return v.Get(name), nil
		})
	case *plan.ArrayOf:
		els, err := c.all(e.Elems)
		if err != nil {
			return nil, err
		}
		return func(row Row) (types.Value, error) {
			out := make([]types.Value, len(els))
			for i, el := range els {
				v, err := el(row)
				if err != nil {
					return v, err
				}
				if v.IsUndefined() {
					v = types.Null
				}
				out[i] = v
			}
			return types.Array(out), nil
		}, nil
	case *plan.IntervalAdd:
		iv, sign := e.Iv, e.Sign
		return c.unary(e.X, func(v types.Value) (types.Value, error) {
			switch v.Kind() {
			case types.KindTimestamp:
				return types.Timestamp(fn.AddInterval(v.Micros(), iv, sign)), nil
			case types.KindNull, types.KindUndefined:
				return types.Null, nil
			case types.KindInterval:
				ivv, err := fn.IntervalValue(iv)
				if err != nil {
					return types.Value{}, err
				}
				op := byte('+')
				if sign < 0 {
					op = '-'
				}
				return fn.Arith(op, v, ivv)
			}
			return types.Value{}, sqlerr.New(sqlerr.UndefinedFunction, "operator does not exist: %s + interval", v.Kind())
		})
	case *plan.AnyCmp:
		op, all := e.Op, e.All
		return c.binary(e.X, e.Array, func(v, a types.Value) (types.Value, error) {
			return anyAll(op, all, v, a), nil
		})
	case *plan.SubqueryExpr:
		return c.subquery(e)
	}
	return nil, sqlerr.New(sqlerr.Internal, "cannot evaluate %T", e)
}

// anyAll is x op ANY|ALL(array) with PostgreSQL's three-valued result.
func anyAll(op string, all bool, x, arr types.Value) types.Value {
	if arr.Kind() != types.KindArray {
		return types.Null
	}
	sawNull := false
	for _, el := range arr.Elems() {
		r := fn.Compare(op, x, el)
		if r.Kind() != types.KindBool {
			sawNull = true
			continue
		}
		if all && !r.Bool() {
			return types.Bool(false)
		}
		if !all && r.Bool() {
			return types.Bool(true)
		}
	}
	if sawNull {
		return types.Null
	}
	return types.Bool(all)
}

// unary compiles f applied to the value of x.
func (c *compiler) unary(x plan.Expr, f func(types.Value) (types.Value, error)) (evalFn, error) {
	xf, err := c.compile(x)
	if err != nil {
		return nil, err
	}
	return func(row Row) (types.Value, error) {
		v, err := xf(row)
		if err != nil {
			return v, err
		}
		return f(v)
	}, nil
}

// argColumn returns the column of a call of one argument that is a column.
func argColumn(args []plan.Expr) (*plan.ColRef, bool) {
	if len(args) != 1 {
		return nil, false
	}
	col, ok := args[0].(*plan.ColRef)
	return col, ok
}

// binary compiles f applied to the values of a and b, both evaluated.
func (c *compiler) binary(a, b plan.Expr, f func(x, y types.Value) (types.Value, error)) (evalFn, error) {
	af, bf, err := c.two(a, b)
	if err != nil {
		return nil, err
	}
	// A constant operand (x > 150, n * 2) is read once, not called for
	// per row: the call was a third of a small expression's cost.
	if k, ok := b.(*plan.Const); ok {
		y := k.V
		return func(row Row) (types.Value, error) {
			x, err := af(row)
			if err != nil {
				return x, err
			}
			return f(x, y)
		}, nil
	}
	if k, ok := a.(*plan.Const); ok {
		x := k.V
		return func(row Row) (types.Value, error) {
			y, err := bf(row)
			if err != nil {
				return y, err
			}
			return f(x, y)
		}, nil
	}
	return func(row Row) (types.Value, error) {
		x, err := af(row)
		if err != nil {
			return x, err
		}
		y, err := bf(row)
		if err != nil {
			return y, err
		}
		return f(x, y)
	}, nil
}

func (c *compiler) two(a, b plan.Expr) (evalFn, evalFn, error) {
	x, err := c.compile(a)
	if err != nil {
		return nil, nil, err
	}
	y, err := c.compile(b)
	return x, y, err
}

func (c *compiler) all(es []plan.Expr) ([]evalFn, error) {
	out := make([]evalFn, len(es))
	for i, e := range es {
		f, err := c.compile(e)
		if err != nil {
			return nil, err
		}
		out[i] = f
	}
	return out, nil
}

func (c *compiler) in(e *plan.In) (evalFn, error) {
	x, err := c.compile(e.X)
	if err != nil {
		return nil, err
	}
	list, err := c.all(e.List)
	if err != nil {
		return nil, err
	}
	not := e.Not
	return func(row Row) (types.Value, error) {
		v, err := x(row)
		if err != nil {
			return v, err
		}
		if v.IsNull() || v.IsUndefined() {
			return types.Null, nil
		}
		sawNull := false
		for _, l := range list {
			w, err := l(row)
			if err != nil {
				return w, err
			}
			r := fn.Compare("=", v, w)
			if r.Kind() != types.KindBool {
				sawNull = true
			} else if r.Bool() {
				return types.Bool(!not), nil
			}
		}
		if sawNull {
			return types.Null, nil
		}
		return types.Bool(not), nil
	}, nil
}

func (c *compiler) like(e *plan.Like) (evalFn, error) {
	x, err := c.compile(e.X)
	if err != nil {
		return nil, err
	}
	not, ilike := e.Not, e.ILike
	escape := "\\"
	if e.Escape != nil {
		ce, ok := e.Escape.(*plan.Const)
		if !ok || ce.V.Kind() != types.KindString {
			return nil, sqlerr.New(sqlerr.FeatureNotSupported, "LIKE ... ESCAPE needs a constant string")
		}
		escape = ce.V.Str()
	}
	if pc, ok := e.Pattern.(*plan.Const); ok && pc.V.Kind() == types.KindString {
		m, err := fn.CompileLike(pc.V.Str(), escape, ilike)
		if err != nil {
			return nil, err
		}
		return func(row Row) (types.Value, error) {
			v, err := x(row)
			if err != nil {
				return v, err
			}
			if v.Kind() != types.KindString {
				if v.IsNull() || v.IsUndefined() {
					return types.Null, nil
				}
				return types.Bool(false), nil
			}
			return types.Bool(m.Match(v.Str()) != not), nil
		}, nil
	}
	return c.binary(e.X, e.Pattern, func(v, pv types.Value) (types.Value, error) {
		if v.Kind() != types.KindString || pv.Kind() != types.KindString {
			return types.Null, nil
		}
		ok, err := fn.Like(v.Str(), pv.Str(), escape, ilike)
		if err != nil {
			return types.Value{}, err
		}
		return types.Bool(ok != not), nil
	})
}

func (c *compiler) regex(e *plan.Regex) (evalFn, error) {
	x, p, err := c.two(e.X, e.Pattern)
	if err != nil {
		return nil, err
	}
	f, ok := fn.Lookup("regexp_like")
	if !ok {
		return nil, sqlerr.New(sqlerr.UndefinedFunction, "regular expressions are not available")
	}
	flags := types.String("")
	if e.ICase {
		flags = types.String("i")
	}
	not, ctx := e.Not, c.q.fnCtx
	return func(row Row) (types.Value, error) {
		v, err := x(row)
		if err != nil {
			return v, err
		}
		pv, err := p(row)
		if err != nil {
			return pv, err
		}
		if v.Kind() != types.KindString || pv.Kind() != types.KindString {
			return types.Null, nil
		}
		args := []types.Value{v, pv}
		if f.MaxArgs < 0 || f.MaxArgs >= 3 {
			args = append(args, flags)
		}
		r, err := f.Eval(ctx, args)
		if err != nil || r.Kind() != types.KindBool {
			return r, err
		}
		return types.Bool(r.Bool() != not), nil
	}, nil
}

// truthy reports whether a filter condition passed.
func truthy(v types.Value) bool { return v.Kind() == types.KindBool && v.Bool() }
