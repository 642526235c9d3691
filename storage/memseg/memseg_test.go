package memseg

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/RoaringBitmap/roaring/v2"
	"github.com/basaltdb/basalt/coldata"
	"github.com/basaltdb/basalt/index"
	"github.com/basaltdb/basalt/internal/rockbench"
	"github.com/basaltdb/basalt/types"
)

// randScalar draws values that collide across kinds (1 and 1.0, "1"), repeat
// often, and include the awkward ones.
func randScalar(rng *rand.Rand) types.Value {
	switch rng.IntN(9) {
	case 0:
		return types.Int(int64(rng.IntN(20)))
	case 1:
		return types.Float(float64(rng.IntN(20)))
	case 2:
		return types.Float(rng.Float64() * 10)
	case 3:
		return types.String(fmt.Sprintf("s%d", rng.IntN(30)))
	case 4:
		return types.Bool(rng.IntN(2) == 0)
	case 5:
		return types.Null
	case 6:
		return types.Timestamp(int64(rng.IntN(10)) * 1e6)
	case 7:
		return types.Int(1<<62 + int64(rng.IntN(3))) // float64 rounds these
	default:
		if rng.IntN(50) == 0 {
			return types.String(string(bytes.Repeat([]byte{'x'}, rng.IntN(40000)))) // a chunk of its own
		}
		return types.String(string(bytes.Repeat([]byte{'y'}, rng.IntN(200))))
	}
}

func randDoc(rng *rand.Rand, i int) types.Value {
	f := []types.Field{{Name: "_id", Value: types.String(fmt.Sprint(i))}}
	names := []string{"a", "b", "c", "d"}
	rng.Shuffle(len(names), func(i, j int) { names[i], names[j] = names[j], names[i] })
	for _, n := range names[:rng.IntN(len(names))] {
		var v types.Value
		switch rng.IntN(5) {
		case 0:
			v = types.Object([]types.Field{{Name: "x", Value: randScalar(rng)}, {Name: "y", Value: randScalar(rng)}})
		case 1:
			elems := make([]types.Value, rng.IntN(4))
			for j := range elems {
				if rng.IntN(4) == 0 {
					elems[j] = types.Object([]types.Field{{Name: "q", Value: randScalar(rng)}})
				} else {
					elems[j] = randScalar(rng)
				}
			}
			v = types.Array(elems)
		case 2:
			v = types.Object(nil)
		default:
			v = randScalar(rng)
		}
		f = append(f, types.Field{Name: n, Value: v})
	}
	return types.Object(f)
}

// leaves returns path → value and index path → scalars, as the index sees a
// document.
func leaves(doc types.Value) (map[string]types.Value, map[string][]types.Value) {
	cols := map[string]types.Value{}
	idx := map[string][]types.Value{}
	types.Flatten(doc, nil, func(p []byte, v types.Value) {
		cols[string(p)] = v
		types.IndexTerms(p, v, func(ip []byte, e types.Value) {
			idx[string(ip)] = append(idx[string(ip)], e)
		})
	})
	return cols, idx
}

func TestSegmentAgainstBruteForce(t *testing.T) {
	for seed := uint64(1); seed <= 4; seed++ {
		rng := rand.New(rand.NewPCG(seed, 9))
		s := New()
		var docs []types.Value
		for b := 0; b < 20; b++ {
			n := 1 + rng.IntN(600)
			batch := make([]types.Value, n)
			ids := make([]uint64, n)
			ets := make([]int64, n)
			for i := range batch {
				batch[i] = randDoc(rng, len(docs)+i)
				ids[i] = uint64(len(docs) + i + 1)
				ets[i] = int64(i)
			}
			if _, err := s.Append(batch, ids, ets); err != nil {
				t.Fatal(err)
			}
			docs = append(docs, batch...)
		}
		rows := len(docs)
		visible := rows - rng.IntN(50) // a snapshot taken before the last appends
		paths := map[string]bool{}
		ipaths := map[string]bool{}
		colsOf := make([]map[string]types.Value, len(docs))
		idxOf := make([]map[string][]types.Value, len(docs))
		for i, d := range docs {
			c, ix := leaves(d)
			colsOf[i], idxOf[i] = c, ix
			for p := range c {
				paths[p] = true
			}
			for p := range ix {
				ipaths[p] = true
			}
		}
		// Columns.
		for p := range paths {
			var v coldata.Vec
			if err := s.ReadColumn(p, 0, visible, &v); err != nil {
				t.Fatal(err)
			}
			for r := 0; r < visible; r++ {
				want, ok := colsOf[r][p]
				got := v.Value(r)
				if !ok {
					if !got.IsUndefined() {
						t.Fatalf("seed %d %s row %d: %s, want undefined", seed, p, r, got)
					}
					continue
				}
				if got.Kind() != want.Kind() || !types.Equal(got, want) && !(want.Kind() == types.KindNull) {
					t.Fatalf("seed %d %s row %d: %s, want %s", seed, p, r, got, want)
				}
			}
		}
		// Lookups: for each index path, predicates from the data.
		for ip := range ipaths {
			for k := 0; k < 12; k++ {
				var p index.Predicate
				a, b := randScalar(rng), randScalar(rng)
				switch k % 4 {
				case 0:
					p = index.Eq(a)
				case 1:
					p = index.In(a, b, randScalar(rng))
				case 2:
					p = index.Range(a, rng.IntN(2) == 0, b, rng.IntN(2) == 0)
					if a.IsNull() || b.IsNull() {
						p = index.Range(a, true, types.Undefined, false)
					}
				case 3:
					p = index.Prefix("s1")
				}
				if p.Validate() != nil {
					continue
				}
				got := roaring.New()
				if err := s.Lookup(ip, p, visible, got); err != nil {
					t.Fatal(err)
				}
				want := roaring.New()
				for r := 0; r < visible; r++ {
					for _, v := range idxOf[r][ip] {
						if p.Match(v) {
							want.Add(uint32(r))
						}
					}
				}
				if !got.Equals(want) {
					t.Fatalf("seed %d %s %s: %v, want %v", seed, ip, p, got.ToArray(), want.ToArray())
				}
			}
		}
		// Kind counts.
		for _, f := range s.Fields(visible) {
			var want [types.NumKinds]uint64
			for r := 0; r < visible; r++ {
				want[colsOf[r][f.Path].Kind()]++
			}
			if want != f.Counts {
				t.Fatalf("seed %d %s: counts %v, want %v", seed, f.Path, f.Counts, want)
			}
		}
		// Index paths are exactly the brute-force ones.
		var wantPaths []string
		for p := range ipaths {
			wantPaths = append(wantPaths, p)
		}
		slices.Sort(wantPaths)
		if got := s.IndexPaths(); !slices.Equal(got, wantPaths) {
			t.Fatalf("seed %d: index paths %v, want %v", seed, got, wantPaths)
		}
		s.Freeze()
		if _, err := s.Append([]types.Value{docs[0]}, []uint64{1e9}, []int64{0}); err == nil {
			t.Fatal("append to a frozen segment succeeded")
		}
	}
}

// TestConcurrentReaders reads while a writer appends (run with -race):
// what a reader sees below its watermark never changes.
func TestConcurrentReaders(t *testing.T) {
	s := New()
	rng := rand.New(rand.NewPCG(3, 3))
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for r := 0; r < 2; r++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				n := s.NumRows()
				var v coldata.Vec
				if err := s.ReadColumn("_id", 0, n, &v); err != nil {
					t.Error(err)
					return
				}
				for i := 0; i < n; i++ {
					if v.Value(i).Str() != fmt.Sprint(i) {
						t.Errorf("row %d: %s", i, v.Value(i))
						return
					}
				}
				bm := roaring.New()
				_ = s.Lookup("_id", index.Eq(types.String("7")), n, bm)
				_ = s.Zones("a")
				_ = s.Fields(n)
				_ = s.EstimateTerms("b")
				if _, _, err := s.ValueCounts("b", n, false, bm); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	for i := 0; i < 3000; i += 100 {
		batch := make([]types.Value, 100)
		ids := make([]uint64, 100)
		for j := range batch {
			batch[j] = randDoc(rng, i+j)
			ids[j] = uint64(i + j + 1)
		}
		if _, err := s.Append(batch, ids, make([]int64, 100)); err != nil {
			t.Fatal(err)
		}
	}
	close(stop)
	wg.Wait()
}

// BenchmarkAppend appends event-shaped documents (a dozen fields, one
// nested object, one array) in batches of 1,000: the mutable segment's part
// of the write path.
func BenchmarkAppend(b *testing.B) {
	dec := types.NewDecoder(types.Limits{})
	docs := make([]types.Value, 1000)
	ids := make([]uint64, len(docs))
	ets := make([]int64, len(docs))
	for i := range docs {
		v, err := dec.Decode(fmt.Appendf(nil, `{"_id":"e%d","_event_time":%d,"kind":"k%d","user":"u%d","amount":%d.5,"ok":%t,"page":"/p/%d","dev":{"os":"os%d","v":%d},"tags":["a","t%d"],"n":%d,"s":"text %d"}`,
			i, i, i%7, i%300, i, i%2 == 0, i%50, i%3, i%9, i%5, i, i))
		if err != nil {
			b.Fatal(err)
		}
		docs[i], ets[i] = v.Clone(), int64(i)
	}
	b.ResetTimer()
	var s *Segment
	for i := range b.N {
		if i%64 == 0 {
			s = New() // keep the segment near its sealing size
		}
		for j := range ids {
			ids[j] = uint64(i*len(docs) + j + 1)
		}
		if _, err := s.Append(docs, ids, ets); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(docs)), "ns/doc")
}

// BenchmarkAppendLatency fills segments of 65,536 RockBench documents (the
// engine's SealRows) in commits of 100, as the write path does at 5,000
// documents a second, and reports the slowest commits: what an
// acknowledgement waits for beyond the average. In "hinted" each segment
// grows its columns to the last one's sizes (SizeLike, as the engine does)
// and runs 1,000 rows longer or shorter than it, as segments sealed by
// bytes do: a column grown to its hint exactly then overflowed in the same
// commit as every other dense column.
func BenchmarkAppendLatency(b *testing.B) {
	b.Run("fresh", func(b *testing.B) { benchmarkAppendLatency(b, false) })
	b.Run("hinted", func(b *testing.B) { benchmarkAppendLatency(b, true) })
}

func benchmarkAppendLatency(b *testing.B, hinted bool) {
	const batch, segRows = 100, 1 << 16
	rng := rand.New(rand.NewPCG(1, 2))
	dec := types.NewDecoder(types.DefaultLimits)
	docs := make([]types.Value, 2000)
	var buf []byte
	for i := range docs {
		buf = rockbench.AppendDoc(buf[:0], rng, rockbench.ID(i), 1e15)
		v, err := dec.Decode(buf)
		if err != nil {
			b.Fatal(err)
		}
		docs[i] = v.Clone()
	}
	ids := make([]uint64, batch)
	ets := make([]int64, batch)
	var took []time.Duration
	var sizes map[string]int
	for i := range b.N {
		s := New()
		rows := segRows
		if hinted {
			s.SizeLike(sizes)
			rows += 1000 * (i%2*2 - 1) // shorter, then longer
		}
		for r := 0; r < rows; r += batch {
			for j := range ids {
				ids[j] = uint64(r + j + 1)
			}
			lo := r % (len(docs) - batch)
			start := time.Now()
			if _, err := s.Append(docs[lo:lo+batch], ids, ets); err != nil {
				b.Fatal(err)
			}
			took = append(took, time.Since(start))
		}
		sizes = s.ColumnSizes()
	}
	slices.Sort(took)
	b.ReportMetric(float64(took[len(took)/2].Microseconds()), "p50-µs/commit")
	b.ReportMetric(float64(took[len(took)*99/100].Microseconds()), "p99-µs/commit")
	b.ReportMetric(float64(took[len(took)*999/1000].Microseconds()), "p99.9-µs/commit")
	b.ReportMetric(float64(took[len(took)-1].Microseconds()), "max-µs/commit")
}

// TestValueCountsAgainstBruteForce checks the value counts the postings
// give (memseg.Segment.ValueCounts) against counts worked out from the
// documents, and that each call's values extend the last one's: at
// snapshots before the last appends, with rows deleted, and
// refused where the postings cannot tell (an array at the path; for
// grouping, a row without a value or with a float).
func TestValueCountsAgainstBruteForce(t *testing.T) {
	for variant, name := range []string{"clean", "absent", "floats", "array"} {
		rng := rand.New(rand.NewPCG(uint64(variant), 3))
		s := New()
		var vals []types.Value // per row; undefined: no k
		var seen []string      // the values ValueCounts returned, in order
		for b := 0; b < 8; b++ {
			n := 1 + rng.IntN(700)
			batch := make([]types.Value, n)
			ids := make([]uint64, n)
			ets := make([]int64, n)
			for i := range batch {
				v := []types.Value{types.String(fmt.Sprintf("s%d", rng.IntN(9))), types.Int(int64(rng.IntN(5))), types.Bool(rng.IntN(2) == 0), types.Null, types.Timestamp(int64(rng.IntN(3)))}[rng.IntN(5)]
				switch {
				case name == "absent" && rng.IntN(10) == 0:
					v = types.Undefined
				case name == "floats" && rng.IntN(10) == 0:
					v = types.Float(float64(rng.IntN(5)) + 0.5*float64(rng.IntN(2)))
				case name == "array" && len(vals)+i == 100:
					v = types.Array([]types.Value{types.Int(1)})
				}
				f := []types.Field{{Name: "_id", Value: types.String(fmt.Sprint(len(vals) + i))}}
				if !v.IsUndefined() {
					f = append(f, types.Field{Name: "k", Value: v})
				}
				batch[i], ids[i], ets[i] = types.Object(f), uint64(len(vals)+i+1), 0
				vals = append(vals, v)
			}
			if _, err := s.Append(batch, ids, ets); err != nil {
				t.Fatal(err)
			}
			// Snapshots as of now and before this batch, with and
			// without deletions.
			for _, n := range []int{len(vals), len(vals) - n, rng.IntN(len(vals) + 1)} {
				del := roaring.New()
				if rng.IntN(2) == 0 {
					for r := range n {
						if rng.IntN(5) == 0 {
							del.Add(uint32(r))
						}
					}
				}
				for _, whole := range []bool{false, true} {
					got, ok, err := s.ValueCounts("k", n, whole, del)
					if err != nil {
						t.Fatal(err)
					}
					wantOK := name != "array" || len(vals) <= 100
					if whole {
						for _, v := range vals[:n] {
							wantOK = wantOK && !v.IsUndefined()
						}
						wantOK = wantOK && name != "floats"
					}
					if ok != wantOK {
						t.Fatalf("%s n=%d whole=%v: ok %v, want %v", name, n, whole, ok, wantOK)
					}
					if !ok {
						continue
					}
					type count struct{ rows, first int }
					want := map[string]count{}
					for r, v := range vals[:n] {
						if v.IsUndefined() || del.Contains(uint32(r)) {
							continue
						}
						if v.Kind() == types.KindFloat && v.Float() == float64(int64(v.Float())) {
							v = types.Int(int64(v.Float())) // one term for equal numbers
						}
						c, seen := want[v.String()]
						if !seen {
							c.first = r
						}
						c.rows++
						want[v.String()] = c
					}
					// Every value the postings hold comes back, in the
					// order values first appeared: a later call's extend
					// an earlier one's.
					if len(got) < len(seen) {
						t.Fatalf("%s n=%d whole=%v: %d values after %d", name, n, whole, len(got), len(seen))
					}
					for i, v := range seen {
						if got[i].Value.String() != v {
							t.Fatalf("%s n=%d whole=%v: value %d is %s, was %s", name, n, whole, i, got[i].Value, v)
						}
					}
					for _, vc := range got[len(seen):] {
						seen = append(seen, vc.Value.String())
					}
					nonzero := 0
					for _, vc := range got {
						if vc.Rows == 0 {
							continue
						}
						nonzero++
						if w := want[vc.Value.String()]; vc.Rows != w.rows || vc.First != w.first {
							t.Fatalf("%s n=%d whole=%v: %s rows %d first %d, want %d and %d", name, n, whole, vc.Value, vc.Rows, vc.First, w.rows, w.first)
						}
					}
					if nonzero != len(want) {
						t.Fatalf("%s n=%d whole=%v: %d values with rows, want %d", name, n, whole, nonzero, len(want))
					}
				}
			}
		}
	}
}

// TestEstimateTerms checks the distinct-value estimates that decide whether
// counts come from the postings: values that repeat are not multiplied by
// the column's size, unique ones are estimated above an eighth of it.
func TestEstimateTerms(t *testing.T) {
	s := New()
	rng := rand.New(rand.NewPCG(5, 5))
	const n = 40000
	for i := 0; i < n; i += 1000 {
		batch := make([]types.Value, 1000)
		ids := make([]uint64, 1000)
		for j := range batch {
			batch[j] = types.Object([]types.Field{
				{Name: "_id", Value: types.String(fmt.Sprintf("id-%d", i+j))},
				{Name: "page", Value: types.String(fmt.Sprintf("/p/%d", int(rng.ExpFloat64()*300)))},
			})
			ids[j] = uint64(i + j + 1)
		}
		if _, err := s.Append(batch, ids, make([]int64, 1000)); err != nil {
			t.Fatal(err)
		}
	}
	distinct := map[string]bool{}
	var v coldata.Vec
	if err := s.ReadColumn("page", 0, n, &v); err != nil {
		t.Fatal(err)
	}
	for i := range n {
		distinct[v.Value(i).Str()] = true
	}
	if est := s.EstimateTerms("page"); est > 3*len(distinct) || est < len(distinct)/3 {
		t.Errorf("page: estimated %d distinct values, has %d", est, len(distinct))
	}
	if est := s.EstimateTerms("_id"); est < n/8 {
		t.Errorf("_id: estimated %d distinct values of %d, under an eighth", est, n)
	}
	if est := s.EstimateTerms("absent"); est != 0 {
		t.Errorf("absent: estimated %d", est)
	}
}

// BenchmarkPostingsBuild times the first equality lookup of a path in a
// segment of 65,536 rows, which indexes the whole column: unique ids, and
// a column of 300 values.
func BenchmarkPostingsBuild(b *testing.B) {
	const rows = 1 << 16
	s := New()
	batch := make([]types.Value, 1024)
	ids := make([]uint64, len(batch))
	for base := 0; base < rows; base += len(batch) {
		for j := range batch {
			i := base + j
			batch[j] = types.Object([]types.Field{
				{Name: "_id", Value: types.String(fmt.Sprintf("e%07d", i))},
				{Name: "user", Value: types.String(fmt.Sprintf("u%d", i%300))},
			})
			ids[j] = uint64(i + 1)
		}
		if _, err := s.Append(batch, ids, make([]int64, len(batch))); err != nil {
			b.Fatal(err)
		}
	}
	for _, path := range []string{"_id", "user"} {
		b.Run("path="+path, func(b *testing.B) {
			for range b.N {
				s.mu.Lock()
				delete(s.postings, path) // the next lookup indexes afresh
				s.mu.Unlock()
				bm := roaring.New()
				if err := s.Lookup(path, index.Eq(types.String("u7")), rows, bm); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*rows), "ns/row")
		})
	}
}

// TestStored: stored values come back per row, unchanged by later appends,
// and a segment refuses stored values for only part of its rows.
func TestStored(t *testing.T) {
	s := New()
	doc := func(i int) types.Value {
		return types.Object([]types.Field{{Name: "_id", Value: types.String(fmt.Sprintf("d%d", i))}})
	}
	var want [][]byte
	for b := 0; b < 40; b++ {
		var docs []types.Value
		var stored [][]byte
		var ids []uint64
		var ets []int64
		for i := 0; i < 50; i++ {
			n := b*50 + i
			docs = append(docs, doc(n))
			v := bytes.Repeat([]byte{byte(n)}, n%300+(n%7)*10000) // some over a chunk's share
			stored = append(stored, v)
			want = append(want, bytes.Clone(v))
			ids = append(ids, uint64(n+1))
			ets = append(ets, 0)
		}
		if _, err := s.AppendStored(docs, stored, ids, ets); err != nil {
			t.Fatal(err)
		}
		for _, v := range stored {
			clear(v) // the segment keeps copies
		}
	}
	for row, w := range want {
		got, ok := s.Stored(row)
		if !ok || !bytes.Equal(got, w) {
			t.Fatalf("row %d: %d bytes, ok %v; want %d bytes", row, len(got), ok, len(w))
		}
	}
	if _, ok := s.Stored(len(want)); ok {
		t.Fatal("a stored value past the last row")
	}
	mixed := New()
	if _, err := mixed.Append([]types.Value{doc(1)}, []uint64{1}, []int64{0}); err != nil {
		t.Fatal(err)
	}
	if _, err := mixed.AppendStored([]types.Value{doc(2)}, [][]byte{{1}}, []uint64{2}, []int64{0}); err == nil {
		t.Fatal("stored values accepted for a segment with rows without them")
	}
}

// TestCountValuesAfterLookup: entries a lookup indexed between Values and
// CountValues (rows past the snapshot) are not counted for it.
func TestCountValuesAfterLookup(t *testing.T) {
	s := New()
	appendK := func(from, to int) {
		var docs []types.Value
		var ids []uint64
		var ets []int64
		for i := from; i < to; i++ {
			docs = append(docs, types.Object([]types.Field{{Name: "k", Value: types.String(fmt.Sprintf("v%d", i%3))}}))
			ids, ets = append(ids, uint64(i+1)), append(ets, 0)
		}
		if _, err := s.Append(docs, ids, ets); err != nil {
			t.Fatal(err)
		}
	}
	appendK(0, 30)
	vals, ok, err := s.Values("k", 30, true)
	if err != nil || !ok || len(vals) != 3 {
		t.Fatalf("values %v %v %v", vals, ok, err)
	}
	appendK(30, 90)
	if err := s.Lookup("k", index.Eq(types.String("v0")), 90, roaring.New()); err != nil {
		t.Fatal(err)
	}
	del := roaring.BitmapOf(0, 4)
	got, err := s.CountValues(nil, "k", 30, BitmapDeletions(del), []int{0, 1, 2})
	if err != nil {
		t.Fatal(err)
	}
	want := []ValueRows{{Rows: 9, First: 3}, {Rows: 9, First: 1}, {Rows: 10, First: 2}}
	if !slices.Equal(got, want) {
		t.Fatalf("counts %v, want %v", got, want)
	}
}

// TestCountValuesFromLog: deletions read as a log, a few more each call
// (a row deleted twice among them), give what the same rows give as a
// bitmap; a snapshot older than the log counted falls back to its bitmap.
func TestCountValuesFromLog(t *testing.T) {
	s := New()
	rng := rand.New(rand.NewPCG(9, 9))
	var docs []types.Value
	var ids []uint64
	var ets []int64
	for i := 0; i < 500; i++ {
		var f []types.Field
		if rng.IntN(10) > 0 { // some rows lack the column
			f = append(f, types.Field{Name: "k", Value: types.String(fmt.Sprintf("v%d", rng.IntN(7)))})
		}
		docs, ids, ets = append(docs, types.Object(f)), append(ids, uint64(i+1)), append(ets, 0)
	}
	if _, err := s.Append(docs, ids, ets); err != nil {
		t.Fatal(err)
	}
	vals, ok, err := s.Values("k", 500, false)
	if err != nil || !ok {
		t.Fatalf("values: %v %v", ok, err)
	}
	which := make([]int, len(vals))
	for i := range which {
		which[i] = i
	}
	var log []uint32
	for round := 0; round < 6; round++ {
		for range 40 {
			log = append(log, uint32(rng.IntN(500)))
		}
		log = append(log, log[len(log)/2]) // deleted twice
		bm := roaring.BitmapOf(log...)
		n := len(log)
		fromLog, err := s.CountValues(nil, "k", 500, Deletions{Log: true, N: n, Row: func(i int) uint32 { return log[i] }, Bitmap: func() *roaring.Bitmap { return bm }}, which)
		if err != nil {
			t.Fatal(err)
		}
		fromBitmap, err := s.CountValues(nil, "k", 500, BitmapDeletions(bm), which)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(fromLog, fromBitmap) {
			t.Fatalf("round %d: from the log %v, from the bitmap %v", round, fromLog, fromBitmap)
		}
	}
	// An older snapshot: fewer log entries than counted.
	old := log[:40]
	bm := roaring.BitmapOf(old...)
	got, err := s.CountValues(nil, "k", 500, Deletions{Log: true, N: len(old), Row: func(i int) uint32 { return old[i] }, Bitmap: func() *roaring.Bitmap { return bm }}, which)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := s.CountValues(nil, "k", 500, BitmapDeletions(bm), which)
	if !slices.Equal(got, want) {
		t.Fatalf("older snapshot: %v, want %v", got, want)
	}
}

// TestInputReused appends documents decoded from one buffer that is
// overwritten between appends, as a caller pooling its input may do: field
// names alias the input, and the segment must keep its own (the trie kept
// the first buffer's bytes as its field names, which then read as garbage,
// so a path got a second column that hid the first one's rows).
func TestInputReused(t *testing.T) {
	s := New()
	dec := types.NewDecoder(types.DefaultLimits)
	buf := make([]byte, 0, 64)
	for i := range 3 {
		// Leading spaces move the names within the buffer.
		buf = fmt.Appendf(buf[:0], `%s{"_id":"d%d","alpha":%d,"beta":"b%d"}`, strings.Repeat(" ", i), i, i, i)
		doc, err := dec.Decode(buf)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Append([]types.Value{doc}, []uint64{uint64(i + 1)}, []int64{0}); err != nil {
			t.Fatal(err)
		}
		copy(buf, bytes.Repeat([]byte{'#'}, len(buf))) // the caller reuses its buffer
		dec.Reset()
	}
	var v coldata.Vec
	if err := s.ReadColumn("alpha", 0, 3, &v); err != nil {
		t.Fatal(err)
	}
	for row := range 3 {
		if got := v.Value(row); got.Kind() != types.KindInt || got.Int() != int64(row) {
			t.Fatalf("alpha of row %d: %v", row, got)
		}
	}
	if got := s.Fields(3); len(got) != 3 {
		t.Fatalf("%d fields, want 3: %v", len(got), got)
	}
}

// TestColumnsGrowToSizeHint: a column with a size hint (SizeLike) grows to
// the hint and an eighth once a quarter full, a column without one by its
// own steps, and a small segment is not sized like a full one.
func TestColumnsGrowToSizeHint(t *testing.T) {
	const hint = 1000
	fill := func(s *Segment, n int) {
		for i := range n {
			doc := types.Object([]types.Field{{Name: "a", Value: types.Int(int64(i))}, {Name: "b", Value: types.Int(int64(i))}})
			if _, err := s.Append([]types.Value{doc}, []uint64{uint64(s.NumRows() + 1)}, []int64{int64(i)}); err != nil {
				t.Fatal(err)
			}
		}
	}
	s := New()
	s.SizeLike(map[string]int{"a": hint})
	fill(s, hint+1)
	if c := cap(s.cols["a"].rows); c != hint+hint/8 {
		t.Errorf("column a of %d values with a hint of %d: capacity %d, want %d", hint+1, hint, c, hint+hint/8)
	}
	if got := s.ColumnSizes(); got["a"] != hint+1 || got["b"] != hint+1 {
		t.Errorf("ColumnSizes %v", got)
	}
	fill(s, hint/8)
	if c := cap(s.cols["a"].rows); c <= hint+hint/8 {
		t.Errorf("column a past its hint and an eighth: capacity %d", c)
	}
	small := New()
	small.SizeLike(map[string]int{"a": hint})
	fill(small, 10)
	if c := cap(small.cols["a"].rows); c >= hint/4 {
		t.Errorf("a column of 10 values with a hint of %d: capacity %d", hint, c)
	}
}

// TestPathChildren: a path's columns below it, as far as rows [0, n) have
// them, found in the tree of paths; an index or a wildcard names none.
func TestPathChildren(t *testing.T) {
	s := New()
	dec := types.NewDecoder(types.Limits{})
	for i, js := range []string{
		`{"_id":"a","u":{"x":1,"y":{"z":2}},"v":1}`,
		`{"_id":"b","u":{"w.w":3},"u2":{"x":1}}`,
		`{"_id":"c","u":5}`,
	} {
		doc, err := dec.Decode([]byte(js))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Append([]types.Value{doc.Clone()}, []uint64{uint64(i + 1)}, []int64{0}); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []struct {
		path   string
		n      int
		exists bool
		below  []string
		ok     bool
	}{
		{"u", 3, true, []string{`u."w.w"`, "u.x", "u.y.z"}, true},
		{"u", 2, false, []string{`u."w.w"`, "u.x", "u.y.z"}, true},
		{"u", 1, false, []string{"u.x", "u.y.z"}, true},
		{"u.y", 3, false, []string{"u.y.z"}, true},
		{`u."w.w"`, 3, true, nil, true},
		{`u."w.w"`, 1, false, nil, true},
		{"u2", 3, false, []string{"u2.x"}, true},
		{"nope", 3, false, nil, true},
		{"u[1]", 3, false, nil, false},
		{`"u"`, 3, false, nil, false}, // not canonical: u`
		{"u[*].x", 3, false, nil, false},
	} {
		exists, below, ok := s.PathChildren(c.path, c.n)
		if exists != c.exists || !slices.Equal(below, c.below) || ok != c.ok {
			t.Errorf("PathChildren(%q, %d) = %v %q %v, want %v %q %v", c.path, c.n, exists, below, ok, c.exists, c.below, c.ok)
		}
	}
}
