package storage

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/basaltdb/basalt/catalog"
	"github.com/basaltdb/basalt/types"
	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/cockroachdb/pebble/v2/vfs/errorfs"
)

// crashWriter is one writer of the crash test. It owns the _ids "w<n>-<k>",
// writes sequential batches, and keeps the state its ids must have after
// each batch: the model predicts every outcome, as no one else touches them.
type crashWriter struct {
	n       int
	ids     []string
	rng     *rand.Rand
	started atomic.Int64 // batches handed to Write
	acked   atomic.Int64 // batches whose Write returned

	mu   sync.Mutex
	hist []*model // hist[k]: the state after k batches
}

func (w *crashWriter) state(k int) *model {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.hist[k]
}

// nextBatch returns the ops of batch b: upserts carrying the batch number
// and how many documents the batch writes, increments and deletes.
func (w *crashWriter) nextBatch(cur *model, b int, base time.Time) []WriteOp {
	r := w.rng
	n := 1 + r.IntN(25)
	ups := 0
	ops := make([]WriteOp, 0, n)
	kinds := make([]int, n)
	for i := range kinds {
		kinds[i] = r.IntN(10)
		if kinds[i] < 6 {
			ups++
		}
	}
	for i := range n {
		id := w.ids[r.IntN(len(w.ids))]
		switch k := kinds[i]; {
		case k < 6:
			et := base.Add(-time.Duration(r.IntN(6*3600)) * time.Second)
			doc := types.Object([]types.Field{
				{Name: FieldID, Value: types.String(id)},
				{Name: FieldEventTime, Value: types.Int(et.UnixMicro())},
				{Name: "w", Value: types.Int(int64(w.n))},
				{Name: "batch", Value: types.Int(int64(b))},
				{Name: "n", Value: types.Int(int64(ups))},
				{Name: "tags", Value: types.Array([]types.Value{types.String("t" + strconv.Itoa(r.IntN(5))), types.Int(int64(b % 7))})},
				{Name: "pad", Value: types.String(strings.Repeat("x", r.IntN(300)))},
			})
			kind := OpUpsert
			if r.IntN(4) == 0 {
				kind = OpInsert
			}
			ops = append(ops, WriteOp{Kind: kind, Doc: doc})
		case k < 8:
			ops = append(ops, WriteOp{Kind: OpPatch, ID: id, Patch: []types.PatchOp{{Op: "increment", Path: "/v", Value: types.Int(1)}}})
		default:
			ops = append(ops, WriteOp{Kind: OpDelete, ID: id})
		}
	}
	return ops
}

// run writes nb batches; each batch's expected state is published before the
// batch is handed to the engine.
func (w *crashWriter) run(t *testing.T, e *Engine, nb int, base time.Time) {
	ctx := context.Background()
	for b := 1; b <= nb; b++ {
		cur := w.state(b - 1).clone()
		ops := w.nextBatch(cur, b, base)
		exp := make([]expected, len(ops))
		for i, op := range ops {
			exp[i] = cur.apply(op, base, "")
		}
		w.mu.Lock()
		w.hist = append(w.hist, cur)
		w.mu.Unlock()
		w.started.Add(1)
		res, _, err := e.Write(ctx, "commons", "crash", ops)
		if err != nil {
			t.Errorf("writer %d batch %d: %v", w.n, b, err)
			return
		}
		for i, x := range exp {
			if res[i].Status != x.status || (x.status == StatusError) != (res[i].Err != nil) {
				t.Errorf("writer %d batch %d op %d: got %v %v, want %v", w.n, b, i, res[i].Status, res[i].Err, x)
				return
			}
		}
		w.acked.Add(1)
	}
}

// crashPoint is a crash image with what was acknowledged before it and what
// had been started after it.
type crashPoint struct {
	what    string
	fs      *vfs.MemFS
	acked   []int64
	started []int64
}

// crashRig takes crash images of a running engine.
type crashRig struct {
	fs      *vfs.MemFS
	writers []*crashWriter
	rng     *rand.Rand // guarded by mu
	mu      sync.Mutex
	points  []crashPoint
}

func (c *crashRig) take(what string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	p := crashPoint{what: what}
	for _, w := range c.writers {
		p.acked = append(p.acked, w.acked.Load())
	}
	pct := [...]int{0, 0, 10, 50, 90, 100}[c.rng.IntN(6)]
	p.what += fmt.Sprintf(" (unsynced %d%%)", pct)
	p.fs = c.fs.CrashClone(vfs.CrashCloneCfg{UnsyncedDataPercent: pct, RNG: rand.New(rand.NewPCG(c.rng.Uint64(), 1))})
	for _, w := range c.writers {
		p.started = append(p.started, w.started.Load())
	}
	c.points = append(c.points, p)
}

// verify opens an engine on a crash image and checks that each writer's ids
// hold the state after some number of its batches between what was
// acknowledged before the crash and what had been started: acknowledged
// writes survive, batches are all or nothing, nothing unwritten appears.
// Then every read path is checked against that state, and the recovered
// engine must take writes, seal, compact and restart.
func verifyCrashPoint(t *testing.T, p crashPoint, writers []*crashWriter, meta catalog.Collection, rng *rand.Rand, opts Options) {
	t.Helper()
	ctx := context.Background()
	opts.FS = p.fs
	e, err := Open(opts)
	if err != nil {
		t.Fatalf("%s: open after crash: %v", p.what, err)
	}
	defer func() { e.Close() }()
	s, err := e.Snapshot("commons", "crash")
	if err != nil {
		t.Fatalf("%s: %v", p.what, err)
	}
	all := newModel(meta)
	var pool []string
	for i, w := range writers {
		pool = append(pool, w.ids...)
		got := map[string]types.Value{}
		for _, id := range w.ids {
			doc, ok, err := s.Get(id)
			if err != nil {
				t.Fatalf("%s: Get(%q): %v", p.what, id, err)
			}
			if ok {
				got[id] = doc
			}
		}
		match := -1
		for k := p.acked[i]; k <= p.started[i] && match < 0; k++ {
			st := w.state(int(k))
			if len(st.docs) != len(got) {
				continue
			}
			same := true
			for id, doc := range st.docs {
				if g, ok := got[id]; !ok || !sameValue(g, doc) {
					same = false
					break
				}
			}
			if same {
				match = int(k)
			}
		}
		if match < 0 {
			// Describe the difference from the acknowledged state.
			st := w.state(int(p.acked[i]))
			var diff []string
			for id, doc := range st.docs {
				if g, ok := got[id]; !ok {
					diff = append(diff, fmt.Sprintf("%s missing (want batch %s)", id, show(doc.Get("batch"))))
				} else if !sameValue(g, doc) {
					diff = append(diff, fmt.Sprintf("%s = batch %s v %s, want batch %s v %s", id, show(g.Get("batch")), show(g.Get("v")), show(doc.Get("batch")), show(doc.Get("v"))))
				}
			}
			for id, g := range got {
				if _, ok := st.docs[id]; !ok {
					diff = append(diff, fmt.Sprintf("%s present (batch %s), want absent", id, show(g.Get("batch"))))
				}
			}
			t.Fatalf("%s: writer %d's documents match no state between batch %d (acknowledged) and %d (started); against the acknowledged state: %s",
				p.what, w.n, p.acked[i], p.started[i], strings.Join(diff, "; "))
		}
		for id, doc := range w.state(match).docs {
			all.docs[id] = doc
		}
	}
	g := &gen{rng: rng, now: time.Now, days: 1, ids: append(pool, "nope", "w0-999")}
	checkState(t, p.what, s, all, rng, g, checkOpts{lookups: 40, zones: 2})
	s.Close()

	// The recovered engine works: write, seal, compact, restart.
	ops := []WriteOp{{Doc: types.Object([]types.Field{{Name: FieldID, Value: types.String("after-crash")}, {Name: "w", Value: types.Int(-1)}})}}
	if _, _, err := e.Write(ctx, "commons", "crash", ops); err != nil {
		t.Fatalf("%s: write after recovery: %v", p.what, err)
	}
	all.apply(ops[0], opts.Now(), "")
	if err := e.Flush(ctx, "commons", "crash"); err != nil {
		t.Fatalf("%s: flush after recovery: %v", p.what, err)
	}
	e.RunMaintenance(ctx)
	if err := e.Close(); err != nil {
		t.Fatalf("%s: close after recovery: %v", p.what, err)
	}
	if e, err = Open(opts); err != nil {
		t.Fatalf("%s: reopen after recovery: %v", p.what, err)
	}
	s, err = e.Snapshot("commons", "crash")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	checkState(t, p.what+", recovered and reopened", s, all, rng, g, checkOpts{lookups: 10, zones: 1})
}

// TestCrash runs writers (in parallel), seals and compactions on a crashable
// file system and takes crash images at random moments and at chosen points
// inside seals and compactions (before a segment file is created, synced,
// renamed, recorded, or removed), then recovers each image and checks it.
func TestCrash(t *testing.T) {
	for _, seed := range testSeeds(t, 2) {
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) { runCrash(t, seed) })
	}
}

func runCrash(t *testing.T, seed uint64) {
	t.Logf("seed %d (replay with BASALT_SEED=%d)", seed, seed)
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(seed, 0xc4a5))
	base := time.Date(2025, 3, 10, 12, 0, 0, 0, time.UTC)
	mem := vfs.NewCrashableMem()
	rig := &crashRig{fs: mem, rng: rand.New(rand.NewPCG(seed, 2))}
	// Crash images inside seals and compactions: the injector sees every
	// file operation before it happens.
	var segOps atomic.Int64
	hook := errorfs.InjectorFunc(func(op errorfs.Op) error {
		if !strings.Contains(op.Path, "segments") {
			return nil
		}
		switch op.Kind {
		case errorfs.OpCreate, errorfs.OpFileSync, errorfs.OpRename, errorfs.OpRemove, errorfs.OpOpenDir:
			if n := segOps.Add(1); n%7 == 0 {
				rig.take(fmt.Sprintf("before %v of %s (segment op %d)", op.Kind, op.Path, n))
			}
		}
		return nil
	})
	opts := Options{Dir: "data", FS: errorfs.Wrap(mem, hook), Now: func() time.Time { return base }, Logger: testLogger(t),
		DisableBackground: true, SealRows: 30 + rng.IntN(40), CompactMinSegments: 2, MaxPendingSeals: 2}
	e, err := Open(opts)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { e.Close() }()
	meta, err := e.CreateCollection("commons", catalog.CollectionSpec{Name: "crash", PartitionResolution: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	nb := 40
	if *longFlag {
		nb = 150
	} else if testing.Short() {
		nb = 15
	}
	for i := range 3 {
		w := &crashWriter{n: i, rng: rand.New(rand.NewPCG(seed, uint64(100+i)))}
		for k := range 40 {
			w.ids = append(w.ids, fmt.Sprintf("w%d-%d", i, k))
		}
		w.hist = []*model{newModel(meta)}
		rig.writers = append(rig.writers, w)
	}
	var wg sync.WaitGroup
	for _, w := range rig.writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w.run(t, e, nb, base)
		}()
	}
	done := make(chan struct{})
	var mwg sync.WaitGroup
	mwg.Add(1)
	go func() {
		// Seals and compactions interleaved with the writes.
		defer mwg.Done()
		mr := rand.New(rand.NewPCG(seed, 3))
		for {
			select {
			case <-done:
				return
			case <-time.After(time.Duration(mr.IntN(20)) * time.Millisecond):
			}
			if mr.IntN(2) == 0 {
				if err := e.Flush(ctx, "commons", "crash"); err != nil {
					t.Errorf("flush: %v", err)
					return
				}
			} else {
				e.RunMaintenance(ctx)
			}
		}
	}()
	// Crash images at random moments.
	go func() {
		for {
			select {
			case <-done:
				return
			case <-time.After(time.Duration(rng.IntN(30)) * time.Millisecond):
			}
			rig.take("at a random moment")
		}
	}()
	wg.Wait()
	close(done)
	mwg.Wait()
	if t.Failed() {
		return
	}
	if err := e.Flush(ctx, "commons", "crash"); err != nil {
		t.Fatal(err)
	}
	e.RunMaintenance(ctx)
	rig.take("after the workload")
	rig.mu.Lock()
	points := rig.points
	rig.mu.Unlock()
	t.Logf("%d crash images, %d segment file operations", len(points), segOps.Load())
	vr := rand.New(rand.NewPCG(seed, 4))
	vopts := opts
	vopts.Logger = testLogger(t)
	for _, p := range points {
		verifyCrashPoint(t, p, rig.writers, meta, vr, vopts)
	}
	// The last image was taken with everything acknowledged.
	last := points[len(points)-1]
	for i, w := range rig.writers {
		if last.acked[i] != int64(nb) {
			t.Fatalf("writer %d: %d of %d batches acknowledged at the end", w.n, last.acked[i], nb)
		}
	}
}

// TestSealErrors injects I/O errors into segment files while seals and
// compactions run: the engine must stay consistent and readable, keep taking
// writes, and finish the work once the errors stop.
func TestSealErrors(t *testing.T) {
	seed := testSeeds(t, 1)[0]
	t.Logf("seed %d (replay with BASALT_SEED=%d)", seed, seed)
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(seed, 0xe440))
	clock := newTestClock(time.Date(2025, 3, 10, 12, 0, 0, 0, time.UTC))
	mem := vfs.NewMem()
	var failing atomic.Bool
	var injected atomic.Int64
	inj := errorfs.InjectorFunc(func(op errorfs.Op) error {
		if !failing.Load() || !strings.Contains(op.Path, "segments") || op.Kind.ReadOrWrite() != errorfs.OpIsWrite {
			return nil
		}
		// Fail a random share of the operations, so that seals break at
		// different steps.
		if rand.N(3) == 0 {
			return nil
		}
		injected.Add(1)
		return errorfs.ErrInjected
	})
	opts := Options{Dir: "data", FS: errorfs.Wrap(mem, inj), Now: clock.Now, Logger: tolerantLogger(t), DisableBackground: true,
		SealRows: 40, CompactMinSegments: 2}
	e, err := Open(opts)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { e.Close() }()
	meta, err := e.CreateCollection("commons", catalog.CollectionSpec{Name: "errs", PartitionResolution: time.Hour, EventTimeInfo: &catalog.EventTimeInfo{Field: "ts"}})
	if err != nil {
		t.Fatal(err)
	}
	m := newModel(meta)
	var ids []string
	for i := range 200 {
		ids = append(ids, strconv.Itoa(i))
	}
	g := &gen{rng: rng, now: clock.Now, eti: true, days: 1, ids: ids}
	write := func(n int) {
		t.Helper()
		for range n {
			ops := g.batch(m, 1+rng.IntN(30))
			now := clock.Now()
			res, _, err := e.Write(ctx, "commons", "errs", ops)
			if err != nil {
				t.Fatal(err)
			}
			m.checkResults(t, "write", ops, res, now)
		}
	}
	check := func(stage string) {
		t.Helper()
		s, err := e.Snapshot("commons", "errs")
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		checkState(t, stage, s, m, rng, g, checkOpts{lookups: 40, zones: 2})
	}
	write(20)
	if err := e.Flush(ctx, "commons", "errs"); err != nil {
		t.Fatal(err)
	}
	write(10)
	check("before errors")

	// Seals fail: Flush cannot finish while they do, but reads and writes go
	// on.
	failing.Store(true)
	flushed := make(chan error, 1)
	go func() { flushed <- e.Flush(ctx, "commons", "errs") }()
	deadline := time.Now().Add(10 * time.Second)
	for injected.Load() < 3 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if injected.Load() == 0 {
		t.Fatal("no error was injected")
	}
	check("while seals fail")
	// Compactions fail too; their inputs stay.
	e.RunMaintenance(ctx)
	check("after a failing compaction")
	// Writes go on, though they may wait for the sealer (backpressure)
	// while its queue is full.
	type written struct {
		ops []WriteOp
		res []WriteResult
		now time.Time
		err error
	}
	var batches []written
	for range 5 {
		batches = append(batches, written{ops: g.batch(m, 1+rng.IntN(30)), now: clock.Now()})
	}
	wrote := make(chan struct{})
	go func() {
		defer close(wrote)
		for i := range batches {
			batches[i].res, _, batches[i].err = e.Write(ctx, "commons", "errs", batches[i].ops)
		}
	}()
	select {
	case <-wrote:
	case <-time.After(200 * time.Millisecond):
	}
	check("while seals fail and writes wait")
	failing.Store(false)
	for _, ch := range []<-chan struct{}{wrote} {
		select {
		case <-ch:
		case <-time.After(30 * time.Second):
			t.Fatal("writes did not finish after the errors stopped")
		}
	}
	for i, b := range batches {
		if b.err != nil {
			t.Fatal(b.err)
		}
		m.checkResults(t, fmt.Sprintf("write %d while seals failed", i), b.ops, b.res, b.now)
	}
	select {
	case err := <-flushed:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Flush did not finish after the errors stopped")
	}
	if err := e.Flush(ctx, "commons", "errs"); err != nil {
		t.Fatal(err)
	}
	maintainFully(t, e, "commons", "errs")
	check("after the errors stopped")
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	if e, err = Open(opts); err != nil {
		t.Fatal(err)
	}
	check("reopened")
	// Files whose removal failed (aborted temporary files, obsolete
	// segments) are gone after the restart.
	if got, want := segmentFiles(t, mem, meta.ID), liveSegmentFiles(t, e, "commons", "errs"); !slices.Equal(got, want) {
		t.Fatalf("segment files after restart:\n got  %v\n want %v", got, want)
	}
	t.Logf("%d errors injected", injected.Load())
}

// TestLogAppendFailureFences: when a group's row-log append fails, the
// record may or may not be on disk, and a restart applies it if it is. So
// the collection refuses every later write until a restart, deletions too:
// one committed by Pebble alone would be undone by the record's batch.
func TestLogAppendFailureFences(t *testing.T) {
	ctx := context.Background()
	mem := vfs.NewCrashableMem()
	var failing atomic.Bool
	inj := errorfs.InjectorFunc(func(op errorfs.Op) error {
		if failing.Load() && strings.Contains(op.Path, "rowlog") && (op.Kind == errorfs.OpFileSync || op.Kind == errorfs.OpFileSyncData) {
			return errorfs.ErrInjected
		}
		return nil
	})
	opts := Options{Dir: "data", FS: errorfs.Wrap(mem, inj), Logger: tolerantLogger(t), DisableBackground: true}
	e, err := Open(opts)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { e.Close() }()
	if _, err := e.CreateCollection("commons", catalog.CollectionSpec{Name: "f"}); err != nil {
		t.Fatal(err)
	}
	doc := func(id string, v int64) WriteOp {
		return WriteOp{Doc: types.Object([]types.Field{{Name: FieldID, Value: types.String(id)}, {Name: "v", Value: types.Int(v)}})}
	}
	if _, _, err := e.Write(ctx, "commons", "f", []WriteOp{doc("a", 1)}); err != nil {
		t.Fatal(err)
	}
	failing.Store(true)
	if _, _, err := e.Write(ctx, "commons", "f", []WriteOp{doc("a", 2)}); err == nil {
		t.Fatal("a write whose log sync failed succeeded")
	}
	failing.Store(false)
	for _, ops := range [][]WriteOp{{{Kind: OpDelete, ID: "a"}}, {doc("b", 1)}} {
		if _, _, err := e.Write(ctx, "commons", "f", ops); err == nil || !strings.Contains(err.Error(), "refuses writes until a restart") {
			t.Fatalf("write after a failed log append: %v", err)
		}
	}
	// The failed record reached the file (only its sync failed): a restart
	// applies it, and the collection takes writes again.
	if err := e.Close(); err != nil {
		t.Logf("close: %v", err)
	}
	if e, err = Open(opts); err != nil {
		t.Fatal(err)
	}
	s, err := e.Snapshot("commons", "f")
	if err != nil {
		t.Fatal(err)
	}
	got, ok, err := s.Get("a")
	s.Close()
	if err != nil || !ok || got.Get("v").Int() != 2 {
		t.Fatalf("after restart: a = %v %v %v, want v 2", show(got), ok, err)
	}
	if _, _, err := e.Write(ctx, "commons", "f", []WriteOp{{Kind: OpDelete, ID: "a"}}); err != nil {
		t.Fatalf("delete after restart: %v", err)
	}
}
