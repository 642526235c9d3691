package index

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/RoaringBitmap/roaring/v2"
	"github.com/basaltdb/basalt/types"
)

// TestBuilderAgainstMap builds the same postings with the Builder and with a
// map, and compares every lookup.
func TestBuilderAgainstMap(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	for round := 0; round < 20; round++ {
		var b Builder
		byTerm := map[string][]uint32{}
		rows := 1 + rng.IntN(3000)
		for r := 0; r < rows; r++ {
			for k := rng.IntN(3); k >= 0; k-- {
				var v types.Value
				switch rng.IntN(7) {
				case 0:
					v = types.Int(int64(rng.IntN(50)))
				case 1:
					v = types.Float(float64(rng.IntN(50)) / 2)
				case 2:
					v = types.Timestamp(int64(rng.IntN(50)))
				case 3:
					v = types.String(fmt.Sprint(rng.IntN(80)))
				case 4:
					v = types.Bool(rng.IntN(2) == 0)
				case 5:
					v = types.Null
				default:
					v = types.Int(1<<62 + int64(rng.IntN(5)))
				}
				b.Add(v, uint32(r))
				t := Term(v)
				l := byTerm[t]
				if len(l) == 0 || l[len(l)-1] != uint32(r) {
					byTerm[t] = append(l, uint32(r))
				}
			}
		}
		w := NewInvertedWriter()
		n, err := b.Write(w)
		if err != nil {
			t.Fatal(err)
		}
		if n != len(byTerm) {
			t.Fatalf("%d terms, want %d", n, len(byTerm))
		}
		region := w.Finish()
		ir, err := OpenInverted(bytes.NewReader(region), 0, int64(len(region)))
		if err != nil {
			t.Fatal(err)
		}
		for term, want := range byTerm {
			v, _ := DecodeTerm([]byte(term))
			got := roaring.New()
			if err := ir.Lookup(Eq(v), got); err != nil {
				t.Fatal(err)
			}
			if !got.Equals(roaring.BitmapOf(want...)) {
				t.Fatalf("%s: %v, want %v", v, got.ToArray(), want)
			}
		}
	}
}

func BenchmarkBuilder(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	const rows = 65536
	vals := make([]types.Value, rows)
	for i := range vals {
		vals[i] = types.String(fmt.Sprintf("%014x", rng.Uint64()))
	}
	b.Run("impl=sort", func(b *testing.B) {
		b.ReportAllocs()
		var bd Builder
		for i := 0; i < b.N; i++ {
			bd.Reset()
			for r, v := range vals {
				bd.Add(v, uint32(r))
			}
			if _, err := bd.Write(NewInvertedWriter()); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*rows), "ns/term")
	})
	b.Run("impl=map", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			m := map[string][]uint32{}
			for r, v := range vals {
				t := Term(v)
				m[t] = append(m[t], uint32(r))
			}
			keys := make([]string, 0, len(m))
			for k := range m {
				keys = append(keys, k)
			}
			slicesSortStrings(keys)
			w := NewInvertedWriter()
			for _, k := range keys {
				if err := w.Add([]byte(k), m[k]); err != nil {
					b.Fatal(err)
				}
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*rows), "ns/term")
	})
}

func slicesSortStrings(s []string) { slices.Sort(s) }
