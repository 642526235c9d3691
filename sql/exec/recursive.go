package exec

import (
	"context"
	"fmt"

	"github.com/basaltdb/basalt/sql/plan"
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
}

func (q *Query) newRecursive(n *plan.RecursiveUnion) (Operator, error) {
	init, err := q.build(n.Init)
	if err != nil {
		return nil, err
	}
	o := &recursiveOp{q: q, n: n, cur: init}
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
			o.next = append(o.next, c)
			o.out = append(o.out, c)
		}
		if len(o.out) > 0 {
			return o.out, nil
		}
	}
	return nil, nil
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
