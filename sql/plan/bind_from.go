package plan

import (
	"slices"
	"strings"

	"github.com/basaltdb/basalt/sql/ast"
	"github.com/basaltdb/basalt/sql/sqlerr"
	"github.com/basaltdb/basalt/types"
)

// fromItem binds one FROM item and joins it to root (a comma join is a
// cross join whose conditions the optimizer moves from WHERE).
func (b *Binder) fromItem(sc *scope, root Node, f ast.TableExpr) (Node, error) {
	switch f := f.(type) {
	case *ast.Join:
		n0 := len(sc.tables)
		l, err := b.fromItem(sc, nil, f.Left)
		if err != nil {
			return nil, err
		}
		n1 := len(sc.tables)
		if ft, ok := f.Right.(*ast.FuncTable); ok && (f.Kind == "CROSS" || f.Kind == "INNER" || f.Kind == "LEFT") {
			n, err := b.funcTable(sc, l, ft)
			if err != nil {
				return nil, err
			}
			if len(f.Using) > 0 || f.Natural {
				return nil, sqlerr.New(sqlerr.FeatureNotSupported, "JOIN %s with USING is not supported; use ON", ft.Func.Name)
			}
			u := n.(*Unnest)
			if f.On != nil {
				c, err := b.exprIn(&selectState{sc: sc, clause: "JOIN conditions"}, f.On)
				if err != nil {
					return nil, err
				}
				u.Cond = c
			}
			u.Outer = f.Kind == "LEFT"
			return b.crossWith(root, u), nil
		}
		if st, ok := f.Right.(*ast.SubqueryTable); ok && st.Lateral && (f.Kind == "CROSS" || f.Kind == "INNER" || f.Kind == "LEFT") && len(f.Using) == 0 && !f.Natural {
			// Over the FROM items before the JOIN too, as PostgreSQL lets
			// it read them: root × (l ⟕ sub) is (root × l) ⟕ sub.
			return b.lateralSubquery(sc, b.crossWith(root, l), st, f.Kind == "LEFT", f.On)
		}
		r, err := b.fromItem(sc, nil, f.Right)
		if err != nil {
			return nil, err
		}
		j := &Join{Kind: f.Kind, Left: l, Right: r}
		st := &selectState{sc: sc, clause: "JOIN conditions"}
		switch {
		case f.On != nil:
			c, err := b.exprIn(st, f.On)
			if err != nil {
				return nil, err
			}
			j.Cond = c
		case len(f.Using) > 0 || f.Natural:
			cond, err := b.usingJoin(sc, f, sc.tables[n0:n1], sc.tables[n1:])
			if err != nil {
				return nil, err
			}
			j.Cond = cond
		}
		if j.Kind == "INNER" && j.Cond == nil {
			j.Kind = "CROSS"
		}
		return b.crossWith(root, j), nil
	case *ast.FuncTable:
		if root == nil {
			root = &Values{Rows: [][]Expr{{}}}
		}
		return b.funcTable(sc, root, f)
	case *ast.SubqueryTable:
		if f.Lateral && root != nil {
			return b.lateralSubquery(sc, root, f, false, nil)
		}
	}
	n, err := b.leafTable(sc, f)
	if err != nil {
		return nil, err
	}
	return b.crossWith(root, n), nil
}

func (b *Binder) crossWith(root, n Node) Node {
	if root == nil {
		return n
	}
	return &Join{Kind: "CROSS", Left: root, Right: n}
}

func (b *Binder) leafTable(sc *scope, f ast.TableExpr) (Node, error) {
	switch f := f.(type) {
	case *ast.TableName:
		if f.Schema == "" {
			for i := len(b.ctes) - 1; i >= 0; i-- {
				if c, ok := b.ctes[i][strings.ToLower(f.Name)]; ok {
					if c.work != nil {
						return b.workRef(sc, f, c)
					}
					return b.cteRef(sc, f, c)
				}
			}
		}
		t, err := b.cat.Table(f.Schema, f.Name)
		if err != nil {
			return nil, atPos(err, f.Pos)
		}
		b.Collections = append(b.Collections, t.Workspace()+"."+t.Name())
		alias := f.Alias
		if alias == "" {
			alias = f.Name
		}
		for _, o := range sc.tables {
			if o.alias == alias {
				return nil, sqlerr.New("42712", "table name %q specified more than once", alias)
			}
		}
		s := &Scan{Table: t, Alias: alias}
		sc.tables = append(sc.tables, &scopeTable{alias: alias, scan: s})
		return s, nil
	case *ast.SubqueryTable:
		parent := sc.parentFor(f.Lateral)
		if f.Lateral {
			// Here only on the right of a RIGHT or FULL JOIN (or first in
			// FROM): it may read nothing to its left (lateralSubquery
			// takes the other joins).
			parent = &scope{parent: sc, outer: map[ColID]bool{}}
		}
		q, err := b.bindQuery(f.Query, parent)
		if err != nil {
			return nil, err
		}
		for id := range lateralOuter(f.Lateral, parent) {
			for _, t := range sc.tables {
				if t.owns(id) {
					return nil, sqlerr.New(sqlerr.InvalidColumnRef, "invalid reference to FROM-clause entry for table %q: the join type must be INNER or LEFT for a LATERAL reference", t.alias)
				}
			}
		}
		for i, n := range f.ColAliases {
			if i < len(q.Out) {
				q.Out[i].Name = n
			}
		}
		sc.tables = append(sc.tables, &scopeTable{alias: f.Alias, cols: q.Out})
		return b.project(q), nil
	}
	return nil, sqlerr.New(sqlerr.FeatureNotSupported, "unsupported FROM item %T", f)
}

// parentFor returns the scope a FROM subquery may see: only outer scopes,
// or, when LATERAL, the tables to its left as well.
func (sc *scope) parentFor(lateral bool) *scope {
	if lateral {
		return sc
	}
	return sc.parent
}

// cteRef binds a reference to a CTE: its plan is inlined with fresh column
// ids so that two references are independent.
func (b *Binder) cteRef(sc *scope, f *ast.TableName, c *cteDef) (Node, error) {
	src := c.q
	p := &Project{Input: b.project(src)}
	alias := f.Alias
	if alias == "" {
		alias = f.Name
	}
	var cols []OutCol
	for i, o := range src.Out {
		id := b.newID()
		name := o.Name
		if i < len(f.ColAliases) {
			name = f.ColAliases[i]
		}
		p.Exprs = append(p.Exprs, &ColRef{ID: o.ID, Name: o.Name})
		p.Out = append(p.Out, id)
		cols = append(cols, OutCol{Name: name, ID: id})
	}
	sc.tables = append(sc.tables, &scopeTable{alias: alias, cols: cols})
	return p, nil
}

// funcTable binds UNNEST(...) (or generate_series) laterally over input.
func (b *Binder) funcTable(sc *scope, input Node, f *ast.FuncTable) (Node, error) {
	st := &selectState{sc: sc}
	switch f.Func.Name {
	case "unnest":
		if len(f.Func.Args) != 1 {
			return nil, sqlerr.New(sqlerr.FeatureNotSupported, "UNNEST takes one array")
		}
		arr, err := b.exprIn(st, f.Func.Args[0])
		if err != nil {
			return nil, err
		}
		u := &Unnest{Input: input, Array: arr, Elem: b.newID(), Ordinality: f.WithOrdinality}
		alias := f.Alias
		if alias == "" {
			alias = "unnest"
		}
		elemName := "unnest"
		if len(f.ColAliases) > 0 {
			elemName = f.ColAliases[0]
		} else if f.Alias != "" {
			elemName = f.Alias
		}
		cols := []OutCol{{Name: elemName, ID: u.Elem}}
		if f.WithOrdinality {
			u.Ord = b.newID()
			name := "ordinality"
			if len(f.ColAliases) > 1 {
				name = f.ColAliases[1]
			}
			cols = append(cols, OutCol{Name: name, ID: u.Ord})
		}
		sc.tables = append(sc.tables, &scopeTable{alias: alias, cols: cols})
		return u, nil
	case "generate_series", "regexp_matches":
		if len(f.Func.Args) < 2 || len(f.Func.Args) > 3 {
			if f.Func.Name == "regexp_matches" {
				return nil, sqlerr.New(sqlerr.UndefinedFunction, "regexp_matches takes a string, a pattern and optional flags")
			}
			return nil, sqlerr.New(sqlerr.UndefinedFunction, "generate_series takes a start, a stop and an optional step")
		}
		var args []Expr
		for _, a := range f.Func.Args {
			e, err := b.exprIn(st, a)
			if err != nil {
				return nil, err
			}
			args = append(args, e)
		}
		sf := seriesFn
		if f.Func.Name == "regexp_matches" {
			sf = regexpMatchesFn
		}
		u := &Unnest{Input: input, Array: &Call{Fn: sf, Args: args}, Elem: b.newID(), Ordinality: f.WithOrdinality}
		name := f.Func.Name
		if len(f.ColAliases) > 0 {
			name = f.ColAliases[0]
		} else if f.Alias != "" {
			name = f.Alias
		}
		alias := f.Alias
		if alias == "" {
			alias = f.Func.Name
		}
		cols := []OutCol{{Name: name, ID: u.Elem}}
		if f.WithOrdinality {
			u.Ord = b.newID()
			ord := "ordinality"
			if len(f.ColAliases) > 1 {
				ord = f.ColAliases[1]
			}
			cols = append(cols, OutCol{Name: ord, ID: u.Ord})
		}
		sc.tables = append(sc.tables, &scopeTable{alias: alias, cols: cols})
		return u, nil
	}
	return nil, sqlerr.New(sqlerr.FeatureNotSupported, "function %s in FROM is not supported", f.Func.Name)
}

// MetaField is the reserved top-level field where Basalt keeps its own
// metadata in a document (a rollup's aggregate states, under
// _meta.rollup). `*` does not expand to it, nor do DESCRIBE and the
// PostgreSQL catalog show it (as Rockset hides its _meta): a user's
// `SELECT *` shows the user's fields. Naming it (`SELECT _meta.rollup`)
// still reads it.
const MetaField = "_meta"

// expandStar returns the columns of `*` or `t.*`: for a collection, one
// column per top-level field any document has, but MetaField. `*` over
// joins with USING or NATURAL shows each merged column once, first, as
// PostgreSQL does (fromCols).
func (b *Binder) expandStar(sc *scope, table string) ([]namedExpr, error) {
	var out []namedExpr
	if table == "" {
		ts := sc.tables
		for _, f := range sc.from {
			var cols []fromCol
			cols, ts = b.fromCols(sc, f, ts)
			for _, c := range cols {
				out = append(out, namedExpr{c.name, b.colExpr(c)})
			}
		}
		return out, nil
	}
	found := false
	for _, t := range sc.tables {
		if t.alias != table {
			continue
		}
		found = true
		for _, c := range b.tableCols(t) {
			out = append(out, namedExpr{c.name, b.colExpr(c)})
		}
	}
	if !found {
		return nil, sqlerr.New(sqlerr.UndefinedTable, "missing FROM-clause entry for table %q", table)
	}
	return out, nil
}

// namedExpr is a column of `*`.
type namedExpr struct {
	name string
	expr Expr
}

// fromCol is a column a FROM item offers to `*`, JOIN … USING and
// NATURAL JOIN: a named column of a subquery, CTE or function, a
// top-level field of a collection (expr made when asked: naming a field
// adds it to the scan), or the merged column of a USING join.
type fromCol struct {
	name  string
	expr  Expr
	table *scopeTable // the collection of a field
	// system marks a collection's _id and _event_time, which every
	// collection has: NATURAL JOIN does not join on them.
	system bool
}

func (b *Binder) colExpr(c fromCol) Expr {
	if c.expr != nil {
		return c.expr
	}
	return b.tableRef(c.table, []string{c.name})
}

// tableCols returns the columns of one FROM table: for a collection, its
// top-level fields but MetaField, _id and _event_time first as Rockset
// shows them.
func (b *Binder) tableCols(t *scopeTable) []fromCol {
	var out []fromCol
	if t.scan == nil {
		if t.alias == unnestAlias {
			// A select-list unnest() lifted into FROM: its column is the
			// target's, not one of `*`.
			return nil
		}
		for _, c := range t.cols {
			out = append(out, fromCol{name: c.Name, expr: &ColRef{ID: c.ID, Name: c.Name}})
		}
		return out
	}
	var tops []string
	seen := map[string]bool{}
	for _, p := range t.scan.Table.Paths() {
		top := topField(p)
		if top == MetaField {
			continue
		}
		if !seen[top] {
			seen[top] = true
			tops = append(tops, top)
		}
	}
	ordered := make([]string, 0, len(tops))
	for _, s := range []string{"_id", "_event_time"} {
		if seen[s] {
			ordered = append(ordered, s)
		}
	}
	for _, s := range tops {
		if s != "_id" && s != "_event_time" {
			ordered = append(ordered, s)
		}
	}
	for _, top := range ordered {
		name := top
		if p, err := types.ParsePath(top); err == nil && len(p) == 1 {
			name = p[0].Name
		}
		out = append(out, fromCol{name: name, table: t, system: name == "_id" || name == "_event_time"})
	}
	return out
}

// fromCols returns the columns of FROM item f in PostgreSQL's order, taking
// its tables from ts (the scope tables its leaves made, one each, in
// order) and returning the rest: a join's are its left's then its right's,
// but for one with USING or NATURAL, whose merged columns come first and
// stand for the joined ones.
func (b *Binder) fromCols(sc *scope, f ast.TableExpr, ts []*scopeTable) ([]fromCol, []*scopeTable) {
	j, ok := f.(*ast.Join)
	if !ok {
		if len(ts) == 0 {
			return nil, ts
		}
		return b.tableCols(ts[0]), ts[1:]
	}
	l, ts := b.fromCols(sc, j.Left, ts)
	r, ts := b.fromCols(sc, j.Right, ts)
	u := sc.joins[j]
	if u == nil {
		return append(l, r...), ts
	}
	var out []fromCol
	merged := map[string]bool{}
	for i, name := range u.names {
		out = append(out, fromCol{name: name, expr: u.merged[i]})
		merged[name] = true
	}
	for _, side := range [][]fromCol{l, r} {
		for _, c := range side {
			if !merged[c.name] {
				out = append(out, c)
			}
		}
	}
	return out, ts
}

// usingCols are the merged columns of a JOIN … USING or NATURAL JOIN.
type usingCols struct {
	names  []string
	merged []Expr
}

// usingJoin binds JOIN … USING (names) or NATURAL JOIN (the columns both
// sides have; over collections, the top-level fields both sides' documents
// have, but _id and _event_time) into the join condition, and records the
// merged columns an unqualified name and `*` then mean, as PostgreSQL
// does: the left side's for INNER and LEFT, the right's for RIGHT, the
// first non-null for FULL. lt and rt are the scope tables of each side.
func (b *Binder) usingJoin(sc *scope, f *ast.Join, lt, rt []*scopeTable) (Expr, error) {
	lcols, _ := b.fromCols(sc, f.Left, lt)
	rcols, _ := b.fromCols(sc, f.Right, rt)
	names := f.Using
	if f.Natural {
		names = nil
		inRight := map[string]bool{}
		for _, c := range rcols {
			if !c.system {
				inRight[c.name] = true
			}
		}
		for _, c := range lcols {
			if !c.system && inRight[c.name] && !slices.Contains(names, c.name) {
				names = append(names, c.name)
			}
		}
	}
	u := &usingCols{}
	var cond Expr
	for i, name := range names {
		if slices.Contains(names[:i], name) {
			return nil, sqlerr.New("42701", "column name %q appears more than once in USING clause", name)
		}
		lc, err := b.usingSide(lcols, lt, name, "left")
		if err != nil {
			return nil, err
		}
		rc, err := b.usingSide(rcols, rt, name, "right")
		if err != nil {
			return nil, err
		}
		var m Expr
		switch f.Kind {
		case "RIGHT":
			m = rc
		case "FULL":
			m = &Coalesce{Args: []Expr{lc, rc}}
		default:
			m = lc
		}
		u.names = append(u.names, name)
		u.merged = append(u.merged, m)
		if sc.using == nil {
			sc.using = map[string]Expr{}
		}
		sc.using[name] = m
		cond = AndAll(append(Conjuncts(cond), &Cmp{Op: "=", L: lc, R: rc}))
	}
	if sc.joins == nil {
		sc.joins = map[*ast.Join]*usingCols{}
	}
	sc.joins[f] = u
	return cond, nil
}

// usingSide returns the column name names on one side of a USING join. A
// name no column of the side has is a field of the side's first
// collection, when it has one: a field none of its documents has yet is
// undefined there, as anywhere.
func (b *Binder) usingSide(cols []fromCol, tables []*scopeTable, name, side string) (Expr, error) {
	var found []fromCol
	for _, c := range cols {
		if c.name == name {
			found = append(found, c)
		}
	}
	switch len(found) {
	case 1:
		return b.colExpr(found[0]), nil
	case 0:
		for _, t := range tables {
			if t.scan != nil {
				return b.tableRef(t, []string{name}), nil
			}
		}
		return nil, sqlerr.New(sqlerr.UndefinedColumn, "column %q specified in USING clause does not exist in %s table", name, side)
	}
	return nil, sqlerr.New(sqlerr.AmbiguousColumn, "common column name %q appears more than once in %s table", name, side)
}

// topField returns the canonical text of the first field of a path.
func topField(p string) string {
	parsed, err := types.ParsePath(p)
	if err != nil || len(parsed) == 0 {
		return p
	}
	return parsed[:1].String()
}

// tableRef returns the column of a collection table for the field path
// parts, adding it to the scan.
func (b *Binder) tableRef(t *scopeTable, parts []string) Expr {
	path := types.FieldPath(parts...).String()
	if id := t.scanCol(path); id >= 0 {
		return &ColRef{ID: id, Name: parts[len(parts)-1]}
	}
	col := ScanCol{ID: b.newID(), Path: path}
	leaf, below := t.scan.Table.PathChildren(path)
	col.Children = below
	col.Leaf = leaf && len(col.Children) > 0
	if col.Children == nil {
		if b.colPaths == nil {
			b.colPaths = map[ColID]tablePath{}
		}
		b.colPaths[col.ID] = tablePath{t.scan.Table, path}
	}
	t.scan.Columns = append(t.scan.Columns, col)
	return &ColRef{ID: col.ID, Name: parts[len(parts)-1]}
}

// lateralSubquery binds a LATERAL subquery over input, the FROM items to
// its left. One that reads none of their columns is a plain subquery,
// joined as any FROM item (ON on for a JOIN: the caller's CROSS or LEFT
// join with on). One that does runs once per distinct value of the
// columns it reads, as a correlated subquery does: an Unnest of its rows
// (SubqueryExpr "rows", each row an array) over input, which spreads each
// element into the subquery's columns. left keeps an input row the
// subquery gives no row for (or on rejects every one of), with NULLs.
func (b *Binder) lateralSubquery(sc *scope, input Node, f *ast.SubqueryTable, left bool, on ast.Expr) (Node, error) {
	wrapper := &scope{parent: sc, outer: map[ColID]bool{}}
	q, err := b.bindQuery(f.Query, wrapper)
	if err != nil {
		return nil, err
	}
	for i, n := range f.ColAliases {
		if i < len(q.Out) {
			q.Out[i].Name = n
		}
	}
	inCols := map[ColID]bool{}
	for _, id := range input.Cols() {
		inCols[id] = true
	}
	local := false
	for id := range wrapper.outer {
		if inCols[id] {
			local = true
			continue
		}
		for _, t := range sc.tables {
			if t.owns(id) {
				// A FROM item to the right (the other side of a FULL or
				// RIGHT join), as PostgreSQL says it.
				return nil, sqlerr.New(sqlerr.UndefinedTable, "invalid reference to FROM-clause entry for table %q: a LATERAL item reads only the FROM items to its left", t.alias)
			}
		}
	}
	if !local {
		sc.tables = append(sc.tables, &scopeTable{alias: f.Alias, cols: q.Out})
		r := b.project(q)
		kind := "CROSS"
		if left {
			kind = "LEFT"
		}
		j := &Join{Kind: kind, Left: input, Right: r}
		if on != nil {
			c, err := b.exprIn(&selectState{sc: sc, clause: "JOIN conditions"}, on)
			if err != nil {
				return nil, err
			}
			j.Cond = c
			if kind == "CROSS" {
				j.Kind = "INNER"
			}
		}
		return j, nil
	}
	outer := make([]ColID, 0, len(wrapper.outer))
	for id := range wrapper.outer {
		outer = append(outer, id)
	}
	sortIDs(outer)
	u := &Unnest{Input: input, Array: &SubqueryExpr{Kind: "rows", Plan: b.project(q), Outer: outer}, Elem: b.newID(), Outer: left}
	cols := make([]OutCol, len(q.Out))
	for i, o := range q.Out {
		id := b.newID()
		u.Spread = append(u.Spread, id)
		cols[i] = OutCol{Name: o.Name, ID: id}
	}
	sc.tables = append(sc.tables, &scopeTable{alias: f.Alias, cols: cols})
	if on != nil {
		c, err := b.exprIn(&selectState{sc: sc, clause: "JOIN conditions"}, on)
		if err != nil {
			return nil, err
		}
		if k, ok := c.(*Const); !ok || k.V != types.Bool(true) {
			u.Cond = c // ON true, the usual spelling, filters nothing
		}
	}
	return u, nil
}

// owns reports whether column id belongs to the table.
func (t *scopeTable) owns(id ColID) bool {
	for _, c := range t.cols {
		if c.ID == id {
			return true
		}
	}
	if t.scan != nil {
		for _, c := range t.scan.Columns {
			if c.ID == id {
				return true
			}
		}
	}
	return false
}

// lateralOuter is what a LATERAL subquery bound under parent read from
// outside it; nothing for one that is not LATERAL.
func lateralOuter(lateral bool, parent *scope) map[ColID]bool {
	if !lateral || parent == nil {
		return nil
	}
	return parent.outer
}
