package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"time"

	"github.com/basaltdb/basalt/internal/webevents"
	"github.com/basaltdb/basalt/storage"
)

// liveStat is what the background writer did while the suite ran.
type liveStat struct {
	Mode       string  `json:"mode"`
	Target     int     `json:"target_docs_per_sec"`
	Docs       int64   `json:"docs"`
	Seconds    float64 `json:"seconds"`
	DocsPerSec float64 `json:"docs_per_sec"`
	P50MS      float64 `json:"write_p50_ms"`
	P99MS      float64 `json:"write_p99_ms"`
	Err        string  `json:"error,omitempty"`
}

// liveWriter writes events at a fixed rate into the events collection
// until stopped: the stream a dashboard's queries run against. It owns its
// goroutines; stop waits for them.
type liveWriter struct {
	quit    chan struct{}
	started chan struct{}
	once    sync.Once
	wg      sync.WaitGroup
	begin   time.Time

	mu   sync.Mutex
	docs int64
	lats []time.Duration
	err  error
	stat liveStat
}

// Live writer modes.
const (
	// liveInsert writes new events (ids `live-<start>-<w>-<n>`): the
	// collection grows by the rate while the suite runs, as under a stream.
	liveInsert = "insert"
	// liveUpsert replaces loaded events (random ids of the history) with
	// new ones: the collection keeps its size, so a slowdown is the cost of
	// ingest itself (commits, the mutable segment, deletion marks, sealing),
	// not of more data.
	liveUpsert = "upsert"
)

// liveWriters is how many goroutines share the rate. One writer waiting
// for each synced commit is capped at batch/latency (500 events per 56 ms
// at p50 on the shared 2-core machine while the suite ran: under
// 10,000/s); two keep a commit in flight while the next batch is prepared,
// and the engine groups their commits, as `basalt bench ingest` does with
// its two writers.
const liveWriters = 2

// startLive starts writing rate events/s and returns once a first batch is
// written, so what is timed next runs against a flowing stream. Events are
// stamped with the current time. events is how many the history holds
// (upsert mode replaces them).
func startLive(ctx context.Context, eng *storage.Engine, mode string, rate int, seed uint64, events, users int) *liveWriter {
	w := &liveWriter{quit: make(chan struct{}), started: make(chan struct{}), begin: time.Now(), stat: liveStat{Mode: mode, Target: rate}}
	for i := range liveWriters {
		w.wg.Add(1)
		go func() {
			defer w.wg.Done()
			defer w.once.Do(func() { close(w.started) })
			w.loop(ctx, eng, i, mode, float64(rate)/liveWriters, seed, events, users)
		}()
	}
	<-w.started
	return w
}

func (w *liveWriter) stopping() bool {
	select {
	case <-w.quit:
		return true
	default:
		return false
	}
}

// loop is one writer's share of the stream. A write in flight when stop is
// called completes (it is not cancelled), so every counted document is in
// the collection and every document in the collection is counted.
func (w *liveWriter) loop(ctx context.Context, eng *storage.Engine, id int, mode string, rate float64, seed uint64, events, users int) {
	// Ten writes a second per writer, twenty in all: small enough batches
	// that the stream is smooth, large enough that a synced commit per
	// batch is cheap (500 events at 10,000/s).
	batch := min(max(int(rate/10), 1), loadBatch)
	g := webevents.New(webevents.Config{Seed: seed + 1 + uint64(id), Events: int(rate) * 3600, Users: users, End: w.begin.Add(time.Hour)})
	prefix := fmt.Sprintf("live-%d-%d-", w.begin.Unix(), id)
	pick := rand.New(rand.NewPCG(seed, 0x11fe+uint64(id)))
	var (
		docs int64
		lats []time.Duration
		err  error
	)
	for !w.stopping() && ctx.Err() == nil {
		due := w.begin.Add(time.Duration(float64(docs) / rate * float64(time.Second)))
		if d := time.Until(due); d > 0 {
			t := time.NewTimer(d)
			select {
			case <-t.C:
			case <-w.quit:
			case <-ctx.Done():
			}
			t.Stop()
			if w.stopping() || ctx.Err() != nil {
				break
			}
		}
		now := time.Now().UnixMicro()
		ops := make([]storage.WriteOp, batch)
		for i := range ops {
			e := g.Next()
			e.Time = now
			if mode == liveUpsert {
				e.ID = webevents.EventID(pick.IntN(events))
				ops[i] = storage.WriteOp{Kind: storage.OpUpsert, Doc: e.Value()}
				continue
			}
			e.ID = prefix + fmt.Sprint(docs+int64(i))
			ops[i] = storage.WriteOp{Kind: storage.OpInsert, Doc: e.Value()}
		}
		t0 := time.Now()
		if err = writeBatch(ctx, eng, qbEvents, ops); err != nil {
			break
		}
		lats = append(lats, time.Since(t0))
		docs += int64(batch)
		w.once.Do(func() { close(w.started) })
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.docs += docs
	w.lats = append(w.lats, lats...)
	if err != nil && w.err == nil {
		w.err = err
	}
}

// stop ends the writer, waits for it and returns what it did.
func (w *liveWriter) stop() liveStat {
	close(w.quit)
	w.wg.Wait()
	el := time.Since(w.begin)
	w.mu.Lock()
	defer w.mu.Unlock()
	slices.Sort(w.lats)
	st := w.stat
	st.Docs = w.docs
	st.Seconds = el.Seconds()
	st.DocsPerSec = float64(w.docs) / el.Seconds()
	st.P50MS = ms(percentile(w.lats, 0.50))
	st.P99MS = ms(percentile(w.lats, 0.99))
	if w.err != nil {
		st.Err = w.err.Error()
	}
	return st
}
