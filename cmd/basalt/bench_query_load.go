package main

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/basaltdb/basalt/catalog"
	"github.com/basaltdb/basalt/internal/rockbench"
	"github.com/basaltdb/basalt/internal/webevents"
	"github.com/basaltdb/basalt/storage"
	"github.com/basaltdb/basalt/types"
)

// loadBatch is how many documents one eng.Write carries while loading (the
// size `basalt bench ingest` defaults to).
const loadBatch = 1000

// loadWriters is how many goroutines call eng.Write while one generates:
// preparing a request (encoding, _event_time) runs in the caller's
// goroutine, so two writers keep both cores busy.
const loadWriters = 2

// loadStat is what loading one collection took.
type loadStat struct {
	Collection string        `json:"collection"`
	Docs       int           `json:"docs"`
	Elapsed    time.Duration `json:"-"`
	Seconds    float64       `json:"seconds"`
	DocsPerSec float64       `json:"docs_per_sec"`
}

// collStat describes a collection once loaded and flushed.
type collStat struct {
	Collection      string `json:"collection"`
	Docs            int64  `json:"docs"`
	Segments        int    `json:"segments"`
	MutableSegments int    `json:"mutable_segments"`
	MutableRows     int64  `json:"mutable_rows"`
	Bytes           int64  `json:"bytes"`
}

// createCollections creates the benchmark's collections. events map their
// `timestamp` field to _event_time, in one-hour partitions so a last-hour
// query can skip whole partitions.
func createCollections(eng *storage.Engine) error {
	specs := []catalog.CollectionSpec{
		{Name: qbEvents, Description: "web events (basalt bench query)",
			EventTimeInfo:       &catalog.EventTimeInfo{Field: "timestamp"},
			PartitionResolution: time.Hour},
		{Name: qbUsers, Description: "users dimension (basalt bench query)"},
		{Name: qbRockbench, Description: "RockBench documents (basalt bench query)"},
		{Name: qbMeta, Description: "parameters of the loaded benchmark data"},
	}
	for _, s := range specs {
		if _, err := eng.CreateCollection(catalog.DefaultWorkspace, s); err != nil {
			if errors.Is(err, catalog.ErrAlreadyExists) {
				return fmt.Errorf("create collection %s: %w (load into an empty --data-dir, or pass --reuse)", s.Name, err)
			}
			return fmt.Errorf("create collection %s: %w", s.Name, err)
		}
	}
	return nil
}

// writeAll writes the batches gen produces with loadWriters writers. gen
// sends batches on ch and returns; its error, or the first write error, is
// returned.
func writeAll(ctx context.Context, eng *storage.Engine, coll string, gen func(ctx context.Context, ch chan<- []storage.WriteOp) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	ch := make(chan []storage.WriteOp, loadWriters*2)
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
	)
	fail := func(err error) {
		mu.Lock()
		if first == nil {
			first = err
		}
		mu.Unlock()
		cancel()
	}
	for range loadWriters {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ops := range ch {
				if err := writeBatch(ctx, eng, coll, ops); err != nil {
					fail(err)
					// Drain so the generator never blocks.
					for range ch {
					}
					return
				}
			}
		}()
	}
	if err := gen(ctx, ch); err != nil && ctx.Err() == nil {
		fail(err)
	}
	close(ch)
	wg.Wait()
	return first
}

func writeBatch(ctx context.Context, eng *storage.Engine, coll string, ops []storage.WriteOp) error {
	res, _, err := eng.Write(ctx, catalog.DefaultWorkspace, coll, ops)
	if err != nil {
		return fmt.Errorf("write %s: %w", coll, err)
	}
	for _, r := range res {
		if r.Err != nil {
			return fmt.Errorf("write %s: document %q: %s", coll, r.ID, r.Err.Message)
		}
	}
	return nil
}

func send(ctx context.Context, ch chan<- []storage.WriteOp, ops []storage.WriteOp) error {
	select {
	case ch <- ops:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// loadUsers writes the users dimension.
func loadUsers(ctx context.Context, eng *storage.Engine, cfg webevents.Config) error {
	return writeAll(ctx, eng, qbUsers, func(ctx context.Context, ch chan<- []storage.WriteOp) error {
		u := webevents.NewUsers(cfg)
		ops := make([]storage.WriteOp, 0, loadBatch)
		for {
			usr, ok := u.Next()
			if ok {
				ops = append(ops, storage.WriteOp{Kind: storage.OpInsert, Doc: usr.Value()})
			}
			if len(ops) == loadBatch || (!ok && len(ops) > 0) {
				if err := send(ctx, ch, ops); err != nil {
					return err
				}
				ops = make([]storage.WriteOp, 0, loadBatch)
			}
			if !ok {
				return nil
			}
		}
	})
}

// loadEvents writes cfg.Events events and returns the needles: the _id and
// session of an event two thirds of the way in (inside the last hour).
func loadEvents(ctx context.Context, eng *storage.Engine, cfg webevents.Config) (needleID, needleSession string, err error) {
	k := cfg.Events * 2 / 3
	err = writeAll(ctx, eng, qbEvents, func(ctx context.Context, ch chan<- []storage.WriteOp) error {
		g := webevents.New(cfg)
		ops := make([]storage.WriteOp, 0, loadBatch)
		for i := 0; i < cfg.Events; i++ {
			e := g.Next()
			if i == k {
				needleID, needleSession = e.ID, e.SessionID
			}
			ops = append(ops, storage.WriteOp{Kind: storage.OpInsert, Doc: e.Value()})
			if len(ops) == loadBatch || i == cfg.Events-1 {
				if err := send(ctx, ch, ops); err != nil {
					return err
				}
				ops = make([]storage.WriteOp, 0, loadBatch)
			}
		}
		return nil
	})
	return needleID, needleSession, err
}

// rockbenchRand is the RockBench generator's random source, so tests can
// regenerate the same documents.
func rockbenchRand(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 0x40cb)) }

// loadRockbench writes n RockBench documents with _event_time spread over
// the events' span.
func loadRockbench(ctx context.Context, eng *storage.Engine, n int, seed uint64, cfg webevents.Config) error {
	start, span := cfg.Start().UnixMicro(), cfg.Span.Microseconds()
	return writeAll(ctx, eng, qbRockbench, func(ctx context.Context, ch chan<- []storage.WriteOp) error {
		rng := rockbenchRand(seed)
		for i := 0; i < n; i += loadBatch {
			dec := types.NewDecoder(eng.Limits())
			ops := make([]storage.WriteOp, 0, loadBatch)
			for j := i; j < min(n, i+loadBatch); j++ {
				// A fresh buffer per document: decoded strings may
				// point into it.
				buf := rockbench.AppendDoc(nil, rng, rockbench.ID(j), start+int64(float64(j)/float64(n)*float64(span)))
				v, err := dec.Decode(buf)
				if err != nil {
					return fmt.Errorf("decode RockBench document %d: %w", j, err)
				}
				ops = append(ops, storage.WriteOp{Kind: storage.OpInsert, Doc: v})
			}
			if err := send(ctx, ch, ops); err != nil {
				return err
			}
		}
		return nil
	})
}

// statCollection reports a collection's documents, segments and how much
// of it is still in mutable segments.
func statCollection(eng *storage.Engine, coll string) (collStat, error) {
	st, err := eng.Stats(catalog.DefaultWorkspace, coll)
	if err != nil {
		return collStat{}, err
	}
	cs := collStat{Collection: coll, Docs: st.DocCount, Segments: st.Segments, MutableSegments: st.Mutable, Bytes: st.TotalBytes}
	snap, err := eng.Snapshot(catalog.DefaultWorkspace, coll)
	if err != nil {
		return collStat{}, err
	}
	defer snap.Close()
	for _, v := range snap.Segments() {
		if !v.Sealed() {
			cs.MutableRows += int64(v.LiveRows())
		}
	}
	return cs, nil
}
