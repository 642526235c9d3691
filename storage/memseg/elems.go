package memseg

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"sync"

	"github.com/RoaringBitmap/roaring/v2"
	"github.com/basaltdb/basalt/index"
	"github.com/basaltdb/basalt/types"
)

// postings index one column lazily for equality and IN lookups: the
// scalar values of a column (`session_id`), or the scalar elements of its
// arrays (`tags[*]`). A lookup first indexes the entries appended since
// the previous one, so each row is indexed once, by the first query that
// needs it, and ingest pays nothing; a needle then costs a map access
// instead of a pass over the column (or the decoding of every array).
type postings struct {
	mu     sync.Mutex
	scalar bool // the column's values, not its arrays' elements
	upTo   int  // column entries indexed
	ids    map[string]int32
	terms  []string // by id
	// vals are the terms decoded, by id, for Values (which decodes the
	// terms added since its last call: lookups never need them);
	// truncated is set once a term was cut short, which Values refuses.
	vals      []ValueCount
	truncated bool
	adj       []int32 // CountValues' scratch, by id
	// delSeen deletions of the segment's log are counted: dead has their
	// rows, delCounts by id how many of the term's rows they deleted.
	delSeen   int
	dead      []uint64
	delCounts []int32
	bms       []*roaring.Bitmap // by id: the rows holding the term
	// counts and first are, by id, the entries indexed with the term and
	// the row of the first (of scalar postings, the term's rows).
	counts []int32
	first  []uint32
	// termOf is, for scalar postings, the term id of each column entry
	// (-1: none), so that a deleted row's value is found without reading
	// the bitmaps; Values and CountValues extend it to the entries
	// indexed (lookups never need it).
	termOf []int32
	term   []byte
}

// postingsFor returns the postings of index path ipath, created on first
// use.
func (s *Segment) postingsFor(ipath string, scalar bool) *postings {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.postings == nil {
		s.postings = map[string]*postings{}
	}
	e := s.postings[ipath]
	if e == nil {
		e = &postings{scalar: scalar, ids: map[string]int32{}}
		s.postings[ipath] = e
	}
	return e
}

// add indexes v at row.
func (e *postings) add(v types.Value, row uint32) {
	e.term = index.AppendTerm(e.term[:0], v)
	id, ok := e.ids[string(e.term)]
	if !ok {
		id = int32(len(e.terms))
		t := string(e.term)
		e.ids[t] = id
		e.terms = append(e.terms, t)
		e.bms = append(e.bms, roaring.New())
		e.counts = append(e.counts, 0)
		e.first = append(e.first, row)
	}
	e.bms[id].Add(row)
	e.counts[id]++
}

// lookup adds to dst the rows below n among the column entries (rows,
// kinds, nums, a snapshot of the column) holding a value (or an array with
// an element) equal to one of vals.
func (e *postings) lookup(rows []uint32, kinds []types.Kind, nums []uint64, av arenaView, vals []types.Value, n int, dst *roaring.Bitmap) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if err := e.update(rows, kinds, nums, av); err != nil {
		return err
	}
	for _, v := range vals {
		e.term = index.AppendTerm(e.term[:0], v)
		id, ok := e.ids[string(e.term)]
		if !ok {
			continue
		}
		bm := e.bms[id]
		if last, ok := bm.Maximum(), !bm.IsEmpty(); ok && int(last) >= n {
			part := bm.Clone()
			part.RemoveRange(uint64(n), uint64(last)+1)
			dst.Or(part)
			continue
		}
		dst.Or(bm)
	}
	return nil
}

// ValueCount is a distinct value of a column and the rows holding it.
type ValueCount struct {
	Value types.Value
	Rows  int // rows below the snapshot's row count not in its deletions
	First int // the first of them
}

// ValueCounts returns the distinct values of column path with, for each,
// how many rows below n not in del hold it and the first such row: Values
// and CountValues of them all.
func (s *Segment) ValueCounts(path string, n int, whole bool, del *roaring.Bitmap) ([]ValueCount, bool, error) {
	vals, ok, err := s.Values(path, n, whole)
	if err != nil || !ok {
		return nil, ok, err
	}
	which := make([]int, len(vals))
	for i := range which {
		which[i] = i
	}
	counts, err := s.CountValues(nil, path, n, BitmapDeletions(del), which)
	if err != nil {
		return nil, false, err
	}
	out := make([]ValueCount, len(vals))
	for i, c := range counts {
		out[i] = ValueCount{Value: vals[i].Value, Rows: c.Rows, First: c.First}
	}
	return out, true, nil
}

// Values returns the distinct values of column path from the column's
// postings (built or brought up to date here, as an equality lookup
// would): every value they hold, in the order it first appeared, so that a
// later call's values extend an earlier one's and callers may keep
// answers per value (storage.SegmentView.ValuesPassing). Rows and First
// are left 0: CountValues counts the rows of the values asked for, of a
// snapshot of n rows. The slice is shared: do not modify it. False when
// the postings cannot tell: arrays or objects at path, a string cut short
// in its term, or, with whole (the values are grouped by), a row below n
// without a value or with a float (whose term an equal integer shares).
func (s *Segment) Values(path string, n int, whole bool) ([]ValueCount, bool, error) {
	s.mu.RLock()
	c := s.cols[path]
	if c == nil {
		s.mu.RUnlock()
		return nil, false, nil
	}
	counts := c.counts
	rows, kinds, nums, av := c.rows, c.kinds, c.nums, c.arena.view()
	s.mu.RUnlock()
	// The kinds of every row of the column, visible or not: a kind that
	// rules the postings out anywhere is taken to rule them out.
	if counts[types.KindArray] > 0 || counts[types.KindObject] > 0 {
		return nil, false, nil
	}
	if whole {
		end := sort.Search(len(rows), func(i int) bool { return int(rows[i]) >= n })
		if end != n || counts[types.KindFloat] > 0 || counts[types.KindUndefined] > 0 {
			return nil, false, nil
		}
	}
	e := s.postingsFor(path, true)
	e.mu.Lock()
	defer e.mu.Unlock()
	if err := e.update(rows, kinds, nums, av); err != nil {
		return nil, false, err
	}
	if e.upTo > len(kinds) {
		// A caller with a later snapshot indexed entries past ours:
		// read the column again to extend termOf as far (its first
		// entries are ours, unchanged).
		s.mu.RLock()
		kinds, nums, av = c.kinds, c.nums, c.arena.view()
		s.mu.RUnlock()
	}
	e.extendTermOf(kinds, nums, av)
	for id := len(e.vals); id < len(e.terms); id++ {
		t := []byte(e.terms[id])
		v, ok := index.DecodeTerm(t)
		if !ok {
			return nil, false, fmt.Errorf("memseg: %s: bad term %q", path, t)
		}
		if index.MaybeTruncated(t) {
			e.truncated = true
		}
		e.vals = append(e.vals, ValueCount{Value: v})
	}
	if e.truncated {
		return nil, false, nil // a string cut short in its term
	}
	return e.vals[:len(e.vals):len(e.vals)], true, nil
}

// BitmapDeletions is the deletions of del, not a log.
func BitmapDeletions(del *roaring.Bitmap) Deletions {
	if del == nil {
		del = roaring.New()
	}
	return Deletions{Bitmap: func() *roaring.Bitmap { return del }}
}

// extendTermOf records the term of each entry indexed since the last call
// (scalar postings), from the column's entries (at least e.upTo of them).
func (e *postings) extendTermOf(kinds []types.Kind, nums []uint64, av arenaView) {
	for i := len(e.termOf); i < e.upTo; i++ {
		id := int32(-1)
		if k := kinds[i]; k.IsScalar() && k != types.KindUndefined {
			e.term = index.AppendTerm(e.term[:0], scalarValue(k, nums[i], av))
			id = e.ids[string(e.term)]
		}
		e.termOf = append(e.termOf, id)
	}
}

// columnEntries returns column path (nil: none) with its entries as of now
// and its postings (nil until built).
func (s *Segment) columnEntries(path string) (c *column, rows []uint32, kinds []types.Kind, nums []uint64, av arenaView, e *postings) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	c, e = s.cols[path], s.postings[path]
	if c != nil {
		rows, kinds, nums, av = c.rows, c.kinds, c.nums, c.arena.view()
	}
	return c, rows, kinds, nums, av, e
}

// ValueRows is how many rows of a snapshot hold a value, and the first.
type ValueRows struct {
	Rows, First int
}

// Deletions are the deleted rows of a snapshot, as CountValues reads
// them: as a bitmap, built only if needed, and when Log is set as the
// first N entries of the segment's one deletion log, the i-th Row(i) (a
// row may come twice), which CountValues counts as they come.
type Deletions struct {
	Log    bool
	N      int
	Row    func(i int) uint32
	Bitmap func() *roaring.Bitmap
}

// CountValues returns, for each i in which (indexes into what Values
// returned, ascending), the rows below n not deleted by dels that hold
// value i and the first of them (0 and 0 for none), in dst's memory. It
// reads the counts the postings keep as they grow, less the rows past the
// snapshot and the deleted ones, which the postings count as they come
// too: only the deletions since the last call are read (under upserts a
// pass over all of them each query, and before that a Rank and a Minimum
// of each of a thousand pages' bitmaps, was most of a LIKE count).
func (s *Segment) CountValues(dst []ValueRows, path string, n int, dels Deletions, which []int) ([]ValueRows, error) {
	c, rows, kinds, nums, av, e := s.columnEntries(path)
	out := slices.Grow(dst[:0], len(which))[:len(which)]
	clear(out)
	if c == nil || e == nil {
		return out, nil
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	// A lookup since Values may have indexed more entries (counted in
	// e.counts): their terms too, to take out those past the snapshot.
	e.extendTermOf(kinds, nums, av)
	if len(which) > 0 && which[len(which)-1] >= len(e.vals) {
		return nil, fmt.Errorf("memseg: %s: value %d of %d", path, which[len(which)-1], len(e.vals))
	}
	// The entries indexed may run past this snapshot's column (another
	// caller's later one); the first len(rows) are this one's.
	end := sort.Search(min(len(rows), e.upTo), func(i int) bool { return int(rows[i]) >= n })
	// adj takes out of each value the rows past the snapshot.
	e.adj = slices.Grow(e.adj[:0], len(e.vals))[:len(e.vals)]
	adj := e.adj
	clear(adj)
	for i := end; i < len(e.termOf); i++ {
		if id := e.termOf[i]; id >= 0 {
			adj[id]--
		}
	}
	if !dels.Log || dels.N < e.delSeen {
		// No log, or a snapshot older than the deletions counted.
		return e.countWithBitmap(out, rows, end, n, dels.Bitmap(), adj, which), nil
	}
	for i := e.delSeen; i < dels.N; i++ {
		row := dels.Row(i)
		if e.isDead(row) {
			continue
		}
		if w := int(row / 64); w >= len(e.dead) {
			e.dead = append(e.dead, make([]uint64, w+1-len(e.dead))...)
		}
		e.dead[row/64] |= 1 << (row % 64)
		// Every deleted row is below n, so its entry below end: at its
		// own index in a column every row holds.
		k := min(int(row), end-1)
		if k < 0 || rows[k] != row {
			k = sort.Search(min(end, int(row)+1), func(k int) bool { return rows[k] >= row })
			if k >= end || rows[k] != row {
				continue
			}
		}
		if id := e.termOf[k]; id >= 0 {
			if int(id) >= len(e.delCounts) {
				e.delCounts = append(e.delCounts, make([]int32, int(id)+1-len(e.delCounts))...)
			}
			e.delCounts[id]++
		}
	}
	e.delSeen = dels.N
	for k, id := range which {
		r := int(e.counts[id]) + int(adj[id])
		if id < len(e.delCounts) {
			r -= int(e.delCounts[id])
		}
		if r <= 0 {
			continue
		}
		out[k] = ValueRows{Rows: r, First: int(e.first[id])}
		if e.isDead(e.first[id]) {
			// The value's first live row, after its first.
			for it := e.bms[id].Iterator(); it.HasNext(); {
				if r := it.Next(); int(r) < n && !e.isDead(r) {
					out[k].First = int(r)
					break
				}
			}
		}
	}
	return out, nil
}

func (e *postings) isDead(row uint32) bool {
	w := int(row / 64)
	return w < len(e.dead) && e.dead[w]&(1<<(row%64)) != 0
}

// countWithBitmap is CountValues for a snapshot older than the deletions
// the postings counted: the deleted rows of its bitmap, taken out of adj.
func (e *postings) countWithBitmap(out []ValueRows, rows []uint32, end, n int, del *roaring.Bitmap, adj []int32, which []int) []ValueRows {
	var moved []int32
	lo := 0
	for it := del.Iterator(); it.HasNext(); {
		row := it.Next()
		if int(row) >= n {
			break
		}
		// The column's rows ascend from 0 or more, so row sits at an
		// index no larger than itself, and past the last deleted row's.
		hi := min(end, int(row)+1)
		i := hi - 1
		if hi <= lo || rows[i] != row {
			i = lo + sort.Search(hi-lo, func(k int) bool { return rows[lo+k] >= row })
		}
		if i >= hi || rows[i] != row {
			lo = max(lo, min(i, hi))
			continue
		}
		lo = i + 1
		if id := e.termOf[i]; id >= 0 {
			adj[id]--
			if e.first[id] == row {
				moved = append(moved, id)
			}
		}
	}
	for k, id := range which {
		r := int(e.counts[id]) + int(adj[id])
		if r <= 0 {
			continue
		}
		out[k] = ValueRows{Rows: r, First: int(e.first[id])}
		if slices.Contains(moved, int32(id)) {
			for it := e.bms[id].Iterator(); it.HasNext(); {
				if r := it.Next(); int(r) < n && !del.Contains(r) {
					out[k].First = int(r)
					break
				}
			}
		}
	}
	return out
}

// EstimateTerms estimates how many distinct values column path holds: the
// postings' count once built, else an estimate from its first entries
// (computed once per path).
func (s *Segment) EstimateTerms(path string) int {
	c, rows, kinds, nums, av, e := s.columnEntries(path)
	if c == nil {
		return 0
	}
	if e != nil {
		e.mu.Lock()
		n := len(e.terms)
		e.mu.Unlock()
		if n > 0 {
			return n
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if est, ok := s.termEstimates[path]; ok {
		return est.at(len(rows))
	}
	sample := min(len(rows), termSample)
	seen := map[string]int{}
	var term []byte
	for i := range sample {
		if k := kinds[i]; k.IsScalar() && k != types.KindUndefined {
			term = index.AppendTerm(term[:0], scalarValue(k, nums[i], av))
			seen[string(term)]++
		}
	}
	est := termEstimate{sample: sample, distinct: len(seen)}
	for _, n := range seen {
		if n == 1 {
			est.once++
		}
	}
	if s.termEstimates == nil {
		s.termEstimates = map[string]termEstimate{}
	}
	s.termEstimates[path] = est
	return est.at(len(rows))
}

// termEstimate is what EstimateTerms saw in a column's first entries.
type termEstimate struct {
	sample, distinct, once int // entries read, values among them, values seen once
}

// at estimates the distinct values of n entries by the guaranteed-error
// estimator (Charikar et al., 2000): the values seen more than once are
// taken to be all there are of their kind, those seen once to stand for
// sqrt(n/sample) each. Values that repeat within the sample (pages,
// countries) are not multiplied by the column's growth, unique ones (ids)
// nearly are.
func (e termEstimate) at(n int) int {
	if e.sample == 0 || n <= e.sample {
		return e.distinct
	}
	return e.distinct - e.once + int(float64(e.once)*math.Sqrt(float64(n)/float64(e.sample)))
}

// termSample is how many entries EstimateTerms reads.
const termSample = 2048

// update indexes the column entries (rows, kinds, nums, a snapshot of the
// column) appended since the last update. e.mu must be held.
func (e *postings) update(rows []uint32, kinds []types.Kind, nums []uint64, av arenaView) error {
	for ; e.upTo < len(rows); e.upTo++ {
		i := e.upTo
		k := kinds[i]
		if e.scalar {
			if k.IsScalar() && k != types.KindUndefined {
				e.add(scalarValue(k, nums[i], av), rows[i])
			}
			continue
		}
		if k != types.KindArray {
			continue
		}
		row := rows[i]
		err := types.ArrayScalars(av.bytesOf(nums[i]), func(v types.Value) bool {
			e.add(v, row)
			return true
		})
		if err != nil {
			return fmt.Errorf("memseg: corrupt array in arena: %w", err)
		}
	}
	return nil
}
