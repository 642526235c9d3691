package segment

import (
	"math/rand/v2"
	"testing"

	"github.com/RoaringBitmap/roaring/v2"
	"github.com/basaltdb/basalt/coldata"
	"github.com/basaltdb/basalt/index"
	"github.com/basaltdb/basalt/storage/encoding"
	"github.com/basaltdb/basalt/types"
	"github.com/cockroachdb/pebble/v2/vfs"
)

// TestBlockCacheReads reads every block of a segment twice through a block
// cache, from two readers sharing it: the values are the file's, the
// compressed blocks are held (and read from the cache the second time),
// and the cache stays within its budget.
func TestBlockCacheReads(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	fs := vfs.NewMem()
	docs := testRows(rng, 3*index.BlockRows+17)
	writeTestSegment(t, fs, "seg", docs)
	c := NewBlockCache(64 << 20)
	for round := range 2 {
		r, err := Open(fs, "seg")
		if err != nil {
			t.Fatal(err)
		}
		r.UseBlockCache(c)
		for pass := range 2 {
			for _, path := range []string{"_id", "a", "tags"} {
				var dec encoding.Decoder
				var v coldata.Vec
				for b := range r.NumBlocks() {
					if err := r.ReadBlock(path, b, &dec, &v); err != nil {
						t.Fatal(err)
					}
					for i := range v.Len() {
						want := types.FieldPath(path).Eval(docs[b*index.BlockRows+i])
						if got := v.Value(i); !types.Equal(got, want) {
							t.Fatalf("round %d pass %d %s block %d row %d: %s, want %s", round, pass, path, b, i, got, want)
						}
					}
				}
			}
		}
		// Documents by row, twice, out of order: from the file, then
		// from the cache.
		for pass := range 2 {
			for _, row := range []int{len(docs) - 1, 0, index.BlockRows + 5, 7, len(docs) / 2} {
				raw, err := r.Doc(row)
				if err != nil {
					t.Fatal(err)
				}
				got, err := types.DecodeBinary(raw)
				if err != nil {
					t.Fatal(err)
				}
				if !types.Equal(got, docs[row]) {
					t.Fatalf("round %d pass %d doc %d: %s, want %s", round, pass, row, got, docs[row])
				}
			}
		}
		r.Close()
	}
	// The _id blocks compress (zstd); two readers hold their own copies.
	if c.Bytes() == 0 || len(c.m) < 2*4 {
		t.Errorf("cache holds %d bytes in %d blocks", c.Bytes(), len(c.m))
	}
}

// TestBlockCacheBudget checks that the oldest images leave first once the
// budget is exceeded, and that an image too big for it is not kept.
func TestBlockCacheBudget(t *testing.T) {
	c := NewBlockCache(1000)
	for i := range 10 {
		c.put(blockKey{reader: 1, block: int32(i)}, make([]byte, 100))
	}
	c.put(blockKey{reader: 1, block: 10}, make([]byte, 100))
	if c.Bytes() != 1000 || c.get(blockKey{reader: 1, block: 0}) != nil || c.get(blockKey{reader: 1, block: 10}) == nil || c.get(blockKey{reader: 1, block: 1}) == nil {
		t.Errorf("after 11 puts of 100 bytes into 1000: %d bytes, first kept %v, last kept %v",
			c.Bytes(), c.get(blockKey{reader: 1, block: 0}) != nil, c.get(blockKey{reader: 1, block: 10}) != nil)
	}
	c.put(blockKey{reader: 2}, make([]byte, 200))
	if c.get(blockKey{reader: 2}) != nil {
		t.Error("an image of a fifth of the budget was kept")
	}
	for i := range 1000 {
		c.put(blockKey{reader: 3, block: int32(i)}, make([]byte, 50))
	}
	// 20 images of 50 bytes fill the budget; the queue holds just them.
	if c.Bytes() != 1000 || len(c.m) != 20 || len(c.queue)-c.head != 20 || len(c.queue) > 40 {
		t.Errorf("%d bytes, queue %d (head %d) for %d images", c.Bytes(), len(c.queue), c.head, len(c.m))
	}
}

// TestBlockCacheIndexReads looks rows up through the index with a block
// cache, then closes the file and looks them up again: the second round
// must come from the cache alone, with the same rows as a reader without
// a cache.
func TestBlockCacheIndexReads(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	fs := vfs.NewMem()
	writeTestSegment(t, fs, "seg", testRows(rng, 3*index.BlockRows+17))
	plain, err := Open(fs, "seg")
	if err != nil {
		t.Fatal(err)
	}
	defer plain.Close()
	r, err := Open(fs, "seg")
	if err != nil {
		t.Fatal(err)
	}
	r.UseBlockCache(NewBlockCache(64 << 20))
	lookups := []struct {
		path string
		p    index.Predicate
	}{
		{"a", index.Eq(types.Int(7))},
		{"a", index.Eq(types.String("s3"))},
		{"a", index.Range(types.Int(10), true, types.Int(30), false)},
		{"tags[*]", index.Eq(types.String("x"))},
		{"tags[*]", index.Eq(types.Int(3))},
		{"_id", index.Eq(types.String("id00042"))},
	}
	for round := range 2 {
		for _, l := range lookups {
			got, want := roaring.New(), roaring.New()
			if err := r.Lookup(l.path, l.p, got); err != nil {
				t.Fatalf("round %d %s %v: %v", round, l.path, l.p, err)
			}
			if err := plain.Lookup(l.path, l.p, want); err != nil {
				t.Fatal(err)
			}
			if !got.Equals(want) || want.IsEmpty() {
				t.Fatalf("round %d %s %v: %d rows, want %d", round, l.path, l.p, got.GetCardinality(), want.GetCardinality())
			}
		}
		if round == 0 {
			r.Close() // the second round reads nothing from the file
		}
	}
}
