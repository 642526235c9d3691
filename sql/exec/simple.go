package exec

import (
	"context"

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
	o := &unnestOp{in: in, arr: arr, ord: n.Ordinality, outer: n.Outer, spread: len(n.Spread)}
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
		if o.elem == 0 {
			// Once per input row: the array may be a subquery's rows.
			a, err := o.arr(r)
			if err != nil {
				return nil, err
			}
			o.array = a
		}
		a := o.array
		if a.Kind() != types.KindArray || o.elem >= a.Len() {
			if o.outer && !o.kept {
				o.out = append(o.out, o.row(r, types.Null, types.Null))
			}
			o.pos++
			o.elem, o.kept = 0, false
			continue
		}
		row := o.row(r, a.Index(o.elem), types.Int(int64(o.elem+1)))
		o.elem++
		if o.cond != nil {
			v, err := o.cond(row)
			if err != nil {
				return nil, err
			}
			if !truthy(v) {
				continue
			}
		}
		o.out = append(o.out, row)
		o.kept = true
	}
	if len(o.out) == 0 {
		return nil, nil
	}
	return o.out, nil
}
