package storage

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/basaltdb/basalt/catalog"
	"github.com/basaltdb/basalt/storage/kv"
	"github.com/basaltdb/basalt/types"
	"github.com/cockroachdb/pebble/v2"
)

// Checkpoint is a source's position (a Kafka partition's next offset, a
// file's byte offset), committed in the same atomic batch as the documents
// read before it. A source that restarts from its checkpoint neither loses
// nor repeats a record: either the documents and the position both landed,
// or neither did.
type Checkpoint struct {
	// Source names the position within the collection, e.g.
	// "<source id>/<partition>". Positions are listed by prefix.
	Source string
	Value  []byte
	// Delete removes the checkpoint instead of setting it.
	Delete bool
	// Results, when set, makes the value from the results of the
	// request's operations, once the committer has applied them and before
	// the batch commits; a nil value writes nothing. A source keeps so,
	// atomically with its position, what it still owes for the operations
	// that failed (ingest's records for _meta.bad), including failures
	// only the commit finds (NOTFOUND, ALREADYEXISTS). It runs on the
	// collection's committer goroutine, serially with every write to the
	// collection: it must be quick, must not call the engine, and must not
	// modify res. It may run for a batch that then fails to commit.
	Results func(res []WriteResult) []byte
}

// WriteAt is Write with checkpoints committed atomically with the
// operations. The checkpoints are written even when every operation fails
// on its own (a record that decoded to a bad document is still consumed).
func (e *Engine) WriteAt(ctx context.Context, ws, name string, ops []WriteOp, cks []Checkpoint) ([]WriteResult, uint64, error) {
	c, err := e.collection(ws, name)
	if err != nil {
		return nil, 0, err
	}
	for _, ck := range cks {
		if ck.Source == "" {
			return nil, 0, fmt.Errorf("storage: checkpoint without a source name")
		}
	}
	return e.writeTo(ctx, c, ops, false, cks)
}

// WriteAtCollection is WriteAt to the collection whose record is col, by
// its ID: once that collection is dropped the write fails with
// catalog.ErrNotFound, even when another collection was created under the
// same name since. An ingest job holds its collection's record (its field
// mapping query, its sources) for as long as it runs, and must not write
// into a successor of the same name with them.
func (e *Engine) WriteAtCollection(ctx context.Context, col catalog.Collection, ops []WriteOp, cks []Checkpoint) ([]WriteResult, uint64, error) {
	pw, err := e.PrepareAtCollection(col, ops)
	if err != nil {
		return nil, 0, err
	}
	return e.CommitPrepared(ctx, pw, cks)
}

// PreparedWrite is a request's operations validated and encoded
// (PrepareAtCollection) and not yet committed.
type PreparedWrite struct {
	c    *collection
	prep []prepared
	// now and limits serve Add, which encodes row values in rows.
	now    time.Time
	limits types.Limits
	rows   rowSlab
}

// NewPreparedWrite returns an empty write to a collection, which Add
// prepares one operation at a time and CommitPrepared commits. A request
// prepares each document as soon as it is decoded, while the document is
// still in the CPU's caches: prepared in a pass of its own after the whole
// request was decoded, each document was read from memory again.
func (e *Engine) NewPreparedWrite(ws, name string) (*PreparedWrite, error) {
	c, err := e.collection(ws, name)
	if err != nil {
		return nil, err
	}
	return e.preparedWrite(c, nil), nil
}

// preparedWrite returns c's write of the operations prep, to which Add
// appends.
func (e *Engine) preparedWrite(c *collection, prep []prepared) *PreparedWrite {
	return &PreparedWrite{c: c, prep: prep, limits: e.opts.Limits}
}

// Add checks and encodes one more operation of the write, on the caller's
// goroutine. Its result is the next one CommitPrepared returns. The
// ingest time of documents without an event time is the first Add's: a
// request's body has been read by then.
func (pw *PreparedWrite) Add(op WriteOp) {
	if pw.now.IsZero() {
		pw.now = pw.c.e.opts.Now()
	}
	pw.prep = append(pw.prep, prepare(pw.c.meta, op, pw.now, pw.limits, &pw.rows))
}

// Grow makes room for n more operations, for a caller that knows about how
// many it will Add: appended one by one, a request's thousand operations
// were copied about twice over as the slice grew (0.7% of the server's CPU
// on ingest).
func (pw *PreparedWrite) Grow(n int) {
	pw.prep = slices.Grow(pw.prep, n)
}

// Fork returns an empty write to pw's collection, with pw's ingest time,
// whose operations Join appends to pw's: a large request prepares its
// second half on another goroutine while the first is prepared into pw.
// pw and its fork may be used on two goroutines until Join.
func (pw *PreparedWrite) Fork() *PreparedWrite {
	if pw.now.IsZero() {
		pw.now = pw.c.e.opts.Now()
	}
	return &PreparedWrite{c: pw.c, now: pw.now, limits: pw.limits}
}

// Join appends the operations of fork, a Fork of pw, after pw's.
func (pw *PreparedWrite) Join(fork *PreparedWrite) {
	if fork.c != pw.c {
		panic("storage: PreparedWrite.Join of a write to another collection")
	}
	pw.prep = append(pw.prep, fork.prep...)
}

// Redo prepares op again as the write's operation i, in place of the one
// Add prepared: a forked half learns the index of its first operation,
// which error messages name, only when it is joined.
func (pw *PreparedWrite) Redo(i int, op WriteOp) {
	pw.prep[i] = prepare(pw.c.meta, op, pw.now, pw.limits, &pw.rows)
}

// PrepareAtCollection does the part of WriteAtCollection that needs no
// commit: it checks and encodes the operations, on the caller's goroutine.
// A source with one stream of positions (a file) prepares its next batch
// while the last one commits, and commits them in order (CommitPrepared),
// where one batch at a time left a core idle.
func (e *Engine) PrepareAtCollection(col catalog.Collection, ops []WriteOp) (*PreparedWrite, error) {
	c, err := e.collectionAt(col)
	if err != nil {
		return nil, err
	}
	prep, err := e.prepareAll(c, ops, false)
	if err != nil {
		return nil, err
	}
	return e.preparedWrite(c, prep), nil
}

// NewPreparedWriteAt is NewPreparedWrite for the collection col names by
// its ID, as PrepareAtCollection.
func (e *Engine) NewPreparedWriteAt(col catalog.Collection) (*PreparedWrite, error) {
	c, err := e.collectionAt(col)
	if err != nil {
		return nil, err
	}
	return e.preparedWrite(c, nil), nil
}

// collectionAt returns the collection col names, refusing one dropped and
// created again under its name.
func (e *Engine) collectionAt(col catalog.Collection) (*collection, error) {
	c, err := e.collection(col.Workspace, col.Name)
	if err != nil {
		return nil, err
	}
	if c.id != col.ID {
		return nil, fmt.Errorf("%w: collection %q in workspace %q was dropped (it was created again since)", catalog.ErrNotFound, col.Name, col.Workspace)
	}
	return c, nil
}

// CommitPrepared commits a prepared write with its checkpoints, as
// WriteAtCollection does.
func (e *Engine) CommitPrepared(ctx context.Context, pw *PreparedWrite, cks []Checkpoint) ([]WriteResult, uint64, error) {
	pc, err := e.SubmitPrepared(ctx, pw, cks, nil)
	if err != nil {
		return nil, 0, err
	}
	return pc.Wait()
}

// PendingCommit is a prepared write queued for its commit.
type PendingCommit struct {
	c *collection
	r *writeReq
}

// SubmitPrepared queues a prepared write with its checkpoints and returns
// without waiting for the commit (PendingCommit.Wait). Writes commit in the
// order they were queued: a source with one stream of positions (a file)
// queues its next batch while the last one commits, so the collection's
// committer never waits for it, and its positions still commit in order.
// When after (queued before, or nil) fails, this write fails too rather
// than commit its positions past after's records.
func (e *Engine) SubmitPrepared(ctx context.Context, pw *PreparedWrite, cks []Checkpoint, after *PendingCommit) (*PendingCommit, error) {
	for _, ck := range cks {
		if ck.Source == "" {
			return nil, fmt.Errorf("storage: checkpoint without a source name")
		}
	}
	decs := pw.c.prefetch(pw.prep)
	r := &writeReq{ops: pw.prep, results: make([]WriteResult, len(pw.prep)), checkpoints: cks, done: make(chan struct{}), decoders: decs}
	if after != nil {
		if after.c != pw.c {
			return nil, fmt.Errorf("storage: a write ordered after a write to another collection")
		}
		r.after = after.r
	}
	if err := pw.c.send(ctx, r); err != nil {
		return nil, pw.c.droppedErr(err)
	}
	return &PendingCommit{c: pw.c, r: r}, nil
}

// Wait waits until the write is durable and visible, or failed, and
// returns what WriteAtCollection returns.
func (p *PendingCommit) Wait() ([]WriteResult, uint64, error) {
	if err := p.c.wait(p.r); err != nil {
		return nil, 0, p.c.droppedErr(err)
	}
	if p.r.err != nil {
		return nil, 0, p.c.droppedErr(p.r.err)
	}
	return p.r.results, p.r.seq, nil
}

// Checkpoints returns the committed positions of a collection whose source
// names start with prefix.
func (e *Engine) Checkpoints(ws, name, prefix string) (map[string][]byte, error) {
	c, err := e.collection(ws, name)
	if err != nil {
		return nil, err
	}
	start := kv.OffsetKey(c.id, prefix)
	_, end := kv.TableSpan(kv.TableOffsets, c.id)
	if prefix != "" {
		end = prefixEnd(start)
	}
	out := map[string][]byte{}
	base := len(kv.OffsetKey(c.id, ""))
	err = kv.Scan(e.db, start, end, func(key, value []byte) error {
		out[string(key[base:])] = bytes.Clone(value)
		return nil
	})
	return out, err
}

// DeleteCheckpoints forgets the positions whose source names start with
// prefix (a source was removed from the collection). It goes through the
// committer so it is ordered with the writes that set them.
func (e *Engine) DeleteCheckpoints(ctx context.Context, ws, name, prefix string) error {
	c, err := e.collection(ws, name)
	if err != nil {
		return err
	}
	if prefix == "" {
		return fmt.Errorf("storage: deleting checkpoints needs a source prefix")
	}
	r := &writeReq{clearCheckpoints: prefix, done: make(chan struct{})}
	if err := c.enqueue(ctx, r); err != nil {
		return err
	}
	return r.err
}

// setCheckpoints adds a request's checkpoint changes to the group's batch.
func (c *collection) setCheckpoints(b *pebble.Batch, r *writeReq) error {
	if r.clearCheckpoints != "" {
		start := kv.OffsetKey(c.id, r.clearCheckpoints)
		if err := b.DeleteRange(start, prefixEnd(start), nil); err != nil {
			return err
		}
	}
	for _, ck := range r.checkpoints {
		key := kv.OffsetKey(c.id, ck.Source)
		var err error
		switch {
		case ck.Delete:
			err = b.Delete(key, nil)
		case ck.Results != nil:
			if v := ck.Results(r.results); v != nil {
				err = b.Set(key, v, nil)
			}
		default:
			err = b.Set(key, ck.Value, nil)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// prefixEnd returns the smallest key after every key starting with p.
func prefixEnd(p []byte) []byte {
	end := bytes.Clone(p)
	for i := len(end) - 1; i >= 0; i-- {
		if end[i] != 0xff {
			end[i]++
			return end[:i+1]
		}
	}
	return nil
}
