package storage

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strconv"
	"testing"
	"time"

	"github.com/RoaringBitmap/roaring/v2"
	"github.com/basaltdb/basalt/catalog"
	"github.com/basaltdb/basalt/coldata"
	"github.com/basaltdb/basalt/index"
	"github.com/basaltdb/basalt/types"
	"github.com/cockroachdb/pebble/v2/vfs"
)

// TestLargeSegments checks segments of several blocks (zone maps and scans
// work per block of index.BlockRows rows), mutable and sealed: the
// differential checks, zone-map pruning that must prune where values are
// clustered, and scans restricted to blocks and to a lookup's rows.
func TestLargeSegments(t *testing.T) {
	if testing.Short() {
		t.Skip("large segments")
	}
	seed := testSeeds(t, 1)[0]
	t.Logf("seed %d (replay with BASALT_SEED=%d)", seed, seed)
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(seed, 0x2013))
	clock := newTestClock(time.Date(2025, 3, 10, 12, 0, 0, 0, time.UTC))
	opts := Options{Dir: "data", FS: vfs.NewMem(), Now: clock.Now, Logger: testLogger(t), DisableBackground: true, CompactMinSegments: 2}
	e, err := Open(opts)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { e.Close() }()
	meta, err := e.CreateCollection("commons", catalog.CollectionSpec{Name: "big"})
	if err != nil {
		t.Fatal(err)
	}
	m := newModel(meta)
	const n = 2*index.BlockRows + 3000
	var ids []string
	for i := range n + 100 {
		ids = append(ids, strconv.Itoa(i))
	}
	g := &gen{rng: rng, now: clock.Now, days: 1, ids: ids}
	base := clock.Now().Add(-20 * time.Hour)
	var ops []WriteOp
	for i := range n {
		// n and the event time grow with the row, so blocks hold
		// disjoint ranges; the rest is random.
		d := normalizedBody(g.object(1, rng.IntN(3))).
			WithField(FieldID, types.String(ids[i])).
			WithField(FieldEventTime, types.Int(base.Add(time.Duration(i)*time.Second).UnixMicro())).
			WithField("n", types.Int(int64(i))).
			WithField("s", types.String(fmt.Sprintf("k%06d", i)))
		if i%97 == 0 {
			d = d.WithField("n", types.Float(float64(i)+0.5))
		}
		if i%101 == 0 {
			d = d.WithField("s", types.Null)
		}
		ops = append(ops, WriteOp{Doc: d})
	}
	write := func(what string, ops []WriteOp) {
		t.Helper()
		for len(ops) > 0 {
			k := min(len(ops), 5000)
			now := clock.Now()
			res, _, err := e.Write(ctx, "commons", "big", ops[:k])
			if err != nil {
				t.Fatal(err)
			}
			m.checkResults(t, what, ops[:k], res, now)
			ops = ops[k:]
		}
	}
	write("load", ops)
	// Delete and replace a few, in every block.
	var more []WriteOp
	for range 300 {
		id := ids[rng.IntN(n)]
		if rng.IntN(2) == 0 {
			more = append(more, WriteOp{Kind: OpDelete, ID: id})
		} else {
			more = append(more, WriteOp{Kind: OpPatch, ID: id, Patch: []types.PatchOp{{Op: "increment", Path: "/n", Value: types.Int(1)}}})
		}
	}
	// And the first rows of two blocks: a block's first live row is not
	// always its first row.
	for _, i := range []int{0, 1, index.BlockRows, index.BlockRows + 1} {
		more = append(more, WriteOp{Kind: OpDelete, ID: ids[i]})
	}
	write("updates", more)

	check := func(stage string) {
		t.Helper()
		s, err := e.Snapshot("commons", "big")
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		checkState(t, stage, s, m, rng, g, checkOpts{lookups: 40, zones: 10})
		pruned := false
		for _, v := range s.Segments() {
			if v.NumRows() <= index.BlockRows {
				continue
			}
			nb := (v.NumRows() + index.BlockRows - 1) / index.BlockRows
			// Clustered values prune: the first rows' n and s are
			// only in the first block (rows are in row-id order).
			for _, p := range []index.Predicate{
				index.Range(types.Undefined, false, types.Int(100), true),
				index.Eq(types.String("k000050")),
				index.Prefix("k0000"),
			} {
				path := "n"
				if p.Op != index.OpRange {
					path = "s"
				}
				blocks := v.BlocksMatching(path, p)
				if len(blocks) < nb {
					pruned = true
				}
				// A scan of those blocks, filtered by the lookup,
				// returns exactly the live rows that match.
				bm, err := v.Lookup(ctx, path, p)
				if err != nil {
					t.Fatal(err)
				}
				sc := v.NewScanner(ScanOptions{Paths: []string{FieldID, path}, Filter: bm, Blocks: blocks})
				got := roaring.New()
				eachBatch(t, ctx, sc, func(b *coldata.Batch) {
					if b.Sel == nil {
						t.Fatalf("%s: a filtered scan returned a batch without a selection", stage)
					}
					for _, i := range b.Sel {
						if val := b.Vecs[1].Value(i); !p.Match(val) {
							t.Fatalf("%s: filtered scan of %s %s returned row %d with %s", stage, path, p, b.Start+i, show(val))
						}
						got.Add(uint32(b.Start + i))
					}
				})
				if !got.Equals(bm) {
					t.Fatalf("%s: scan of blocks %v filtered by Lookup(%s %s) returned %d rows, the lookup %d", stage, blocks, path, p, got.GetCardinality(), bm.GetCardinality())
				}
				checkSkipBlock(t, stage, v, ScanOptions{Paths: []string{path}, Filter: bm, Blocks: blocks}, rng)
			}
		}
		for _, v := range s.Segments() {
			checkSkipBlock(t, stage, v, ScanOptions{Paths: []string{"n"}}, rng)
		}
		if !pruned {
			t.Fatalf("%s: zone maps pruned no block", stage)
		}
	}
	check("mutable, several blocks")
	if err := e.Flush(ctx, "commons", "big"); err != nil {
		t.Fatal(err)
	}
	check("sealed, several blocks")
	write("more updates", more[:100])
	if err := e.Flush(ctx, "commons", "big"); err != nil {
		t.Fatal(err)
	}
	maintainFully(t, e, "commons", "big")
	check("compacted")
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	if e, err = Open(opts); err != nil {
		t.Fatal(err)
	}
	check("reopened")
}

// checkSkipBlock scans v twice with opts: once with Next alone, once
// skipping blocks at random, and checks that each SkipBlock counted the
// rows Next selected in that block and found the first of them.
func checkSkipBlock(t *testing.T, stage string, v *SegmentView, opts ScanOptions, rng *rand.Rand) {
	t.Helper()
	ctx := context.Background()
	type sel struct{ n, first int }
	want := map[int]sel{}
	eachBatch(t, ctx, v.NewScanner(opts), func(b *coldata.Batch) {
		n, first := b.Length, b.Start
		if b.Sel != nil {
			n, first = len(b.Sel), b.Start+b.Sel[0]
		}
		want[b.Start/index.BlockRows] = sel{n, first}
	})
	sc := v.NewScanner(opts)
	for {
		block, ok := sc.PeekBlock()
		if !ok {
			break
		}
		if rng.IntN(2) == 0 {
			b, err := sc.Next(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if b == nil {
				break
			}
			if got := b.Start / index.BlockRows; got < block {
				t.Fatalf("%s: PeekBlock said block %d, Next read block %d", stage, block, got)
			}
			continue
		}
		n, first := sc.SkipBlock()
		w, ok := want[block]
		if !ok {
			w = sel{0, -1}
		}
		if n != w.n || first != w.first {
			t.Fatalf("%s: SkipBlock of block %d (filter %v) = %d rows from %d, Next selected %d from %d", stage, block, opts.Filter != nil, n, first, w.n, w.first)
		}
	}
}
