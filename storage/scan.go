package storage

import (
	"context"
	"slices"

	"github.com/RoaringBitmap/roaring/v2"
	"github.com/basaltdb/basalt/coldata"
	"github.com/basaltdb/basalt/index"
	"github.com/basaltdb/basalt/storage/encoding"
)

// ScanOptions choose what a Scanner reads.
type ScanOptions struct {
	// Paths are the columns, in the order of the batch's Vecs.
	Paths []string
	// Filter, when set, restricts the scan to these rows (e.g. the result
	// of Lookup); deleted rows are always skipped.
	Filter *roaring.Bitmap
	// Blocks, when set, restricts the scan to these blocks (ascending), e.g.
	// those BlocksMatching left after zone-map pruning.
	Blocks []int
	// Lazy, when set, marks the paths (by position) Next leaves unread:
	// their Vecs are filled only by Load, for a batch that needs them.
	Lazy []bool
	// DeletedApart, when set and Filter is not, leaves the deleted rows of
	// a block in its batch and lists them in Deleted instead: a caller
	// that folds whole blocks (a count by time bucket) takes the few
	// deleted rows out itself, rather than walk a selection vector of
	// all the others.
	DeletedApart bool
	// Reverse reads the blocks last first (a top-N of the newest rows
	// reads the newest block first); rows within a block keep their order.
	Reverse bool
	// Recycle is a scanner the caller is done with: the new scanner takes
	// over its decoders, vectors and selection buffers rather than
	// allocate them again for every segment of a query.
	Recycle *Scanner
}

// Scanner reads a segment view batch by batch. A batch covers at most one
// block (index.BlockRows rows); its selection vector lists the live rows that
// pass the filter. Not safe for concurrent use.
type Scanner struct {
	v      *SegmentView
	opts   ScanOptions
	blocks []int
	next   int
	batch  coldata.Batch
	decs   []encoding.Decoder
	sel    []int
	dead   []int // the current batch's deleted rows (DeletedApart)
	all    []int // blocks 0..n-1 when opts.Blocks is nil
	block  int   // of the current batch
	loaded bool  // the lazy paths of the current batch are read
}

// NewScanner returns a scanner over the view.
func (v *SegmentView) NewScanner(opts ScanOptions) *Scanner {
	s := opts.Recycle
	opts.Recycle = nil
	if s == nil {
		s = &Scanner{}
	}
	vecs, decs := s.batch.Vecs, s.decs
	*s = Scanner{v: v, opts: opts, blocks: opts.Blocks, sel: s.sel[:0], dead: s.dead[:0], all: s.all}
	if s.blocks == nil {
		nb := (v.rows + index.BlockRows - 1) / index.BlockRows
		if cap(s.all) < nb {
			s.all = make([]int, nb)
			for i := range s.all {
				s.all[i] = i
			}
		}
		s.blocks = s.all[:nb]
	}
	if opts.Reverse {
		s.blocks = slices.Clone(s.blocks)
		slices.Reverse(s.blocks)
	}
	s.batch.Vecs = grow(vecs, len(opts.Paths))
	s.decs = grow(decs, len(opts.Paths))
	if f := opts.Filter; f != nil {
		// The filter's live rows, once, rather than a lookup in the
		// deletion bitmap for each of its rows: with upserts under way,
		// those lookups were a fifth of an indexed count. (A Lookup's
		// result holds no deleted row already: then nothing is copied.)
		if del := v.Deleted(); !del.IsEmpty() && f.Intersects(del) {
			s.opts.Filter = roaring.AndNot(f, del)
		}
	}
	return s
}

// Next returns the next batch with at least one selected row, or nil at the
// end. The batch is reused by the following call.
func (s *Scanner) Next(ctx context.Context) (*coldata.Batch, error) {
	del := s.v.Deleted()
	for s.next < len(s.blocks) {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		b := s.blocks[s.next]
		s.next++
		lo := b * index.BlockRows
		hi := min(lo+index.BlockRows, s.v.rows)
		if lo >= hi {
			continue
		}
		s.sel, s.dead = s.sel[:0], s.dead[:0]
		all := true
		switch {
		case s.opts.Filter != nil:
			// Walk the filter's rows in the block rather than testing
			// every row: lookups are usually sparse. The filter holds
			// no deleted row (NewScanner).
			all = false
			it := s.opts.Filter.Iterator()
			it.AdvanceIfNeeded(uint32(lo))
			for it.HasNext() {
				r := int(it.Next())
				if r >= hi {
					break
				}
				s.sel = append(s.sel, r-lo)
			}
			if len(s.sel) == 0 {
				continue
			}
		case !del.IntersectsWithInterval(uint64(lo), uint64(hi)):
		case s.opts.DeletedApart:
			if s.dead = deadRows(s.dead, del, lo, hi); len(s.dead) == hi-lo {
				continue
			}
		default:
			all = false
			s.sel = liveRows(s.sel, del, lo, hi)
			if len(s.sel) == 0 {
				continue
			}
		}
		s.block, s.loaded = b, false
		s.batch.Start = lo
		s.batch.Length = hi - lo
		s.batch.Sel = nil
		if !all {
			s.batch.Sel = s.sel
		}
		if err := s.read(false); err != nil {
			return nil, err
		}
		return &s.batch, nil
	}
	return nil, nil
}

// Deleted returns the rows (offsets in the batch, ascending) that the last
// batch of Next left selected although they are deleted: with
// DeletedApart, and only then, the caller must take them out.
func (s *Scanner) Deleted() []int { return s.dead }

// PeekBlock returns the block that the next call to Next or SkipBlock
// reads, and false at the end.
func (s *Scanner) PeekBlock() (int, bool) {
	if s.next >= len(s.blocks) {
		return 0, false
	}
	return s.blocks[s.next], true
}

// SkipBlock moves past the block PeekBlock returns without reading it, for
// a caller that needs only how many rows Next would select there (live, and
// in the scan's filter): it returns that number and the first of them (a
// row of the segment; -1 when there is none). Deleted rows are counted, not
// walked: a per-minute count over upserted events spent a third of its time
// walking them to list the live rows of blocks it did not read.
func (s *Scanner) SkipBlock() (n, first int) {
	b := s.blocks[s.next]
	s.next++
	lo := b * index.BlockRows
	hi := min(lo+index.BlockRows, s.v.rows)
	if lo >= hi {
		return 0, -1
	}
	if f := s.opts.Filter; f != nil {
		// The filter holds no deleted row (NewScanner).
		if n = countRange(f, lo, hi); n == 0 {
			return 0, -1
		}
		it := f.Iterator()
		it.AdvanceIfNeeded(uint32(lo))
		return n, int(it.Next())
	}
	del := s.v.Deleted()
	if n = hi - lo - countRange(del, lo, hi); n == 0 {
		return 0, -1
	}
	first = lo
	it := del.Iterator()
	it.AdvanceIfNeeded(uint32(lo))
	for it.HasNext() && int(it.Next()) == first {
		first++
	}
	return n, first
}

// countRange returns how many rows of bm lie in [lo, hi), lo < hi.
func countRange(bm *roaring.Bitmap, lo, hi int) int {
	n := bm.Rank(uint32(hi - 1))
	if lo > 0 {
		n -= bm.Rank(uint32(lo - 1))
	}
	return int(n)
}

// liveRows returns, in sel's memory, the offsets from lo of the rows in
// [lo, hi) that del does not hold. It walks the deleted rows and fills the
// runs between them at once: testing every row against the next deleted
// one, with an append each, was a third of a per-minute count over blocks
// of upserted events.
func liveRows(sel []int, del *roaring.Bitmap, lo, hi int) []int {
	if cap(sel) < hi-lo {
		sel = make([]int, 0, max(hi-lo, index.BlockRows))
	}
	out := sel[:hi-lo]
	n, r := 0, lo
	fill := func(end int) {
		run := out[n : n+end-r]
		for k := range run {
			run[k] = r - lo + k
		}
		n += end - r
	}
	it := del.Iterator()
	it.AdvanceIfNeeded(uint32(lo))
	for it.HasNext() {
		d := int(it.Next())
		if d >= hi {
			break
		}
		fill(d)
		r = d + 1
	}
	fill(hi)
	return out[:n]
}

// deadRows returns, in dead's memory, the offsets from lo of the rows in
// [lo, hi) that del holds.
func deadRows(dead []int, del *roaring.Bitmap, lo, hi int) []int {
	it := del.Iterator()
	it.AdvanceIfNeeded(uint32(lo))
	for it.HasNext() {
		d := int(it.Next())
		if d >= hi {
			break
		}
		dead = append(dead, d-lo)
	}
	return dead
}

// grow returns s with n elements, the old ones kept (their buffers are
// what a recycled scanner reuses).
func grow[T any](s []T, n int) []T {
	if cap(s) < n {
		s = append(s[:cap(s)], make([]T, n-cap(s))...)
	}
	return s[:n]
}

// Load reads the lazy paths of the current batch (see ScanOptions.Lazy).
func (s *Scanner) Load() error {
	if s.loaded {
		return nil
	}
	s.loaded = true
	return s.read(true)
}

// sparseRows: a block of which at most 1/sparseRows of the rows are selected
// is decoded at those rows only; denser selections decode whole blocks,
// which is faster per value.
const sparseRows = 4

// read decodes the current block's eager paths, or its lazy ones.
func (s *Scanner) read(lazy bool) error {
	b := s.block
	lo := b * index.BlockRows
	hi := min(lo+index.BlockRows, s.v.rows)
	// A block of which a lookup selects a few rows has only their values
	// decoded (Load reads the rows the caller still selects).
	var rows []int
	if sel := s.batch.Sel; sel != nil && len(sel) <= (hi-lo)/sparseRows {
		rows = sel
	}
	for i, path := range s.opts.Paths {
		if isLazy := i < len(s.opts.Lazy) && s.opts.Lazy[i]; isLazy != lazy {
			continue
		}
		var err error
		if s.v.h.file != nil {
			err = s.v.h.file.ReadBlockRows(path, b, rows, &s.decs[i], &s.batch.Vecs[i])
		} else {
			err = s.v.ReadColumn(path, lo, hi, &s.batch.Vecs[i])
		}
		if err != nil {
			return err
		}
	}
	return nil
}
