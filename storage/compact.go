package storage

import (
	"fmt"
	"slices"
	"time"

	"github.com/RoaringBitmap/roaring/v2"
	"github.com/basaltdb/basalt/storage/kv"
	"github.com/cockroachdb/pebble/v2"
)

// Compaction policy. Sealing already cuts segments to size (SealRows), so
// compaction only cleans up, within one time partition:
//   - a segment whose rows are all deleted is dropped;
//   - small segments (fewer than CompactMaxRows/2 rows: sealed by age, or
//     what was left of merged ones) merge, fewest live rows first, into one
//     of up to CompactMaxRows rows, once there are CompactMinSegments of them
//     or they hold a whole segment's rows;
//   - deleted rows are reclaimed once they are half of the partition's rows,
//     or three quarters of one segment's: the segments at least half
//     deleted merge, the most deleted first, into one of up to
//     CompactMaxRows live rows.
//
// CompactMaxRows defaults to SealRows, so a row is normally written once
// (merging every full segment upward, as size-tiered compaction does, cost
// two more rewrites of every row on this 2-core target). Raising it makes
// full segments small by this rule, which is size tiering.
//
// Deleted rows wait: rewriting a segment costs its live rows, and under
// updates spread over a collection a row kept now is as likely to be
// replaced soon as any other. Rewriting a segment once a third of it was
// deleted, and merging it once its live rows fell under half a segment,
// rewrote half a row for every row sealed under RockBench's patch workload
// (100,000 documents patched 22,000 times a second), and compaction took as
// much CPU as sealing; the partition keeps at most about twice its live
// rows instead.

// compactionInput is a sealed segment as the picker sees it.
type compactionInput struct {
	h    *segHandle
	live int
	rows int
}

// pickCompaction returns the next set of segments to merge, or nil.
func (e *Engine) pickCompaction(c *collection) []*segHandle {
	c.mu.RLock()
	byPart := map[int64][]compactionInput{}
	for _, h := range c.segs {
		if h.file == nil || h.obsolete.Load() {
			continue
		}
		n := len(h.dels.entries)
		live := h.visible - h.deletedCount(h.dels.entries, n)
		byPart[h.partition] = append(byPart[h.partition], compactionInput{h: h, live: live, rows: h.visible})
	}
	c.mu.RUnlock()
	parts := make([]int64, 0, len(byPart))
	for p := range byPart {
		parts = append(parts, p)
	}
	slices.Sort(parts)
	target := e.opts.CompactMaxRows
	for _, p := range parts {
		ins := byPart[p]
		var small []compactionInput
		smallRows, live, rows, veryDeleted := 0, 0, 0, false
		for _, in := range ins {
			if in.live == 0 {
				return []*segHandle{in.h}
			}
			if in.rows < target/2 {
				small = append(small, in)
				smallRows += in.rows
			}
			live += in.live
			rows += in.rows
			veryDeleted = veryDeleted || in.live*4 <= in.rows
		}
		if len(small) >= 2 && (len(small) >= e.opts.CompactMinSegments || smallRows >= target) {
			if pick := pickMerge(small, target, func(a, b compactionInput) int { return a.live - b.live }); len(pick) >= 2 {
				return pick
			}
		}
		if live*2 <= rows || veryDeleted {
			var deleted []compactionInput
			for _, in := range ins {
				if in.live*2 <= in.rows {
					deleted = append(deleted, in)
				}
			}
			// The smallest share of live rows first (live(a)*rows(b) <
			// live(b)*rows(a) compares live(a)/rows(a) with live(b)/rows(b)).
			if pick := pickMerge(deleted, target, func(a, b compactionInput) int { return a.live*b.rows - b.live*a.rows }); len(pick) > 0 {
				return pick
			}
		}
	}
	return nil
}

// pickMerge sorts candidates by order and takes them while their live rows
// fit in target (at least two, if there are).
func pickMerge(candidates []compactionInput, target int, order func(a, b compactionInput) int) []*segHandle {
	slices.SortFunc(candidates, order)
	var pick []*segHandle
	total := 0
	for _, in := range candidates {
		if total+in.live > target && len(pick) >= 2 {
			break
		}
		pick = append(pick, in.h)
		total += in.live
	}
	return pick
}

// rowHeap merges the live rows of several segments by row id.
type rowHeap struct {
	items []heapItem
}

type heapItem struct {
	rowid uint64
	src   rowSource
}

// push and pop keep items a min-heap by rowid (container/heap boxed every
// item in an interface: an allocation per row merged).
func (h *rowHeap) push(it heapItem) {
	h.items = append(h.items, it)
	i := len(h.items) - 1
	for i > 0 {
		p := (i - 1) / 2
		if h.items[p].rowid <= h.items[i].rowid {
			break
		}
		h.items[p], h.items[i] = h.items[i], h.items[p]
		i = p
	}
}

func (h *rowHeap) pop() heapItem {
	top := h.items[0]
	n := len(h.items) - 1
	h.items[0] = h.items[n]
	h.items = h.items[:n]
	for i := 0; ; {
		l, m := 2*i+1, i
		if l < n && h.items[l].rowid < h.items[m].rowid {
			m = l
		}
		if r := l + 1; r < n && h.items[r].rowid < h.items[m].rowid {
			m = r
		}
		if m == i {
			break
		}
		h.items[i], h.items[m] = h.items[m], h.items[i]
		i = m
	}
	return top
}

// compact merges inputs (sealed segments of one partition) into one segment
// without their deleted rows, and swaps it in.
func (e *Engine) compact(c *collection, inputs []*segHandle) error {
	start := time.Now()
	c.mu.RLock()
	type state struct {
		n       int
		entries []delEntry
		nd      int
	}
	st := make([]state, len(inputs))
	for i, h := range inputs {
		st[i] = state{n: h.visible, entries: h.dels.entries, nd: len(h.dels.entries)}
	}
	c.mu.RUnlock()

	keep := make([][]int32, len(inputs))
	readers := make([]segReader, len(inputs))
	var dropped []uint64
	hp := &rowHeap{}
	next := make([]int, len(inputs))
	dels := make([]*roaring.Bitmap, len(inputs))
	for i, h := range inputs {
		dels[i] = h.dels.bitmap(st[i].entries, st[i].nd)
	}
	advance := func(i int) {
		del := dels[i]
		for next[i] < st[i].n {
			r := next[i]
			next[i]++
			if del.Contains(uint32(r)) {
				keep[i][r] = -1
				dropped = append(dropped, inputs[i].rowIDs[r])
				continue
			}
			hp.push(heapItem{rowid: inputs[i].rowIDs[r], src: rowSource{in: i, row: r}})
			return
		}
	}
	for i, h := range inputs {
		keep[i] = make([]int32, st[i].n)
		readers[i] = h.reader
		advance(i)
	}
	var srcs []rowSource
	var rowIDs []uint64
	for len(hp.items) > 0 {
		it := hp.pop()
		keep[it.src.in][it.src.row] = int32(len(srcs))
		srcs = append(srcs, it.src)
		rowIDs = append(rowIDs, it.rowid)
		advance(it.src.in)
	}

	var nh *segHandle
	segid := c.nextSegID.Add(1)
	if len(srcs) > 0 {
		r, err := e.writeSegment(c, segid, segmentSource{
			inputs: readers,
			srcs:   srcs,
			rowIDs: rowIDs,
			doc: func(s rowSource, _ uint64) ([]byte, error) {
				return inputs[s.in].file.Doc(s.row)
			},
		})
		if err != nil {
			return fmt.Errorf("compact %d segments: %w", len(inputs), err)
		}
		nh = e.sealedHandle(c, segid, inputs[0].partition, r)
	}

	// What the batch removes is known already: built before taking the
	// lock, a compaction that drops hundreds of thousands of rows does not
	// keep the committer waiting while it adds a key for each.
	b := e.db.NewBatch()
	defer b.Close()
	for _, h := range inputs {
		b.Delete(kv.SegmentKey(nil, c.id, h.id), nil)
	}
	var key []byte // the batch copies it
	for _, rowid := range dropped {
		key = kv.DeleteKey(key[:0], c.id, rowid)
		b.Delete(key, nil)
	}
	if nh != nil {
		b.Set(kv.SegmentKey(nil, c.id, segid), segmentRecord(inputs[0].partition, len(srcs)), nil)
	}
	abandon := func() {
		if nh != nil {
			nh.file.Close()
			_ = e.opts.FS.Remove(c.segmentFile(segid))
		}
	}
	// The record is synced without the collection's lock, which every
	// commit group takes to publish: under the patch workload a batch of
	// 60,000-100,000 deletion marks took 110-200 ms to sync, and every
	// write waited that long. The inputs stay in place meanwhile: sealed
	// segments are replaced only by maintenance (this round: compaction,
	// and retention before it), or dropped with their collection, checked
	// before the sync and after it. Rows deleted from the inputs meanwhile
	// have their own marks in the store, and carry over below.
	c.mu.RLock()
	for _, h := range inputs {
		if h.obsolete.Load() {
			c.mu.RUnlock()
			abandon()
			return fmt.Errorf("compact: segment %d was replaced meanwhile", h.id)
		}
	}
	c.mu.RUnlock()
	if c.dropped.Load() {
		abandon()
		return nil
	}
	if err := b.Commit(pebble.Sync); err != nil {
		abandon()
		return fmt.Errorf("compact: record: %w", err)
	}
	if e.afterCompactionRecord != nil {
		e.afterCompactionRecord()
	}
	c.mu.Lock()
	if c.kvSnap == nil {
		// Dropped meanwhile: its segments are closed and its keys gone,
		// except this batch's when the drop deleted the collection's
		// keys before the batch committed (left under an id never
		// reused, as a seal's are).
		c.mu.Unlock()
		abandon()
		return nil
	}
	if nh != nil {
		var later []delEntry
		for i, h := range inputs {
			for _, en := range h.dels.entries[st[i].nd:] {
				if k := keep[i][en.row]; k >= 0 {
					later = append(later, delEntry{row: uint32(k), seq: en.seq})
				}
			}
		}
		slices.SortStableFunc(later, func(a, b delEntry) int {
			switch {
			case a.seq < b.seq:
				return -1
			case a.seq > b.seq:
				return 1
			}
			return 0
		})
		nh.dels.entries = later
	}
	var repl []*segHandle
	if nh != nil {
		repl = append(repl, nh)
	}
	c.replaceSegments(inputs, repl)
	c.mu.Unlock()
	unrefSegments(inputs)
	e.metrics.compactions.Inc()
	e.metrics.compactionRows.Add(float64(len(srcs)))
	e.log.Debug("compacted segments", "collection", c.meta.Name, "inputs", len(inputs), "rows", len(srcs), "dropped", len(dropped), "took", time.Since(start))
	return nil
}
