package plan

import (
	"github.com/basaltdb/basalt/sql/ast"
	"github.com/basaltdb/basalt/sql/sqlerr"
)

// Row constructors, (a, b) or ROW(a, b), are values only in comparisons,
// as PostgreSQL's row-wise comparisons: (a, b) = (c, d), <>, <, <=, >,
// >=, (a, b) [NOT] IN ((1, 2), (3, 4)) and (a, b) [NOT] IN (SELECT x, y
// …). The binder spells each comparison out over the elements with
// three-valued logic, so the executor needs nothing new but for IN of a
// subquery:
//
//	(a, b) = (c, d)   a = c AND b = d
//	(a, b) <> (c, d)  a <> c OR b <> d
//	(a, b) < (c, d)   a < c OR (a = c AND b < d)
//	(a, b) <= (c, d)  a < c OR (a = c AND b <= d)
//
// which is PostgreSQL's answer: the first pair of elements that are not
// equal decides, NULL when a NULL comes first. An element is evaluated
// once per comparison it appears in.

// errRowArity is PostgreSQL's error for rows of different lengths.
func errRowArity() error {
	return sqlerr.New(sqlerr.Syntax, "unequal number of entries in row expressions")
}

// errRowOperand is PostgreSQL's error for a row compared with a value
// that is not one.
func errRowOperand(op string) error {
	return sqlerr.New(sqlerr.UndefinedFunction, "operator does not exist: a row %s a value that is not a row", op)
}

// rowElems binds the elements of a row constructor.
func (b *Binder) rowElems(st *selectState, r *ast.RowExpr) ([]Expr, error) {
	out := make([]Expr, len(r.Elems))
	for i, e := range r.Elems {
		x, err := b.exprIn(st, e)
		if err != nil {
			return nil, err
		}
		out[i] = x
	}
	return out, nil
}

// rowBinary binds `l op r` where l or r is a row constructor.
func (b *Binder) rowBinary(st *selectState, op string, l, r ast.Expr) (Expr, error) {
	lr, lok := l.(*ast.RowExpr)
	rr, rok := r.(*ast.RowExpr)
	if !lok || !rok {
		if _, ok := r.(*ast.Subquery); ok && lok {
			return nil, sqlerr.New(sqlerr.FeatureNotSupported, "comparing a row with a subquery is not supported")
		}
		return nil, errRowOperand(op)
	}
	le, err := b.rowElems(st, lr)
	if err != nil {
		return nil, err
	}
	re, err := b.rowElems(st, rr)
	if err != nil {
		return nil, err
	}
	return b.rowCmp(op, le, re)
}

// rowCmp spells out the row comparison l op r over the elements.
func (b *Binder) rowCmp(op string, l, r []Expr) (Expr, error) {
	if len(l) != len(r) {
		return nil, errRowArity()
	}
	if len(l) == 0 {
		return nil, sqlerr.New(sqlerr.FeatureNotSupported, "comparing empty rows is not supported")
	}
	if op == "!=" {
		op = "<>"
	}
	cmp := func(op string, i int) Expr {
		x, y := b.coercePair(l[i], r[i])
		return &Cmp{Op: op, L: x, R: y}
	}
	n := len(l)
	switch op {
	case "=", "<>":
		out := cmp(op, 0)
		for i := 1; i < n; i++ {
			out = &Logic{And: op == "=", L: out, R: cmp(op, i)}
		}
		return out, nil
	case "<", "<=", ">", ">=":
		strict := op[:1]
		out := cmp(op, n-1)
		for i := n - 2; i >= 0; i-- {
			out = &Logic{L: cmp(strict, i), R: &Logic{And: true, L: cmp("=", i), R: out}}
		}
		return out, nil
	}
	return nil, errRowOperand(op)
}

// rowInList binds (a, b) [NOT] IN ((1, 2), (3, 4)): the rows' equalities,
// ORed.
func (b *Binder) rowInList(st *selectState, x *ast.RowExpr, list []ast.Expr, not bool) (Expr, error) {
	xe, err := b.rowElems(st, x)
	if err != nil {
		return nil, err
	}
	var out Expr
	for _, item := range list {
		ir, ok := item.(*ast.RowExpr)
		if !ok {
			return nil, errRowOperand("=")
		}
		ie, err := b.rowElems(st, ir)
		if err != nil {
			return nil, err
		}
		eq, err := b.rowCmp("=", xe, ie)
		if err != nil {
			return nil, err
		}
		if out == nil {
			out = eq
		} else {
			out = &Logic{L: out, R: eq}
		}
	}
	if not {
		out = &Not{X: out}
	}
	return out, nil
}

// rowInSubquery binds (a, b) [NOT] IN (SELECT x, y …): the row's elements
// as an array, which the executor compares with each row of the subquery.
func (b *Binder) rowInSubquery(st *selectState, x *ast.RowExpr, sel *ast.Select, not bool) (Expr, error) {
	xe, err := b.rowElems(st, x)
	if err != nil {
		return nil, err
	}
	q, outer, err := b.subquery(st.sc, sel)
	if err != nil {
		return nil, err
	}
	switch n := len(q.Cols()); {
	case n > len(xe):
		return nil, sqlerr.New(sqlerr.Syntax, "subquery has too many columns")
	case n < len(xe):
		return nil, sqlerr.New(sqlerr.Syntax, "subquery has too few columns")
	}
	return &SubqueryExpr{Kind: "in", Row: true, Plan: q, X: &ArrayOf{Elems: xe}, Not: not, Outer: outer}, nil
}
