package exec

import (
	"container/heap"

	"github.com/basaltdb/basalt/sql/plan"
	"github.com/basaltdb/basalt/types"
)

// aggTop is what a top-N sort over an aggregate tells it: only the groups
// that will survive the sort need the results that are costly to work out
// (percentiles select among all their group's values). "The p95 latency of
// the ten busiest of a thousand pages" then selects ten times, not a
// thousand. The sort keys read only group keys and cheap aggregates.
type aggTop struct {
	keys  []plan.SortKey
	cols  []int // per key, its column of the aggregate's rows
	limit int64
}

// aggTopOf returns the hint of top-N sort n for the aggregate under it
// (directly or under a projection that only renames), nil when there is
// none to give.
func aggTopOf(n *plan.Sort) (*plan.Aggregate, *aggTop) {
	if n.Limit <= 0 {
		return nil, nil
	}
	var rename map[plan.ColID]plan.ColID // nil: no projection
	in := n.Input
	if p, ok := in.(*plan.Project); ok {
		rename = map[plan.ColID]plan.ColID{}
		for i, e := range p.Exprs {
			if c, ok := e.(*plan.ColRef); ok {
				rename[p.Out[i]] = c.ID
			}
		}
		in = p.Input
	}
	a, ok := in.(*plan.Aggregate)
	if !ok || !heavyAggs(a.Aggs) {
		return nil, nil
	}
	pos := map[plan.ColID]int{}
	for i, c := range a.Cols() {
		pos[c] = i
	}
	top := &aggTop{keys: n.Keys, limit: n.Limit}
	for _, k := range n.Keys {
		c, ok := k.Expr.(*plan.ColRef)
		if !ok {
			return nil, nil
		}
		id := c.ID
		if rename != nil {
			if id, ok = rename[c.ID]; !ok {
				return nil, nil
			}
		}
		i, ok := pos[id]
		if !ok || (i >= len(a.KeyCols) && heavyAgg(a.Aggs[i-len(a.KeyCols)].Name)) {
			return nil, nil
		}
		top.cols = append(top.cols, i)
	}
	return a, top
}

// heavyAgg reports whether aggregate name's result is costly to work out
// (a selection among the group's values).
func heavyAgg(name string) bool {
	switch name {
	case "percentile_cont", "percentile_disc", "approx_percentile":
		return true
	}
	return false
}

func heavyAggs(aggs []plan.AggCall) bool {
	for _, a := range aggs {
		if heavyAgg(a.Name) {
			return true
		}
	}
	return false
}

// topGroups returns the groups of t (in t's order) that top keeps: cheap
// results are worked out for every group, the sort keys compared as the
// sort above will (ties to the earlier group), and the rest dropped.
func (t *groupTable) topGroups(top *aggTop) ([]*group, error) {
	h := &topHeap{keys: top.keys}
	for seq, g := range t.order {
		k := make([]types.Value, len(top.cols))
		for i, c := range top.cols {
			if c < len(t.keys) {
				k[i] = g.key[c]
				continue
			}
			v, err := g.accs[c-len(t.keys)].result()
			if err != nil {
				return nil, err
			}
			k[i] = v
		}
		it := keyed{key: k, seq: seq}
		if int64(h.Len()) < top.limit {
			heap.Push(h, it)
		} else if h.less(it, h.items[0]) {
			h.items[0] = it
			heap.Fix(h, 0)
		}
	}
	keep := make([]bool, len(t.order))
	for _, it := range h.items {
		keep[it.seq] = true
	}
	out := make([]*group, 0, len(h.items))
	for i, g := range t.order {
		if keep[i] {
			out = append(out, g)
		}
	}
	return out, nil
}
