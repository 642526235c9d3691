package storage

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/basaltdb/basalt/catalog"
	"github.com/basaltdb/basalt/types"
	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/cockroachdb/pebble/v2/vfs/errorfs"
)

// TestStagedRowsInvisible checks that a group's rows, added to the mutable
// segment while the row log syncs (commit.go, stage), are seen by no
// snapshot before the group is committed and acknowledged.
func TestStagedRowsInvisible(t *testing.T) {
	ctx := context.Background()
	var hold atomic.Bool
	reached, release := make(chan struct{}, 1), make(chan struct{})
	inj := errorfs.InjectorFunc(func(op errorfs.Op) error {
		if hold.Load() && strings.Contains(op.Path, "rowlog") && op.Kind == errorfs.OpFileSyncData {
			reached <- struct{}{}
			<-release
		}
		return nil
	})
	e, err := Open(Options{Dir: "data", FS: errorfs.Wrap(vfs.NewMem(), inj), Logger: tolerantLogger(t), DisableBackground: true})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	var released atomic.Bool
	unhold := func() {
		hold.Store(false)
		if released.CompareAndSwap(false, true) {
			close(release)
		}
	}
	defer unhold() // before Close, which waits for the committer
	if _, err := e.CreateCollection("commons", catalog.CollectionSpec{Name: "s"}); err != nil {
		t.Fatal(err)
	}
	doc := func(id string) WriteOp {
		return WriteOp{Doc: types.Object([]types.Field{{Name: FieldID, Value: types.String(id)}, {Name: "v", Value: types.Int(1)}})}
	}
	if _, _, err := e.Write(ctx, "commons", "s", []WriteOp{doc("a")}); err != nil {
		t.Fatal(err)
	}
	c, err := e.collection("commons", "s")
	if err != nil {
		t.Fatal(err)
	}
	hold.Store(true)
	written := make(chan error, 1)
	go func() {
		_, _, err := e.Write(ctx, "commons", "s", []WriteOp{doc("b"), doc("c")})
		written <- err
	}()
	<-reached
	// The committer stages while the sync is held: wait until the rows
	// are in the mutable segment.
	deadline := time.Now().Add(10 * time.Second)
	for {
		c.mu.RLock()
		n := 0
		for _, h := range c.segs {
			if h.mem != nil {
				n += h.mem.NumRows()
			}
		}
		c.mu.RUnlock()
		if n == 3 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d rows in mutable segments, want 3 staged", n)
		}
		time.Sleep(time.Millisecond)
	}
	s, err := e.Snapshot("commons", "s")
	if err != nil {
		t.Fatal(err)
	}
	_, ok, err := s.Get("b")
	if count := s.DocCount(); err != nil || ok || count != 1 {
		t.Fatalf("before the sync: b found %v (%v), %d documents; want only a", ok, err, count)
	}
	s.Close()
	unhold()
	if err := <-written; err != nil {
		t.Fatal(err)
	}
	s, err = e.Snapshot("commons", "s")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	_, ok, err = s.Get("b")
	if count := s.DocCount(); err != nil || !ok || count != 3 {
		t.Fatalf("after the write: b found %v (%v), %d documents; want 3", ok, err, count)
	}
}

// TestPreparedWriteAdd: operations added one at a time commit in order with
// a result each (a refused one among them), and a document without an
// event time takes the first Add's time, when the request's body has been
// read, not the time the write was begun.
func TestPreparedWriteAdd(t *testing.T) {
	ctx := context.Background()
	var clock atomic.Int64
	clock.Store(1_000_000)
	e, err := Open(Options{Dir: "data", FS: vfs.NewMem(), Logger: testLogger(t), DisableBackground: true,
		Now: func() time.Time { return time.UnixMicro(clock.Load()) }})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	if _, err := e.CreateCollection("commons", catalog.CollectionSpec{Name: "p"}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.NewPreparedWrite("commons", "missing"); err == nil {
		t.Fatal("a write to a missing collection was begun")
	}
	pw, err := e.NewPreparedWrite("commons", "p")
	if err != nil {
		t.Fatal(err)
	}
	// Room made ahead for the operations: Add does not move them.
	pw.Grow(3)
	clock.Store(2_000_000) // the body is read meanwhile
	pw.Add(WriteOp{Doc: mustDoc(t, `{"_id":"a","v":1}`)})
	first := &pw.prep[0]
	clock.Store(3_000_000)
	pw.Add(WriteOp{Doc: mustDoc(t, `{"_id":"b","_meta":1}`)})
	pw.Add(WriteOp{Doc: mustDoc(t, `{"_id":"c","v":3}`)})
	if &pw.prep[0] != first {
		t.Fatal("Add moved the operations after Grow(3)")
	}
	res, _, err := e.CommitPrepared(ctx, pw, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 3 || res[0].ID != "a" || res[0].Err != nil || res[1].ID != "b" || res[1].Err == nil || res[2].ID != "c" || res[2].Err != nil {
		t.Fatalf("results %+v", res)
	}
	// The ingest time of both is the first Add's.
	checkEventTimes(t, e, "p", 2_000_000, "a", "c")
}

// checkEventTimes checks that coll holds exactly the documents ids, each
// with the event time et.
func checkEventTimes(t *testing.T, e *Engine, coll string, et int64, ids ...string) {
	t.Helper()
	s, err := e.Snapshot("commons", coll)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, id := range ids {
		doc, ok, err := s.Get(id)
		if err != nil || !ok {
			t.Fatalf("%s: %v %v", id, ok, err)
		}
		if got := doc.Get(FieldEventTime).Micros(); got != et {
			t.Fatalf("%s: event time %d, want %d", id, got, et)
		}
	}
	if s.DocCount() != int64(len(ids)) {
		t.Fatalf("%d documents, want %d", s.DocCount(), len(ids))
	}
}

// TestPreparedWriteFork: a fork prepares operations with its write's
// ingest time, Join puts them after the write's own, and Redo replaces one
// of them.
func TestPreparedWriteFork(t *testing.T) {
	ctx := context.Background()
	var clock atomic.Int64
	clock.Store(1_000_000)
	e, _ := openWithCollection(t, Options{Dir: "data", FS: vfs.NewMem(), Logger: testLogger(t), DisableBackground: true,
		Now: func() time.Time { return time.UnixMicro(clock.Load()) }}, "f")
	pw, err := e.NewPreparedWrite("commons", "f")
	if err != nil {
		t.Fatal(err)
	}
	clock.Store(2_000_000) // the body is read
	fork := pw.Fork()
	clock.Store(3_000_000)
	fork.Add(WriteOp{Doc: mustDoc(t, `{"_id":"c","v":3}`)})
	fork.Add(WriteOp{Err: errors.New("fork's index")})
	pw.Add(WriteOp{Doc: mustDoc(t, `{"_id":"a","v":1}`)})
	fork.Redo(1, WriteOp{ID: "d", Err: errors.New("write's index")})
	pw.Join(fork)
	res, _, err := e.CommitPrepared(ctx, pw, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 3 || res[0].ID != "a" || res[1].ID != "c" || res[2].ID != "d" || res[2].Err == nil || res[2].Err.Error() != "write's index" {
		t.Fatalf("results %+v", res)
	}
	// The fork's documents have the write's ingest time.
	checkEventTimes(t, e, "f", 2_000_000, "a", "c")
}

// TestNextSegmentSizedLikeLast: a mutable segment frozen full leaves its
// column sizes as the growth hints of the next one (memseg.SizeLike); a
// freeze by Flush, of a segment not full, does not.
func TestNextSegmentSizedLikeLast(t *testing.T) {
	ctx := context.Background()
	e, c := openWithCollection(t, Options{Dir: "data", FS: vfs.NewMem(), Logger: testLogger(t), DisableBackground: true, SealRows: 100}, "s")
	write := func(from, n int) {
		ops := make([]WriteOp, 0, n)
		for i := from; i < from+n; i++ {
			ops = append(ops, WriteOp{Doc: mustDoc(t, fmt.Sprintf(`{"_id":"d%d","v":%d,"odd":%t}`, i, i, i%2 == 1))})
		}
		if _, _, err := e.Write(ctx, "commons", "s", ops); err != nil {
			t.Fatal(err)
		}
	}
	write(0, 60)
	write(60, 60) // the segment reaches SealRows: frozen full
	want := map[string]int{"_id": 120, "_event_time": 120, "v": 120, "odd": 120}
	if got := c.columnSizes; !maps.Equal(got, want) {
		t.Fatalf("column sizes after a full segment %v, want %v", got, want)
	}
	write(120, 10)
	if err := e.Flush(ctx, "commons", "s"); err != nil {
		t.Fatal(err)
	}
	if got := c.columnSizes; !maps.Equal(got, want) {
		t.Fatalf("column sizes after a flush %v, want %v", got, want)
	}
}
