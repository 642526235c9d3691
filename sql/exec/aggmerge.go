package exec

import (
	"context"
	"runtime"

	"github.com/basaltdb/basalt/sql/plan"
	"github.com/basaltdb/basalt/types"
)

// merger is an accumulator that can fold in another's partial state (of
// the same aggregate), so workers can aggregate segments apart and combine
// their groups at the end.
type merger interface {
	merge(other accumulator)
}

// mergeable reports whether accumulators like a can be merged.
func mergeable(a accumulator) bool {
	switch a := a.(type) {
	case *distinctAcc:
		return false
	case *orderedAcc:
		// Percentiles only read the values; other ordered aggregates
		// would see ties in the order the workers happened to merge.
		_, ok := a.in.(*percentileAcc)
		return ok
	case *listAcc, *byAcc, *anyAcc:
		// ARRAY_AGG keeps the scan's order, MAX_BY and ANY_VALUE its
		// first row among ties: one worker keeps them deterministic.
		return false
	case merger:
		return true
	}
	return false
}

func (a *countAcc) merge(o accumulator)   { a.n += o.(*countAcc).n }
func (a *countIfAcc) merge(o accumulator) { a.n += o.(*countIfAcc).n }

func (a *sumAcc) merge(o accumulator) {
	b := o.(*sumAcc)
	ivs := mergeIntervals(a.ivs, b.ivs)
	defer func() { a.ivs = ivs }()
	if !b.any {
		return
	}
	if !a.any {
		*a = *b
		return
	}
	if !a.isFloat && !b.isFloat {
		s := a.i + b.i
		if (s > a.i) == (b.i > 0) || b.i == 0 {
			a.i = s
			return
		}
	}
	x, y := a.f, b.f
	if !a.isFloat {
		x = float64(a.i)
	}
	if !b.isFloat {
		y = float64(b.i)
	}
	a.isFloat, a.f = true, x+y
}

// merge combines Welford states (Chan et al.'s parallel formula).
func (a *statsAcc) merge(o accumulator) {
	b := o.(*statsAcc)
	ivs, ivn := mergeIntervals(a.ivs, b.ivs), a.ivn+b.ivn
	defer func() { a.ivs, a.ivn = ivs, ivn }()
	if b.n == 0 {
		return
	}
	if a.n == 0 {
		*a = *b
		return
	}
	n := a.n + b.n
	d := b.mean - a.mean
	a.mean += d * b.n / n
	a.m2 += b.m2 + d*d*a.n*b.n/n
	a.sum += b.sum
	a.n = n
}

func (a *minMaxAcc) merge(o accumulator) {
	b := o.(*minMaxAcc)
	if b.has {
		a.add([]types.Value{b.v})
	}
}

func (a *boolAcc) merge(o accumulator) {
	b := o.(*boolAcc)
	if b.has {
		a.add([]types.Value{types.Bool(b.v)})
	}
}

func (h *hll) merge(o accumulator) {
	for i, r := range o.(*hll).reg {
		if r > h.reg[i] {
			h.reg[i] = r
		}
	}
}

func (a *percentileAcc) merge(o accumulator) {
	b := o.(*percentileAcc)
	if !a.set {
		a.frac, a.set = b.frac, b.set
		a.fracs, a.multi, a.nullFrac, a.fracErr = b.fracs, b.multi, b.nullFrac, b.fracErr
	}
	a.vals = append(a.vals, b.vals...)
	a.raw = append(a.raw, b.raw...)
	a.ivs = append(a.ivs, b.ivs...)
}

// finisher is an accumulator with work to do on its partial state before
// a merge (COUNT(DISTINCT) folds its keys), best done by the worker's
// core rather than by the one merging.
type finisher interface {
	finish()
}

// mergeTables folds the workers' partial tables into the first one: each
// partial state is finished in parallel, then merged.
func mergeTables(ctx context.Context, ts []*groupTable) error {
	// With many groups, merging them a goroutine per core already spreads
	// the work: finishing first would fold each group's keys twice.
	if len(ts) > 1 && !(ts[0].heavyMerges() && len(ts[0].order) >= 4*len(ts)) {
		err := runWorkers(ctx, len(ts), len(ts), func(_, i int) error {
			for _, g := range ts[i].order {
				for _, a := range g.accs {
					if f, ok := a.(finisher); ok {
						f.finish()
					}
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	if len(ts) > 1 && ts[0].heavyMerges() {
		return ts[0].mergeParallel(ctx, ts[1:])
	}
	for _, t := range ts[1:] {
		ts[0].merge(t)
	}
	return nil
}

// heavyMerges reports whether merging a group's partial states costs more
// than finding the group: distinct keys and percentile values are merged
// whole, sums are one addition.
func (t *groupTable) heavyMerges() bool {
	for _, s := range t.specs {
		if heavyAgg(s.call.Name) || s.call.Distinct || s.call.Name == "array_agg" || s.call.Name == "string_agg" {
			return true
		}
	}
	return false
}

// mergeParallel is merge of every table of os into t with the partial
// states of each group merged by a goroutine per core: COUNT(DISTINCT) by
// ten event types merged two workers' million keys on one core.
func (t *groupTable) mergeParallel(ctx context.Context, os []*groupTable) error {
	var into []*group
	from := map[*group][]*group{}
	for _, o := range os {
		for _, og := range o.order {
			g := t.adopt(og)
			if g == nil {
				continue
			}
			if from[g] == nil {
				into = append(into, g)
			}
			from[g] = append(from[g], og)
		}
	}
	return runWorkers(ctx, runtime.GOMAXPROCS(0), len(into), func(_, i int) error {
		g := into[i]
		for _, og := range from[g] {
			for k, a := range g.accs {
				a.(merger).merge(og.accs[k])
			}
		}
		return nil
	})
}

// mergeIntervals adds two partial sums of intervals (either may be none).
// A sum that overflows becomes NULL: merges report no errors, and no
// interval sum near 2^63 microseconds (292,000 years) is a real one.
func mergeIntervals(a, b types.Value) types.Value {
	if b.Kind() != types.KindInterval {
		return a
	}
	s, err := addToIntervalSum(a, b)
	if err != nil {
		return types.Null
	}
	return s
}

// mergedRows merges the workers' tables of aggregate n into the first and
// returns its rows, the groups in the order of their first rows (by
// position in the snapshot, however the workers met them) when sorted.
func (q *Query) mergedRows(ctx context.Context, n *plan.Aggregate, tables []*groupTable, sorted bool) ([]Row, error) {
	if err := mergeTables(ctx, tables); err != nil {
		return nil, err
	}
	if sorted {
		tables[0].sortByFirst()
	}
	tables[0].top = q.aggTops[n]
	return tables[0].rows()
}
