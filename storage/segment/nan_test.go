package segment

import (
	"math"
	"testing"

	"github.com/RoaringBitmap/roaring/v2"
	"github.com/basaltdb/basalt/index"
	"github.com/basaltdb/basalt/types"
	"github.com/cockroachdb/pebble/v2/vfs"
)

// nanDocs are the rows of testdata/nan-v3.seg, which the code of bc1f1ea
// wrote with writeNaNSegment, at footer version 3, when NaN ordered below
// every number: x holds NaN in blocks 0 and
// 2 (all of 2), none in 1; y mixes false, NaN and numbers in every block.
func nanDocs() []types.Value {
	n := 2*index.BlockRows + 100
	docs := make([]types.Value, n)
	for i := range docs {
		var x types.Value
		switch {
		case i >= 2*index.BlockRows || i%1000 == 3 && i < index.BlockRows:
			x = types.Float(math.NaN())
		case i < index.BlockRows:
			x = types.Float(float64(i%100) + 0.5)
		default:
			x = types.Float(float64(i%100) - 50.5)
		}
		var y types.Value
		switch {
		case i%3 == 0:
			y = types.Bool(false)
		case i%1000 == 7:
			y = types.Float(math.NaN())
		default:
			y = types.Int(int64(i % 10))
		}
		docs[i] = types.Object([]types.Field{{Name: "x", Value: x}, {Name: "y", Value: y}})
	}
	return docs
}

// writeNaNSegment writes nanDocs with every column indexed, and no rows (only
// the columns and indexes are of interest).
func writeNaNSegment(t *testing.T, fs vfs.FS, name string) {
	t.Helper()
	docs := nanDocs()
	w, err := Create(fs, name)
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"x", "y"} {
		col := w.BeginColumn(path)
		for _, d := range docs {
			col.Append(d.Get(path))
		}
		if err := col.End(); err != nil {
			t.Fatal(err)
		}
	}
	ids := make([]uint64, len(docs))
	for i := range docs {
		ids[i] = uint64(i + 1)
	}
	if _, err := w.Finish(Meta{Rows: len(docs), MinEventTime: 1, MaxEventTime: 2, RowIDs: ids}); err != nil {
		t.Fatal(err)
	}
}

// TestNaNOrderInSegments reads nanDocs from a segment of footer version 3
// (NaN lowest in its zone maps and index terms) and from one written today
// (NaN highest, as types.Compare orders it): in both, every zone bounds its
// block's values and every index lookup finds the rows Match takes.
func TestNaNOrderInSegments(t *testing.T) {
	docs := nanDocs()
	mem := vfs.NewMem()
	writeNaNSegment(t, mem, "v4")
	nan, inf := types.Float(math.NaN()), types.Float(math.Inf(1))
	preds := []index.Predicate{
		index.Range(types.Int(5), false, types.Undefined, false),
		index.Range(types.Undefined, false, types.Int(5), true),
		index.Range(types.Float(math.Inf(-1)), true, inf, true),
		index.Range(inf, false, types.Undefined, false),
		index.Range(nan, true, types.Undefined, false),
		index.Range(types.Int(0), true, nan, true),
		index.Range(types.Bool(false), true, types.Undefined, false),
		index.Eq(nan),
		index.In(types.Int(1), nan),
	}
	for _, tc := range []struct {
		name, file string
		fs         vfs.FS
	}{{"v3", "testdata/nan-v3.seg", vfs.Default}, {"v4", "v4", mem}} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := Open(tc.fs, tc.file)
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			if r.legacyNaN != (tc.name == "v3") {
				t.Fatalf("legacyNaN = %v", r.legacyNaN)
			}
			for _, path := range []string{"x", "y"} {
				zones := r.Zones(path)
				for i, d := range docs {
					v, z := d.Get(path), zones[i/index.BlockRows]
					if types.Compare(z.Min, v) > 0 || types.Compare(v, z.Max) > 0 {
						t.Fatalf("%s row %d: %s outside its zone [%s, %s]", path, i, v, z.Min, z.Max)
					}
				}
				for _, p := range preds {
					got := roaring.New()
					if err := r.Lookup(path, p, got); err != nil {
						t.Fatal(err)
					}
					want := roaring.New()
					for i, d := range docs {
						if p.Match(d.Get(path)) {
							want.Add(uint32(i))
						}
					}
					if !got.Equals(want) {
						t.Errorf("%s %s: %d rows, want %d", path, p, got.GetCardinality(), want.GetCardinality())
					}
				}
			}
		})
	}
}
