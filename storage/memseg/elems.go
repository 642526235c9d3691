package memseg

import (
	"fmt"
	"math"
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
	// vals are the terms decoded, by id, for ValueCounts (which decodes
	// the terms added since its last call: lookups never need them).
	// Undefined: a term cut short, which ValueCounts refuses.
	vals []types.Value
	bms  []*roaring.Bitmap // by id: the rows holding the term
	// counts and first are, by id, the entries indexed with the term and
	// the row of the first (of scalar postings, the term's rows).
	counts []int32
	first  []uint32
	// termOf is, for scalar postings, the term id of each column entry
	// (-1: none), so that a deleted row's value is found without reading
	// the bitmaps; ValueCounts extends it to the entries indexed (lookups
	// never need it).
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
// how many rows below n not in del hold it and the first such row, from
// the column's postings (built or brought up to date here, as an equality
// lookup would). Every value the postings hold comes back, in the order
// it first appeared, Rows 0 when no row of the snapshot has it: so the
// values of a later call extend an earlier one's, and callers may keep
// answers per value (SegmentView.ValuesPassing). False when the postings
// cannot tell: arrays or objects at path, a string cut short in its term,
// or, with whole (the values are grouped by), a row below n without a
// value or with a float (whose term an equal integer shares).
func (s *Segment) ValueCounts(path string, n int, whole bool, del *roaring.Bitmap) ([]ValueCount, bool, error) {
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
	end := sort.Search(len(rows), func(i int) bool { return int(rows[i]) >= n })
	if whole && (end != n || counts[types.KindFloat] > 0 || counts[types.KindUndefined] > 0) {
		return nil, false, nil
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
	for i := len(e.termOf); i < e.upTo; i++ {
		id := int32(-1)
		if k := kinds[i]; k.IsScalar() && k != types.KindUndefined {
			e.term = index.AppendTerm(e.term[:0], scalarValue(k, nums[i], av))
			id = e.ids[string(e.term)]
		}
		e.termOf = append(e.termOf, id)
	}
	for id := len(e.vals); id < len(e.terms); id++ {
		t := []byte(e.terms[id])
		v, ok := index.DecodeTerm(t)
		if !ok {
			return nil, false, fmt.Errorf("memseg: %s: bad term %q", path, t)
		}
		if index.MaybeTruncated(t) {
			v = types.Undefined
		}
		e.vals = append(e.vals, v)
	}
	// Each value's rows and first row, kept as the postings grow (a Rank
	// and a Minimum of each of a thousand pages' bitmaps was most of a
	// LIKE count under ingest), less the rows appended since the snapshot.
	out := make([]ValueCount, len(e.terms))
	for id := range out {
		out[id] = ValueCount{Value: e.vals[id], Rows: int(e.counts[id]), First: int(e.first[id])}
	}
	for i := e.upTo - 1; i >= end; i-- {
		if id := e.termOf[i]; id >= 0 {
			out[id].Rows--
		}
	}
	if del != nil && !del.IsEmpty() {
		// Each deleted row takes one off its value; a value whose first
		// row went looks for its next live one.
		var moved []int32
		lo := 0
		for it := del.Iterator(); it.HasNext(); {
			row := it.Next()
			if int(row) >= n {
				break
			}
			// The column's rows ascend from 0 or more, so row sits at an
			// index no larger than itself, and past the last deleted
			// row's: a column every row holds finds it at once. (A
			// search of all rows per deletion was most of a grouped
			// count's time under upserts.)
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
			if e.termOf[i] < 0 {
				continue
			}
			id := e.termOf[i]
			out[id].Rows--
			if out[id].First == int(row) {
				moved = append(moved, id)
			}
		}
		for _, id := range moved {
			out[id].First = -1
			if out[id].Rows == 0 {
				continue
			}
			for it := e.bms[id].Iterator(); it.HasNext(); {
				if r := it.Next(); int(r) < n && !del.Contains(r) {
					out[id].First = int(r)
					break
				}
			}
		}
	}
	for id := range out {
		switch {
		case out[id].Rows <= 0:
			out[id].Rows, out[id].First = 0, 0
		case out[id].Value.IsUndefined():
			return nil, false, nil // a string cut short in its term
		}
	}
	return out, true, nil
}

// EstimateTerms estimates how many distinct values column path holds: the
// postings' count once built, else an estimate from its first entries
// (computed once per path).
func (s *Segment) EstimateTerms(path string) int {
	s.mu.RLock()
	c := s.cols[path]
	var rows []uint32
	var kinds []types.Kind
	var nums []uint64
	var av arenaView
	if c != nil {
		rows, kinds, nums, av = c.rows, c.kinds, c.nums, c.arena.view()
	}
	e := s.postings[path]
	s.mu.RUnlock()
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
