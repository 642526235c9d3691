package exec

import (
	"context"
	"slices"
	"strings"
	"unsafe"

	"github.com/RoaringBitmap/roaring/v2"
	"github.com/basaltdb/basalt/coldata"
	"github.com/basaltdb/basalt/index"
	"github.com/basaltdb/basalt/sql/plan"
	"github.com/basaltdb/basalt/sql/sqlerr"
	"github.com/basaltdb/basalt/storage"
	"github.com/basaltdb/basalt/types"
)

// scanOp reads the segments of a snapshot one after the other.
type scanOp struct {
	q        *Query
	n        *plan.Scan
	snap     *storage.Snapshot
	st       *NodeStats
	paths    []string // leaf columns read
	cols     []colReader
	filter   evalFn // for rows read whole (by `_id`, or fetched)
	fetched  []Row  // rows read whole from the next segment
	docPaths []types.Path
	docErr   error
	// lazy marks the paths a fused operator reads only for the batches
	// that need them (Scanner.Load); nil: every path is read.
	lazy []bool
	// lookups are index predicates an operator adds at run time to the
	// plan's (preselectTop), before any segment is opened.
	lookups []plan.IndexPred
	vf      *vecFilter // for batches
	tmp     Row
	segs    []*storage.SegmentView
	seg     int
	sc      *storage.Scanner
	out     []Row
	buf     []types.Value
	emitted int64
}

// colReader builds one output column from the batch's vectors: a leaf
// (one vector), an object rebuilt from its leaf columns, or both (the leaf
// when it is defined, else the object).
type colReader struct {
	vec      int
	children []int
	rel      []types.Path // child paths relative to the object
}

func (q *Query) snapshotOf(t plan.Table) (*storage.Snapshot, error) {
	if q.snapshots != nil {
		if snap, ok := q.snapshots(t.Workspace(), t.Name()); ok {
			return snap, nil
		}
	} else if st, ok := t.(SnapshotTable); ok {
		return st.Snapshot(), nil
	}
	return nil, sqlerr.New(sqlerr.Internal, "collection %s.%s has no snapshot", t.Workspace(), t.Name())
}

// scanLayout is what a scan reads, derived from its plan node alone;
// read-only once made, so runs of a cached plan share it.
type scanLayout struct {
	paths    []string // leaf columns read
	cols     []colReader
	docPaths []types.Path // of the columns, for rows read whole
	docErr   error        // a column path that does not parse
}

func layoutOfScan(n *plan.Scan) *scanLayout {
	if l, ok := n.ExecMemo().(*scanLayout); ok {
		return l
	}
	l := &scanLayout{}
	pos := map[string]int{}
	add := func(p string) int {
		if i, ok := pos[p]; ok {
			return i
		}
		pos[p] = len(l.paths)
		l.paths = append(l.paths, p)
		return pos[p]
	}
	for _, c := range n.Columns {
		p, err := types.ParsePath(c.Path)
		if err != nil && l.docErr == nil {
			// Only rows read whole need it.
			l.docErr = sqlerr.New(sqlerr.Internal, "column path %q: %v", c.Path, err)
		}
		l.docPaths = append(l.docPaths, p)
		if len(c.Children) == 0 {
			l.cols = append(l.cols, colReader{vec: add(c.Path)})
			continue
		}
		cr := colReader{vec: -1}
		if c.Leaf {
			cr.vec = add(c.Path)
		}
		for _, ch := range c.Children {
			cp, err := types.ParsePath(ch)
			if err != nil || len(cp) <= len(p) {
				continue
			}
			cr.children = append(cr.children, add(ch))
			cr.rel = append(cr.rel, cp[len(p):])
		}
		l.cols = append(l.cols, cr)
	}
	n.SetExecMemo(l)
	return l
}

func (q *Query) newScan(n *plan.Scan) (Operator, error) {
	snap, err := q.snapshotOf(n.Table)
	if err != nil {
		return nil, err
	}
	l := layoutOfScan(n)
	o := &scanOp{q: q, n: n, snap: snap, st: q.stats[n], paths: l.paths, cols: l.cols, docPaths: l.docPaths, docErr: l.docErr}
	if n.Filter != nil {
		f, err := q.compile(n.Filter, layoutOf(n.Cols()))
		if err != nil {
			return nil, err
		}
		o.filter = f
		if o.vf, err = o.compileVecFilter(q, n.Filter); err != nil {
			return nil, err
		}
		o.tmp = make(Row, len(o.cols))
	}
	return o, nil
}

func (o *scanOp) init(ctx context.Context) error {
	all := o.snap.Segments()
	o.st.Segments = int64(len(all))
	for _, v := range all {
		if o.n.HasTime {
			lo, hi := v.EventTimeRange()
			if hi < o.n.TimeLo || lo > o.n.TimeHi {
				o.st.SegmentsPruned++
				continue
			}
		}
		o.segs = append(o.segs, v)
	}
	return nil
}

func (o *scanOp) openNext(ctx context.Context) (bool, error) {
	for o.seg < len(o.segs) {
		v := o.segs[o.seg]
		o.seg++
		opts, ok, err := o.viewOptions(ctx, v, o.st)
		if err != nil {
			return false, err
		}
		if !ok {
			continue
		}
		if opts.Filter != nil && v.Sealed() && opts.Filter.GetCardinality() <= docFetchMax {
			if o.fetched, err = o.fetchDocs(ctx, v, opts.Filter); err != nil {
				return false, err
			}
			if len(o.fetched) > 0 {
				return true, nil
			}
			continue
		}
		o.vf.forSegment(v)
		o.sc = v.NewScanner(opts)
		return true, nil
	}
	return false, nil
}

// openView returns a scanner over the rows of v the access path selects,
// nil when it selects none, and readies the worker's filter vf for v's
// batches. It counts pruned segments in st.
func (o *scanOp) openView(ctx context.Context, v *storage.SegmentView, st *NodeStats, vf *vecFilter, ws *workerScan) (*storage.Scanner, error) {
	return o.openPart(ctx, scanPart{v: v}, st, vf, ws)
}

// workerScan is what a worker, which reads one segment (or part) at a
// time, carries from one scanner to the next.
type workerScan struct {
	// last is the worker's previous scanner: the next one takes over its
	// buffers (storage.ScanOptions.Recycle) rather than allocate them for
	// every segment.
	last *storage.Scanner
	// deletedApart and reverse: see storage.ScanOptions.
	deletedApart, reverse bool
}

// openPart is openView for a part of a segment (parts). ws may be nil.
func (o *scanOp) openPart(ctx context.Context, p scanPart, st *NodeStats, vf *vecFilter, ws *workerScan) (*storage.Scanner, error) {
	opts, ok, err := o.viewOptions(ctx, p.v, st)
	if err != nil || !ok {
		return nil, err
	}
	if p.blocks != nil {
		// Parts are cut only where viewOptions leaves every block.
		opts.Blocks = p.blocks
	}
	vf.forSegment(p.v)
	if ws == nil {
		return p.v.NewScanner(opts), nil
	}
	opts.Recycle, opts.DeletedApart, opts.Reverse = ws.last, ws.deletedApart, ws.reverse
	ws.last = p.v.NewScanner(opts)
	return ws.last, nil
}

// viewOptions returns how to scan v: the rows the index selects and the
// blocks zone maps leave; false when nothing is left.
func (o *scanOp) viewOptions(ctx context.Context, v *storage.SegmentView, st *NodeStats) (storage.ScanOptions, bool, error) {
	opts := storage.ScanOptions{Paths: o.paths, Lazy: o.lazy}
	for _, ip := range o.indexPreds() {
		bm, err := v.Lookup(ctx, ip.Path, ip.Pred)
		if err != nil {
			return opts, false, err
		}
		if opts.Filter == nil {
			opts.Filter = bm
		} else {
			opts.Filter = roaring.And(opts.Filter, bm)
		}
		if opts.Filter.IsEmpty() {
			break
		}
	}
	if opts.Filter != nil && opts.Filter.IsEmpty() {
		st.SegmentsPruned++
		return opts, false, nil
	}
	if o.n.HasTime {
		opts.Blocks = v.BlocksMatching("_event_time", index.Range(types.Timestamp(o.n.TimeLo), true, types.Timestamp(o.n.TimeHi), true))
		if len(opts.Blocks) == 0 {
			st.SegmentsPruned++
			return opts, false, nil
		}
	}
	return opts, true, nil
}

// indexPreds returns the index predicates of the scan: the plan's, then
// those added at run time.
func (o *scanOp) indexPreds() []plan.IndexPred {
	if len(o.lookups) == 0 {
		return o.n.Index
	}
	return append(slices.Clip(o.n.Index), o.lookups...)
}

// fill sets row (one value per scan column) from row i of b. Strings alias
// the batch's buffers, valid until the scanner's next batch.
func (o *scanOp) fill(b *coldata.Batch, i int, row Row) {
	for c, cr := range o.cols {
		if cr.vec >= 0 {
			row[c] = b.Vecs[cr.vec].Value(i)
			if len(cr.children) == 0 || !row[c].IsUndefined() {
				continue
			}
		}
		row[c] = assemble(b, cr, i)
	}
}

// idRows answers an `_id` lookup from the row store: a few documents
// are cheaper to read whole than to decode a column block per field.
func (o *scanOp) idRows(ctx context.Context) ([]Row, error) {
	o.st.Segments = int64(len(o.snap.Segments()))
	var out []Row
	seen := map[string]bool{}
	for _, id := range o.n.IDs {
		if seen[id] {
			continue
		}
		seen[id] = true
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		doc, ok, err := o.snap.Get(id)
		if err != nil {
			return nil, err
		}
		if !ok {
			continue
		}
		o.st.RowsScanned++
		row, keep, err := o.docRow(doc)
		if err != nil {
			return nil, err
		}
		if keep {
			out = append(out, row)
		}
	}
	return out, nil
}

// docRow makes the scan row of a whole document, as the column scan would
// assemble it, and applies the filter. The row owns its values.
func (o *scanOp) docRow(doc types.Value) (Row, bool, error) {
	if o.docErr != nil {
		return nil, false, o.docErr
	}
	row := make(Row, len(o.docPaths))
	for i, p := range o.docPaths {
		// Not copied (own): a document read whole is the scan's alone,
		// its strings in bytes no one changes (a sealed segment's row is
		// copied out of its block, a mutable segment's arena is
		// append-only) and its arrays and objects in its decoder's slabs.
		// Copying was an eighth of a point lookup.
		row[i] = p.Eval(doc)
		if rel := o.cols[i].rel; len(rel) > 0 && row[i].Kind() == types.KindObject {
			row[i] = rebuild(row[i], rel)
		}
	}
	if o.filter != nil {
		v, err := o.filter(row)
		if err != nil || !truthy(v) {
			return nil, false, err
		}
	}
	return row, true, nil
}

// docFetchMax is the most rows of a sealed segment an index lookup may
// select for the scan to read their documents from the row section rather
// than decode a column block per field for each (a needle's dozen rows are
// in a dozen blocks).
const docFetchMax = 64

// fetchDocs returns the rows of v's documents at the positions in rows
// that are live and pass the filter.
func (o *scanOp) fetchDocs(ctx context.Context, v *storage.SegmentView, rows *roaring.Bitmap) ([]Row, error) {
	del := v.Deleted()
	var out []Row
	it := rows.Iterator()
	for it.HasNext() {
		r := it.Next()
		if del.Contains(r) {
			continue
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		doc, err := v.Doc(int(r))
		if err != nil {
			return nil, err
		}
		o.st.RowsScanned++
		row, keep, err := o.docRow(doc)
		if err != nil {
			return nil, err
		}
		if keep {
			out = append(out, row)
		}
	}
	return out, nil
}

func (o *scanOp) Next(ctx context.Context) ([]Row, error) {
	if o.n.IDs != nil {
		if o.seg > 0 {
			return nil, nil
		}
		o.seg = 1
		rows, err := o.idRows(ctx)
		if err != nil || len(rows) == 0 {
			return nil, err
		}
		return rows, nil
	}
	if o.segs == nil && o.seg == 0 {
		if err := o.init(ctx); err != nil {
			return nil, err
		}
		if o.segs == nil {
			o.segs = []*storage.SegmentView{}
		}
	}
	for {
		if o.n.Limit > 0 && o.emitted >= o.n.Limit {
			return nil, nil
		}
		if o.sc == nil {
			ok, err := o.openNext(ctx)
			if err != nil || !ok {
				return nil, err
			}
			if o.fetched != nil {
				rows := o.fetched
				o.fetched = nil
				o.emitted += int64(len(rows))
				if o.n.Limit > 0 && o.emitted > o.n.Limit {
					rows = rows[:int64(len(rows))-(o.emitted-o.n.Limit)]
				}
				return rows, nil
			}
		}
		b, err := o.sc.Next(ctx)
		if err != nil {
			return nil, err
		}
		if b == nil {
			o.sc = nil
			continue
		}
		o.st.BlocksRead++
		w := len(o.cols)
		o.st.RowsScanned += int64(b.Selected())
		rows := b.Sel
		if o.vf != nil {
			if rows, err = o.vf.apply(b, func(i int) Row { o.fill(b, i, o.tmp); return o.tmp }); err != nil {
				return nil, err
			}
		}
		n := len(rows)
		if rows == nil {
			n = b.Length
		}
		if cap(o.buf) < w*n {
			o.buf = make([]types.Value, w*n)
		}
		o.out = o.out[:0]
		for k := 0; k < n; k++ {
			i := k
			if rows != nil {
				i = rows[k]
			}
			row := o.buf[k*w : (k+1)*w : (k+1)*w]
			o.fill(b, i, row)
			// The vectors' strings alias the segment's buffers, which the
			// next batch reuses: own what is kept.
			for c := range row {
				row[c] = own(row[c])
			}
			o.out = append(o.out, row)
		}
		if len(o.out) > 0 {
			o.emitted += int64(len(o.out))
			if o.n.Limit > 0 && o.emitted > o.n.Limit {
				o.out = o.out[:int64(len(o.out))-(o.emitted-o.n.Limit)]
			}
			// Rows of the next batch reuse buf: hand out a fresh one.
			o.buf = nil
			return o.out, nil
		}
	}
}

// ownAll makes vals own their strings, arrays and objects, which alias
// a batch's buffers: the strings are copied into one allocation. It
// returns the rows' size for the memory budget (rowBytes, 40 bytes a
// value).
func ownAll(vals []types.Value) int64 {
	n := 0
	for _, v := range vals {
		if v.Kind() == types.KindString {
			n += len(v.Str())
		}
	}
	size := int64(40*len(vals) + n)
	buf := make([]byte, n)
	for j, v := range vals {
		switch v.Kind() {
		case types.KindString:
			if str := v.Str(); len(str) > 0 {
				k := copy(buf, str)
				vals[j] = types.String(unsafe.String(&buf[0], k))
				buf = buf[k:]
			}
		case types.KindArray, types.KindObject:
			vals[j] = v.Clone()
			size += int64(len(vals[j].JSON()))
		}
	}
	return size
}

func own(v types.Value) types.Value {
	switch v.Kind() {
	case types.KindString:
		return types.String(strings.Clone(v.Str()))
	case types.KindArray, types.KindObject:
		return v.Clone()
	}
	return v
}

// assemble rebuilds an object from its leaf columns for row i; undefined
// when no leaf is defined.
func assemble(b *coldata.Batch, cr colReader, i int) types.Value {
	var root []types.Field
	any := false
	for k, vi := range cr.children {
		v := b.Vecs[vi].Value(i)
		if v.IsUndefined() {
			continue
		}
		any = true
		root = insertField(root, cr.rel[k], v)
	}
	if !any {
		return types.Undefined
	}
	return types.Object(root)
}

// rebuild returns object v as a scan assembles it from the leaf columns
// at rel, so that an object reads the same (fields in column order)
// whichever access path found its row.
func rebuild(v types.Value, rel []types.Path) types.Value {
	var root []types.Field
	for _, p := range rel {
		// A non-empty object is not a leaf: its own leaves build it.
		if x := p.Eval(v); !x.IsUndefined() && (x.Kind() != types.KindObject || len(x.Fields()) == 0) {
			root = insertField(root, p, x)
		}
	}
	return types.Object(root)
}

func insertField(fields []types.Field, p types.Path, v types.Value) []types.Field {
	name := p[0].Name
	for i := range fields {
		if fields[i].Name == name {
			if len(p) > 1 && fields[i].Value.Kind() == types.KindObject {
				fields[i].Value = types.Object(insertField(append([]types.Field(nil), fields[i].Value.Fields()...), p[1:], v))
			}
			return fields
		}
	}
	if len(p) == 1 {
		return append(fields, types.Field{Name: name, Value: v})
	}
	return append(fields, types.Field{Name: name, Value: types.Object(insertField(nil, p[1:], v))})
}
