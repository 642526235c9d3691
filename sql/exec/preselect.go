package exec

import (
	"context"
	"slices"

	"github.com/basaltdb/basalt/index"
	"github.com/basaltdb/basalt/sql/plan"
	"github.com/basaltdb/basalt/types"
)

// preselectTop restricts the scan of a grouped aggregate under a top-N
// sort by COUNT(*) to the groups that sort can keep, when a costly
// aggregate (a percentile, which takes in every value of its group) would
// otherwise fold every row: the inverted index gives each value's live
// rows, so the groups whose count reaches the N-th largest are known
// before the scan, which then reads only their rows (an index lookup of
// those values). The groups it leaves out count fewer rows than every
// group kept, so the sort keeps what it would have kept; ties at the N-th
// count are all kept. "The p95 latency of the ten busiest of a thousand
// pages" then folds the half of the rows that are those pages'.
func (o *aggScanOp) preselectTop(ctx context.Context) error {
	path, limit, ok := o.preselectable()
	if !ok {
		return nil
	}
	type total struct {
		v    types.Value
		rows int
	}
	totals := map[string]*total{}
	var key []byte
	all := 0
	for _, v := range o.scan.segs {
		if v.NumRows() == 0 {
			continue
		}
		// Reading the terms costs less than folding the rows left out
		// when values repeat (or are few).
		if terms := v.NumTerms(path); terms == 0 || terms > max(v.NumRows()/preselectRatio, preselectTerms) {
			return nil
		}
		vals, ok, err := v.ValueCounts(path, true)
		if err != nil || !ok {
			return err
		}
		live, err := v.LiveCounts(nil, path, vals, upTo(len(vals)), false)
		if err != nil {
			return err
		}
		for i, lc := range live {
			if lc.Rows == 0 {
				continue
			}
			key = appendKey(key[:0], vals[i].Value)
			t := totals[string(key)]
			if t == nil {
				t = &total{v: vals[i].Value}
				totals[string(key)] = t
			}
			t.rows += lc.Rows
			all += lc.Rows
		}
		if err := ctx.Err(); err != nil {
			return err
		}
	}
	if int64(len(totals)) <= limit {
		return nil
	}
	ranked := make([]*total, 0, len(totals))
	for _, t := range totals {
		ranked = append(ranked, t)
	}
	slices.SortFunc(ranked, func(a, b *total) int { return b.rows - a.rows })
	least := ranked[limit-1].rows
	var keep []types.Value
	kept := 0
	for _, t := range ranked {
		if t.rows < least {
			break
		}
		keep = append(keep, t.v)
		kept += t.rows
	}
	if kept > all*3/4 {
		return nil // a lookup of most rows saves little over the scan
	}
	o.scan.lookups = append(o.scan.lookups, plan.IndexPred{Path: path, Pred: index.In(keep...), Exact: true})
	o.scan.st.TopGroups = int64(len(keep))
	return nil
}

// preselectTop reads the values of segments with at least preselectRatio
// rows per distinct value, or at most preselectTerms values.
const (
	preselectRatio = 4
	preselectTerms = 4096
)

// preselectable reports whether preselectTop applies, and with which
// column path and limit: a top-N sort by one COUNT(*), descending, over
// an aggregate grouped by one column of a plain scan (no filter, index
// lookup or time range) with a costly aggregate.
func (o *aggScanOp) preselectable() (string, int64, bool) {
	top := o.q.aggTops[o.n]
	d := o.directPlan()
	s := o.scan.n
	if top == nil || d == nil || !heavyAggs(o.n.Aggs) || len(d.keyVecs) != 1 || d.keyVecs[0] < 0 || d.truncVec >= 0 ||
		s.Filter != nil || len(s.Index) > 0 || s.HasTime || s.IDs != nil || s.Limit > 0 || o.q.ScanCounts ||
		len(top.keys) != 1 || !top.keys[0].Desc || top.limit <= 0 {
		return "", 0, false
	}
	a := top.cols[0] - len(o.n.KeyCols)
	if a < 0 {
		return "", 0, false
	}
	if c := o.n.Aggs[a]; c.Name != "count" || !c.Star || c.Distinct || c.Filter != nil {
		return "", 0, false
	}
	return o.scan.paths[d.keyVecs[0]], top.limit, true
}
