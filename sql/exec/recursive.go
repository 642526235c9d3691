package exec

import (
	"context"
	"fmt"
	"slices"

	"github.com/basaltdb/basalt/sql/plan"
	"github.com/basaltdb/basalt/types"
)

// recursiveOp runs a WITH RECURSIVE query (plan.RecursiveUnion) as
// PostgreSQL does: the non-recursive term's rows, then the recursive term
// run over the rows of the step before (its working table) until a step
// gives none. Rows stream out as each step makes them, so a LIMIT above
// stops a recursion that would not end on its own.
//
// Every row a step keeps is charged to the query's memory budget, as held
// rows are elsewhere, and the budget is never given back: a recursion that
// does not end runs into the budget (53200) or the statement timeout
// (57014; the context is checked between steps and by the operators of
// each step), never into the server's memory.
type recursiveOp struct {
	q *Query
	n *plan.RecursiveUnion
	// cur runs the current step: Init first, then Recur over work.
	cur  Operator
	next []Row           // rows the current step kept: the next working table
	seen map[string]bool // without ALL, every row kept so far
	buf  []byte
	out  []Row
	done bool
	// recurring is set once the recursive term runs (Init is done).
	recurring bool
	// width is the number of the CTE's own columns, before those of the
	// SEARCH and CYCLE clauses.
	width int
}

func (q *Query) newRecursive(n *plan.RecursiveUnion) (Operator, error) {
	init, err := q.build(n.Init)
	if err != nil {
		return nil, err
	}
	o := &recursiveOp{q: q, n: n, cur: init, width: len(n.Out)}
	if n.Search != nil {
		o.width--
	}
	if n.Cycle != nil {
		o.width -= 2
	}
	if !n.All {
		o.seen = map[string]bool{}
	}
	return o, nil
}

func (o *recursiveOp) Next(ctx context.Context) ([]Row, error) {
	for !o.done {
		if o.cur == nil {
			if len(o.next) == 0 {
				o.done = true
				break
			}
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			// The step's operators are built afresh over the working
			// table: the WorkScan under them takes it when built.
			if o.q.work == nil {
				o.q.work = map[*plan.WorkTable][]Row{}
			}
			o.q.work[o.n.Work] = o.next
			o.next = nil
			op, err := o.q.build(o.n.Recur)
			if err != nil {
				return nil, err
			}
			o.cur = op
			o.recurring = true
		}
		b, err := o.cur.Next(ctx)
		if err != nil {
			return nil, err
		}
		if b == nil {
			o.cur = nil
			continue
		}
		o.out = o.out[:0]
		for _, r := range b {
			extend := true
			if o.width < len(o.n.Out) {
				r, extend = o.addClauses(r)
			}
			if o.seen != nil {
				o.buf = rowKey(o.buf[:0], r)
				if o.seen[string(o.buf)] {
					continue
				}
				o.seen[string(o.buf)] = true
			}
			c := append(Row(nil), r...)
			if err := o.q.mem.grow(rowBytes(c)); err != nil {
				return nil, err
			}
			if extend {
				o.next = append(o.next, c)
			}
			o.out = append(o.out, c)
		}
		if len(o.out) > 0 {
			return o.out, nil
		}
	}
	return nil, nil
}

// addClauses computes the SEARCH and CYCLE columns of a row the current
// step gave, as PostgreSQL's rewrite of the clauses does: from the row's
// columns alone for the non-recursive term, from those and the added
// columns of the working-table row it extends (after its own) for the
// recursive term. extend is false for a row the cycle mark stops: the
// next step does not read it (PostgreSQL's `WHERE mark <> TO-value`).
func (o *recursiveOp) addClauses(r Row) (out Row, extend bool) {
	w := o.width
	var parent Row
	if o.recurring {
		parent = r[w:]
	}
	out = append(make(Row, 0, len(o.n.Out)), r[:w]...)
	if s := o.n.Search; s != nil {
		row := clauseRow(r, s.Cols)
		switch {
		case s.BreadthFirst:
			depth := int64(0)
			if parent != nil {
				depth = parent[0].Elems()[0].Int() + 1
			}
			out = append(out, types.Array(append([]types.Value{types.Int(depth)}, row.Elems()...)))
		case parent != nil:
			out = append(out, types.Array(append(slices.Clone(parent[0].Elems()), row)))
		default:
			out = append(out, types.Array([]types.Value{row}))
		}
		if parent != nil {
			parent = parent[1:]
		}
	}
	extend = true
	if c := o.n.Cycle; c != nil {
		row := clauseRow(r, c.Cols)
		if parent == nil {
			out = append(out, c.Default, types.Array([]types.Value{row}))
		} else {
			mark, path := c.Default, parent[1].Elems()
			for _, p := range path {
				// Rows match as PostgreSQL's record equality matches them:
				// NULLs equal.
				if types.Compare(p, row) == 0 {
					mark = c.Mark
					break
				}
			}
			out = append(out, mark, types.Array(append(slices.Clone(path), row)))
		}
		m := out[len(out)-2]
		// mark <> TO-value, in three-valued logic.
		extend = !isNull(m) && !isNull(c.Mark) && types.Compare(m, c.Mark) != 0
	}
	return out, extend
}

// clauseRow is the row of r's columns cols, as an array (NULL for an
// undefined value).
func clauseRow(r Row, cols []int) types.Value {
	vals := make([]types.Value, len(cols))
	for i, c := range cols {
		vals[i] = r[c]
		if r[c].IsUndefined() {
			vals[i] = types.Null
		}
	}
	return types.Array(vals)
}

// workScanOp returns the working table its recursive query's step runs
// over.
type workScanOp struct {
	rowsOp
}

func (q *Query) newWorkScan(n *plan.WorkScan) (Operator, error) {
	rows, ok := q.work[n.Table]
	if !ok {
		return nil, fmt.Errorf("exec: working table %q read outside its recursive query", n.Table.Name)
	}
	return &workScanOp{rowsOp{rows: rows}}, nil
}
