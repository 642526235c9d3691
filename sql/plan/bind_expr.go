package plan

import (
	"strings"

	"github.com/basaltdb/basalt/sql/ast"
	"github.com/basaltdb/basalt/sql/fn"
	"github.com/basaltdb/basalt/sql/sqlerr"
	"github.com/basaltdb/basalt/types"
)

// expr binds an expression where aggregates are not allowed.
func (b *Binder) expr(sc *scope, e ast.Expr) (Expr, error) {
	return b.exprIn(&selectState{sc: sc}, e)
}

func (b *Binder) exprIn(st *selectState, e ast.Expr) (Expr, error) {
	x, err := b.bindNode(st, e)
	if err != nil {
		return nil, atPos(err, ast.ExprPos(e))
	}
	return x, nil
}

// atPos gives a binder error without a position the position pos (the
// innermost expression that failed), for the session to turn into a line
// and column.
func atPos(err error, pos int) error {
	if e, ok := err.(*sqlerr.Error); ok && e.Line == 0 && e.Column == 0 && pos >= 0 {
		e.Column = -pos - 1
	}
	return err
}

func (b *Binder) bindNode(st *selectState, e ast.Expr) (Expr, error) {
	sub := func(x ast.Expr) (Expr, error) { return b.exprIn(st, x) }
	switch e := e.(type) {
	case nil:
		return nil, nil
	case *ast.Literal:
		return &Const{V: e.Value}, nil
	case *ast.IntervalLit:
		iv, err := fn.ParseInterval(e.Text, e.Unit)
		if err != nil {
			return nil, err
		}
		v, err := fn.IntervalValue(iv)
		if err != nil {
			return nil, err
		}
		return &Const{V: v}, nil
	case *ast.Param:
		return b.param(e)
	case *ast.ColumnRef:
		return b.columnRef(st.sc, e)
	case *ast.Subscript:
		x, err := sub(e.X)
		if err != nil {
			return nil, err
		}
		i, err := sub(e.Index)
		if err != nil {
			return nil, err
		}
		return &Subscript{X: x, Index: i}, nil
	case *ast.FieldAccess:
		x, err := sub(e.X)
		if err != nil {
			return nil, err
		}
		return &Field{X: x, Name: e.Name}, nil
	case *ast.Unary:
		x, err := sub(e.X)
		if err != nil {
			return nil, err
		}
		switch e.Op {
		case "NOT":
			return &Not{X: x}, nil
		case "-":
			if c, ok := x.(*Const); ok && c.V.Kind() == types.KindInt {
				return &Const{V: types.Int(-c.V.Int())}, nil
			}
			if c, ok := x.(*Const); ok && c.V.Kind() == types.KindFloat {
				return &Const{V: types.Float(-c.V.Float())}, nil
			}
			return &Neg{X: x, Lenient: b.lenient(x)}, nil
		case "+":
			return x, nil
		}
		return nil, sqlerr.New(sqlerr.UndefinedFunction, "operator does not exist: %s", e.Op)
	case *ast.Binary:
		return b.binary(st, e)
	case *ast.IsTest:
		x, err := sub(e.X)
		if err != nil {
			return nil, err
		}
		return &IsTest{X: x, What: e.What, Not: e.Not}, nil
	case *ast.IsDistinct:
		l, err := sub(e.L)
		if err != nil {
			return nil, err
		}
		r, err := sub(e.R)
		if err != nil {
			return nil, err
		}
		l, r = b.coercePair(l, r)
		return &IsDistinct{L: l, R: r, Not: e.Not}, nil
	case *ast.Between:
		x, err := sub(e.X)
		if err != nil {
			return nil, err
		}
		lo, err := sub(e.Lo)
		if err != nil {
			return nil, err
		}
		hi, err := sub(e.Hi)
		if err != nil {
			return nil, err
		}
		lo, hi = b.coerce(lo, x), b.coerce(hi, x)
		var out Expr = &Logic{And: true, L: &Cmp{Op: ">=", L: x, R: lo}, R: &Cmp{Op: "<=", L: x, R: hi}}
		if e.Symmetric {
			out = &Logic{L: out, R: &Logic{And: true, L: &Cmp{Op: ">=", L: x, R: hi}, R: &Cmp{Op: "<=", L: x, R: lo}}}
		}
		if e.Not {
			out = &Not{X: out}
		}
		return out, nil
	case *ast.InList:
		if r, ok := e.X.(*ast.RowExpr); ok {
			return b.rowInList(st, r, e.List, e.Not)
		}
		x, err := sub(e.X)
		if err != nil {
			return nil, err
		}
		in := &In{X: x, Not: e.Not}
		for _, l := range e.List {
			le, err := sub(l)
			if err != nil {
				return nil, err
			}
			in.List = append(in.List, b.coerce(le, x))
		}
		return in, nil
	case *ast.Like:
		x, err := sub(e.X)
		if err != nil {
			return nil, err
		}
		p, err := sub(e.Pattern)
		if err != nil {
			return nil, err
		}
		esc, err := sub(e.Escape)
		if err != nil {
			return nil, err
		}
		return &Like{X: x, Pattern: p, Escape: esc, Not: e.Not, ILike: e.ILike}, nil
	case *ast.Case:
		c := &Case{}
		var operand Expr
		if e.Operand != nil {
			var err error
			if operand, err = sub(e.Operand); err != nil {
				return nil, err
			}
		}
		for _, w := range e.Whens {
			cond, err := sub(w.Cond)
			if err != nil {
				return nil, err
			}
			if operand != nil {
				cond = &Cmp{Op: "=", L: operand, R: cond}
			}
			then, err := sub(w.Then)
			if err != nil {
				return nil, err
			}
			c.Whens = append(c.Whens, CaseWhen{Cond: cond, Then: then})
		}
		if e.Else != nil {
			el, err := sub(e.Else)
			if err != nil {
				return nil, err
			}
			c.Else = el
		}
		return c, nil
	case *ast.Cast:
		x, err := sub(e.X)
		if err != nil {
			return nil, err
		}
		t := e.Type
		if strings.HasSuffix(t, "[]") {
			// Kept whole: fn.Cast casts the elements to int in int[].
			if _, err := fn.NormalizeType(strings.TrimSuffix(t, "[]")); err != nil {
				return nil, err
			}
		} else {
			nt, err := fn.NormalizeType(t)
			if err != nil {
				return nil, err
			}
			t = nt
		}
		return &Cast{X: x, Type: t, Try: e.Try}, nil
	case *ast.Func:
		return b.funcCall(st, e)
	case *ast.ArrayLit:
		a := &ArrayOf{}
		for _, x := range e.Elems {
			be, err := sub(x)
			if err != nil {
				return nil, err
			}
			a.Elems = append(a.Elems, be)
		}
		return a, nil
	case *ast.Quantified:
		if r, ok := e.X.(*ast.RowExpr); ok {
			// x <> ALL (subquery) is NOT IN; other quantified row
			// comparisons are not supported.
			if e.Query == nil || e.Op != "<>" || !e.All {
				return nil, sqlerr.New(sqlerr.FeatureNotSupported, "row comparison with %s %s is not supported", e.Op, map[bool]string{true: "ALL", false: "ANY"}[e.All])
			}
			return b.rowInSubquery(st, r, e.Query, true)
		}
		x, err := sub(e.X)
		if err != nil {
			return nil, err
		}
		if e.Query != nil {
			q, outer, err := b.subquery(st.sc, e.Query)
			if err != nil {
				return nil, err
			}
			if e.Op == "=" && !e.All {
				return &SubqueryExpr{Kind: "in", Plan: q, X: x, Outer: outer}, nil
			}
			if e.Op == "<>" && e.All {
				return &SubqueryExpr{Kind: "in", Plan: q, X: x, Not: true, Outer: outer}, nil
			}
			arr := &SubqueryExpr{Kind: "array", Plan: q, Outer: outer}
			return &AnyCmp{X: x, Array: arr, Op: e.Op, All: e.All}, nil
		}
		arr, err := sub(e.Array)
		if err != nil {
			return nil, err
		}
		return &AnyCmp{X: x, Array: b.coerceArray(arr, x), Op: e.Op, All: e.All}, nil
	case *ast.InSubquery:
		if r, ok := e.X.(*ast.RowExpr); ok {
			return b.rowInSubquery(st, r, e.Query, e.Not)
		}
		x, err := sub(e.X)
		if err != nil {
			return nil, err
		}
		q, outer, err := b.subquery(st.sc, e.Query)
		if err != nil {
			return nil, err
		}
		return &SubqueryExpr{Kind: "in", Plan: q, X: x, Not: e.Not, Outer: outer}, nil
	case *ast.Exists:
		q, outer, err := b.subquery(st.sc, e.Query)
		if err != nil {
			return nil, err
		}
		return &SubqueryExpr{Kind: "exists", Plan: q, Not: e.Not, Outer: outer}, nil
	case *ast.Subquery:
		q, outer, err := b.subquery(st.sc, e.Query)
		if err != nil {
			return nil, err
		}
		if len(q.Cols()) != 1 {
			return nil, sqlerr.New(sqlerr.Syntax, "subquery must return only one column")
		}
		return &SubqueryExpr{Kind: "scalar", Plan: q, Outer: outer}, nil
	case *ast.ArraySubquery:
		q, outer, err := b.subquery(st.sc, e.Query)
		if err != nil {
			return nil, err
		}
		return &SubqueryExpr{Kind: "array", Plan: q, Outer: outer}, nil
	case *ast.RowExpr:
		// Comparisons of rows are spelled out in bind_row.go; a row is
		// not a value of its own.
		return nil, sqlerr.New(sqlerr.FeatureNotSupported, "row constructors are supported only in comparisons and IN")
	}
	return nil, sqlerr.New(sqlerr.FeatureNotSupported, "unsupported expression %T", e)
}

// subquery binds a nested query whose outer references resolve in sc.
func (b *Binder) subquery(sc *scope, sel *ast.Select) (Node, []ColID, error) {
	inner := &scope{parent: sc, outer: map[ColID]bool{}}
	q, err := b.bindQuery(sel, inner)
	if err != nil {
		return nil, nil, err
	}
	var outer []ColID
	for id := range inner.outer {
		outer = append(outer, id)
	}
	sortIDs(outer)
	return b.project(q), outer, nil
}

func sortIDs(ids []ColID) {
	for i := 1; i < len(ids); i++ {
		for j := i; j > 0 && ids[j] < ids[j-1]; j-- {
			ids[j], ids[j-1] = ids[j-1], ids[j]
		}
	}
}

func (b *Binder) param(p *ast.Param) (Expr, error) {
	if p.Name != "" {
		v, ok := b.params.Named[p.Name]
		if !ok {
			return nil, sqlerr.New(sqlerr.InvalidParameter, "no value given for parameter :%s", p.Name)
		}
		return &Const{V: v}, nil
	}
	if p.Index < 1 || p.Index > len(b.params.Positional) {
		return nil, sqlerr.New(sqlerr.InvalidParameter, "no value given for parameter $%d", p.Index)
	}
	return &Const{V: b.params.Positional[p.Index-1]}, nil
}

func (b *Binder) binary(st *selectState, e *ast.Binary) (Expr, error) {
	_, lrow := e.L.(*ast.RowExpr)
	_, rrow := e.R.(*ast.RowExpr)
	if lrow || rrow {
		return b.rowBinary(st, e.Op, e.L, e.R)
	}
	// Intervals only make sense next to a timestamp.
	if iv, ok := e.R.(*ast.IntervalLit); ok && (e.Op == "+" || e.Op == "-") {
		parsed, err := fn.ParseInterval(iv.Text, iv.Unit)
		if err != nil {
			return nil, err
		}
		x, err := b.exprIn(st, e.L)
		if err != nil {
			return nil, err
		}
		sign := 1
		if e.Op == "-" {
			sign = -1
		}
		return &IntervalAdd{X: x, Iv: parsed, Sign: sign}, nil
	}
	if iv, ok := e.L.(*ast.IntervalLit); ok && e.Op == "+" {
		parsed, err := fn.ParseInterval(iv.Text, iv.Unit)
		if err != nil {
			return nil, err
		}
		x, err := b.exprIn(st, e.R)
		if err != nil {
			return nil, err
		}
		if c, ok := x.(*Const); ok && c.V.Kind() == types.KindString {
			// INTERVAL '1 hour' + '1 min': the literal is an interval.
			if v, err := fn.Cast(c.V, fn.TypeInterval); err == nil {
				x = &Const{V: v}
			}
		}
		return &IntervalAdd{X: x, Iv: parsed, Sign: 1}, nil
	}
	l, err := b.exprIn(st, e.L)
	if err != nil {
		return nil, err
	}
	r, err := b.exprIn(st, e.R)
	if err != nil {
		return nil, err
	}
	switch e.Op {
	case "+", "-", "*", "/", "%":
		r = b.coerceTimeOperand(e.Op[0], l, r)
		return &Arith{Op: e.Op[0], L: l, R: r, Lenient: b.lenient(l, r)}, nil
	case "^":
		f, _ := fn.Lookup("power")
		return &Call{Fn: f, Args: []Expr{l, r}, Lenient: b.lenient(l, r)}, nil
	case "&", "|", "#", "<<", ">>":
		f, _ := fn.Lookup(bitwiseFuncs[e.Op])
		return &Call{Fn: f, Args: []Expr{l, r}, Lenient: b.lenient(l, r)}, nil
	case "@>", "<@", "&&":
		f, _ := fn.Lookup(arrayOpFuncs[e.Op])
		return &Call{Fn: f, Args: []Expr{l, r}, Lenient: b.lenient(l, r)}, nil
	case "=", "<>", "!=", "<", "<=", ">", ">=":
		op := e.Op
		if op == "!=" {
			op = "<>"
		}
		l, r = b.coercePair(l, r)
		return &Cmp{Op: op, L: l, R: r}, nil
	case "AND":
		return &Logic{And: true, L: l, R: r}, nil
	case "OR":
		return &Logic{L: l, R: r}, nil
	case "||":
		return &Concat{L: l, R: r}, nil
	case "~", "~*", "!~", "!~*":
		return &Regex{X: l, Pattern: r, Not: e.Op[0] == '!', ICase: strings.HasSuffix(e.Op, "*")}, nil
	}
	return nil, sqlerr.New(sqlerr.UndefinedFunction, "operator does not exist: %s", e.Op)
}

// bitwiseFuncs are the functions behind the integer bitwise operators.
var bitwiseFuncs = map[string]string{"&": "int8and", "|": "int8or", "#": "int8xor", "<<": "int8shl", ">>": "int8shr"}

// arrayOpFuncs are the functions behind the array containment operators.
var arrayOpFuncs = map[string]string{"@>": "array_contains_all", "<@": "array_contained", "&&": "array_overlap"}

func (b *Binder) funcCall(st *selectState, e *ast.Func) (Expr, error) {
	name := e.Name
	if e.Over != nil {
		return b.windowCall(st, e)
	}
	if aggregates[name] {
		if !st.allowAg || st.inAgg {
			if st.inAgg {
				return nil, sqlerr.New(sqlerr.Grouping, "aggregate function calls cannot be nested")
			}
			return nil, sqlerr.New(sqlerr.Grouping, "aggregate functions are not allowed in %s", st.clauseName())
		}
		st.inAgg = true
		defer func() { st.inAgg = false }()
		call := AggCall{Name: name, Star: e.Star, Distinct: e.Distinct}
		for _, a := range e.Args {
			x, err := b.exprIn(st, a)
			if err != nil {
				return nil, err
			}
			call.Args = append(call.Args, x)
		}
		if e.Filter != nil {
			f, err := b.exprIn(st, e.Filter)
			if err != nil {
				return nil, err
			}
			call.Filter = f
		}
		for _, o := range append(append([]ast.OrderItem(nil), e.OrderBy...), e.WithinGroup...) {
			x, err := b.exprIn(st, o.Expr)
			if err != nil {
				return nil, err
			}
			call.OrderBy = append(call.OrderBy, sortKey(x, o))
		}
		if err := checkAggArity(call, len(e.WithinGroup) > 0); err != nil {
			return nil, err
		}
		p := &aggPlaceholder{call: call, pos: e.Pos}
		st.aggs = append(st.aggs, p)
		return p, nil
	}
	if windowOnly[name] {
		return nil, sqlerr.New(sqlerr.WrongObjectType, "window function %s requires an OVER clause", name)
	}
	var args []Expr
	for _, a := range e.Args {
		if iv, ok := a.(*ast.IntervalLit); ok && (name == "time_bucket" || name == "date_bin") {
			// A bucket width written as an interval (PostgreSQL's
			// date_bin(INTERVAL '15 minutes', …), Rockset's TIME_BUCKET):
			// there are no interval values, so pass it as microseconds,
			// which both functions take.
			parsed, err := fn.ParseInterval(iv.Text, iv.Unit)
			if err != nil {
				return nil, err
			}
			if parsed.Months != 0 {
				return nil, sqlerr.New(sqlerr.FeatureNotSupported, "timestamps cannot be binned into intervals containing months or years")
			}
			args = append(args, &Const{V: types.Int(int64(parsed.Days)*24*3600*1e6 + parsed.Micros)})
			continue
		}
		x, err := b.exprIn(st, a)
		if err != nil {
			return nil, err
		}
		args = append(args, x)
	}
	switch name {
	case "coalesce":
		return &Coalesce{Args: args}, nil
	case "array_contains":
		if len(args) == 2 {
			return &AnyCmp{X: args[1], Array: args[0], Op: "="}, nil
		}
	}
	f, ok := fn.Lookup(name)
	if !ok {
		if name == "generate_series" || name == "regexp_matches" {
			return nil, sqlerr.New(sqlerr.FeatureNotSupported, "set-returning function %s is supported in FROM or alone at the top of a select list without aggregates", name)
		}
		if name == "grouping" {
			// Left by the grouping-set expansion only when the query
			// groups by nothing.
			return nil, errGroupingArgs()
		}
		return nil, sqlerr.New(sqlerr.UndefinedFunction, "function %s does not exist", name)
	}
	b.Volatile = b.Volatile || f.Volatile
	if len(args) < f.MinArgs || (f.MaxArgs >= 0 && len(args) > f.MaxArgs) {
		return nil, sqlerr.New(sqlerr.UndefinedFunction, "function %s does not take %d arguments", name, len(args))
	}
	return &Call{Fn: f, Args: args, Lenient: b.lenient(args...)}, nil
}

// lenient reports whether an operator or function over args meets values
// whose kind the binder cannot tell: a field whose documents hold several
// kinds, an array element, a function's result. A value of a kind it does
// not take then gives NULL, as a comparison across kinds gives false: one
// document of another kind does not fail the query. When every argument's
// kind is known (a literal, a cast, a field of one kind), a kind it does
// not take is PostgreSQL's error 42883, as for a typed column there.
func (b *Binder) lenient(args ...Expr) bool {
	for _, a := range args {
		if c, ok := a.(*Const); ok && c.V.Kind() <= types.KindNull {
			continue
		}
		if _, ok := b.staticKind(a); !ok {
			return true
		}
	}
	return false
}

func checkAggArity(c AggCall, withinGroup bool) error {
	n := len(c.Args)
	bad := false
	switch c.Name {
	case "count":
		bad = !(c.Star && n == 0) && n != 1
	case "string_agg", "max_by", "min_by", "approx_percentile", "corr", "covar_pop", "covar_samp",
		"regr_slope", "regr_intercept", "regr_r2", "regr_count", "regr_avgx", "regr_avgy",
		"regr_sxx", "regr_syy", "regr_sxy":
		bad = n != 2
	case "percentile_cont", "percentile_disc":
		bad = n != 1 || !withinGroup || len(c.OrderBy) != 1
	case "mode":
		bad = n != 0 || !withinGroup || len(c.OrderBy) != 1
	default:
		bad = n != 1
	}
	if bad {
		return sqlerr.New(sqlerr.UndefinedFunction, "function %s does not take %d arguments", c.Name, n)
	}
	return nil
}

func (b *Binder) windowCall(st *selectState, e *ast.Func) (Expr, error) {
	if !st.allowAg {
		return nil, sqlerr.New(sqlerr.Windowing, "window functions are not allowed in %s", st.clauseName())
	}
	if !aggregates[e.Name] && !windowOnly[e.Name] {
		return nil, sqlerr.New(sqlerr.UndefinedFunction, "function %s is not a window or aggregate function", e.Name)
	}
	if len(e.WithinGroup) > 0 || len(e.OrderBy) > 0 {
		// As PostgreSQL: an ordered-set aggregate (percentile_cont …
		// WITHIN GROUP) or an aggregate's own ORDER BY has no window form.
		return nil, sqlerr.New(sqlerr.FeatureNotSupported, "OVER is not supported for %s with WITHIN GROUP or ORDER BY in its arguments", e.Name)
	}
	w, err := st.resolveWindow(e.Over)
	if err != nil {
		return nil, err
	}
	f := WindowFunc{Name: e.Name, Distinct: e.Distinct}
	// Arguments and window keys are bound as ordinary expressions; inside
	// them aggregates of the enclosing grouping are allowed.
	for _, a := range e.Args {
		x, err := b.exprIn(st, a)
		if err != nil {
			return nil, err
		}
		f.Args = append(f.Args, x)
	}
	for _, p := range w.PartitionBy {
		x, err := b.exprIn(st, p)
		if err != nil {
			return nil, err
		}
		f.PartitionBy = append(f.PartitionBy, x)
	}
	for _, o := range w.OrderBy {
		x, err := b.exprIn(st, o.Expr)
		if err != nil {
			return nil, err
		}
		f.OrderBy = append(f.OrderBy, sortKey(x, o))
	}
	if w.Frame != nil {
		fr := &WindowFrame{Mode: w.Frame.Mode, StartKind: w.Frame.Start.Kind, EndKind: w.Frame.End.Kind}
		offset := func(e ast.Expr) (Expr, error) {
			if fr.Mode == "RANGE" && len(f.OrderBy) != 1 {
				return nil, sqlerr.New(sqlerr.Windowing, "RANGE with offset PRECEDING/FOLLOWING requires exactly one ORDER BY column")
			}
			if iv, ok := e.(*ast.IntervalLit); ok && fr.Mode == "RANGE" {
				// There are no interval values: the offset of a RANGE
				// over timestamps is passed as microseconds.
				parsed, err := fn.ParseInterval(iv.Text, iv.Unit)
				if err != nil {
					return nil, err
				}
				if parsed.Months != 0 {
					return nil, sqlerr.New(sqlerr.FeatureNotSupported, "RANGE offsets of months or years are not supported")
				}
				return &Const{V: types.Int(int64(parsed.Days)*24*3600*1e6 + parsed.Micros)}, nil
			}
			return b.exprIn(st, e)
		}
		var err error
		if w.Frame.Start.Offset != nil {
			if fr.StartOff, err = offset(w.Frame.Start.Offset); err != nil {
				return nil, err
			}
		}
		if w.Frame.End.Offset != nil {
			if fr.EndOff, err = offset(w.Frame.End.Offset); err != nil {
				return nil, err
			}
		}
		f.Frame = fr
	}
	p := &winPlaceholder{f: f}
	st.wins = append(st.wins, p)
	return p, nil
}

// columnRef resolves a dotted name: a table alias then a field path, or a
// field path of the only (or the one matching) table; outer scopes are
// searched when the block has no match (a correlated reference).
//
// A name qualified by a table alias of any enclosing scope resolves there
// first, as in PostgreSQL: in `(SELECT … FROM u WHERE u.k = t.a)` the
// outer t's a, not the path t.a of u's documents.
func (b *Binder) columnRef(sc *scope, e *ast.ColumnRef) (Expr, error) {
	found := func(s *scope, x Expr) (Expr, error) {
		for in := sc; in != s; in = in.parent {
			if in.outer != nil {
				for id := range ColsUsed(x) {
					in.outer[id] = true
				}
			}
		}
		return x, nil
	}
	if len(e.Parts) >= 2 {
		for s := sc; s != nil; s = s.parent {
			for _, t := range s.tables {
				if t.alias == e.Parts[0] {
					x, err := b.fromTable(t, e.Parts[1:])
					if err != nil {
						return nil, err
					}
					return found(s, x)
				}
			}
		}
	}
	for s := sc; s != nil; s = s.parent {
		x, ok, err := b.resolveIn(s, e.Parts)
		if err != nil {
			return nil, err
		}
		if ok {
			return found(s, x)
		}
	}
	return nil, sqlerr.New(sqlerr.UndefinedColumn, "column %q does not exist", strings.Join(e.Parts, "."))
}

func (b *Binder) resolveIn(sc *scope, parts []string) (Expr, bool, error) {
	// Qualified by a table alias.
	if len(parts) >= 2 {
		for _, t := range sc.tables {
			if t.alias == parts[0] {
				x, err := b.fromTable(t, parts[1:])
				return x, err == nil, err
			}
		}
	}
	// A column of JOIN … USING.
	if x, ok := sc.using[parts[0]]; ok {
		for _, f := range parts[1:] {
			x = &Field{X: x, Name: f}
		}
		return x, true, nil
	}
	// A named column of a subquery, CTE or UNNEST.
	for _, t := range sc.tables {
		for _, c := range t.cols {
			if c.Name == parts[0] {
				var x Expr = &ColRef{ID: c.ID, Name: c.Name}
				for _, f := range parts[1:] {
					x = &Field{X: x, Name: f}
				}
				return x, true, nil
			}
		}
	}
	// A field of a collection: the one collection, or the one whose
	// documents have the field.
	var colls []*scopeTable
	for _, t := range sc.tables {
		if t.scan != nil {
			colls = append(colls, t)
		}
	}
	switch len(colls) {
	case 0:
		return nil, false, nil
	case 1:
		return b.tableRef(colls[0], parts), true, nil
	}
	var having []*scopeTable
	for _, t := range colls {
		if hasPath(t.scan.Table, types.FieldPath(parts[0]).String()) {
			having = append(having, t)
		}
	}
	switch len(having) {
	case 1:
		return b.tableRef(having[0], parts), true, nil
	case 0:
		return nil, false, sqlerr.New(sqlerr.AmbiguousColumn, "column reference %q is ambiguous: no collection in the join has it; qualify it with a table name", strings.Join(parts, "."))
	}
	return nil, false, sqlerr.New(sqlerr.AmbiguousColumn, "column reference %q is ambiguous", strings.Join(parts, "."))
}

func (b *Binder) fromTable(t *scopeTable, parts []string) (Expr, error) {
	if t.scan != nil {
		return b.tableRef(t, parts), nil
	}
	for _, c := range t.cols {
		if c.Name == parts[0] {
			var x Expr = &ColRef{ID: c.ID, Name: c.Name}
			for _, f := range parts[1:] {
				x = &Field{X: x, Name: f}
			}
			return x, nil
		}
	}
	return nil, sqlerr.New(sqlerr.UndefinedColumn, "column %s.%s does not exist", t.alias, strings.Join(parts, "."))
}

// hasPath reports whether t has the column path or columns below it
// (path + ".…"; a column path never goes on with `[`: an array is one
// column).
func hasPath(t Table, path string) bool {
	exists, below := t.PathChildren(path)
	return exists || len(below) > 0
}
