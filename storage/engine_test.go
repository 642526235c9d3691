package storage

import (
	"context"
	"fmt"
	"strings"
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

// TestGeneratedIDsAscend writes documents without _id in several batches
// and checks the ids they were given: version 7 UUIDs, distinct, each
// greater than the one generated before it, and found by Get.
func TestGeneratedIDsAscend(t *testing.T) {
	ctx := context.Background()
	e := openTestEngine(t, vfs.NewMem())
	defer e.Close()
	if _, err := e.CreateCollection("commons", catalog.CollectionSpec{Name: "g"}); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for b := range 5 {
		var ops []WriteOp
		for i := range 300 {
			ops = append(ops, WriteOp{Doc: mustDoc(t, fmt.Sprintf(`{"b":%d,"i":%d}`, b, i))})
		}
		res, _, err := e.Write(ctx, "commons", "g", ops)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range res {
			ids = append(ids, r.ID)
		}
	}
	for i, id := range ids {
		if len(id) != 36 || id[14] != '7' || !strings.ContainsRune("89ab", rune(id[19])) {
			t.Fatalf("id %d: %q is not a version 7 UUID", i, id)
		}
		if i > 0 && id <= ids[i-1] {
			t.Fatalf("id %d: %q does not follow %q", i, id, ids[i-1])
		}
	}
	s, err := e.Snapshot("commons", "g")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	doc, ok, err := s.Get(ids[777])
	if err != nil || !ok || doc.Get("b").Int() != 2 || doc.Get("i").Int() != 177 {
		t.Fatalf("Get(%s) = %v %v %v", ids[777], doc, ok, err)
	}
}
