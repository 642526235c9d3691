package storage

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/basaltdb/basalt/catalog"
	"github.com/basaltdb/basalt/coldata"
	"github.com/basaltdb/basalt/types"
	"github.com/cockroachdb/pebble/v2/vfs"
)

// TestCompactionPolicy builds segments of one partition and deletes rows
// from them, checking after each step which segments pickCompaction merges:
// deleted rows wait until they are half the partition's rows or three
// quarters of one segment's, the most deleted segments go first, and small
// segments merge once CompactMinSegments of them exist.
func TestCompactionPolicy(t *testing.T) {
	ctx := context.Background()
	e, c := openCompactionTest(t, 100)
	defer e.Close()
	// segment writes ids [lo, hi) and seals them as one segment.
	segment := func(lo, hi int) {
		t.Helper()
		var ops []WriteOp
		for i := lo; i < hi; i++ {
			ops = append(ops, WriteOp{Doc: mustDoc(t, fmt.Sprintf(`{"_id":"%d","n":%d}`, i, i))})
		}
		if _, _, err := e.Write(ctx, "commons", "p", ops); err != nil {
			t.Fatal(err)
		}
		if err := e.Flush(ctx, "commons", "p"); err != nil {
			t.Fatal(err)
		}
	}
	del := func(lo, hi int) {
		t.Helper()
		var ops []WriteOp
		for i := lo; i < hi; i++ {
			ops = append(ops, WriteOp{Kind: OpDelete, ID: fmt.Sprint(i)})
		}
		if _, _, err := e.Write(ctx, "commons", "p", ops); err != nil {
			t.Fatal(err)
		}
	}
	// picked names the picked segments by the first id each holds.
	picked := func() []string {
		var out []string
		for _, h := range e.pickCompaction(c) {
			id, err := h.file.Doc(0)
			if err != nil {
				t.Fatal(err)
			}
			v, err := types.DecodeBinary(id)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, v.Get(FieldID).Str())
		}
		slices.Sort(out)
		return out
	}
	expect := func(step string, want ...string) {
		t.Helper()
		if got := picked(); !slices.Equal(got, want) {
			t.Fatalf("%s: picked segments starting at %v, want %v", step, got, want)
		}
	}
	segment(0, 100)
	segment(100, 200)
	segment(200, 300)
	expect("full segments")
	del(0, 40)
	expect("a segment 40% deleted") // rewritten alone before
	del(100, 180)
	expect("a segment 80% deleted", "100")
	del(180, 200)
	expect("a segment all deleted", "100")
	if err := e.compact(c, e.pickCompaction(c)); err != nil {
		t.Fatal(err)
	}
	del(40, 55)
	// 55 of 200 rows deleted, none of the segments three quarters.
	expect("55% of a segment deleted")
	del(200, 270)
	// 125 of 200 deleted: both segments are at least half deleted, the
	// most deleted first, and their 30 + 45 live rows fit in one segment.
	expect("half the partition deleted", "0", "200")
	if err := e.compact(c, e.pickCompaction(c)); err != nil {
		t.Fatal(err)
	}
	expect("merged")
	// Sealed: three segments of 100 rows; rewritten: the 75 rows kept by
	// the merge (the segment dropped whole rewrote none).
	if got := counterValue(t, e.metrics.sealRows); got != 300 {
		t.Fatalf("seal rows counted %v, want 300", got)
	}
	if got := counterValue(t, e.metrics.compactionRows); got != 75 {
		t.Fatalf("compaction rows counted %v, want 75", got)
	}
	segment(300, 310)
	segment(310, 320)
	segment(320, 330)
	expect("three small segments")
	segment(330, 340)
	expect("four small segments", "300", "310", "320", "330")
}

// TestCompactionKeepsValuesAcrossBlocks compacts two segments of several
// column blocks each, a third of their rows deleted, and reads back every
// kept row's array and nested string: a compaction decodes its inputs a
// block at a time, and values an output block still holds must not alias
// memory the next input block is decoded into.
func TestCompactionKeepsValuesAcrossBlocks(t *testing.T) {
	ctx := context.Background()
	e, c := openCompactionTest(t, 1<<16)
	defer e.Close()
	const perSegment = 20000 // three column blocks
	doc := func(i int) string {
		return fmt.Sprintf(`{"_id":"%d","tags":["a%d","b%d"],"o":{"s":"x%d"},"n":%d}`, i, i, i, i, i)
	}
	for s := range 2 {
		for lo := s * perSegment; lo < (s+1)*perSegment; lo += 1000 {
			var ops []WriteOp
			for i := lo; i < lo+1000; i++ {
				ops = append(ops, WriteOp{Doc: mustDoc(t, doc(i))})
			}
			if _, _, err := e.Write(ctx, "commons", "p", ops); err != nil {
				t.Fatal(err)
			}
		}
		if err := e.Flush(ctx, "commons", "p"); err != nil {
			t.Fatal(err)
		}
	}
	var ops []WriteOp
	for i := 0; i < 2*perSegment; i += 3 {
		ops = append(ops, WriteOp{Kind: OpDelete, ID: fmt.Sprint(i)})
	}
	if _, _, err := e.Write(ctx, "commons", "p", ops); err != nil {
		t.Fatal(err)
	}
	c.mu.RLock()
	inputs := slices.Clone(c.segs)
	c.mu.RUnlock()
	if len(inputs) != 2 {
		t.Fatalf("%d segments, want 2", len(inputs))
	}
	if err := e.compact(c, inputs); err != nil {
		t.Fatal(err)
	}
	snap, err := e.Snapshot("commons", "p")
	if err != nil {
		t.Fatal(err)
	}
	defer snap.Close()
	seen := 0
	for _, v := range snap.Segments() {
		var ids, tags, os coldata.Vec
		for _, col := range []struct {
			path string
			dst  *coldata.Vec
		}{{FieldID, &ids}, {"tags", &tags}, {"o.s", &os}} {
			if err := v.ReadColumn(col.path, 0, v.NumRows(), col.dst); err != nil {
				t.Fatal(err)
			}
		}
		del := v.Deleted()
		for r := 0; r < v.NumRows(); r++ {
			if del.Contains(uint32(r)) {
				continue
			}
			seen++
			id := ids.Value(r).Str()
			want := mustDoc(t, doc(atoiT(t, id)))
			if got := tags.Value(r); !sameValue(got, want.Get("tags")) {
				t.Fatalf("row %d (_id %s): tags %s, want %s", r, id, show(got), show(want.Get("tags")))
			}
			if got := os.Value(r); !sameValue(got, want.Get("o").Get("s")) {
				t.Fatalf("row %d (_id %s): o.s %s, want %s", r, id, show(got), show(want.Get("o").Get("s")))
			}
		}
	}
	if want := 2*perSegment - (2*perSegment+2)/3; seen != want {
		t.Fatalf("%d live rows, want %d", seen, want)
	}
}

func atoiT(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// openCompactionTest opens an engine without background work, sealing at
// sealRows rows, with one collection "p".
func openCompactionTest(t *testing.T, sealRows int) (*Engine, *collection) {
	t.Helper()
	e, err := Open(Options{Dir: "data", FS: vfs.NewMem(), Logger: testLogger(t), DisableBackground: true, SealRows: sealRows})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.CreateCollection("commons", catalog.CollectionSpec{Name: "p"}); err != nil {
		e.Close()
		t.Fatal(err)
	}
	c, err := e.collection("commons", "p")
	if err != nil {
		e.Close()
		t.Fatal(err)
	}
	return e, c
}

// removeHookFS calls onRemove (when set) before removing a file.
type removeHookFS struct {
	vfs.FS
	onRemove func(name string)
}

func (fs *removeHookFS) Remove(name string) error {
	if fs.onRemove != nil {
		fs.onRemove(name)
	}
	return fs.FS.Remove(name)
}

// TestWritesWhileCompactionRecordSyncs pauses a compaction once its record
// is durable and before it swaps its segment in, then while it removes its
// inputs' files: writes go on meanwhile (neither holds the lock they
// publish with), a deletion and a replacement of rows in its inputs carry
// over to the merged segment, and all of it survives a restart. A
// collection dropped at that point leaves the compaction with nothing to
// swap, and no error.
func TestWritesWhileCompactionRecordSyncs(t *testing.T) {
	ctx := context.Background()
	fs := &removeHookFS{FS: vfs.NewMem()}
	opts := Options{Dir: "data", FS: fs, Logger: testLogger(t), DisableBackground: true, SealRows: 1000}
	e, err := Open(opts)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { e.Close() }()
	// Two sealed segments of 100 rows each, 80 rows of the first deleted.
	inputs := map[string][]*segHandle{}
	for _, name := range []string{"p", "gone"} {
		if _, err := e.CreateCollection("commons", catalog.CollectionSpec{Name: name}); err != nil {
			t.Fatal(err)
		}
		for s := range 2 {
			var ops []WriteOp
			for i := s * 100; i < (s+1)*100; i++ {
				ops = append(ops, WriteOp{Doc: mustDoc(t, fmt.Sprintf(`{"_id":"d%d","n":%d}`, i, i))})
			}
			if _, _, err := e.Write(ctx, "commons", name, ops); err != nil {
				t.Fatal(err)
			}
			if err := e.Flush(ctx, "commons", name); err != nil {
				t.Fatal(err)
			}
		}
		var dels []WriteOp
		for i := range 80 {
			dels = append(dels, WriteOp{Kind: OpDelete, ID: fmt.Sprintf("d%d", i)})
		}
		if _, _, err := e.Write(ctx, "commons", name, dels); err != nil {
			t.Fatal(err)
		}
		c, err := e.collection("commons", name)
		if err != nil {
			t.Fatal(err)
		}
		c.mu.RLock()
		inputs[name] = slices.Clone(c.segs)
		c.mu.RUnlock()
		if len(inputs[name]) != 2 {
			t.Fatalf("%s: %d segments, want 2", name, len(inputs[name]))
		}
	}
	c, err := e.collection("commons", "p")
	if err != nil {
		t.Fatal(err)
	}

	afterRecord, recorded, unpause := pauseOnce()
	defer unpause() // a failure below must not leave the compaction paused
	removing, removeStarted, unpauseRemove := pauseOnce()
	defer unpauseRemove()
	e.afterCompactionRecord = afterRecord
	fs.onRemove = func(name string) {
		if strings.HasSuffix(name, ".seg") {
			removing()
		}
	}
	compacted := make(chan error, 1)
	go func() { compacted <- e.compact(c, inputs["p"]) }()
	<-recorded
	writeMeanwhile(t, e, "p", "the compaction's record to sync", []WriteOp{
		{Kind: OpDelete, ID: "d85"},
		{Doc: mustDoc(t, `{"_id":"d150","n":1500}`)},
		{Doc: mustDoc(t, `{"_id":"d300","n":300}`)},
	})
	check := func(stage string, wantSealed int) {
		t.Helper()
		sealed := checkDocs(t, e, "p", stage, 120, []string{"d3", "d85"}, map[string]int64{"d150": 1500, "d300": 300, "d90": 90, "d199": 199})
		if sealed != wantSealed {
			t.Errorf("%s: %d sealed segments, want %d", stage, sealed, wantSealed)
		}
	}
	check("paused", 2)
	unpause()
	<-removeStarted
	writeMeanwhile(t, e, "p", "the compaction to remove its inputs' files", []WriteOp{{Doc: mustDoc(t, `{"_id":"d301","n":301}`)}, {Kind: OpDelete, ID: "d301"}})
	unpauseRemove()
	if err := <-compacted; err != nil {
		t.Fatal(err)
	}
	fs.onRemove = nil
	check("swapped", 1)

	// Dropped while its compaction's record syncs.
	e.afterCompactionRecord = func() {
		if _, err := e.DropCollection("commons", "gone"); err != nil {
			t.Errorf("drop: %v", err)
		}
	}
	g, err := e.collection("commons", "gone")
	if err != nil {
		t.Fatal(err)
	}
	if err := e.compact(g, inputs["gone"]); err != nil {
		t.Fatalf("compaction of a collection dropped meanwhile: %v", err)
	}
	e.afterCompactionRecord = nil
	holdsNoSegments(t, g, "its compaction")

	e = reopen(t, e, opts)
	check("restarted", 1)
	if _, err := e.Snapshot("commons", "gone"); err == nil {
		t.Fatal("the dropped collection is back after a restart")
	}
}
