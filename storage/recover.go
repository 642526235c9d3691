package storage

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/basaltdb/basalt/storage/kv"
	"github.com/basaltdb/basalt/storage/rowlog"
	"github.com/basaltdb/basalt/types"
	"github.com/cockroachdb/pebble/v2"
	"github.com/klauspost/compress/s2"
)

// recover rebuilds a collection's runtime state after a start: open the
// sealed segments its records name, load deletion marks and primary keys,
// and replay into mutable segments the rows of the row log that no sealed
// segment holds. Everything acknowledged is in Pebble and the row log
// (which holds the batches of the latest groups Pebble may have lost:
// logcommit.go), so this is all a restart needs.
func (e *Engine) recover(c *collection) error {
	db := e.db
	log, err := rowlog.Open(e.opts.FS, c.logDir, 0)
	if err != nil {
		return err
	}
	c.log = log
	if err := e.reapplyLogCommits(c); err != nil {
		return fmt.Errorf("collection %s.%s: %w", c.meta.Workspace, c.meta.Name, err)
	}
	// Sealed segments.
	referenced := map[string]bool{}
	var maxSeg uint64
	start, end := kv.TableSpan(kv.TableSegments, c.id)
	if err := kv.Scan(db, start, end, func(k, v []byte) error {
		segid := kv.SegIDFromKey(k)
		part, _, err := decodeSegmentRecord(v)
		if err != nil {
			return fmt.Errorf("segment %d: %w", segid, err)
		}
		name := c.segmentFile(segid)
		r, err := e.openSegment(name)
		if err != nil {
			return err
		}
		referenced[e.opts.FS.PathBase(name)] = true
		c.segs = append(c.segs, e.sealedHandle(c, segid, part, r))
		maxSeg = max(maxSeg, segid)
		return nil
	}); err != nil {
		return fmt.Errorf("load segments of %s.%s: %w", c.meta.Workspace, c.meta.Name, err)
	}
	// Files no record names are leftovers of a seal or compaction that did
	// not commit: remove them.
	if names, err := e.opts.FS.List(c.segDir); err == nil {
		for _, n := range names {
			if !referenced[n] {
				if err := e.opts.FS.Remove(e.opts.FS.PathJoin(c.segDir, n)); err != nil {
					return fmt.Errorf("remove leftover segment file %q: %w", n, err)
				}
			}
			if id, err := strconv.ParseUint(strings.TrimSuffix(strings.TrimSuffix(n, ".tmp"), ".seg"), 10, 64); err == nil {
				maxSeg = max(maxSeg, id)
			}
		}
	}
	c.nextSegID.Store(maxSeg)
	// Sort sealed segments by first row id so lookups scan in order.
	slices.SortFunc(c.segs, func(a, b *segHandle) int { return cmp.Compare(a.rowIDs[0], b.rowIDs[0]) })

	// Deletion marks of rows in sealed segments; marks of rows in no
	// segment are garbage from a crash before a seal, and go.
	cleanup := db.NewBatch()
	defer cleanup.Close()
	start, end = kv.TableSpan(kv.TableDeletes, c.id)
	if err := kv.Scan(db, start, end, func(k, _ []byte) error {
		rowid := kv.RowIDFromKey(k)
		if h, row, ok := c.findRow(rowid); ok {
			h.dels.entries = append(h.dels.entries, delEntry{row: row})
		} else {
			cleanup.Delete(append([]byte(nil), k...), nil)
		}
		return nil
	}); err != nil {
		return fmt.Errorf("load deletion marks: %w", err)
	}

	// The in-memory primary-key index is a copy of the table.
	start, end = kv.TableSpan(kv.TablePK, c.id)
	if err := kv.Scan(db, start, end, func(k, v []byte) error {
		rowid, ok := kv.Uvarint(v)
		if !ok || rowid == 0 {
			return fmt.Errorf("corrupt primary-key entry for _id %q", k[len(start):])
		}
		c.pk.set(hashID(string(k[len(start):])), rowid)
		return nil
	}); err != nil {
		return fmt.Errorf("load primary keys: %w", err)
	}

	if v, ok, err := kv.Get(db, kv.NextRowIDKey(c.id)); err != nil {
		return err
	} else if ok {
		n, ok := kv.Uvarint(v)
		if !ok {
			return fmt.Errorf("corrupt next row id")
		}
		c.nextRowID = n
	}
	lowWater := uint64(1)
	if v, ok, err := kv.Get(db, kv.LowWaterKey(c.id)); err != nil {
		return err
	} else if ok {
		n, ok := kv.Uvarint(v)
		if !ok {
			return fmt.Errorf("corrupt low-water row id")
		}
		lowWater = n
	}

	// Replay from the row log the rows past the low-water mark that no
	// sealed segment holds and the primary keys still name: the others
	// were superseded or deleted before their segment sealed.
	type pending struct {
		docs   []types.Value
		stored [][]byte
		rowIDs []uint64
		ets    []int64
	}
	byPart := map[int64]*pending{}
	var order []int64
	replayed := 0
	if err := e.migrateRowStore(c, lowWater); err != nil {
		return err
	}
	if err := log.Replay(lowWater, c.nextRowID, func(rowid uint64, v []byte) error {
		if _, _, ok := c.findRow(rowid); ok {
			return nil
		}
		bin, err := rowBinary(v)
		if err != nil {
			return fmt.Errorf("row %d: %w", rowid, err)
		}
		doc, err := types.DecodeBinary(bin) // the log's bytes are ours: the strings may alias them
		if err != nil {
			return fmt.Errorf("row %d: %w", rowid, err)
		}
		id := doc.Get(FieldID)
		if id.Kind() != types.KindString {
			return fmt.Errorf("row %d has no string _id", rowid)
		}
		if cur, ok := c.pk.get(hashID(id.Str())); !ok || cur != rowid {
			return nil
		}
		et := eventTimeOf(doc)
		p := c.partitionOf(et)
		pd := byPart[p]
		if pd == nil {
			pd = &pending{}
			byPart[p] = pd
			order = append(order, p)
		}
		pd.docs = append(pd.docs, doc)
		pd.stored = append(pd.stored, v)
		pd.rowIDs = append(pd.rowIDs, rowid)
		pd.ets = append(pd.ets, et)
		replayed++
		return nil
	}); err != nil {
		return fmt.Errorf("replay rows: %w", err)
	}
	for _, p := range order {
		pd := byPart[p]
		h := c.newMemHandle(p)
		if _, err := h.mem.AppendStored(pd.docs, pd.stored, pd.rowIDs, pd.ets); err != nil {
			return err
		}
		h.rowIDs = pd.rowIDs
		h.visible = len(pd.rowIDs)
		c.maxPublished = max(c.maxPublished, pd.rowIDs[len(pd.rowIDs)-1])
	}
	for _, h := range c.segs {
		if h.file != nil && len(h.rowIDs) > 0 {
			c.maxPublished = max(c.maxPublished, h.rowIDs[len(h.rowIDs)-1])
		}
	}
	if !cleanup.Empty() {
		if err := cleanup.Commit(pebble.Sync); err != nil {
			return fmt.Errorf("remove stale deletion marks: %w", err)
		}
	}
	c.seq = 1
	c.kvSnap = newKVSnapshot(db)
	if replayed > 0 {
		e.log.Info("replayed unsealed rows", "collection", c.meta.Workspace+"."+c.meta.Name, "rows", replayed)
	}
	return nil
}

// migrateRowStore moves the unsealed rows a data directory written before
// the row log kept in Pebble ('r' keys) into the row log, then deletes
// them from Pebble. A crash in between leaves rows in both, appended to
// the log again next time: the log keeps the last copy of a row id.
func (e *Engine) migrateRowStore(c *collection, lowWater uint64) error {
	start, end := kv.TableSpan(kv.TableRows, c.id)
	var rows []rowlog.Row
	keys := 0
	if err := kv.Scan(e.db, start, end, func(k, v []byte) error {
		keys++
		rowid := kv.RowIDFromKey(k)
		if rowid < lowWater {
			return nil // sealed; its range deletion had not reached it
		}
		val, err := legacyRowValue(v)
		if err != nil {
			return fmt.Errorf("row %d: %w", rowid, err)
		}
		rows = append(rows, rowlog.Row{ID: rowid, Data: val})
		return nil
	}); err != nil {
		return fmt.Errorf("read rows kept in Pebble: %w", err)
	}
	if keys == 0 {
		return nil
	}
	if err := c.log.Append(rows); err != nil {
		return err
	}
	b := e.db.NewBatch()
	defer b.Close()
	if err := b.DeleteRange(start, end, nil); err != nil {
		return err
	}
	if err := b.Commit(pebble.Sync); err != nil {
		return fmt.Errorf("delete rows kept in Pebble: %w", err)
	}
	e.log.Info("moved unsealed rows from Pebble to the row log", "collection", c.meta.Workspace+"."+c.meta.Name, "rows", len(rows))
	return nil
}

// legacyRowValue converts a row value of the Pebble row store (header 0x00
// raw, 0x01 s2-compressed) into a row value of today.
func legacyRowValue(v []byte) ([]byte, error) {
	if len(v) == 0 {
		return nil, fmt.Errorf("%w: empty row value", types.ErrCorruptValue)
	}
	switch v[0] {
	case rowRaw:
		return slices.Clone(v), nil
	case 0x01:
		bin, err := s2.Decode(nil, v[1:])
		if err != nil {
			return nil, fmt.Errorf("%w: row value: %v", types.ErrCorruptValue, err)
		}
		return append([]byte{rowRaw}, bin...), nil
	}
	return nil, fmt.Errorf("%w: unknown row value header %#x", types.ErrCorruptValue, v[0])
}
