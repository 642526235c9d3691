package storage

import (
	"context"
	"slices"
	"testing"

	"github.com/basaltdb/basalt/catalog"
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
