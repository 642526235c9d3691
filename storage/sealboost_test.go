package storage

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/basaltdb/basalt/catalog"
	"github.com/basaltdb/basalt/coldata"
	"github.com/basaltdb/basalt/storage/memseg"
	"github.com/basaltdb/basalt/types"
	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/prometheus/client_golang/prometheus"
)

// TestSealBoostWhileWritersWait: with one frozen segment allowed to wait
// for the sealer, every freeze makes the next commit wait, and the seal
// under way takes one more worker (basalt_storage_seal_boosts_total). The
// segments it writes so must hold every document, as without the boost.
func TestSealBoostWhileWritersWait(t *testing.T) {
	ctx := context.Background()
	e, err := Open(Options{Dir: "data", FS: vfs.NewMem(), Logger: testLogger(t), SealRows: 400, MaxPendingSeals: 1,
		Registerer: prometheus.NewRegistry()})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	if _, err := e.CreateCollection("commons", catalog.CollectionSpec{Name: "wide"}); err != nil {
		t.Fatal(err)
	}
	const writers, batches, perBatch, fields = 2, 20, 100, 40
	var wg sync.WaitGroup
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := range batches {
				ops := make([]WriteOp, perBatch)
				for i := range ops {
					n := (w*batches+b)*perBatch + i
					var sb strings.Builder
					fmt.Fprintf(&sb, `{"_id":"d%d","n":%d`, n, n)
					for f := range fields {
						fmt.Fprintf(&sb, `,"f%d":"v%d-%d"`, f, f, n%97)
					}
					sb.WriteString("}")
					ops[i] = WriteOp{Doc: mustDoc(t, sb.String())}
				}
				if _, _, err := e.Write(ctx, "commons", "wide", ops); err != nil {
					goT{t}.Fatal(err)
				}
			}
		}()
	}
	wg.Wait()
	e.sealer.wait()
	const total = writers * batches * perBatch
	s, err := e.Snapshot("commons", "wide")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if got := s.DocCount(); got != total {
		t.Fatalf("%d documents, want %d", got, total)
	}
	var sum int64
	sealed := 0
	for _, v := range s.Segments() {
		if v.Sealed() {
			sealed++
		}
		eachBatch(goT{t}, ctx, v.NewScanner(ScanOptions{Paths: []string{"n"}}), func(b *coldata.Batch) {
			if b.Sel == nil {
				for i := 0; i < b.Length; i++ {
					sum += b.Vecs[0].Value(i).Int()
				}
				return
			}
			for _, i := range b.Sel {
				sum += b.Vecs[0].Value(i).Int()
			}
		})
	}
	for _, n := range []int{0, 1234, total - 1} {
		doc, ok, err := s.Get(fmt.Sprintf("d%d", n))
		want := fmt.Sprintf("v39-%d", n%97)
		if err != nil || !ok || doc.Get("f39").Str() != want {
			t.Errorf("d%d: %v %v %s, want f39 %s", n, ok, err, doc, want)
		}
	}
	if sealed < total/400/2 {
		t.Errorf("%d sealed segments", sealed)
	}
	if sum != total*(total-1)/2 {
		t.Errorf("n sums to %d, want %d", sum, total*(total-1)/2)
	}
	waits, boosts := counterValue(t, e.metrics.backpressure), counterValue(t, e.metrics.sealBoosts)
	t.Logf("%.0f waits for the sealer, %.0f boosted seals", waits, boosts)
	if waits == 0 || boosts == 0 {
		t.Errorf("%.0f waits for the sealer and %.0f boosted seals, want both", waits, boosts)
	}
}

// TestEncodeCostOrdersLongestFirst: a column of arrays costs more than one
// of longer strings, which costs more than one of numbers, and a path no
// input has costs nothing.
func TestEncodeCostOrdersLongestFirst(t *testing.T) {
	m := memseg.New()
	var docs []types.Value
	var ids []uint64
	for i := range 200 {
		docs = append(docs, mustDoc(t, fmt.Sprintf(`{"n":%d,"s":"%s","a":["x%d","y","z","w"]}`, i, strings.Repeat("s", 40), i)))
		ids = append(ids, uint64(i+1))
	}
	if _, err := m.Append(docs, ids, make([]int64, len(docs))); err != nil {
		t.Fatal(err)
	}
	in := []segReader{m}
	a, s, n, none := encodeCost(in, "a"), encodeCost(in, "s"), encodeCost(in, "n"), encodeCost(in, "missing")
	if !(a > s && s > n && n > 0 && none == 0) {
		t.Errorf("costs: array %d, string %d, number %d, missing %d", a, s, n, none)
	}
}

// TestSealYieldsToQueries: a segment write's worker pauses while a query
// runs, within its budget, not at all once the query is done or while a
// committer waits for the sealer.
func TestSealYieldsToQueries(t *testing.T) {
	e := openYieldTest(t)
	s := e.sealer
	var budget atomic.Int64
	budget.Store(int64(20 * time.Millisecond))
	paused := func() time.Duration { return timedYield(s, &budget, false) }
	if d := paused(); budget.Load() != int64(20*time.Millisecond) {
		t.Errorf("no query running: paused %v", d)
	}
	done := e.Foreground()
	if d := paused(); d < 20*time.Millisecond || budget.Load() > 0 {
		t.Errorf("a query running: paused %v, %v of the budget left", d, time.Duration(budget.Load()))
	}
	budget.Store(int64(time.Minute))
	s.startWaiting()
	if d := paused(); budget.Load() != int64(time.Minute) {
		t.Errorf("a committer waiting: paused %v", d)
	}
	s.stopWaiting()
	go func() {
		time.Sleep(10 * time.Millisecond)
		done()
		done() // a second call changes nothing
	}()
	if d := paused(); d < 10*time.Millisecond || d > 10*time.Second {
		t.Errorf("a query ending after 10ms: paused %v", d)
	}
	if n := s.foreground.Load(); n != 0 {
		t.Errorf("%d queries still counted", n)
	}
	if y := counterValue(t, e.metrics.sealYield); y < 0.025 {
		t.Errorf("basalt_storage_seal_yield_seconds_total %v, want at least the 30ms paused", y)
	}
}

// TestCompactionYieldsToSeals: a compaction's worker pauses while a seal
// runs, within its budget, and a seal's does not; neither while a
// committer waits for the sealer.
func TestCompactionYieldsToSeals(t *testing.T) {
	e := openYieldTest(t)
	s := e.sealer
	var budget atomic.Int64
	paused := func(toSeals bool) time.Duration { return timedYield(s, &budget, toSeals) }
	budget.Store(int64(20 * time.Millisecond))
	if d := paused(true); budget.Load() != int64(20*time.Millisecond) {
		t.Errorf("no seal running: a compaction paused %v", d)
	}
	s.sealing.Store(true)
	if d := paused(false); budget.Load() != int64(20*time.Millisecond) {
		t.Errorf("a seal running: a seal paused %v", d)
	}
	if d := paused(true); d < 20*time.Millisecond || budget.Load() > 0 {
		t.Errorf("a seal running: a compaction paused %v, %v of the budget left", d, time.Duration(budget.Load()))
	}
	budget.Store(int64(time.Minute))
	s.startWaiting()
	if d := paused(true); budget.Load() != int64(time.Minute) {
		t.Errorf("a committer waiting: a compaction paused %v", d)
	}
	s.stopWaiting()
	go func() {
		time.Sleep(10 * time.Millisecond)
		s.sealing.Store(false)
	}()
	if d := paused(true); d < 10*time.Millisecond || d > 10*time.Second {
		t.Errorf("a seal ending after 10ms: a compaction paused %v", d)
	}
}

// TestReleaseSealOnce: a frozen segment leaves the pending seals once,
// whether its seal releases it when encoded, again when swapped in, or on
// a retry after a failed write; and a writer waiting for the sealer goes
// on at the first release.
func TestReleaseSealOnce(t *testing.T) {
	_, c := openWithCollection(t, Options{Dir: "data", FS: vfs.NewMem(), DisableBackground: true, MaxPendingSeals: 1}, "rel")
	h := &segHandle{}
	c.mu.Lock()
	c.pendingSeals++
	c.mu.Unlock()
	waited := make(chan bool)
	go func() { waited <- c.waitForSealer() }()
	select {
	case <-waited:
		t.Fatal("a writer went on with a seal pending")
	case <-time.After(20 * time.Millisecond):
	}
	c.releaseSeal(h) // encoded
	if ok := <-waited; !ok {
		t.Fatal("waitForSealer failed")
	}
	c.releaseSeal(h) // swapped in
	c.releaseSeal(h) // a retry
	c.mu.RLock()
	n := c.pendingSeals
	c.mu.RUnlock()
	if n != 0 {
		t.Errorf("%d pending seals, want 0", n)
	}
}

// TestWriteSegmentEncodedBeforeFinish: a segment write calls its encoded
// hook once, after the rows and columns are encoded and before the file is
// in place (so a seal releases its pending slot before the sync), and not
// at all when the write fails.
func TestWriteSegmentEncodedBeforeFinish(t *testing.T) {
	e, c := openWithCollection(t, Options{Dir: "data", FS: vfs.NewMem(), DisableBackground: true}, "enc")
	m := memseg.New()
	var docs []types.Value
	var ids []uint64
	var srcs []rowSource
	for i := range 300 {
		docs = append(docs, mustDoc(t, fmt.Sprintf(`{"_id":"e%d","n":%d,"s":"v%d"}`, i, i, i%7)))
		ids = append(ids, uint64(i+1))
		srcs = append(srcs, rowSource{row: i})
	}
	if _, err := m.Append(docs, ids, make([]int64, len(docs))); err != nil {
		t.Fatal(err)
	}
	write := func(segid uint64, docErr error) (calls int, fileThen bool, err error) {
		_, err = e.writeSegment(c, segid, segmentSource{
			inputs: []segReader{m}, srcs: srcs, rowIDs: ids, sealing: true,
			doc: func(s rowSource, _ uint64) ([]byte, error) {
				if docErr != nil && s.row == 200 {
					return nil, docErr
				}
				return rowBinary(docRow(docs[s.row]))
			},
			encoded: func() {
				calls++
				_, serr := e.opts.FS.Stat(c.segmentFile(segid))
				fileThen = serr == nil
			},
		})
		return calls, fileThen, err
	}
	calls, fileThen, err := write(1001, nil)
	if err != nil || calls != 1 || fileThen {
		t.Errorf("write: %v, encoded called %d times, file in place then: %v", err, calls, fileThen)
	}
	if _, err := e.opts.FS.Stat(c.segmentFile(1001)); err != nil {
		t.Errorf("segment file after the write: %v", err)
	}
	bad := errors.New("row 200 unreadable")
	if calls, _, err := write(1002, bad); !errors.Is(err, bad) || calls != 0 {
		t.Errorf("failed write: %v, encoded called %d times", err, calls)
	}
}

// openWithCollection opens an engine with opts, closed when the test
// ends, and creates collection name in commons.
func openWithCollection(t *testing.T, opts Options, name string) (*Engine, *collection) {
	t.Helper()
	e, err := Open(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	if _, err := e.CreateCollection("commons", catalog.CollectionSpec{Name: name}); err != nil {
		t.Fatal(err)
	}
	c, err := e.collection("commons", name)
	if err != nil {
		t.Fatal(err)
	}
	return e, c
}

// TestSealBacklogTakesEveryCore: a seal with more frozen segments queued
// behind it takes every core (basalt_storage_seal_backlog_total); the last
// one, with none behind it, leaves a core to the writers. The segments so
// written hold every document.
func TestSealBacklogTakesEveryCore(t *testing.T) {
	e, c := openWithCollection(t, Options{Dir: "data", FS: vfs.NewMem(), Logger: testLogger(t), DisableBackground: true, MaxPendingSeals: 8,
		Registerer: prometheus.NewRegistry()}, "b")
	const segments, perSegment = 3, 50
	sealHeld(t, e, c, segments, perSegment, func(n int) string { return fmt.Sprintf(`{"_id":"d%d","n":%d}`, n, n) })
	if got := counterValue(t, e.metrics.sealBacklog); got != segments-1 {
		t.Fatalf("%v seals took every core, want %d", got, segments-1)
	}
	s, err := e.Snapshot("commons", "b")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	sealed := 0
	for _, v := range s.Segments() {
		if v.Sealed() {
			sealed++
		}
	}
	if got := s.DocCount(); got != segments*perSegment || sealed != segments {
		t.Fatalf("%d documents in %d sealed segments, want %d in %d", got, sealed, segments*perSegment, segments)
	}
	if doc, ok, err := s.Get("d120"); err != nil || !ok || doc.Get("n").Int() != 120 {
		t.Fatalf("d120: %v %v %s", ok, err, doc)
	}
}

// sealHeld writes segments of perSegment documents to c (doc(n) is the
// JSON of document n) and freezes each, holding the first seal until all
// are frozen, so that every seal but the last has more segments queued
// behind it; it returns once all are sealed.
func sealHeld(t *testing.T, e *Engine, c *collection, segments, perSegment int, doc func(n int) string) {
	t.Helper()
	ctx := context.Background()
	hold := make(chan struct{})
	var first sync.Once
	e.sealer.beforeSeal = func() { first.Do(func() { <-hold }) }
	for s := range segments {
		ops := make([]WriteOp, perSegment)
		for i := range ops {
			ops[i] = WriteOp{Doc: mustDoc(t, doc(s*perSegment+i))}
		}
		if _, _, err := e.Write(ctx, "commons", c.meta.Name, ops); err != nil {
			t.Fatal(err)
		}
		if err := c.enqueue(ctx, &writeReq{flush: true, done: make(chan struct{})}); err != nil {
			t.Fatal(err)
		}
	}
	close(hold)
	e.sealer.wait()
}

// timedYield returns how long s.yield took. It sleeps only in steps it
// takes from the budget: an unchanged budget says it did not pause, however
// long the call took on a busy machine.
func timedYield(s *sealer, budget *atomic.Int64, toSeals bool) time.Duration {
	start := time.Now()
	s.yield(budget, toSeals)
	return time.Since(start)
}

// openYieldTest opens an engine in memory without background work, with
// its own metrics registry, closed when the test ends.
func openYieldTest(t *testing.T) *Engine {
	t.Helper()
	e, err := Open(Options{Dir: "data", FS: vfs.NewMem(), DisableBackground: true, Registerer: prometheus.NewRegistry()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	return e
}
