package storage

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/basaltdb/basalt/catalog"
	"github.com/cockroachdb/pebble/v2/vfs"
)

// TestWritesWhileSealRecordSyncs pauses a seal once its record is durable
// and before it swaps the segment in: writes go on meanwhile (the record's
// sync no longer holds the lock they publish with), a deletion and a
// replacement of rows in the sealing segment carry over to the sealed one,
// and all of it survives a restart. A collection dropped at that point
// leaves the seal with nothing to swap, and no error.
func TestWritesWhileSealRecordSyncs(t *testing.T) {
	ctx := context.Background()
	fs := vfs.NewMem()
	opts := Options{Dir: "data", FS: fs, Logger: testLogger(t), DisableBackground: true, SealRows: 1000}
	e, err := Open(opts)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { e.Close() }()
	for _, name := range []string{"events", "gone"} {
		if _, err := e.CreateCollection("commons", catalog.CollectionSpec{Name: name}); err != nil {
			t.Fatal(err)
		}
		var ops []WriteOp
		for i := range 50 {
			ops = append(ops, WriteOp{Doc: mustDoc(t, fmt.Sprintf(`{"_id":"d%d","n":%d}`, i, i))})
		}
		if _, _, err := e.Write(ctx, "commons", name, ops); err != nil {
			t.Fatal(err)
		}
	}

	paused, release := make(chan struct{}), make(chan struct{})
	var releaseOnce sync.Once
	unpause := func() { releaseOnce.Do(func() { close(release) }) }
	defer unpause() // a failure below must not leave the sealer paused
	e.sealer.afterRecord = func() {
		if !e.sealer.sealing.Load() {
			t.Error("a seal under way is not marked: compactions would not yield to it")
		}
		paused <- struct{}{}
		<-release
	}
	c, err := e.collection("commons", "events")
	if err != nil {
		t.Fatal(err)
	}
	if err := c.enqueue(ctx, &writeReq{flush: true, done: make(chan struct{})}); err != nil {
		t.Fatal(err)
	}
	<-paused
	wrote := make(chan error, 1)
	go func() {
		_, _, err := e.Write(ctx, "commons", "events", []WriteOp{
			{Kind: OpDelete, ID: "d3"},
			{Doc: mustDoc(t, `{"_id":"d4","n":400}`)},
			{Doc: mustDoc(t, `{"_id":"d100","n":100}`)},
		})
		wrote <- err
	}()
	select {
	case err := <-wrote:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("a write waited for the seal's record to sync")
	}
	check := func(stage string, wantSealed bool) {
		t.Helper()
		s, err := e.Snapshot("commons", "events")
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		if got := s.DocCount(); got != 50 {
			t.Errorf("%s: %d documents, want 50", stage, got)
		}
		if _, ok, err := s.Get("d3"); ok || err != nil {
			t.Errorf("%s: deleted d3 found=%v err=%v", stage, ok, err)
		}
		for id, n := range map[string]int64{"d4": 400, "d100": 100, "d7": 7} {
			if doc, ok, err := s.Get(id); !ok || err != nil || doc.Get("n").Int() != n {
				t.Errorf("%s: %s found=%v err=%v doc %s, want n %d", stage, id, ok, err, doc, n)
			}
		}
		sealed := 0
		for _, v := range s.Segments() {
			if v.Sealed() {
				sealed++
			}
		}
		if (sealed > 0) != wantSealed {
			t.Errorf("%s: %d sealed segments", stage, sealed)
		}
	}
	check("paused", false)
	unpause()
	e.sealer.wait()
	check("swapped", true)

	// Dropped while its seal's record syncs.
	e.sealer.afterRecord = func() {
		if _, err := e.DropCollection("commons", "gone"); err != nil {
			t.Errorf("drop: %v", err)
		}
	}
	g, err := e.collection("commons", "gone")
	if err != nil {
		t.Fatal(err)
	}
	if err := g.enqueue(ctx, &writeReq{flush: true, done: make(chan struct{})}); err != nil {
		t.Fatal(err)
	}
	e.sealer.wait()
	e.sealer.afterRecord = nil
	if _, err := e.Snapshot("commons", "gone"); err == nil {
		t.Fatal("the dropped collection still answers")
	}
	g.mu.RLock()
	kept := len(g.segs)
	g.mu.RUnlock()
	if kept != 0 {
		t.Fatalf("the dropped collection holds %d segments (open files) after its seal", kept)
	}

	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	if e, err = Open(opts); err != nil {
		t.Fatal(err)
	}
	check("restarted", true)
	if _, err := e.Snapshot("commons", "gone"); err == nil {
		t.Fatal("the dropped collection is back after a restart")
	}
}
