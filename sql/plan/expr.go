package plan

import (
	"github.com/basaltdb/basalt/sql/fn"
	"github.com/basaltdb/basalt/types"
)

// ColID identifies a column of a plan uniquely within one query.
type ColID int

// Expr is a bound scalar expression.
type Expr interface{ boundExpr() }

type (
	// ColRef reads a column of the input row.
	ColRef struct {
		ID   ColID
		Name string
	}
	// Const is a constant (parameters are bound to constants).
	Const struct{ V types.Value }
	// Call is a scalar function call. Lenient (an argument of no kind the
	// binder can tell, such as a field holding several kinds) makes a
	// value of a kind the function does not take give NULL rather than
	// PostgreSQL's error 42883 (see Binder.lenient).
	Call struct {
		Fn      *fn.Func
		Args    []Expr
		Lenient bool
	}
	// Arith is + - * / % on numbers; Lenient as for Call.
	Arith struct {
		Op      byte
		L, R    Expr
		Lenient bool
	}
	// Cmp is a comparison = <> < <= > >=.
	Cmp struct {
		Op   string
		L, R Expr
	}
	// Logic is AND / OR (three-valued).
	Logic struct {
		And  bool
		L, R Expr
	}
	// Not is NOT x.
	Not struct{ X Expr }
	// Neg is -x; Lenient as for Call.
	Neg struct {
		X       Expr
		Lenient bool
	}
	// Concat is x || y.
	Concat struct{ L, R Expr }
	// IsTest is IS [NOT] NULL | UNDEFINED | TRUE | FALSE | UNKNOWN.
	IsTest struct {
		X    Expr
		What string
		Not  bool
	}
	// IsDistinct is IS [NOT] DISTINCT FROM.
	IsDistinct struct {
		L, R Expr
		Not  bool
	}
	// In is x [NOT] IN (list).
	In struct {
		X    Expr
		List []Expr
		Not  bool
	}
	// Like is x [NOT] LIKE|ILIKE pattern.
	Like struct {
		X, Pattern, Escape Expr
		Not, ILike         bool
	}
	// Regex is x ~ pattern (and ~*, !~, !~*).
	Regex struct {
		X, Pattern Expr
		Not, ICase bool
	}
	// Case is a searched CASE (operand forms are rewritten to comparisons).
	Case struct {
		Whens []CaseWhen
		Else  Expr
	}
	// Cast converts to a normalized type name (see fn.NormalizeType).
	Cast struct {
		X    Expr
		Type string
		Try  bool
	}
	// Coalesce returns its first argument that is neither null nor
	// undefined, evaluating lazily.
	Coalesce struct{ Args []Expr }
	// Subscript is x[i], 1-based.
	Subscript struct{ X, Index Expr }
	// Field is x.name on an object value.
	Field struct {
		X    Expr
		Name string
	}
	// ArrayOf builds an array.
	ArrayOf struct{ Elems []Expr }
	// IntervalAdd is ts ± interval.
	IntervalAdd struct {
		X    Expr
		Iv   fn.Interval
		Sign int
	}
	// AnyCmp is x op ANY|ALL (array).
	AnyCmp struct {
		X, Array Expr
		Op       string
		All      bool
	}
	// SubqueryExpr is a subquery used as a value: Kind "scalar" (one
	// column, at most one row), "exists", "in" (X IN (subquery)) or
	// "array" (ARRAY(subquery)) or "rows" (every row as an array of its
	// values, for a LATERAL subquery's Unnest). Correlated subqueries refer to outer
	// columns through Outer; they are re-run per distinct outer binding.
	SubqueryExpr struct {
		Kind string
		Plan Node
		X    Expr
		// Row: X is the ArrayOf a row constructor's elements, compared
		// with each row of the subquery ((a, b) IN (SELECT x, y …)).
		Row   bool
		Not   bool
		Outer []ColID
		// OuterFrom, when set, holds for each Outer column the expression
		// of the enclosing row that supplies its value: above a grouping,
		// the grouping key's column rather than the scanned one.
		OuterFrom []Expr
	}
)

// CaseWhen is one WHEN of a Case.
type CaseWhen struct{ Cond, Then Expr }

func (*ColRef) boundExpr()       {}
func (*Const) boundExpr()        {}
func (*Call) boundExpr()         {}
func (*Arith) boundExpr()        {}
func (*Cmp) boundExpr()          {}
func (*Logic) boundExpr()        {}
func (*Not) boundExpr()          {}
func (*Neg) boundExpr()          {}
func (*Concat) boundExpr()       {}
func (*IsTest) boundExpr()       {}
func (*IsDistinct) boundExpr()   {}
func (*In) boundExpr()           {}
func (*Like) boundExpr()         {}
func (*Regex) boundExpr()        {}
func (*Case) boundExpr()         {}
func (*Cast) boundExpr()         {}
func (*Coalesce) boundExpr()     {}
func (*Subscript) boundExpr()    {}
func (*Field) boundExpr()        {}
func (*ArrayOf) boundExpr()      {}
func (*IntervalAdd) boundExpr()  {}
func (*AnyCmp) boundExpr()       {}
func (*SubqueryExpr) boundExpr() {}

// Children returns the direct sub-expressions of e (subquery plans are not
// descended into).
func Children(e Expr) []Expr {
	switch e := e.(type) {
	case *Call:
		return e.Args
	case *Arith:
		return []Expr{e.L, e.R}
	case *Cmp:
		return []Expr{e.L, e.R}
	case *Logic:
		return []Expr{e.L, e.R}
	case *Not:
		return []Expr{e.X}
	case *Neg:
		return []Expr{e.X}
	case *Concat:
		return []Expr{e.L, e.R}
	case *IsTest:
		return []Expr{e.X}
	case *IsDistinct:
		return []Expr{e.L, e.R}
	case *In:
		return append([]Expr{e.X}, e.List...)
	case *Like:
		out := []Expr{e.X, e.Pattern}
		if e.Escape != nil {
			out = append(out, e.Escape)
		}
		return out
	case *Regex:
		return []Expr{e.X, e.Pattern}
	case *Case:
		var out []Expr
		for _, w := range e.Whens {
			out = append(out, w.Cond, w.Then)
		}
		if e.Else != nil {
			out = append(out, e.Else)
		}
		return out
	case *Cast:
		return []Expr{e.X}
	case *Coalesce:
		return e.Args
	case *Subscript:
		return []Expr{e.X, e.Index}
	case *Field:
		return []Expr{e.X}
	case *ArrayOf:
		return e.Elems
	case *IntervalAdd:
		return []Expr{e.X}
	case *AnyCmp:
		return []Expr{e.X, e.Array}
	case *SubqueryExpr:
		var out []Expr
		if e.X != nil {
			out = append(out, e.X)
		}
		return append(out, e.OuterFrom...)
	}
	return nil
}

// Walk calls fn for e and every sub-expression, depth first; fn returning
// false stops the descent below that node.
func Walk(e Expr, f func(Expr) bool) {
	if e == nil || !f(e) {
		return
	}
	for _, c := range Children(e) {
		Walk(c, f)
	}
}

// ColsUsed returns the columns e reads, outer references of subqueries
// included.
func ColsUsed(e Expr) map[ColID]bool {
	out := map[ColID]bool{}
	Walk(e, func(x Expr) bool {
		switch x := x.(type) {
		case *ColRef:
			out[x.ID] = true
		case *SubqueryExpr:
			if x.OuterFrom == nil { // else Walk visits OuterFrom
				for _, id := range x.Outer {
					out[id] = true
				}
			}
		}
		return true
	})
	return out
}
