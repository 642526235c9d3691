package storage

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/RoaringBitmap/roaring/v2"
	"github.com/basaltdb/basalt/catalog"
	"github.com/basaltdb/basalt/coldata"
	"github.com/basaltdb/basalt/index"
	"github.com/basaltdb/basalt/types"
	"github.com/cockroachdb/pebble/v2/vfs"
)

// TestIDsWithPrefix lists the live _ids under a prefix at a snapshot's
// commit: deleted documents are gone, a later write is not seen, a prefix
// is a string prefix (not a path), and sealed rows are listed alike.
func TestIDsWithPrefix(t *testing.T) {
	ctx := context.Background()
	e := openTestEngine(t, vfs.NewMem())
	defer e.Close()
	if _, err := e.CreateCollection("commons", catalog.CollectionSpec{Name: "c"}); err != nil {
		t.Fatal(err)
	}
	write := func(ops ...WriteOp) {
		t.Helper()
		res, _, err := e.Write(ctx, "commons", "c", ops)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range res {
			if r.Err != nil {
				t.Fatal(r.Err.Message)
			}
		}
	}
	var ops []WriteOp
	for _, id := range []string{"s:a-1", "s:a-2", "s:a-10", "s:ab-1", "s:b-1", "t:a-1"} {
		ops = append(ops, WriteOp{Kind: OpUpsert, Doc: mustDoc(t, `{"_id":"`+id+`"}`)})
	}
	write(ops...)
	write(WriteOp{Kind: OpDelete, ID: "s:a-2"})
	list := func(snap *Snapshot, prefix string) []string {
		t.Helper()
		var ids []string
		if err := snap.IDsWithPrefix(prefix, func(id string) error { ids = append(ids, id); return nil }); err != nil {
			t.Fatal(err)
		}
		return ids
	}
	for _, sealed := range []bool{false, true} {
		if sealed {
			if err := e.Flush(ctx, "commons", "c"); err != nil {
				t.Fatal(err)
			}
		}
		snap, err := e.Snapshot("commons", "c")
		if err != nil {
			t.Fatal(err)
		}
		write(WriteOp{Kind: OpUpsert, Doc: mustDoc(t, `{"_id":"s:a-3"}`)}) // after the snapshot
		if got, want := list(snap, "s:a-"), []string{"s:a-1", "s:a-10"}; !slices.Equal(got, want) {
			t.Errorf("sealed %v: s:a- lists %v, want %v", sealed, got, want)
		}
		if got := list(snap, ""); len(got) != 5 {
			t.Errorf("sealed %v: every id: %v", sealed, got)
		}
		snap.Close()
		write(WriteOp{Kind: OpDelete, ID: "s:a-3"})
	}
}

// TestFilteredScanSkipsDeleted scans sealed segments with some rows deleted,
// through an index lookup and through a filter of every row: the scan must
// return exactly the live rows of its filter.
func TestFilteredScanSkipsDeleted(t *testing.T) {
	ctx := context.Background()
	e := openTestEngine(t, vfs.NewMem()) // SealRows 100
	defer e.Close()
	if _, err := e.CreateCollection("commons", catalog.CollectionSpec{Name: "c"}); err != nil {
		t.Fatal(err)
	}
	var ops []WriteOp
	for i := 0; i < 300; i++ {
		ops = append(ops, WriteOp{Doc: mustDoc(t, fmt.Sprintf(`{"_id":"d%d","k":"k%d"}`, i, i%3))})
	}
	var dels []WriteOp
	live := map[string]bool{}
	for i := 0; i < 300; i += 3 { // the k0 rows
		if i%2 == 0 {
			dels = append(dels, WriteOp{Kind: OpDelete, ID: fmt.Sprintf("d%d", i)})
		} else {
			live[fmt.Sprintf("d%d", i)] = true
		}
	}
	if _, _, err := e.Write(ctx, "commons", "c", ops); err != nil {
		t.Fatal(err)
	}
	if err := e.Flush(ctx, "commons", "c"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.Write(ctx, "commons", "c", dels); err != nil {
		t.Fatal(err)
	}
	s, err := e.Snapshot("commons", "c")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	scan := func(filter func(v *SegmentView) *roaring.Bitmap) map[string]bool {
		got := map[string]bool{}
		for _, v := range s.Segments() {
			sc := v.NewScanner(ScanOptions{Paths: []string{FieldID}, Filter: filter(v)})
			eachBatch(t, ctx, sc, func(b *coldata.Batch) {
				for _, r := range b.Sel {
					id := b.Vecs[0].Value(r).Str()
					if got[id] {
						t.Fatalf("%s scanned twice", id)
					}
					got[id] = true
				}
			})
		}
		return got
	}
	check := func(what string, got map[string]bool, want func(id string) bool, n int) {
		t.Helper()
		if len(got) != n {
			t.Fatalf("%s: scanned %d rows, want %d", what, len(got), n)
		}
		for id := range got {
			if !want(id) {
				t.Fatalf("%s: scanned %s", what, id)
			}
		}
	}
	// A lookup's rows (which leave deleted rows out already).
	check("k0 lookup", scan(func(v *SegmentView) *roaring.Bitmap {
		bm, err := v.Lookup(ctx, "k", index.Eq(types.String("k0")))
		if err != nil {
			t.Fatal(err)
		}
		return bm
	}), func(id string) bool { return live[id] }, len(live))
	// A filter of every row, deleted ones included.
	check("every row", scan(func(v *SegmentView) *roaring.Bitmap {
		bm := roaring.New()
		bm.AddRange(0, uint64(v.rows))
		return bm
	}), func(id string) bool {
		var i int
		fmt.Sscanf(id, "d%d", &i)
		return i%3 != 0 || live[id]
	}, 250)
}

// eachBatch calls fn with every batch sc returns.
func eachBatch(t testing.TB, ctx context.Context, sc *Scanner, fn func(b *coldata.Batch)) {
	t.Helper()
	for {
		b, err := sc.Next(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if b == nil {
			return
		}
		fn(b)
	}
}

// TestSnapshotStamp checks what changes a snapshot's stamp: a new path or
// a new kind at a path, and segments replaced (a seal); not rows like those
// before, nor deletions. With each stamp, Paths and PathKinds are checked
// to change exactly when it does.
func TestSnapshotStamp(t *testing.T) {
	ctx := context.Background()
	e := openTestEngine(t, vfs.NewMem())
	defer e.Close()
	if _, err := e.CreateCollection("commons", catalog.CollectionSpec{Name: "c"}); err != nil {
		t.Fatal(err)
	}
	write := func(op WriteOp) {
		t.Helper()
		if res, _, err := e.Write(ctx, "commons", "c", []WriteOp{op}); err != nil || res[0].Err != nil {
			t.Fatalf("write: %v %v", err, res)
		}
	}
	type state struct {
		stamp []uint64
		paths []string
		kinds [types.NumKinds]bool
	}
	look := func() state {
		t.Helper()
		s, err := e.Snapshot("commons", "c")
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		return state{s.Stamp(), s.Paths(), s.PathKinds("n")}
	}
	write(WriteOp{Doc: mustDoc(t, `{"_id":"a","n":1}`)})
	prev := look()
	steps := []struct {
		name    string
		do      func()
		changes bool
	}{
		{"row like the others", func() { write(WriteOp{Doc: mustDoc(t, `{"_id":"b","n":2}`)}) }, false},
		{"replace", func() { write(WriteOp{Doc: mustDoc(t, `{"_id":"a","n":3}`)}) }, false},
		{"delete", func() { write(WriteOp{Kind: OpDelete, ID: "b"}) }, false},
		{"new path", func() { write(WriteOp{Doc: mustDoc(t, `{"_id":"c","n":4,"m":true}`)}) }, true},
		{"new kind", func() { write(WriteOp{Doc: mustDoc(t, `{"_id":"d","n":"five"}`)}) }, true},
		{"seal", func() {
			if err := e.Flush(ctx, "commons", "c"); err != nil {
				t.Fatal(err)
			}
		}, true},
		{"row like the others, after the seal", func() { write(WriteOp{Doc: mustDoc(t, `{"_id":"e","n":6}`)}) }, true},
		{"and another", func() { write(WriteOp{Doc: mustDoc(t, `{"_id":"f","n":7}`)}) }, false},
	}
	for _, st := range steps {
		st.do()
		cur := look()
		if changed := !slices.Equal(cur.stamp, prev.stamp); changed != st.changes {
			t.Errorf("%s: stamp changed %v, want %v (%v -> %v)", st.name, changed, st.changes, prev.stamp, cur.stamp)
		}
		if slices.Equal(cur.stamp, prev.stamp) && (!slices.Equal(cur.paths, prev.paths) || cur.kinds != prev.kinds) {
			t.Errorf("%s: same stamp, but paths %v -> %v, kinds of n %v -> %v", st.name, prev.paths, cur.paths, prev.kinds, cur.kinds)
		}
		prev = cur
	}
}
