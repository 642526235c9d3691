package plan

import (
	"strings"

	"github.com/basaltdb/basalt/sql/ast"
	"github.com/basaltdb/basalt/sql/sqlerr"
	"github.com/basaltdb/basalt/types"
)

// aggregates lists the aggregate function names.
var aggregates = map[string]bool{
	"count": true, "sum": true, "avg": true, "min": true, "max": true,
	"stddev": true, "stddev_samp": true, "stddev_pop": true, "variance": true,
	"var_samp": true, "var_pop": true, "bool_and": true, "bool_or": true,
	"every": true, "array_agg": true, "string_agg": true,
	"approx_count_distinct": true, "percentile_cont": true,
	"percentile_disc": true, "approx_percentile": true, "count_if": true, "mode": true,
	"any_value": true, "arbitrary": true, "max_by": true, "min_by": true,
	"corr": true, "covar_pop": true, "covar_samp": true, "regr_slope": true, "regr_intercept": true,
	"regr_r2": true, "regr_count": true, "regr_avgx": true, "regr_avgy": true, "regr_sxx": true,
	"regr_syy": true, "regr_sxy": true, "bit_and": true, "bit_or": true, "bit_xor": true,
}

// windowOnly lists functions only valid with OVER.
var windowOnly = map[string]bool{
	"row_number": true, "rank": true, "dense_rank": true, "percent_rank": true,
	"cume_dist": true, "ntile": true, "lag": true, "lead": true,
	"first_value": true, "last_value": true, "nth_value": true,
}

// IsAggregate reports whether name is an aggregate function.
func IsAggregate(name string) bool { return aggregates[name] }

// aggPlaceholder stands for an aggregate call while a SELECT block is
// bound; it is replaced by a column of the Aggregate node.
type aggPlaceholder struct {
	call AggCall
	pos  int
}

// winPlaceholder stands for a window function call.
type winPlaceholder struct {
	f WindowFunc
}

func (*aggPlaceholder) boundExpr() {}
func (*winPlaceholder) boundExpr() {}

type selectState struct {
	sc      *scope
	aggs    []*aggPlaceholder
	wins    []*winPlaceholder
	inAgg   bool   // binding an aggregate's arguments
	allowAg bool   // aggregates allowed here
	clause  string // the clause being bound, for error messages
	// windows are the named windows of the WINDOW clause, resolved.
	windows map[string]*ast.WindowDef
}

// resolveWindow returns w with the named window it refers to (OVER w,
// OVER (w ORDER BY x), WINDOW w2 AS (w1 …)) merged in, as PostgreSQL does:
// the named window gives the partitioning, and the ordering unless w has
// its own; the frame is w's, except that OVER w uses the named window as is.
func (st *selectState) resolveWindow(w *ast.WindowDef) (*ast.WindowDef, error) {
	if w.Ref == "" {
		return w, nil
	}
	base, ok := st.windows[w.Ref]
	if !ok {
		return nil, sqlerr.New(sqlerr.UndefinedObject, "window %q does not exist", w.Ref)
	}
	if len(w.PartitionBy) == 0 && len(w.OrderBy) == 0 && w.Frame == nil {
		return base, nil
	}
	switch {
	case len(w.PartitionBy) > 0:
		return nil, sqlerr.New(sqlerr.Windowing, "cannot override PARTITION BY clause of window %q", w.Ref)
	case len(w.OrderBy) > 0 && len(base.OrderBy) > 0:
		return nil, sqlerr.New(sqlerr.Windowing, "cannot override ORDER BY clause of window %q", w.Ref)
	case base.Frame != nil:
		return nil, sqlerr.New(sqlerr.Windowing, "cannot copy window %q because it has a frame clause", w.Ref)
	}
	r := &ast.WindowDef{PartitionBy: base.PartitionBy, OrderBy: base.OrderBy, Frame: w.Frame}
	if len(w.OrderBy) > 0 {
		r.OrderBy = w.OrderBy
	}
	return r, nil
}

func (st *selectState) clauseName() string {
	if st.clause == "" {
		return "this context"
	}
	return st.clause
}

func (b *Binder) bindSelect(sel *ast.Select, parent *scope) (*Query, error) {
	sel = liftUnnest(sel)
	sc := &scope{parent: parent, from: sel.From}
	var root Node
	for _, f := range sel.From {
		n, err := b.fromItem(sc, root, f)
		if err != nil {
			return nil, err
		}
		root = n
	}
	if root == nil {
		root = &Values{Rows: [][]Expr{{}}}
	}
	st := &selectState{sc: sc, clause: "WHERE"}
	if len(sel.Windows) > 0 {
		st.windows = map[string]*ast.WindowDef{}
		for i := range sel.Windows {
			w := &sel.Windows[i]
			if _, dup := st.windows[w.Name]; dup {
				return nil, sqlerr.New(sqlerr.Windowing, "window %q is already defined", w.Name)
			}
			r, err := st.resolveWindow(w)
			if err != nil {
				return nil, err
			}
			st.windows[w.Name] = r
		}
	}
	if sel.Where != nil {
		w, err := b.exprIn(st, sel.Where)
		if err != nil {
			return nil, err
		}
		root = &Filter{Input: root, Cond: w}
	}

	// Expand targets.
	type target struct {
		name string
		expr Expr
	}
	var targets []target
	st.allowAg = true
	for _, t := range sel.Targets {
		if t.Star {
			cols, err := b.expandStar(sc, t.StarTable)
			if err != nil {
				return nil, err
			}
			for _, c := range cols {
				targets = append(targets, target{name: c.name, expr: c.expr})
			}
			continue
		}
		e, err := b.exprIn(st, t.Expr)
		if err != nil {
			return nil, err
		}
		name := t.Alias
		if name == "" {
			name = deriveName(t.Expr)
		}
		targets = append(targets, target{name: name, expr: e})
	}
	outs := make([]OutCol, len(targets))
	for i, t := range targets {
		outs[i] = OutCol{Name: t.name}
	}

	// GROUP BY keys: ordinals and output aliases refer to targets.
	var keys []Expr
	for _, g := range sel.GroupBy {
		if lit, ok := g.(*ast.Literal); ok && lit.Value.Kind() == types.KindInt {
			n := int(lit.Value.Int())
			if n < 1 || n > len(targets) {
				return nil, sqlerr.New(sqlerr.InvalidColumnRef, "GROUP BY position %d is not in select list", n)
			}
			keys = append(keys, targets[n-1].expr)
			continue
		}
		if cr, ok := g.(*ast.ColumnRef); ok && len(cr.Parts) == 1 {
			found := false
			for _, t := range targets {
				if t.name == cr.Parts[0] && !b.isColumnName(sc, cr.Parts[0]) {
					keys = append(keys, t.expr)
					found = true
					break
				}
			}
			if found {
				continue
			}
		}
		st.allowAg, st.clause = false, "GROUP BY"
		e, err := b.exprIn(st, g)
		st.allowAg = true
		if err != nil {
			return nil, err
		}
		keys = append(keys, e)
	}
	var having Expr
	if sel.Having != nil {
		h, err := b.exprIn(st, sel.Having)
		if err != nil {
			return nil, err
		}
		having = h
	}
	// ORDER BY keys bound now (before aggregation rewriting) unless they
	// name an output column.
	type orderKey struct {
		out  int // index into targets, or -1
		expr Expr
		item ast.OrderItem
	}
	var order []orderKey
	for _, o := range sel.OrderBy {
		k := orderKey{out: -1, item: o}
		if lit, ok := o.Expr.(*ast.Literal); ok && lit.Value.Kind() == types.KindInt {
			n := int(lit.Value.Int())
			if n < 1 || n > len(targets) {
				return nil, sqlerr.New(sqlerr.InvalidColumnRef, "ORDER BY position %d is not in select list", n)
			}
			k.out = n - 1
		} else if cr, ok := o.Expr.(*ast.ColumnRef); ok && len(cr.Parts) == 1 {
			for i, t := range targets {
				if t.name == cr.Parts[0] {
					k.out = i
					break
				}
			}
		}
		if k.out < 0 {
			e, err := b.exprIn(st, o.Expr)
			if err != nil {
				return nil, err
			}
			k.expr = e
		}
		order = append(order, k)
	}
	var distinctOn []Expr
	for _, d := range sel.DistinctOn {
		e, err := b.exprIn(st, d)
		if err != nil {
			return nil, err
		}
		distinctOn = append(distinctOn, e)
	}
	if len(distinctOn) > 0 && len(order) > 0 {
		// As PostgreSQL: the leftmost ORDER BY keys must be DISTINCT ON
		// expressions, or which row of each group is kept would not be
		// the first of the order.
		on := map[string]bool{}
		for _, d := range distinctOn {
			on[FormatExpr(d)] = true
		}
		for _, k := range order[:min(len(order), len(distinctOn))] {
			e := k.expr
			if k.out >= 0 {
				e = targets[k.out].expr
			}
			if !on[FormatExpr(e)] {
				return nil, sqlerr.New(sqlerr.InvalidColumnRef, "SELECT DISTINCT ON expressions must match initial ORDER BY expressions")
			}
		}
	}

	// Aggregation.
	if len(st.aggs) > 0 || len(keys) > 0 || having != nil {
		agg := &Aggregate{Input: root, Keys: keys}
		keyFmt := map[string]ColID{}
		keyOf := map[ColID]ColID{}
		for _, k := range keys {
			id := b.newID()
			agg.KeyCols = append(agg.KeyCols, id)
			keyFmt[FormatExpr(k)] = id
			if c, ok := k.(*ColRef); ok {
				keyOf[c.ID] = id
			}
		}
		aggFmt := map[string]ColID{}
		for _, a := range st.aggs {
			f := FormatExpr(a)
			if id, ok := aggFmt[f]; ok {
				a.call.Out = id
				continue
			}
			a.call.Out = b.newID()
			aggFmt[f] = a.call.Out
			agg.Aggs = append(agg.Aggs, a.call)
		}
		fromCols := b.scopeCols(sc)
		rewrite := func(e Expr) (Expr, error) {
			return rewriteAgg(e, keyFmt, keyOf, fromCols)
		}
		for i := range targets {
			e, err := rewrite(targets[i].expr)
			if err != nil {
				return nil, err
			}
			targets[i].expr = e
		}
		for i := range order {
			if order[i].expr != nil {
				e, err := rewrite(order[i].expr)
				if err != nil {
					return nil, err
				}
				order[i].expr = e
			}
		}
		for i := range distinctOn {
			e, err := rewrite(distinctOn[i])
			if err != nil {
				return nil, err
			}
			distinctOn[i] = e
		}
		for _, w := range st.wins {
			for i := range w.f.Args {
				e, err := rewrite(w.f.Args[i])
				if err != nil {
					return nil, err
				}
				w.f.Args[i] = e
			}
			for i := range w.f.PartitionBy {
				e, err := rewrite(w.f.PartitionBy[i])
				if err != nil {
					return nil, err
				}
				w.f.PartitionBy[i] = e
			}
			for i := range w.f.OrderBy {
				e, err := rewrite(w.f.OrderBy[i].Expr)
				if err != nil {
					return nil, err
				}
				w.f.OrderBy[i].Expr = e
			}
		}
		root = agg
		if having != nil {
			h, err := rewrite(having)
			if err != nil {
				return nil, err
			}
			root = &Filter{Input: root, Cond: h}
		}
	}
	// Window functions.
	if len(st.wins) > 0 {
		wn := &Window{Input: root}
		for _, w := range st.wins {
			w.f.Out = b.newID()
			wn.Funcs = append(wn.Funcs, w.f)
		}
		root = wn
		repl := func(e Expr) Expr {
			return Map(e, func(x Expr) Expr {
				if w, ok := x.(*winPlaceholder); ok {
					return &ColRef{ID: w.f.Out, Name: w.f.Name}
				}
				return x
			})
		}
		for i := range targets {
			targets[i].expr = repl(targets[i].expr)
		}
		for i := range order {
			if order[i].expr != nil {
				order[i].expr = repl(order[i].expr)
			}
		}
	}

	// Projection: targets, then hidden sort and DISTINCT ON keys.
	p := &Project{Input: root}
	for i, t := range targets {
		id := b.newID()
		if cr, ok := t.expr.(*ColRef); ok && !containsID(p.Out, cr.ID) {
			id = cr.ID
		}
		outs[i].ID = id
		p.Exprs = append(p.Exprs, t.expr)
		p.Out = append(p.Out, id)
	}
	var sortKeys []SortKey
	for _, k := range order {
		if k.out >= 0 {
			sortKeys = append(sortKeys, sortKey(&ColRef{ID: outs[k.out].ID, Name: outs[k.out].Name}, k.item))
			continue
		}
		f := FormatExpr(k.expr)
		found := false
		for i, t := range targets {
			if FormatExpr(t.expr) == f {
				sortKeys = append(sortKeys, sortKey(&ColRef{ID: outs[i].ID, Name: outs[i].Name}, k.item))
				found = true
				break
			}
		}
		if !found {
			if sel.Distinct {
				return nil, sqlerr.New(sqlerr.InvalidColumnRef, "for SELECT DISTINCT, ORDER BY expressions must appear in select list")
			}
			id := b.newID()
			p.Exprs = append(p.Exprs, k.expr)
			p.Out = append(p.Out, id)
			sortKeys = append(sortKeys, sortKey(&ColRef{ID: id}, k.item))
		}
	}
	var onRefs []Expr
	for _, d := range distinctOn {
		id := b.newID()
		p.Exprs = append(p.Exprs, d)
		p.Out = append(p.Out, id)
		onRefs = append(onRefs, &ColRef{ID: id})
	}
	root = p
	if sel.Distinct || len(onRefs) > 0 {
		if len(onRefs) > 0 {
			// DISTINCT ON keeps the first row of each group in ORDER BY
			// order: sort first.
			if len(sortKeys) > 0 {
				root = &Sort{Input: root, Keys: sortKeys}
			}
			root = &Distinct{Input: root, On: onRefs}
			sortKeys = nil
		} else {
			root = &Distinct{Input: root}
		}
	}
	if len(sortKeys) > 0 {
		root = &Sort{Input: root, Keys: sortKeys}
	}
	q := &Query{Root: root, Out: outs}
	q, err := b.limit(q, sel)
	if err != nil {
		return nil, err
	}
	if len(p.Out) != len(outs) {
		q.Root = b.project(q)
	}
	return q, nil
}

func containsID(ids []ColID, id ColID) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

// scopeCols returns the columns the FROM items of sc produce.
func (b *Binder) scopeCols(sc *scope) map[ColID]bool {
	out := map[ColID]bool{}
	for _, t := range sc.tables {
		if t.scan != nil {
			for _, c := range t.scan.Columns {
				out[c.ID] = true
			}
		}
		for _, c := range t.cols {
			out[c.ID] = true
		}
	}
	return out
}

// rewriteAgg replaces group keys and aggregate placeholders by columns of
// the Aggregate node and fails on any other FROM column left.
// keyOf maps the columns that are grouping keys themselves to the key
// columns, for the outer references of correlated subqueries.
func rewriteAgg(e Expr, keys map[string]ColID, keyOf map[ColID]ColID, from map[ColID]bool) (Expr, error) {
	var bad *ColRef
	var rw func(x Expr) Expr
	rw = func(x Expr) Expr {
		if id, ok := keys[FormatExpr(x)]; ok {
			return &ColRef{ID: id, Name: colName(x)}
		}
		if a, ok := x.(*aggPlaceholder); ok {
			return &ColRef{ID: a.call.Out, Name: a.call.Name}
		}
		if s, ok := x.(*SubqueryExpr); ok && len(s.Outer) > 0 && s.OuterFrom == nil {
			// A correlated subquery reads the grouping key's column; an
			// ungrouped column of this block is an error (found below).
			c := *s
			c.X = Map(s.X, rw)
			c.OuterFrom = make([]Expr, len(s.Outer))
			for i, id := range s.Outer {
				if k, ok := keyOf[id]; ok {
					c.OuterFrom[i] = &ColRef{ID: k}
				} else {
					c.OuterFrom[i] = &ColRef{ID: id}
				}
			}
			return &c
		}
		return x
	}
	out := Map(e, rw)
	Walk(out, func(x Expr) bool {
		if c, ok := x.(*ColRef); ok && from[c.ID] && bad == nil {
			bad = c
		}
		_, isWin := x.(*winPlaceholder)
		return !isWin
	})
	if bad != nil {
		if bad.Name == "" {
			return nil, sqlerr.New(sqlerr.Grouping, "subquery uses an ungrouped column from the outer query")
		}
		return nil, sqlerr.New(sqlerr.Grouping, "column %q must appear in the GROUP BY clause or be used in an aggregate function", bad.Name)
	}
	return out, nil
}

func colName(e Expr) string {
	if c, ok := e.(*ColRef); ok {
		return c.Name
	}
	return ""
}

// deriveName is the result column name PostgreSQL gives an unaliased
// expression: the last field name, the function name, or ?column?.
func deriveName(e ast.Expr) string {
	switch e := e.(type) {
	case *ast.ColumnRef:
		return e.Parts[len(e.Parts)-1]
	case *ast.FieldAccess:
		return e.Name
	case *ast.Subscript:
		return deriveName(e.X)
	case *ast.Func:
		switch e.Name {
		case "extract", "date_part":
			return e.Name
		}
		return e.Name
	case *ast.Cast:
		if n := deriveName(e.X); n != "?column?" {
			return n
		}
		t := strings.TrimSuffix(e.Type, "[]")
		switch t {
		case "int4", "integer", "int":
			return "int4"
		case "int8", "bigint":
			return "int8"
		case "text":
			return "text"
		}
		return t
	case *ast.Case:
		return "case"
	case *ast.Exists:
		return "exists"
	case *ast.ArrayLit, *ast.ArraySubquery:
		return "array"
	case *ast.Subquery:
		if len(e.Query.Targets) == 1 && !e.Query.Targets[0].Star {
			if e.Query.Targets[0].Alias != "" {
				return e.Query.Targets[0].Alias
			}
			return deriveName(e.Query.Targets[0].Expr)
		}
	}
	return "?column?"
}

// Map rebuilds e bottom-up, replacing each node by f's result (f sees the
// node with its children already mapped). Nodes f matches before descent
// (key lookups) are tried first at each level.
func Map(e Expr, f func(Expr) Expr) Expr {
	if e == nil {
		return nil
	}
	if r := f(e); r != e {
		return r
	}
	m := func(x Expr) Expr { return Map(x, f) }
	ms := func(xs []Expr) []Expr {
		out := make([]Expr, len(xs))
		for i, x := range xs {
			out[i] = m(x)
		}
		return out
	}
	switch e := e.(type) {
	case *Call:
		return &Call{Fn: e.Fn, Args: ms(e.Args), Lenient: e.Lenient}
	case *Arith:
		return &Arith{Op: e.Op, L: m(e.L), R: m(e.R), Lenient: e.Lenient}
	case *Cmp:
		return &Cmp{Op: e.Op, L: m(e.L), R: m(e.R)}
	case *Logic:
		return &Logic{And: e.And, L: m(e.L), R: m(e.R)}
	case *Not:
		return &Not{X: m(e.X)}
	case *Neg:
		return &Neg{X: m(e.X), Lenient: e.Lenient}
	case *Concat:
		return &Concat{L: m(e.L), R: m(e.R)}
	case *IsTest:
		return &IsTest{X: m(e.X), What: e.What, Not: e.Not}
	case *IsDistinct:
		return &IsDistinct{L: m(e.L), R: m(e.R), Not: e.Not}
	case *In:
		return &In{X: m(e.X), List: ms(e.List), Not: e.Not}
	case *Like:
		return &Like{X: m(e.X), Pattern: m(e.Pattern), Escape: m(e.Escape), Not: e.Not, ILike: e.ILike}
	case *Regex:
		return &Regex{X: m(e.X), Pattern: m(e.Pattern), Not: e.Not, ICase: e.ICase}
	case *Case:
		c := &Case{Else: m(e.Else)}
		for _, w := range e.Whens {
			c.Whens = append(c.Whens, CaseWhen{Cond: m(w.Cond), Then: m(w.Then)})
		}
		return c
	case *Cast:
		return &Cast{X: m(e.X), Type: e.Type, Try: e.Try}
	case *Coalesce:
		return &Coalesce{Args: ms(e.Args)}
	case *Subscript:
		return &Subscript{X: m(e.X), Index: m(e.Index)}
	case *Field:
		return &Field{X: m(e.X), Name: e.Name}
	case *ArrayOf:
		return &ArrayOf{Elems: ms(e.Elems)}
	case *IntervalAdd:
		return &IntervalAdd{X: m(e.X), Iv: e.Iv, Sign: e.Sign}
	case *AnyCmp:
		return &AnyCmp{X: m(e.X), Array: m(e.Array), Op: e.Op, All: e.All}
	case *SubqueryExpr:
		c := *e
		c.X = m(e.X)
		return &c
	}
	return e
}

// isColumnName reports whether name is a column of a non-collection FROM
// item of sc (collections have every name).
func (b *Binder) isColumnName(sc *scope, name string) bool {
	for _, t := range sc.tables {
		for _, c := range t.cols {
			if c.Name == name {
				return true
			}
		}
		if t.scan != nil && hasPath(t.scan.Table, name) {
			return true
		}
	}
	return false
}
