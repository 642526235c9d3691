package exec

import (
	"context"
	"sort"

	"github.com/basaltdb/basalt/sql/fn"
	"github.com/basaltdb/basalt/sql/plan"
	"github.com/basaltdb/basalt/sql/sqlerr"
	"github.com/basaltdb/basalt/types"
)

type windowOp struct {
	q   *Query
	in  Operator
	n   *plan.Window
	lay layout
	out *rowsOp
}

func (q *Query) newWindow(n *plan.Window) (Operator, error) {
	in, err := q.build(n.Input)
	if err != nil {
		return nil, err
	}
	return &windowOp{q: q, in: in, n: n, lay: layoutOf(n.Input.Cols())}, nil
}

func (o *windowOp) Next(ctx context.Context) ([]Row, error) {
	if o.out != nil {
		return o.out.Next(ctx)
	}
	rows, err := o.q.drain(ctx, o.in)
	if err != nil {
		return nil, err
	}
	w := len(o.n.Input.Cols())
	for i := range rows {
		r := make(Row, w, w+len(o.n.Funcs))
		copy(r, rows[i])
		rows[i] = r
	}
	for _, f := range o.n.Funcs {
		if err := o.compute(rows, f); err != nil {
			return nil, err
		}
	}
	o.out = &rowsOp{rows: rows}
	return o.out.Next(ctx)
}

func (o *windowOp) evalAll(es []plan.Expr, r Row) ([]types.Value, error) {
	out := make([]types.Value, len(es))
	for i, e := range es {
		f, err := o.q.compile(e, o.lay)
		if err != nil {
			return nil, err
		}
		v, err := f(r)
		if err != nil {
			return nil, err
		}
		out[i] = v
	}
	return out, nil
}

// compute appends function f's value to every row.
func (o *windowOp) compute(rows []Row, f plan.WindowFunc) error {
	var partE, ordE []plan.Expr
	partE = f.PartitionBy
	for _, k := range f.OrderBy {
		ordE = append(ordE, k.Expr)
	}
	items := make([]*winItem, len(rows))
	var buf []byte
	for i, r := range rows {
		p, err := o.evalAll(partE, r)
		if err != nil {
			return err
		}
		ord, err := o.evalAll(ordE, r)
		if err != nil {
			return err
		}
		args, err := o.evalAll(f.Args, r)
		if err != nil {
			return err
		}
		buf = rowKey(buf[:0], p)
		items[i] = &winItem{row: r, part: string(buf), order: ord, args: args}
	}
	parts := map[string][]*winItem{}
	var keys []string
	for _, it := range items {
		if _, ok := parts[it.part]; !ok {
			keys = append(keys, it.part)
		}
		parts[it.part] = append(parts[it.part], it)
	}
	for _, k := range keys {
		p := parts[k]
		sort.SliceStable(p, func(i, j int) bool { return compareKeys(p[i].order, p[j].order, f.OrderBy) < 0 })
		peer := func(i, j int) bool { return compareKeys(p[i].order, p[j].order, f.OrderBy) == 0 }
		n := len(p)
		switch f.Name {
		case "row_number":
			for i, it := range p {
				it.row = append(it.row, types.Int(int64(i+1)))
			}
		case "rank", "dense_rank", "percent_rank", "cume_dist":
			rank, dense := 1, 1
			for i, it := range p {
				if i > 0 && !peer(i-1, i) {
					rank = i + 1
					dense++
				}
				switch f.Name {
				case "rank":
					it.row = append(it.row, types.Int(int64(rank)))
				case "dense_rank":
					it.row = append(it.row, types.Int(int64(dense)))
				case "percent_rank":
					v := 0.0
					if n > 1 {
						v = float64(rank-1) / float64(n-1)
					}
					it.row = append(it.row, types.Float(v))
				case "cume_dist":
					j := i
					for j+1 < n && peer(i, j+1) {
						j++
					}
					it.row = append(it.row, types.Float(float64(j+1)/float64(n)))
				}
			}
		case "ntile":
			for i, it := range p {
				b := int64(1)
				if len(it.args) > 0 && it.args[0].Kind() == types.KindInt && it.args[0].Int() > 0 {
					// As PostgreSQL: buckets of n/nb rows, the first n%nb
					// of them one row larger.
					nb, pos := it.args[0].Int(), int64(i)
					size, rem := int64(n)/nb, int64(n)%nb
					if big := rem * (size + 1); pos < big {
						b = pos/(size+1) + 1
					} else {
						b = (pos-big)/size + rem + 1
					}
				}
				it.row = append(it.row, types.Int(b))
			}
		case "lag", "lead":
			for i, it := range p {
				off := int64(1)
				if len(it.args) > 1 && it.args[1].Kind() == types.KindInt {
					off = it.args[1].Int()
				}
				j := int64(i) - off
				if f.Name == "lead" {
					j = int64(i) + off
				}
				v := types.Null
				if j >= 0 && j < int64(n) {
					v = p[j].args[0]
				} else if len(it.args) > 2 {
					v = it.args[2]
				}
				if v.IsUndefined() {
					v = types.Null
				}
				it.row = append(it.row, v)
			}
		default:
			// Aggregates and value functions over a frame.
			for i, it := range p {
				lo, hi, err := o.frame(f, p, i, peer)
				if err != nil {
					return err
				}
				v, err := o.frameValue(f, p, lo, hi)
				if err != nil {
					return err
				}
				it.row = append(it.row, v)
			}
		}
	}
	for i, it := range items {
		rows[i] = it.row
	}
	return nil
}

type winItem struct {
	row   Row
	part  string
	order []types.Value
	args  []types.Value
}

// frame returns the rows [lo, hi) of the frame of row i of partition p.
// Without ORDER BY the frame is the whole partition; with it the default
// is RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW (peers included).
func (o *windowOp) frame(f plan.WindowFunc, p []*winItem, i int, peer func(i, j int) bool) (int, int, error) {
	n := len(p)
	if f.Frame == nil {
		if len(f.OrderBy) == 0 {
			return 0, n, nil
		}
		hi := i + 1
		for hi < n && peer(i, hi) {
			hi++
		}
		return 0, hi, nil
	}
	fr := f.Frame
	offset := func(e plan.Expr) (int, error) {
		if e == nil {
			return 0, nil
		}
		c, ok := e.(*plan.Const)
		if !ok || c.V.Kind() != types.KindInt || c.V.Int() < 0 {
			return 0, sqlerr.New("22013", "frame offset must be a non-negative integer constant")
		}
		return int(c.V.Int()), nil
	}
	bound := func(kind string, e plan.Expr, start bool) (int, error) {
		if fr.Mode == "RANGE" && (kind == "PRECEDING" || kind == "FOLLOWING") {
			return rangeBound(f.OrderBy[0], p, i, kind, e, start, peer)
		}
		off, err := offset(e)
		if err != nil {
			return 0, err
		}
		if fr.Mode != "ROWS" && (kind == "PRECEDING" || kind == "FOLLOWING") {
			return 0, sqlerr.New(sqlerr.FeatureNotSupported, "GROUPS frames with offsets are not supported; use ROWS or RANGE")
		}
		switch kind {
		case "UNBOUNDED PRECEDING":
			return 0, nil
		case "UNBOUNDED FOLLOWING":
			return n, nil
		case "PRECEDING":
			if start {
				return max(0, i-off), nil
			}
			return max(0, i-off+1), nil
		case "FOLLOWING":
			if start {
				return min(n, i+off), nil
			}
			return min(n, i+off+1), nil
		}
		// CURRENT ROW: in RANGE mode, peers count as the current row.
		if fr.Mode == "ROWS" {
			if start {
				return i, nil
			}
			return i + 1, nil
		}
		j := i
		if start {
			for j > 0 && peer(j-1, i) {
				j--
			}
			return j, nil
		}
		for j+1 < n && peer(i, j+1) {
			j++
		}
		return j + 1, nil
	}
	lo, err := bound(fr.StartKind, fr.StartOff, true)
	if err != nil {
		return 0, 0, err
	}
	hi, err := bound(fr.EndKind, fr.EndOff, false)
	if err != nil {
		return 0, 0, err
	}
	if hi < lo {
		hi = lo
	}
	return lo, hi, nil
}

// rangeBound is the bound `off PRECEDING` or `off FOLLOWING` of a RANGE
// frame for row i of partition p, ordered by key alone: the first row
// (start) or the row after the last (end) whose value lies within off of
// row i's, in the ordering's direction. A timestamp's offset is in
// microseconds. The frame of a NULL value is its peers, as in PostgreSQL.
func rangeBound(key plan.SortKey, p []*winItem, i int, kind string, e plan.Expr, start bool, peer func(i, j int) bool) (int, error) {
	c, ok := e.(*plan.Const)
	if !ok || !isNumber(c.V) || fn.Compare("<", c.V, types.Int(0)).Bool() {
		return 0, sqlerr.New("22013", "invalid preceding or following size in window function")
	}
	cur := p[i].order[0]
	if isNull(cur) {
		j := i
		if start {
			for j > 0 && peer(j-1, i) {
				j--
			}
			return j, nil
		}
		for j+1 < len(p) && peer(i, j+1) {
			j++
		}
		return j + 1, nil
	}
	// PRECEDING moves toward the start of the ordering: to smaller values
	// ascending, larger ones descending.
	op := byte('+')
	if (kind == "PRECEDING") != key.Desc {
		op = '-'
	}
	var target types.Value
	switch {
	case cur.Kind() == types.KindTimestamp && c.V.Kind() == types.KindInt:
		d := c.V.Int()
		if op == '-' {
			d = -d
		}
		target = types.Timestamp(cur.Micros() + d)
	case isNumber(cur):
		var err error
		if target, err = fn.Arith(op, cur, c.V); err != nil {
			return 0, err
		}
	default:
		return 0, sqlerr.New(sqlerr.FeatureNotSupported, "RANGE with an offset orders by numbers or timestamps, not %s", cur.Kind())
	}
	// pos compares row j's value with target in the ordering's direction;
	// NULLs lie at the end the ordering puts them.
	pos := func(j int) int {
		v := p[j].order[0]
		if isNull(v) {
			if key.NullsFirst {
				return -1
			}
			return 1
		}
		r := types.Compare(v, target)
		if key.Desc {
			r = -r
		}
		return r
	}
	if start {
		return sort.Search(len(p), func(j int) bool { return pos(j) >= 0 }), nil
	}
	return sort.Search(len(p), func(j int) bool { return pos(j) > 0 }), nil
}

func isNumber(v types.Value) bool {
	return v.Kind() == types.KindInt || v.Kind() == types.KindFloat
}

func (o *windowOp) frameValue(f plan.WindowFunc, p []*winItem, lo, hi int) (types.Value, error) {
	switch f.Name {
	case "first_value":
		if lo >= hi {
			return types.Null, nil
		}
		return p[lo].args[0], nil
	case "last_value":
		if lo >= hi {
			return types.Null, nil
		}
		return p[hi-1].args[0], nil
	case "nth_value":
		k := int64(1)
		if len(p[0].args) > 1 && p[0].args[1].Kind() == types.KindInt {
			k = p[0].args[1].Int()
		}
		if int64(lo)+k-1 < int64(hi) && k >= 1 {
			return p[lo+int(k)-1].args[0], nil
		}
		return types.Null, nil
	}
	spec := &aggSpec{call: plan.AggCall{Name: f.Name, Distinct: f.Distinct, Star: len(f.Args) == 0}}
	acc := spec.newAcc()
	for j := lo; j < hi; j++ {
		args := p[j].args
		if len(args) == 0 {
			args = []types.Value{types.Int(1)}
		}
		if err := acc.add(args); err != nil {
			return types.Value{}, err
		}
	}
	return acc.result()
}
