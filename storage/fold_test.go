package storage

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/basaltdb/basalt/catalog"
	"github.com/basaltdb/basalt/types"
	"github.com/cockroachdb/pebble/v2/vfs"
)

// addN is a fold that adds n to the document's field "n".
func addN(n int64) FoldFunc {
	return func(old types.Value, exists bool) (types.Value, error) {
		cur := int64(0)
		if exists {
			cur = old.Get("n").Int()
		}
		return types.Object([]types.Field{{Name: "n", Value: types.Int(cur + n)}, {Name: "_event_time", Value: types.Timestamp(1_700_000_000_000_000)}}), nil
	}
}

func TestFold(t *testing.T) {
	ctx := context.Background()
	e := openTestEngine(t, vfs.NewMem())
	defer e.Close()
	if _, err := e.CreateCollection("commons", catalog.CollectionSpec{Name: "r"}); err != nil {
		t.Fatal(err)
	}
	get := func(id string) (types.Value, bool) {
		t.Helper()
		s, err := e.Snapshot("commons", "r")
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		doc, ok, err := s.Get(id)
		if err != nil {
			t.Fatal(err)
		}
		return doc, ok
	}
	// Two folds of one _id in one request compose; an error fails only its
	// own operation; a panic is an error, not a crash.
	boom := errors.New("boom")
	res, _, err := e.Write(ctx, "commons", "r", []WriteOp{
		{Kind: OpFold, ID: "a", Fold: addN(1)},
		{Kind: OpFold, ID: "a", Fold: addN(10)},
		{Kind: OpFold, ID: "b", Fold: func(types.Value, bool) (types.Value, error) { return types.Value{}, boom }},
		{Kind: OpFold, ID: "c", Fold: func(types.Value, bool) (types.Value, error) { panic("broken") }},
		{Kind: OpFold, ID: "", Fold: addN(1)},
		{Kind: OpFold, ID: "a", Fold: addN(100)},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []Status{StatusAdded, StatusPatched, StatusError, StatusError, StatusError, StatusPatched}
	for i, r := range res {
		if r.Status != want[i] || (r.Err != nil) != (want[i] == StatusError) {
			t.Fatalf("op %d: %v %v, want %v", i, r.Status, r.Err, want[i])
		}
	}
	if doc, _ := get("a"); doc.Get("n").Int() != 111 || doc.Get("_event_time").Micros() != 1_700_000_000_000_000 {
		t.Fatalf("a = %s", doc)
	}
	if _, ok := get("b"); ok {
		t.Fatal("b exists after a failed fold")
	}
	// Concurrent requests never lose an update: the committer serializes
	// the read-modify-writes. Seal in between so folds read sealed rows.
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 50 {
				if _, _, err := e.Write(ctx, "commons", "r", []WriteOp{{Kind: OpFold, ID: "a", Fold: addN(1)}}); err != nil {
					t.Error(err)
				}
				if w == 0 && i%10 == 0 {
					if err := e.Flush(ctx, "commons", "r"); err != nil {
						t.Error(err)
					}
				}
			}
		}()
	}
	wg.Wait()
	if doc, _ := get("a"); doc.Get("n").Int() != 111+400 {
		t.Fatalf("a = %s, want n = 511", doc)
	}
	if err := e.Flush(ctx, "commons", "r"); err != nil {
		t.Fatal(err)
	}
	maintainFully(t, e, "commons", "r")
	if _, _, err := e.Write(ctx, "commons", "r", []WriteOp{{Kind: OpFold, ID: "a", Fold: addN(1)}}); err != nil {
		t.Fatal(err)
	}
	if doc, _ := get("a"); doc.Get("n").Int() != 512 {
		t.Fatalf("after compaction a = %s, want n = 512", doc)
	}
	if st, _ := e.Stats("commons", "r"); st.DocCount != 1 {
		t.Fatalf("doc count %d, want 1", st.DocCount)
	}
}
