package plan

import (
	"reflect"
	"slices"
	"strings"

	"github.com/basaltdb/basalt/sql/ast"
	"github.com/basaltdb/basalt/sql/fn"
	"github.com/basaltdb/basalt/sql/sqlerr"
	"github.com/basaltdb/basalt/types"
)

// InvalidRecursion is PostgreSQL's SQLSTATE for a recursive query of a
// form it cannot run (invalid_recursion).
const InvalidRecursion = "42P19"

// readsCTE reports whether q refers to a CTE named name (a table name
// without a schema), outside any nested WITH that defines the name anew.
func readsCTE(q *ast.Select, name string) bool {
	c := &recCheck{name: name, probe: true}
	c.sel(q, recOK)
	return c.refs > 0
}

// bindRecursive binds a WITH RECURSIVE item that reads itself. As in
// PostgreSQL it must be `non-recursive term UNION [ALL] recursive term`:
// the non-recursive term does not read the CTE, the recursive term reads it
// exactly once, not inside a subquery, an outer join's nullable side,
// INTERSECT or EXCEPT's right side, and not in a block that aggregates.
// The recursive term reads the CTE as its working table (WorkScan).
func (b *Binder) bindRecursive(c ast.CTE, parent *scope, m map[string]*cteDef) (*Query, error) {
	sel := c.Query
	if sel.SetOp != "UNION" {
		return nil, atPos(sqlerr.New(InvalidRecursion, "recursive query %q does not have the form non-recursive-term UNION [ALL] recursive-term", c.Name), c.Pos)
	}
	switch {
	case len(sel.OrderBy) > 0:
		return nil, atPos(sqlerr.New(sqlerr.FeatureNotSupported, "ORDER BY in a recursive query is not implemented"), ast.ExprPos(sel.OrderBy[0].Expr))
	case sel.Offset != nil:
		return nil, atPos(sqlerr.New(sqlerr.FeatureNotSupported, "OFFSET in a recursive query is not implemented"), ast.ExprPos(sel.Offset))
	case sel.Limit != nil:
		return nil, atPos(sqlerr.New(sqlerr.FeatureNotSupported, "LIMIT in a recursive query is not implemented"), ast.ExprPos(sel.Limit))
	}
	check := &recCheck{name: c.Name}
	check.sel(sel.Left, recNonRecursive)
	if check.err == nil {
		check.sel(sel.Right, recOK)
	}
	if check.err != nil {
		return nil, check.err
	}
	clauses := c.Search != nil || c.Cycle != nil
	if clauses {
		// PostgreSQL's rewrite of the clauses needs both sides to be plain
		// SELECTs, the reference among the right one's FROM items.
		if sel.Left.SetOp != "" {
			return nil, sqlerr.New(sqlerr.FeatureNotSupported, "with a SEARCH or CYCLE clause, the left side of the UNION must be a SELECT")
		}
		if sel.Right.SetOp != "" {
			return nil, sqlerr.New(sqlerr.Syntax, "with a SEARCH or CYCLE clause, the right side of the UNION must be a SELECT")
		}
		if !fromReads(sel.Right.From, c.Name) {
			return nil, sqlerr.New(sqlerr.FeatureNotSupported, "with a SEARCH or CYCLE clause, the recursive reference to WITH query %q must be at the top level of its right-hand SELECT", c.Name)
		}
	}

	init, err := b.bindQuery(sel.Left, parent)
	if err != nil {
		return nil, err
	}
	names := make([]string, len(init.Out))
	for i, o := range init.Out {
		names[i] = o.Name
	}
	if len(c.Columns) > len(names) {
		return nil, atPos(sqlerr.New(sqlerr.InvalidColumnRef, "WITH query %q has %d columns available but %d columns specified", c.Name, len(names), len(c.Columns)), c.Pos)
	}
	copy(names, c.Columns)
	// The recursive term sees the clauses' columns too, as in PostgreSQL.
	all := slices.Clone(names)
	if c.Search != nil {
		all = append(all, c.Search.Seq)
	}
	if c.Cycle != nil {
		all = append(all, c.Cycle.MarkCol, c.Cycle.PathCol)
	}
	work := &WorkTable{Name: c.Name}
	key := strings.ToLower(c.Name)
	def := &cteDef{work: work, names: all}
	m[key] = def
	rec, err := b.bindQuery(sel.Right, parent)
	delete(m, key)
	if err != nil {
		return nil, err
	}
	if len(rec.Out) != len(names) {
		return nil, sqlerr.New(sqlerr.Syntax, "each UNION query must have the same number of columns")
	}
	n := &RecursiveUnion{Work: work, All: sel.SetAll}
	if clauses {
		if err := b.searchCycle(c, names, n); err != nil {
			return nil, err
		}
		// The recursive term passes on the added columns of the
		// working-table row each of its rows comes from.
		if err := b.passThrough(rec, def.scan.Out[len(names):]); err != nil {
			return nil, err
		}
	}
	n.Init, n.Recur = b.project(init), b.project(rec)
	q := &Query{Root: n}
	for _, name := range all {
		id := b.newID()
		n.Out = append(n.Out, id)
		q.Out = append(q.Out, OutCol{Name: name, ID: id})
	}
	return q, nil
}

// fromReads reports whether the FROM items (joined or not, but not inside
// a subquery) read the table name.
func fromReads(from []ast.TableExpr, name string) bool {
	for _, f := range from {
		switch f := f.(type) {
		case *ast.TableName:
			if f.Schema == "" && strings.EqualFold(f.Name, name) {
				return true
			}
		case *ast.Join:
			if fromReads([]ast.TableExpr{f.Left, f.Right}, name) {
				return true
			}
		}
	}
	return false
}

// searchCycle checks the SEARCH and CYCLE clauses of c, whose own columns
// are names, as PostgreSQL's analyzeCTE does, and sets them on n.
func (b *Binder) searchCycle(c ast.CTE, names []string, n *RecursiveUnion) error {
	cols := func(list []string, what string, pos int) ([]int, error) {
		var idx []int
		for _, col := range list {
			i := slices.Index(names, col)
			if i < 0 {
				return nil, atPos(sqlerr.New(sqlerr.Syntax, "%s column %q not in WITH query column list", what, col), pos)
			}
			if slices.Contains(idx, i) {
				return nil, atPos(sqlerr.New(sqlerr.DuplicateColumn, "%s column %q specified more than once", what, col), pos)
			}
			idx = append(idx, i)
		}
		return idx, nil
	}
	if s := c.Search; s != nil {
		idx, err := cols(s.Cols, "search", s.Pos)
		if err != nil {
			return err
		}
		if slices.Contains(names, s.Seq) {
			return atPos(sqlerr.New(sqlerr.Syntax, "search sequence column name %q already used in WITH query column list", s.Seq), s.Pos)
		}
		n.Search = &SearchSeq{BreadthFirst: s.BreadthFirst, Cols: idx}
	}
	if cy := c.Cycle; cy != nil {
		idx, err := cols(cy.Cols, "cycle", cy.Pos)
		if err != nil {
			return err
		}
		switch {
		case slices.Contains(names, cy.MarkCol):
			return atPos(sqlerr.New(sqlerr.Syntax, "cycle mark column name %q already used in WITH query column list", cy.MarkCol), cy.Pos)
		case slices.Contains(names, cy.PathCol):
			return atPos(sqlerr.New(sqlerr.Syntax, "cycle path column name %q already used in WITH query column list", cy.PathCol), cy.Pos)
		case cy.MarkCol == cy.PathCol:
			return atPos(sqlerr.New(sqlerr.Syntax, "cycle mark column name and cycle path column name are the same"), cy.Pos)
		}
		mark, def, err := b.cycleValues(cy)
		if err != nil {
			return err
		}
		n.Cycle = &CycleMark{Cols: idx, Mark: mark, Default: def}
	}
	if s, cy := c.Search, c.Cycle; s != nil && cy != nil {
		switch s.Seq {
		case cy.MarkCol:
			return atPos(sqlerr.New(sqlerr.Syntax, "search sequence column name and cycle mark column name are the same"), s.Pos)
		case cy.PathCol:
			return atPos(sqlerr.New(sqlerr.Syntax, "search sequence column name and cycle path column name are the same"), s.Pos)
		}
	}
	return nil
}

// cycleValues binds a CYCLE clause's TO and DEFAULT constants and gives
// them one type, as PostgreSQL's select_common_type does: a quoted literal
// takes the other's type (22P02 when it does not read as one), an integer
// and a number are both numbers, other differing types are 42804.
func (b *Binder) cycleValues(cy *ast.CTECycle) (types.Value, types.Value, error) {
	var vals [2]types.Value
	var untyped [2]bool
	for i, e := range []ast.Expr{cy.Mark, cy.Default} {
		be, err := b.expr(&scope{}, e)
		if err != nil {
			return vals[0], vals[1], err
		}
		k, ok := Fold(be, b.ctx).(*Const)
		if !ok {
			return vals[0], vals[1], atPos(sqlerr.New(sqlerr.FeatureNotSupported, "a CYCLE mark value that is not a constant"), ast.ExprPos(e))
		}
		vals[i] = k.V
		lit, isLit := e.(*ast.Literal)
		untyped[i] = isLit && lit.Value.Kind() == types.KindString
	}
	for i := range vals {
		o := 1 - i
		k, ok := vals[o].Kind(), !isNullKind(vals[o].Kind())
		if !untyped[i] || !ok || untyped[o] || isNullKind(vals[i].Kind()) || k == types.KindString {
			continue
		}
		typ := map[types.Kind]string{types.KindInt: fn.TypeInt, types.KindFloat: fn.TypeFloat, types.KindBool: fn.TypeBool,
			types.KindTimestamp: fn.TypeTimestamp, types.KindInterval: fn.TypeInterval}[k]
		if typ == "" {
			break
		}
		v, err := fn.Cast(vals[i], typ)
		if err != nil {
			return vals[0], vals[1], err
		}
		vals[i] = v
	}
	a, d := vals[0].Kind(), vals[1].Kind()
	if a != d && !isNullKind(a) && !isNullKind(d) && !(a.IsNumeric() && d.IsNumeric()) {
		return vals[0], vals[1], atPos(sqlerr.New(sqlerr.DatatypeMismatch, "CYCLE types %s and %s cannot be matched", fn.PGTypeName(a), fn.PGTypeName(d)), ast.ExprPos(cy.Default))
	}
	return vals[0], vals[1], nil
}

func isNullKind(k types.Kind) bool { return k == types.KindNull || k == types.KindUndefined }

// passThrough makes the bound recursive term rec also output the columns
// ids (of its working-table scan), after its own: its projection takes
// them from below.
func (b *Binder) passThrough(rec *Query, ids []ColID) error {
	n := rec.Root
	for {
		switch x := n.(type) {
		case *Distinct:
			n = x.Input
			continue
		case *Project:
			avail := map[ColID]bool{}
			for _, c := range x.Input.Cols() {
				avail[c] = true
			}
			for _, id := range ids {
				if !avail[id] {
					return sqlerr.New(sqlerr.FeatureNotSupported, "SEARCH and CYCLE with a recursive term that groups are not supported")
				}
			}
			for _, id := range ids {
				out := b.newID()
				x.Exprs = append(x.Exprs, &ColRef{ID: id})
				x.Out = append(x.Out, out)
				rec.Out = append(rec.Out, OutCol{ID: out})
			}
			return nil
		}
		return sqlerr.New(sqlerr.FeatureNotSupported, "SEARCH and CYCLE with this recursive term are not supported")
	}
}

// workRef binds the recursive term's reference to its CTE: a scan of the
// working table, with fresh column ids.
func (b *Binder) workRef(sc *scope, f *ast.TableName, c *cteDef) (Node, error) {
	alias := f.Alias
	if alias == "" {
		alias = f.Name
	}
	ws := &WorkScan{Table: c.work}
	c.scan = ws
	var cols []OutCol
	for i, name := range c.names {
		id := b.newID()
		if i < len(f.ColAliases) {
			name = f.ColAliases[i]
		}
		ws.Out = append(ws.Out, id)
		cols = append(cols, OutCol{Name: name, ID: id})
	}
	sc.tables = append(sc.tables, &scopeTable{alias: alias, cols: cols})
	return ws, nil
}

// recContext is where in a recursive query a reference to the CTE stands,
// as PostgreSQL's checkWellFormedRecursion tells them apart.
type recContext int

const (
	recOK recContext = iota
	recNonRecursive
	recSubquery
	recOuterJoin
	recIntersect
	recExcept
)

var recMessages = [...]string{
	recNonRecursive: "recursive reference to query %q must not appear within its non-recursive term",
	recSubquery:     "recursive reference to query %q must not appear within a subquery",
	recOuterJoin:    "recursive reference to query %q must not appear within an outer join",
	recIntersect:    "recursive reference to query %q must not appear within INTERSECT",
	recExcept:       "recursive reference to query %q must not appear within EXCEPT",
}

// recCheck walks a recursive query's AST for references to its CTE.
type recCheck struct {
	name string
	// probe only counts references (readsCTE), never failing.
	probe bool
	refs  int
	err   error
}

func (c *recCheck) fail(err error, pos int) {
	if c.err == nil && !c.probe {
		c.err = atPos(err, pos)
	}
}

func (c *recCheck) sel(s *ast.Select, ctx recContext) {
	if s == nil || c.err != nil {
		return
	}
	for _, w := range s.With {
		if strings.EqualFold(w.Name, c.name) {
			// A nested WITH names another query: references below it are
			// to that one (a query before it in the list could still read
			// ours; rare enough to treat alike).
			return
		}
		c.sel(w.Query, ctx)
	}
	switch s.SetOp {
	case "UNION":
		c.sel(s.Left, ctx)
		c.sel(s.Right, ctx)
	case "INTERSECT":
		// As PostgreSQL: INTERSECT ALL and EXCEPT ALL may not read the
		// working table, EXCEPT only on its left.
		if s.SetAll {
			ctx = recIntersect
		}
		c.sel(s.Left, ctx)
		c.sel(s.Right, ctx)
	case "EXCEPT":
		if s.SetAll {
			ctx = recExcept
		}
		c.sel(s.Left, ctx)
		c.sel(s.Right, recExcept)
	}
	before := c.refs
	for _, f := range s.From {
		c.table(f, ctx)
	}
	if c.refs > before && ctx == recOK {
		// This block reads the working table: it may not aggregate.
		for _, x := range []any{s.Targets, s.Having, s.OrderBy} {
			var agg *ast.Func
			containsFunc(reflect.ValueOf(x), func(f *ast.Func) bool {
				if aggregates[f.Name] && f.Over == nil && agg == nil {
					agg = f
				}
				return agg != nil
			})
			if agg != nil {
				c.fail(sqlerr.New(InvalidRecursion, "aggregate functions are not allowed in a recursive query's recursive term"), agg.Pos)
				return
			}
		}
	}
	c.exprs(s.Targets, ctx)
	c.exprs(s.DistinctOn, ctx)
	c.exprs(s.Where, ctx)
	c.exprs(s.GroupBy, ctx)
	c.exprs(s.GroupingSets, ctx)
	c.exprs(s.Having, ctx)
	c.exprs(s.Windows, ctx)
	c.exprs(s.Values, ctx)
	c.exprs(s.OrderBy, ctx)
	c.exprs(s.Limit, ctx)
	c.exprs(s.Offset, ctx)
}

func (c *recCheck) table(t ast.TableExpr, ctx recContext) {
	if c.err != nil {
		return
	}
	switch t := t.(type) {
	case *ast.TableName:
		if t.Schema != "" || !strings.EqualFold(t.Name, c.name) {
			return
		}
		switch {
		case ctx != recOK:
			c.fail(sqlerr.New(InvalidRecursion, recMessages[ctx], c.name), t.Pos)
		case c.refs > 0:
			c.fail(sqlerr.New(InvalidRecursion, "recursive reference to query %q must not appear more than once", c.name), t.Pos)
		}
		c.refs++
	case *ast.Join:
		l, r := ctx, ctx
		switch t.Kind {
		case "LEFT":
			r = recOuterJoin
		case "RIGHT":
			l = recOuterJoin
		case "FULL":
			l, r = recOuterJoin, recOuterJoin
		}
		c.table(t.Left, l)
		c.table(t.Right, r)
		c.exprs(t.On, ctx)
	case *ast.SubqueryTable:
		c.sel(t.Query, ctx)
	case *ast.FuncTable:
		c.exprs(t.Func, ctx)
	}
}

// exprs checks the expressions under x: a query inside one is a subquery.
func (c *recCheck) exprs(x any, ctx recContext) {
	walkAST(reflect.ValueOf(x), func(v reflect.Value) bool {
		if s, ok := v.Interface().(*ast.Select); ok {
			c.sel(s, recSubquery)
			return false
		}
		return c.err == nil
	})
}
