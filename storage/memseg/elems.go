package memseg

import (
	"fmt"
	"sync"

	"github.com/RoaringBitmap/roaring/v2"
	"github.com/basaltdb/basalt/index"
	"github.com/basaltdb/basalt/types"
)

// elemPostings index the scalar elements of one array column (`tags[*]`)
// lazily: a lookup first indexes the entries appended since the previous
// one, so each row is indexed once, by the first query that needs it, and
// ingest pays nothing. Membership lookups then cost a map access instead
// of decoding every array of the segment.
type elemPostings struct {
	mu   sync.Mutex
	upTo int // column entries indexed
	post map[string]*roaring.Bitmap
	term []byte
}

// elemPostingsFor returns the postings of column path, created on first
// use.
func (s *Segment) elemPostingsFor(path string) *elemPostings {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.elems == nil {
		s.elems = map[string]*elemPostings{}
	}
	e := s.elems[path]
	if e == nil {
		e = &elemPostings{post: map[string]*roaring.Bitmap{}}
		s.elems[path] = e
	}
	return e
}

// lookup adds to dst the rows below n among the column entries (rows,
// kinds, nums, a snapshot of the column) holding an array with an element
// equal to one of vals.
func (e *elemPostings) lookup(rows []uint32, kinds []types.Kind, nums []uint64, av arenaView, vals []types.Value, n int, dst *roaring.Bitmap) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	for ; e.upTo < len(rows); e.upTo++ {
		i := e.upTo
		if kinds[i] != types.KindArray {
			continue
		}
		row := rows[i]
		err := types.ArrayScalars(av.bytesOf(nums[i]), func(v types.Value) bool {
			e.term = index.AppendTerm(e.term[:0], v)
			bm := e.post[string(e.term)]
			if bm == nil {
				bm = roaring.New()
				e.post[string(e.term)] = bm
			}
			bm.Add(row)
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
