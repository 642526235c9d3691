package exec

import (
	"context"

	"github.com/basaltdb/basalt/sql/fn"
	"github.com/basaltdb/basalt/sql/plan"
	"github.com/basaltdb/basalt/types"
)

func (q *Query) newValues(n *plan.Values) (Operator, error) {
	var rows []Row
	for _, r := range n.Rows {
		row := make(Row, len(r))
		for i, e := range r {
			f, err := q.compile(e, nil)
			if err != nil {
				return nil, err
			}
			v, err := f(nil)
			if err != nil {
				return nil, err
			}
			row[i] = v
		}
		rows = append(rows, row)
	}
	return &rowsOp{rows: rows}, nil
}

type filterOp struct {
	in   Operator
	cond evalFn
	out  []Row
}

func (q *Query) newFilter(n *plan.Filter) (Operator, error) {
	in, err := q.build(n.Input)
	if err != nil {
		return nil, err
	}
	cond, err := q.compile(n.Cond, layoutOf(n.Input.Cols()))
	if err != nil {
		return nil, err
	}
	return &filterOp{in: in, cond: cond}, nil
}

func (o *filterOp) Next(ctx context.Context) ([]Row, error) {
	for {
		b, err := o.in.Next(ctx)
		if err != nil || b == nil {
			return nil, err
		}
		o.out = o.out[:0]
		for _, r := range b {
			v, err := o.cond(r)
			if err != nil {
				return nil, err
			}
			if truthy(v) {
				o.out = append(o.out, r)
			}
		}
		if len(o.out) > 0 {
			return o.out, nil
		}
	}
}

type projectOp struct {
	in    Operator
	exprs []evalFn
	out   []Row
	buf   []types.Value
}

func (q *Query) newProject(n *plan.Project) (Operator, error) {
	in, err := q.build(n.Input)
	if err != nil {
		return nil, err
	}
	lay := layoutOf(n.Input.Cols())
	o := &projectOp{in: in}
	for _, e := range n.Exprs {
		f, err := q.compile(e, lay)
		if err != nil {
			return nil, err
		}
		o.exprs = append(o.exprs, f)
	}
	return o, nil
}

func (o *projectOp) Next(ctx context.Context) ([]Row, error) {
	b, err := o.in.Next(ctx)
	if err != nil || b == nil {
		return nil, err
	}
	w := len(o.exprs)
	if cap(o.buf) < w*len(b) {
		o.buf = make([]types.Value, w*len(b))
	}
	buf := o.buf[:w*len(b)]
	o.out = o.out[:0]
	for i, r := range b {
		row := buf[i*w : (i+1)*w : (i+1)*w]
		for j, f := range o.exprs {
			v, err := f(r)
			if err != nil {
				return nil, err
			}
			row[j] = v
		}
		o.out = append(o.out, row)
	}
	return o.out, nil
}

type limitOp struct {
	in            Operator
	count, offset int64
	seen          int64
	done          bool
}

func (o *limitOp) Next(ctx context.Context) ([]Row, error) {
	for !o.done {
		if o.count >= 0 && o.seen >= o.offset+o.count {
			o.done = true
			break
		}
		b, err := o.in.Next(ctx)
		if err != nil || b == nil {
			return nil, err
		}
		start, end := int64(0), int64(len(b))
		if o.seen < o.offset {
			start = min(o.offset-o.seen, end)
		}
		if o.count >= 0 {
			end = min(end, o.offset+o.count-o.seen)
		}
		o.seen += int64(len(b))
		if start < end {
			return b[start:end], nil
		}
	}
	return nil, nil
}

type unnestOp struct {
	in     Operator
	arr    evalFn
	cond   evalFn // nil: every element row
	ord    bool
	outer  bool
	spread int // values of an array element spread into columns
	out    []Row
	cur    []Row
	pos    int
	elem   int
	array  types.Value // the current input row's array, once evaluated
	kept   bool        // the current input row produced a row
	// generate_series is streamed: its arguments, and the current input
	// row's series.
	seriesArgs []evalFn
	series     *fn.Series
	// A function's array (regexp_matches, string_to_array(…)) is held
	// while its elements are produced: held bytes of it are charged to
	// the memory budget.
	q      *Query
	charge bool
	held   int64
}

func (q *Query) newUnnest(n *plan.Unnest) (Operator, error) {
	in, err := q.build(n.Input)
	if err != nil {
		return nil, err
	}
	arr, err := q.compile(n.Array, layoutOf(n.Input.Cols()))
	if err != nil {
		return nil, err
	}
	o := &unnestOp{q: q, in: in, arr: arr, ord: n.Ordinality, outer: n.Outer, spread: len(n.Spread)}
	if args, ok := plan.SeriesArgs(n.Array); ok {
		for _, a := range args {
			f, err := q.compile(a, layoutOf(n.Input.Cols()))
			if err != nil {
				return nil, err
			}
			o.seriesArgs = append(o.seriesArgs, f)
		}
	} else if _, ok := n.Array.(*plan.Call); ok {
		o.charge = true
	}
	if n.Cond != nil {
		if o.cond, err = q.compile(n.Cond, layoutOf(n.Cols())); err != nil {
			return nil, err
		}
	}
	return o, nil
}

// row returns input row r extended by elem (and its ordinality).
func (o *unnestOp) row(r Row, elem types.Value, ord types.Value) Row {
	row := make(Row, len(r), len(r)+2+o.spread)
	copy(row, r)
	row = append(row, elem)
	if o.ord {
		row = append(row, ord)
	}
	for i := range o.spread {
		v := types.Null
		if elem.Kind() == types.KindArray && i < elem.Len() {
			v = elem.Index(i)
		}
		row = append(row, v)
	}
	return row
}

func (o *unnestOp) Next(ctx context.Context) ([]Row, error) {
	// A series can be long enough to outlast the statement's timeout.
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	o.out = o.out[:0]
	for len(o.out) < BatchRows {
		if o.pos >= len(o.cur) {
			b, err := o.in.Next(ctx)
			if err != nil {
				return nil, err
			}
			if b == nil {
				break
			}
			o.cur, o.pos, o.elem = b, 0, 0
			continue
		}
		r := o.cur[o.pos]
		if o.seriesArgs != nil {
			v, ok, err := o.nextInSeries(r)
			if err != nil {
				return nil, err
			}
			if ok {
				if err := o.emit(r, v); err != nil {
					return nil, err
				}
				continue
			}
		} else {
			if o.elem == 0 {
				// Once per input row: the array may be a subquery's rows.
				a, err := o.arr(r)
				if err != nil {
					return nil, err
				}
				if err := o.hold(a); err != nil {
					return nil, err
				}
				o.array = a
			}
			if a := o.array; a.Kind() == types.KindArray && o.elem < a.Len() {
				if err := o.emit(r, a.Index(o.elem)); err != nil {
					return nil, err
				}
				continue
			}
		}
		// The input row's elements are done.
		if o.outer && !o.kept {
			o.out = append(o.out, o.row(r, types.Null, types.Null))
		}
		o.pos++
		o.elem, o.kept = 0, false
	}
	if len(o.out) == 0 {
		if err := o.hold(types.Value{}); err != nil {
			return nil, err
		}
		return nil, nil
	}
	return o.out, nil
}

// nextInSeries returns the next value of input row r's series, starting
// it at the row's first element.
func (o *unnestOp) nextInSeries(r Row) (types.Value, bool, error) {
	if o.elem == 0 {
		args := make([]types.Value, len(o.seriesArgs))
		for i, f := range o.seriesArgs {
			v, err := f(r)
			if err != nil {
				return v, false, err
			}
			args[i] = v
		}
		s, err := fn.NewSeries(args)
		if err != nil {
			return types.Value{}, false, err
		}
		o.series = s
	}
	v, ok := o.series.Next()
	return v, ok, nil
}

// emit adds input row r's next element elem, when it passes the
// condition.
func (o *unnestOp) emit(r Row, elem types.Value) error {
	row := o.row(r, elem, types.Int(int64(o.elem+1)))
	o.elem++
	if o.cond != nil {
		v, err := o.cond(row)
		if err != nil {
			return err
		}
		if !truthy(v) {
			return nil
		}
	}
	o.out = append(o.out, row)
	o.kept = true
	return nil
}

// hold charges the memory budget with a function's array a while its
// elements are produced, giving back the array before it.
func (o *unnestOp) hold(a types.Value) error {
	if !o.charge {
		return nil
	}
	o.q.mem.grow(-o.held)
	o.held = 0
	if a.Kind() == types.KindArray {
		o.held = int64(40 * a.Len())
		return o.q.mem.grow(o.held)
	}
	return nil
}
