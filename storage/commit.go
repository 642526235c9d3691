package storage

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"time"

	"github.com/basaltdb/basalt/storage/kv"
	"github.com/basaltdb/basalt/storage/memseg"
	"github.com/basaltdb/basalt/storage/rowlog"
	"github.com/basaltdb/basalt/types"
	"github.com/cockroachdb/pebble/v2"
)

// ErrClosed is returned for writes to a closed engine or dropped collection.
var ErrClosed = errors.New("storage: closed")

// writeReq is one request waiting for the committer.
type writeReq struct {
	dropSeg *segHandle // retention: drop this sealed segment whole
	flush   bool       // freeze every mutable segment after this group
	ops     []prepared
	results []WriteResult
	// checkpoints are source positions committed with ops (checkpoint.go);
	// clearCheckpoints, when set, deletes the positions under a prefix.
	checkpoints      []Checkpoint
	clearCheckpoints string
	seq              uint64
	err              error
	done             chan struct{}
	// after, when set, is a request queued before this one whose failure
	// fails this one too: a stream of positions committed in order must
	// not commit a later position over an earlier batch that failed.
	after *writeReq
	// decoders hold the memory of the documents prefetch read for ops:
	// once the request is committed nothing refers to them, and they go
	// back to Engine.readDecoders.
	decoders []*types.Decoder
}

// submit queues a request, whose prefetched documents decs hold, and waits
// for its outcome.
func (c *collection) submit(ctx context.Context, ops []prepared, cks []Checkpoint, decs []*types.Decoder) ([]WriteResult, uint64, error) {
	r := &writeReq{ops: ops, results: make([]WriteResult, len(ops)), checkpoints: cks, done: make(chan struct{}), decoders: decs}
	if err := c.enqueue(ctx, r); err != nil {
		return nil, 0, err
	}
	return r.results, r.seq, r.err
}

// enqueue hands r to the committer and waits until it is answered. Once
// queued, the request is committed or failed: enqueue waits for it even if
// ctx ends, so the caller never misses an acknowledgement. A request queued
// after the committer drained the queue and stopped is never answered, so
// the committer's exit ends the wait too.
func (c *collection) enqueue(ctx context.Context, r *writeReq) error {
	if err := c.send(ctx, r); err != nil {
		return err
	}
	return c.wait(r)
}

// send queues r for the committer, which takes requests in the order they
// were queued.
func (c *collection) send(ctx context.Context, r *writeReq) error {
	select {
	case <-c.quit:
		return ErrClosed
	default:
	}
	select {
	case c.reqs <- r:
		return nil
	case <-c.quit:
		return ErrClosed
	case <-ctx.Done():
		return ctx.Err()
	}
}

// wait waits until the committer answered a queued request.
func (c *collection) wait(r *writeReq) error {
	select {
	case <-r.done:
	case <-c.done:
		select {
		case <-r.done: // answered before the committer stopped
		default:
			return ErrClosed
		}
	}
	return nil
}

// run is the committer goroutine.
func (c *collection) run() {
	defer close(c.done)
	var tick <-chan time.Time
	if !c.e.opts.DisableBackground {
		t := time.NewTicker(max(min(c.e.opts.SealAge/4, 10*time.Second), 10*time.Millisecond))
		defer t.Stop()
		tick = t.C
	}
	for {
		select {
		case <-c.quit:
			c.failPending()
			return
		case r := <-c.reqs:
			if !c.waitForSealer() {
				r.err = ErrClosed
				close(r.done)
				c.failPending()
				return
			}
			group := c.gather(r)
			c.commitGroup(group)
		case <-tick:
			c.sealAged(c.e.opts.Now())
		}
	}
}

func (c *collection) failPending() {
	for {
		select {
		case r := <-c.reqs:
			r.err = ErrClosed
			close(r.done)
		default:
			return
		}
	}
}

// waitForSealer blocks while too many frozen segments wait to be sealed:
// writers slow down to the sealer's pace instead of filling memory.
func (c *collection) waitForSealer() bool {
	for {
		c.mu.RLock()
		n := c.pendingSeals
		c.mu.RUnlock()
		if n < c.e.opts.MaxPendingSeals {
			return true
		}
		c.e.metrics.backpressure.Inc()
		c.e.sealer.startWaiting()
		select {
		case <-c.sealDone:
		case <-c.quit:
			c.e.sealer.stopWaiting()
			return false
		}
		c.e.sealer.stopWaiting()
	}
}

// gather takes the requests already queued behind first, up to the group
// limit: they share one synced commit.
func (c *collection) gather(first *writeReq) []*writeReq {
	group := []*writeReq{first}
	n := len(first.ops)
	for n < c.e.opts.MaxGroupOps {
		select {
		case r := <-c.reqs:
			group = append(group, r)
			n += len(r.ops)
		default:
			return group
		}
	}
	return group
}

// overlay is what earlier operations of the group did to an _id.
type overlay struct {
	rowid uint64 // 0: the document is gone
	doc   types.Value
	h     pkHash
}

type newRow struct {
	rowid uint64
	doc   types.Value
	et    int64
	value []byte // the row value (rowvalue.go), owned by the row
}

// groupState accumulates one commit.
type groupState struct {
	b        *pebble.Batch
	ids      map[string]overlay
	rows     []newRow
	dels     []uint64
	dropSegs []*segHandle
	// firstRow is the first row id of the group; rows under lowWater are
	// all in sealed segments (see markDeleted).
	firstRow, lowWater uint64
	// keys are the group's writes other than new rows, in op order.
	keys []keyWrite
}

// keyWrite is a write of a primary key, deletion mark or row deletion.
type keyWrite struct {
	key, value []byte
	del        bool
}

func (g *groupState) set(key, value []byte) {
	g.keys = append(g.keys, keyWrite{key: key, value: value})
}

func (g *groupState) del(key []byte) { g.keys = append(g.keys, keyWrite{key: key, del: true}) }

// writeKeys adds the group's key writes to its batch in key order, after
// the new rows (whose ids ascend already). Pebble's memtable reuses the
// search path of the previous insert when keys come in order: in op order,
// primary keys and deletion marks each searched the skiplist from its top,
// 8% of the CPU of a patch workload. The sort is stable, so writes of one
// key keep their order, the last one winning.
func (g *groupState) writeKeys() {
	slices.SortStableFunc(g.keys, func(a, b keyWrite) int { return bytes.Compare(a.key, b.key) })
	for _, w := range g.keys {
		if w.del {
			g.b.Delete(w.key, nil)
		} else {
			g.b.Set(w.key, w.value, nil)
		}
	}
	g.keys = g.keys[:0]
}

// lookup returns the current row of id, of hash h: as the group left it, or
// as committed.
func (c *collection) lookup(g *groupState, id string, h pkHash) (uint64, bool) {
	if o, ok := g.ids[id]; ok {
		return o.rowid, o.rowid != 0
	}
	return c.pk.get(h)
}

// lookupOp is lookup for an operation.
func (c *collection) lookupOp(g *groupState, op *prepared) (uint64, bool) {
	if op.idHash == (pkHash{}) {
		op.idHash = hashID(op.id)
	}
	return c.lookup(g, op.id, op.idHash)
}

// publishPK applies the group's primary-key changes to the in-memory index,
// once they are durable.
func (c *collection) publishPK(g *groupState) {
	for _, o := range g.ids {
		if o.rowid == 0 {
			c.pk.del(o.h)
		} else {
			c.pk.set(o.h, o.rowid)
		}
	}
}

// loadDoc returns the current document of id at rowid.
func (c *collection) loadDoc(g *groupState, id string, rowid uint64) (types.Value, error) {
	if o, ok := g.ids[id]; ok && o.rowid == rowid && !o.doc.IsUndefined() {
		return o.doc, nil
	}
	return c.readRow(nil, rowid)
}

// readRow reads the document of a row: from its sealed segment's row
// section, or from its mutable segment's stored rows. Safe for concurrent
// use. dec (nil: a new one) decodes the document; what it decoded before
// stays valid.
func (c *collection) readRow(dec *types.Decoder, rowid uint64) (types.Value, error) {
	if dec == nil {
		dec = new(types.Decoder)
	}
	c.mu.RLock()
	h, row, found := c.findRow(rowid)
	if found {
		h.ref()
	}
	c.mu.RUnlock()
	if !found {
		return types.Value{}, fmt.Errorf("row %d is in no segment", rowid)
	}
	defer h.unref()
	bin, err := h.doc(int(row))
	if err != nil {
		return types.Value{}, fmt.Errorf("row %d: %w", rowid, err)
	}
	return dec.DecodeBinary(bin)
}

// prefetch reads, in the caller's goroutine, the current version of the
// documents that patches and merges will modify, so the committer (one
// goroutine per collection) does not read them serially. The committer uses
// a prefetched document only if the _id still names the same row. A write
// with many such documents reads the second half of them on a goroutine of
// its own: a request of 1,000 patches spent 12 ms here. It returns the
// decoders that hold the documents read (the request's decoders, handed
// back once it is committed: releaseDecoders).
func (c *collection) prefetch(ops []prepared) []*types.Decoder {
	reads := 0
	for i := range ops {
		if ops[i].reads() {
			reads++
		}
	}
	if reads == 0 {
		return nil
	}
	first := c.readDecoder()
	if reads < 2*prefetchMinHalf || runtime.GOMAXPROCS(0) < 2 {
		c.prefetchOps(ops, first)
		return []*types.Decoder{first}
	}
	// Halves of equal reads: the ops between are hashed by the first.
	mid, seen := 0, 0
	for mid = range ops {
		if ops[mid].reads() {
			if seen == reads/2 {
				break
			}
			seen++
		}
	}
	second := c.readDecoder()
	done := make(chan struct{})
	go func() {
		defer close(done)
		c.prefetchOps(ops[mid:], second)
	}()
	c.prefetchOps(ops[:mid], first)
	<-done
	return []*types.Decoder{first, second}
}

// readDecoder returns a decoder from the engine's pool, for prefetch.
func (c *collection) readDecoder() *types.Decoder {
	if dec, _ := c.e.readDecoders.Get().(*types.Decoder); dec != nil {
		return dec
	}
	return new(types.Decoder)
}

// releaseDecoders hands the decoders of committed requests back to the
// engine's pool: nothing refers to the documents they read any more (the
// mutable segment and the row log copied what they keep). Committer only,
// once the group is published. A request that failed keeps its decoders,
// which the garbage collector takes.
func (c *collection) releaseDecoders(group []*writeReq) {
	for _, r := range group {
		for _, dec := range r.decoders {
			dec.Reset()
			c.e.readDecoders.Put(dec)
		}
		r.decoders = nil
	}
}

// prefetchMinHalf is the fewest reads prefetch does on a goroutine of its
// own.
const prefetchMinHalf = 64

// reads says whether the prefetch reads op's current document.
func (op *prepared) reads() bool {
	return op.err == nil && op.id != "" && (op.kind == OpPatch || op.kind == OpUpdate || op.kind == OpMerge)
}

// prefetchOps is prefetch for ops on the caller's goroutine, with dec.
func (c *collection) prefetchOps(ops []prepared, dec *types.Decoder) {
	// One decoder for the request's documents: they share its slabs
	// instead of allocating (and zeroing) a slab each, which was a fifth
	// of the CPU of a patch workload.
	for i := range ops {
		op := &ops[i]
		if op.err != nil || op.id == "" {
			continue
		}
		op.idHash = hashID(op.id)
		if op.kind != OpPatch && op.kind != OpUpdate && op.kind != OpMerge {
			continue
		}
		rowid, ok := c.pk.get(op.idHash)
		if !ok {
			continue
		}
		doc, err := c.readRow(dec, rowid)
		if err != nil {
			continue
		}
		op.prefetched, op.prefetchedRow = doc, rowid
		// Merge or patch and encode here too: done by the committer, it
		// was the serial part of updates (Kafka _op UPDATE at 7,700/s:
		// p50 80 ms where inserts had 10).
		var out types.Value
		switch op.kind {
		case OpUpdate, OpMerge:
			out = mergeTop(doc, op.doc)
		case OpPatch:
			d, perr := types.ApplyPatch(doc, op.patch, c.e.opts.Limits.MaxFieldNameBytes)
			if perr != nil || types.Depth(d) > c.e.opts.Limits.MaxDepth {
				continue // the committer reports it
			}
			out = d
		}
		op.premerged = out
		op.preEnc = docRow(out)
	}
}

// premergedDoc returns the document op makes and its encoding when they
// were computed from the current version of the document at the prefetch.
func (c *collection) premergedDoc(g *groupState, op *prepared, rowid uint64) (types.Value, []byte, bool) {
	if _, inGroup := g.ids[op.id]; inGroup || op.prefetchedRow != rowid || op.premerged.IsUndefined() {
		return types.Value{}, nil, false
	}
	return op.premerged, op.preEnc, true
}

// currentDoc returns the document op modifies, at rowid: the prefetched one
// when it is still current.
func (c *collection) currentDoc(g *groupState, op *prepared, rowid uint64) (types.Value, error) {
	if _, inGroup := g.ids[op.id]; !inGroup && op.prefetchedRow == rowid && !op.prefetched.IsUndefined() {
		return op.prefetched, nil
	}
	return c.loadDoc(g, op.id, rowid)
}

// putRow writes a new version of id; enc is doc's row value when the caller
// has it already, in a buffer the row may keep.
func (c *collection) putRow(g *groupState, id string, h pkHash, doc types.Value, enc []byte, et int64, old uint64, replacing bool) {
	rowid := c.nextRowID
	c.nextRowID++
	if enc == nil {
		enc = docRow(doc)
	}
	g.set(kv.PKKey(nil, c.id, id), kv.PutUvarint(rowid))
	if replacing {
		c.markDeleted(g, old)
	}
	g.ids[id] = overlay{rowid: rowid, doc: doc, h: h}
	g.rows = append(g.rows, newRow{rowid: rowid, doc: doc, et: et, value: enc})
}

// markDeleted deletes a superseded or deleted row, writing only what
// recovery needs (each key is a random insert into Pebble's memtable, and
// with 30% replaces these were a tenth of the CPU):
//   - a row of an active mutable segment, or of this group, needs nothing:
//     its segment's seal drops it, and recovery replays from the row log
//     only the rows the primary keys still name;
//   - a row of a sealed or frozen (maybe sealing) segment gets a deletion
//     mark, which recovery applies to the segment.
func (c *collection) markDeleted(g *groupState, rowid uint64) {
	active := rowid >= g.firstRow
	for _, h := range c.active {
		if active {
			break
		}
		_, active = h.rowOf(rowid)
	}
	if !active {
		g.set(kv.DeleteKey(nil, c.id, rowid), nil)
	}
	g.dels = append(g.dels, rowid)
}

func eventTimeOf(doc types.Value) int64 { return doc.Get(FieldEventTime).Micros() }

// apply runs one operation against the group state and returns its result.
func (c *collection) apply(g *groupState, op *prepared) (WriteResult, error) {
	res := WriteResult{ID: op.id}
	if op.err != nil {
		res.Err = op.err
		return res, nil
	}
	cur, exists := c.lookupOp(g, op)
	notFound := func() (WriteResult, error) {
		res.Err = &DocError{Type: ErrNotFound, Message: fmt.Sprintf("document with _id %q does not exist", op.id)}
		return res, nil
	}
	switch op.kind {
	case OpUpsert, OpInsert, OpReplace:
		if op.kind == OpInsert && exists {
			res.Err = &DocError{Type: ErrAlreadyExists, Message: fmt.Sprintf("document with _id %q already exists (_op INSERT)", op.id)}
			return res, nil
		}
		if op.kind == OpReplace && !exists {
			return notFound()
		}
		c.putRow(g, op.id, op.idHash, op.doc, op.enc, op.eventTime, cur, exists)
		res.Status = StatusAdded
		if exists {
			res.Status = StatusReplaced
		}
	case OpUpdate, OpMerge:
		if !exists {
			if op.kind == OpUpdate {
				return notFound()
			}
			c.putRow(g, op.id, op.idHash, op.doc, nil, op.eventTime, 0, false)
			res.Status = StatusAdded
			return res, nil
		}
		if doc, enc, ok := c.premergedDoc(g, op, cur); ok {
			c.putRow(g, op.id, op.idHash, doc, enc, eventTimeOf(op.prefetched), cur, true)
			res.Status = StatusPatched
			return res, nil
		}
		old, err := c.currentDoc(g, op, cur)
		if err != nil {
			return res, err
		}
		doc := mergeTop(old, op.doc)
		c.putRow(g, op.id, op.idHash, doc, nil, eventTimeOf(old), cur, true)
		res.Status = StatusPatched
	case OpPatch:
		if !exists {
			return notFound()
		}
		if doc, enc, ok := c.premergedDoc(g, op, cur); ok {
			c.putRow(g, op.id, op.idHash, doc, enc, eventTimeOf(op.prefetched), cur, true)
			res.Status = StatusPatched
			return res, nil
		}
		old, err := c.currentDoc(g, op, cur)
		if err != nil {
			return res, err
		}
		doc, perr := types.ApplyPatch(old, op.patch, c.e.opts.Limits.MaxFieldNameBytes)
		if perr != nil {
			res.Err = &DocError{Type: ErrInvalidInput, Message: perr.Error()}
			return res, nil
		}
		if depth := types.Depth(doc); depth > c.e.opts.Limits.MaxDepth {
			res.Err = invalid("patched document nests %d deep, over the limit of %d", depth, c.e.opts.Limits.MaxDepth)
			return res, nil
		}
		c.putRow(g, op.id, op.idHash, doc, nil, eventTimeOf(old), cur, true)
		res.Status = StatusPatched
	case OpDelete, opExpire:
		if !exists || (op.kind == opExpire && cur != op.rowid) {
			if op.kind == opExpire {
				return res, nil
			}
			return notFound()
		}
		g.del(kv.PKKey(nil, c.id, op.id))
		c.markDeleted(g, cur)
		g.ids[op.id] = overlay{h: op.idHash}
		res.Status = StatusDeleted
	case OpFold:
		return c.applyFold(g, op, res, cur, exists)
	}
	return res, nil
}

// failOrphans answers the requests queued after a request that failed
// (writeReq.after) with its error, and returns the others. A predecessor in
// this same group commits or fails with it; one in an earlier group has
// its answer already.
func (c *collection) failOrphans(group []*writeReq) []*writeReq {
	kept := group[:0]
	for _, r := range group {
		after := r.after
		r.after = nil // the chain of requests ends here
		if after != nil && after.err != nil {
			r.err = fmt.Errorf("an earlier write of the same stream failed: %w", after.err)
			close(r.done)
			continue
		}
		kept = append(kept, r)
	}
	return kept
}

// commitGroup commits a group of requests as one synced batch, applies it
// and answers every request.
func (c *collection) commitGroup(group []*writeReq) {
	group = c.failOrphans(group)
	if len(group) == 0 {
		return
	}
	if c.broken != nil {
		for _, r := range group {
			r.err = fmt.Errorf("collection %s.%s refuses writes until a restart: %w", c.meta.Workspace, c.meta.Name, c.broken)
			close(r.done)
		}
		return
	}
	start := time.Now()
	c.mu.RLock()
	lw := c.lowWater(nil)
	c.mu.RUnlock()
	g := &groupState{b: c.e.db.NewBatch(), ids: map[string]overlay{}, firstRow: c.nextRowID, lowWater: lw}
	defer g.b.Close()
	fail := func(err error) {
		for _, r := range group {
			r.err = err
			close(r.done)
		}
	}
	firstRow := c.nextRowID
	for _, r := range group {
		if r.dropSeg != nil {
			if err := c.applyDrop(g, r.dropSeg); err != nil {
				c.nextRowID = firstRow
				fail(fmt.Errorf("drop segment of collection %s.%s: %w", c.meta.Workspace, c.meta.Name, err))
				return
			}
		}
		for i := range r.ops {
			res, err := c.apply(g, &r.ops[i])
			if err != nil {
				c.nextRowID = firstRow
				fail(fmt.Errorf("commit to collection %s.%s: %w", c.meta.Workspace, c.meta.Name, err))
				return
			}
			r.results[i] = res
		}
		if err := c.setCheckpoints(g.b, r); err != nil {
			c.nextRowID = firstRow
			fail(fmt.Errorf("commit source positions of collection %s.%s: %w", c.meta.Workspace, c.meta.Name, err))
			return
		}
	}
	var seq uint64
	var staged []*stagedRows // a group without rows stages none
	g.writeKeys()
	if !g.b.Empty() {
		g.b.Set(kv.NextRowIDKey(c.id), kv.PutUvarint(c.nextRowID), nil)
		if len(g.rows) > 0 {
			// One sync commits the group: its record in the row log,
			// which carries the Pebble batch (logcommit.go). Pebble then
			// takes the batch unsynced; a restart reapplies what it lost.
			c.logRows = c.logRows[:0]
			for _, r := range g.rows {
				c.logRows = append(c.logRows, rowlog.Row{ID: r.rowid, Data: r.value})
			}
			c.logCommit = appendLogCommit(c.logCommit[:0], c.nextRowID, g.b.Repr())
			wait := c.log.StartAppendCommit(c.logRows, c.logCommit)
			// While the disk syncs, the rows go into their mutable
			// segments, past what snapshots see: the sync left the CPU
			// idle, and this is most of the group's work after apply.
			staged = c.stage(g)
			if err := wait(); err != nil {
				// Whether the record reached the disk is unknown: a
				// restart may apply it, and must find no later group
				// (a deletion, synced by Pebble alone) it would undo.
				c.nextRowID = firstRow
				c.broken = fmt.Errorf("a row log append failed: %w", err)
				fail(fmt.Errorf("commit to collection %s.%s: %w", c.meta.Workspace, c.meta.Name, err))
				return
			}
			if err := g.b.Commit(pebble.NoSync); err != nil {
				c.broken = fmt.Errorf("a group logged but not applied: %w", err)
				fail(fmt.Errorf("commit to collection %s.%s: %w", c.meta.Workspace, c.meta.Name, c.broken))
				return
			}
		} else if err := g.b.Commit(pebble.Sync); err != nil {
			// Deletions and source positions alone: Pebble's sync is the
			// commit (and makes every earlier unsynced batch durable).
			c.nextRowID = firstRow
			fail(fmt.Errorf("commit to collection %s.%s: %w", c.meta.Workspace, c.meta.Name, err))
			return
		}
		// Segments before primary keys: a row the index names is always
		// in a segment, where readRow finds it.
		seq = c.publish(g, staged)
		unrefSegments(g.dropSegs)
		c.publishPK(g)
	} else {
		c.mu.RLock()
		seq = c.seq
		c.mu.RUnlock()
	}
	c.checkSeal()
	ops := 0
	for _, r := range group {
		if r.flush {
			c.freezeAll()
		}
	}
	for _, r := range group {
		r.seq = seq
		ops += len(r.ops)
		close(r.done)
	}
	c.releaseDecoders(group)
	c.e.metrics.commitOps.Add(float64(ops))
	c.e.metrics.commits.Inc()
	c.e.metrics.commitSeconds.Observe(time.Since(start).Seconds())
}

// stagedRows are a group's rows appended to the mutable segment of their
// time partition, not yet visible.
type stagedRows struct {
	h      *segHandle
	docs   []types.Value
	stored [][]byte
	rowIDs []uint64
	ets    []int64
	shape  uint64
}

// stage appends a group's new rows to the mutable segments of their time
// partitions, past the rows snapshots see: appending needs no collection
// lock, and a group that fails to commit is never seen (its collection
// takes no more writes). Committer only.
func (c *collection) stage(g *groupState) []*stagedRows {
	var targets []*stagedRows
	byPart := map[int64]*stagedRows{}
	for _, r := range g.rows {
		p := c.partitionOf(r.et)
		t := byPart[p]
		if t == nil {
			h := c.active[p]
			if h == nil {
				h = c.newMemHandle(p)
			}
			t = &stagedRows{h: h}
			byPart[p] = t
			targets = append(targets, t)
		}
		t.docs = append(t.docs, r.doc)
		t.stored = append(t.stored, r.value)
		t.rowIDs = append(t.rowIDs, r.rowid)
		t.ets = append(t.ets, r.et)
	}
	for _, t := range targets {
		if _, err := t.h.mem.AppendStored(t.docs, t.stored, t.rowIDs, t.ets); err != nil {
			// Appends fail only on a broken invariant (a frozen
			// segment is never active).
			panic(fmt.Sprintf("storage: append to mutable segment: %v", err))
		}
		// The committer alone appends: this is the shape of every row up
		// to these, read before taking the collection's lock.
		t.shape = t.h.mem.Shape()
	}
	return targets
}

// publish makes a committed group visible: its staged rows, deletions and
// dropped segments.
func (c *collection) publish(g *groupState, targets []*stagedRows) uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.seq++
	seq := c.seq
	for _, t := range targets {
		t.h.rowIDs = append(t.h.rowIDs, t.rowIDs...)
		t.h.visible += len(t.rowIDs)
		t.h.shape = t.shape
		c.maxPublished = max(c.maxPublished, t.rowIDs[len(t.rowIDs)-1])
	}
	if len(g.dropSegs) > 0 {
		c.replaceSegments(g.dropSegs, nil)
	}
	for _, rowid := range g.dels {
		h, row, ok := c.findRow(rowid)
		if !ok {
			c.e.log.Error("deleted row is in no segment", "collection", c.meta.Name, "rowid", rowid)
			continue
		}
		h.dels.entries = append(h.dels.entries, delEntry{row: row, seq: seq})
	}
	old := c.kvSnap
	c.kvSnap = newKVSnapshot(c.e.db)
	if old != nil {
		old.unref()
	}
	return seq
}

// newMemHandle creates the mutable segment of partition p. Committer only.
func (c *collection) newMemHandle(p int64) *segHandle {
	m := memseg.New()
	m.SizeLike(c.columnSizes)
	h := &segHandle{id: c.nextSegID.Add(1), partition: p, mem: m, reader: m, created: c.e.opts.Now().UnixNano()}
	h.ref()
	c.active[p] = h
	c.mu.Lock()
	c.segs = append(c.segs, h)
	c.mu.Unlock()
	return h
}

// checkSeal freezes mutable segments over the size thresholds, and the one
// holding the oldest row when the row log is over its bound.
func (c *collection) checkSeal() {
	for p, h := range c.active {
		if h.mem.NumRows() >= c.e.opts.SealRows || h.mem.Bytes() >= c.e.opts.SealBytes {
			c.freeze(p, h)
			c.columnSizes = h.mem.ColumnSizes()
		}
	}
	if c.log.Bytes() <= c.e.opts.RowLogBytes {
		return
	}
	oldest, op := (*segHandle)(nil), int64(0)
	c.mu.RLock()
	for p, h := range c.active {
		if len(h.rowIDs) > 0 && (oldest == nil || h.rowIDs[0] < oldest.rowIDs[0]) {
			oldest, op = h, p
		}
	}
	pinned := oldest != nil && oldest.rowIDs[0] == c.lowWater(nil)
	c.mu.RUnlock()
	if pinned {
		c.freeze(op, oldest)
	}
}

// sealAged freezes mutable segments older than SealAge.
func (c *collection) sealAged(now time.Time) {
	for p, h := range c.active {
		if now.UnixNano()-h.created >= int64(c.e.opts.SealAge) && h.mem.NumRows() > 0 {
			c.freeze(p, h)
		}
	}
}

// freeze hands a mutable segment to the sealer. Committer only.
func (c *collection) freeze(p int64, h *segHandle) {
	delete(c.active, p)
	h.mem.Freeze()
	c.mu.Lock()
	h.frozen = true
	h.frozenSeq = c.seq
	c.pendingSeals++
	c.mu.Unlock()
	c.e.sealer.enqueue(sealJob{c: c, h: h})
}

// freezeAll hands every mutable segment to the sealer (used by tests and
// by the seal-now API).
func (c *collection) freezeAll() {
	for p, h := range c.active {
		if h.mem.NumRows() > 0 {
			c.freeze(p, h)
		}
	}
}
