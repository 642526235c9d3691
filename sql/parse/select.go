package parse

import (
	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/basaltdb/basalt/sql/ast"
	"github.com/basaltdb/basalt/types"
)

func (tr *translator) selectStmt(n *pg_query.SelectStmt) (*ast.Select, error) {
	if n == nil {
		return nil, unsupportedAt(-1, "this query form is not supported")
	}
	if n.IntoClause != nil {
		return nil, tr.unsupported(n.IntoClause.GetRel().GetLocation(), "SELECT INTO")
	}
	if len(n.LockingClause) > 0 {
		return nil, tr.unsupported(-1, "FOR UPDATE/SHARE")
	}
	if n.LimitOption == pg_query.LimitOption_LIMIT_OPTION_WITH_TIES {
		return nil, tr.unsupported(-1, "FETCH … WITH TIES")
	}
	if n.GroupDistinct {
		return nil, tr.unsupported(-1, "GROUP BY DISTINCT")
	}
	s := &ast.Select{Pos: -1}
	var err error
	if n.WithClause != nil {
		if s.With, err = tr.with(n.WithClause); err != nil {
			return nil, err
		}
	}

	switch n.Op {
	case pg_query.SetOperation_SETOP_UNION, pg_query.SetOperation_SETOP_INTERSECT, pg_query.SetOperation_SETOP_EXCEPT:
		s.SetOp = map[pg_query.SetOperation]string{
			pg_query.SetOperation_SETOP_UNION:     "UNION",
			pg_query.SetOperation_SETOP_INTERSECT: "INTERSECT",
			pg_query.SetOperation_SETOP_EXCEPT:    "EXCEPT",
		}[n.Op]
		s.SetAll = n.All
		if s.Left, err = tr.selectStmt(n.Larg); err != nil {
			return nil, err
		}
		if s.Right, err = tr.selectStmt(n.Rarg); err != nil {
			return nil, err
		}
		s.Pos = s.Left.Pos
	case pg_query.SetOperation_SETOP_NONE, pg_query.SetOperation_SET_OPERATION_UNDEFINED:
		if len(n.ValuesLists) > 0 {
			if err := tr.values(n, s); err != nil {
				return nil, err
			}
		} else if err := tr.block(n, s); err != nil {
			return nil, err
		}
	}

	if s.OrderBy, err = tr.orderBy(n.SortClause); err != nil {
		return nil, err
	}
	if n.LimitCount != nil && !isNullConst(n.LimitCount) {
		if s.Limit, err = tr.expr(n.LimitCount); err != nil {
			return nil, err
		}
	}
	if n.LimitOffset != nil {
		if s.Offset, err = tr.expr(n.LimitOffset); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// isNullConst reports whether n is the NULL constant, which is what the
// grammar makes of LIMIT ALL.
func isNullConst(n *pg_query.Node) bool {
	c := n.GetAConst()
	return c != nil && c.Isnull
}

func (tr *translator) values(n *pg_query.SelectStmt, s *ast.Select) error {
	for _, row := range n.ValuesLists {
		var exprs []ast.Expr
		for _, item := range row.GetList().GetItems() {
			if d := item.GetSetToDefault(); d != nil {
				return tr.unsupported(d.Location, "DEFAULT in VALUES")
			}
			e, err := tr.expr(item)
			if err != nil {
				return err
			}
			exprs = append(exprs, e)
		}
		s.Values = append(s.Values, exprs)
	}
	if len(s.Values[0]) > 0 {
		s.Pos = tr.keywordBefore(exprPos(s.Values[0][0]), pg_query.Token_VALUES)
	}
	return nil
}

// block fills s from a SELECT block.
func (tr *translator) block(n *pg_query.SelectStmt, s *ast.Select) error {
	var err error
	if len(n.DistinctClause) > 0 {
		if len(n.DistinctClause) == 1 && n.DistinctClause[0].GetNode() == nil {
			s.Distinct = true
		} else if s.DistinctOn, err = tr.exprs(n.DistinctClause); err != nil {
			return err
		}
	}
	for _, t := range n.TargetList {
		rt := t.GetResTarget()
		if rt == nil {
			return unsupportedAt(-1, "this SELECT list item is not supported")
		}
		target, err := tr.target(rt)
		if err != nil {
			return err
		}
		s.Targets = append(s.Targets, target)
	}
	for _, f := range n.FromClause {
		te, err := tr.tableExpr(f)
		if err != nil {
			return err
		}
		s.From = append(s.From, te)
	}
	if n.WhereClause != nil {
		if s.Where, err = tr.expr(n.WhereClause); err != nil {
			return err
		}
	}
	sets := [][]ast.Expr{{}} // the cross product of the group clause's items
	grouping := false
	for _, g := range n.GroupClause {
		if g.GetGroupingSet() != nil {
			grouping = true
		}
		its, err := tr.groupingSets(g, false)
		if err != nil {
			return err
		}
		var next [][]ast.Expr
		for _, a := range sets {
			for _, b := range its {
				next = append(next, append(append([]ast.Expr(nil), a...), b...))
			}
		}
		if len(next) > maxGroupingSets {
			loc := int32(-1)
			if gs := g.GetGroupingSet(); gs != nil {
				loc = gs.Location
			}
			return tr.unsupported(loc, "more than 4096 grouping sets")
		}
		sets = next
	}
	if grouping {
		s.GroupingSets = sets
	} else if len(n.GroupClause) > 0 {
		s.GroupBy = sets[0]
	}
	if n.HavingClause != nil {
		if s.Having, err = tr.expr(n.HavingClause); err != nil {
			return err
		}
	}
	for _, w := range n.WindowClause {
		def, err := tr.windowDef(w.GetWindowDef())
		if err != nil {
			return err
		}
		s.Windows = append(s.Windows, *def)
	}
	// A SELECT block has no location in the tree: find its SELECT keyword,
	// the last one before the first thing it lists.
	anchor := -1
	switch {
	case len(s.DistinctOn) > 0:
		anchor = exprPos(s.DistinctOn[0])
	case len(s.Targets) > 0:
		anchor = s.Targets[0].Pos
	}
	s.Pos = tr.keywordBefore(anchor, pg_query.Token_SELECT)
	return nil
}

// keywordBefore returns the position of the last keyword token kw at or
// before the AST position pos, -1 if none.
func (tr *translator) keywordBefore(pos int, kw pg_query.Token) int {
	if pos < 0 {
		return -1
	}
	orig := pos + tr.skip
	found := -1
	for _, tok := range tr.rw.tokens {
		if int(tok.Start) > orig {
			break
		}
		if tok.Token == kw {
			found = int(tok.Start) - tr.skip
		}
	}
	return found
}

func (tr *translator) target(rt *pg_query.ResTarget) (ast.Target, error) {
	t := ast.Target{Alias: rt.Name, Pos: tr.pos(rt.Location)}
	if cr := rt.Val.GetColumnRef(); cr != nil && len(cr.Fields) > 0 && cr.Fields[len(cr.Fields)-1].GetAStar() != nil {
		switch len(cr.Fields) {
		case 1:
			t.Star = true
			return t, nil
		case 2:
			if name := cr.Fields[0].GetString_(); name != nil {
				t.Star, t.StarTable = true, name.Sval
				return t, nil
			}
		}
		return t, tr.unsupported(cr.Location, "this * reference")
	}
	e, err := tr.expr(rt.Val)
	if err != nil {
		return t, err
	}
	t.Expr = e
	return t, nil
}

func (tr *translator) with(w *pg_query.WithClause) ([]ast.CTE, error) {
	var ctes []ast.CTE
	for _, c := range w.Ctes {
		cte := c.GetCommonTableExpr()
		if cte == nil {
			return nil, unsupportedAt(-1, "this WITH item is not supported")
		}
		sel := cte.Ctequery.GetSelectStmt()
		if sel == nil {
			return nil, tr.unsupported(cte.Location, "a data-modifying statement in WITH")
		}
		q, err := tr.selectStmt(sel)
		if err != nil {
			return nil, err
		}
		item := ast.CTE{Name: cte.Ctename, Columns: stringList(cte.Aliascolnames), Query: q, Recursive: w.Recursive, Pos: tr.pos(cte.Location)}
		if sc := cte.SearchClause; sc != nil {
			item.Search = &ast.CTESearch{BreadthFirst: sc.SearchBreadthFirst, Cols: stringList(sc.SearchColList), Seq: sc.SearchSeqColumn, Pos: tr.pos(sc.Location)}
		}
		if cc := cte.CycleClause; cc != nil {
			c := &ast.CTECycle{Cols: stringList(cc.CycleColList), MarkCol: cc.CycleMarkColumn, PathCol: cc.CyclePathColumn, Pos: tr.pos(cc.Location)}
			// Without TO … DEFAULT the grammar leaves the values out; they
			// are true and false.
			c.Mark, c.Default = &ast.Literal{Value: types.Bool(true)}, &ast.Literal{Value: types.Bool(false)}
			if cc.CycleMarkValue != nil {
				if c.Mark, err = tr.expr(cc.CycleMarkValue); err != nil {
					return nil, err
				}
			}
			if cc.CycleMarkDefault != nil {
				if c.Default, err = tr.expr(cc.CycleMarkDefault); err != nil {
					return nil, err
				}
			}
			item.Cycle = c
		}
		ctes = append(ctes, item)
	}
	return ctes, nil
}

// stringList returns the values of a list of String nodes.
func stringList(nodes []*pg_query.Node) []string {
	var out []string
	for _, n := range nodes {
		out = append(out, n.GetString_().GetSval())
	}
	return out
}

func (tr *translator) orderBy(nodes []*pg_query.Node) ([]ast.OrderItem, error) {
	var items []ast.OrderItem
	for _, n := range nodes {
		sb := n.GetSortBy()
		if sb == nil {
			return nil, unsupportedAt(-1, "this ORDER BY item is not supported")
		}
		if sb.SortbyDir == pg_query.SortByDir_SORTBY_USING {
			return nil, tr.unsupported(sb.Location, "ORDER BY … USING")
		}
		e, err := tr.expr(sb.Node)
		if err != nil {
			return nil, err
		}
		item := ast.OrderItem{Expr: e, Desc: sb.SortbyDir == pg_query.SortByDir_SORTBY_DESC}
		switch sb.SortbyNulls {
		case pg_query.SortByNulls_SORTBY_NULLS_FIRST:
			item.NullsFirst = new(true)
		case pg_query.SortByNulls_SORTBY_NULLS_LAST:
			item.NullsFirst = new(false)
		}
		items = append(items, item)
	}
	return items, nil
}

// ---- FROM ----

func (tr *translator) tableExpr(n *pg_query.Node) (ast.TableExpr, error) {
	switch n := n.GetNode().(type) {
	case *pg_query.Node_RangeVar:
		return tr.rangeVar(n.RangeVar)
	case *pg_query.Node_JoinExpr:
		return tr.join(n.JoinExpr)
	case *pg_query.Node_RangeSubselect:
		rs := n.RangeSubselect
		q, err := tr.selectStmt(rs.Subquery.GetSelectStmt())
		if err != nil {
			return nil, err
		}
		st := &ast.SubqueryTable{Query: q, Lateral: rs.Lateral}
		if rs.Alias != nil {
			st.Alias, st.ColAliases = rs.Alias.Aliasname, stringList(rs.Alias.Colnames)
		}
		return st, nil
	case *pg_query.Node_RangeFunction:
		return tr.rangeFunction(n.RangeFunction)
	case *pg_query.Node_RangeTableSample:
		return nil, tr.unsupported(n.RangeTableSample.Location, "TABLESAMPLE")
	default:
		return nil, unsupportedAt(-1, "this FROM item is not supported")
	}
}

func (tr *translator) rangeVar(rv *pg_query.RangeVar) (*ast.TableName, error) {
	if rv == nil {
		return nil, unsupportedAt(-1, "this table reference is not supported")
	}
	if rv.Catalogname != "" {
		return nil, tr.unsupported(rv.Location, "a three-part table name")
	}
	tn := &ast.TableName{Schema: rv.Schemaname, Name: rv.Relname, Pos: tr.pos(rv.Location)}
	if rv.Alias != nil {
		tn.Alias, tn.ColAliases = rv.Alias.Aliasname, stringList(rv.Alias.Colnames)
	}
	return tn, nil
}

func (tr *translator) join(j *pg_query.JoinExpr) (ast.TableExpr, error) {
	if j.Alias != nil {
		return nil, tr.unsupported(-1, "an alias on a JOIN")
	}
	if j.JoinUsingAlias != nil {
		return nil, tr.unsupported(-1, "JOIN … USING … AS")
	}
	out := &ast.Join{Natural: j.IsNatural}
	switch j.Jointype {
	case pg_query.JoinType_JOIN_INNER:
		out.Kind = "INNER"
		if j.Quals == nil && len(j.UsingClause) == 0 && !j.IsNatural {
			out.Kind = "CROSS"
		}
	case pg_query.JoinType_JOIN_LEFT:
		out.Kind = "LEFT"
	case pg_query.JoinType_JOIN_RIGHT:
		out.Kind = "RIGHT"
	case pg_query.JoinType_JOIN_FULL:
		out.Kind = "FULL"
	default:
		return nil, tr.unsupported(-1, "this join type")
	}
	var err error
	if out.Left, err = tr.tableExpr(j.Larg); err != nil {
		return nil, err
	}
	if out.Right, err = tr.tableExpr(j.Rarg); err != nil {
		return nil, err
	}
	out.Using = stringList(j.UsingClause)
	if j.Quals != nil {
		if out.On, err = tr.expr(j.Quals); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (tr *translator) rangeFunction(rf *pg_query.RangeFunction) (ast.TableExpr, error) {
	if rf.IsRowsfrom || len(rf.Functions) != 1 {
		return nil, tr.unsupported(-1, "ROWS FROM")
	}
	if len(rf.Coldeflist) > 0 {
		return nil, tr.unsupported(-1, "a column definition list")
	}
	items := rf.Functions[0].GetList().GetItems()
	if len(items) == 0 {
		return nil, unsupportedAt(-1, "this FROM function is not supported")
	}
	if len(items) > 1 && len(items[1].GetList().GetItems()) > 0 {
		return nil, tr.unsupported(-1, "a column definition list")
	}
	fc := items[0].GetFuncCall()
	if fc == nil {
		// FROM CURRENT_DATE and the like.
		return nil, unsupportedAt(-1, "this function in FROM is not supported")
	}
	f, err := tr.funcCall(fc)
	if err != nil {
		return nil, err
	}
	fn, ok := f.(*ast.Func)
	if !ok {
		return nil, tr.unsupported(fc.Location, "this function in FROM")
	}
	ft := &ast.FuncTable{Func: fn, WithOrdinality: rf.Ordinality, Lateral: rf.Lateral, Pos: fn.Pos}
	if rf.Alias != nil {
		ft.Alias, ft.ColAliases = rf.Alias.Aliasname, stringList(rf.Alias.Colnames)
	}
	return ft, nil
}

// maxGroupingSets bounds the sets a GROUP BY expands to (CUBE of n keys
// is 2^n of them), each of which is a grouping of its own.
const maxGroupingSets = 4096

// groupingSets returns the sets of keys one item of a GROUP BY stands for:
// an expression one set of itself; () the empty set; ROLLUP(a, b) (a, b),
// (a) and (); CUBE(a, b) every subset; GROUPING SETS the sets of each of
// its items, one after the other.
func (tr *translator) groupingSets(g *pg_query.Node, inGroupingSet bool) ([][]ast.Expr, error) {
	gs := g.GetGroupingSet()
	if row := g.GetRowExpr(); row != nil && inGroupingSet {
		// (a, b) inside GROUPING SETS: one set of both.
		es, err := tr.exprs(row.Args)
		if err != nil {
			return nil, err
		}
		return [][]ast.Expr{es}, nil
	}
	if gs == nil {
		e, err := tr.expr(g)
		if err != nil {
			return nil, err
		}
		return [][]ast.Expr{{e}}, nil
	}
	// The items of ROLLUP and CUBE: an expression, or a parenthesized list
	// that stays together.
	items := func() ([][]ast.Expr, error) {
		var out [][]ast.Expr
		for _, c := range gs.Content {
			if sub := c.GetGroupingSet(); sub != nil && sub.Kind == pg_query.GroupingSetKind_GROUPING_SET_SIMPLE {
				es, err := tr.exprs(sub.Content)
				if err != nil {
					return nil, err
				}
				out = append(out, es)
				continue
			}
			if row := c.GetRowExpr(); row != nil {
				es, err := tr.exprs(row.Args)
				if err != nil {
					return nil, err
				}
				out = append(out, es)
				continue
			}
			e, err := tr.expr(c)
			if err != nil {
				return nil, err
			}
			out = append(out, []ast.Expr{e})
		}
		return out, nil
	}
	switch gs.Kind {
	case pg_query.GroupingSetKind_GROUPING_SET_EMPTY:
		return [][]ast.Expr{{}}, nil
	case pg_query.GroupingSetKind_GROUPING_SET_SIMPLE:
		es, err := tr.exprs(gs.Content)
		if err != nil {
			return nil, err
		}
		return [][]ast.Expr{es}, nil
	case pg_query.GroupingSetKind_GROUPING_SET_ROLLUP:
		its, err := items()
		if err != nil {
			return nil, err
		}
		var out [][]ast.Expr
		for n := len(its); n >= 0; n-- {
			var set []ast.Expr
			for _, it := range its[:n] {
				set = append(set, it...)
			}
			out = append(out, set)
		}
		return out, nil
	case pg_query.GroupingSetKind_GROUPING_SET_CUBE:
		its, err := items()
		if err != nil {
			return nil, err
		}
		if len(its) > 12 {
			return nil, tr.unsupported(gs.Location, "CUBE of more than 12 items")
		}
		var out [][]ast.Expr
		for mask := (1 << len(its)) - 1; mask >= 0; mask-- {
			var set []ast.Expr
			for i, it := range its {
				if mask&(1<<(len(its)-1-i)) != 0 {
					set = append(set, it...)
				}
			}
			out = append(out, set)
		}
		return out, nil
	case pg_query.GroupingSetKind_GROUPING_SET_SETS:
		var out [][]ast.Expr
		for _, c := range gs.Content {
			sets, err := tr.groupingSets(c, true)
			if err != nil {
				return nil, err
			}
			out = append(out, sets...)
		}
		return out, nil
	}
	return nil, tr.unsupported(gs.Location, "this grouping set")
}
