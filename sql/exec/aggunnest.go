package exec

import (
	"context"

	"github.com/basaltdb/basalt/coldata"
	"github.com/basaltdb/basalt/sql/plan"
	"github.com/basaltdb/basalt/storage"
	"github.com/basaltdb/basalt/types"
)

// aggUnnestOp is a hash aggregate over the elements of an array column of
// a scan (`… CROSS JOIN UNNEST(e.tags) AS u(tag) GROUP BY tag`). Workers,
// one per core, take the snapshot's segments in turn, read each row's
// array from its column batch, and fold one row per element straight into
// their own group tables, merged at the end. The rows an unnest operator
// would hand up, one per element with the input row copied and owned,
// are never built: only what a group keeps is copied.
type aggUnnestOp struct {
	q     *Query
	n     *plan.Aggregate
	where *plan.Filter // a filter between the aggregate and the unnest, or nil
	u     *plan.Unnest
	scan  *scanOp
	arr   int        // the array column's place in the scan's row
	st    *NodeStats // the Unnest node's
	wst   *NodeStats // the filter's
	out   *rowsOp
}

// aggUnnestInput returns the unnest and scan under aggregate n, and a
// filter between them, when they can run as an aggUnnestOp: UNNEST (inner
// or outer, with or without ordinality and an ON condition) of a column of
// a segment scan, with no element spread into columns and no subquery.
func aggUnnestInput(n *plan.Aggregate) (*plan.Filter, *plan.Unnest, *plan.Scan, bool) {
	in := n.Input
	where, _ := in.(*plan.Filter)
	if where != nil {
		in = where.Input
	}
	u, ok := in.(*plan.Unnest)
	if !ok || len(u.Spread) > 0 {
		return nil, nil, nil, false
	}
	s, ok := u.Input.(*plan.Scan)
	if !ok || !fusable(n, s) {
		return nil, nil, nil, false
	}
	c, ok := u.Array.(*plan.ColRef)
	if !ok {
		return nil, nil, nil, false
	}
	if _, ok := layoutOf(s.Cols())[c.ID]; !ok {
		return nil, nil, nil, false
	}
	conds := []plan.Expr{u.Cond}
	if where != nil {
		conds = append(conds, where.Cond)
	}
	if hasSubquery(conds) {
		return nil, nil, nil, false
	}
	return where, u, s, true
}

func (q *Query) newAggUnnest(n *plan.Aggregate, where *plan.Filter, u *plan.Unnest, s *plan.Scan) (Operator, error) {
	st := &NodeStats{}
	q.stats[s] = st
	sc, err := q.newScan(s)
	if err != nil {
		return nil, err
	}
	o := &aggUnnestOp{q: q, n: n, where: where, u: u, scan: sc.(*scanOp), arr: layoutOf(s.Cols())[u.Array.(*plan.ColRef).ID], st: &NodeStats{Folded: true}}
	o.scan.st = st
	q.stats[u] = o.st
	if where != nil {
		o.wst = &NodeStats{Folded: true}
		q.stats[where] = o.wst
	}
	return o, nil
}

// unnestWorker folds the elements of the segments it takes into its own
// table.
type unnestWorker struct {
	o      *aggUnnestOp
	filter *vecFilter
	scans  workerScan
	table  *groupTable
	row    Row // the scan's columns, then the element (and its ordinality)
	st     NodeStats
	rows   []int
	// cond is the unnest's ON condition, where the filter above it;
	// either may be nil.
	cond, where evalFn
	elems       int64 // rows the unnest made, for its node's count
	passed      int64 // rows that passed where
	// With the element as the only key, groups by a string element's
	// value, keyed by the group's own copy of it.
	strGroups map[string]*group
	// pos numbers the elements of a segment in order, after the
	// segment's number: a group's first element orders the output as
	// an unnest operator's rows would.
	pos int64
}

func (o *aggUnnestOp) newWorker() (*unnestWorker, error) {
	keys, specs, err := o.q.compileAgg(o.n, layoutOf(o.u.Cols()))
	if err != nil {
		return nil, err
	}
	w := &unnestWorker{o: o, table: newGroupTable(o.q.mem, keys, specs), row: make(Row, len(o.u.Cols()))}
	if len(o.n.Keys) == 1 {
		if c, ok := o.n.Keys[0].(*plan.ColRef); ok && c.ID == o.u.Elem {
			w.strGroups = map[string]*group{}
		}
	}
	if w.filter, err = o.scan.compileVecFilter(o.q, o.scan.n.Filter); err != nil {
		return nil, err
	}
	if o.u.Cond != nil {
		if w.cond, err = o.q.compile(o.u.Cond, layoutOf(o.u.Cols())); err != nil {
			return nil, err
		}
	}
	if o.where != nil {
		if w.where, err = o.q.compile(o.where.Cond, layoutOf(o.u.Cols())); err != nil {
			return nil, err
		}
	}
	return w, nil
}

func (o *aggUnnestOp) Next(ctx context.Context) ([]Row, error) {
	if o.out != nil {
		return o.out.Next(ctx)
	}
	if err := o.scan.init(ctx); err != nil {
		return nil, err
	}
	segs := o.scan.segs
	ws, err := newWorkers(aggWorkers(o.n.Aggs, len(segs)), o.newWorker)
	if err != nil {
		return nil, err
	}
	err = runWorkers(ctx, len(ws), len(segs), func(wi, seg int) error {
		return ws[wi].scanSegment(ctx, seg, segs[seg])
	})
	if err != nil {
		return nil, err
	}
	tables := make([]*groupTable, len(ws))
	for i, w := range ws {
		o.scan.st.addScan(&w.st)
		o.st.Rows += w.elems
		if o.wst != nil {
			o.wst.Rows += w.passed
		}
		tables[i] = w.table
	}
	rows, err := o.q.mergedRows(ctx, o.n, tables, true)
	if err != nil {
		return nil, err
	}
	o.out = &rowsOp{rows: rows}
	return o.out.Next(ctx)
}

func (w *unnestWorker) scanSegment(ctx context.Context, seg int, v *storage.SegmentView) error {
	scan := w.o.scan
	w.pos = int64(seg) << 40
	sc, err := scan.openView(ctx, v, &w.st, w.filter, &w.scans)
	if err != nil || sc == nil {
		return err
	}
	for {
		b, err := sc.Next(ctx)
		if err != nil || b == nil {
			return err
		}
		w.st.BlocksRead++
		w.st.RowsScanned += int64(b.Selected())
		rows, err := w.keep(b)
		if err != nil {
			return err
		}
		w.st.Rows += int64(len(rows))
		for _, i := range rows {
			if err := w.foldRow(b, i); err != nil {
				return err
			}
		}
	}
}

// keep returns the selected rows of b that pass the filter.
func (w *unnestWorker) keep(b *coldata.Batch) ([]int, error) {
	scan := w.o.scan
	if w.filter != nil {
		return w.filter.apply(b, func(i int) Row { scan.fill(b, i, w.row); return w.row })
	}
	w.rows = selectedRows(b, w.rows[:0])
	return w.rows, nil
}

// foldRow adds to the table what the unnest (and the filter above it)
// would have made of row i: a row per element that passes the ON
// condition, or for an outer unnest one of NULLs when none does.
func (w *unnestWorker) foldRow(b *coldata.Batch, i int) error {
	o := w.o
	o.scan.fill(b, i, w.row)
	ncols := len(o.scan.cols)
	a := w.row[o.arr]
	n := 0
	if a.Kind() == types.KindArray {
		n = a.Len()
	}
	kept := false
	for j := range n {
		w.row[ncols] = a.Index(j)
		if o.u.Ordinality {
			w.row[ncols+1] = types.Int(int64(j + 1))
		}
		if w.cond != nil {
			v, err := w.cond(w.row)
			if err != nil {
				return err
			}
			if !truthy(v) {
				continue
			}
		}
		kept = true
		if err := w.emit(); err != nil {
			return err
		}
	}
	if o.u.Outer && !kept {
		w.row[ncols] = types.Null
		if o.u.Ordinality {
			w.row[ncols+1] = types.Null
		}
		return w.emit()
	}
	return nil
}

// emit folds the unnest's row w.row into its group, when it passes the
// filter above.
func (w *unnestWorker) emit() error {
	w.elems++
	if w.where != nil {
		v, err := w.where(w.row)
		if err != nil {
			return err
		}
		if !truthy(v) {
			return nil
		}
	}
	w.passed++
	w.table.pos = w.pos
	w.pos++
	return w.add(w.row[len(w.o.scan.cols)])
}

// add folds w.row, whose element is elem, into its group.
func (w *unnestWorker) add(elem types.Value) error {
	if w.strGroups == nil || elem.Kind() != types.KindString {
		return w.table.add(w.row)
	}
	g := w.strGroups[elem.Str()]
	if g == nil {
		var err error
		if g, err = w.table.groupOf(w.row); err != nil {
			return err
		}
		w.strGroups[g.key[0].Str()] = g
	}
	return w.table.addTo(g, w.row)
}
