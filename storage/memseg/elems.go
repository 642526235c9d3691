package memseg

import (
	"fmt"
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
	post   map[string]*roaring.Bitmap
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
		e = &postings{scalar: scalar, post: map[string]*roaring.Bitmap{}}
		s.postings[ipath] = e
	}
	return e
}

func (e *postings) add(v types.Value, row uint32) {
	e.term = index.AppendTerm(e.term[:0], v)
	bm := e.post[string(e.term)]
	if bm == nil {
		bm = roaring.New()
		e.post[string(e.term)] = bm
	}
	bm.Add(row)
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
		bm := e.post[string(e.term)]
		if bm == nil {
			continue
		}
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

// ValueCounts returns the distinct values of column path among rows below
// n, with how many of those rows not in del hold each and the first such
// row, in term order, from the column's postings (built or brought up to
// date here, as an equality lookup would). False when the postings cannot
// tell: arrays or objects at path, a string cut short in its term, or,
// with whole (the values are grouped by), a row below n without a value
// or with a float (whose term an equal integer shares).
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
	out := make([]ValueCount, 0, len(e.post))
	terms := make([]string, 0, len(e.post))
	for t := range e.post {
		terms = append(terms, t)
	}
	slices.Sort(terms)
	var live roaring.Bitmap
	for _, t := range terms {
		if index.MaybeTruncated([]byte(t)) {
			return nil, false, nil
		}
		bm := e.post[t]
		rows := int(bm.Rank(uint32(n - 1)))
		if n == 0 || rows == 0 {
			continue
		}
		first := int(bm.Minimum())
		if del != nil && !del.IsEmpty() {
			live.Clear()
			live.Or(bm)
			live.RemoveRange(uint64(n), uint64(bm.Maximum())+1)
			live.AndNot(del)
			if rows = int(live.GetCardinality()); rows == 0 {
				continue
			}
			first = int(live.Minimum())
		}
		v, ok := index.DecodeTerm([]byte(t))
		if !ok {
			return nil, false, fmt.Errorf("memseg: %s: bad term %q", path, t)
		}
		out = append(out, ValueCount{Value: v, Rows: rows, First: first})
	}
	return out, true, nil
}

// EstimateTerms estimates how many distinct values column path holds: the
// postings' count once built, else the distinct values of its first
// entries scaled to all of them (computed once per path).
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
		defer e.mu.Unlock()
		if e.upTo > 0 {
			return len(e.post) * len(rows) / e.upTo
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if est, ok := s.termEstimates[path]; ok {
		return est * len(rows) / termSample
	}
	sample := min(len(rows), termSample)
	seen := map[string]bool{}
	var term []byte
	for i := range sample {
		if k := kinds[i]; k.IsScalar() && k != types.KindUndefined {
			term = index.AppendTerm(term[:0], scalarValue(k, nums[i], av))
			seen[string(term)] = true
		}
	}
	if s.termEstimates == nil {
		s.termEstimates = map[string]int{}
	}
	est := len(seen) * termSample / max(sample, 1)
	s.termEstimates[path] = est
	return est * len(rows) / termSample
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
