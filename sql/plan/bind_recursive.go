package plan

import (
	"reflect"
	"strings"

	"github.com/basaltdb/basalt/sql/ast"
	"github.com/basaltdb/basalt/sql/sqlerr"
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
	work := &WorkTable{Name: c.Name}
	key := strings.ToLower(c.Name)
	m[key] = &cteDef{work: work, names: names}
	rec, err := b.bindQuery(sel.Right, parent)
	delete(m, key)
	if err != nil {
		return nil, err
	}
	if len(rec.Out) != len(names) {
		return nil, sqlerr.New(sqlerr.Syntax, "each UNION query must have the same number of columns")
	}
	n := &RecursiveUnion{Init: b.project(init), Recur: b.project(rec), Work: work, All: sel.SetAll}
	q := &Query{Root: n}
	for _, name := range names {
		id := b.newID()
		n.Out = append(n.Out, id)
		q.Out = append(q.Out, OutCol{Name: name, ID: id})
	}
	return q, nil
}

// workRef binds the recursive term's reference to its CTE: a scan of the
// working table, with fresh column ids.
func (b *Binder) workRef(sc *scope, f *ast.TableName, c *cteDef) (Node, error) {
	alias := f.Alias
	if alias == "" {
		alias = f.Name
	}
	ws := &WorkScan{Table: c.work}
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
