package parse

import (
	"math"
	"strconv"
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/basaltdb/basalt/sql/ast"
	"github.com/basaltdb/basalt/sql/sqlerr"
	"github.com/basaltdb/basalt/types"
)

func (tr *translator) exprs(nodes []*pg_query.Node) ([]ast.Expr, error) {
	out := make([]ast.Expr, 0, len(nodes))
	for _, n := range nodes {
		e, err := tr.expr(n)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, nil
}

// expr translates a scalar expression node.
func (tr *translator) expr(n *pg_query.Node) (ast.Expr, error) {
	switch n := n.GetNode().(type) {
	case *pg_query.Node_AConst:
		return tr.constant(n.AConst)
	case *pg_query.Node_ColumnRef:
		return tr.columnRef(n.ColumnRef)
	case *pg_query.Node_ParamRef:
		return tr.param(n.ParamRef), nil
	case *pg_query.Node_AIndirection:
		return tr.indirection(n.AIndirection)
	case *pg_query.Node_AExpr:
		return tr.aExpr(n.AExpr)
	case *pg_query.Node_BoolExpr:
		return tr.boolExpr(n.BoolExpr)
	case *pg_query.Node_NullTest:
		nt := n.NullTest
		x, err := tr.expr(nt.Arg)
		if err != nil {
			return nil, err
		}
		what := "NULL"
		if tr.rw.undefined[int(nt.Location)] {
			what = "UNDEFINED"
		}
		return &ast.IsTest{X: x, What: what, Not: nt.Nulltesttype == pg_query.NullTestType_IS_NOT_NULL, Pos: tr.pos(nt.Location)}, nil
	case *pg_query.Node_BooleanTest:
		bt := n.BooleanTest
		x, err := tr.expr(bt.Arg)
		if err != nil {
			return nil, err
		}
		t := &ast.IsTest{X: x, Pos: tr.pos(bt.Location)}
		switch bt.Booltesttype {
		case pg_query.BoolTestType_IS_TRUE, pg_query.BoolTestType_IS_NOT_TRUE:
			t.What = "TRUE"
		case pg_query.BoolTestType_IS_FALSE, pg_query.BoolTestType_IS_NOT_FALSE:
			t.What = "FALSE"
		default:
			t.What = "UNKNOWN"
		}
		switch bt.Booltesttype {
		case pg_query.BoolTestType_IS_NOT_TRUE, pg_query.BoolTestType_IS_NOT_FALSE, pg_query.BoolTestType_IS_NOT_UNKNOWN:
			t.Not = true
		}
		return t, nil
	case *pg_query.Node_SubLink:
		return tr.subLink(n.SubLink)
	case *pg_query.Node_CaseExpr:
		return tr.caseExpr(n.CaseExpr)
	case *pg_query.Node_CoalesceExpr:
		args, err := tr.exprs(n.CoalesceExpr.Args)
		if err != nil {
			return nil, err
		}
		return &ast.Func{Name: "coalesce", Args: args, Pos: tr.pos(n.CoalesceExpr.Location)}, nil
	case *pg_query.Node_MinMaxExpr:
		args, err := tr.exprs(n.MinMaxExpr.Args)
		if err != nil {
			return nil, err
		}
		name := "greatest"
		if n.MinMaxExpr.Op == pg_query.MinMaxOp_IS_LEAST {
			name = "least"
		}
		return &ast.Func{Name: name, Args: args, Pos: tr.pos(n.MinMaxExpr.Location)}, nil
	case *pg_query.Node_TypeCast:
		return tr.typeCast(n.TypeCast)
	case *pg_query.Node_FuncCall:
		return tr.funcCall(n.FuncCall)
	case *pg_query.Node_SqlvalueFunction:
		return tr.sqlValueFunction(n.SqlvalueFunction)
	case *pg_query.Node_AArrayExpr:
		elems, err := tr.exprs(n.AArrayExpr.Elements)
		if err != nil {
			return nil, err
		}
		return &ast.ArrayLit{Elems: elems, Pos: tr.pos(n.AArrayExpr.Location)}, nil
	case *pg_query.Node_RowExpr:
		elems, err := tr.exprs(n.RowExpr.Args)
		if err != nil {
			return nil, err
		}
		return &ast.RowExpr{Elems: elems, Pos: tr.pos(n.RowExpr.Location)}, nil
	case *pg_query.Node_CollateClause:
		return nil, tr.unsupported(n.CollateClause.Location, "COLLATE")
	case *pg_query.Node_GroupingFunc:
		args, err := tr.exprs(n.GroupingFunc.Args)
		if err != nil {
			return nil, err
		}
		return &ast.Func{Name: "grouping", Args: args, Pos: tr.pos(n.GroupingFunc.Location)}, nil
	case *pg_query.Node_NamedArgExpr:
		return nil, tr.unsupported(n.NamedArgExpr.Location, "a named function argument")
	case *pg_query.Node_SetToDefault:
		return nil, tr.unsupported(n.SetToDefault.Location, "DEFAULT")
	case *pg_query.Node_XmlExpr, *pg_query.Node_XmlSerialize:
		return nil, tr.unsupported(-1, "XML")
	case nil:
		return nil, unsupportedAt(-1, "missing expression")
	default:
		return nil, unsupportedAt(-1, "%s is not supported", statementKind(n))
	}
}

func (tr *translator) constant(c *pg_query.A_Const) (ast.Expr, error) {
	lit := &ast.Literal{Pos: tr.pos(c.Location)}
	if c.Isnull {
		lit.Value = types.Null
		return lit, nil
	}
	switch v := c.Val.(type) {
	case *pg_query.A_Const_Ival:
		lit.Value = types.Int(int64(v.Ival.GetIval()))
	case *pg_query.A_Const_Fval:
		val, err := numberValue(v.Fval.GetFval())
		if err != nil {
			return nil, &posError{code: sqlerr.NumericOutOfRange, msg: err.Error(), off: tr.errPos(c.Location)}
		}
		lit.Value = val
	case *pg_query.A_Const_Boolval:
		lit.Value = types.Bool(v.Boolval.GetBoolval())
	case *pg_query.A_Const_Sval:
		lit.Value = types.String(v.Sval.GetSval())
	case *pg_query.A_Const_Bsval:
		return nil, tr.unsupported(c.Location, "a bit string literal")
	default:
		return nil, tr.unsupported(c.Location, "this constant")
	}
	return lit, nil
}

// numberValue parses a numeric literal the grammar did not fit in an int32:
// an int64 when it is an integer that fits, a float otherwise.
func numberValue(s string) (types.Value, error) {
	digits := strings.TrimLeft(s, "+-")
	lower := strings.ToLower(digits)
	base := 10
	if strings.HasPrefix(lower, "0x") || strings.HasPrefix(lower, "0o") || strings.HasPrefix(lower, "0b") {
		base = 0 // strconv reads the prefix (and underscores) itself
	}
	plain := s
	if base == 10 {
		plain = strings.ReplaceAll(s, "_", "")
	}
	if i, err := strconv.ParseInt(plain, base, 64); err == nil {
		return types.Int(i), nil
	}
	if base == 0 {
		if u, err := strconv.ParseUint(strings.TrimPrefix(plain, "-"), 0, 64); err == nil {
			f := float64(u)
			if strings.HasPrefix(s, "-") {
				f = -f
			}
			return types.Float(f), nil
		}
		return types.Value{}, sqlerr.New(sqlerr.NumericOutOfRange, "number %s is out of range", s)
	}
	f, err := strconv.ParseFloat(plain, 64)
	if err != nil {
		return types.Value{}, sqlerr.New(sqlerr.NumericOutOfRange, "number %s is out of range", s)
	}
	return types.Float(f), nil
}

func (tr *translator) columnRef(cr *pg_query.ColumnRef) (ast.Expr, error) {
	ref := &ast.ColumnRef{Pos: tr.pos(cr.Location)}
	for _, f := range cr.Fields {
		s := f.GetString_()
		if s == nil {
			return nil, tr.unsupported(cr.Location, "* in an expression")
		}
		ref.Parts = append(ref.Parts, s.Sval)
	}
	return ref, nil
}

func (tr *translator) param(p *pg_query.ParamRef) ast.Expr {
	if name, ok := tr.rw.params[p.Number]; ok {
		return &ast.Param{Name: name, Pos: tr.pos(p.Location)}
	}
	return &ast.Param{Index: int(p.Number), Pos: tr.pos(p.Location)}
}

func (tr *translator) indirection(ind *pg_query.A_Indirection) (ast.Expr, error) {
	x, err := tr.expr(ind.Arg)
	if err != nil {
		return nil, err
	}
	pos := exprPos(x)
	for _, step := range ind.Indirection {
		switch s := step.GetNode().(type) {
		case *pg_query.Node_AIndices:
			if s.AIndices.IsSlice {
				// a[lo:hi], 1-based and inclusive; an omitted bound is
				// the array's own.
				bound := func(n *pg_query.Node, def int64) (ast.Expr, error) {
					if n == nil {
						return &ast.Literal{Value: types.Int(def), Pos: -1}, nil
					}
					return tr.expr(n)
				}
				lo, err := bound(s.AIndices.Lidx, math.MinInt64)
				if err != nil {
					return nil, err
				}
				hi, err := bound(s.AIndices.Uidx, math.MaxInt64)
				if err != nil {
					return nil, err
				}
				x = &ast.Func{Name: "array_slice", Args: []ast.Expr{x, lo, hi}, Pos: pos}
				continue
			}
			idx, err := tr.expr(s.AIndices.Uidx)
			if err != nil {
				return nil, err
			}
			x = &ast.Subscript{X: x, Index: idx, Pos: pos}
		case *pg_query.Node_String_:
			x = &ast.FieldAccess{X: x, Name: s.String_.Sval, Pos: pos}
		default:
			return nil, unsupportedAt(tr.astErrPos(pos), "(x).* is not supported")
		}
	}
	return x, nil
}

// binaryOps are the infix operators Basalt has.
var binaryOps = map[string]bool{
	"+": true, "-": true, "*": true, "/": true, "%": true, "^": true,
	"=": true, "<>": true, "<": true, "<=": true, ">": true, ">=": true,
	"||": true, "~": true, "~*": true, "!~": true, "!~*": true,
	"&": true, "|": true, "#": true, "<<": true, ">>": true,
	"@>": true, "<@": true, "&&": true,
}

// jsonOps are PostgreSQL's json operators, as the functions behind them:
// documents are JSON, so x->'k' is x's field k, x->0 its first element,
// and ->> the same as text; #> and #>> follow a path ('{a,0,b}').
var jsonOps = map[string]string{
	"->": "json_get", "->>": "json_get_text", "#>": "json_get_path", "#>>": "json_get_path_text",
	"?": "json_exists", "?|": "json_exists_any", "?&": "json_exists_all",
}

// operatorName returns the operator of an A_Expr or SubLink, accepting the
// OPERATOR(pg_catalog.op) spelling.
func (tr *translator) operatorName(names []*pg_query.Node, loc int32) (string, error) {
	parts := stringList(names)
	if len(parts) == 0 || (len(parts) == 2 && parts[0] != "pg_catalog") || len(parts) > 2 {
		return "", tr.unsupported(loc, "this operator")
	}
	return parts[len(parts)-1], nil
}

func (tr *translator) aExpr(a *pg_query.A_Expr) (ast.Expr, error) {
	pos := tr.pos(a.Location)
	op, err := tr.operatorName(a.Name, a.Location)
	if err != nil {
		return nil, err
	}
	if a.Kind == pg_query.A_Expr_Kind_AEXPR_SIMILAR {
		// x SIMILAR TO p [ESCAPE e]: the grammar wraps the pattern in
		// pg_catalog.similar_to_escape(p [, e]).
		fc := a.Rexpr.GetFuncCall()
		if fc == nil || len(fc.Args) == 0 {
			return nil, tr.unsupported(a.Location, "this SIMILAR TO form")
		}
		x, err := tr.expr(a.Lexpr)
		if err != nil {
			return nil, err
		}
		args, err := tr.exprs(fc.Args)
		if err != nil {
			return nil, err
		}
		var e ast.Expr = &ast.Func{Name: "similar_to", Args: append([]ast.Expr{x}, args...), Pos: pos}
		if op == "!~" {
			e = &ast.Unary{Op: "NOT", X: e, Pos: pos}
		}
		return e, nil
	}
	var l ast.Expr
	if a.Lexpr != nil {
		if l, err = tr.expr(a.Lexpr); err != nil {
			return nil, err
		}
	}
	// Lists: IN and BETWEEN.
	var list []ast.Expr
	if rl := a.Rexpr.GetList(); rl != nil {
		if list, err = tr.exprs(rl.Items); err != nil {
			return nil, err
		}
	}
	rexpr := func() (ast.Expr, error) { return tr.expr(a.Rexpr) }

	switch a.Kind {
	case pg_query.A_Expr_Kind_AEXPR_OP:
		r, err := rexpr()
		if err != nil {
			return nil, err
		}
		if l == nil {
			if op == "~" {
				return &ast.Func{Name: "int8not", Args: []ast.Expr{r}, Pos: pos}, nil
			}
			if op != "-" && op != "+" {
				return nil, tr.unsupported(a.Location, "prefix operator "+op)
			}
			return &ast.Unary{Op: op, X: r, Pos: pos}, nil
		}
		if f, ok := jsonOps[op]; ok {
			return &ast.Func{Name: f, Args: []ast.Expr{l, r}, Pos: pos}, nil
		}
		if !binaryOps[op] {
			return nil, tr.unsupported(a.Location, "operator "+op)
		}
		return &ast.Binary{Op: op, L: l, R: r, Pos: pos}, nil
	case pg_query.A_Expr_Kind_AEXPR_OP_ANY, pg_query.A_Expr_Kind_AEXPR_OP_ALL:
		if !binaryOps[op] {
			return nil, tr.unsupported(a.Location, "operator "+op)
		}
		r, err := rexpr()
		if err != nil {
			return nil, err
		}
		return &ast.Quantified{X: l, Op: op, All: a.Kind == pg_query.A_Expr_Kind_AEXPR_OP_ALL, Array: r, Pos: pos}, nil
	case pg_query.A_Expr_Kind_AEXPR_DISTINCT, pg_query.A_Expr_Kind_AEXPR_NOT_DISTINCT:
		r, err := rexpr()
		if err != nil {
			return nil, err
		}
		return &ast.IsDistinct{L: l, R: r, Not: a.Kind == pg_query.A_Expr_Kind_AEXPR_NOT_DISTINCT, Pos: pos}, nil
	case pg_query.A_Expr_Kind_AEXPR_NULLIF:
		r, err := rexpr()
		if err != nil {
			return nil, err
		}
		return &ast.Func{Name: "nullif", Args: []ast.Expr{l, r}, Pos: pos}, nil
	case pg_query.A_Expr_Kind_AEXPR_IN:
		return &ast.InList{X: l, List: list, Not: op == "<>", Pos: pos}, nil
	case pg_query.A_Expr_Kind_AEXPR_LIKE, pg_query.A_Expr_Kind_AEXPR_ILIKE:
		like := &ast.Like{X: l, Not: strings.HasPrefix(op, "!"), ILike: a.Kind == pg_query.A_Expr_Kind_AEXPR_ILIKE, Pos: pos}
		pattern := a.Rexpr
		// The grammar wraps `pattern ESCAPE e` in pg_catalog.like_escape.
		if fc := a.Rexpr.GetFuncCall(); fc != nil && len(fc.Args) == 2 {
			if name := stringList(fc.Funcname); len(name) == 2 && name[0] == "pg_catalog" && name[1] == "like_escape" {
				pattern = fc.Args[0]
				if like.Escape, err = tr.expr(fc.Args[1]); err != nil {
					return nil, err
				}
			}
		}
		if like.Pattern, err = tr.expr(pattern); err != nil {
			return nil, err
		}
		return like, nil
	case pg_query.A_Expr_Kind_AEXPR_BETWEEN, pg_query.A_Expr_Kind_AEXPR_NOT_BETWEEN,
		pg_query.A_Expr_Kind_AEXPR_BETWEEN_SYM, pg_query.A_Expr_Kind_AEXPR_NOT_BETWEEN_SYM:
		if len(list) != 2 {
			return nil, tr.unsupported(a.Location, "this BETWEEN form")
		}
		return &ast.Between{
			X: l, Lo: list[0], Hi: list[1],
			Not:       a.Kind == pg_query.A_Expr_Kind_AEXPR_NOT_BETWEEN || a.Kind == pg_query.A_Expr_Kind_AEXPR_NOT_BETWEEN_SYM,
			Symmetric: a.Kind == pg_query.A_Expr_Kind_AEXPR_BETWEEN_SYM || a.Kind == pg_query.A_Expr_Kind_AEXPR_NOT_BETWEEN_SYM,
			Pos:       pos,
		}, nil
	}
	return nil, tr.unsupported(a.Location, "this operator")
}

func (tr *translator) boolExpr(b *pg_query.BoolExpr) (ast.Expr, error) {
	pos := tr.pos(b.Location)
	args, err := tr.exprs(b.Args)
	if err != nil {
		return nil, err
	}
	if len(args) == 0 {
		return nil, unsupportedAt(-1, "an empty boolean expression is not supported")
	}
	switch b.Boolop {
	case pg_query.BoolExprType_NOT_EXPR:
		switch x := args[0].(type) {
		case *ast.InSubquery:
			// NOT IN (SELECT …) comes as NOT over the IN.
			if !x.Not {
				x.Not = true
				return x, nil
			}
		case *ast.Exists:
			if !x.Not {
				x.Not = true
				return x, nil
			}
		}
		return &ast.Unary{Op: "NOT", X: args[0], Pos: pos}, nil
	case pg_query.BoolExprType_AND_EXPR, pg_query.BoolExprType_OR_EXPR:
		op := "AND"
		if b.Boolop == pg_query.BoolExprType_OR_EXPR {
			op = "OR"
		}
		x := args[0]
		for _, r := range args[1:] {
			x = &ast.Binary{Op: op, L: x, R: r, Pos: pos}
		}
		return x, nil
	}
	return nil, unsupportedAt(-1, "this boolean operator is not supported")
}

func (tr *translator) subLink(s *pg_query.SubLink) (ast.Expr, error) {
	pos := tr.pos(s.Location)
	q, err := tr.selectStmt(s.Subselect.GetSelectStmt())
	if err != nil {
		return nil, err
	}
	switch s.SubLinkType {
	case pg_query.SubLinkType_EXISTS_SUBLINK:
		return &ast.Exists{Query: q, Pos: pos}, nil
	case pg_query.SubLinkType_EXPR_SUBLINK:
		return &ast.Subquery{Query: q, Pos: pos}, nil
	case pg_query.SubLinkType_ARRAY_SUBLINK:
		return &ast.ArraySubquery{Query: q, Pos: pos}, nil
	case pg_query.SubLinkType_ANY_SUBLINK, pg_query.SubLinkType_ALL_SUBLINK:
		x, err := tr.expr(s.Testexpr)
		if err != nil {
			return nil, err
		}
		op := "="
		if len(s.OperName) > 0 {
			if op, err = tr.operatorName(s.OperName, s.Location); err != nil {
				return nil, err
			}
		}
		if !binaryOps[op] {
			return nil, tr.unsupported(s.Location, "operator "+op)
		}
		all := s.SubLinkType == pg_query.SubLinkType_ALL_SUBLINK
		if op == "=" && !all {
			return &ast.InSubquery{X: x, Query: q, Pos: pos}, nil
		}
		return &ast.Quantified{X: x, Op: op, All: all, Query: q, Pos: pos}, nil
	}
	return nil, tr.unsupported(s.Location, "this subquery form")
}

func (tr *translator) caseExpr(c *pg_query.CaseExpr) (ast.Expr, error) {
	out := &ast.Case{Pos: tr.pos(c.Location)}
	var err error
	if c.Arg != nil {
		if out.Operand, err = tr.expr(c.Arg); err != nil {
			return nil, err
		}
	}
	for _, w := range c.Args {
		cw := w.GetCaseWhen()
		if cw == nil {
			return nil, unsupportedAt(-1, "this CASE form is not supported")
		}
		cond, err := tr.expr(cw.Expr)
		if err != nil {
			return nil, err
		}
		then, err := tr.expr(cw.Result)
		if err != nil {
			return nil, err
		}
		out.Whens = append(out.Whens, ast.When{Cond: cond, Then: then})
	}
	if c.Defresult != nil {
		if out.Else, err = tr.expr(c.Defresult); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// intervalUnits maps the INTERVAL typmod range masks of single fields to
// units (PostgreSQL's INTERVAL_MASK of datetime.h field numbers).
var intervalUnits = map[int32]string{
	1 << 2:  "YEAR",
	1 << 1:  "MONTH",
	1 << 3:  "DAY",
	1 << 10: "HOUR",
	1 << 11: "MINUTE",
	1 << 12: "SECOND",
}

// intervalFullRange is the typmod of an INTERVAL without a unit.
const intervalFullRange = 0x7fff

func (tr *translator) typeCast(c *pg_query.TypeCast) (ast.Expr, error) {
	loc := c.Location
	if loc < 0 && c.TypeName != nil {
		loc = c.TypeName.Location // typed literals: TIMESTAMP '…'
	}
	typ, err := tr.typeName(c.TypeName)
	if err != nil {
		return nil, err
	}
	try := tr.rw.tryCasts[int(c.Location)]
	if s := c.Arg.GetAConst().GetSval(); s != nil && typ == "interval" && !try {
		lit := &ast.IntervalLit{Text: s.Sval, Pos: tr.pos(loc)}
		if mods := c.TypeName.Typmods; len(mods) > 0 {
			mask := mods[0].GetAConst().GetIval().GetIval()
			if mask != intervalFullRange {
				unit, ok := intervalUnits[mask]
				if !ok {
					return nil, tr.unsupported(loc, "an INTERVAL field range (… TO …)")
				}
				lit.Unit = unit
			}
		}
		return lit, nil
	}
	x, err := tr.expr(c.Arg)
	if err != nil {
		return nil, err
	}
	return &ast.Cast{X: x, Type: typ, Try: try, Pos: tr.pos(loc)}, nil
}

// typeName renders a type name: lower case, pg_catalog. dropped, typmods
// dropped, "[]" per array dimension.
func (tr *translator) typeName(t *pg_query.TypeName) (string, error) {
	if t == nil {
		return "", unsupportedAt(-1, "missing type name")
	}
	if t.Setof || t.PctType {
		return "", tr.unsupported(t.Location, "this type reference")
	}
	parts := stringList(t.Names)
	if len(parts) > 1 && parts[0] == "pg_catalog" {
		parts = parts[1:]
	}
	name := strings.ToLower(strings.Join(parts, "."))
	for range t.ArrayBounds {
		name += "[]"
	}
	return name, nil
}

// namedParams are the parameter names of the functions that take named
// arguments (make_interval(days => 3)), each with its default.
var namedParams = map[string][]struct {
	name string
	def  types.Value
}{
	"make_interval": {{"years", types.Int(0)}, {"months", types.Int(0)}, {"weeks", types.Int(0)},
		{"days", types.Int(0)}, {"hours", types.Int(0)}, {"mins", types.Int(0)}, {"secs", types.Float(0)}},
}

// funcArgs translates a call's arguments, putting named ones (name =>
// value) in their parameter's place and the defaults of those left out
// before them.
func (tr *translator) funcArgs(name string, args []*pg_query.Node) ([]ast.Expr, error) {
	var out []ast.Expr
	var named map[int]ast.Expr
	for _, a := range args {
		na := a.GetNamedArgExpr()
		if na == nil {
			if named != nil {
				return nil, tr.unsupported(-1, "a positional argument after a named one")
			}
			e, err := tr.expr(a)
			if err != nil {
				return nil, err
			}
			out = append(out, e)
			continue
		}
		params, ok := namedParams[name]
		if !ok {
			return nil, tr.unsupported(na.Location, "a named function argument")
		}
		i := -1
		for j, p := range params {
			if p.name == na.Name {
				i = j
			}
		}
		if i < 0 {
			return nil, &posError{code: sqlerr.UndefinedFunction, msg: "function " + name + " has no parameter named " + strconv.Quote(na.Name), off: tr.errPos(na.Location)}
		}
		if named == nil {
			named = map[int]ast.Expr{}
		}
		if _, dup := named[i]; dup || i < len(out) {
			return nil, &posError{code: sqlerr.Syntax, msg: "argument name " + strconv.Quote(na.Name) + " used more than once", off: tr.errPos(na.Location)}
		}
		e, err := tr.expr(&pg_query.Node{Node: na.Arg.Node})
		if err != nil {
			return nil, err
		}
		named[i] = e
	}
	if named != nil {
		last := 0
		for i := range named {
			last = max(last, i)
		}
		params := namedParams[name]
		for i := len(out); i <= last; i++ {
			if e, ok := named[i]; ok {
				out = append(out, e)
			} else {
				out = append(out, &ast.Literal{Value: params[i].def, Pos: -1})
			}
		}
	}
	return out, nil
}

// funcName renders a function name per ast.Func: lower case, a pg_catalog
// schema dropped, other schemas kept.
func funcName(names []*pg_query.Node) string {
	parts := stringList(names)
	if len(parts) > 1 && parts[0] == "pg_catalog" {
		parts = parts[1:]
	}
	return strings.ToLower(strings.Join(parts, "."))
}

func (tr *translator) funcCall(fc *pg_query.FuncCall) (ast.Expr, error) {
	if fc.FuncVariadic {
		return nil, tr.unsupported(fc.Location, "VARIADIC")
	}
	f := &ast.Func{Name: funcName(fc.Funcname), Star: fc.AggStar, Distinct: fc.AggDistinct, Pos: tr.pos(fc.Location)}
	var err error
	if f.Args, err = tr.funcArgs(f.Name, fc.Args); err != nil {
		return nil, err
	}
	if len(f.Args) == 0 {
		f.Args = nil
	}
	if fc.AggFilter != nil {
		if f.Filter, err = tr.expr(fc.AggFilter); err != nil {
			return nil, err
		}
	}
	order, err := tr.orderBy(fc.AggOrder)
	if err != nil {
		return nil, err
	}
	if fc.AggWithinGroup {
		f.WithinGroup = order
	} else {
		f.OrderBy = order
	}
	if fc.Over != nil {
		if f.Over, err = tr.windowDef(fc.Over); err != nil {
			return nil, err
		}
		if fc.Over.Name != "" {
			// OVER w names a window of the WINDOW clause.
			f.Over.Ref, f.Over.Name = fc.Over.Name, ""
		}
	}
	return f, nil
}

// sqlValueFunctions names the functions the SQL-standard niladic forms
// become; CURRENT_TIMESTAMP is PostgreSQL's now().
var sqlValueFunctions = map[pg_query.SQLValueFunctionOp]string{
	pg_query.SQLValueFunctionOp_SVFOP_CURRENT_DATE:        "current_date",
	pg_query.SQLValueFunctionOp_SVFOP_CURRENT_TIME:        "current_time",
	pg_query.SQLValueFunctionOp_SVFOP_CURRENT_TIME_N:      "current_time",
	pg_query.SQLValueFunctionOp_SVFOP_CURRENT_TIMESTAMP:   "now",
	pg_query.SQLValueFunctionOp_SVFOP_CURRENT_TIMESTAMP_N: "now",
	pg_query.SQLValueFunctionOp_SVFOP_LOCALTIME:           "localtime",
	pg_query.SQLValueFunctionOp_SVFOP_LOCALTIME_N:         "localtime",
	pg_query.SQLValueFunctionOp_SVFOP_LOCALTIMESTAMP:      "localtimestamp",
	pg_query.SQLValueFunctionOp_SVFOP_LOCALTIMESTAMP_N:    "localtimestamp",
	pg_query.SQLValueFunctionOp_SVFOP_CURRENT_ROLE:        "current_role",
	pg_query.SQLValueFunctionOp_SVFOP_CURRENT_USER:        "current_user",
	pg_query.SQLValueFunctionOp_SVFOP_USER:                "current_user",
	pg_query.SQLValueFunctionOp_SVFOP_SESSION_USER:        "session_user",
	pg_query.SQLValueFunctionOp_SVFOP_CURRENT_CATALOG:     "current_catalog",
	pg_query.SQLValueFunctionOp_SVFOP_CURRENT_SCHEMA:      "current_schema",
}

func (tr *translator) sqlValueFunction(s *pg_query.SQLValueFunction) (ast.Expr, error) {
	name, ok := sqlValueFunctions[s.Op]
	if !ok {
		return nil, tr.unsupported(s.Location, "this SQL value function")
	}
	f := &ast.Func{Name: name, Pos: tr.pos(s.Location)}
	switch s.Op {
	case pg_query.SQLValueFunctionOp_SVFOP_CURRENT_TIME_N, pg_query.SQLValueFunctionOp_SVFOP_CURRENT_TIMESTAMP_N,
		pg_query.SQLValueFunctionOp_SVFOP_LOCALTIME_N, pg_query.SQLValueFunctionOp_SVFOP_LOCALTIMESTAMP_N:
		// The precision becomes an argument: CURRENT_TIMESTAMP(3) is now(3).
		f.Args = []ast.Expr{&ast.Literal{Value: types.Int(int64(s.Typmod)), Pos: -1}}
	}
	return f, nil
}

// Frame option bits of PostgreSQL's parsenodes.h.
const (
	frameNonDefault          = 0x00001
	frameRange               = 0x00002
	frameRows                = 0x00004
	frameGroups              = 0x00008
	frameStartUnboundedPrec  = 0x00020
	frameEndUnboundedFollow  = 0x00100
	frameStartCurrentRow     = 0x00200
	frameEndCurrentRow       = 0x00400
	frameStartOffsetPrec     = 0x00800
	frameEndOffsetPrec       = 0x01000
	frameStartOffsetFollow   = 0x02000
	frameEndOffsetFollow     = 0x04000
	frameExcludeMask         = 0x08000 | 0x10000 | 0x20000
	frameStartUnboundedFollw = 0x00080
	frameEndUnboundedPrec    = 0x00040
)

func (tr *translator) windowDef(w *pg_query.WindowDef) (*ast.WindowDef, error) {
	if w == nil {
		return nil, unsupportedAt(-1, "this window definition is not supported")
	}
	def := &ast.WindowDef{Name: w.Name, Ref: w.Refname}
	var err error
	if def.PartitionBy, err = tr.exprs(w.PartitionClause); err != nil {
		return nil, err
	}
	if len(def.PartitionBy) == 0 {
		def.PartitionBy = nil
	}
	if def.OrderBy, err = tr.orderBy(w.OrderClause); err != nil {
		return nil, err
	}
	opts := w.FrameOptions
	if opts&frameNonDefault == 0 {
		return def, nil
	}
	if opts&frameExcludeMask != 0 {
		return nil, tr.unsupported(w.Location, "EXCLUDE in a window frame")
	}
	fr := &ast.Frame{}
	switch {
	case opts&frameRows != 0:
		fr.Mode = "ROWS"
	case opts&frameGroups != 0:
		fr.Mode = "GROUPS"
	case opts&frameRange != 0:
		fr.Mode = "RANGE"
	}
	bound := func(unbPrec, unbFollow, cur, offPrec, offFollow int32, off *pg_query.Node) (ast.FrameBound, error) {
		var b ast.FrameBound
		switch {
		case opts&unbPrec != 0:
			b.Kind = "UNBOUNDED PRECEDING"
		case opts&unbFollow != 0:
			b.Kind = "UNBOUNDED FOLLOWING"
		case opts&offPrec != 0, opts&offFollow != 0:
			b.Kind = "PRECEDING"
			if opts&offFollow != 0 {
				b.Kind = "FOLLOWING"
			}
			e, err := tr.expr(off)
			if err != nil {
				return b, err
			}
			b.Offset = e
		default:
			b.Kind = "CURRENT ROW"
		}
		return b, nil
	}
	if fr.Start, err = bound(frameStartUnboundedPrec, frameStartUnboundedFollw, frameStartCurrentRow,
		frameStartOffsetPrec, frameStartOffsetFollow, w.StartOffset); err != nil {
		return nil, err
	}
	if fr.End, err = bound(frameEndUnboundedPrec, frameEndUnboundedFollow, frameEndCurrentRow,
		frameEndOffsetPrec, frameEndOffsetFollow, w.EndOffset); err != nil {
		return nil, err
	}
	def.Frame = fr
	return def, nil
}

// astErrPos turns an AST position back into an offset for posError.
func (tr *translator) astErrPos(pos int) int {
	if pos < 0 {
		return -1
	}
	return pos + tr.skip
}

// exprPos returns the position of a translated expression.
func exprPos(e ast.Expr) int {
	switch e := e.(type) {
	case *ast.Literal:
		return e.Pos
	case *ast.IntervalLit:
		return e.Pos
	case *ast.Param:
		return e.Pos
	case *ast.ColumnRef:
		return e.Pos
	case *ast.Subscript:
		return e.Pos
	case *ast.FieldAccess:
		return e.Pos
	case *ast.Unary:
		return e.Pos
	case *ast.Binary:
		return e.Pos
	case *ast.IsTest:
		return e.Pos
	case *ast.IsDistinct:
		return e.Pos
	case *ast.Between:
		return e.Pos
	case *ast.InList:
		return e.Pos
	case *ast.InSubquery:
		return e.Pos
	case *ast.Exists:
		return e.Pos
	case *ast.Subquery:
		return e.Pos
	case *ast.Quantified:
		return e.Pos
	case *ast.Like:
		return e.Pos
	case *ast.Case:
		return e.Pos
	case *ast.Cast:
		return e.Pos
	case *ast.Func:
		return e.Pos
	case *ast.ArrayLit:
		return e.Pos
	case *ast.ArraySubquery:
		return e.Pos
	case *ast.RowExpr:
		return e.Pos
	}
	return -1
}
