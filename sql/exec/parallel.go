package exec

import (
	"context"
	"runtime"
	"runtime/debug"
	"sync"

	"github.com/basaltdb/basalt/sql/plan"
	"github.com/basaltdb/basalt/sql/sqlerr"
	"github.com/basaltdb/basalt/storage"
	"github.com/basaltdb/basalt/types"
)

// runWorkers calls work(w, item) for items 0…items-1, handing each item to
// the next free of workers goroutines (w is the worker's index, so each can
// keep its own state). It stops handing out items after the first error or
// when ctx ends, and returns that error. Worker 0 is the caller's goroutine.
func runWorkers(ctx context.Context, workers, items int, work func(w, item int) error) error {
	var (
		mu    sync.Mutex
		next  int
		first error
	)
	take := func() int {
		mu.Lock()
		defer mu.Unlock()
		if next >= items || first != nil || ctx.Err() != nil {
			return -1
		}
		next++
		return next - 1
	}
	fail := func(err error) {
		mu.Lock()
		defer mu.Unlock()
		if first == nil {
			first = err
		}
	}
	loop := func(w int) {
		for it := take(); it >= 0; it = take() {
			if err := work(w, it); err != nil {
				fail(err)
				return
			}
		}
	}
	// The caller is worker 0: it is running already, where a goroutine of
	// its own has to be scheduled first, which on two busy cores (a query
	// under ingest) can cost more than a small query's work.
	// A panic in another goroutine would not reach Query.Run's recover,
	// and one in the caller's must not leave the others running on.
	guarded := func(w int) {
		defer func() {
			if r := recover(); r != nil {
				fail(sqlerr.New(sqlerr.Internal, "internal error: %v\n%s", r, debug.Stack()))
			}
		}()
		loop(w)
	}
	var wg sync.WaitGroup
	for w := 1; w < min(workers, items); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			guarded(w)
		}()
	}
	guarded(0)
	wg.Wait()
	if first != nil {
		return first
	}
	return ctx.Err()
}

// scanAll reads every row a scan yields, its segments read by a worker per
// core, and returns them owned and in snapshot order (segment by segment),
// as a serial scan would. ok is false when the scan is not one segments
// can share (an `_id` lookup, a LIMIT, a subquery in its filter).
//
// With keep (a fingerprint of the scan: scanFingerprint), the rows of each
// whole sealed segment are kept in the build cache and read from there by
// the next scan alike, less the rows deleted since: a sealed segment's rows
// never change, only its deletions grow. A join whose build side takes
// writes (a fact table under ingest) then reads only the mutable segment.
func (q *Query) scanAll(ctx context.Context, op Operator, keep string) (rows []Row, ok bool, err error) {
	c, isCounting := op.(*counting)
	if !isCounting {
		return nil, false, nil
	}
	s, isScan := c.in.(*scanOp)
	if !isScan || s.n.IDs != nil || s.n.Limit > 0 || hasSubquery([]plan.Expr{s.n.Filter}) {
		return nil, false, nil
	}
	if err := s.init(ctx); err != nil {
		return nil, true, err
	}
	type worker struct {
		vf    *vecFilter
		row   Row
		st    NodeStats
		scans workerScan
	}
	parts := s.parts(runtime.GOMAXPROCS(0))
	ws := make([]*worker, max(1, min(runtime.GOMAXPROCS(0), len(parts))))
	for i := range ws {
		w := &worker{row: make(Row, len(s.cols))}
		if w.vf, err = s.compileVecFilter(q, s.n.Filter); err != nil {
			return nil, true, err
		}
		ws[i] = w
	}
	perPart := make([][]Row, len(parts))
	err = runWorkers(ctx, len(ws), len(parts), func(wi, part int) error {
		w := ws[wi]
		var pkey buildKey
		keepPart := keep != "" && parts[part].blocks == nil && parts[part].v.Sealed()
		if keepPart {
			pkey = partKey(s, keep, parts[part].v)
			if e := joinBuilds.get(pkey, storage.Version{}); e != nil && !e.part.usable(parts[part].v) {
				// Rows deleted since this older snapshot are not in
				// the kept ones: read them, and keep the newer.
				keepPart = false
			} else if e != nil {
				perPart[part] = e.part.live(parts[part].v)
				w.st.addScan(&e.stats)
				w.st.SegmentsKept++
				joinBuilds.segmentHit()
				return q.mem.grow(e.bytes)
			}
		}
		before := w.st
		sc, err := s.openPart(ctx, parts[part], &w.st, w.vf, &w.scans)
		if err != nil || sc == nil {
			return err
		}
		var out []Row
		var rowsAt []int32
		var size int64
		for {
			b, err := sc.Next(ctx)
			if err != nil {
				return err
			}
			if b == nil {
				break
			}
			w.st.BlocksRead++
			w.st.RowsScanned += int64(b.Selected())
			sel := b.Sel
			if w.vf != nil {
				if sel, err = w.vf.apply(b, func(i int) Row { s.fill(b, i, w.row); return w.row }); err != nil {
					return err
				}
			}
			n := len(sel)
			if sel == nil {
				n = b.Length
			}
			vals := make([]types.Value, n*len(s.cols))
			for k := 0; k < n; k++ {
				i := k
				if sel != nil {
					i = sel[k]
				}
				r := Row(vals[k*len(s.cols) : (k+1)*len(s.cols) : (k+1)*len(s.cols)])
				s.fill(b, i, r)
				out = append(out, r)
				if keepPart {
					rowsAt = append(rowsAt, int32(b.Start+i))
				}
			}
			owned := ownAll(vals)
			size += owned
			if err := q.mem.grow(owned); err != nil {
				return err
			}
		}
		perPart[part] = out
		if keepPart {
			st := w.st
			st.subScan(&before)
			joinBuilds.put(&buildEntry{key: pkey, part: &keptPart{rows: out, at: rowsAt, dels: parts[part].v.Deletions()}, bytes: size + 4*int64(len(rowsAt)), stats: st})
		}
		return nil
	})
	if err != nil {
		return nil, true, err
	}
	for _, w := range ws {
		s.st.addScan(&w.st)
	}
	for _, r := range perPart {
		rows = append(rows, r...)
	}
	c.st.Rows += int64(len(rows))
	return rows, true, nil
}

// addScan adds the scan counts of a worker's stats to st.
func (st *NodeStats) addScan(w *NodeStats) {
	st.SegmentsPruned += w.SegmentsPruned
	st.BlocksRead += w.BlocksRead
	st.RowsScanned += w.RowsScanned
	st.Rows += w.Rows
	st.SegmentsKept += w.SegmentsKept
}

// subScan takes the scan counts of w off st.
func (st *NodeStats) subScan(w *NodeStats) {
	st.SegmentsPruned -= w.SegmentsPruned
	st.BlocksRead -= w.BlocksRead
	st.RowsScanned -= w.RowsScanned
	st.Rows -= w.Rows
	st.SegmentsKept -= w.SegmentsKept
}

// newWorkers makes n workers of a fused operator with mk.
func newWorkers[W any](n int, mk func() (W, error)) ([]W, error) {
	ws := make([]W, n)
	for i := range ws {
		w, err := mk()
		if err != nil {
			return nil, err
		}
		ws[i] = w
	}
	return ws, nil
}
