package plan

import (
	"strings"

	"github.com/basaltdb/basalt/sql/ast"
	"github.com/basaltdb/basalt/sql/fn"
	"github.com/basaltdb/basalt/sql/sqlerr"
	"github.com/basaltdb/basalt/types"
)

// OutCol is one column of a query's result.
type OutCol struct {
	Name string
	ID   ColID
}

// Query is a bound, planned query.
type Query struct {
	Root Node
	Out  []OutCol
}

// Params are the values of a query's parameters: positional ($1 is
// Positional[0]) and named (`:name`).
type Params struct {
	Positional []types.Value
	Named      map[string]types.Value
}

// Binder turns AST queries into plans. One Binder serves one statement.
type Binder struct {
	cat    Catalog
	params Params
	ctx    *fn.Ctx
	nextID ColID
	ctes   []map[string]*cteDef
	// colPaths are the table and path of scan leaf columns, whose kinds
	// coerce asks the table for when a literal meets them.
	colPaths map[ColID]tablePath
	// Collections lists the collections the query reads, "ws.name".
	Collections []string
	// Volatile is set when the statement calls a volatile function: its
	// plan holds values of this run (NOW() is folded), so it is not reused.
	Volatile bool
}

type tablePath struct {
	t    Table
	path string
}

type cteDef struct {
	q *Query
	// work is set, and q nil, while a recursive CTE's recursive term is
	// bound: a reference reads the working table, whose columns are names.
	work  *WorkTable
	names []string
	// scan is the recursive term's reference, once bound.
	scan *WorkScan
}

// NewBinder returns a binder over cat.
func NewBinder(cat Catalog, params Params, ctx *fn.Ctx) *Binder {
	return &Binder{cat: cat, params: params, ctx: ctx}
}

func (b *Binder) newID() ColID {
	b.nextID++
	return b.nextID
}

// scope is the name environment of a SELECT block.
type scope struct {
	parent *scope
	tables []*scopeTable
	// outer records the columns of parent scopes the block referenced.
	outer map[ColID]bool
	// using maps the column names of JOIN … USING to the one column an
	// unqualified reference means, as in PostgreSQL: the left side's (the
	// right side's for a RIGHT JOIN, the first non-null for a FULL JOIN).
	using map[string]Expr
	// joins holds the merged columns of each JOIN … USING and NATURAL
	// JOIN, for `*`; from is the block's FROM list.
	joins map[*ast.Join]*usingCols
	from  []ast.TableExpr
}

// scopeTable is a FROM item visible by name.
type scopeTable struct {
	alias string
	scan  *Scan // a collection: columns are added as referenced
	cols  []OutCol
}

func (t *scopeTable) scanCol(path string) ColID {
	for _, c := range t.scan.Columns {
		if c.Path == path {
			return c.ID
		}
	}
	return -1
}

// Bind plans a query.
func (b *Binder) Bind(sel *ast.Select) (*Query, error) {
	return b.bindQuery(sel, nil)
}

func (b *Binder) bindQuery(sel *ast.Select, parent *scope) (*Query, error) {
	if len(sel.With) > 0 {
		m := map[string]*cteDef{}
		b.ctes = append(b.ctes, m)
		defer func() { b.ctes = b.ctes[:len(b.ctes)-1] }()
		for _, c := range sel.With {
			if (c.Search != nil || c.Cycle != nil) && !(c.Recursive && readsCTE(c.Query, c.Name)) {
				return nil, atPos(sqlerr.New(sqlerr.Syntax, "WITH query is not recursive"), c.Pos)
			}
			if c.Recursive && readsCTE(c.Query, c.Name) {
				q, err := b.bindRecursive(c, parent, m)
				if err != nil {
					return nil, err
				}
				m[strings.ToLower(c.Name)] = &cteDef{q: q}
				continue
			}
			q, err := b.bindQuery(c.Query, parent)
			if err != nil {
				return nil, err
			}
			if len(c.Columns) > 0 {
				if len(c.Columns) > len(q.Out) {
					return nil, atPos(sqlerr.New(sqlerr.InvalidColumnRef, "WITH query %q has %d columns available but %d columns specified", c.Name, len(q.Out), len(c.Columns)), c.Pos)
				}
				for i, n := range c.Columns {
					q.Out[i].Name = n
				}
			}
			m[strings.ToLower(c.Name)] = &cteDef{q: q}
		}
	}
	if len(sel.GroupBy) > 0 && callsGrouping(sel) {
		// GROUPING(…) over a plain GROUP BY: one grouping set.
		one := *sel
		one.GroupingSets, one.GroupBy = [][]ast.Expr{sel.GroupBy}, nil
		sel = &one
	}
	if len(sel.GroupingSets) > 0 {
		u, err := expandGroupingSets(sel)
		if err != nil {
			return nil, err
		}
		return b.bindQuery(u, parent) // its WITH is bound above
	}
	if sel.SetOp != "" {
		return b.bindSetOp(sel, parent)
	}
	if sel.Values != nil {
		q, err := b.bindValues(sel.Values, parent)
		if err != nil {
			return nil, err
		}
		return b.orderLimitOutput(q, sel, parent)
	}
	return b.bindSelect(sel, parent)
}

func (b *Binder) bindValues(rows [][]ast.Expr, parent *scope) (*Query, error) {
	sc := &scope{parent: parent}
	v := &Values{}
	for i, r := range rows {
		if i > 0 && len(r) != len(rows[0]) {
			return nil, sqlerr.New(sqlerr.Syntax, "VALUES lists must all be the same length")
		}
		var br []Expr
		for _, e := range r {
			be, err := b.expr(sc, e)
			if err != nil {
				return nil, err
			}
			br = append(br, be)
		}
		v.Rows = append(v.Rows, br)
	}
	q := &Query{Root: v}
	for i := range rows[0] {
		id := b.newID()
		v.Out = append(v.Out, id)
		q.Out = append(q.Out, OutCol{Name: "column" + itoa(i+1), ID: id})
	}
	return q, nil
}

func (b *Binder) bindSetOp(sel *ast.Select, parent *scope) (*Query, error) {
	l, err := b.bindQuery(sel.Left, parent)
	if err != nil {
		return nil, err
	}
	r, err := b.bindQuery(sel.Right, parent)
	if err != nil {
		return nil, err
	}
	if len(l.Out) != len(r.Out) {
		return nil, sqlerr.New(sqlerr.Syntax, "each %s query must have the same number of columns", sel.SetOp)
	}
	n := &SetOp{Op: sel.SetOp, All: sel.SetAll, Left: b.project(l), Right: b.project(r)}
	q := &Query{Root: n}
	for _, c := range l.Out {
		id := b.newID()
		n.Out = append(n.Out, id)
		q.Out = append(q.Out, OutCol{Name: c.Name, ID: id})
	}
	return b.orderLimitOutput(q, sel, parent)
}

// project makes q's root produce exactly q.Out, in order.
func (b *Binder) project(q *Query) Node {
	cols := q.Root.Cols()
	if len(cols) == len(q.Out) {
		same := true
		for i, c := range q.Out {
			if cols[i] != c.ID {
				same = false
				break
			}
		}
		if same {
			return q.Root
		}
	}
	p := &Project{Input: q.Root}
	for _, c := range q.Out {
		p.Exprs = append(p.Exprs, &ColRef{ID: c.ID, Name: c.Name})
		p.Out = append(p.Out, c.ID)
	}
	return p
}

// orderLimitOutput applies ORDER BY / LIMIT / OFFSET of a set operation or
// VALUES, whose keys may only name output columns (by name or ordinal) or
// be expressions over them.
func (b *Binder) orderLimitOutput(q *Query, sel *ast.Select, parent *scope) (*Query, error) {
	if len(sel.OrderBy) > 0 {
		sc := &scope{parent: parent, tables: []*scopeTable{{cols: q.Out}}}
		var keys []SortKey
		for _, o := range sel.OrderBy {
			var e Expr
			if id, ok := ordinalOrAlias(o.Expr, q.Out); ok {
				e = &ColRef{ID: id}
			} else {
				var err error
				if e, err = b.expr(sc, o.Expr); err != nil {
					return nil, err
				}
			}
			keys = append(keys, sortKey(e, o))
		}
		q.Root = &Sort{Input: q.Root, Keys: keys}
	}
	return b.limit(q, sel)
}

func ordinalOrAlias(e ast.Expr, out []OutCol) (ColID, bool) {
	switch e := e.(type) {
	case *ast.Literal:
		if e.Value.Kind() == types.KindInt {
			n := int(e.Value.Int())
			if n >= 1 && n <= len(out) {
				return out[n-1].ID, true
			}
		}
	case *ast.ColumnRef:
		if len(e.Parts) == 1 {
			for _, c := range out {
				if c.Name == e.Parts[0] {
					return c.ID, true
				}
			}
		}
	}
	return 0, false
}

func sortKey(e Expr, o ast.OrderItem) SortKey {
	k := SortKey{Expr: e, Desc: o.Desc, NullsFirst: o.Desc}
	if o.NullsFirst != nil {
		k.NullsFirst = *o.NullsFirst
	}
	return k
}

func (b *Binder) limit(q *Query, sel *ast.Select) (*Query, error) {
	if sel.Limit == nil && sel.Offset == nil {
		return q, nil
	}
	l := &Limit{Input: q.Root, Count: -1}
	if sel.Limit != nil {
		n, err := b.constInt(sel.Limit, "LIMIT")
		if err != nil {
			return nil, err
		}
		l.Count = n
	}
	if sel.Offset != nil {
		n, err := b.constInt(sel.Offset, "OFFSET")
		if err != nil {
			return nil, err
		}
		l.Offset = n
	}
	if s, ok := q.Root.(*Sort); ok && l.Count >= 0 {
		s.Limit = l.Count + l.Offset
	}
	q.Root = l
	return q, nil
}

func (b *Binder) constInt(e ast.Expr, what string) (int64, error) {
	be, err := b.expr(&scope{}, e)
	if err != nil {
		return 0, err
	}
	c, ok := Fold(be, b.ctx).(*Const)
	if !ok {
		return 0, sqlerr.New(sqlerr.Syntax, "argument of %s must be a constant", what)
	}
	v, err := fn.Cast(c.V, "int")
	if err != nil || v.Kind() != types.KindInt {
		if c.V.IsNull() {
			return -1, nil
		}
		return 0, sqlerr.New(sqlerr.DatatypeMismatch, "argument of %s must be an integer", what)
	}
	if v.Int() < 0 {
		code := sqlerr.InvalidLimit
		if what == "OFFSET" {
			code = sqlerr.InvalidOffset
		}
		return 0, sqlerr.New(code, "%s must not be negative", what)
	}
	return v.Int(), nil
}

func itoa(i int) string {
	return types.Int(int64(i)).JSON()
}
