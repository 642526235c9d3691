package storage

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/basaltdb/basalt/catalog"
	"github.com/basaltdb/basalt/types"
	"github.com/cockroachdb/pebble/v2/vfs"
)

// TestPrefetchedMergeStaysCorrect: updates and patches are merged from the
// document read at the prefetch, before the commit. When another request
// changed the document in between (concurrent writers on the same _ids),
// or an earlier op of the same request did, the committer must merge again
// from the current version: every increment counts, none is lost.
func TestPrefetchedMergeStaysCorrect(t *testing.T) {
	ctx := context.Background()
	e := openTestEngine(t, vfs.NewMem())
	defer e.Close()
	if _, err := e.CreateCollection("commons", catalog.CollectionSpec{Name: "c"}); err != nil {
		t.Fatal(err)
	}
	ids := []string{"a", "b", "c"}
	var seed []WriteOp
	for _, id := range ids {
		seed = append(seed, WriteOp{Doc: mustDoc(t, fmt.Sprintf(`{"_id":%q,"n":0,"m":0}`, id))})
	}
	if _, _, err := e.Write(ctx, "commons", "c", seed); err != nil {
		t.Fatal(err)
	}
	const writers, requests = 4, 60
	var wg sync.WaitGroup
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := 0; r < requests; r++ {
				id := ids[(w+r)%len(ids)]
				inc := []types.PatchOp{{Op: "increment", Path: "/n", Value: types.Int(1)}}
				// Two increments of one _id in one request, and an
				// _op UPDATE after them: the later ops see the earlier.
				ops := []WriteOp{
					{Kind: OpPatch, ID: id, Patch: inc},
					{Kind: OpPatch, ID: id, Patch: inc},
					{Kind: OpUpdate, Doc: mustDoc(t, fmt.Sprintf(`{"_id":%q,"last":%d}`, id, w))},
				}
				res, _, err := e.Write(ctx, "commons", "c", ops)
				if err != nil {
					t.Error(err)
					return
				}
				for i, r := range res {
					if r.Err != nil {
						t.Errorf("op %d: %v", i, r.Err)
					}
				}
			}
		}()
	}
	wg.Wait()
	s, err := e.Snapshot("commons", "c")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	total := int64(0)
	for _, id := range ids {
		doc, ok, err := s.Get(id)
		if err != nil || !ok {
			t.Fatalf("%s: %v %v", id, ok, err)
		}
		if doc.Get("last").IsUndefined() {
			t.Errorf("%s: the UPDATE's field is missing: %s", id, doc)
		}
		total += doc.Get("n").Int()
	}
	if want := int64(writers * requests * 2); total != want {
		t.Fatalf("increments: %d counted, want %d", total, want)
	}
}

// TestPrefetchedPrimaryKeysStayCorrect: the committer trusts a primary key
// read at the prefetch only when no group changed it since. Concurrent
// writers upsert, insert, replace and delete a few shared _ids: a stale read
// trusted would add a document twice (two ADDED without a DELETED between,
// the old version never marked deleted) or delete one that is gone. For
// every _id, ADDED minus DELETED must be 0 or 1 and match what is there at
// the end, and the collection must count exactly those documents.
func TestPrefetchedPrimaryKeysStayCorrect(t *testing.T) {
	ctx := context.Background()
	e := openTestEngine(t, vfs.NewMem())
	defer e.Close()
	if _, err := e.CreateCollection("commons", catalog.CollectionSpec{Name: "c"}); err != nil {
		t.Fatal(err)
	}
	ids := []string{"a", "b", "c", "d", "e"}
	const writers, requests = 4, 150
	var mu sync.Mutex
	added := map[string]int{}
	deleted := map[string]int{}
	var wg sync.WaitGroup
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := 0; r < requests; r++ {
				var ops []WriteOp
				for k := 0; k < 3; k++ {
					id := ids[(w*7+r*3+k)%len(ids)]
					doc := mustDoc(t, fmt.Sprintf(`{"_id":%q,"w":%d,"r":%d}`, id, w, r))
					switch (w + r + k) % 4 {
					case 0, 1:
						ops = append(ops, WriteOp{Doc: doc})
					case 2:
						ops = append(ops, WriteOp{Kind: OpInsert, Doc: doc})
					default:
						ops = append(ops, WriteOp{Kind: OpDelete, ID: id})
					}
				}
				res, _, err := e.Write(ctx, "commons", "c", ops)
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				for i, r := range res {
					switch {
					case r.Status == StatusAdded:
						added[r.ID]++
					case r.Status == StatusDeleted:
						deleted[r.ID]++
					case r.Err != nil && ops[i].Kind != OpInsert && ops[i].Kind != OpDelete:
						t.Errorf("%s: %v", r.ID, r.Err)
					}
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	s, err := e.Snapshot("commons", "c")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	present := int64(0)
	for _, id := range ids {
		_, ok, err := s.Get(id)
		if err != nil {
			t.Fatal(err)
		}
		live := added[id] - deleted[id]
		if (live != 0 && live != 1) || (live == 1) != ok {
			t.Errorf("%s: %d ADDED, %d DELETED, present %v", id, added[id], deleted[id], ok)
		}
		if ok {
			present++
		}
	}
	if n := s.DocCount(); n != present {
		t.Fatalf("doc count %d, want %d", n, present)
	}
}
