package storage

import (
	"bytes"
	"encoding/binary"
	"fmt"

	"github.com/basaltdb/basalt/storage/kv"
	"github.com/cockroachdb/pebble/v2"
)

// A group with rows commits with one sync: its row-log record carries,
// besides the rows, the group's Pebble batch and the next row id after the
// group (the batch sets m/n to it). Pebble commits the batch unsynced, so
// a crash may lose it; a start reapplies every logged batch whose next row
// id is past the one Pebble holds. Pebble keeps a prefix of its writes and
// each of them sets m/n, so the batches it lost are exactly those.
// Pebble's synced writes (seals, compactions, the catalog, groups without
// rows) make every earlier unsynced batch durable: a seal's, in
// particular, before it releases the log files holding those batches.

// appendLogCommit encodes a group's commit for its row-log record.
func appendLogCommit(b []byte, nextRowID uint64, batch []byte) []byte {
	b = binary.AppendUvarint(b, nextRowID)
	return append(b, batch...)
}

// reapplyLogCommits commits to Pebble the logged batches it lost, in log
// order, and syncs them. Before anything else of the collection is read
// from Pebble.
func (e *Engine) reapplyLogCommits(c *collection) error {
	next := uint64(0)
	if v, ok, err := kv.Get(e.db, kv.NextRowIDKey(c.id)); err != nil {
		return err
	} else if ok {
		if next, ok = kv.Uvarint(v); !ok {
			return fmt.Errorf("corrupt next row id")
		}
	}
	applied := 0
	err := c.log.Commits(func(commit []byte) error {
		n, k := binary.Uvarint(commit)
		if k <= 0 {
			return fmt.Errorf("corrupt row log commit: its next row id")
		}
		if n <= next {
			return nil
		}
		b := e.db.NewBatch()
		defer b.Close()
		// A copy: Pebble writes the batch's sequence number into it, and
		// the log's bytes are read again by Replay.
		if err := b.SetRepr(bytes.Clone(commit[k:])); err != nil {
			return fmt.Errorf("row log commit up to row %d: %w", n, err)
		}
		if err := b.Commit(pebble.NoSync); err != nil {
			return fmt.Errorf("reapply row log commit up to row %d: %w", n, err)
		}
		next = n
		applied++
		return nil
	})
	if err != nil {
		return fmt.Errorf("reapply logged commits: %w", err)
	}
	if applied == 0 {
		return nil
	}
	if err := e.db.LogData(nil, pebble.Sync); err != nil {
		return fmt.Errorf("sync reapplied commits: %w", err)
	}
	e.log.Info("reapplied logged commits Pebble had lost", "collection", c.meta.Workspace+"."+c.meta.Name, "groups", applied)
	return nil
}
