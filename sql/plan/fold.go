package plan

import (
	"github.com/basaltdb/basalt/sql/fn"
	"github.com/basaltdb/basalt/types"
)

// Fold evaluates the constant parts of e: calls of non-volatile (or
// statement-stable, with ctx's time) functions,
// arithmetic, casts and interval arithmetic over constants. A part whose
// evaluation fails is left as is, so the error surfaces at execution only if
// a row reaches it (as in PostgreSQL, where `WHERE false AND 1/0 = 1` does not fail).
func Fold(e Expr, ctx *fn.Ctx) Expr {
	return Map(e, func(x Expr) Expr {
		switch x := x.(type) {
		case *Call:
			args, ok := foldArgs(x.Args, ctx)
			if !ok || (x.Fn.Volatile && !x.Fn.Stable) || x.Fn.Unfolded {
				return &Call{Fn: x.Fn, Args: args, Lenient: x.Lenient}
			}
			if x.Fn.NullIn {
				for _, a := range args {
					if k := a.(*Const).V.Kind(); k == types.KindNull || k == types.KindUndefined {
						return &Const{V: types.Null}
					}
				}
			}
			vals := make([]types.Value, len(args))
			for i, a := range args {
				vals[i] = a.(*Const).V
			}
			v, err := x.Fn.Eval(ctx, vals)
			if err != nil {
				return &Call{Fn: x.Fn, Args: args, Lenient: x.Lenient}
			}
			return &Const{V: v}
		case *Arith:
			args, ok := foldArgs([]Expr{x.L, x.R}, ctx)
			if !ok {
				return &Arith{Op: x.Op, L: args[0], R: args[1], Lenient: x.Lenient}
			}
			v, err := fn.Arith(x.Op, args[0].(*Const).V, args[1].(*Const).V)
			if err != nil {
				return &Arith{Op: x.Op, L: args[0], R: args[1], Lenient: x.Lenient}
			}
			return &Const{V: v}
		case *Cast:
			arg := Fold(x.X, ctx)
			c, ok := arg.(*Const)
			if !ok {
				return &Cast{X: arg, Type: x.Type, Try: x.Try}
			}
			if x.Try {
				return &Const{V: fn.TryCast(c.V, x.Type)}
			}
			v, err := fn.Cast(c.V, x.Type)
			if err != nil {
				return &Cast{X: arg, Type: x.Type}
			}
			return &Const{V: v}
		case *IntervalAdd:
			arg := Fold(x.X, ctx)
			c, ok := arg.(*Const)
			if ok && c.V.Kind() == types.KindTimestamp {
				return &Const{V: types.Timestamp(fn.AddInterval(c.V.Micros(), x.Iv, x.Sign))}
			}
			return &IntervalAdd{X: arg, Iv: x.Iv, Sign: x.Sign}
		case *Neg:
			arg := Fold(x.X, ctx)
			if c, ok := arg.(*Const); ok {
				if v, err := fn.Neg(c.V); err == nil {
					return &Const{V: v}
				}
			}
			return &Neg{X: arg, Lenient: x.Lenient}
		}
		return x
	})
}

func foldArgs(in []Expr, ctx *fn.Ctx) ([]Expr, bool) {
	out := make([]Expr, len(in))
	all := true
	for i, a := range in {
		out[i] = Fold(a, ctx)
		if _, ok := out[i].(*Const); !ok {
			all = false
		}
	}
	return out, all
}

// seriesFn is generate_series as an array-producing function, expanded by
// an Unnest node, which streams the series instead of calling Eval
// (SeriesFn).
var seriesFn = &fn.Func{
	Name: "generate_series", MinArgs: 2, MaxArgs: 3, NullIn: true, Unfolded: true,
	Eval: func(_ *fn.Ctx, args []types.Value) (types.Value, error) {
		return fn.GenerateSeries(args)
	},
}

// SeriesArgs returns the arguments of generate_series when e is its call,
// which an Unnest streams.
func SeriesArgs(e Expr) ([]Expr, bool) {
	c, ok := e.(*Call)
	if !ok || c.Fn != seriesFn {
		return nil, false
	}
	return c.Args, true
}

// regexpMatchesFn is regexp_matches as a function of the array of its
// rows, expanded by an Unnest node. It is made at run time, where the
// Unnest charges the array to the memory budget while it holds it.
var regexpMatchesFn = &fn.Func{
	Name: "regexp_matches", MinArgs: 2, MaxArgs: 3, NullIn: true, Unfolded: true,
	Eval: func(_ *fn.Ctx, args []types.Value) (types.Value, error) {
		return fn.RegexpMatches(args)
	},
}
