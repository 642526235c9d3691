package storage

import (
	"sync"
)

// liveCounts keeps the live rows of each value of a sealed segment's path
// as of a number of deletions, and brings them up to date by the deletions
// since: each row's value is known, so a deleted row takes one off its
// value's count. Under steady upserts every query otherwise intersected
// each passing value's posting list with the deletions again, in every
// segment (most of a LIKE count's time under 10,000 upserts a second).
type liveCounts struct {
	mu     sync.Mutex
	built  bool
	rowVal []int32  // per row of the segment, its value's index; -1: none
	ndel   int      // the deletions counted
	dead   []uint64 // bit per row: deleted by those deletions
	rows   []int    // per value, its rows not deleted
	// first is, per value, its first row not deleted, or a row at or
	// before it (-1: none known): rows are only ever deleted, so the first
	// live row only moves forward, and is looked for from there.
	first []int
}

// liveCountsOf answers LiveCounts for vals, the cached values of c, from
// c's running counts. False when it cannot: a snapshot older than the
// counts, or a deletion log that disagrees with them.
func (v *SegmentView) liveCountsOf(c *cachedValueCounts, path string, which []int, out []LiveCount, first bool) (bool, error) {
	lc := &c.live
	lc.mu.Lock()
	defer lc.mu.Unlock()
	if !lc.built {
		refs, err := v.h.file.PostingRefs(path)
		if err != nil {
			return false, err
		}
		if len(refs) != len(c.vals) {
			return false, nil
		}
		rowVal := make([]int32, v.h.file.NumRows())
		for i := range rowVal {
			rowVal[i] = -1
		}
		for k, ref := range refs {
			var bad bool
			err := v.h.file.EachRow(path, ref, func(row uint32) {
				if int(row) >= len(rowVal) || rowVal[row] >= 0 {
					bad = true // a row of two values: not a column of scalars
					return
				}
				rowVal[row] = int32(k)
			})
			if err != nil || bad {
				return false, err
			}
		}
		lc.rowVal, lc.ndel, lc.built = rowVal, 0, true
		lc.dead = make([]uint64, (len(rowVal)+63)/64)
		lc.rows, lc.first = make([]int, len(c.vals)), make([]int, len(c.vals))
		for i, vc := range c.vals {
			lc.rows[i], lc.first[i] = vc.Rows, vc.First
		}
	}
	if v.ndel < lc.ndel {
		return false, nil
	}
	for _, e := range v.entries[lc.ndel:v.ndel] {
		if int(e.row) >= len(lc.rowVal) {
			lc.built = false
			return false, nil
		}
		if lc.isDead(int(e.row)) {
			continue // deleted twice: counted once, as a bitmap would
		}
		lc.dead[e.row/64] |= 1 << (e.row % 64)
		if k := lc.rowVal[e.row]; k >= 0 {
			lc.rows[k]--
		}
	}
	lc.ndel = v.ndel
	// The deleted rows are lc.dead's, not the view's bitmap: building that
	// for every segment that took deletions since the last query was most
	// of a LIKE count's time under upserts.
	for k, i := range which {
		out[k] = LiveCount{Rows: lc.rows[i]}
		if out[k].Rows == 0 || !first {
			// Without first, the counts alone: looking each value's
			// first row up in rowVal was a cache miss a value, which a
			// LIKE passing thousands of pages paid in every segment.
			continue
		}
		f := lc.first[i]
		if f < 0 || int(lc.rowVal[f]) != i || lc.isDead(f) {
			// The value's next live row, from where the last one was.
			for f = max(f, 0); f < len(lc.rowVal); f++ {
				if int(lc.rowVal[f]) == i && !lc.isDead(f) {
					break
				}
			}
			lc.first[i] = f
		}
		out[k].First = f
	}
	return true, nil
}

func (lc *liveCounts) isDead(row int) bool { return lc.dead[row/64]&(1<<(row%64)) != 0 }
