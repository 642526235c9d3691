package storage

import (
	"context"
	"errors"
	"math/rand/v2"
	"strconv"
	"testing"
	"time"

	"github.com/basaltdb/basalt/catalog"
	"github.com/basaltdb/basalt/index"
	"github.com/basaltdb/basalt/types"
	"github.com/cockroachdb/pebble/v2/vfs"
)

// TestDropCollection drops a collection with sealed and mutable segments
// while a snapshot of it is open and a seal is pending: the snapshot still
// answers, writes get NOTFOUND, the files go, and a collection created
// again under the same name starts empty and survives a restart.
func TestDropCollection(t *testing.T) {
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(1, 2))
	clock := newTestClock(time.Date(2025, 3, 10, 12, 0, 0, 0, time.UTC))
	fs := vfs.NewMem()
	opts := Options{Dir: "data", FS: fs, Now: clock.Now, Logger: testLogger(t), DisableBackground: true, SealRows: 50, CompactMinSegments: 2}
	e, err := Open(opts)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { e.Close() }()
	spec := catalog.CollectionSpec{Name: "gone", PartitionResolution: time.Hour}
	meta, err := e.CreateCollection("commons", spec)
	if err != nil {
		t.Fatal(err)
	}
	m := newModel(meta)
	var ids []string
	for i := range 200 {
		ids = append(ids, strconv.Itoa(i))
	}
	g := &gen{rng: rng, now: clock.Now, days: 1, ids: ids}
	for range 10 {
		ops := g.batch(m, 30)
		now := clock.Now()
		res, _, err := e.Write(ctx, "commons", "gone", ops)
		if err != nil {
			t.Fatal(err)
		}
		m.checkResults(t, "write", ops, res, now)
	}
	if err := e.Flush(ctx, "commons", "gone"); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		ops := g.batch(m, 30)
		now := clock.Now()
		res, _, err := e.Write(ctx, "commons", "gone", ops)
		if err != nil {
			t.Fatal(err)
		}
		m.checkResults(t, "write", ops, res, now)
	}
	s, err := e.Snapshot("commons", "gone")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := e.DropCollection("commons", "gone"); err != nil {
		t.Fatal(err)
	}
	// The open snapshot still reads what it saw.
	checkState(t, "snapshot of the dropped collection", s, m, rng, g, checkOpts{lookups: 20, zones: 2})
	s.Close()
	if _, _, err := e.Write(ctx, "commons", "gone", []WriteOp{{Doc: types.Object(nil)}}); !errors.Is(err, catalog.ErrNotFound) {
		t.Fatalf("write to a dropped collection: %v, want ErrNotFound", err)
	}
	if _, err := e.Snapshot("commons", "gone"); !errors.Is(err, catalog.ErrNotFound) {
		t.Fatalf("snapshot of a dropped collection: %v, want ErrNotFound", err)
	}
	if files := segmentFiles(t, fs, meta.ID); len(files) != 0 {
		t.Fatalf("files of the dropped collection remain: %v", files)
	}
	again, err := e.CreateCollection("commons", spec)
	if err != nil {
		t.Fatal(err)
	}
	if again.ID == meta.ID {
		t.Fatalf("collection id %d reused", again.ID)
	}
	fresh := newModel(again)
	res, _, err := e.Write(ctx, "commons", "gone", []WriteOp{{Doc: types.Object([]types.Field{{Name: FieldID, Value: types.String("1")}})}})
	if err != nil {
		t.Fatal(err)
	}
	fresh.checkResults(t, "write after re-create", []WriteOp{{Doc: types.Object([]types.Field{{Name: FieldID, Value: types.String("1")}})}}, res, clock.Now())
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	if e, err = Open(opts); err != nil {
		t.Fatal(err)
	}
	s2, err := e.Snapshot("commons", "gone")
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	checkState(t, "re-created collection after restart", s2, fresh, rng, g, checkOpts{lookups: 5, zones: 1})
	var hits uint64
	for _, v := range s2.Segments() {
		bm, err := v.Lookup(ctx, FieldID, index.Prefix(""))
		if err != nil {
			t.Fatal(err)
		}
		hits += bm.GetCardinality()
	}
	if hits != 1 {
		t.Fatalf("re-created collection has %d documents", hits)
	}
}

// TestClosedEngine checks that an engine refuses work after Close instead
// of hanging or answering from nothing.
func TestClosedEngine(t *testing.T) {
	ctx := context.Background()
	e, err := Open(Options{Dir: "data", FS: vfs.NewMem(), Logger: testLogger(t), DisableBackground: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.CreateCollection("commons", catalog.CollectionSpec{Name: "c"}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.Write(ctx, "commons", "c", []WriteOp{{Doc: types.Object([]types.Field{{Name: FieldID, Value: types.String("1")}})}}); err != nil {
		t.Fatal(err)
	}
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	if err := e.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if _, _, err := e.Write(ctx, "commons", "c", []WriteOp{{Doc: types.Object(nil)}}); !errors.Is(err, ErrClosed) {
		t.Fatalf("Write after Close: %v, want ErrClosed", err)
	}
	if err := e.Flush(ctx, "commons", "c"); !errors.Is(err, ErrClosed) {
		t.Fatalf("Flush after Close: %v, want ErrClosed", err)
	}
	if _, err := e.CreateCollection("commons", catalog.CollectionSpec{Name: "d"}); !errors.Is(err, ErrClosed) {
		t.Fatalf("CreateCollection after Close: %v, want ErrClosed", err)
	}
	if _, err := e.Snapshot("commons", "c"); !errors.Is(err, ErrClosed) {
		t.Fatalf("Snapshot after Close: %v, want ErrClosed", err)
	}
	if _, err := e.Stats("commons", "c"); !errors.Is(err, ErrClosed) {
		t.Fatalf("Stats after Close: %v, want ErrClosed", err)
	}
	if _, err := e.DropCollection("commons", "c"); !errors.Is(err, ErrClosed) {
		t.Fatalf("DropCollection after Close: %v, want ErrClosed", err)
	}
	e.RunMaintenance(ctx) // a no-op, not a crash
}
