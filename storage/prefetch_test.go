package storage

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"

	"github.com/basaltdb/basalt/catalog"
	"github.com/basaltdb/basalt/coldata"
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

// TestPrefetchInHalves: a write with many patches and updates reads their
// documents in two halves on two goroutines; every one of them is read
// and merged ahead (whichever half it fell in), the other operations are
// only hashed, and the write commits what one pass would.
func TestPrefetchInHalves(t *testing.T) {
	ctx := context.Background()
	e, c := openWithCollection(t, Options{Dir: "data", FS: vfs.NewMem(), Logger: testLogger(t), DisableBackground: true}, "h")
	const n = 4 * prefetchMinHalf
	var seed []WriteOp
	for i := 0; i < n; i++ {
		seed = append(seed, WriteOp{Doc: mustDoc(t, fmt.Sprintf(`{"_id":"d%d","n":%d}`, i, i))})
	}
	if _, _, err := e.Write(ctx, "commons", "h", seed); err != nil {
		t.Fatal(err)
	}
	// Patches and updates of existing documents, with inserts, a patch of
	// a missing _id and a failed operation between them.
	var ops []WriteOp
	for i := 0; i < n; i++ {
		switch i % 5 {
		case 0:
			ops = append(ops, WriteOp{Doc: mustDoc(t, fmt.Sprintf(`{"_id":"new%d","n":%d}`, i, i))})
		case 1:
			ops = append(ops, WriteOp{Kind: OpUpdate, Doc: mustDoc(t, fmt.Sprintf(`{"_id":"d%d","u":true}`, i))})
		default:
			ops = append(ops, WriteOp{Kind: OpPatch, ID: fmt.Sprintf("d%d", i), Patch: []types.PatchOp{{Op: "increment", Path: "/n", Value: types.Int(1000)}}})
		}
	}
	ops = append(ops, WriteOp{Kind: OpPatch, ID: "missing", Patch: []types.PatchOp{{Op: "add", Path: "/x", Value: types.Int(1)}}},
		WriteOp{ID: "bad", Err: fmt.Errorf("refused")})
	pw, err := e.PrepareAtCollection(catalog.Collection{ID: c.id, Workspace: "commons", Name: "h"}, ops)
	if err != nil {
		t.Fatal(err)
	}
	c.prefetch(pw.prep)
	for i := range pw.prep {
		op := &pw.prep[i]
		if op.err == nil && op.idHash == (pkHash{}) {
			t.Fatalf("op %d (%s): not hashed", i, op.id)
		}
		if want := op.reads() && op.id != "missing"; want != !op.premerged.IsUndefined() {
			t.Fatalf("op %d (%s): premerged %v, want %v", i, op.id, !op.premerged.IsUndefined(), want)
		}
	}
	res, _, err := e.CommitPrepared(ctx, pw, nil)
	if err != nil {
		t.Fatal(err)
	}
	s, err := e.Snapshot("commons", "h")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for i := 0; i < n; i++ {
		id := fmt.Sprintf("d%d", i)
		doc, ok, err := s.Get(id)
		if err != nil || !ok {
			t.Fatalf("%s: %v %v", id, ok, err)
		}
		want := `{"_id":"` + id + `","n":` + fmt.Sprint(i)
		switch i % 5 {
		case 0:
			if _, ok, _ := s.Get(fmt.Sprintf("new%d", i)); !ok || res[i].Status != StatusAdded {
				t.Fatalf("new%d: found %v, status %v", i, ok, res[i].Status)
			}
		case 1:
			want += `,"u":true`
		default:
			want = `{"_id":"` + id + `","n":` + fmt.Sprint(i+1000)
		}
		if got := doc.WithoutField(FieldEventTime).JSON(); got != want+"}" {
			t.Fatalf("%s: %s, want %s}", id, got, want)
		}
	}
	if res[n].Err == nil || res[n+1].Err == nil {
		t.Fatalf("the patch of a missing document and the failed op: %+v %+v", res[n], res[n+1])
	}
}

// TestPrefetchDecodersReused: the decoders that read the documents patches
// modify go back to a pool once their request is committed, and the next
// requests decode into the same memory. Rounds of patches (on two
// goroutines when there are enough) that add, replace and remove strings,
// arrays and objects of varying sizes must leave every document as a model
// of them says, checked after each round, sealed or not.
func TestPrefetchDecodersReused(t *testing.T) {
	ctx := context.Background()
	e := openTestEngine(t, vfs.NewMem()) // seals every 100 rows
	defer e.Close()
	if _, err := e.CreateCollection("commons", catalog.CollectionSpec{Name: "r"}); err != nil {
		t.Fatal(err)
	}
	const n = 300
	model := map[string]map[string]string{} // id → field → its JSON
	var seed []WriteOp
	for i := range n {
		id := fmt.Sprintf("d%03d", i)
		model[id] = map[string]string{"n": "0", "s": `"start"`}
		seed = append(seed, WriteOp{Doc: mustDoc(t, fmt.Sprintf(`{"_id":%q,"n":0,"s":"start"}`, id))})
	}
	if _, _, err := e.Write(ctx, "commons", "r", seed); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(7, 8))
	for round := range 30 {
		var ops []WriteOp
		for i := range n {
			if rng.IntN(4) == 0 {
				continue // not every document every round
			}
			id := fmt.Sprintf("d%03d", i)
			var p types.PatchOp
			switch rng.IntN(4) {
			case 0:
				s := strings.Repeat(string(rune('a'+rng.IntN(26))), rng.IntN(200))
				p = types.PatchOp{Op: "replace", Path: "/s", Value: types.String(s)}
				model[id]["s"] = fmt.Sprintf("%q", s)
			case 1:
				k := fmt.Sprintf("f%d", rng.IntN(5))
				v := mustDoc(t, fmt.Sprintf(`{"round":%d,"tags":["t%d","u%d"],"deep":{"x":"%s"}}`, round, i, round, strings.Repeat("z", rng.IntN(50))))
				p = types.PatchOp{Op: "add", Path: "/" + k, Value: v}
				model[id][k] = v.JSON()
			case 2:
				p = types.PatchOp{Op: "increment", Path: "/n", Value: types.Int(1)}
				var v int
				fmt.Sscan(model[id]["n"], &v)
				model[id]["n"] = fmt.Sprint(v + 1)
			case 3:
				k := fmt.Sprintf("f%d", rng.IntN(5))
				if _, ok := model[id][k]; !ok {
					continue
				}
				p = types.PatchOp{Op: "remove", Path: "/" + k}
				delete(model[id], k)
			}
			ops = append(ops, WriteOp{Kind: OpPatch, ID: id, Patch: []types.PatchOp{p}})
		}
		res, _, err := e.Write(ctx, "commons", "r", ops)
		if err != nil {
			t.Fatal(err)
		}
		for i, r := range res {
			if r.Err != nil {
				t.Fatalf("round %d, op %d: %v", round, i, r.Err)
			}
		}
		s, err := e.Snapshot("commons", "r")
		if err != nil {
			t.Fatal(err)
		}
		for id, fields := range model {
			doc, ok, err := s.Get(id)
			if err != nil || !ok {
				t.Fatalf("round %d, %s: %v %v", round, id, ok, err)
			}
			doc = doc.WithoutField(FieldEventTime)
			if got := len(doc.Fields()); got != len(fields)+1 {
				t.Fatalf("round %d, %s: %s, want the fields %v", round, id, doc.JSON(), fields)
			}
			for k, want := range fields {
				if got := doc.Get(k).JSON(); got != want {
					t.Fatalf("round %d, %s: %s is %s, want %s", round, id, k, got, want)
				}
			}
		}
		// The columns, where the committer walked the documents: their
		// nested values came from the prefetch's decoders.
		var ids, col coldata.Vec
		for _, v := range s.Segments() {
			if err := v.ReadColumn(FieldID, 0, v.NumRows(), &ids); err != nil {
				t.Fatal(err)
			}
			deleted := v.Deleted()
			for r := range v.NumRows() {
				if deleted.Contains(uint32(r)) {
					continue
				}
				id := ids.Value(r).Str()
				want := map[string]string{}
				for k, js := range model[id] {
					leaves(k, mustDoc(t, `{"v":`+js+`}`).Get("v"), want)
				}
				for path, js := range want {
					if err := v.ReadColumn(path, r, r+1, &col); err != nil {
						t.Fatal(err)
					}
					if got := col.Value(0).JSON(); got != js {
						t.Fatalf("round %d, %s: column %s holds %s, want %s", round, id, path, got, js)
					}
				}
			}
		}
		s.Close()
	}
}

// leaves adds the JSON of v's leaves (values other than non-empty
// objects) to out, by their field paths under path.
func leaves(path string, v types.Value, out map[string]string) {
	if v.Kind() != types.KindObject || v.Len() == 0 {
		out[path] = v.JSON()
		return
	}
	for _, f := range v.Fields() {
		leaves(path+"."+f.Name, f.Value, out)
	}
}
