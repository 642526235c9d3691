package plan

import (
	"strconv"
	"strings"

	"github.com/basaltdb/basalt/types"
)

// FormatExpr renders a bound expression deterministically, for EXPLAIN and
// for matching expressions structurally (GROUP BY keys, ORDER BY targets).
func FormatExpr(e Expr) string {
	var b strings.Builder
	formatExpr(&b, e)
	return b.String()
}

func formatExpr(b *strings.Builder, e Expr) {
	w := b.WriteString
	list := func(es []Expr) {
		for i, x := range es {
			if i > 0 {
				w(", ")
			}
			formatExpr(b, x)
		}
	}
	switch e := e.(type) {
	case nil:
		w("<nil>")
	case *ColRef:
		w(e.Name)
		w("#")
		w(strconv.Itoa(int(e.ID)))
	case *Const:
		if e.V.Kind() == types.KindString {
			w("'" + strings.ReplaceAll(e.V.Str(), "'", "''") + "'")
		} else if e.V.Kind() == types.KindUndefined {
			w("UNDEFINED")
		} else if e.V.Kind() == types.KindNull {
			w("NULL")
		} else {
			w(e.V.JSON())
		}
	case *Call:
		w(e.Fn.Name + "(")
		list(e.Args)
		w(")")
	case *Arith:
		infix(b, e.L, string(e.Op), e.R)
	case *Cmp:
		infix(b, e.L, e.Op, e.R)
	case *Logic:
		op := "OR"
		if e.And {
			op = "AND"
		}
		infix(b, e.L, op, e.R)
	case *Not:
		w("NOT ")
		formatExpr(b, e.X)
	case *Neg:
		w("-")
		formatExpr(b, e.X)
	case *Concat:
		infix(b, e.L, "||", e.R)
	case *IsTest:
		w("(")
		formatExpr(b, e.X)
		w(" IS ")
		if e.Not {
			w("NOT ")
		}
		w(e.What + ")")
	case *IsDistinct:
		w("(")
		formatExpr(b, e.L)
		if e.Not {
			w(" IS NOT DISTINCT FROM ")
		} else {
			w(" IS DISTINCT FROM ")
		}
		formatExpr(b, e.R)
		w(")")
	case *In:
		w("(")
		formatExpr(b, e.X)
		if e.Not {
			w(" NOT")
		}
		w(" IN (")
		list(e.List)
		w("))")
	case *Like:
		w("(")
		formatExpr(b, e.X)
		if e.Not {
			w(" NOT")
		}
		if e.ILike {
			w(" ILIKE ")
		} else {
			w(" LIKE ")
		}
		formatExpr(b, e.Pattern)
		w(")")
	case *Regex:
		op := "~"
		if e.ICase {
			op += "*"
		}
		if e.Not {
			op = "!" + op
		}
		infix(b, e.X, op, e.Pattern)
	case *Case:
		w("CASE")
		for _, wh := range e.Whens {
			w(" WHEN ")
			formatExpr(b, wh.Cond)
			w(" THEN ")
			formatExpr(b, wh.Then)
		}
		if e.Else != nil {
			w(" ELSE ")
			formatExpr(b, e.Else)
		}
		w(" END")
	case *Cast:
		if e.Try {
			w("TRY_")
		}
		w("CAST(")
		formatExpr(b, e.X)
		w(" AS " + e.Type + ")")
	case *Coalesce:
		w("COALESCE(")
		list(e.Args)
		w(")")
	case *Subscript:
		formatExpr(b, e.X)
		w("[")
		formatExpr(b, e.Index)
		w("]")
	case *Field:
		formatExpr(b, e.X)
		w("." + e.Name)
	case *ArrayOf:
		w("ARRAY[")
		list(e.Elems)
		w("]")
	case *IntervalAdd:
		w("(")
		formatExpr(b, e.X)
		if e.Sign < 0 {
			w(" - ")
		} else {
			w(" + ")
		}
		w("INTERVAL(" + strconv.Itoa(int(e.Iv.Months)) + "mon " + strconv.Itoa(int(e.Iv.Days)) + "d " + strconv.FormatInt(e.Iv.Micros, 10) + "us))")
	case *AnyCmp:
		w("(")
		formatExpr(b, e.X)
		w(" " + e.Op)
		if e.All {
			w(" ALL(")
		} else {
			w(" ANY(")
		}
		formatExpr(b, e.Array)
		w("))")
	case *SubqueryExpr:
		if a, ok := e.X.(*ArrayOf); ok && e.Row {
			w("ROW(")
			list(a.Elems)
			w(") ")
		} else if e.X != nil {
			formatExpr(b, e.X)
			w(" ")
		}
		if e.Not {
			w("NOT ")
		}
		// The subquery's first output column tells it from every other
		// one, so that GROUP BY and ORDER BY never match two different
		// subqueries by their shape.
		w(strings.ToUpper(e.Kind) + "(subquery")
		if cols := e.Plan.Cols(); len(cols) > 0 {
			w("#" + strconv.Itoa(int(cols[0])))
		}
		w(")")
	case *aggPlaceholder:
		// Every part of the call is written, so that the binder merges
		// only identical calls (count(x) and count(DISTINCT x), or
		// bool_and(x) with and without FILTER, are different aggregates).
		w("agg:" + e.call.Name + "(")
		if e.call.Distinct {
			w("DISTINCT ")
		}
		if e.call.Star {
			w("*")
		}
		list(e.call.Args)
		for i, k := range e.call.OrderBy {
			if i == 0 {
				w(" ORDER BY ")
			} else {
				w(", ")
			}
			formatExpr(b, k.Expr)
			if k.Desc {
				w(" DESC")
			}
			if k.NullsFirst {
				w(" NULLS FIRST")
			}
		}
		w(")")
		if e.call.Filter != nil {
			w(" FILTER (")
			formatExpr(b, e.call.Filter)
			w(")")
		}
	case *winPlaceholder:
		w("win:" + e.f.Name)
	}
}

// infix writes (l op r).
func infix(b *strings.Builder, l Expr, op string, r Expr) {
	b.WriteString("(")
	formatExpr(b, l)
	b.WriteString(" " + op + " ")
	formatExpr(b, r)
	b.WriteString(")")
}
