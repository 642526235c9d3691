package storage

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/basaltdb/basalt/catalog"
	"github.com/cockroachdb/pebble/v2/vfs"
)

// segmentFiles returns the names of the files in a collection's segment
// directory.
func segmentFiles(t testing.TB, fs vfs.FS, cid uint64) []string {
	t.Helper()
	names, err := fs.List(fs.PathJoin("data", "segments", strconv.FormatUint(cid, 10)))
	if err != nil {
		return nil
	}
	slices.Sort(names)
	return names
}

// liveSegmentFiles returns the file names of the sealed segments a fresh
// snapshot sees.
func liveSegmentFiles(t testing.TB, e *Engine, ws, name string) []string {
	t.Helper()
	s, err := e.Snapshot(ws, name)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var out []string
	for _, v := range s.Segments() {
		if v.Sealed() {
			out = append(out, fmt.Sprintf("%012d.seg", v.ID()))
		}
	}
	slices.Sort(out)
	return out
}

// TestSnapshotIsolation takes a snapshot, then writes, replaces, deletes,
// seals and compacts under it: the old snapshot must answer exactly as
// before while a new one sees the changes, and once both are closed only the
// live segments' files may remain.
func TestSnapshotIsolation(t *testing.T) {
	for _, seed := range testSeeds(t, 2) {
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) { runSnapshotIsolation(t, seed) })
	}
}

func runSnapshotIsolation(t *testing.T, seed uint64) {
	t.Logf("seed %d (replay with BASALT_SEED=%d)", seed, seed)
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(seed, 0x150))
	clock := newTestClock(time.Date(2025, 3, 10, 12, 0, 0, 0, time.UTC))
	fs := vfs.NewMem()
	opts := Options{Dir: "data", FS: fs, Now: clock.Now, Logger: testLogger(t), DisableBackground: true,
		SealRows: 50 + rng.IntN(50), CompactMinSegments: 2}
	e, err := Open(opts)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { e.Close() }()
	spec := catalog.CollectionSpec{Name: "iso", PartitionResolution: time.Hour, EventTimeInfo: &catalog.EventTimeInfo{Field: "ts"}}
	meta, err := e.CreateCollection("commons", spec)
	if err != nil {
		t.Fatal(err)
	}
	m := newModel(meta)
	var ids []string
	for i := range 400 {
		ids = append(ids, strconv.Itoa(i))
	}
	g := &gen{rng: rng, now: clock.Now, eti: true, days: 1, ids: ids}
	write := func(n int) {
		t.Helper()
		for range n {
			ops := g.batch(m, 1+rng.IntN(40))
			now := clock.Now()
			res, _, err := e.Write(ctx, "commons", "iso", ops)
			if err != nil {
				t.Fatal(err)
			}
			m.checkResults(t, "write", ops, res, now)
			clock.Advance(time.Second)
		}
	}
	upsertAll := func() {
		t.Helper()
		var ops []WriteOp
		for _, id := range ids[:300] {
			ops = append(ops, WriteOp{Doc: g.doc(id)})
		}
		now := clock.Now()
		res, _, err := e.Write(ctx, "commons", "iso", ops)
		if err != nil {
			t.Fatal(err)
		}
		m.checkResults(t, "upsert all", ops, res, now)
	}
	snap := func() *Snapshot {
		t.Helper()
		s, err := e.Snapshot("commons", "iso")
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	opt := checkOpts{lookups: 60, zones: 3}

	upsertAll()
	write(20)
	if err := e.Flush(ctx, "commons", "iso"); err != nil {
		t.Fatal(err)
	}
	write(20) // some rows mutable, some replaced in sealed segments

	old := snap()
	defer old.Close()
	// lazy is taken at the same point but not read before the changes:
	// a view computes its deletions on first use.
	lazy := snap()
	defer lazy.Close()
	oldModel := m.clone()
	checkState(t, "old snapshot, at once", old, oldModel, rng, g, opt)

	// Change everything under the old snapshot.
	upsertAll() // every row the snapshot sees as live is replaced
	write(30)
	mid := snap()
	defer mid.Close()
	midModel := m.clone()
	if err := e.Flush(ctx, "commons", "iso"); err != nil {
		t.Fatal(err)
	}
	maintainFully(t, e, "commons", "iso")
	write(20)
	if err := e.Flush(ctx, "commons", "iso"); err != nil {
		t.Fatal(err)
	}
	maintainFully(t, e, "commons", "iso")
	var del []WriteOp
	for _, id := range m.ids()[:len(m.docs)/2] {
		del = append(del, WriteOp{Kind: OpDelete, ID: id})
	}
	now := clock.Now()
	res, _, err := e.Write(ctx, "commons", "iso", del)
	if err != nil {
		t.Fatal(err)
	}
	m.checkResults(t, "delete half", del, res, now)
	write(10)

	checkState(t, "old snapshot, after writes, seals and compactions", old, oldModel, rng, g, opt)
	checkState(t, "old snapshot first read after writes, seals and compactions", lazy, oldModel, rng, g, opt)
	checkState(t, "middle snapshot, after seals and compactions", mid, midModel, rng, g, opt)
	cur := snap()
	checkState(t, "new snapshot", cur, m, rng, g, opt)
	if !(old.Seq() < mid.Seq() && mid.Seq() < cur.Seq()) {
		t.Fatalf("sequence numbers %d, %d, %d are not increasing", old.Seq(), mid.Seq(), cur.Seq())
	}
	cur.Close()

	// While the old snapshots are open, their segment files stay.
	files := segmentFiles(t, fs, meta.ID)
	for _, s := range []*Snapshot{old, lazy, mid} {
		for _, v := range s.Segments() {
			if v.Sealed() && !slices.Contains(files, fmt.Sprintf("%012d.seg", v.ID())) {
				t.Fatalf("segment %d of an open snapshot has no file; files: %v", v.ID(), files)
			}
		}
	}
	old.Close()
	lazy.Close()
	mid.Close()
	old.Close() // idempotent
	got, want := segmentFiles(t, fs, meta.ID), liveSegmentFiles(t, e, "commons", "iso")
	if !slices.Equal(got, want) {
		t.Fatalf("segment files after closing the snapshots:\n got  %v\n want %v", got, want)
	}
	for _, f := range got {
		if strings.HasSuffix(f, ".tmp") {
			t.Fatalf("leftover temporary file %s", f)
		}
	}
	// A restart keeps the same files and the same answers.
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	if e, err = Open(opts); err != nil {
		t.Fatal(err)
	}
	s := snap()
	checkState(t, "after restart", s, m, rng, g, opt)
	s.Close()
	if got2 := segmentFiles(t, fs, meta.ID); !slices.Equal(got2, got) {
		t.Fatalf("segment files after restart: %v, before %v", got2, got)
	}
}
