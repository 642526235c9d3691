package storage

import (
	"bytes"
	"context"
	"fmt"

	"github.com/basaltdb/basalt/catalog"
	"github.com/basaltdb/basalt/storage/kv"
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
	return e.writeTo(ctx, c, ws, name, ops, false, cks)
}

// WriteAtCollection is WriteAt to the collection whose record is col, by
// its ID: once that collection is dropped the write fails with
// catalog.ErrNotFound, even when another collection was created under the
// same name since. An ingest job holds its collection's record (its field
// mapping query, its sources) for as long as it runs, and must not write
// into a successor of the same name with them.
func (e *Engine) WriteAtCollection(ctx context.Context, col catalog.Collection, ops []WriteOp, cks []Checkpoint) ([]WriteResult, uint64, error) {
	c, err := e.collection(col.Workspace, col.Name)
	if err != nil {
		return nil, 0, err
	}
	if c.id != col.ID {
		return nil, 0, fmt.Errorf("%w: collection %q in workspace %q was dropped (it was created again since)", catalog.ErrNotFound, col.Name, col.Workspace)
	}
	for _, ck := range cks {
		if ck.Source == "" {
			return nil, 0, fmt.Errorf("storage: checkpoint without a source name")
		}
	}
	return e.writeTo(ctx, c, col.Workspace, col.Name, ops, false, cks)
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
