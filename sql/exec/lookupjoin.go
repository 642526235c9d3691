package exec

import (
	"context"

	"github.com/basaltdb/basalt/index"
	"github.com/basaltdb/basalt/sql/plan"
	"github.com/basaltdb/basalt/types"
)

// lookupJoinOp is an index lookup join: for each batch of left rows it
// scans only the right rows whose key equals one of the batch's keys (by
// `_id` in the row store, else by the inverted index) and hash-joins the
// batch with them.
type lookupJoinOp struct {
	q     *Query
	n     *plan.Join
	right *plan.Scan
	left  Operator
	join  *joinOp // the hash join of the current batch
	rst   *NodeStats
}

func (q *Query) newLookupJoin(n *plan.Join) (Operator, error) {
	// The hash join compiles keys and condition; its inputs are set per
	// batch.
	j, err := q.newHashJoin(n)
	if err != nil {
		return nil, err
	}
	rst := &NodeStats{}
	q.stats[n.Right] = rst
	o := &lookupJoinOp{q: q, n: n, right: n.Right.(*plan.Scan), left: j.left, join: j, rst: rst}
	j.left = nil // no batch yet
	return o, nil
}

func (o *lookupJoinOp) Next(ctx context.Context) ([]Row, error) {
	for {
		if o.join.left != nil {
			b, err := o.join.Next(ctx)
			if err != nil || b != nil {
				return b, err
			}
		}
		lb, err := o.left.Next(ctx)
		if err != nil || lb == nil {
			return nil, err
		}
		right, err := o.lookup(lb)
		if err != nil {
			return nil, err
		}
		j := o.join
		j.left, j.right = &rowsOp{rows: lb}, right
		j.built, j.finished, j.out = false, false, j.out[:0]
	}
}

// lookup returns a scan of the right rows matching the keys of rows.
func (o *lookupJoinOp) lookup(rows []Row) (Operator, error) {
	var keys []types.Value
	seen := map[string]bool{}
	for _, r := range rows {
		ok, err := o.join.key(r, o.join.lkeys)
		if err != nil {
			return nil, err
		}
		if !ok || seen[string(o.join.kbuf)] {
			continue
		}
		seen[string(o.join.kbuf)] = true
		keys = append(keys, own(o.join.kv[0]))
	}
	s := *o.right
	if o.n.LookupPath == "_id" {
		s.IDs = []string{}
		for _, k := range keys {
			if k.Kind() == types.KindString {
				s.IDs = append(s.IDs, k.Str())
			}
		}
	} else {
		// The hash join decides equality; the lookup must only not miss
		// a row: ask for an integral number as int and as float.
		var vals []types.Value
		for _, k := range keys {
			vals = append(vals, k)
			switch k.Kind() {
			case types.KindInt:
				vals = append(vals, types.Float(float64(k.Int())))
			case types.KindFloat:
				if f := k.Float(); f == float64(int64(f)) {
					vals = append(vals, types.Int(int64(f)))
				}
			}
		}
		if !scalarKeys(vals) {
			return &rowsOp{}, nil
		}
		s.Index = append(append([]plan.IndexPred(nil), s.Index...), plan.IndexPred{Path: o.n.LookupPath, Pred: index.In(vals...)})
	}
	if len(keys) == 0 {
		return &rowsOp{}, nil
	}
	sc, err := o.q.newScan(&s)
	if err != nil {
		return nil, err
	}
	sc.(*scanOp).st = o.rst
	return &counting{in: sc, st: &NodeStats{}}, nil
}

// scalarKeys reports whether every value can be looked up in the index
// (arrays and objects are not index terms).
func scalarKeys(vs []types.Value) bool {
	for _, v := range vs {
		if !v.Kind().IsScalar() {
			return false
		}
	}
	return len(vs) > 0
}
