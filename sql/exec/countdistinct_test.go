package exec

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/basaltdb/basalt/types"
)

// TestCountDistinct checks COUNT(DISTINCT) against a set of encoded keys,
// through compactions, merges of partial states, and values of every kind
// (1 and 1.0 are one value, "1" another; NULL is not counted).
func TestCountDistinct(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	value := func() types.Value {
		switch r.IntN(8) {
		case 0:
			return types.Float(float64(r.IntN(500)))
		case 1:
			return types.Float(float64(r.IntN(500)) + 0.5)
		case 2:
			return types.Null
		case 3:
			return types.Bool(r.IntN(2) == 0)
		case 4:
			return types.Array([]types.Value{types.Int(int64(r.IntN(3)))})
		case 5, 6:
			return types.String(fmt.Sprint(r.IntN(150_000)))
		}
		return types.Int(int64(r.IntN(150_000)))
	}
	for _, n := range []int{0, 10, 5_000, 300_000, 300_001} {
		parts := []*countDistinctAcc{newCountDistinctAcc(), newCountDistinctAcc(), newCountDistinctAcc()}
		want := map[string]bool{}
		for i := range n {
			v := value()
			if err := parts[i%len(parts)].add([]types.Value{v}); err != nil {
				t.Fatal(err)
			}
			if !isNull(v) {
				want[string(appendKey(nil, v))] = true
			}
		}
		// Finished (compacted) parts merge linearly, others by appending:
		// one of each, whatever the order.
		parts[1].finish()
		if n%2 == 0 {
			parts[0].finish()
		}
		for _, p := range parts {
			checkCounts(t, fmt.Sprintf("n=%d", n), p)
		}
		parts[0].merge(parts[1])
		checkCounts(t, fmt.Sprintf("n=%d merged", n), parts[0])
		parts[0].merge(parts[2])
		got, err := parts[0].result()
		if err != nil {
			t.Fatal(err)
		}
		if got.Int() != int64(len(want)) {
			t.Errorf("n=%d: COUNT(DISTINCT) = %d, want %d", n, got.Int(), len(want))
		}
	}
}

// TestCountDistinctFolds folds at random points, small folds (sorted)
// and partitioned ones, into no unique keys and many, and checks the keys
// after each: grouped by their top bits, unique, and as many as the distinct
// values added. Keys are hashed strings, mixed integers, or keys whose
// first words share their top bits and differ only in their second word
// (one partition, long probe chains). The wide case folds enough keys for
// partitions of more than foldPart keys (foldBits).
func TestCountDistinctFolds(t *testing.T) {
	for _, c := range []struct {
		name               string
		keys, values, step int
	}{
		{"narrow", 250_000, 90_000, 30_000},
		{"wide", 1_000_000, 300_000, 300_000},
	} {
		for shape := range 3 {
			testFolds(t, fmt.Sprintf("%s shape %d", c.name, shape), shape, c.keys, c.values, c.step)
		}
	}
}

func testFolds(t *testing.T, name string, shape, n, values, step int) {
	r := rand.New(rand.NewPCG(7, uint64(8+shape)))
	key := func(v int) [2]uint64 {
		switch shape {
		case 0:
			return stringKey(fmt.Sprint(v))
		case 1:
			return intKey(int64(v) - 5)
		}
		return [2]uint64{uint64(v%4) << 50, uint64(v / 4)}
	}
	a := newCountDistinctAcc()
	seen := map[int]bool{}
	next := r.IntN(200) // the first folds sort
	for i := range n {
		v := r.IntN(values)
		if i > n*3/5 {
			v += values * 2 / 3 // new values and old ones
		}
		seen[v] = true
		if err := a.addKey(key(v)); err != nil {
			t.Fatal(err)
		}
		if i != next && i != n-1 {
			continue
		}
		next += 1 + r.IntN(step)
		checkCounts(t, name, a)
		a.fold()
		unique := map[[2]uint64]bool{}
		for j, k := range a.keys {
			if shift := 64 - uint(a.pbits); j > 0 && a.keys[j-1][0]>>shift > k[0]>>shift {
				t.Fatalf("%s after %d keys: keys %d and %d not grouped by their top %d bits", name, i+1, j-1, j, a.pbits)
			}
			if unique[k] {
				t.Fatalf("%s after %d keys: key %d twice", name, i+1, j)
			}
			unique[k] = true
		}
		if len(a.keys) != len(seen) {
			t.Fatalf("%s after %d keys: %d unique, want %d", name, i+1, len(a.keys), len(seen))
		}
	}
}

// checkCounts checks a's counts of its queued keys by their top bytes,
// when it keeps them.
func checkCounts(t *testing.T, name string, a *countDistinctAcc) {
	t.Helper()
	if a.counts == nil {
		return
	}
	var want [256]uint32
	for _, c := range a.chunks {
		countTop(&want, c)
	}
	countTop(&want, a.tail)
	if want != *a.counts {
		t.Fatalf("%s: counts of the queued keys %v, want %v", name, a.counts, want)
	}
}

// TestFoldBits checks the partitions of folds: as many as make partitions
// of foldPart keys up to 2^widePBits, then of at most widePart keys, up
// to 256; never fewer for more keys.
func TestFoldBits(t *testing.T) {
	last := 0
	for n := 1; n < 1<<28; n += 1 + n/64 {
		pbits := foldBits(n)
		if pbits < last || pbits > 8 {
			t.Fatalf("foldBits(%d) = %d, after %d", n, pbits, last)
		}
		last = pbits
		if part := n >> pbits; pbits < 8 && (pbits < widePBits && part >= 2*foldPart || pbits >= widePBits && part >= 2*widePart) {
			t.Fatalf("foldBits(%d) = %d: partitions of %d keys", n, pbits, part)
		}
	}
	for n, want := range map[int]int{100: 0, 100_000: 5, 400_000: 5, 800_000: 5, 1_500_000: 6, 100_000_000: 8} {
		if got := foldBits(n); got != want {
			t.Errorf("foldBits(%d) = %d, want %d", n, got, want)
		}
	}
}

// TestCountDistinctFoldsUnderPressure adds 300,000 keys of up to 50,000 values
// to a state whose query holds half its memory budget: the queued keys
// are folded as soon as they are a chunk and twice the unique keys, where
// without pressure they wait for a million; the count is right either way.
func TestCountDistinctFoldsUnderPressure(t *testing.T) {
	for _, pressed := range []bool{false, true} {
		a := newCountDistinctAcc()
		a.mem = &memAccount{limit: 1 << 40}
		if pressed {
			a.mem.used.Store(1<<39 + 1)
		}
		r := rand.New(rand.NewPCG(1, 2))
		most, seen := 0, map[int]bool{}
		for i := range 300_000 {
			v := r.IntN(50_000)
			seen[v] = true
			if err := a.addKey(stringKey(fmt.Sprint(v))); err != nil {
				t.Fatal(err)
			}
			most = max(most, a.queued)
			if i%1000 == 0 {
				checkCounts(t, fmt.Sprintf("pressed=%v", pressed), a)
			}
		}
		if bound := 2*chunkKeys + 100_000; pressed && most > bound || !pressed && most <= bound {
			t.Errorf("pressed=%v: up to %d keys queued", pressed, most)
		}
		if v, _ := a.result(); v.Int() != int64(len(seen)) {
			t.Errorf("pressed=%v: COUNT(DISTINCT) = %d, want %d", pressed, v.Int(), len(seen))
		}
	}
}

// BenchmarkCountDistinctGroup adds 400,000 hashed keys of 200,000 values
// to one COUNT(DISTINCT) state, as one worker's biggest group of the query
// benchmark's COUNT(DISTINCT user_id) by event type, and counts them.
func BenchmarkCountDistinctGroup(b *testing.B) {
	r := rand.New(rand.NewPCG(5, 6))
	src := make([][2]uint64, 400_000)
	want := map[[2]uint64]bool{}
	for i := range src {
		src[i] = stringKey(fmt.Sprintf("u%07d", r.IntN(200_000)))
		want[src[i]] = true
	}
	b.ResetTimer()
	for range b.N {
		a := newCountDistinctAcc()
		for _, k := range src {
			if err := a.addKey(k); err != nil {
				b.Fatal(err)
			}
		}
		a.finish()
		if v, _ := a.result(); v.Int() != int64(len(want)) {
			b.Fatalf("%d distinct, want %d", v.Int(), len(want))
		}
	}
}

// BenchmarkCountDistinctFold times folds alone: keys of a quarter as many
// values queued in chunks, folded at once; 800,000 keys are the query
// benchmark's biggest group after the merge. best-ms is the fastest fold:
// on a shared machine the median moves by a fifth from one run to the
// next, the best far less.
func BenchmarkCountDistinctFold(b *testing.B) {
	for _, n := range []int{20_000, 100_000, 800_000} {
		b.Run(fmt.Sprintf("keys=%d", n), func(b *testing.B) {
			// Chunks of 10,000 keys: not chunkKeys, so that the fold
			// pools none.
			const chunk = 10_000
			r := rand.New(rand.NewPCG(5, 6))
			src := make([][2]uint64, n)
			for i := range src {
				src[i] = stringKey(fmt.Sprintf("u%07d", r.IntN(n/4)))
			}
			bufs := make([][][2]uint64, n/chunk)
			for i := range bufs {
				bufs[i] = make([][2]uint64, 0, chunk)
			}
			best := time.Duration(math.MaxInt64)
			b.ResetTimer()
			for range b.N {
				a := newCountDistinctAcc()
				for i, c := range bufs {
					a.chunks = append(a.chunks, append(c[:0], src[i*chunk:(i+1)*chunk]...))
					a.queued += chunk
				}
				start := time.Now()
				a.fold()
				best = min(best, time.Since(start))
			}
			b.ReportMetric(float64(best.Microseconds())/1000, "best-ms")
			b.ReportMetric(float64(best.Nanoseconds())/float64(n), "best-ns/key")
		})
	}
}

// BenchmarkCountDistinctQuery models the query benchmark's
// COUNT(DISTINCT user_id) by event type: 2,000,000 hashed keys of 200,000
// values over 10 groups of skewed sizes (40% of the rows down to 2%), added
// by two workers taking runs of 50,000 rows in turn, then merged a group per
// goroutine, two at a time. add-ms and merge-ms are the two phases' wall
// times, add-cpu-ms and merge-cpu-ms their CPU times (what other work on
// the machine disturbs least).
func BenchmarkCountDistinctQuery(b *testing.B) {
	const rows, values, workers, run = 2_000_000, 200_000, 2, 50_000
	weights := []int{40, 20, 10, 8, 6, 5, 3, 3, 3, 2}
	r := rand.New(rand.NewPCG(9, 10))
	vals := make([][2]uint64, values)
	for i := range vals {
		vals[i] = stringKey(fmt.Sprintf("u%07d", i))
	}
	keys := make([][2]uint64, rows)
	groups := make([]uint8, rows)
	want := make([]map[int]bool, len(weights))
	for g := range want {
		want[g] = map[int]bool{}
	}
	for i := range keys {
		v, g := r.IntN(values), 0
		for w := r.IntN(100); w >= weights[g]; g++ {
			w -= weights[g]
		}
		keys[i], groups[i] = vals[v], uint8(g)
		want[g][v] = true
	}
	ctx := context.Background()
	var add, merge, addCPU, mergeCPU time.Duration
	b.ResetTimer()
	for range b.N {
		start, startCPU := time.Now(), processCPU()
		accs := make([][]*countDistinctAcc, workers)
		var wg sync.WaitGroup
		for w := range accs {
			accs[w] = make([]*countDistinctAcc, len(weights))
			for g := range accs[w] {
				accs[w][g] = newCountDistinctAcc()
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				for lo := w * run; lo < rows; lo += workers * run {
					for i := lo; i < min(lo+run, rows); i++ {
						if err := accs[w][groups[i]].addKey(keys[i]); err != nil {
							panic(err)
						}
					}
				}
			}()
		}
		wg.Wait()
		mid, midCPU := time.Now(), processCPU()
		err := runWorkers(ctx, workers, len(weights), func(_, g int) error {
			for _, o := range accs[1:] {
				accs[0][g].merge(o[g])
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
		for g, a := range accs[0] {
			if v, _ := a.result(); v.Int() != int64(len(want[g])) {
				b.Fatalf("group %d: %d distinct, want %d", g, v.Int(), len(want[g]))
			}
		}
		add += mid.Sub(start)
		merge += time.Since(mid)
		addCPU += midCPU - startCPU
		mergeCPU += processCPU() - midCPU
	}
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 / float64(b.N) }
	b.ReportMetric(ms(add), "add-ms")
	b.ReportMetric(ms(merge), "merge-ms")
	b.ReportMetric(ms(addCPU), "add-cpu-ms")
	b.ReportMetric(ms(mergeCPU), "merge-cpu-ms")
}

// processCPU returns the CPU time the process has used, user and system.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
