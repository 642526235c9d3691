package storage

import (
	"context"
	"fmt"
	"math/rand/v2"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/basaltdb/basalt/catalog"
	"github.com/basaltdb/basalt/coldata"
	"github.com/basaltdb/basalt/index"
	"github.com/basaltdb/basalt/types"
	"github.com/cockroachdb/pebble/v2/vfs"
)

// goT lets a goroutine other than the test's fail the test: Fatal marks the
// test failed and ends only the calling goroutine.
type goT struct{ testing.TB }

func (g goT) Fatal(args ...any) {
	g.TB.Helper()
	g.TB.Error(args...)
	runtime.Goexit()
}

func (g goT) Fatalf(format string, args ...any) {
	g.TB.Helper()
	g.TB.Errorf(format, args...)
	runtime.Goexit()
}

// TestConcurrent runs differential writers on disjoint _id ranges in
// parallel with readers that check each snapshot's internal consistency
// (scans, point reads, lookups and schema agree and do not change under
// them), with seals, compactions and background maintenance interleaved.
// The final state must equal the union of the writers' models. Run it with
// -race.
func TestConcurrent(t *testing.T) {
	for _, seed := range testSeeds(t, 1) {
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) { runConcurrent(t, seed) })
	}
}

func runConcurrent(t *testing.T, seed uint64) {
	t.Logf("seed %d (replay with BASALT_SEED=%d)", seed, seed)
	ctx := context.Background()
	clock := newTestClock(time.Date(2025, 3, 10, 12, 0, 0, 0, time.UTC))
	fs := vfs.NewMem()
	opts := Options{Dir: "data", FS: fs, Now: clock.Now, Logger: testLogger(t),
		SealRows: 60, CompactMinSegments: 2, MaintenanceInterval: 3 * time.Millisecond, SealAge: 20 * time.Millisecond,
		MaxPendingSeals: 3}
	e, err := Open(opts)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { e.Close() }()
	meta, err := e.CreateCollection("commons", catalog.CollectionSpec{Name: "conc", PartitionResolution: time.Hour,
		EventTimeInfo: &catalog.EventTimeInfo{Field: "ts"}})
	if err != nil {
		t.Fatal(err)
	}
	const writers = 4
	batches := 60
	switch {
	case *longFlag:
		batches = 300
	case testing.Short():
		batches = 20
	}
	models := make([]*model, writers)
	gens := make([]*gen, writers)
	for w := range writers {
		models[w] = newModel(meta)
		var ids []string
		for i := range 150 {
			ids = append(ids, fmt.Sprintf("%d", w*1000+i))
		}
		gens[w] = &gen{rng: rand.New(rand.NewPCG(seed, uint64(w))), now: clock.Now, eti: true, days: 1, ids: ids}
	}
	var wg, bg sync.WaitGroup
	stop := make(chan struct{})
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tt := goT{t}
			m, g := models[w], gens[w]
			for b := range batches {
				ops := g.batch(m, 1+g.rng.IntN(40))
				for i := range ops {
					if ops[i].Doc.Kind() == types.KindObject && ops[i].Kind != OpPatch && ops[i].Kind != OpDelete {
						ops[i].Doc = ops[i].Doc.WithField("w", types.Int(int64(w)))
					}
				}
				now := clock.Now()
				res, _, err := e.Write(ctx, "commons", "conc", ops)
				if err != nil {
					tt.Fatalf("writer %d batch %d: %v", w, b, err)
				}
				m.checkResults(tt, fmt.Sprintf("writer %d batch %d", w, b), ops, res, now)
			}
		}()
	}
	var snapshots, lookups atomic.Int64
	for r := range 2 {
		bg.Add(1)
		go func() {
			defer bg.Done()
			tt := goT{t}
			rng := rand.New(rand.NewPCG(seed, uint64(100+r)))
			var lastSeq uint64
			for {
				select {
				case <-stop:
					return
				default:
				}
				s, err := e.Snapshot("commons", "conc")
				if err != nil {
					tt.Fatal(err)
				}
				if s.Seq() < lastSeq {
					tt.Fatalf("snapshot sequence went back from %d to %d", lastSeq, s.Seq())
				}
				lastSeq = s.Seq()
				checkSnapshotConsistent(tt, s, rng)
				snapshots.Add(1)
				lookups.Add(4)
				s.Close()
			}
		}()
	}
	bg.Add(1)
	go func() {
		// Explicit seals and compactions, on top of the background loops.
		defer bg.Done()
		tt := goT{t}
		rng := rand.New(rand.NewPCG(seed, 200))
		for {
			select {
			case <-stop:
				return
			case <-time.After(time.Duration(rng.IntN(10)) * time.Millisecond):
			}
			if rng.IntN(3) == 0 {
				if err := e.Flush(ctx, "commons", "conc"); err != nil {
					tt.Fatal(err)
				}
			} else {
				e.RunMaintenance(ctx)
			}
			clock.Advance(time.Duration(rng.IntN(20)) * time.Millisecond)
		}
	}()
	wg.Wait()
	close(stop)
	bg.Wait()
	if t.Failed() {
		return
	}
	t.Logf("%d snapshots checked while writing", snapshots.Load())
	all := newModel(meta)
	var pool []string
	for w, m := range models {
		for id, d := range m.docs {
			all.docs[id] = d
		}
		pool = append(pool, gens[w].ids...)
	}
	g := &gen{rng: rand.New(rand.NewPCG(seed, 300)), now: clock.Now, eti: true, days: 1, ids: pool}
	check := func(stage string) {
		t.Helper()
		s, err := e.Snapshot("commons", "conc")
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		checkState(t, stage, s, all, g.rng, g, checkOpts{lookups: 100, zones: 3})
	}
	check("after the concurrent workload")
	if err := e.Flush(ctx, "commons", "conc"); err != nil {
		t.Fatal(err)
	}
	e.RunMaintenance(ctx)
	check("sealed and compacted")
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	if e, err = Open(opts); err != nil {
		t.Fatal(err)
	}
	check("reopened")
}

// checkSnapshotConsistent checks what a snapshot says about itself while
// writers, seals and compactions go on: the live rows scanned match
// DocCount, point reads return the document each live row holds (its
// columns are the document's leaves), lookups return exactly the live rows
// whose column matches, the schema counts the live rows, and none of it
// changes when asked again.
func checkSnapshotConsistent(t goT, s *Snapshot, rng *rand.Rand) {
	ctx := context.Background()
	type rowRef struct {
		v   *SegmentView
		row int
	}
	live := map[string]rowRef{}
	ws := map[string]types.Value{}
	for _, v := range s.Segments() {
		sc := v.NewScanner(ScanOptions{Paths: []string{FieldID, "w"}})
		eachBatch(t, ctx, sc, func(b *coldata.Batch) {
			visit := func(i int) {
				id := b.Vecs[0].Str[i]
				if _, dup := live[id]; dup {
					t.Fatalf("snapshot %d: _id %q is live twice", s.Seq(), id)
				}
				live[id] = rowRef{v, b.Start + i}
				ws[id] = b.Vecs[1].Value(i)
			}
			if b.Sel == nil {
				for i := 0; i < b.Length; i++ {
					visit(i)
				}
			} else {
				for _, i := range b.Sel {
					visit(i)
				}
			}
		})
	}
	if n := s.DocCount(); n != int64(len(live)) {
		t.Fatalf("snapshot %d: DocCount %d, %d live rows scanned", s.Seq(), n, len(live))
	}
	ids := make([]string, 0, len(live))
	for id := range live {
		ids = append(ids, id)
	}
	var vec coldata.Vec
	for _, id := range sample(rng, ids, 20) {
		doc, ok, err := s.Get(id)
		if err != nil || !ok {
			t.Fatalf("snapshot %d: Get(%q) of a live row: ok=%v err=%v", s.Seq(), id, ok, err)
		}
		ref := live[id]
		for p, want := range flatLeaves(doc) {
			if err := ref.v.ReadColumn(p, ref.row, ref.row+1, &vec); err != nil {
				t.Fatal(err)
			}
			if got := vec.Value(0); !sameValue(got, want) {
				t.Fatalf("snapshot %d: _id %q path %s: column %s, document %s", s.Seq(), id, p, show(got), show(want))
			}
		}
		if v, row, ok, err := s.Locate(id); err != nil || !ok || v != ref.v || row != ref.row {
			t.Fatalf("snapshot %d: Locate(%q) = %v %d %v %v, scan found segment %d row %d", s.Seq(), id, v, row, ok, err, ref.v.ID(), ref.row)
		}
	}
	for range 4 {
		p := index.Eq(types.Int(int64(rng.IntN(4))))
		if rng.IntN(2) == 0 {
			p = index.Range(types.Int(1), true, types.Float(2.5), false)
		}
		want := map[string]bool{}
		for id, w := range ws {
			// A patch may have made w an array: its elements are
			// indexed under w too.
			types.IndexTerms([]byte("w"), w, func(ipath []byte, e types.Value) {
				if string(ipath) == "w" && p.Match(e) {
					want[id] = true
				}
			})
		}
		got := 0
		for _, v := range s.Segments() {
			bm, err := v.Lookup(ctx, "w", p)
			if err != nil {
				t.Fatal(err)
			}
			it := bm.Iterator()
			for it.HasNext() {
				row := int(it.Next())
				if err := v.ReadColumn(FieldID, row, row+1, &vec); err != nil {
					t.Fatal(err)
				}
				id := vec.Str[0]
				if !want[id] || live[id].v != v || live[id].row != row {
					var wv coldata.Vec
					if err := v.ReadColumn("w", row, row+1, &wv); err != nil {
						t.Fatal(err)
					}
					lr, ok := live[id]
					lid := uint64(0)
					if ok {
						lid = lr.v.ID()
					}
					t.Fatalf("snapshot %d: Lookup(w %s) returned segment %d (sealed %v, %d rows) row %d (_id %q, w %s, deleted %v), which is not a live match; live: %v segment %d row %d w %s",
						s.Seq(), p, v.ID(), v.Sealed(), v.NumRows(), row, id, show(wv.Value(0)), v.Deleted().Contains(uint32(row)), ok, lid, lr.row, show(ws[id]))
				}
				got++
			}
		}
		if got != len(want) {
			t.Fatalf("snapshot %d: Lookup(w %s) returned %d rows, %d live rows match", s.Seq(), p, got, len(want))
		}
	}
	schema, err := s.Schema(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range schema {
		if f.Path == FieldID && f.Total() != uint64(len(live)) {
			t.Fatalf("snapshot %d: schema counts %d _ids, %d live rows", s.Seq(), f.Total(), len(live))
		}
	}
	if n := s.DocCount(); n != int64(len(live)) {
		t.Fatalf("snapshot %d: DocCount changed to %d", s.Seq(), n)
	}
}
