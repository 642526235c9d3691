package exec

import (
	"github.com/basaltdb/basalt/coldata"
	"github.com/basaltdb/basalt/sql/plan"
	"github.com/basaltdb/basalt/types"
)

// oneColumn returns the scan column e reads when it reads exactly one,
// a leaf of the scan, and nothing that makes its value depend on more than
// that column's value: no subquery, no volatile function (random()), no
// column of an outer query. Such a conjunct can run over the column's
// vector alone (exprKernel).
func oneColumn(e plan.Expr, vec func(plan.Expr) int) (*plan.ColRef, bool) {
	var col *plan.ColRef
	ok := true
	plan.Walk(e, func(x plan.Expr) bool {
		switch x := x.(type) {
		case *plan.ColRef:
			switch {
			case vec(x) < 0:
				ok = false
			case col == nil:
				col = x
			case col.ID != x.ID:
				ok = false
			}
		case *plan.SubqueryExpr:
			ok = false
		case *plan.Call:
			ok = !volatileCall(x)
		}
		return ok
	})
	return col, ok && col != nil
}

// volatileCall reports whether c calls a function whose value changes
// within a statement (random(), not NOW()).
func volatileCall(c *plan.Call) bool { return c.Fn != nil && c.Fn.Volatile && !c.Fn.Stable }

// volatile reports whether e calls a volatile function (volatileCall).
func volatile(e plan.Expr) bool {
	found := false
	plan.Walk(e, func(x plan.Expr) bool {
		if c, ok := x.(*plan.Call); ok && volatileCall(c) {
			found = true
		}
		return !found
	})
	return found
}

// exprKernel runs a conjunct of one column (oneColumn), compiled over a row
// holding that column's value alone, on a vector: once per dictionary entry
// a batch's rows hold when the vector is dictionary coded (length(page) > 4
// over thousands of rows of a few hundred pages), else once per row,
// without filling the scan's other columns. An error is the row's, as the
// row evaluator would have met it: a dictionary entry is evaluated only
// when a row holds it, and the error is left in *errp for apply to return.
func exprKernel(col int, eval evalFn, errp *error) func(*coldata.Batch, []int) []int {
	row := make(Row, 1)
	var state []uint8 // per dictionary entry: 0 not yet known, 1 passes, 2 does not
	return func(b *coldata.Batch, rows []int) []int {
		v := &b.Vecs[col]
		out := rows[:0]
		if kind, uniform := v.Uniform(); uniform && kind == types.KindString && v.Dict != nil {
			state = append(state[:0], make([]uint8, len(v.Dict))...)
			for _, i := range rows {
				c := v.Codes[i]
				if state[c] == 0 {
					row[0] = types.String(v.Dict[c])
					r, err := eval(row)
					if err != nil {
						*errp = err
						return out[:0]
					}
					state[c] = 2
					if truthy(r) {
						state[c] = 1
					}
				}
				if state[c] == 1 {
					out = append(out, i)
				}
			}
			return out
		}
		for _, i := range rows {
			row[0] = v.Value(i)
			r, err := eval(row)
			if err != nil {
				*errp = err
				return out[:0]
			}
			if truthy(r) {
				out = append(out, i)
			}
		}
		return out
	}
}
