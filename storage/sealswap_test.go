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

	afterRecord, paused, unpause := pauseOnce()
	defer unpause() // a failure below must not leave the sealer paused
	e.sealer.afterRecord = func() {
		if !e.sealer.sealing.Load() {
			t.Error("a seal under way is not marked: compactions would not yield to it")
		}
		afterRecord()
	}
	c, err := e.collection("commons", "events")
	if err != nil {
		t.Fatal(err)
	}
	if err := c.enqueue(ctx, &writeReq{flush: true, done: make(chan struct{})}); err != nil {
		t.Fatal(err)
	}
	<-paused
	writeMeanwhile(t, e, "events", "the seal's record to sync", []WriteOp{
		{Kind: OpDelete, ID: "d3"},
		{Doc: mustDoc(t, `{"_id":"d4","n":400}`)},
		{Doc: mustDoc(t, `{"_id":"d100","n":100}`)},
	})
	check := func(stage string, wantSealed bool) {
		t.Helper()
		sealed := checkDocs(t, e, "events", stage, 50, []string{"d3"}, map[string]int64{"d4": 400, "d100": 100, "d7": 7})
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
	holdsNoSegments(t, g, "its seal")

	e = reopen(t, e, opts)
	check("restarted", true)
	if _, err := e.Snapshot("commons", "gone"); err == nil {
		t.Fatal("the dropped collection is back after a restart")
	}
}

// pauseOnce returns a hook that blocks at its first call, closing paused,
// until release is called (more than once is fine).
func pauseOnce() (hook func(), paused <-chan struct{}, release func()) {
	pausedc, released := make(chan struct{}), make(chan struct{})
	var first, once sync.Once
	hook = func() {
		first.Do(func() {
			close(pausedc)
			<-released
		})
	}
	return hook, pausedc, func() { once.Do(func() { close(released) }) }
}

// writeMeanwhile writes ops to a collection while a segment swap is
// paused, failing if the write waits for it.
func writeMeanwhile(t *testing.T, e *Engine, name, what string, ops []WriteOp) {
	t.Helper()
	wrote := make(chan error, 1)
	go func() {
		_, _, err := e.Write(context.Background(), "commons", name, ops)
		wrote <- err
	}()
	select {
	case err := <-wrote:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("a write waited for %s", what)
	}
}

// checkDocs checks a collection's documents at a stage of a test: how
// many, that deleted ones are gone and the others hold their n. It
// returns how many sealed segments the snapshot holds.
func checkDocs(t *testing.T, e *Engine, name, stage string, count int64, deleted []string, want map[string]int64) (sealed int) {
	t.Helper()
	s, err := e.Snapshot("commons", name)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if got := s.DocCount(); got != count {
		t.Errorf("%s: %d documents, want %d", stage, got, count)
	}
	for _, id := range deleted {
		if _, ok, err := s.Get(id); ok || err != nil {
			t.Errorf("%s: deleted %s found=%v err=%v", stage, id, ok, err)
		}
	}
	for id, n := range want {
		if doc, ok, err := s.Get(id); !ok || err != nil || doc.Get("n").Int() != n {
			t.Errorf("%s: %s found=%v err=%v doc %s, want n %d", stage, id, ok, err, doc, n)
		}
	}
	for _, v := range s.Segments() {
		if v.Sealed() {
			sealed++
		}
	}
	return sealed
}

// holdsNoSegments fails if a dropped collection still holds segments: open
// files, and a swap into a collection that is gone.
func holdsNoSegments(t *testing.T, c *collection, after string) {
	t.Helper()
	c.mu.RLock()
	kept := len(c.segs)
	c.mu.RUnlock()
	if kept != 0 {
		t.Fatalf("the dropped collection holds %d segments (open files) after %s", kept, after)
	}
}

// reopen closes e and opens the engine again.
func reopen(t *testing.T, e *Engine, opts Options) *Engine {
	t.Helper()
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	e, err := Open(opts)
	if err != nil {
		t.Fatal(err)
	}
	return e
}
