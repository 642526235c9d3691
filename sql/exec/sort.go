package exec

import (
	"cmp"
	"container/heap"
	"context"
	"sort"

	"github.com/basaltdb/basalt/sql/plan"
	"github.com/basaltdb/basalt/types"
)

// compareKeys orders two key tuples: NULL and undefined sort as PostgreSQL
// places NULLs (last ascending, first descending, unless NULLS FIRST/LAST
// says otherwise); other values in the fixed cross-type order of
// types.Compare, except that arrays order as sortCompare says.
func compareKeys(a, b []types.Value, keys []plan.SortKey) int {
	for i, k := range keys {
		x, y := a[i], b[i]
		xn, yn := isNull(x), isNull(y)
		var c int
		switch {
		case xn && yn:
			c = 0
		case xn:
			c = 1
			if k.NullsFirst {
				c = -1
			}
		case yn:
			c = -1
			if k.NullsFirst {
				c = 1
			}
		default:
			c = sortCompare(x, y)
			if k.Desc {
				c = -c
			}
		}
		if c != 0 {
			return c
		}
	}
	return 0
}

// sortCompare is types.Compare, but arrays compare as PostgreSQL's arrays
// and records do: element by element, a NULL (or undefined) element after
// every other value, then by length. So the sequence column of a SEARCH
// clause, an array of arrays where PostgreSQL has an array of records,
// orders rows as PostgreSQL orders them.
func sortCompare(x, y types.Value) int {
	if x.Kind() != types.KindArray || y.Kind() != types.KindArray {
		return types.Compare(x, y)
	}
	xs, ys := x.Elems(), y.Elems()
	for i := 0; i < len(xs) && i < len(ys); i++ {
		xn, yn := isNull(xs[i]), isNull(ys[i])
		var c int
		switch {
		case xn && yn:
		case xn:
			c = 1
		case yn:
			c = -1
		default:
			c = sortCompare(xs[i], ys[i])
		}
		if c != 0 {
			return c
		}
	}
	return cmp.Compare(len(xs), len(ys))
}

type sortOp struct {
	q     *Query
	in    Operator
	keys  []plan.SortKey
	exprs []evalFn
	limit int64
	out   *rowsOp
}

func (q *Query) newSort(n *plan.Sort) (Operator, error) {
	if p, s, ok := topNInput(n); ok {
		return q.newTopNScan(n, p, s)
	}
	if a, top := aggTopOf(n); a != nil {
		if q.aggTops == nil {
			q.aggTops = map[*plan.Aggregate]*aggTop{}
		}
		q.aggTops[a] = top
	}
	in, err := q.build(n.Input)
	if err != nil {
		return nil, err
	}
	lay := layoutOf(n.Input.Cols())
	o := &sortOp{q: q, in: in, keys: n.Keys, limit: n.Limit}
	for _, k := range n.Keys {
		f, err := q.compile(k.Expr, lay)
		if err != nil {
			return nil, err
		}
		o.exprs = append(o.exprs, f)
	}
	return o, nil
}

type keyed struct {
	key []types.Value
	row Row
	seq int
}

// topHeap keeps the Limit smallest rows, the largest on top.
type topHeap struct {
	items []keyed
	keys  []plan.SortKey
}

func (h *topHeap) Len() int { return len(h.items) }
func (h *topHeap) Less(i, j int) bool {
	return h.less(h.items[j], h.items[i])
}
func (h *topHeap) less(a, b keyed) bool {
	c := compareKeys(a.key, b.key, h.keys)
	return c < 0 || (c == 0 && a.seq < b.seq)
}
func (h *topHeap) Swap(i, j int) { h.items[i], h.items[j] = h.items[j], h.items[i] }
func (h *topHeap) Push(x any)    { h.items = append(h.items, x.(keyed)) }
func (h *topHeap) Pop() any {
	x := h.items[len(h.items)-1]
	h.items = h.items[:len(h.items)-1]
	return x
}

func (o *sortOp) Next(ctx context.Context) ([]Row, error) {
	if o.out != nil {
		return o.out.Next(ctx)
	}
	h := &topHeap{keys: o.keys}
	seq := 0
	for {
		b, err := o.in.Next(ctx)
		if err != nil {
			return nil, err
		}
		if b == nil {
			break
		}
		for _, r := range b {
			k := make([]types.Value, len(o.exprs))
			for i, f := range o.exprs {
				v, err := f(r)
				if err != nil {
					return nil, err
				}
				k[i] = v
			}
			it := keyed{key: k, seq: seq}
			seq++
			if o.limit > 0 && int64(h.Len()) >= o.limit {
				if !h.less(it, h.items[0]) {
					continue
				}
				it.row = append(Row(nil), r...)
				h.items[0] = it
				heap.Fix(h, 0)
				continue
			}
			it.row = append(Row(nil), r...)
			if err := o.q.mem.grow(rowBytes(it.row) + 24); err != nil {
				return nil, err
			}
			if o.limit > 0 {
				heap.Push(h, it)
			} else {
				h.items = append(h.items, it)
			}
		}
	}
	items := h.items
	sort.SliceStable(items, func(i, j int) bool { return h.less(items[i], items[j]) })
	rows := make([]Row, len(items))
	for i, it := range items {
		rows[i] = it.row
	}
	o.out = &rowsOp{rows: rows}
	return o.out.Next(ctx)
}

type distinctOp struct {
	in   Operator
	on   []evalFn
	seen map[string]bool
	buf  []byte
	kv   []types.Value
	out  []Row
	q    *Query
}

func (q *Query) newDistinct(n *plan.Distinct) (Operator, error) {
	in, err := q.build(n.Input)
	if err != nil {
		return nil, err
	}
	o := &distinctOp{in: in, seen: map[string]bool{}, q: q}
	lay := layoutOf(n.Input.Cols())
	for _, e := range n.On {
		f, err := q.compile(e, lay)
		if err != nil {
			return nil, err
		}
		o.on = append(o.on, f)
	}
	return o, nil
}

func (o *distinctOp) Next(ctx context.Context) ([]Row, error) {
	for {
		b, err := o.in.Next(ctx)
		if err != nil || b == nil {
			return nil, err
		}
		o.out = o.out[:0]
		for _, r := range b {
			if o.on != nil {
				o.kv = o.kv[:0]
				for _, f := range o.on {
					v, err := f(r)
					if err != nil {
						return nil, err
					}
					o.kv = append(o.kv, v)
				}
				o.buf = rowKey(o.buf[:0], o.kv)
			} else {
				o.buf = rowKey(o.buf[:0], r)
			}
			if o.seen[string(o.buf)] {
				continue
			}
			if err := o.q.mem.grow(int64(len(o.buf) + 16)); err != nil {
				return nil, err
			}
			o.seen[string(o.buf)] = true
			o.out = append(o.out, r)
		}
		if len(o.out) > 0 {
			return o.out, nil
		}
	}
}
