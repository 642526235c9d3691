package segment

import (
	"math/rand/v2"
	"testing"

	"github.com/RoaringBitmap/roaring/v2"
	"github.com/basaltdb/basalt/coldata"
	"github.com/basaltdb/basalt/index"
	"github.com/basaltdb/basalt/types"
	"github.com/cockroachdb/pebble/v2/vfs"
)

// TestReadsFormat1 opens testdata/format1.seg, a segment file written by
// the code of a282200 (writeTestSegment over testRows(PCG(7, 9), 300)),
// and reads it back whole: a change to what a segment file holds must not
// leave the files written before it unreadable. (Adding a value kind made
// the footer's per-column kind counts one longer, and every segment
// written before "corrupt".)
func TestReadsFormat1(t *testing.T) {
	r, err := Open(vfs.Default, "testdata/format1.seg")
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	docs := testRows(rand.New(rand.NewPCG(7, 9)), 300)
	if r.NumRows() != len(docs) || r.RowIDs()[5] != 25 {
		t.Fatalf("rows %d, row id 5 = %d", r.NumRows(), r.RowIDs()[5])
	}
	for _, path := range []string{"_id", "a", "tags"} {
		var v coldata.Vec
		if err := r.ReadColumn(path, 0, len(docs), &v); err != nil {
			t.Fatal(err)
		}
		var want [types.NumKinds]uint64
		for i, d := range docs {
			w := types.FieldPath(path).Eval(d)
			want[w.Kind()]++
			if got := v.Value(i); !types.Equal(got, w) && !(got.IsUndefined() && w.IsUndefined()) {
				t.Fatalf("%s row %d: %s, want %s", path, i, got, w)
			}
		}
		if got, ok := r.FieldKinds(path); !ok || got != want {
			t.Errorf("%s kinds %v, want %v", path, got, want)
		}
	}
	for i := range docs {
		b, err := r.Doc(i)
		if err != nil {
			t.Fatal(err)
		}
		got, err := types.DecodeBinary(b)
		if err != nil || !types.Equal(got, docs[i]) {
			t.Fatalf("row %d: %s %v, want %s", i, got, err, docs[i])
		}
	}
	bm := roaring.New()
	if err := r.Lookup("a", index.Eq(types.Int(7)), bm); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, d := range docs {
		if types.Equal(d.Get("a"), types.Int(7)) {
			n++
		}
	}
	if int(bm.GetCardinality()) != n {
		t.Errorf("a = 7: %d rows, want %d", bm.GetCardinality(), n)
	}
}
