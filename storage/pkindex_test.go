package storage

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/basaltdb/basalt/catalog"
	"github.com/basaltdb/basalt/storage/kv"
	"github.com/basaltdb/basalt/types"
	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/vfs"
)

// TestPKIndexAgainstMap runs random sets and deletes against the index and a
// Go map. Hashes are drawn from a small space of probe positions, so probe
// runs are long, wrap around the table's end and get holes punched in them
// by deletes: the backward shift must keep every remaining entry reachable.
func TestPKIndexAgainstMap(t *testing.T) {
	for _, positions := range []uint64{7, 64, 1 << 20} {
		t.Run(fmt.Sprint(positions), func(t *testing.T) {
			r := rand.New(rand.NewPCG(1, positions))
			var x pkIndex
			ref := map[pkHash]uint64{}
			var keys []pkHash
			for i := 0; i < 3000; i++ {
				// Two shards only, so the tables grow and probe runs meet.
				keys = append(keys, pkHash{hi: uint64(r.IntN(2)) << 56, lo: r.Uint64N(positions) | r.Uint64()<<32})
			}
			check := func(step int) {
				for _, k := range keys {
					got, ok := x.get(k)
					want, wok := ref[k]
					if ok != wok || got != want {
						t.Fatalf("step %d: get(%x) = %d, %v; want %d, %v", step, k, got, ok, want, wok)
					}
				}
				if x.len() != len(ref) {
					t.Fatalf("step %d: len %d, want %d", step, x.len(), len(ref))
				}
			}
			for step := 0; step < 20000; step++ {
				k := keys[r.IntN(len(keys))]
				if r.IntN(3) == 0 {
					x.del(k)
					delete(ref, k)
				} else {
					row := uint64(step + 1)
					x.set(k, row)
					ref[k] = row
				}
				if step%2000 == 0 {
					check(step)
				}
			}
			check(-1)
			for _, k := range keys {
				x.del(k)
			}
			if x.len() != 0 {
				t.Fatalf("%d entries left after deleting all", x.len())
			}
		})
	}
}

// TestPKIndexRebuiltAtOpen checks that the index restarts with the primary
// keys the store holds, sealed or not: replaces, patches, inserts and
// deletes after a reopen must find (or not find) the documents written
// before it.
func TestPKIndexRebuiltAtOpen(t *testing.T) {
	ctx := context.Background()
	fs := vfs.NewMem()
	e := openTestEngine(t, fs)
	if _, err := e.CreateCollection("commons", catalog.CollectionSpec{Name: "c"}); err != nil {
		t.Fatal(err)
	}
	write := func(ops []WriteOp) []WriteResult {
		t.Helper()
		res, _, err := e.Write(ctx, "commons", "c", ops)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	var ops []WriteOp
	for i := 0; i < 250; i++ { // SealRows is 100: two sealed segments and a mutable one
		ops = append(ops, WriteOp{Doc: mustDoc(t, fmt.Sprintf(`{"_id":"d%d","n":%d}`, i, i))})
	}
	write(ops)
	write([]WriteOp{{Kind: OpDelete, ID: "d5"}})
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	e = openTestEngine(t, fs)
	defer e.Close()
	res := write([]WriteOp{
		{Doc: mustDoc(t, `{"_id":"d1","n":1000}`)},
		{Kind: OpPatch, ID: "d150", Patch: []types.PatchOp{{Op: "replace", Path: "/n", Value: types.Int(-1)}}},
		{Kind: OpDelete, ID: "d249"},
		{Kind: OpInsert, Doc: mustDoc(t, `{"_id":"d5","n":5}`)},
		{Kind: OpInsert, Doc: mustDoc(t, `{"_id":"d6","n":6}`)},
		{Kind: OpDelete, ID: "d5000"},
	})
	want := []Status{StatusReplaced, StatusPatched, StatusDeleted, StatusAdded, StatusError, StatusError}
	for i, r := range res {
		if r.Status != want[i] {
			t.Fatalf("op %d after reopen: status %v, want %v (%v)", i, r.Status, want[i], r.Err)
		}
	}
	s, err := e.Snapshot("commons", "c")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if n := s.DocCount(); n != 249 {
		t.Fatalf("%d documents, want 249", n)
	}
	for id, n := range map[string]int64{"d1": 1000, "d150": -1, "d5": 5, "d6": 6} {
		doc, ok, err := s.Get(id)
		if err != nil || !ok || doc.Get("n").Int() != n {
			t.Fatalf("%s: %v %v %v, want n=%d", id, doc, ok, err, n)
		}
	}
}

// TestPKIndexCorruptEntry: a primary-key entry whose row id does not decode
// stops the collection from opening, with an error that names the _id,
// rather than an index that silently lacks it.
func TestPKIndexCorruptEntry(t *testing.T) {
	ctx := context.Background()
	fs := vfs.NewMem()
	e := openTestEngine(t, fs)
	meta, err := e.CreateCollection("commons", catalog.CollectionSpec{Name: "c"})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.Write(ctx, "commons", "c", []WriteOp{{Doc: mustDoc(t, `{"_id":"d1","n":1}`)}}); err != nil {
		t.Fatal(err)
	}
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	st, err := kv.Open(kv.Options{FS: fs, Dir: fs.PathJoin("data", "kv")})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.DB.Set(kv.PKKey(nil, meta.ID, "d1"), []byte{0xff}, pebble.Sync); err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	_, err = Open(Options{Dir: "data", FS: fs, DisableBackground: true, SealRows: 100})
	if err == nil || !strings.Contains(err.Error(), `corrupt primary-key entry for _id "d1"`) || !strings.Contains(err.Error(), "commons.c") {
		t.Fatalf("open with a corrupt primary key: %v", err)
	}
}

// BenchmarkPKIndex times the committer's operations on an index of a
// million ids: a get of a present id, of an absent one, and a set.
func BenchmarkPKIndex(b *testing.B) {
	var x pkIndex
	const n = 1 << 20
	hs := make([]pkHash, n)
	for i := range hs {
		hs[i] = hashID(fmt.Sprintf("%024d", i))
		x.set(hs[i], uint64(i+1))
	}
	b.Run("get", func(b *testing.B) {
		i := 0
		for b.Loop() {
			if _, ok := x.get(hs[i&(n-1)]); !ok {
				b.Fatal("missing")
			}
			i += 7919
		}
	})
	b.Run("get-absent", func(b *testing.B) {
		i := 0
		for b.Loop() {
			if _, ok := x.get(pkHash{hi: uint64(i) * 0x9e3779b97f4a7c15, lo: uint64(i)}); ok {
				b.Fatal("found")
			}
			i++
		}
	})
	b.Run("set", func(b *testing.B) {
		i := 0
		for b.Loop() {
			x.set(hs[i&(n-1)], uint64(i+1))
			i += 7919
		}
		b.ReportMetric(float64(x.bytes())/n, "B/id")
	})
}
