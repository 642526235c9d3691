package storage

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/basaltdb/basalt/catalog"
	"github.com/basaltdb/basalt/storage/rowlog"
	"github.com/cockroachdb/pebble/v2/vfs"
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
