package storage

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/RoaringBitmap/roaring/v2"
	"github.com/basaltdb/basalt/index"
	"github.com/basaltdb/basalt/types"
)

// TestLookupKey: keys tell apart what the index tells apart, and nothing
// else.
func TestLookupKey(t *testing.T) {
	ts := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).UnixMicro()
	distinct := []struct {
		ipath string
		p     index.Predicate
	}{
		{"a", index.Eq(types.String("2024-01-01T00:00:00Z"))},
		{"a", index.Eq(types.Timestamp(ts))},
		{"b", index.Eq(types.Timestamp(ts))},
		{"a", index.Eq(types.Null)},
		{"a", index.In(types.Int(1), types.Int(2))},
		{"a", index.Range(types.Int(1), true, types.Int(2), false)},
		{"a", index.Range(types.Int(1), false, types.Int(2), false)},
		{"a", index.Range(types.Int(1), true, types.Undefined, false)},
		{"a", index.Range(types.Undefined, false, types.Int(1), true)},
		{"a", index.Prefix("ab")},
		{"ab", index.Prefix("")},
	}
	seen := map[string]int{}
	for i, c := range distinct {
		k := lookupKey(c.ipath, c.p)
		if j, ok := seen[k]; ok {
			t.Errorf("%s %s and %s %s share a key", c.ipath, c.p, distinct[j].ipath, distinct[j].p)
		}
		seen[k] = i
	}
	if lookupKey("a", index.Eq(types.String("x"))) != lookupKey("a", index.Eq(types.String("x"))) {
		t.Error("one lookup, two keys")
	}
}

// TestLookupLive compares kept lookups with the posting list less the
// deletions of each prefix of a growing deletion log, snapshots old and
// new interleaved, and checks that a newer snapshot reads no posting list.
func TestLookupLive(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	postingRows := roaring.New()
	for range 3000 {
		postingRows.Add(uint32(rng.IntN(65536)))
	}
	var dels delLog
	var l liveLookups
	reads := 0
	posting := func() (*roaring.Bitmap, error) {
		reads++
		return postingRows.Clone(), nil
	}
	for range 2000 {
		// Half the deletions hit the posting list.
		row := uint32(rng.IntN(65536))
		if rng.IntN(2) == 0 {
			row, _ = postingRows.Select(uint32(rng.IntN(int(postingRows.GetCardinality()))))
		}
		dels.entries = append(dels.entries, delEntry{row: row})
	}
	want := func(n int) *roaring.Bitmap {
		bm := postingRows.Clone()
		for _, e := range dels.entries[:n] {
			bm.Remove(e.row)
		}
		return bm
	}
	key := lookupKey("k", index.Eq(types.String("v")))
	steps := []int{1, 10, 10, 500, 200, 1999, 2000, 3, 2000}
	for i, n := range steps {
		before := reads
		got, err := l.lookupLive(key, &dels, dels.entries, n, posting)
		if err != nil {
			t.Fatal(err)
		}
		if w := want(n); !got.Equals(w) {
			t.Fatalf("step %d, %d deletions: %d rows, want %d", i, n, got.GetCardinality(), w.GetCardinality())
		}
		// The caller owns the answer: changing it changes nothing kept.
		got.Clear()
		if i > 0 && n >= steps[i-1] && reads != before {
			t.Errorf("step %d: %d deletions after fewer read the posting list again", i, n)
		}
	}
}
