package storage

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/RoaringBitmap/roaring/v2"
	"github.com/basaltdb/basalt/coldata"
	"github.com/basaltdb/basalt/index"
	"github.com/basaltdb/basalt/storage/kv"
	"github.com/basaltdb/basalt/storage/memseg"
	"github.com/basaltdb/basalt/types"
)

// Snapshot is a consistent view of a collection at one commit: its segments
// with their visible rows and deletions, and the row store at the same
// commit. It must be closed.
type Snapshot struct {
	coll   *collection
	seq    uint64
	views  []*SegmentView
	kv     *kvSnapshot
	closed bool
}

// SegmentView is one segment as a snapshot sees it. The mutable segment and
// sealed segment files are read the same way through it.
type SegmentView struct {
	h       *segHandle
	rows    int
	shape   uint64 // the handle's, as of the snapshot
	entries []delEntry
	ndel    int
	delOnce sync.Once
	deleted *roaring.Bitmap
	rowIDs  []uint64
	// zones caches Zones by path: a query asks for the same zone maps
	// several times (pruning, filter proofs), and the mutable segment
	// computes its last block's afresh each time.
	zones sync.Map
	// counts is the sealed file's value counts ValueCounts last returned
	// (cachedCounts finds it without two sync.Map loads each call).
	counts atomic.Pointer[cachedValueCounts]
}

func (c *collection) snapshot() *Snapshot {
	c.mu.RLock()
	defer c.mu.RUnlock()
	s := &Snapshot{coll: c, seq: c.seq, kv: c.kvSnap}
	if s.kv != nil {
		s.kv.ref()
	}
	// The views in one allocation: a point lookup's snapshot of a
	// collection of dozens of segments spent a third of its time
	// allocating them one by one.
	views := make([]SegmentView, 0, len(c.segs))
	s.views = make([]*SegmentView, 0, len(c.segs))
	for _, h := range c.segs {
		if h.visible == 0 {
			continue
		}
		h.ref()
		views = append(views, SegmentView{
			h:       h,
			rows:    h.visible,
			shape:   h.shape,
			entries: h.dels.entries,
			ndel:    len(h.dels.entries),
			rowIDs:  h.rowIDs[:h.visible:h.visible],
		})
		s.views = append(s.views, &views[len(views)-1])
	}
	byFirstRow := func(a, b *SegmentView) int { return cmp.Compare(a.rowIDs[0], b.rowIDs[0]) }
	if !slices.IsSortedFunc(s.views, byFirstRow) {
		slices.SortFunc(s.views, byFirstRow)
	}
	return s
}

// Close releases the snapshot's segments.
func (s *Snapshot) Close() {
	if s.closed {
		return
	}
	s.closed = true
	for _, v := range s.views {
		v.h.unref()
	}
	if s.kv != nil {
		s.kv.unref()
	}
}

// Seq returns the commit sequence number the snapshot reflects.
func (s *Snapshot) Seq() uint64 { return s.seq }

// Version identifies what a snapshot holds: snapshots of equal versions
// hold the same documents. Seals and compactions keep it, any commit
// (writes, deletes, retention) moves it; no two collections opened in one
// process share one, so results derived from a snapshot's documents may be
// kept under it.
type Version struct{ Instance, Seq uint64 }

// Version returns the snapshot's version.
func (s *Snapshot) Version() Version { return Version{s.coll.instance, s.seq} }

// Segments returns the segment views, ordered by their first row id.
func (s *Snapshot) Segments() []*SegmentView { return s.views }

// DocCount returns the number of live documents.
func (s *Snapshot) DocCount() int64 {
	var n int64
	for _, v := range s.views {
		n += int64(v.LiveRows())
	}
	return n
}

// Get returns the document with the given _id at the snapshot's commit:
// from the row section of the segment file that holds it, or from the
// rows a mutable segment stores.
func (s *Snapshot) Get(id string) (types.Value, bool, error) {
	if s.kv == nil {
		return types.Value{}, false, nil
	}
	v, ok, err := kv.Get(s.kv.snap, kv.PKKey(nil, s.coll.id, id))
	if err != nil || !ok {
		return types.Value{}, false, err
	}
	rowid, ok := kv.Uvarint(v)
	if !ok {
		return types.Value{}, false, fmt.Errorf("corrupt primary-key entry for _id %q", id)
	}
	// The row is in one of the snapshot's segments: a mutable one holds
	// it among its first visible rows.
	var doc []byte
	found := false
	for _, sv := range s.views {
		if row, ok := rowIn(sv.rowIDs, rowid); ok {
			if doc, err = sv.h.doc(row); err != nil {
				return types.Value{}, false, fmt.Errorf("row of _id %q: %w", id, err)
			}
			found = true
			break
		}
	}
	if !found {
		return types.Value{}, false, fmt.Errorf("row %d of _id %q is in none of the snapshot's segments", rowid, id)
	}
	val, err := types.DecodeBinary(doc)
	if err != nil {
		return types.Value{}, false, fmt.Errorf("row of _id %q: %w", id, err)
	}
	return val, true, nil
}

// IDsWithPrefix calls fn with the _id of every live document whose _id
// starts with prefix, in _id order, from the primary-key index at the
// snapshot's commit. fn returning an error stops the scan with it. An
// ingest source finds with it the documents it derived from one object
// (their _ids share the object's prefix) when the object was rewritten.
func (s *Snapshot) IDsWithPrefix(prefix string, fn func(id string) error) error {
	if s.kv == nil {
		return nil
	}
	start := kv.PKKey(nil, s.coll.id, prefix)
	end := prefixEnd(start)
	if prefix == "" {
		_, end = kv.TableSpan(kv.TablePK, s.coll.id)
	}
	base := len(kv.PKKey(nil, s.coll.id, ""))
	return kv.Scan(s.kv.snap, start, end, func(key, _ []byte) error {
		return fn(string(key[base:]))
	})
}

// Doc returns the document of a row of the view (deleted rows included).
func (v *SegmentView) Doc(row int) (types.Value, error) {
	if row < 0 || row >= v.rows {
		return types.Value{}, fmt.Errorf("segment %d: row %d of %d", v.h.id, row, v.rows)
	}
	b, err := v.h.doc(row)
	if err != nil {
		return types.Value{}, err
	}
	return types.DecodeBinary(b)
}

// rowIn returns the position of rowid in ids (ascending).
func rowIn(ids []uint64, rowid uint64) (int, bool) {
	if len(ids) == 0 || rowid < ids[0] || rowid > ids[len(ids)-1] {
		return 0, false
	}
	i := sort.Search(len(ids), func(i int) bool { return ids[i] >= rowid })
	return i, i < len(ids) && ids[i] == rowid
}

// Locate returns the segment view and row that hold the document with the
// given _id, for index lookup joins that want columns rather than documents.
func (s *Snapshot) Locate(id string) (*SegmentView, int, bool, error) {
	if s.kv == nil {
		return nil, 0, false, nil
	}
	v, ok, err := kv.Get(s.kv.snap, kv.PKKey(nil, s.coll.id, id))
	if err != nil || !ok {
		return nil, 0, false, err
	}
	rowid, ok := kv.Uvarint(v)
	if !ok {
		return nil, 0, false, fmt.Errorf("corrupt primary-key entry for _id %q", id)
	}
	for _, sv := range s.views {
		if i, ok := rowIn(sv.rowIDs, rowid); ok && !sv.Deleted().Contains(uint32(i)) {
			return sv, i, true, nil
		}
	}
	return nil, 0, false, nil
}

// Schema returns every field path with the number of live documents holding
// each kind there, summed over segments, sorted by path. The undefined count
// is the number of live documents without the path.
func (s *Snapshot) Schema(ctx context.Context) ([]index.FieldStats, error) {
	docs := uint64(s.DocCount())
	acc := map[string]*index.FieldStats{}
	for _, v := range s.views {
		fields, err := v.Fields(ctx)
		if err != nil {
			return nil, err
		}
		for _, f := range fields {
			a := acc[f.Path]
			if a == nil {
				a = &index.FieldStats{Path: f.Path}
				acc[f.Path] = a
			}
			for k, n := range f.Counts {
				a.Counts[k] += n
			}
		}
	}
	out := make([]index.FieldStats, 0, len(acc))
	for _, a := range acc {
		if a.Total() > 0 {
			a.Counts[types.KindUndefined] = docs - a.Total()
			out = append(out, *a)
		}
	}
	index.SortFields(out)
	return out, nil
}

// ID returns the segment's id.
func (v *SegmentView) ID() uint64 { return v.h.id }

// Partition returns the segment's time partition.
func (v *SegmentView) Partition() int64 { return v.h.partition }

// Sealed reports whether the segment is an immutable file.
func (v *SegmentView) Sealed() bool { return v.h.file != nil }

// NumRows returns the visible rows, deleted ones included.
func (v *SegmentView) NumRows() int { return v.rows }

// RowIDs returns the row ids of the visible rows (shared; do not modify).
func (v *SegmentView) RowIDs() []uint64 { return v.rowIDs }

// Deletions returns how many row deletions of the segment the view sees.
// A segment's deletions only accumulate, so a view of the same segment
// with at least as many sees every row deleted that this one does.
func (v *SegmentView) Deletions() int { return v.ndel }

// Deleted returns the rows deleted as of the snapshot (shared; do not
// modify). Safe for concurrent use: workers may scan parts of one view.
func (v *SegmentView) Deleted() *roaring.Bitmap {
	v.delOnce.Do(func() {
		if v.ndel == 0 {
			v.deleted = roaring.New()
		} else {
			v.deleted = v.h.dels.bitmap(v.entries, v.ndel)
		}
	})
	return v.deleted
}

// ValueCount is a distinct value of a column in a segment, how many rows
// hold it and the first of them (the mutable segment's type, so that its
// answers need no copy).
type ValueCount = memseg.ValueCount

// ValueCounts returns the distinct values of column path with their row
// counts and first rows (a sealed segment's in value order; the mutable
// segment's in the order they first appeared, every value it has held,
// without counts: LiveCounts has them), when the segment's inverted index
// alone answers that: no array or object at path, and no string cut short
// in its term. The counts of a sealed segment include rows deleted since
// it was written: LiveCounts takes them out; the mutable segment answers
// from its lazily built postings (memseg.Segment.Values). With whole, every
// row must hold a value and none a float (ints and floats share terms, so
// a float 1.0 would come back as the int 1), and each value comes with its
// first row; without, rows lacking one are left out, integral floats come
// back as ints and First is 0. False otherwise. The slice is shared: do
// not modify it.
func (v *SegmentView) ValueCounts(path string, whole bool) ([]ValueCount, bool, error) {
	if v.h.file == nil {
		// The values alone: LiveCounts counts the rows of those asked for.
		return v.h.mem.Values(path, v.rows, whole)
	}
	if v.rows != v.h.file.NumRows() {
		return nil, false, nil
	}
	// A segment file never changes: its counts are read once per path and
	// shared by every caller (LiveCounts takes deletions out apart).
	key := valueCountsKey{path, whole}
	if c, ok := v.h.valueCounts.Load(key); ok {
		vc := c.(*cachedValueCounts)
		v.counts.Store(vc)
		return vc.vals, vc.ok, nil
	}
	vals, ok, err := v.valueCounts(path, whole)
	if err != nil {
		return nil, false, err
	}
	c, _ := v.h.valueCounts.LoadOrStore(key, &cachedValueCounts{vals: vals, ok: ok})
	vc := c.(*cachedValueCounts)
	v.counts.Store(vc)
	return vc.vals, vc.ok, nil
}

type valueCountsKey struct {
	path  string
	whole bool
}

type cachedValueCounts struct {
	vals []ValueCount
	ok   bool
	// vec holds the values, made once (ValueVec).
	vecOnce sync.Once
	vec     coldata.Vec
	// passing holds ValuesPassing's answers by filter, up to maxPassing.
	passing  sync.Map
	npassing atomic.Int32
	// live counts the values' rows not deleted (LiveCounts).
	live liveCounts
	// refs locate each value's rows, read the first time deletions are
	// taken out (LiveCounts), so later ones read no term.
	refsOnce sync.Once
	refs     []index.PostingRef
	refsErr  error
}

func (v *SegmentView) valueCounts(path string, whole bool) ([]ValueCount, bool, error) {
	kinds, ok := v.h.file.FieldKinds(path)
	if !ok {
		return nil, false, nil
	}
	var scalar uint64
	for k, n := range kinds {
		switch kind := types.Kind(k); {
		case n == 0:
		case kind == types.KindUndefined:
			if whole {
				return nil, false, nil
			}
		case !kind.IsScalar(), kind == types.KindFloat && whole:
			return nil, false, nil
		default:
			scalar += n
		}
	}
	if whole && scalar != uint64(v.rows) {
		return nil, false, nil
	}
	var out []ValueCount
	total, complete := 0, true
	err := v.h.file.EachPosting(path, whole, func(term []byte, count int, first uint32) bool {
		val, ok := index.DecodeTerm(term)
		if !ok || index.MaybeTruncated(term) {
			complete = false
			return false
		}
		out = append(out, ValueCount{Value: val, Rows: count, First: int(first)})
		total += count
		return true
	})
	if err != nil || !complete || uint64(total) != scalar {
		return nil, false, err
	}
	return out, true, nil
}

// cachedCounts returns the cache entry of a sealed segment whose values are
// vals (as ValueCounts(path, …) returned them), nil for none.
func (v *SegmentView) cachedCounts(path string, vals []ValueCount) *cachedValueCounts {
	if v.h.file == nil || len(vals) == 0 {
		return nil
	}
	if c := v.counts.Load(); c != nil && len(c.vals) == len(vals) && &c.vals[0] == &vals[0] {
		return c
	}
	for _, whole := range []bool{false, true} {
		if e, ok := v.h.valueCounts.Load(valueCountsKey{path, whole}); ok {
			if c := e.(*cachedValueCounts); len(c.vals) == len(vals) && &c.vals[0] == &vals[0] {
				return c
			}
		}
	}
	return nil
}

// ValueVec returns the values of vals, as ValueCounts(path, whole) returned
// them, in a vector, for filters to run on: made once per sealed segment
// and shared (do not modify it).
func (v *SegmentView) ValueVec(path string, vals []ValueCount) *coldata.Vec {
	fill := func(vec *coldata.Vec) {
		for _, vc := range vals {
			vec.Append(vc.Value)
		}
	}
	if c := v.cachedCounts(path, vals); c != nil {
		c.vecOnce.Do(func() { fill(&c.vec) })
		return &c.vec
	}
	var vec coldata.Vec
	fill(&vec)
	return &vec
}

// ValuesPassing returns which of vals (as ValueCounts(path, whole) returned
// them) a filter keeps: compute's answer for the values it is given
// (indexes into them), remembered per segment under key, which must name
// the filter exactly (a LIKE over a segment's thousands of page values,
// each query again, was most of a count's time). The mutable segment's
// values only grow, so its answer is extended by the values new since the
// last call. The answer is shared: do not modify it.
func (v *SegmentView) ValuesPassing(path string, vals []ValueCount, key string, compute func(vals []ValueCount) []int) []int {
	if v.h.file == nil {
		return v.memValuesPassing(path, vals, key, compute)
	}
	c := v.cachedCounts(path, vals)
	if c == nil {
		return compute(vals)
	}
	if p, ok := c.passing.Load(key); ok {
		return p.([]int)
	}
	pass := compute(vals)
	if c.npassing.Add(1) <= maxPassing {
		c.passing.Store(key, pass)
	}
	return pass
}

// memPassing is a filter's answer over the first n values of a mutable
// segment's column.
type memPassing struct {
	mu   sync.Mutex
	n    int
	pass []int
}

func (v *SegmentView) memValuesPassing(path string, vals []ValueCount, key string, compute func(vals []ValueCount) []int) []int {
	e, ok := v.h.memPassing.Load(path + "\x00" + key)
	if !ok {
		if v.h.nmemPassing.Add(1) > maxPassing {
			return compute(vals)
		}
		e, _ = v.h.memPassing.LoadOrStore(path+"\x00"+key, &memPassing{})
	}
	mp := e.(*memPassing)
	mp.mu.Lock()
	defer mp.mu.Unlock()
	if mp.n < len(vals) {
		for _, i := range compute(vals[mp.n:]) {
			mp.pass = append(mp.pass, mp.n+i)
		}
		mp.n = len(vals)
	}
	// A view older than the answer has fewer values: its prefix.
	k := sort.SearchInts(mp.pass, len(vals))
	return mp.pass[:k:k]
}

// maxPassing bounds the filters whose answers ValuesPassing keeps per
// segment and path.
const maxPassing = 64

// LiveCount is a value's rows that are not deleted, and the first of them
// (the mutable segment's type, so that its answers need no copy).
type LiveCount = memseg.ValueRows

// LiveCounts returns, for each i in which, the live rows of vals[i] (0:
// none left) and, with first, the first of them (without, First is
// meaningless), vals as ValueCounts(path, …) returned them, in dst's
// memory. It reads the
// posting lists of those values only (a LIKE passes a few values of
// many), and nothing when the segment has no deleted row.
func (v *SegmentView) LiveCounts(dst []LiveCount, path string, vals []ValueCount, which []int, first bool) ([]LiveCount, error) {
	if v.h.file == nil {
		return v.h.mem.CountValues(dst, path, v.rows, memseg.Deletions{
			Log: true, N: v.ndel,
			Row:    func(i int) uint32 { return v.entries[i].row },
			Bitmap: v.Deleted,
		}, which)
	}
	out := slices.Grow(dst[:0], len(which))[:len(which)]
	var c *cachedValueCounts
	if v.ndel > 0 && len(which) > 0 {
		// The running counts fill out whole: vals is not read (a cache
		// miss a passing value, in every segment, under upserts).
		if c = v.cachedCounts(path, vals); c != nil {
			if ok, err := v.liveCountsOf(c, path, which, out, first); err != nil || ok {
				return out, err
			}
		}
	}
	for k, i := range which {
		out[k] = LiveCount{Rows: vals[i].Rows, First: vals[i].First}
	}
	if v.ndel == 0 || len(which) == 0 {
		return out, nil
	}
	if c == nil {
		c = &cachedValueCounts{vals: vals} // refs read for this call alone
	}
	c.refsOnce.Do(func() { c.refs, c.refsErr = v.h.file.PostingRefs(path) })
	if c.refsErr != nil {
		return nil, c.refsErr
	}
	if len(c.refs) != len(vals) {
		return nil, fmt.Errorf("segment %d: %s has %d terms for %d values", v.h.id, path, len(c.refs), len(vals))
	}
	del := v.Deleted()
	for k, i := range which {
		live, first, err := v.h.file.Live(path, c.refs[i], del)
		if err != nil {
			return nil, err
		}
		out[k] = LiveCount{Rows: live, First: int(first)}
	}
	return out, nil
}

// NumTerms returns the distinct terms the segment's index holds for path;
// for the mutable segment, an estimate (memseg.Segment.EstimateTerms).
func (v *SegmentView) NumTerms(path string) int {
	if v.h.file == nil {
		return v.h.mem.EstimateTerms(path)
	}
	return v.h.file.NumTerms(path)
}

// LiveRows returns the visible rows that are not deleted.
func (v *SegmentView) LiveRows() int {
	return v.rows - int(v.Deleted().GetCardinality())
}

// EventTimeRange returns bounds (micros) of the segment's event times; the
// mutable segment's bounds may include rows not yet visible.
func (v *SegmentView) EventTimeRange() (int64, int64) { return v.h.reader.EventTimeRange() }

// HasColumn reports whether the segment has the path.
func (v *SegmentView) HasColumn(path string) bool { return v.h.reader.HasColumn(path) }

// Zones returns the zone map of path, one zone per index.BlockRows rows
// (shared: do not modify).
func (v *SegmentView) Zones(path string) []index.Zone {
	if z, ok := v.zones.Load(path); ok {
		return z.([]index.Zone)
	}
	z := v.h.reader.Zones(path)
	nb := (v.rows + index.BlockRows - 1) / index.BlockRows
	if len(z) > nb {
		z = z[:nb]
	}
	v.zones.Store(path, z)
	return z
}

// BlocksMatching returns the blocks whose zone for path may satisfy p:
// zone-map pruning, e.g. of an `_event_time` range.
func (v *SegmentView) BlocksMatching(path string, p index.Predicate) []int {
	var out []int
	for b, z := range v.Zones(path) {
		if z.MayMatch(p) {
			out = append(out, b)
		}
	}
	return out
}

// Lookup returns the live rows whose value at the index path satisfies p.
// Array membership is an equality on the element path (`tags[*]`).
func (v *SegmentView) Lookup(ctx context.Context, ipath string, p index.Predicate) (*roaring.Bitmap, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	posting := func() (*roaring.Bitmap, error) {
		bm := roaring.New()
		err := v.h.reader.Lookup(ipath, p, v.rows, bm)
		return bm, err
	}
	if v.h.file != nil && v.ndel > 0 {
		// A sealed segment's rows never change, only its deletions grow.
		return v.h.lookups.lookupLive(lookupKey(ipath, p), &v.h.dels, v.entries, v.ndel, posting)
	}
	bm, err := posting()
	if err != nil {
		return nil, err
	}
	if bm.GetCardinality() > 0 && v.ndel > 0 {
		bm.AndNot(v.Deleted())
	}
	return bm, nil
}

// ReadColumn fills dst with rows [start, end) of path, deleted rows
// included (callers filter with Deleted or use a Scanner).
func (v *SegmentView) ReadColumn(path string, start, end int, dst *coldata.Vec) error {
	if start < 0 || end > v.rows || start > end {
		return fmt.Errorf("segment %d: rows [%d,%d) of %d", v.h.id, start, end, v.rows)
	}
	return v.h.reader.ReadColumn(path, start, end, dst)
}

// Fields returns kind counts per path over the live rows.
func (v *SegmentView) Fields(ctx context.Context) ([]index.FieldStats, error) {
	fields := v.h.reader.Fields(v.rows)
	if v.ndel == 0 {
		return fields, nil
	}
	// Subtract the kinds of deleted rows, reading each column once per
	// block that has deletions.
	del := v.Deleted()
	var blocks []int
	for b := 0; b*index.BlockRows < v.rows; b++ {
		lo := uint64(b * index.BlockRows)
		hi := min(lo+index.BlockRows, uint64(v.rows))
		if del.IntersectsWithInterval(lo, hi) {
			blocks = append(blocks, b)
		}
	}
	out := make([]index.FieldStats, 0, len(fields))
	var vec coldata.Vec
	for _, f := range fields {
		defined := v.h.reader.DefinedPerBlock(f.Path)
		for _, b := range blocks {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			lo := b * index.BlockRows
			hi := min(lo+index.BlockRows, v.rows)
			if b >= len(defined) || defined[b] == 0 {
				// The path is absent from the whole block: its deleted
				// rows were undefined there, no need to read it.
				f.Counts[types.KindUndefined] -= del.CardinalityInRange(uint64(lo), uint64(hi))
				continue
			}
			if err := v.ReadColumn(f.Path, lo, hi, &vec); err != nil {
				return nil, err
			}
			for i := lo; i < hi; i++ {
				if del.Contains(uint32(i)) {
					f.Counts[vec.Kind(i-lo)]--
				}
			}
		}
		if f.Total() > 0 {
			out = append(out, f)
		}
	}
	return out, nil
}

// PathKinds returns the kinds any segment of the snapshot holds at path
// (deleted rows included, so it may say more than the live documents hold,
// never less).
func (s *Snapshot) PathKinds(path string) [types.NumKinds]bool {
	var out [types.NumKinds]bool
	for _, v := range s.views {
		counts, ok := v.h.reader.FieldKinds(path)
		if !ok {
			continue
		}
		for k, n := range counts {
			if n > 0 {
				out[k] = true
			}
		}
	}
	return out
}

// AllPathKinds returns PathKinds for every path of the snapshot.
func (s *Snapshot) AllPathKinds() map[string][types.NumKinds]bool {
	out := map[string][types.NumKinds]bool{}
	for _, v := range s.views {
		for _, f := range v.h.reader.Fields(v.rows) {
			ks := out[f.Path]
			for k, n := range f.Counts {
				if n > 0 {
					ks[k] = true
				}
			}
			out[f.Path] = ks
		}
	}
	return out
}

// Stamp identifies the collection (its catalog id), the segments the
// snapshot sees and, for a mutable one, the (path, kind) pairs its visible
// rows hold (memseg.Segment.Shape). Snapshots with equal stamps list the
// same Paths and PathKinds: those change only when a row brings a new path
// or kind or segments are replaced, never with deletions, nor with rows
// like those before. A plan cache compares stamps rather than paths, and
// under steady writes the stamp stays the same.
func (s *Snapshot) Stamp() []uint64 {
	out := make([]uint64, 1, 1+2*len(s.views))
	out[0] = s.coll.id
	for _, v := range s.views {
		out = append(out, v.h.id, v.shape)
	}
	return out
}

// PathChildren reports whether path is a column of any segment of the
// snapshot, and returns, sorted, the column paths below it (path + ".…")
// in any segment: Paths narrowed to one path, without listing every path
// (a collection whose documents bring new fields all the time has tens of
// thousands). As with Paths, paths whose only rows are deleted may count.
func (s *Snapshot) PathChildren(path string) (exists bool, children []string) {
	var seen map[string]bool
	add := func(ok bool, kids []string) {
		exists = exists || ok
		for _, k := range kids {
			if seen == nil {
				seen = map[string]bool{}
			}
			if !seen[k] {
				seen[k] = true
				children = append(children, k)
			}
		}
	}
	for _, v := range s.views {
		if v.h.file == nil && v.h.mem != nil {
			if ok, kids, done := v.h.mem.PathChildren(path, v.rows); done {
				add(ok, kids)
				continue
			}
		}
		add(pathsBelow(v.paths(), path))
	}
	slices.Sort(children)
	return exists, children
}

// paths returns the segment's column paths with values in the view's
// rows, sorted.
func (v *SegmentView) paths() []string {
	if v.h.file != nil {
		return v.h.file.Paths()
	}
	var list []string
	for _, f := range v.h.reader.Fields(v.rows) {
		list = append(list, f.Path)
	}
	return list
}

// pathsBelow is PathChildren for one segment's sorted paths.
func pathsBelow(paths []string, path string) (bool, []string) {
	i, exists := slices.BinarySearch(paths, path)
	prefix := path + "."
	j, _ := slices.BinarySearch(paths[i:], prefix)
	var kids []string
	for _, p := range paths[i+j:] {
		if !strings.HasPrefix(p, prefix) {
			break
		}
		kids = append(kids, p)
	}
	return exists, kids
}

// Paths returns the column paths present in any segment of the snapshot,
// sorted: what a query binder needs to expand `*` and to rebuild objects
// from their leaf columns. Paths whose only rows are deleted may be listed.
func (s *Snapshot) Paths() []string {
	// Segments of one collection mostly share their columns: a list equal
	// to the first one's adds nothing, and only the others are merged.
	var first []string
	var seen map[string]bool
	var out []string
	for _, v := range s.views {
		list := v.paths()
		if first == nil {
			first = list
			out = append(out, list...)
			continue
		}
		if slices.Equal(list, first) {
			continue
		}
		if seen == nil {
			seen = make(map[string]bool, len(out))
			for _, p := range out {
				seen[p] = true
			}
		}
		for _, p := range list {
			if !seen[p] {
				seen[p] = true
				out = append(out, p)
			}
		}
	}
	slices.Sort(out)
	return out
}
