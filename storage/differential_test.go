package storage

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/basaltdb/basalt/catalog"
	"github.com/cockroachdb/pebble/v2/vfs"
)

var longFlag = flag.Bool("long", false, "run the randomized storage tests longer, with more seeds")

// testSeeds returns the seeds of a randomized test: BASALT_SEED alone when
// set (to replay a failure), else n seeds (more with -long, one with -short).
func testSeeds(t *testing.T, n int) []uint64 {
	if s := os.Getenv("BASALT_SEED"); s != "" {
		v, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("BASALT_SEED=%q: %v", s, err)
		}
		return []uint64{v}
	}
	switch {
	case *longFlag:
		n *= 8
	case testing.Short():
		n = 1
	}
	base := uint64(time.Now().UnixNano())
	if os.Getenv("BASALT_FIXED_SEEDS") != "" {
		base = 1
	}
	out := make([]uint64, n)
	for i := range out {
		out[i] = base + uint64(i)
	}
	return out
}

// testLogger sends the engine's warnings and errors to the test log; an
// error fails the test, as none of the tests that use it expects one.
func testLogger(t testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(tLogWriter{t: t, failOnError: true}, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

// tolerantLogger is testLogger for tests that inject errors.
func tolerantLogger(t testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(tLogWriter{t: t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

type tLogWriter struct {
	t           testing.TB
	failOnError bool
}

func (w tLogWriter) Write(p []byte) (int, error) {
	line := strings.TrimRight(string(p), "\n")
	if w.failOnError && strings.Contains(line, "level=ERROR") {
		w.t.Errorf("engine logged an error: %s", line)
	} else {
		w.t.Logf("engine: %s", line)
	}
	return len(p), nil
}

// maintainFully runs maintenance rounds until the collection's segment count
// stops changing: one round does a bounded amount of compaction. It must
// not run concurrently with writes that seal.
func maintainFully(t testing.TB, e *Engine, ws, name string) {
	t.Helper()
	prev := -1
	for range 100 {
		// Frozen segments still waiting for the sealer are not
		// compacted: let the sealer finish so that rounds settle.
		e.sealer.wait()
		e.RunMaintenance(context.Background())
		st, err := e.Stats(ws, name)
		if err != nil {
			t.Fatal(err)
		}
		if st.Segments == prev {
			return
		}
		prev = st.Segments
	}
	t.Fatalf("maintenance did not settle after 100 rounds")
}

// diffCollection is a collection shape the differential test runs on.
type diffCollection struct {
	name string
	spec catalog.CollectionSpec
	eti  bool
}

var diffCollections = []diffCollection{
	// _event_time from the document (micros, timestamps or ISO strings),
	// one-day partitions.
	{name: "plain", spec: catalog.CollectionSpec{Name: "plain"}},
	// _event_time mapped from `ts`, one-hour partitions: documents spread
	// over days land in dozens of partitions.
	{name: "hourly", spec: catalog.CollectionSpec{Name: "hourly", PartitionResolution: time.Hour,
		EventTimeInfo: &catalog.EventTimeInfo{Field: "ts"}}, eti: true},
}

// TestDifferential drives one collection with a random workload and compares
// every read path with an in-memory model, in every state a collection goes
// through: all mutable, sealed, sealed with later updates, compacted, and
// recovered after a restart.
func TestDifferential(t *testing.T) {
	batches := 40
	switch {
	case *longFlag:
		batches = 120
	case testing.Short():
		batches = 15
	}
	for _, seed := range testSeeds(t, 2) {
		for _, dc := range diffCollections {
			t.Run(fmt.Sprintf("seed=%d/%s", seed, dc.name), func(t *testing.T) {
				runDifferential(t, seed, dc, batches)
			})
		}
	}
}

// writeForked writes ops as a request decoded in two halves does: a
// prepared write, ops from split on added to a fork of it.
func writeForked(ctx context.Context, e *Engine, name string, ops []WriteOp, split int) ([]WriteResult, error) {
	pw, err := e.NewPreparedWrite("commons", name)
	if err != nil {
		return nil, err
	}
	pw.Grow(len(ops))
	var fork *PreparedWrite
	if split < len(ops) {
		fork = pw.Fork()
	}
	for i, op := range ops {
		if i < split {
			pw.Add(op)
		} else {
			fork.Add(op)
		}
	}
	if fork != nil {
		pw.Join(fork)
	}
	res, _, err := e.CommitPrepared(ctx, pw, nil)
	return res, err
}

func runDifferential(t *testing.T, seed uint64, dc diffCollection, batches int) {
	t.Logf("seed %d (replay with BASALT_SEED=%d)", seed, seed)
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(seed, 0xd1ff))
	clock := newTestClock(time.Date(2025, 3, 10, 12, 0, 0, 0, time.UTC))
	fs := vfs.NewMem()
	opts := Options{Dir: "data", FS: fs, Now: clock.Now, Logger: testLogger(t), DisableBackground: true,
		SealRows: 50 + rng.IntN(151), CompactMinSegments: 2, MaxGroupOps: 1 + rng.IntN(64)}
	t.Logf("SealRows %d, MaxGroupOps %d", opts.SealRows, opts.MaxGroupOps)
	e, err := Open(opts)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { e.Close() }()
	meta, err := e.CreateCollection("commons", dc.spec)
	if err != nil {
		t.Fatal(err)
	}
	m := newModel(meta)
	var ids []string
	for i := range 300 {
		ids = append(ids, strconv.Itoa(i))
	}
	for i := range 50 {
		ids = append(ids, fmt.Sprintf("u%d", i))
	}
	g := &gen{rng: rng, now: clock.Now, eti: dc.eti, days: 3, ids: ids}
	name := dc.spec.Name
	nbatch := 0
	write := func(n int) {
		t.Helper()
		for range n {
			ops := g.batch(m, 1+rng.IntN(40))
			// Half the writes are prepared writes, as a request
			// decoded in two halves makes them.
			now := clock.Now()
			var res []WriteResult
			var err error
			if rng.IntN(2) == 0 {
				res, err = writeForked(ctx, e, name, ops, rng.IntN(len(ops)+1))
			} else {
				res, _, err = e.Write(ctx, "commons", name, ops)
			}
			if err != nil {
				t.Fatalf("write %d: %v", nbatch, err)
			}
			m.checkResults(t, fmt.Sprintf("write %d", nbatch), ops, res, now)
			nbatch++
			clock.Advance(time.Duration(rng.IntN(5000)) * time.Millisecond)
		}
	}
	check := func(stage string) (sealed, mutable int) {
		t.Helper()
		s, err := e.Snapshot("commons", name)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		checkState(t, stage, s, m, rng, g, checkOpts{lookups: 80, zones: 4})
		for _, v := range s.Segments() {
			if v.Sealed() {
				sealed++
			} else {
				mutable++
			}
		}
		st, err := e.Stats("commons", name)
		if err != nil {
			t.Fatal(err)
		}
		if st.DocCount != int64(len(m.docs)) {
			t.Fatalf("%s: Stats.DocCount %d, want %d", stage, st.DocCount, len(m.docs))
		}
		t.Logf("%s: %d documents, %d sealed + %d mutable segments", stage, len(m.docs), sealed, mutable)
		return sealed, mutable
	}
	flush := func() {
		t.Helper()
		if err := e.Flush(ctx, "commons", name); err != nil {
			t.Fatal(err)
		}
	}
	reopen := func() {
		t.Helper()
		if err := e.Close(); err != nil {
			t.Fatal(err)
		}
		if e, err = Open(opts); err != nil {
			t.Fatal(err)
		}
	}

	write(batches)
	if sealed, _ := check("mutable"); sealed != 0 && opts.SealRows > 200 {
		t.Fatalf("mutable: %d sealed segments", sealed)
	}
	flush()
	if sealed, mutable := check("sealed"); mutable != 0 || sealed < 2 {
		t.Fatalf("sealed: %d sealed and %d mutable segments, want all sealed and several", sealed, mutable)
	}
	// Replace, patch and delete rows that live in sealed segments.
	write(batches / 2)
	check("sealed+updates")
	flush()
	before, _ := check("sealed again")
	maintainFully(t, e, "commons", name)
	after, _ := check("compacted")
	if after >= before {
		t.Fatalf("compaction: %d segments before, %d after; want fewer", before, after)
	}
	write(batches / 3)
	check("compacted+updates")
	reopen()
	check("reopened")
	write(batches / 3)
	check("reopened+updates")
	flush()
	maintainFully(t, e, "commons", name)
	check("reopened, sealed and compacted")
	write(batches / 4)
	reopen()
	check("reopened twice")
	// Everything deleted: segments empty out and compaction drops them.
	var del []WriteOp
	for _, id := range m.ids() {
		del = append(del, WriteOp{Kind: OpDelete, ID: id})
	}
	now := clock.Now()
	res, _, err := e.Write(ctx, "commons", name, del)
	if err != nil {
		t.Fatal(err)
	}
	m.checkResults(t, "delete all", del, res, now)
	check("all deleted")
	flush()
	maintainFully(t, e, "commons", name)
	if sealed, mutable := check("all deleted, compacted"); sealed+mutable != 0 {
		t.Fatalf("all deleted: %d segments left", sealed+mutable)
	}
	reopen()
	check("all deleted, reopened")
	t.Logf("outcomes: %v", m.stats)
}

// TestConcurrentGroupsAgainstModel: concurrent writers' requests, forked
// prepared writes and plain ones, some of upserts only, commit in shared
// groups to one-hour partitions; the collection then holds what each
// writer's operations, applied in order, make (their _ids are their own).
func TestConcurrentGroupsAgainstModel(t *testing.T) {
	ctx := context.Background()
	clock := newTestClock(time.Date(2025, 3, 10, 12, 0, 0, 0, time.UTC))
	dc := diffCollections[1] // hourly
	e, err := Open(Options{Dir: "data", FS: vfs.NewMem(), Now: clock.Now, Logger: testLogger(t), DisableBackground: true, SealRows: 400, MaxGroupOps: 100000})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	meta, err := e.CreateCollection("commons", dc.spec)
	if err != nil {
		t.Fatal(err)
	}
	type write struct {
		ops []WriteOp
		res []WriteResult
	}
	const writers, batches = 4, 30
	var logs [writers][]write
	var gens [writers]*gen
	var wg sync.WaitGroup
	for w := 0; w < writers; w++ {
		var ids []string
		for i := range 60 {
			ids = append(ids, fmt.Sprintf("w%d-%d", w, i))
		}
		m := newModel(meta)
		gens[w] = &gen{rng: rand.New(rand.NewPCG(uint64(w), 77)), now: clock.Now, eti: dc.eti, days: 1, ids: ids}
		wg.Add(1)
		go func() {
			defer wg.Done()
			g := gens[w]
			for range batches {
				ops := g.batch(m, 1+g.rng.IntN(80))
				if w < 2 {
					ops = slices.DeleteFunc(ops, func(op WriteOp) bool { return op.Kind != OpUpsert })
					if len(ops) == 0 {
						continue
					}
				}
				var res []WriteResult
				var err error
				if w < 3 {
					res, err = writeForked(ctx, e, dc.spec.Name, ops, g.rng.IntN(len(ops)+1))
				} else {
					res, _, err = e.Write(ctx, "commons", dc.spec.Name, ops)
				}
				if err != nil {
					t.Error(err)
					return
				}
				// The writer's model, for the ops it generates next.
				for i, op := range ops {
					m.apply(op, clock.Now(), res[i].ID)
				}
				logs[w] = append(logs[w], write{ops, res})
			}
		}()
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	all := newModel(meta)
	for w := range writers {
		for i, wr := range logs[w] {
			all.checkResults(t, fmt.Sprintf("writer %d write %d", w, i), wr.ops, wr.res, clock.Now())
		}
	}
	// Groups of several requests were committed.
	if commits, requests := counterValue(t, e.metrics.commits), float64(len(logs[0])+len(logs[1])+len(logs[2])+len(logs[3])); commits >= requests {
		t.Fatalf("%v commits of %v requests: none grouped", commits, requests)
	}
	for _, stage := range []string{"mutable", "sealed"} {
		if stage == "sealed" {
			if err := e.Flush(ctx, "commons", dc.spec.Name); err != nil {
				t.Fatal(err)
			}
		}
		s, err := e.Snapshot("commons", dc.spec.Name)
		if err != nil {
			t.Fatal(err)
		}
		checkState(t, stage, s, all, rand.New(rand.NewPCG(5, 5)), gens[0], checkOpts{lookups: 200, zones: 4})
		s.Close()
	}
}
