package storage

import (
	"context"
	"encoding/binary"
	"fmt"
	"testing"
	"time"

	"github.com/basaltdb/basalt/catalog"
	"github.com/basaltdb/basalt/storage/kv"
	"github.com/basaltdb/basalt/storage/rowlog"
	"github.com/basaltdb/basalt/types"
	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/klauspost/compress/s2"
)

func writeDocs(t *testing.T, e *Engine, coll string, docs ...string) {
	t.Helper()
	ops := make([]WriteOp, len(docs))
	for i, d := range docs {
		ops[i] = WriteOp{Doc: mustDoc(t, d)}
	}
	res, _, err := e.Write(context.Background(), "commons", coll, ops)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range res {
		if r.Err != nil {
			t.Fatalf("doc %d: %v", i, r.Err)
		}
	}
}

func logFiles(t *testing.T, fs vfs.FS, c *collection) int {
	t.Helper()
	names, err := fs.List(c.logDir)
	if err != nil {
		t.Fatal(err)
	}
	return len(names)
}

// TestRowLogReleasedBySeals: sealing moves rows into segment files, after
// which the row log lets go of their files, and a restart replays nothing
// yet serves every document, sealed or not, by _id.
func TestRowLogReleasedBySeals(t *testing.T) {
	fs := vfs.NewMem()
	e, err := Open(Options{Dir: "data", FS: fs, DisableBackground: true, SealRows: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.CreateCollection("commons", catalog.CollectionSpec{Name: "c"}); err != nil {
		t.Fatal(err)
	}
	c := e.colls[mustColl(t, e, "c").ID]
	// Small files, so that seals free many. Nothing is appended yet.
	c.log.Close()
	if c.log, err = rowlog.Open(fs, c.logDir, 2<<10); err != nil {
		t.Fatal(err)
	}
	for b := 0; b < 20; b++ {
		var docs []string
		for i := 0; i < 30; i++ {
			docs = append(docs, fmt.Sprintf(`{"_id":"d%d","b":%d,"pad":"%0200d"}`, b*30+i, b, i))
		}
		writeDocs(t, e, "c", docs...)
	}
	// Replace a few rows of the mutable segment: the old versions stay in
	// the log but must not come back.
	writeDocs(t, e, "c", `{"_id":"d599","b":"new"}`, `{"_id":"d598","b":"new"}`)
	before := c.log.Bytes()
	if n := logFiles(t, fs, c); n < 5 {
		t.Fatalf("%d row log files before the seal, want several", n)
	}
	if err := e.Flush(context.Background(), "commons", "c"); err != nil {
		t.Fatal(err)
	}
	if n := logFiles(t, fs, c); n != 1 {
		t.Fatalf("%d row log files after sealing everything, want the one being appended to", n)
	}
	if after := c.log.Bytes(); after >= before/4 {
		t.Fatalf("row log %d bytes after sealing, %d before", after, before)
	}
	// More rows, left unsealed across a restart.
	// More rows, left unsealed across a restart: superseded and deleted
	// versions among them are in the log but must not come back.
	writeDocs(t, e, "c", `{"_id":"late1","b":1}`, `{"_id":"late2","b":2}`, `{"_id":"d0","b":"replaced"}`, `{"_id":"gone","b":3}`)
	writeDocs(t, e, "c", `{"_id":"late1","b":11}`)
	if res, _, err := e.Write(context.Background(), "commons", "c", []WriteOp{{Kind: OpDelete, ID: "gone"}}); err != nil || res[0].Err != nil {
		t.Fatalf("delete: %v %v", err, res)
	}
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	e, err = Open(Options{Dir: "data", FS: fs, DisableBackground: true, SealRows: 50})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	s, err := e.Snapshot("commons", "c")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if n := s.DocCount(); n != 602 {
		t.Fatalf("doc count %d after restart, want 602", n)
	}
	for id, want := range map[string]string{"late1": "11", "late2": "2", "d0": `"replaced"`, "d599": `"new"`, "d5": "0"} {
		doc, ok, err := s.Get(id)
		if err != nil || !ok {
			t.Fatalf("Get(%s): %v %v", id, ok, err)
		}
		if got := show(doc.Get("b")); got != want {
			t.Fatalf("Get(%s).b = %s, want %s", id, got, want)
		}
	}
	if _, ok, err := s.Get("gone"); ok || err != nil {
		t.Fatalf("Get(gone) after its delete: %v %v", ok, err)
	}
}

// TestRowLogBoundSealsOldest: a partition that receives one late event
// keeps its mutable segment, and so the row log's oldest file, alive; past
// RowLogBytes the engine seals that segment early.
func TestRowLogBoundSealsOldest(t *testing.T) {
	fs := vfs.NewMem()
	e, err := Open(Options{Dir: "data", FS: fs, DisableBackground: true, SealRows: 1 << 20, RowLogBytes: 32 << 10})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	if _, err := e.CreateCollection("commons", catalog.CollectionSpec{Name: "c", PartitionResolution: time.Hour}); err != nil {
		t.Fatal(err)
	}
	c := e.colls[mustColl(t, e, "c").ID]
	writeDocs(t, e, "c", `{"_id":"old","_event_time":"2020-01-01T00:00:00Z"}`)
	now := time.Now().UTC().Format(time.RFC3339)
	sealedOld := func() bool {
		c.mu.RLock()
		defer c.mu.RUnlock()
		h, _, ok := c.findRow(1)
		return ok && h.mem == nil
	}
	for b := 0; b < 200 && !sealedOld(); b++ {
		var docs []string
		for i := 0; i < 10; i++ {
			docs = append(docs, fmt.Sprintf(`{"_id":"n%d","_event_time":%q,"pad":"%0300d"}`, b*10+i, now, i))
		}
		writeDocs(t, e, "c", docs...)
		e.sealer.wait()
	}
	if !sealedOld() {
		t.Fatalf("the old partition's row is still unsealed with %d bytes of row log (bound %d)", c.log.Bytes(), e.opts.RowLogBytes)
	}
	// The current partition's segment is not sealed for it: it is not
	// what pins the log.
	c.mu.RLock()
	mutable := 0
	for _, h := range c.segs {
		if h.mem != nil {
			mutable++
		}
	}
	c.mu.RUnlock()
	if mutable != 1 {
		t.Fatalf("%d mutable segments, want the current partition's", mutable)
	}
}

func mustColl(t *testing.T, e *Engine, name string) catalog.Collection {
	t.Helper()
	meta, err := e.cat.Collection("commons", name)
	if err != nil {
		t.Fatal(err)
	}
	return meta
}

// TestRowStoreMigration opens a data directory written before the row log,
// whose unsealed rows are in Pebble ('r' keys, s2-compressed or raw): they
// come back once, move to the row log, and leave Pebble.
func TestRowStoreMigration(t *testing.T) {
	fs := vfs.NewMem()
	e, err := Open(Options{Dir: "data", FS: fs, DisableBackground: true})
	if err != nil {
		t.Fatal(err)
	}
	meta, err := e.CreateCollection("commons", catalog.CollectionSpec{Name: "c"})
	if err != nil {
		t.Fatal(err)
	}
	writeDocs(t, e, "c", `{"_id":"new","v":0}`) // row 1, in the row log
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	// What an older version left: rows 2 and 3 in Pebble, row 2
	// superseded by row 3 of the same _id, and row 4 of another.
	store, err := kv.Open(kv.Options{FS: fs, Dir: "data/kv"})
	if err != nil {
		t.Fatal(err)
	}
	b := store.DB.NewBatch()
	rowKey := func(rowid uint64) []byte {
		start, _ := kv.TableSpan(kv.TableRows, meta.ID)
		return binary.BigEndian.AppendUint64(start, rowid)
	}
	legacy := func(doc string, compress bool) []byte {
		bin := types.AppendBinary(nil, mustDoc(t, doc))
		if compress {
			return append([]byte{0x01}, s2.Encode(nil, bin)...)
		}
		return append([]byte{0x00}, bin...)
	}
	b.Set(rowKey(2), legacy(`{"_id":"old","v":1}`, true), nil)
	b.Set(rowKey(3), legacy(`{"_id":"old","v":2}`, false), nil)
	b.Set(rowKey(4), legacy(`{"_id":"other","v":3}`, true), nil)
	b.Set(kv.PKKey(nil, meta.ID, "old"), kv.PutUvarint(3), nil)
	b.Set(kv.PKKey(nil, meta.ID, "other"), kv.PutUvarint(4), nil)
	b.Set(kv.NextRowIDKey(meta.ID), kv.PutUvarint(5), nil)
	if err := b.Commit(pebble.Sync); err != nil {
		t.Fatal(err)
	}
	store.Close()
	for round := 0; round < 2; round++ {
		e, err := Open(Options{Dir: "data", FS: fs, DisableBackground: true})
		if err != nil {
			t.Fatal(err)
		}
		s, err := e.Snapshot("commons", "c")
		if err != nil {
			t.Fatal(err)
		}
		if n := s.DocCount(); n != 3 {
			t.Fatalf("round %d: %d documents, want 3", round, n)
		}
		for id, want := range map[string]string{"new": "0", "old": "2", "other": "3"} {
			doc, ok, err := s.Get(id)
			if err != nil || !ok {
				t.Fatalf("round %d: Get(%s): %v %v", round, id, ok, err)
			}
			if got := show(doc.Get("v")); got != want {
				t.Fatalf("round %d: %s.v = %s, want %s", round, id, got, want)
			}
		}
		s.Close()
		start, end := kv.TableSpan(kv.TableRows, meta.ID)
		left := 0
		if err := kv.Scan(e.db, start, end, func(_, _ []byte) error { left++; return nil }); err != nil || left > 0 {
			t.Fatalf("round %d: %d rows still in Pebble (%v)", round, left, err)
		}
		if err := e.Close(); err != nil {
			t.Fatal(err)
		}
	}
}
