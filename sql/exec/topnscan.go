package exec

import (
	"container/heap"
	"context"
	"runtime"
	"slices"
	"sort"
	"sync"

	"github.com/basaltdb/basalt/index"
	"github.com/basaltdb/basalt/sql/plan"
	"github.com/basaltdb/basalt/sql/sqlerr"
	"github.com/basaltdb/basalt/storage"
	"github.com/basaltdb/basalt/types"
)

// topNScanOp is ORDER BY … LIMIT n fused with the scan (and projection)
// beneath it. Workers take segments in turn and keep their own n best rows
// in a heap; a row is evaluated in place and copied only when it enters a
// heap, so a scan of millions of rows for the top 20 copies a few hundred.
// Ties keep the order rows have in the snapshot, whatever the worker that
// read them.
type topNScanOp struct {
	q     *Query
	n     *plan.Sort
	proj  *plan.Project // nil when the sort reads the scan directly
	scan  *scanOp
	out   *rowsOp
	limit int64
	// cut is the best first key a worker's full heap has as its worst:
	// the result's worst is no worse, so no worker need read a block
	// whose zone map puts every row behind it (blockLoses).
	mu  sync.Mutex
	cut types.Value // undefined until a heap is full
	// late: the heap holds keys and positions only (see newTopNScan).
	late bool
}

// topNInput returns the scan (and projection) under sort n when they can
// be fused: a limited sort over a segment scan, with no subquery anywhere.
func topNInput(n *plan.Sort) (*plan.Project, *plan.Scan, bool) {
	if n.Limit <= 0 {
		return nil, nil, false
	}
	in := n.Input
	p, _ := in.(*plan.Project)
	if p != nil {
		in = p.Input
	}
	s, ok := in.(*plan.Scan)
	if !ok || s.IDs != nil || s.Limit > 0 {
		return nil, nil, false
	}
	exprs := []plan.Expr{s.Filter}
	for _, k := range n.Keys {
		exprs = append(exprs, k.Expr)
	}
	if p != nil {
		exprs = append(exprs, p.Exprs...)
	}
	return p, s, !hasSubquery(exprs)
}

func hasSubquery(exprs []plan.Expr) bool {
	sub := false
	for _, e := range exprs {
		if e == nil {
			continue
		}
		plan.Walk(e, func(x plan.Expr) bool {
			if _, ok := x.(*plan.SubqueryExpr); ok {
				sub = true
			}
			return !sub
		})
	}
	return sub
}

func (q *Query) newTopNScan(n *plan.Sort, p *plan.Project, s *plan.Scan) (Operator, error) {
	st := &NodeStats{}
	q.stats[s] = st
	if p != nil {
		q.stats[p] = &NodeStats{}
	}
	sc, err := q.newScan(s)
	if err != nil {
		return nil, err
	}
	o := &topNScanOp{q: q, n: n, proj: p, scan: sc.(*scanOp), limit: n.Limit}
	o.scan.st = st
	o.scan.lazy = o.lazyPaths()
	// Late materialization: the heap keeps keys and positions, and the
	// winners' documents are read at the end. It needs keys read from
	// vectors, and a filter that keeps the same rows when the documents
	// are read again.
	o.late = o.scan.lazy != nil && o.limit <= lateRows && o.scan.docErr == nil && (s.Filter == nil || !volatile(s.Filter))
	return o, nil
}

// lateRows is the largest LIMIT whose rows a top-N reads as documents at
// the end (late) rather than column by column as they enter its heap: a
// row of the heap read from its document costs about what decoding its
// block's columns does, which a block's first row entering paid.
const lateRows = 256

// lazyPaths marks the scan paths that neither the sort keys nor the filter
// read: with the keys read from vectors, a block whose rows cannot enter
// the heap never decodes them. nil when the keys are not plain columns.
func (o *topNScanOp) lazyPaths() []bool {
	keys := o.keyVecs()
	if keys == nil {
		return nil
	}
	lazy := make([]bool, len(o.scan.paths))
	for i := range lazy {
		lazy[i] = true
	}
	for _, v := range keys {
		lazy[v] = false
	}
	if f := o.scan.n.Filter; f != nil {
		lay := layoutOf(o.scan.n.Cols())
		for c := range plan.ColsUsed(f) {
			if i, ok := lay[c]; ok {
				cr := o.scan.cols[i]
				if cr.vec >= 0 {
					lazy[cr.vec] = false
				}
				for _, ch := range cr.children {
					lazy[ch] = false
				}
			}
		}
	}
	return lazy
}

// topNWorker keeps the best rows of the segments it takes.
type topNWorker struct {
	// keyVecs, when every sort key is a plain scan column, are the
	// vectors holding them.
	keyVecs []int
	filter  *vecFilter
	scans   workerScan
	rows    []int
	proj    []evalFn
	keys    []evalFn
	row     Row // the scan row
	prow    Row // the projected row
	key     []types.Value
	heap    topHeap
	st      NodeStats
}

func (o *topNScanOp) newWorker() (*topNWorker, error) {
	scanLay := layoutOf(o.scan.n.Cols())
	w := &topNWorker{row: make(Row, len(o.scan.cols)), heap: topHeap{keys: o.n.Keys}, key: make([]types.Value, len(o.n.Keys))}
	var err error
	if w.filter, err = o.scan.compileVecFilter(o.q, o.scan.n.Filter); err != nil {
		return nil, err
	}
	keyLay := scanLay
	if o.proj != nil {
		for _, e := range o.proj.Exprs {
			f, err := o.q.compile(e, scanLay)
			if err != nil {
				return nil, err
			}
			w.proj = append(w.proj, f)
		}
		w.prow = make(Row, len(w.proj))
		keyLay = layoutOf(o.proj.Cols())
	}
	for _, k := range o.n.Keys {
		f, err := o.q.compile(k.Expr, keyLay)
		if err != nil {
			return nil, err
		}
		w.keys = append(w.keys, f)
	}
	w.keyVecs = o.keyVecs()
	// Newest blocks first for the newest rows (see blockLoses).
	w.scans.reverse = w.keyVecs != nil && o.n.Keys[0].Desc
	return w, nil
}

// keyVecs returns the batch vectors of the sort keys when each is a scan
// column (through the projection, if any) read from one vector; nil else.
func (o *topNScanOp) keyVecs() []int {
	scanLay := layoutOf(o.scan.n.Cols())
	var projLay layout
	if o.proj != nil {
		projLay = layoutOf(o.proj.Cols())
	}
	var vecs []int
	for _, k := range o.n.Keys {
		c, ok := k.Expr.(*plan.ColRef)
		if !ok {
			return nil
		}
		if o.proj != nil {
			i, ok := projLay[c.ID]
			if !ok {
				return nil
			}
			if c, ok = o.proj.Exprs[i].(*plan.ColRef); !ok {
				return nil
			}
		}
		i, ok := scanLay[c.ID]
		if !ok || len(o.scan.cols[i].children) > 0 {
			return nil
		}
		vecs = append(vecs, o.scan.cols[i].vec)
	}
	return vecs
}

func (o *topNScanOp) Next(ctx context.Context) ([]Row, error) {
	if o.out != nil {
		return o.out.Next(ctx)
	}
	if err := o.scan.init(ctx); err != nil {
		return nil, err
	}
	segs := o.scan.segs
	ws, err := newWorkers(max(1, min(runtime.GOMAXPROCS(0), len(segs))), o.newWorker)
	if err != nil {
		return nil, err
	}
	order := o.segmentOrder(segs)
	err = runWorkers(ctx, len(ws), len(segs), func(wi, i int) error {
		return ws[wi].scanSegment(ctx, o, order[i], segs[order[i]])
	})
	if err != nil {
		return nil, err
	}
	var items []keyed
	for _, w := range ws {
		items = append(items, w.heap.items...)
		o.scan.st.addScan(&w.st)
	}
	h := &ws[0].heap
	sort.Slice(items, func(i, j int) bool { return h.less(items[i], items[j]) })
	if int64(len(items)) > o.limit {
		items = items[:o.limit]
	}
	rows := make([]Row, len(items))
	for i, it := range items {
		rows[i] = it.row
	}
	if o.late {
		if err := o.materialize(ctx, items, rows); err != nil {
			return nil, err
		}
	}
	if o.proj != nil {
		o.q.stats[o.proj].Rows = o.scan.st.Rows
	}
	o.out = &rowsOp{rows: rows}
	return o.out.Next(ctx)
}

// scanSegment offers every row of segment seg (view v) to the heap.
func (w *topNWorker) scanSegment(ctx context.Context, o *topNScanOp, seg int, v *storage.SegmentView) error {
	sc, err := o.scan.openView(ctx, v, &w.st, w.filter, &w.scans)
	if err != nil || sc == nil {
		return err
	}
	var zones []index.Zone
	if w.keyVecs != nil {
		zones = v.Zones(o.scan.paths[w.keyVecs[0]])
	}
	desc := o.n.Keys[0].Desc
	for {
		for {
			block, ok := sc.PeekBlock()
			if !ok || !w.blockLoses(o, zones, block) {
				break
			}
			sc.SkipBlock()
		}
		b, err := sc.Next(ctx)
		if err != nil || b == nil {
			return err
		}
		w.st.BlocksRead++
		w.st.RowsScanned += int64(b.Selected())
		rows := w.rows[:0]
		if w.filter != nil {
			if rows, err = w.filter.apply(b, func(i int) Row { o.scan.fill(b, i, w.row); return w.row }); err != nil {
				return err
			}
		} else {
			rows = selectedRows(b, rows)
		}
		if w.filter == nil {
			w.rows = rows
		}
		// One float sort key: rows are compared with the heap's worst as
		// float64s, no value built (most rows of a top-N lose).
		var f64 []float64
		if len(w.keyVecs) == 1 && vecKind(&b.Vecs[w.keyVecs[0]]) == types.KindFloat {
			f64 = b.Vecs[w.keyVecs[0]].F64
		}
		if desc {
			// Rows mostly come in time order: the newest first, so that
			// the rest of the block loses to them without being read.
			slices.Reverse(rows)
		}
		for _, i := range rows {
			w.st.Rows++
			if w.keyVecs != nil {
				decided := false
				if f64 != nil && int64(w.heap.Len()) >= o.limit {
					if worst := w.heap.items[0].key[0]; worst.Kind() == types.KindFloat {
						x, y := f64[i], worst.Float()
						if x == x && y == y { // neither is NaN, which orders above numbers
							if desc && x < y || !desc && x > y {
								continue
							}
							decided = x != y // it beats the worst; equal keys go by position
						}
					}
				}
				// Read the sort keys alone and drop the row unless it
				// beats the heap's worst.
				if !decided || o.late {
					for j, vi := range w.keyVecs {
						w.key[j] = b.Vecs[vi].Value(i)
					}
					if int64(w.heap.Len()) >= o.limit && !w.heap.less(keyed{key: w.key, seq: seg<<32 | (b.Start + i)}, w.heap.items[0]) {
						continue
					}
				}
				if o.late {
					if err := w.offer(o, keyed{key: w.key, seq: seg<<32 | (b.Start + i)}); err != nil {
						return err
					}
					continue
				}
			}
			if err := sc.Load(); err != nil {
				return err
			}
			o.scan.fill(b, i, w.row)
			r := w.row
			if w.proj != nil {
				for j, f := range w.proj {
					if w.prow[j], err = f(w.row); err != nil {
						return err
					}
				}
				r = w.prow
			}
			for j, f := range w.keys {
				if w.key[j], err = f(r); err != nil {
					return err
				}
			}
			it := keyed{key: w.key, seq: seg<<32 | (b.Start + i)}
			full := int64(w.heap.Len()) >= o.limit
			if full && !w.heap.less(it, w.heap.items[0]) {
				continue
			}
			// The row enters the heap: copy what aliases the batch.
			it.key = make([]types.Value, len(w.key))
			for j, v := range w.key {
				it.key[j] = own(v)
			}
			it.row = make(Row, len(r))
			for j, v := range r {
				it.row[j] = own(v)
			}
			if full {
				w.heap.items[0] = it
				heap.Fix(&w.heap, 0)
				continue
			}
			if err := o.q.mem.grow(rowBytes(it.row) + 24); err != nil {
				return err
			}
			heap.Push(&w.heap, it)
		}
	}
}

// zoneBound returns the bound a zone map gives the first sort key of its
// block's rows: the greatest for a descending key, the least for an
// ascending one; false when the zone cannot bound them (nulls, which sort
// first descending, undefined or nested values, or kinds other than
// numbers, timestamps and strings, or more than one of those). Zones order
// values as the sort does, NaN above every number included.
func (o *topNScanOp) zoneBound(z index.Zone) (types.Value, bool) {
	if z.Nulls > 0 || z.Undefined > 0 || z.Nested > 0 || z.Min.IsUndefined() || !sameFamily(z.Min, z.Max) {
		return types.Value{}, false
	}
	switch z.Min.Kind() {
	case types.KindInt, types.KindFloat, types.KindTimestamp, types.KindString:
	default:
		return types.Value{}, false
	}
	if o.n.Keys[0].Desc {
		return z.Max, true
	}
	return z.Min, true
}

// sameFamily reports whether a and b are of one kind, ints and floats
// being one.
func sameFamily(a, b types.Value) bool {
	return a.Kind() == b.Kind() || a.Kind().IsNumeric() && b.Kind().IsNumeric()
}

// blockLoses reports whether no row of block can enter the full heap: its
// zone map puts every first key strictly behind the heap's worst.
func (w *topNWorker) blockLoses(o *topNScanOp, zones []index.Zone, block int) bool {
	if block >= len(zones) {
		return false
	}
	bound, ok := o.zoneBound(zones[block])
	if !ok {
		return false
	}
	cut := o.shareCut(w)
	if !sameFamily(cut, bound) {
		return false
	}
	if o.n.Keys[0].Desc {
		return types.Compare(bound, cut) < 0
	}
	return types.Compare(bound, cut) > 0
}

// shareCut offers the first key of w's worst row, when its heap is full,
// as the cut, and returns the cut: undefined while no heap is full.
func (o *topNScanOp) shareCut(w *topNWorker) types.Value {
	o.mu.Lock()
	defer o.mu.Unlock()
	if int64(w.heap.Len()) >= o.limit {
		worst := w.heap.items[0].key[0]
		c := types.Compare(worst, o.cut)
		if o.cut.IsUndefined() || worst.Kind() == o.cut.Kind() && (o.n.Keys[0].Desc && c > 0 || !o.n.Keys[0].Desc && c < 0) {
			o.cut = worst
		}
	}
	return o.cut
}

// segmentOrder returns the order in which to read the segments: those
// whose zone maps promise the best first keys first (ORDER BY _event_time
// DESC: the newest), so that the heap fills with rows the other
// segments' blocks cannot beat, and blockLoses skips them. Segments
// without such bounds come first. The heap's ties still go by position in
// the snapshot.
func (o *topNScanOp) segmentOrder(segs []*storage.SegmentView) []int {
	order := make([]int, len(segs))
	for i := range order {
		order[i] = i
	}
	keys := o.keyVecs()
	if keys == nil {
		return order
	}
	path := o.scan.paths[keys[0]]
	desc := o.n.Keys[0].Desc
	bounds := make([]types.Value, len(segs)) // undefined: no bound
	for i, v := range segs {
		for _, z := range v.Zones(path) {
			b, ok := o.zoneBound(z)
			if !ok {
				bounds[i] = types.Undefined
				break
			}
			if c := types.Compare(b, bounds[i]); bounds[i].IsUndefined() || desc && c > 0 || !desc && c < 0 {
				bounds[i] = b
			}
		}
	}
	slices.SortStableFunc(order, func(a, b int) int {
		x, y := bounds[a], bounds[b]
		switch {
		case x.IsUndefined() || y.IsUndefined():
			return types.Compare(types.Bool(!x.IsUndefined()), types.Bool(!y.IsUndefined()))
		case desc:
			return types.Compare(y, x)
		}
		return types.Compare(x, y)
	})
	return order
}

// offer puts it, whose key aliases the batch, into the heap: it beats the
// worst of a full heap. Late materialization: no row, only the key.
func (w *topNWorker) offer(o *topNScanOp, it keyed) error {
	key := make([]types.Value, len(it.key))
	for j, v := range it.key {
		key[j] = own(v)
	}
	it.key = key
	if int64(w.heap.Len()) >= o.limit {
		w.heap.items[0] = it
		heap.Fix(&w.heap, 0)
		return nil
	}
	if err := o.q.mem.grow(rowBytes(key) + 24); err != nil {
		return err
	}
	heap.Push(&w.heap, it)
	return nil
}

// materialize fills rows, the output of the winners items (in order), from
// their documents: the scan row a document gives (scanOp.docRow, which
// applies the filter again: it keeps the rows it kept), then the
// projection.
func (o *topNScanOp) materialize(ctx context.Context, items []keyed, rows []Row) error {
	segs := o.scan.segs
	var proj []evalFn
	if o.proj != nil {
		lay := layoutOf(o.scan.n.Cols())
		for _, e := range o.proj.Exprs {
			f, err := o.q.compile(e, lay)
			if err != nil {
				return err
			}
			proj = append(proj, f)
		}
	}
	for i, it := range items {
		if err := ctx.Err(); err != nil {
			return err
		}
		doc, err := segs[it.seq>>32].Doc(it.seq & (1<<32 - 1))
		if err != nil {
			return err
		}
		r, keep, err := o.scan.docRow(doc)
		if err != nil {
			return err
		}
		if !keep {
			return sqlerr.New(sqlerr.Internal, "top-N: the document of row %d of segment %d no longer passes the filter", it.seq&(1<<32-1), it.seq>>32)
		}
		if proj != nil {
			pr := make(Row, len(proj))
			for j, f := range proj {
				if pr[j], err = f(r); err != nil {
					return err
				}
			}
			r = pr
		}
		if err := o.q.mem.grow(rowBytes(r)); err != nil {
			return err
		}
		rows[i] = r
	}
	o.scan.st.DocsRead += int64(len(items))
	return nil
}
