package exec

import (
	"context"
	"runtime"

	"github.com/basaltdb/basalt/coldata"
	"github.com/basaltdb/basalt/sql/plan"
	"github.com/basaltdb/basalt/types"
)

// aggJoinOp is a hash aggregate over an inner or left hash join whose
// probe side is a segment scan, the fact-joins-dimension shape of
// analytics: the build side is read once into a shared hash table, then
// workers scan the probe side's segments, probe the table with rows read in
// place and fold each joined row, assembled in a scratch row, into their
// own groups. No joined row is ever allocated.
type aggJoinOp struct {
	q     *Query
	n     *plan.Aggregate
	join  *plan.Join
	scan  *scanOp
	right Operator
	out   *rowsOp
	// flat holds the build rows one after another, each its columns need
	// (positions in the join's right side).
	flat []types.Value
	need []int
}

// aggJoinInput returns the join under aggregate n when it can be fused.
func aggJoinInput(n *plan.Aggregate) (*plan.Join, *plan.Scan, bool) {
	j, ok := n.Input.(*plan.Join)
	if !ok || (j.Kind != "INNER" && j.Kind != "LEFT") || len(j.EqL) == 0 || j.LookupPath != "" {
		return nil, nil, false
	}
	s, ok := j.Left.(*plan.Scan)
	if !ok || !fusable(n, s) {
		return nil, nil, false
	}
	exprs := append(append([]plan.Expr{j.Cond}, j.EqL...), j.EqR...)
	return j, s, !hasSubquery(exprs)
}

// keysOnBuildSide reports whether the grouping keys read only columns of
// the join's build (right) side, and at least one.
func (o *aggJoinOp) keysOnBuildSide() bool {
	right := map[plan.ColID]bool{}
	for _, c := range o.join.Right.Cols() {
		right[c] = true
	}
	for _, k := range o.n.Keys {
		if hasSubquery([]plan.Expr{k}) {
			return false
		}
		for c := range plan.ColsUsed(k) {
			if !right[c] {
				return false
			}
		}
	}
	return len(o.n.Keys) > 0
}

func (q *Query) newAggJoin(n *plan.Aggregate, j *plan.Join, s *plan.Scan) (Operator, error) {
	st := &NodeStats{}
	q.stats[s] = st
	q.stats[j] = &NodeStats{}
	sc, err := q.newScan(s)
	if err != nil {
		return nil, err
	}
	right, err := q.build(j.Right)
	if err != nil {
		return nil, err
	}
	o := &aggJoinOp{q: q, n: n, join: j, scan: sc.(*scanOp), right: right}
	o.scan.st = st
	return o, nil
}

type aggJoinWorker struct {
	filter *vecFilter
	scans  workerScan
	lkeys  []evalFn
	cond   evalFn
	table  *groupTable
	row    Row // the joined row: probe columns, then build columns
	kbuf   []byte
	kv     []types.Value
	rows   []int
	st     NodeStats
	joined int64
	seg    int64
	// buildGroups caches the group of each build row, when the keys read
	// only build-side columns.
	buildGroups []*group
	probe       probeBatch
	// dictGroups holds, for a batch whose grouping key is a
	// dictionary-coded probe column, the group of each code met so far;
	// code is the current row's (-1: none).
	dictGroups []*group
	code       int
}

// probeBatch is a batch's probe of the join table, phase by phase
// (probeKeys): the keys and hashes of its rows, then the slots the hashes
// lead to, then the first build row of each key found there, then those
// rows' values and groups gathered. Each phase is a loop whose iterations
// do not depend on one another, so the processor overlaps their cache
// misses (the table, its keys, the build rows and their groups are far
// larger than the caches); probing and folding row by row waited for
// each miss in turn.
type probeBatch struct {
	keys  []byte
	koffs []uint32
	hs    []uint64
	rows  []int // batch rows with a non-null key
	// cands and ck are the slots the hashes lead to and their keys'
	// positions, before the keys are compared.
	cands []*joinSlot
	ck    []int32
	// The rows that found a build row: the row, the first build row its
	// key has, whether the key has more, that row's values (need columns
	// each) and its group.
	mrows  []int
	mfirst []int32
	mmore  []bool
	mvals  []types.Value
	mgrps  []*group
	// The Bloom filter pays only when most probes miss: probes and passes
	// so far decide whether it is asked.
	bloomAsked, bloomPassed int
}

// useBloom reports whether asking the filter is still worth it: until
// enough probes were seen, and while fewer than half of them pass.
func (p *probeBatch) useBloom() bool {
	return p.bloomAsked < 4096 || 2*p.bloomPassed < p.bloomAsked
}

// probeKeys finds the first build row of each of the batch's rows, by the
// key column vec, leaving p.mrows, p.mfirst, p.mvals and p.mgrps set for
// the rows that found one.
func (w *aggJoinWorker) probeKeys(o *aggJoinOp, h *hashSide, vec *coldata.Vec, rows []int) {
	p := &w.probe
	t := h.table
	p.keys, p.koffs, p.hs, p.rows = p.keys[:0], append(p.koffs[:0], 0), p.hs[:0], p.rows[:0]
	for _, i := range rows {
		v := vec.Value(i)
		if isNull(v) {
			continue
		}
		off := len(p.keys)
		p.keys = appendKey(p.keys, v)
		p.koffs = append(p.koffs, uint32(len(p.keys)))
		p.hs = append(p.hs, t.hash(p.keys[off:]))
		p.rows = append(p.rows, i)
	}
	p.mrows, p.mfirst, p.mmore = p.mrows[:0], p.mfirst[:0], p.mmore[:0]
	// The slots of the hashes first, then the keys they point to: a
	// slot and its key are two misses, one after the other; in two loops
	// each loop's misses overlap.
	bloom := p.useBloom()
	p.cands, p.ck = p.cands[:0], p.ck[:0]
	for k, kh := range p.hs {
		if bloom {
			p.bloomAsked++
			if !t.mayContain(kh) {
				continue
			}
			p.bloomPassed++
		}
		if sl := t.slotOf(kh); sl != nil {
			p.cands, p.ck = append(p.cands, sl), append(p.ck, int32(k))
		}
	}
	for c, sl := range p.cands {
		k := p.ck[c]
		key := p.keys[p.koffs[k]:p.koffs[k+1]]
		ri, more := sl.head, sl.head != sl.tail
		if string(t.key(sl)) != string(key) {
			// Another key of the same 64-bit hash.
			if ri, more = t.findAll(p.hs[k], key); ri < 0 {
				continue
			}
		}
		p.mrows = append(p.mrows, p.rows[k])
		p.mfirst = append(p.mfirst, ri)
		p.mmore = append(p.mmore, more)
	}
	rw := len(o.need)
	p.mvals = p.mvals[:0]
	for _, ri := range p.mfirst {
		for _, v := range o.flat[int(ri)*rw : int(ri)*rw+rw] {
			p.mvals = append(p.mvals, v)
		}
	}
	p.mgrps = p.mgrps[:0]
	if w.buildGroups != nil {
		for _, ri := range p.mfirst {
			p.mgrps = append(p.mgrps, w.buildGroups[ri])
		}
	}
}

func (o *aggJoinOp) newWorker() (*aggJoinWorker, error) {
	j := o.join
	lw := len(j.Left.Cols())
	w := &aggJoinWorker{row: make(Row, lw+len(j.Right.Cols())), code: -1}
	var err error
	if w.filter, err = o.scan.compileVecFilter(o.q, o.scan.n.Filter); err != nil {
		return nil, err
	}
	ll := layoutOf(j.Left.Cols())
	for _, e := range j.EqL {
		f, err := o.q.compile(e, ll)
		if err != nil {
			return nil, err
		}
		w.lkeys = append(w.lkeys, f)
	}
	both := layoutOf(j.Cols())
	if j.Cond != nil {
		if w.cond, err = o.q.compile(j.Cond, both); err != nil {
			return nil, err
		}
	}
	keys, specs, err := o.q.compileAgg(o.n, both)
	if err != nil {
		return nil, err
	}
	w.table = newGroupTable(o.q.mem, keys, specs)
	return w, nil
}

func (o *aggJoinOp) Next(ctx context.Context) ([]Row, error) {
	if o.out != nil {
		return o.out.Next(ctx)
	}
	rl := layoutOf(o.join.Right.Cols())
	var rkeys []evalFn
	for _, e := range o.join.EqR {
		f, err := o.q.compile(e, rl)
		if err != nil {
			return nil, err
		}
		rkeys = append(rkeys, f)
	}
	h, err := o.q.buildHash(ctx, o.right, o.join.EqR, rkeys, keyColumns(o.join.EqR, rl))
	if err != nil {
		return nil, err
	}
	if err := o.scan.init(ctx); err != nil {
		return nil, err
	}
	// The build rows side by side, in one array, with only the columns
	// read after the join: a joined row is then one cache miss away, where
	// a row of its own was two (its header, its values), and a probe
	// copies no more than it needs.
	o.need = o.buildColsRead()
	rw := len(o.need)
	o.flat = make([]types.Value, len(h.rows)*rw)
	for i, r := range h.rows {
		for j, c := range o.need {
			o.flat[i*rw+j] = r[c]
		}
	}
	if err := o.q.mem.grow(int64(len(o.flat)) * 24); err != nil {
		return nil, err
	}
	parts := o.scan.parts(runtime.GOMAXPROCS(0))
	ws := make([]*aggJoinWorker, aggWorkers(o.n.Aggs, len(parts)))
	for i := range ws {
		if ws[i], err = o.newWorker(); err != nil {
			return nil, err
		}
	}
	if o.keysOnBuildSide() {
		for _, w := range ws {
			w.buildGroups = make([]*group, len(h.rows))
		}
	}
	err = runWorkers(ctx, len(ws), len(parts), func(wi, part int) error {
		return ws[wi].scanPart(ctx, o, h, parts[part])
	})
	if err != nil {
		return nil, err
	}
	for _, w := range ws {
		o.scan.st.addScan(&w.st)
		o.q.stats[o.join].Rows += w.joined
	}
	tables := make([]*groupTable, len(ws))
	for i, w := range ws {
		tables[i] = w.table
	}
	rows, err := o.q.mergedRows(ctx, o.n, tables, len(ws) > 1)
	if err != nil {
		return nil, err
	}
	o.out = &rowsOp{rows: rows}
	return o.out.Next(ctx)
}

// buildColsRead returns the positions of the build side's columns that the
// join condition, the grouping keys or the aggregates read (all of them
// when a subquery might read any).
func (o *aggJoinOp) buildColsRead() []int {
	exprs := append([]plan.Expr{o.join.Cond}, o.n.Keys...)
	for _, a := range o.n.Aggs {
		exprs = append(exprs, a.Args...)
		exprs = append(exprs, a.Filter)
		for _, k := range a.OrderBy {
			exprs = append(exprs, k.Expr)
		}
	}
	var need []int
	used := map[plan.ColID]bool{}
	for _, e := range exprs {
		if e == nil {
			continue
		}
		for c := range plan.ColsUsed(e) {
			used[c] = true
		}
	}
	sub := hasSubquery(exprs)
	for i, c := range o.join.Right.Cols() {
		if sub || used[c] {
			need = append(need, i)
		}
	}
	return need
}

// setRight sets the columns need of the joined row's build side to vals.
func (o *aggJoinOp) setRight(right Row, vals []types.Value) {
	for j, c := range o.need {
		right[c] = vals[j]
	}
}

// fold adds the joined row (build row ri) to its group. When the grouping
// keys read only the build side, each build row's group is found once.
func (w *aggJoinWorker) fold(ri int) error {
	if w.buildGroups == nil {
		return w.table.add(w.row)
	}
	return w.foldTo(ri, w.buildGroups[ri])
}

// foldTo is fold with build row ri's group g (buildGroups[ri]) read
// already.
func (w *aggJoinWorker) foldTo(ri int, g *group) error {
	if g == nil {
		var err error
		if g, err = w.table.groupOf(w.row); err != nil {
			return err
		}
		w.buildGroups[ri] = g
	}
	return w.table.addTo(g, w.row)
}

// probeKeyVec returns the batch vector of the probe side's join key when
// rows without a match may be skipped unread (an inner join on one column
// the scan reads as a leaf), else -1.
func (o *aggJoinOp) probeKeyVec() int {
	j := o.join
	if j.Kind != "INNER" || len(j.EqL) != 1 {
		return -1
	}
	return o.probeVec(j.EqL[0])
}

// groupKeyVec returns the batch vector of the grouping key when it is one
// column of the probe side the scan reads as a leaf, else -1.
func (o *aggJoinOp) groupKeyVec() int {
	if len(o.n.Keys) != 1 {
		return -1
	}
	return o.probeVec(o.n.Keys[0])
}

// probeVec returns the batch vector of e when it is a column of the probe
// side the scan reads as a leaf, else -1.
func (o *aggJoinOp) probeVec(e plan.Expr) int {
	c, ok := e.(*plan.ColRef)
	if !ok {
		return -1
	}
	for i, id := range o.join.Left.Cols() {
		if id == c.ID && i < len(o.scan.cols) {
			if cr := o.scan.cols[i]; cr.vec >= 0 && len(cr.children) == 0 {
				return cr.vec
			}
		}
	}
	return -1
}

// scanPart probes the build side with the rows of part p and folds the
// joined rows.
func (w *aggJoinWorker) scanPart(ctx context.Context, o *aggJoinOp, h *hashSide, p scanPart) error {
	w.seg = int64(p.seg) << 32
	sc, err := o.scan.openPart(ctx, p, &w.st, w.filter, &w.scans)
	if err != nil || sc == nil {
		return err
	}
	lw := len(o.scan.cols)
	left := w.row[:lw:lw]
	right := w.row[lw:]
	outer := o.join.Kind == "LEFT"
	keyVec := o.probeKeyVec()
	groupVec := -1
	if w.buildGroups == nil {
		groupVec = o.groupKeyVec()
	}
	for {
		b, err := sc.Next(ctx)
		if err != nil || b == nil {
			return err
		}
		w.st.BlocksRead++
		w.st.RowsScanned += int64(b.Selected())
		rows := w.rows[:0]
		if w.filter != nil {
			if rows, err = w.filter.apply(b, func(i int) Row { o.scan.fill(b, i, left); return left }); err != nil {
				return err
			}
		} else {
			rows = selectedRows(b, rows)
			w.rows = rows
		}
		w.st.Rows += int64(len(rows))
		if keyVec >= 0 {
			var gvec *coldata.Vec
			if groupVec >= 0 {
				gvec = &b.Vecs[groupVec]
			}
			if err := w.foldBatch(o, h, &b.Vecs[keyVec], gvec, rows, func(i int) {
				o.scan.fill(b, i, left)
				w.table.pos = w.seg | int64(b.Start+i)
			}); err != nil {
				return err
			}
			continue
		}
		for _, i := range rows {
			ri := int32(-1)
			o.scan.fill(b, i, left)
			var ok bool
			if w.kbuf, w.kv, ok, err = joinKey(w.kbuf[:0], w.kv[:0], left, w.lkeys); err != nil {
				return err
			}
			if ok {
				ri = h.table.first(w.kbuf)
			}
			w.table.pos = w.seg | int64(b.Start+i)
			matched := false
			for ; ri >= 0; ri = h.table.next[ri] {
				o.setRight(right, o.flat[int(ri)*len(o.need):])
				if ok, err := w.joinCond(); err != nil || !ok {
					if err != nil {
						return err
					}
					continue
				}
				matched = true
				w.joined++
				if err := w.fold(int(ri)); err != nil {
					return err
				}
			}
			if !matched && outer {
				for k := range right {
					right[k] = types.Null
				}
				w.joined++
				if err := w.table.add(w.row); err != nil {
					return err
				}
			}
		}
	}
}

// foldBatch probes the table with the rows of a batch by their key column
// vec (an inner join: rows without a match are skipped unread) and folds
// the joined rows; read sets the probe side of the joined row to batch
// row i. When the grouping key is a probe column, gvec is its vector: a
// dictionary-coded one finds each code's group once (dictGroups).
func (w *aggJoinWorker) foldBatch(o *aggJoinOp, h *hashSide, vec, gvec *coldata.Vec, rows []int, read func(i int)) error {
	w.probeKeys(o, h, vec, rows)
	p := &w.probe
	rw := len(o.need)
	right := w.row[len(w.row)-len(o.join.Right.Cols()):]
	w.code = -1
	byCode := false
	if gvec != nil && gvec.Dict != nil {
		if kind, ok := gvec.Uniform(); ok && kind == types.KindString {
			byCode = true
			if n := len(gvec.Dict); cap(w.dictGroups) < n {
				w.dictGroups = make([]*group, n)
			} else {
				w.dictGroups = w.dictGroups[:n]
				clear(w.dictGroups)
			}
		}
	}
	for m, i := range p.mrows {
		read(i)
		if byCode {
			w.code = int(gvec.Codes[i])
		}
		first := p.mfirst[m]
		var g *group
		if w.buildGroups != nil {
			g = p.mgrps[m]
		}
		if err := w.joinFold(o, right, first, p.mvals[m*rw:], g); err != nil {
			return err
		}
		// A key of one build row (the join on a dimension's _id) never
		// reads next.
		if !p.mmore[m] {
			continue
		}
		for ri := h.table.next[first]; ri >= 0; ri = h.table.next[ri] {
			if w.buildGroups != nil {
				g = w.buildGroups[ri]
			}
			if err := w.joinFold(o, right, ri, o.flat[int(ri)*rw:], g); err != nil {
				return err
			}
		}
	}
	return nil
}

// joinFold joins the probe row in w.row with build row ri (its values
// vals; g is buildGroups[ri] when the grouping keys are the build side's)
// and folds the joined row if the join's condition holds.
func (w *aggJoinWorker) joinFold(o *aggJoinOp, right Row, ri int32, vals []types.Value, g *group) error {
	o.setRight(right, vals)
	if ok, err := w.joinCond(); err != nil || !ok {
		return err
	}
	w.joined++
	if w.buildGroups != nil {
		return w.foldTo(int(ri), g)
	}
	if w.code < 0 {
		return w.table.add(w.row)
	}
	if g = w.dictGroups[w.code]; g == nil {
		var err error
		if g, err = w.table.groupOf(w.row); err != nil {
			return err
		}
		w.dictGroups[w.code] = g
	}
	return w.table.addTo(g, w.row)
}

// joinCond evaluates the join's residual condition on the joined row.
func (w *aggJoinWorker) joinCond() (bool, error) {
	if w.cond == nil {
		return true, nil
	}
	c, err := w.cond(w.row)
	return truthy(c), err
}
