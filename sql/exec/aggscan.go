package exec

import (
	"context"
	"runtime"
	"slices"
	"strings"

	"github.com/basaltdb/basalt/coldata"
	"github.com/basaltdb/basalt/index"
	"github.com/basaltdb/basalt/sql/fn"
	"github.com/basaltdb/basalt/sql/plan"
	"github.com/basaltdb/basalt/storage"
	"github.com/basaltdb/basalt/types"
)

// aggScanOp is a hash aggregate fused with the scan beneath it. Workers, one
// per core, take the snapshot's segments in turn and fold the rows of their
// column batches straight into their own group tables: rows are read in
// place (strings aliasing the block buffers) instead of being copied out of
// the scan one by one, and only what a group keeps is copied. The workers'
// partial groups are merged at the end. Aggregates whose partial states
// cannot be merged (ARRAY_AGG, ordered aggregates, …) run on one worker.
type aggScanOp struct {
	q    *Query
	n    *plan.Aggregate
	scan *scanOp
	out  *rowsOp
}

// fusable reports whether aggregate n over scan s can run as an aggScanOp:
// the scan reads segments (not `_id` lookups), and nothing evaluates a
// subquery, whose operators are not safe to share between workers.
func fusable(n *plan.Aggregate, s *plan.Scan) bool {
	if s.IDs != nil || s.Limit > 0 {
		return false
	}
	exprs := append([]plan.Expr{s.Filter}, n.Keys...)
	for _, a := range n.Aggs {
		exprs = append(exprs, a.Args...)
		exprs = append(exprs, a.Filter)
		for _, k := range a.OrderBy {
			exprs = append(exprs, k.Expr)
		}
	}
	return !hasSubquery(exprs)
}

func (q *Query) newAggScan(n *plan.Aggregate, s *plan.Scan) (Operator, error) {
	st := &NodeStats{}
	q.stats[s] = st
	sc, err := q.newScan(s)
	if err != nil {
		return nil, err
	}
	o := &aggScanOp{q: q, n: n, scan: sc.(*scanOp)}
	o.scan.st = st
	o.scan.lazy = o.lazyPaths()
	return o, nil
}

// lazyPaths marks the scan paths that only filter conjuncts a zone map can
// prove read (`_event_time > x` under a GROUP BY of other columns), and the
// timestamp of COUNT(*)s by date_trunc buckets: blocks the zone map answers
// for never decode them. nil when there are none, or when rows are read
// whole (expression keys, row-wise filter conjuncts).
func (o *aggScanOp) lazyPaths() []bool {
	d := o.directPlan()
	if d == nil {
		return nil
	}
	bucketed := d.truncVec >= 0 && d.truncWidth > 0 && onlyCountStars(o.n.Aggs)
	if d.keyExprs && !bucketed {
		return nil
	}
	f, err := o.scan.compileVecFilter(o.q, o.scan.n.Filter)
	if err != nil || f != nil && f.rest != nil {
		return nil
	}
	lazy := make([]bool, len(o.scan.paths))
	if f != nil {
		for _, k := range f.kernels {
			if k.path != "" {
				lazy[k.vec] = true
			}
		}
		for _, k := range f.kernels {
			if k.path == "" {
				lazy[k.vec] = false
			}
		}
	}
	for _, v := range slices.Concat(d.keyVecs, d.argVecs) {
		if v >= 0 {
			lazy[v] = false
		}
	}
	if d.truncVec >= 0 {
		lazy[d.truncVec] = bucketed
	}
	if !slices.Contains(lazy, true) {
		return nil
	}
	return lazy
}

// onlyCountStars reports whether every aggregate is COUNT(*).
func onlyCountStars(aggs []plan.AggCall) bool {
	for _, a := range aggs {
		if a.Name != "count" || !a.Star || a.Distinct || a.Filter != nil {
			return false
		}
	}
	return true
}

// aggWorker aggregates the segments it takes into its own table.
type aggWorker struct {
	scan   *scanOp
	filter *vecFilter
	scans  workerScan
	table  *groupTable
	row    Row
	st     NodeStats
	// direct, when set, reads keys and arguments from the batch's
	// vectors rather than through compiled expressions.
	direct *directAgg
	kvals  []types.Value
	arg    []types.Value
	rows   []int    // the batch rows that passed the filter
	gs     []*group // their groups
	only   *group   // the group of an aggregate without keys
	// Groups by a single key's raw value, for vectors of one kind.
	strGroups map[string]*group
	intGroups map[int64]*group
	// bucketCounts and bucketFirsts are countByBucket's scratch: per
	// bucket of a batch, its rows and its first row.
	bucketCounts []int32
	bucketFirsts []int
	dictGroups   []*group // per dictionary entry of the current batch
	// Groups of several keys by their ids (groupsByIDs): strIDs numbers
	// the key strings, codeIDs the current batch's dictionary entries.
	idGroups map[idKey]*group
	strIDs   map[string]int64
	codeIDs  [maxIDKeys][]int64
	// onlyCounts: every aggregate is COUNT(*), so countByCode applies.
	onlyCounts bool
	// permute: the aggregates do not depend on the order of their rows
	// (COUNT, PERCENTILE_CONT), so a dictionary-coded batch is folded in
	// code order, each group's rows together (sortByCode).
	permute bool
	perm    []int
	// bucketed: COUNT(*)s by date_trunc of a lazily read timestamp; a
	// block whose zone lies in one bucket is counted without reading it.
	bucketed   bool
	truncZones []index.Zone
	// liveBuf is countFromIndex's LiveCounts memory, reused segment to
	// segment (an allocation a segment was a fifth of a LIKE count's time
	// under ingest, collections included).
	liveBuf    []storage.LiveCount
	dictKeys   [][2]uint64 // COUNT(DISTINCT) keys per dictionary entry
	codeCounts []int
	codeFirst  []int
	seg        int64 // the segment being read, shifted for group.first
}

// directAgg maps keys and aggregate arguments that are plain columns to
// the batch vectors holding them.
type directAgg struct {
	keyVecs  []int // -1: an expression, evaluated on the row
	keyExprs bool
	argVecs  []int // -1: no argument (COUNT(*))
	// lead are constant arguments before the column's value, per aggregate
	// (the fraction of a percentile).
	lead [][]types.Value
	// A single key date_trunc(unit, <timestamp column>), time_bucket or
	// date_bin of constants and the column: truncVec is the column's
	// vector, else -1; trunc gives a timestamp's bucket.
	truncVec   int
	trunc      func(int64) (int64, error)
	truncWidth int64 // the buckets' fixed width (fn.TruncWidth), 0 when none
	// With several keys, per key: the vector and bucket function of one
	// of those calls, or -1 and nil.
	keyTruncVecs []int
	keyTruncs    []func(int64) (int64, error)
}

// truncKey returns, for a key date_trunc(unit, col), time_bucket(width,
// col[, origin]) or date_bin(stride, col, origin) with the other arguments
// constants and col a scan column read from a vector, that vector, the
// bucket of a timestamp, and the buckets' fixed width (0 when none: months);
// -1 for any other key.
func truncKey(k plan.Expr, vec func(plan.Expr) int) (int, func(int64) (int64, error), int64) {
	c, ok := k.(*plan.Call)
	if !ok || len(c.Args) < 2 {
		return -1, nil, 0
	}
	v := vec(c.Args[1])
	if v < 0 {
		return -1, nil, 0
	}
	switch c.Fn.Name {
	case "date_trunc":
		u, ok := c.Args[0].(*plan.Const)
		if !ok || u.V.Kind() != types.KindString || len(c.Args) != 2 {
			return -1, nil, 0
		}
		unit := u.V.Str()
		if _, err := fn.TruncTimestamp(unit, 0); err != nil {
			return -1, nil, 0
		}
		width, _ := fn.TruncWidth(unit)
		return v, func(ts int64) (int64, error) { return fn.TruncTimestamp(unit, ts) }, width
	case "time_bucket", "date_bin":
		args := make([]types.Value, len(c.Args))
		for i, a := range c.Args {
			if i == 1 {
				continue
			}
			k, ok := a.(*plan.Const)
			if !ok {
				return -1, nil, 0
			}
			args[i] = k.V
		}
		if trunc, width, ok := fn.Binner(c.Fn.Name, args); ok {
			return v, trunc, width
		}
	}
	return -1, nil, 0
}

// directPlan returns the vectors of an aggregate whose arguments are all
// scan columns read from one vector, and whose keys are such columns or
// expressions; nil for any other.
func (o *aggScanOp) directPlan() *directAgg {
	lay := layoutOf(o.n.Input.Cols())
	vec := func(e plan.Expr) int {
		c, ok := e.(*plan.ColRef)
		if !ok {
			return -1
		}
		i, ok := lay[c.ID]
		if !ok || len(o.scan.cols[i].children) > 0 {
			return -1
		}
		return o.scan.cols[i].vec
	}
	d := &directAgg{truncVec: -1}
	if len(o.n.Keys) == 1 {
		d.truncVec, d.trunc, d.truncWidth = truncKey(o.n.Keys[0], vec)
	}
	if len(o.n.Keys) > 1 {
		// Keys of several: date_trunc and the like of a column are
		// worked out from its vector (groupsByIDs).
		for _, k := range o.n.Keys {
			v, trunc, _ := truncKey(k, vec)
			d.keyTruncVecs, d.keyTruncs = append(d.keyTruncVecs, v), append(d.keyTruncs, trunc)
		}
	}
	for _, k := range o.n.Keys {
		// An expression key (-1) is evaluated on the row.
		v := vec(k)
		d.keyVecs = append(d.keyVecs, v)
		if v < 0 {
			d.keyExprs = true
		}
	}
	d.lead = make([][]types.Value, len(o.n.Aggs))
	for i, a := range o.n.Aggs {
		if a.Filter != nil {
			return nil
		}
		// percentile_cont(f) WITHIN GROUP (ORDER BY x): the constant
		// fraction leads the column's values.
		if (a.Name == "percentile_cont" || a.Name == "percentile_disc") && len(a.Args) == 1 && len(a.OrderBy) == 1 && !a.Distinct {
			f, ok := a.Args[0].(*plan.Const)
			v := vec(a.OrderBy[0].Expr)
			if !ok || v < 0 {
				return nil
			}
			d.lead[i] = []types.Value{f.V}
			d.argVecs = append(d.argVecs, v)
			continue
		}
		if len(a.OrderBy) > 0 || len(a.Args) > 1 {
			return nil
		}
		v := -1
		if len(a.Args) == 1 {
			if v = vec(a.Args[0]); v < 0 {
				return nil
			}
		}
		d.argVecs = append(d.argVecs, v)
	}
	return d
}

func (o *aggScanOp) newWorker() (*aggWorker, error) {
	lay := layoutOf(o.n.Input.Cols())
	keys, specs, err := o.q.compileAgg(o.n, lay)
	if err != nil {
		return nil, err
	}
	w := &aggWorker{scan: o.scan, table: newGroupTable(o.q.mem, keys, specs), row: make(Row, len(o.scan.cols)), direct: o.directPlan()}
	if w.direct != nil {
		w.onlyCounts, w.permute = onlyCountStars(o.n.Aggs), len(o.n.Keys) == 1
		for _, a := range o.n.Aggs {
			if !(a.Name == "count" && !a.Distinct || a.Name == "percentile_cont") {
				w.permute = false
			}
		}
		if t := w.direct.truncVec; t >= 0 && o.scan.lazy != nil && o.scan.lazy[t] {
			w.bucketed = true
			w.scans.deletedApart = true
		}
		w.kvals = make([]types.Value, len(keys))
		w.arg = make([]types.Value, 1)
		w.strGroups, w.intGroups = map[string]*group{}, map[int64]*group{}
	}
	if w.filter, err = o.scan.compileVecFilter(o.q, o.scan.n.Filter); err != nil {
		return nil, err
	}
	return w, nil
}

// aggWorkers returns how many workers aggregate aggs over segs segments:
// one per core and segment, one when a partial state does not merge.
func aggWorkers(aggs []plan.AggCall, segs int) int {
	n := max(1, min(runtime.GOMAXPROCS(0), segs))
	for _, a := range aggs {
		if !mergeable((&aggSpec{call: a}).newAcc()) {
			return 1
		}
	}
	return n
}

func (o *aggScanOp) Next(ctx context.Context) ([]Row, error) {
	if o.out != nil {
		return o.out.Next(ctx)
	}
	if err := o.scan.init(ctx); err != nil {
		return nil, err
	}
	if err := o.preselectTop(ctx); err != nil {
		return nil, err
	}
	segs := o.scan.segs
	ws, err := newWorkers(aggWorkers(o.n.Aggs, len(segs)), o.newWorker)
	if err != nil {
		return nil, err
	}
	err = runWorkers(ctx, len(ws), len(segs), func(wi, seg int) error {
		return ws[wi].scanSegment(ctx, o.scan, seg, segs[seg])
	})
	if err != nil {
		return nil, err
	}
	for _, w := range ws {
		o.scan.st.addScan(&w.st)
	}
	tables := make([]*groupTable, len(ws))
	for i, w := range ws {
		tables[i] = w.table
	}
	// Groups come out in the order of their first rows, however workers
	// and batch-wise counting met them.
	rows, err := o.q.mergedRows(ctx, o.n, tables, true)
	if err != nil {
		return nil, err
	}
	o.out = &rowsOp{rows: rows}
	return o.out.Next(ctx)
}

// foldDirect filters the selected rows of b less dead (see
// storage.Scanner.Deleted) and folds those that pass.
func (w *aggWorker) foldDirect(b *coldata.Batch, scan *scanOp, dead []int) error {
	if w.bucketed && b.Sel == nil && (w.filter == nil || w.filter.provesAll(b.Start/index.BlockRows)) {
		if vec := &b.Vecs[w.direct.truncVec]; vecKind(vec) == types.KindTimestamp {
			if _, one := w.blockBucket(b.Start / index.BlockRows); !one {
				w.st.Rows += int64(b.Length - len(dead))
				return w.countLiveByBucket(b, vec, dead)
			}
		}
	}
	rows, err := w.keep(b, scan)
	if err != nil {
		return err
	}
	rows = dropDead(rows, dead)
	w.st.Rows += int64(len(rows))
	if len(rows) == 0 {
		return nil
	}
	return w.foldBatch(b, rows)
}

// keep returns the selected rows of b that pass the filter.
func (w *aggWorker) keep(b *coldata.Batch, scan *scanOp) ([]int, error) {
	if w.filter != nil {
		return w.filter.apply(b, func(i int) Row { scan.fill(b, i, w.row); return w.row })
	}
	w.rows = selectedRows(b, w.rows[:0])
	return w.rows, nil
}

// selectedRows appends the selected rows of b to rows.
func selectedRows(b *coldata.Batch, rows []int) []int {
	if b.Sel != nil {
		return append(rows, b.Sel...)
	}
	for i := range b.Length {
		rows = append(rows, i)
	}
	return rows
}

// foldBatch folds the rows of b listed in rows, reading keys and arguments
// from its vectors: first each row's group, then each aggregate over all
// rows, with typed loops for the common aggregates over uniform vectors.
func (w *aggWorker) foldBatch(b *coldata.Batch, rows []int) error {
	if w.onlyCounts && len(w.direct.keyVecs) == 1 && w.direct.keyVecs[0] >= 0 {
		if vec := &b.Vecs[w.direct.keyVecs[0]]; vec.Dict != nil {
			return w.countByCode(b, vec, rows)
		}
	}
	if d := w.direct; w.onlyCounts && d.truncVec >= 0 && d.truncWidth > 0 {
		if start, ok := w.blockBucket(b.Start / index.BlockRows); ok {
			g, err := w.bucketGroup(b, start, rows[0])
			if err != nil {
				return err
			}
			for _, acc := range g.accs {
				acc.(*countAcc).n += int64(len(rows))
			}
			return nil
		}
		if vec := &b.Vecs[d.truncVec]; vecKind(vec) == types.KindTimestamp {
			return w.countByBucket(b, vec, rows)
		}
	}
	gs, err := w.groupsOf(b, rows)
	if err != nil {
		return err
	}
	for a, vi := range w.direct.argVecs {
		if vi < 0 { // COUNT(*)
			for _, g := range gs {
				g.accs[a].(*countAcc).n++
			}
			continue
		}
		vec := &b.Vecs[vi]
		kind, uniform := vec.Uniform()
		switch gs[0].accs[a].(type) {
		case *countAcc:
			if uniform {
				if kind != types.KindNull && kind != types.KindUndefined {
					for _, g := range gs {
						g.accs[a].(*countAcc).n++
					}
				}
				continue
			}
		case *percentileAcc:
			// Once a group has its fraction (from its first row), the
			// values of a numeric vector append as floats.
			if uniform && (kind == types.KindInt || kind == types.KindFloat) && len(w.direct.lead[a]) == 1 {
				lead := append(w.arg[:0], w.direct.lead[a][0], types.Value{})
				w.arg = lead
				for r := 0; r < len(gs); {
					// A run of rows of one group (rows sorted by code
					// come in long runs) appends at once.
					g, end := gs[r], r+1
					for end < len(gs) && gs[end] == g {
						end++
					}
					p := g.accs[a].(*percentileAcc)
					for ; r < end && (!p.set || p.kind == "percentile_disc"); r++ {
						lead[1] = vec.Value(rows[r])
						if err := p.add(lead); err != nil {
							return err
						}
					}
					if r == end {
						continue
					}
					before := len(p.vals)
					p.vals = growFloats(p.vals, end-r)
					if kind == types.KindInt {
						for ; r < end; r++ {
							p.vals = append(p.vals, float64(vec.I64[rows[r]]))
						}
					} else {
						for ; r < end; r++ {
							p.vals = append(p.vals, vec.F64[rows[r]])
						}
					}
					if p.mem != nil {
						if crossed := len(p.vals)/bufferCharge - before/bufferCharge; crossed > 0 {
							if err := p.mem.grow(int64(crossed * bufferCharge * 8)); err != nil {
								return err
							}
						}
					}
				}
				continue
			}
		case *countDistinctAcc:
			if uniform && kind == types.KindString {
				if err := w.distinctStrings(a, vec, rows, gs); err != nil {
					return err
				}
				continue
			}
			if uniform && kind == types.KindInt {
				for r, g := range gs {
					if err := g.accs[a].(*countDistinctAcc).addKey(intKey(vec.I64[rows[r]])); err != nil {
						return err
					}
				}
				continue
			}
		case *statsAcc:
			if uniform && kind == types.KindInt {
				for r, g := range gs {
					g.accs[a].(*statsAcc).addFloat(float64(vec.I64[rows[r]]))
				}
				continue
			}
			if uniform && kind == types.KindFloat {
				for r, g := range gs {
					g.accs[a].(*statsAcc).addFloat(vec.F64[rows[r]])
				}
				continue
			}
		case *minMaxAcc:
			if uniform && (kind == types.KindInt || kind == types.KindTimestamp) {
				for r, g := range gs {
					g.accs[a].(*minMaxAcc).addInt(kind, vec.I64[rows[r]])
				}
				continue
			}
			if uniform && kind == types.KindFloat {
				for r, g := range gs {
					g.accs[a].(*minMaxAcc).addFloat(vec.F64[rows[r]])
				}
				continue
			}
		case *sumAcc:
			if uniform && kind == types.KindInt {
				for r, g := range gs {
					g.accs[a].(*sumAcc).addInt(vec.I64[rows[r]])
				}
				continue
			}
			if uniform && kind == types.KindFloat {
				for r, g := range gs {
					g.accs[a].(*sumAcc).addFloat(vec.F64[rows[r]])
				}
				continue
			}
		}
		lead := w.direct.lead[a]
		arg := append(w.arg[:0], lead...)
		arg = append(arg, types.Value{})
		w.arg = arg
		x := len(lead)
		for r, g := range gs {
			arg[x] = vec.Value(rows[r])
			if err := g.accs[a].add(arg); err != nil {
				return err
			}
		}
	}
	return nil
}

// distinctStrings adds the strings of vec at rows to aggregate a of their
// groups gs, COUNT(DISTINCT): hashed once per dictionary entry when the
// block is dictionary-coded, else once per row.
func (w *aggWorker) distinctStrings(a int, vec *coldata.Vec, rows []int, gs []*group) error {
	if vec.Dict != nil {
		keys := w.dictKeys[:0]
		for _, e := range vec.Dict {
			keys = append(keys, stringKey(e))
		}
		w.dictKeys = keys
		for r, g := range gs {
			if err := g.accs[a].(*countDistinctAcc).addKey(keys[vec.Codes[rows[r]]]); err != nil {
				return err
			}
		}
		return nil
	}
	for r, g := range gs {
		if err := g.accs[a].(*countDistinctAcc).addKey(stringKey(vec.Str[rows[r]])); err != nil {
			return err
		}
	}
	return nil
}

// countByCode folds a batch into COUNT(*) aggregates grouped by one
// dictionary-coded column: rows are counted per code, then each code's
// count goes to its group at once.
func (w *aggWorker) countByCode(b *coldata.Batch, vec *coldata.Vec, rows []int) error {
	counts := w.codeCounts[:0]
	for range vec.Dict {
		counts = append(counts, 0)
	}
	w.codeCounts = counts
	first := w.codeFirst[:0]
	for range vec.Dict {
		first = append(first, -1)
	}
	w.codeFirst = first
	for _, i := range rows {
		c := vec.Codes[i]
		if counts[c] == 0 {
			first[c] = i
		}
		counts[c]++
	}
	for c, n := range counts {
		if n == 0 {
			continue
		}
		i := first[c]
		g := w.strGroups[vec.Dict[c]]
		if g == nil {
			var err error
			if g, err = w.lookup(b, i); err != nil {
				return err
			}
			w.strGroups[g.key[0].Str()] = g
		}
		for _, acc := range g.accs {
			acc.(*countAcc).n += int64(n)
		}
	}
	return nil
}

// groupsOf returns the group of each row, creating groups as needed. A
// single key of one kind per vector looks groups up by its raw string or
// integer before falling back to the encoded key.
func (w *aggWorker) groupsOf(b *coldata.Batch, rows []int) ([]*group, error) {
	t := w.table
	gs := w.gs[:0]
	keys := w.direct.keyVecs
	if len(keys) == 0 {
		if w.only == nil {
			t.pos = w.seg | int64(b.Start+rows[0])
			g, err := t.newGroup("", nil)
			if err != nil {
				return nil, err
			}
			w.only = g
		}
		for range rows {
			gs = append(gs, w.only)
		}
		w.gs = gs
		return gs, nil
	}
	if d := w.direct; d.truncVec >= 0 {
		if vec := &b.Vecs[d.truncVec]; vecKind(vec) == types.KindTimestamp {
			return w.truncGroups(b, vec, rows)
		}
	}
	if len(keys) == 1 && keys[0] >= 0 {
		vec := &b.Vecs[keys[0]]
		if kind, ok := vec.Uniform(); ok && kind == types.KindString && vec.Dict != nil {
			// A dictionary-coded block: find each entry's group once.
			if w.permute {
				w.sortByCode(vec, rows)
			}
			dg := w.dictGroups[:0]
			for range vec.Dict {
				dg = append(dg, nil)
			}
			w.dictGroups = dg
			for _, i := range rows {
				c := vec.Codes[i]
				g := dg[c]
				if g == nil {
					if g = w.strGroups[vec.Str[i]]; g == nil {
						var err error
						if g, err = w.lookup(b, i); err != nil {
							return nil, err
						}
						w.strGroups[g.key[0].Str()] = g
					}
					dg[c] = g
				}
				gs = append(gs, g)
			}
			w.gs = gs
			return gs, nil
		}
		if kind, ok := vec.Uniform(); ok && (kind == types.KindString || kind == types.KindInt) {
			for _, i := range rows {
				var g *group
				if kind == types.KindString {
					g = w.strGroups[vec.Str[i]]
				} else {
					g = w.intGroups[vec.I64[i]]
				}
				if g == nil {
					var err error
					if g, err = w.lookup(b, i); err != nil {
						return nil, err
					}
					if kind == types.KindString {
						w.strGroups[g.key[0].Str()] = g
					} else {
						w.intGroups[vec.I64[i]] = g
					}
				}
				gs = append(gs, g)
			}
			w.gs = gs
			return gs, nil
		}
	}
	if gs, ok, err := w.groupsByIDs(b, rows); ok || err != nil {
		return gs, err
	}
	for _, i := range rows {
		if w.direct.keyExprs {
			w.scan.fill(b, i, w.row)
		}
		g, err := w.lookup(b, i)
		if err != nil {
			return nil, err
		}
		gs = append(gs, g)
	}
	w.gs = gs
	return gs, nil
}

// growFloats returns v with room for n more values, at least doubling its
// capacity when it grows (append grows large slices by a quarter, which
// copies a big group's values many times over).
func growFloats(v []float64, n int) []float64 {
	if cap(v)-len(v) >= n {
		return v
	}
	out := make([]float64, len(v), max(2*cap(v), len(v)+n, 64))
	copy(out, v)
	return out
}

// sortByCode reorders rows by their dictionary code in vec, keeping the
// order of rows with one code: the rows of a group then fold one after the
// other, with its accumulators in cache, instead of hopping between groups.
func (w *aggWorker) sortByCode(vec *coldata.Vec, rows []int) {
	starts := w.codeCounts[:0]
	for range vec.Dict {
		starts = append(starts, 0)
	}
	for _, i := range rows {
		starts[vec.Codes[i]]++
	}
	pos := 0
	for c, n := range starts {
		starts[c] = pos
		pos += n
	}
	perm := w.perm[:0]
	perm = append(perm, rows...)
	for _, i := range rows {
		c := vec.Codes[i]
		perm[starts[c]] = i
		starts[c]++
	}
	copy(rows, perm)
	w.perm, w.codeCounts = perm, starts
}

// vecKind returns the kind of every row of v, undefined when they differ.
func vecKind(v *coldata.Vec) types.Kind {
	if k, ok := v.Uniform(); ok {
		return k
	}
	return types.KindUndefined
}

// countByBucket folds a batch into COUNT(*) aggregates grouped by
// date_trunc of a fixed width over a timestamp vector: the batch's buckets
// are counted in an array from the first one's start, and each group then
// takes its count at once.
func (w *aggWorker) countByBucket(b *coldata.Batch, vec *coldata.Vec, rows []int) error {
	width := w.direct.truncWidth
	lo, hi := vec.I64[rows[0]], vec.I64[rows[0]]
	for _, i := range rows {
		lo, hi = min(lo, vec.I64[i]), max(hi, vec.I64[i])
	}
	base, err := w.direct.trunc(lo)
	if err != nil {
		return err
	}
	// The span in buckets, in unsigned arithmetic: hi - base may not fit an
	// int64.
	span := (uint64(hi) - uint64(base)) / uint64(width)
	if span >= maxBatchBuckets {
		return w.countByBucketRuns(b, vec, rows)
	}
	if span == 1 {
		return w.countTwoBuckets(b, vec, rows, base)
	}
	n := int(span) + 1
	counts := slices.Grow(w.bucketCounts[:0], n)[:n]
	firsts := slices.Grow(w.bucketFirsts[:0], n)[:n]
	clear(counts)
	w.bucketCounts, w.bucketFirsts = counts, firsts
	// A row's bucket is its offset from base times 1/width, rounded down
	// and corrected by one where the product's rounding was off: no
	// division, and no branch the order of the rows could mispredict
	// (offsets below 2^53 are exact in a float64, and span bounds them).
	inv := 1 / float64(width)
	for _, i := range rows {
		d := vec.I64[i] - base
		k := int64(float64(d) * inv)
		if k*width > d {
			k--
		} else if (k+1)*width <= d {
			k++
		}
		if counts[k] == 0 {
			firsts[k] = i
		}
		counts[k]++
	}
	return w.foldBucketCounts(b, base, width, counts, firsts)
}

// countTwoBuckets is countByBucket for a batch whose rows fall in two
// buckets, the one at base and the next, as most blocks of events in time
// order that a zone map does not put in one: a comparison per row, the
// rows before the boundary counted, rather than a bucket found for each.
func (w *aggWorker) countTwoBuckets(b *coldata.Batch, vec *coldata.Vec, rows []int, base int64) error {
	boundary := base + w.direct.truncWidth
	before := 0
	for _, i := range rows {
		if vec.I64[i] < boundary {
			before++
		}
	}
	for k, c := range [2]int{before, len(rows) - before} {
		if c == 0 {
			continue
		}
		first := 0
		for vec.I64[rows[first]] < boundary != (k == 0) {
			first++
		}
		g, err := w.bucketGroup(b, base+int64(k)*w.direct.truncWidth, rows[first])
		if err != nil {
			return err
		}
		for _, acc := range g.accs {
			acc.(*countAcc).n += int64(c)
		}
	}
	return nil
}

// maxBatchBuckets bounds the array of countByBucket: a batch whose rows
// span more buckets (years of seconds) is counted run by run.
const maxBatchBuckets = 1 << 14

// countByBucketRuns is countByBucket for batches of a wide span: the rows
// of a run in one bucket are counted together.
func (w *aggWorker) countByBucketRuns(b *coldata.Batch, vec *coldata.Vec, rows []int) error {
	width := w.direct.truncWidth
	var start, end int64
	run, first := 0, -1
	flush := func() error {
		if run == 0 {
			return nil
		}
		g, err := w.bucketGroup(b, start, first)
		if err != nil {
			return err
		}
		for _, acc := range g.accs {
			acc.(*countAcc).n += int64(run)
		}
		return nil
	}
	for _, i := range rows {
		ts := vec.I64[i]
		if run > 0 && ts >= start && ts < end {
			run++
			continue
		}
		if err := flush(); err != nil {
			return err
		}
		var err error
		if start, err = w.direct.trunc(ts); err != nil {
			return err
		}
		end, run, first = start+width, 1, i
	}
	return flush()
}

// countBlocks counts, for COUNT(*)s by date_trunc buckets, the blocks
// ahead of sc whose every row the zone maps put in one bucket and prove the
// filter for: their rows are counted (SkipBlock), not read, and their
// deleted rows not walked. It stops before the first other block.
func (w *aggWorker) countBlocks(sc *storage.Scanner) error {
	for {
		block, ok := sc.PeekBlock()
		if !ok || w.filter != nil && !w.filter.provesAll(block) {
			return nil
		}
		start, one := w.blockBucket(block)
		if !one {
			return nil
		}
		n, first := sc.SkipBlock()
		w.st.BlocksRead++
		w.st.RowsScanned += int64(n)
		w.st.Rows += int64(n)
		if n == 0 {
			continue
		}
		g, err := w.bucketGroupAt(start, first)
		if err != nil {
			return err
		}
		for _, acc := range g.accs {
			acc.(*countAcc).n += int64(n)
		}
	}
}

// blockBucket returns the date_trunc bucket of every row of block when w
// is bucketed and the block's zone lies in one bucket.
func (w *aggWorker) blockBucket(block int) (int64, bool) {
	first, last, ok := w.blockSpan(block)
	if !w.bucketed || !ok {
		return 0, false
	}
	lo, err1 := w.direct.trunc(first)
	hi, err2 := w.direct.trunc(last)
	return lo, err1 == nil && err2 == nil && lo == hi
}

// bucketGroup returns the group of the bucket starting at start, whose
// first row in the batch is i.
func (w *aggWorker) bucketGroup(b *coldata.Batch, start int64, i int) (*group, error) {
	return w.bucketGroupAt(start, b.Start+i)
}

// bucketGroupAt returns the group of the bucket starting at start, whose
// first row in the segment is row.
func (w *aggWorker) bucketGroupAt(start int64, row int) (*group, error) {
	if g := w.intGroups[start]; g != nil {
		return g, nil
	}
	t := w.table
	t.pos = w.seg | int64(row)
	w.kvals[0] = types.Timestamp(start)
	t.kbuf = appendKey(t.kbuf[:0], w.kvals[0])
	g := t.groups[string(t.kbuf)]
	if g == nil {
		var err error
		if g, err = t.newGroup(string(t.kbuf), w.kvals); err != nil {
			return nil, err
		}
	}
	w.intGroups[start] = g
	return g, nil
}

// truncGroups finds the groups of date_trunc(unit, ts) for a vector of
// timestamps: rows arrive mostly in time order, so most share the previous
// row's bucket; others are found by bucket start.
func (w *aggWorker) truncGroups(b *coldata.Batch, vec *coldata.Vec, rows []int) ([]*group, error) {
	gs := w.gs[:0]
	var last *group
	var lastStart, lastEnd int64
	width := w.direct.truncWidth
	for _, i := range rows {
		ts := vec.I64[i]
		if width > 0 && last != nil && ts >= lastStart && ts < lastEnd {
			// Fixed-width buckets: a row in the previous row's bucket
			// needs no truncation.
			gs = append(gs, last)
			continue
		}
		start, err := w.direct.trunc(ts)
		if err != nil {
			return nil, err
		}
		lastEnd = start + width
		if last == nil || start != lastStart {
			if last, err = w.bucketGroup(b, start, i); err != nil {
				return nil, err
			}
			lastStart = start
		}
		gs = append(gs, last)
	}
	w.gs = gs
	return gs, nil
}

// lookup returns the group of row i by its encoded key.
func (w *aggWorker) lookup(b *coldata.Batch, i int) (*group, error) {
	t := w.table
	t.pos = w.seg | int64(b.Start+i)
	t.kbuf = t.kbuf[:0]
	for j, v := range w.direct.keyVecs {
		if v >= 0 {
			w.kvals[j] = b.Vecs[v].Value(i)
		} else {
			var err error
			if w.kvals[j], err = t.keys[j](w.row); err != nil {
				return nil, err
			}
		}
		t.kbuf = appendKey(t.kbuf, w.kvals[j])
	}
	if g := t.groups[string(t.kbuf)]; g != nil {
		return g, nil
	}
	return t.newGroup(string(t.kbuf), w.kvals)
}

// countFromIndex folds segment v from its inverted index when that alone
// answers: COUNT(*)s grouped by at most one column, where the filter's
// conjuncts are either proven for every row of v by its zone maps or read
// only that column (the only column any conjunct reads, without keys). The
// conjuncts then run once per distinct value of the column, and each
// passing value's rows are counted without reading a block (see
// SegmentView.ValueCounts for when the index has them all). False when the
// segment must be scanned.
func (w *aggWorker) countFromIndex(ctx context.Context, scan *scanOp, v *storage.SegmentView) (bool, error) {
	d := w.direct
	if d == nil || !w.onlyCounts || d.truncVec >= 0 || len(d.keyVecs) > 1 || scan.q.ScanCounts {
		return false, nil
	}
	keyed := len(d.keyVecs) == 1
	col := -1 // the column whose values decide
	if keyed {
		if col = d.keyVecs[0]; col < 0 {
			return false, nil
		}
	}
	if scan.n.HasTime {
		if lo, hi := v.EventTimeRange(); lo < scan.n.TimeLo || hi > scan.n.TimeHi {
			return false, nil
		}
	}
	var pending []int // the conjuncts to run on the values
	if f := w.filter; f != nil {
		if f.rest != nil {
			return false, nil
		}
		f.forSegment(v)
		for k, kn := range f.kernels {
			if f.provesSegment(k, v) {
				continue
			}
			if kn.key == "" {
				// It can fail: on the values of rows it would never
				// meet, perhaps.
				return false, nil
			}
			if col < 0 {
				col = kn.vec
			}
			if kn.vec != col {
				return false, nil
			}
			pending = append(pending, k)
		}
	}
	if len(scan.indexPreds()) > 0 {
		if col >= 0 {
			return false, nil
		}
		// No keys, and every row the index selects passes: they are
		// the count (lookups leave deleted rows out).
		opts, ok, err := scan.viewOptions(ctx, v, &w.st)
		if err != nil || !ok {
			return true, err
		}
		n := opts.Filter.GetCardinality()
		w.st.RowsScanned += int64(n)
		if n == 0 {
			return true, nil
		}
		return true, w.countRows(int(n), w.seg)
	}
	if col < 0 {
		// No keys, and every row passes: the live rows.
		return true, w.countRows(v.LiveRows(), w.seg)
	}
	// Reading the terms pays when values repeat: a column of mostly
	// distinct values is cheaper scanned.
	ratio := indexCountRatio
	if !v.Sealed() {
		ratio = memIndexCountRatio
	}
	if terms := v.NumTerms(scan.paths[col]); terms == 0 || terms > max(v.NumRows()/ratio, indexCountTerms) {
		return false, nil
	}
	// Without keys the values only decide which rows pass: rows without
	// one, or holding floats, may be left to the index's silence.
	vals, ok, err := v.ValueCounts(scan.paths[col], keyed)
	if err != nil || !ok {
		return false, err
	}
	var pass []int
	if len(pending) == 0 {
		pass = upTo(len(vals))
	} else {
		var key strings.Builder
		for _, k := range pending {
			key.WriteString(w.filter.kernels[k].key)
			key.WriteByte(0)
		}
		pass = v.ValuesPassing(scan.paths[col], vals, key.String(), func(vals []storage.ValueCount) []int {
			b := &coldata.Batch{Length: len(vals), Vecs: make([]coldata.Vec, len(scan.paths))}
			b.Vecs[col] = *v.ValueVec(scan.paths[col], vals)
			pass := upTo(len(vals))
			for _, k := range pending {
				pass = w.filter.kernels[k].run(b, pass)
			}
			return pass
		})
	}
	live, err := v.LiveCounts(w.liveBuf, scan.paths[col], vals, pass, keyed)
	if err != nil {
		return false, err
	}
	w.liveBuf = live
	if !keyed {
		// One group: its first row orders nothing.
		rows := 0
		for _, lc := range live {
			rows += lc.Rows
		}
		w.st.RowsScanned += int64(v.NumRows())
		if rows == 0 {
			return true, nil
		}
		return true, w.countRows(rows, w.seg)
	}
	w.st.RowsScanned += int64(v.NumRows())
	t := w.table
	for k, i := range pass {
		vc, lc := vals[i], live[k]
		if lc.Rows == 0 {
			continue // every row of the value is deleted
		}
		t.pos = w.seg | int64(lc.First)
		w.kvals[0] = vc.Value
		t.kbuf = appendKey(t.kbuf[:0], vc.Value)
		g := t.groups[string(t.kbuf)]
		if g == nil {
			if g, err = t.newGroup(string(t.kbuf), w.kvals); err != nil {
				return false, err
			}
		}
		g.first = min(g.first, t.pos)
		for _, acc := range g.accs {
			acc.(*countAcc).n += int64(lc.Rows)
		}
		w.st.Rows += int64(lc.Rows)
	}
	return true, nil
}

// upTo returns 0, 1, …, n-1: every index of a slice of n.
func upTo(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i
	}
	return out
}

// indexCountRatio is the least number of rows per distinct value for
// which countFromIndex reads a segment's terms rather than its blocks;
// memIndexCountRatio is the mutable segment's, whose postings are in
// memory and kept up to date a few rows at a time.
const (
	indexCountRatio    = 32
	memIndexCountRatio = 8
)

// indexCountTerms is the number of distinct values up to which
// countFromIndex reads the terms whatever the segment's size: a small
// segment (the rest of a load, a seal of a partition's few late rows)
// holding a thousand pages was scanned row by row, the larger part of a
// LIKE count under ingest.
const indexCountTerms = 1024

// countRows adds n rows, the first at position pos, to the COUNT(*)s of an
// aggregate without keys.
func (w *aggWorker) countRows(n int, pos int64) error {
	if w.only == nil {
		w.table.pos = pos
		g, err := w.table.newGroup("", nil)
		if err != nil {
			return err
		}
		w.only = g
	}
	w.only.first = min(w.only.first, pos)
	for _, acc := range w.only.accs {
		acc.(*countAcc).n += int64(n)
	}
	w.st.Rows += int64(n)
	return nil
}

// scanSegment folds the rows of segment v.
func (w *aggWorker) scanSegment(ctx context.Context, scan *scanOp, seg int, v *storage.SegmentView) error {
	w.seg = int64(seg) << 32
	if ok, err := w.countFromIndex(ctx, scan, v); err != nil || ok {
		return err
	}
	if w.bucketed {
		w.truncZones = v.Zones(scan.paths[w.direct.truncVec])
	}
	sc, err := scan.openView(ctx, v, &w.st, w.filter, &w.scans)
	if err != nil || sc == nil {
		return err
	}
	for {
		if w.bucketed {
			if err := w.countBlocks(sc); err != nil {
				return err
			}
		}
		b, err := sc.Next(ctx)
		if err != nil {
			return err
		}
		if b == nil {
			break
		}
		w.st.BlocksRead++
		dead := sc.Deleted()
		w.st.RowsScanned += int64(b.Selected() - len(dead))
		if scan.lazy != nil {
			block := b.Start / index.BlockRows
			need := w.filter != nil && !w.filter.provesAll(block)
			if !need && w.bucketed {
				_, one := w.blockBucket(block)
				need = !one
			}
			if need {
				if err := sc.Load(); err != nil {
					return err
				}
			}
		}
		if w.direct != nil {
			if err := w.foldDirect(b, scan, dead); err != nil {
				return err
			}
			continue
		}
		rows, err := w.keep(b, scan)
		if err != nil {
			return err
		}
		rows = dropDead(rows, dead)
		w.st.Rows += int64(len(rows))
		for _, i := range rows {
			scan.fill(b, i, w.row)
			w.table.pos = w.seg | int64(b.Start+i)
			if err := w.table.add(w.row); err != nil {
				return err
			}
		}
	}
	return nil
}
