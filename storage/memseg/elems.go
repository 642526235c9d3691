package memseg

import (
	"fmt"
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
