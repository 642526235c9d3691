package storage

import (
	"context"
	"fmt"
	"testing"

	"github.com/basaltdb/basalt/catalog"
	"github.com/basaltdb/basalt/index"
	"github.com/basaltdb/basalt/types"
	"github.com/cockroachdb/pebble/v2/vfs"
)

func openTestEngine(t *testing.T, fs vfs.FS) *Engine {
	t.Helper()
	e, err := Open(Options{Dir: "data", FS: fs, DisableBackground: true, SealRows: 100})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func mustDoc(t *testing.T, s string) types.Value {
	t.Helper()
	v, err := types.NewDecoder(types.Limits{}).Decode([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return v.Clone()
}

func TestEngineSmoke(t *testing.T) {
	ctx := context.Background()
	fs := vfs.NewMem()
	e := openTestEngine(t, fs)
	if _, err := e.CreateCollection("commons", catalog.CollectionSpec{Name: "events"}); err != nil {
		t.Fatal(err)
	}
	var ops []WriteOp
	for i := 0; i < 250; i++ {
		ops = append(ops, WriteOp{Doc: mustDoc(t, fmt.Sprintf(`{"_id":"d%d","n":%d,"kind":"k%d","tags":["a","t%d"],"user":{"name":"u%d"}}`, i, i, i%3, i%5, i))})
	}
	res, _, err := e.Write(ctx, "commons", "events", ops)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range res {
		if r.Status != StatusAdded || r.Err != nil {
			t.Fatalf("op %d: %v %v", i, r.Status, r.Err)
		}
	}
	check := func(stage string, wantCount int64) {
		t.Helper()
		s, err := e.Snapshot("commons", "events")
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		if got := s.DocCount(); got != wantCount {
			t.Fatalf("%s: doc count %d, want %d", stage, got, wantCount)
		}
		var hits uint64
		for _, v := range s.Segments() {
			bm, err := v.Lookup(ctx, "kind", index.Eq(types.String("k1")))
			if err != nil {
				t.Fatal(err)
			}
			hits += bm.GetCardinality()
		}
		doc, ok, err := s.Get("d7")
		if err != nil || !ok {
			t.Fatalf("%s: get d7: %v %v", stage, ok, err)
		}
		if doc.Get("n").Int() != 7 {
			t.Fatalf("%s: d7 = %s", stage, doc)
		}
		t.Logf("%s: k1 hits %d, segments %d", stage, hits, len(s.Segments()))
	}
	check("mutable", 250)
	// Replace and delete some.
	res, _, err = e.Write(ctx, "commons", "events", []WriteOp{
		{Doc: mustDoc(t, `{"_id":"d1","n":1000}`)},
		{Kind: OpDelete, ID: "d2"},
		{Kind: OpPatch, ID: "d3", Patch: []types.PatchOp{{Op: "replace", Path: "/n", Value: types.Int(33)}}},
		{Kind: OpDelete, ID: "nope"},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []Status{StatusReplaced, StatusDeleted, StatusPatched, StatusError}
	for i, r := range res {
		if r.Status != want[i] {
			t.Fatalf("op %d: status %v, want %v (%v)", i, r.Status, want[i], r.Err)
		}
	}
	check("after updates", 249)
	if err := e.Flush(ctx, "commons", "events"); err != nil {
		t.Fatal(err)
	}
	check("sealed", 249)
	e.RunMaintenance(ctx)
	check("compacted", 249)
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	e = openTestEngine(t, fs)
	defer e.Close()
	check("reopened", 249)
}
