package storage

import (
	"context"
	"fmt"
	"time"

	"github.com/basaltdb/basalt/coldata"
	"github.com/basaltdb/basalt/index"
	"github.com/basaltdb/basalt/storage/kv"
	"github.com/basaltdb/basalt/types"
)

// Retention: a sealed segment whose newest event time is past the horizon is
// dropped whole (its rows' primary keys and rows deleted in one batch, with
// the segment record); rows past the horizon in other segments are deleted
// one by one, as a delete by _id that only applies if the _id still names
// that row. Both go through the committer, so they serialize with writes.

// enforceRetention expires what is past the collection's horizon.
func (e *Engine) enforceRetention(ctx context.Context, c *collection, now time.Time) error {
	ret := c.meta.Retention()
	if ret <= 0 {
		return nil
	}
	horizon := now.Add(-ret).UnixMicro()
	snap := c.snapshot()
	defer snap.Close()
	var ops []prepared
	var drops []*segHandle
	before := index.Range(types.Undefined, false, types.Timestamp(horizon), false)
	for _, v := range snap.views {
		lo, hi := v.EventTimeRange()
		if lo >= horizon {
			continue
		}
		if v.Sealed() && hi < horizon {
			drops = append(drops, v.h)
			continue
		}
		sc := v.NewScanner(ScanOptions{Paths: []string{FieldEventTime, FieldID}, Blocks: v.BlocksMatching(FieldEventTime, before)})
		for {
			b, err := sc.Next(ctx)
			if err != nil {
				return err
			}
			if b == nil {
				break
			}
			et, ids := &b.Vecs[0], &b.Vecs[1]
			visit := func(i int) {
				if et.Kind(i) == types.KindTimestamp && et.I64[i] < horizon && ids.Kind(i) == types.KindString {
					// Copy the id: the scanner reuses its buffers.
					id := string(append([]byte(nil), ids.Str[i]...))
					ops = append(ops, prepared{kind: opExpire, id: id, rowid: v.rowIDs[b.Start+i]})
				}
			}
			if b.Sel == nil {
				for i := 0; i < b.Length; i++ {
					visit(i)
				}
			} else {
				for _, i := range b.Sel {
					visit(i)
				}
			}
		}
	}
	for _, h := range drops {
		if _, _, err := c.submitDrop(ctx, h); err != nil {
			return fmt.Errorf("retention: drop segment %d: %w", h.id, err)
		}
		e.metrics.retentionDropped.Inc()
	}
	for len(ops) > 0 {
		n := min(len(ops), e.opts.MaxGroupOps)
		if _, _, err := c.submit(ctx, ops[:n], nil, nil); err != nil {
			return fmt.Errorf("retention: expire rows: %w", err)
		}
		e.metrics.retentionExpired.Add(float64(n))
		ops = ops[n:]
	}
	return nil
}

// submitDrop asks the committer to drop a sealed segment whole.
func (c *collection) submitDrop(ctx context.Context, h *segHandle) ([]WriteResult, uint64, error) {
	r := &writeReq{dropSeg: h, done: make(chan struct{})}
	if err := c.enqueue(ctx, r); err != nil {
		return nil, 0, err
	}
	return nil, r.seq, r.err
}

// applyDrop deletes, in the group's batch, the primary keys and rows of every
// live row of h whose _id still names it, the deletion marks of its deleted
// rows and its segment record. Committer only.
func (c *collection) applyDrop(g *groupState, h *segHandle) error {
	c.mu.RLock()
	n := h.visible
	entries := h.dels.entries
	nd := len(entries)
	gone := h.obsolete.Load()
	c.mu.RUnlock()
	if gone {
		return nil // compacted away meanwhile; retention will see the new one
	}
	del := h.dels.bitmap(entries, nd)
	var vec coldata.Vec
	for lo := 0; lo < n; lo += index.BlockRows {
		hi := min(lo+index.BlockRows, n)
		if err := h.reader.ReadColumn(FieldID, lo, hi, &vec); err != nil {
			return err
		}
		for i := lo; i < hi; i++ {
			rowid := h.rowIDs[i]
			if del.Contains(uint32(i)) {
				g.del(kv.DeleteKey(nil, c.id, rowid))
				continue
			}
			if vec.Kind(i-lo) != types.KindString {
				continue
			}
			id := string(append([]byte(nil), vec.Str[i-lo]...))
			h := hashID(id)
			// The segment holds the document; only the primary key goes.
			if cur, ok := c.lookup(g, id, h); ok && cur == rowid {
				g.del(kv.PKKey(nil, c.id, id))
				g.ids[id] = overlay{h: h}
			}
		}
	}
	g.del(kv.SegmentKey(nil, c.id, h.id))
	g.dropSegs = append(g.dropSegs, h)
	return nil
}
