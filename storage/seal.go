package storage

import (
	"cmp"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"runtime"
	"runtime/pprof"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/basaltdb/basalt/coldata"
	"github.com/basaltdb/basalt/index"
	"github.com/basaltdb/basalt/storage/encoding"
	"github.com/basaltdb/basalt/storage/kv"
	"github.com/basaltdb/basalt/storage/segment"
	"github.com/basaltdb/basalt/types"
	"github.com/cockroachdb/pebble/v2"
)

type sealJob struct {
	c *collection
	h *segHandle
}

// sealer turns frozen mutable segments into segment files, one at a time,
// in the background.
type sealer struct {
	e      *Engine
	mu     sync.Mutex
	queue  []sealJob
	notify chan struct{}
	quit   chan struct{}
	done   chan struct{}
	idle   *sync.Cond
	busy   bool

	// waiting counts the committers that wait for the sealer
	// (collection.waitForSealer), and boost tells a segment write under
	// way that one started: see boostWorker.
	waiting atomic.Int32
	boost   chan struct{}
	// foreground counts the queries running (Engine.Foreground).
	foreground atomic.Int32
	// sealing is set while a seal runs: compactions wait for it.
	sealing atomic.Bool
	// beforeSeal, when set (tests), runs before each seal job, and
	// afterRecord once a seal's record is durable, before its swap.
	beforeSeal, afterRecord func()
}

func newSealer(e *Engine) *sealer {
	s := &sealer{e: e, notify: make(chan struct{}, 1), quit: make(chan struct{}), done: make(chan struct{}), boost: make(chan struct{}, 1)}
	s.idle = sync.NewCond(&s.mu)
	return s
}

// startWaiting and stopWaiting bracket a committer's wait for the sealer.
func (s *sealer) startWaiting() {
	s.waiting.Add(1)
	select {
	case s.boost <- struct{}{}:
	default:
	}
}

func (s *sealer) stopWaiting() { s.waiting.Add(-1) }

// backlog reports whether more frozen segments wait behind the one being
// sealed.
func (s *sealer) backlog() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.queue) > 0
}

// Foreground marks a query as running until done is called: segment
// writes in the background yield the CPU to it (sealer.yield).
func (e *Engine) Foreground() (done func()) {
	e.sealer.foreground.Add(1)
	var once sync.Once
	return func() { once.Do(func() { e.sealer.foreground.Add(-1) }) }
}

// yieldStep is how long a yielding worker sleeps before looking again, and
// yieldPerSegment how long a seal may yield in all, yieldPerCompaction a
// compaction.
const (
	yieldStep          = time.Millisecond
	yieldPerSegment    = 2 * time.Second
	yieldPerCompaction = 10 * time.Second
)

// yield pauses a worker of a segment write while queries run, until they
// end or the write's budget (nanoseconds, shared by its workers) is spent,
// and never while committers wait for the sealer. On two cores a seal took
// a core from the queries for a second or two every few seconds: under
// 10,000 upserts/s a query over all events ran at up to twice its idle
// latency when it met one. At that rate the sealer has seconds to spare.
//
// A compaction (toSeals) also yields to a seal under way: each leaves a
// core to the writers, and the two at once took both (Kafka data latency
// under the mixed and patch workloads, where compactions run every few
// seconds, met commits of 100-200 ms then).
func (s *sealer) yield(budget *atomic.Int64, toSeals bool) {
	var slept time.Duration
	for (s.foreground.Load() > 0 || toSeals && s.sealing.Load()) && s.waiting.Load() == 0 && budget.Load() > 0 {
		time.Sleep(yieldStep)
		budget.Add(-int64(yieldStep))
		slept += yieldStep
	}
	if slept > 0 {
		s.e.metrics.sealYield.Add(slept.Seconds())
	}
}

// boostWorker runs work, one more worker of a segment write, if and once
// a committer waits for the sealer before stop closes. A seal leaves a core
// to the writers (see writeSegment), but while they wait for it that core
// idles: on two cores a Kafka backlog ran at 1.0-1.3 cores for the last
// half second of every seal.
func (s *sealer) boostWorker(stop <-chan struct{}, work func()) {
	for {
		select {
		case <-stop:
			return
		case <-s.boost:
			if s.waiting.Load() > 0 {
				s.e.metrics.sealBoosts.Inc()
				work()
				return
			}
		}
	}
}

func (s *sealer) enqueue(j sealJob) {
	s.mu.Lock()
	s.queue = append(s.queue, j)
	s.mu.Unlock()
	select {
	case s.notify <- struct{}{}:
	default:
	}
}

func (s *sealer) run() {
	defer close(s.done)
	for {
		s.mu.Lock()
		if len(s.queue) == 0 {
			s.busy = false
			s.idle.Broadcast()
			s.mu.Unlock()
			select {
			case <-s.notify:
				continue
			case <-s.quit:
				return
			}
		}
		j := s.queue[0]
		s.queue = s.queue[1:]
		s.busy = true
		s.mu.Unlock()
		if j.c.dropped.Load() {
			j.c.releaseSeal(j.h)
			continue
		}
		if s.beforeSeal != nil {
			s.beforeSeal()
		}
		s.sealing.Store(true)
		err := s.e.seal(j.c, j.h)
		s.sealing.Store(false)
		if err != nil {
			s.e.log.Error("seal failed; will retry", "collection", j.c.meta.Name, "segment", j.h.id, "err", err)
			select {
			case <-time.After(time.Second):
			case <-s.quit:
				return
			}
			s.enqueue(j)
		}
	}
}

// wait blocks until the queue is empty and nothing is being sealed.
func (s *sealer) wait() {
	s.mu.Lock()
	for len(s.queue) > 0 || s.busy {
		s.idle.Wait()
	}
	s.mu.Unlock()
}

// releaseSeal takes a frozen segment out of the pending seals, once: when
// its seal has encoded everything (what is left, writing the file's end
// and swapping it in, is I/O), when it is swapped in, or when its
// collection is dropped.
func (c *collection) releaseSeal(h *segHandle) {
	if h.sealReleased.CompareAndSwap(false, true) {
		c.sealFinished()
	}
}

func (c *collection) sealFinished() {
	c.mu.Lock()
	c.pendingSeals--
	c.mu.Unlock()
	select {
	case c.sealDone <- struct{}{}:
	default:
	}
}

// segmentRecord is the value of a segment key.
func segmentRecord(partition int64, rows int) []byte {
	b := []byte{1}
	b = binary.AppendVarint(b, partition)
	return binary.AppendUvarint(b, uint64(rows))
}

func decodeSegmentRecord(b []byte) (partition int64, rows int, err error) {
	if len(b) == 0 || b[0] != 1 {
		return 0, 0, fmt.Errorf("unknown segment record version")
	}
	p, n := binary.Varint(b[1:])
	if n <= 0 {
		return 0, 0, fmt.Errorf("corrupt segment record")
	}
	r, m := binary.Uvarint(b[1+n:])
	if m <= 0 {
		return 0, 0, fmt.Errorf("corrupt segment record")
	}
	return p, int(r), nil
}

// rowSource is one input row of a segment being written.
type rowSource struct {
	in  int
	row int
}

// segmentSource says where the rows of a segment being written come from.
type segmentSource struct {
	inputs []segReader
	srcs   []rowSource
	rowIDs []uint64
	// doc returns the binary document of one source row, valid until the
	// next call.
	doc func(src rowSource, rowid uint64) ([]byte, error)
	// index, when set, writes the inverted index (the mutable segment's,
	// reused when sealing); otherwise the writer builds it from the values.
	index func(w *segment.Writer) error
	// stable says the inputs' strings outlive the write (a frozen mutable
	// segment's arena), so the writer need not copy them.
	stable bool
	// sealing says the segment is written on the ingest path, where column
	// blocks trade a little size for speed (encoding.CodecS2); compaction
	// rewrites them with zstd.
	sealing bool
	// encoded, when set, is called once every column and the row section
	// are encoded, before the file's end is written and synced.
	encoded func()
}

// writeSegment writes the rows of src, in order, as the segment file for
// segid, and opens it.
func (e *Engine) writeSegment(c *collection, segid uint64, src segmentSource) (r *segment.Reader, err error) {
	// The label tells seals from compactions in CPU profiles (pprof
	// -tagfocus segment_write=compaction); the workers inherit it.
	kind := "compaction"
	if src.sealing {
		kind = "seal"
	}
	pprof.Do(context.Background(), pprof.Labels("segment_write", kind), func(context.Context) {
		r, err = e.writeSegmentFile(c, segid, src)
	})
	return r, err
}

func (e *Engine) writeSegmentFile(c *collection, segid uint64, src segmentSource) (*segment.Reader, error) {
	name := c.segmentFile(segid)
	if err := mkdirAllSynced(e.opts.FS, c.segDir); err != nil {
		return nil, fmt.Errorf("create segment directory: %w", err)
	}
	w, err := segment.Create(e.opts.FS, name)
	if err != nil {
		return nil, err
	}
	if src.sealing {
		w.ColumnCodec(encoding.CodecS2)
	}
	if e.sealer != nil {
		// Small synced steps keep each commit's sync short (see
		// segment.Writer.PaceSyncs), but make the seal wait for the disk: not
		// while more segments wait to be sealed.
		w.PaceSyncs(func() bool { return !e.sealer.backlog() })
	}
	fail := func(err error) (*segment.Reader, error) {
		w.Abort()
		return nil, err
	}
	paths := map[string]bool{}
	for _, in := range src.inputs {
		for _, f := range in.Fields(math.MaxInt) {
			paths[f.Path] = true
		}
	}
	sorted := make([]string, 0, len(paths))
	for p := range paths {
		sorted = append(sorted, p)
	}
	slices.Sort(sorted)
	// Columns are independent: encode them on every core, and the row
	// section alongside, then write them in path order. Sealing was the
	// ingest bottleneck with one core busy and the other half idle.
	type encoded struct {
		col          *segment.Column
		minET, maxET int64
		err          error
	}
	results := make([]chan encoded, len(sorted))
	for i := range results {
		results[i] = make(chan encoded, 1)
	}
	// runEnd[k] is the first source row after k that comes from another
	// input block: a column absent from a block skips the whole run at
	// once, so a sparse column costs per block, not per row.
	runEnd := make([]int, len(src.srcs))
	for k := len(src.srcs) - 1; k >= 0; k-- {
		s := src.srcs[k]
		if k+1 < len(src.srcs) && src.srcs[k+1].in == s.in && src.srcs[k+1].row/index.BlockRows == s.row/index.BlockRows {
			runEnd[k] = runEnd[k+1]
		} else {
			runEnd[k] = k + 1
		}
	}
	// A segment write yields to queries (sealer.yield) between columns,
	// between blocks of a long column, and every 4,096 rows of the row
	// section.
	var yieldBudget atomic.Int64
	yieldBudget.Store(int64(yieldPerSegment))
	if !src.sealing {
		yieldBudget.Store(int64(yieldPerCompaction))
	}
	yield := func() {
		if e.sealer != nil {
			e.sealer.yield(&yieldBudget, !src.sealing)
		}
	}
	// kept[in][block] are the rows of an input block that the segment
	// keeps (ascending, from 0 at the block's first row), built once.
	var keptOnce sync.Once
	var kept [][][]int
	keptRows := func() [][][]int {
		keptOnce.Do(func() {
			kept = make([][][]int, len(src.inputs))
			for i, in := range src.inputs {
				kept[i] = make([][]int, (in.NumRows()+index.BlockRows-1)/index.BlockRows)
			}
			for _, s := range src.srcs {
				b := s.row / index.BlockRows
				kept[s.in][b] = append(kept[s.in][b], s.row-b*index.BlockRows)
			}
		})
		return kept
	}
	var next atomic.Int64
	var failed atomic.Bool
	var encodeSparse func(col *segment.Column, path string, out encoded) encoded
	encode := func(path string) encoded {
		type cursor struct {
			block int
			vec   coldata.Vec
		}
		curs := make([]cursor, len(src.inputs))
		for i := range curs {
			curs[i].block = -1
		}
		col := w.NewColumn(path, src.index == nil)
		if src.stable {
			col.StableStrings()
		}
		isET := path == FieldEventTime
		out := encoded{col: col, minET: math.MaxInt64, maxET: math.MinInt64}
		defined := make([][]int, len(src.inputs))
		total := 0
		for i, in := range src.inputs {
			defined[i] = in.DefinedPerBlock(path)
			for _, d := range defined[i] {
				total += d
			}
		}
		// A path in at most one row in 16 is kept sparse: its rows and
		// values only, not blocks of mostly undefined rows; and read the
		// same way, from its defined values.
		if total*16 <= len(src.srcs) && total <= segment.MaxSparseValues {
			col.Sparse()
			return encodeSparse(col, path, out)
		}
		for k := 0; k < len(src.srcs); k++ {
			if k%index.BlockRows == 0 && k > 0 {
				// A column of arrays (RockBench's Tags) took over
				// 100 ms on a core a query had to share.
				yield()
			}
			s := src.srcs[k]
			b := s.row / index.BlockRows
			if b >= len(defined[s.in]) || defined[s.in][b] == 0 {
				// The input block lacks the path: append the run of
				// rows that come from it as undefined, unread.
				col.AppendUndefined(runEnd[k] - k)
				k = runEnd[k] - 1
				continue
			}
			cur := &curs[s.in]
			if b != cur.block {
				var err error
				if f, ok := src.inputs[s.in].(sealedReader); ok {
					// Decode the rows kept alone: a compaction's inputs
					// are often half deleted or more. A fresh decoder per
					// block: the column keeps arrays and objects as they
					// are decoded (strings it copies), aliasing the
					// decoder's memory, until its own block is full.
					var dec encoding.Decoder
					err = f.ReadBlockRowsOnce(path, b, keptRows()[s.in][b], &dec, &cur.vec)
				} else {
					// Read the whole block; the column copies values out.
					lo := b * index.BlockRows
					err = readRange(src.inputs[s.in], path, lo, lo+index.BlockRows, &cur.vec)
				}
				if err != nil {
					out.err = err
					return out
				}
				cur.block = b
			}
			v := cur.vec.Value(s.row - b*index.BlockRows)
			if isET {
				out.minET = min(out.minET, v.Micros())
				out.maxET = max(out.maxET, v.Micros())
			}
			col.Append(v)
		}
		out.err = col.Finish()
		return out
	}
	// outIdx[in][row] is the output row of an input row (-1: dropped),
	// built once, for sparse columns.
	var outIdxOnce sync.Once
	var outIdx [][]int32
	outputRows := func() [][]int32 {
		outIdxOnce.Do(func() {
			outIdx = make([][]int32, len(src.inputs))
			for i, in := range src.inputs {
				outIdx[i] = make([]int32, in.NumRows())
				for r := range outIdx[i] {
					outIdx[i][r] = -1
				}
			}
			for k, s := range src.srcs {
				outIdx[s.in][s.row] = int32(k)
			}
		})
		return outIdx
	}
	encodeSparse = func(col *segment.Column, path string, out encoded) encoded {
		type pair struct {
			k int32
			v types.Value
		}
		var pairs []pair
		idx := outputRows()
		for i, in := range src.inputs {
			rows, vals, err := in.DefinedValues(path)
			if err != nil {
				out.err = err
				return out
			}
			for j, r := range rows {
				if int(r) < len(idx[i]) {
					if k := idx[i][r]; k >= 0 {
						pairs = append(pairs, pair{k, vals[j]})
					}
				}
			}
		}
		if len(src.inputs) > 1 {
			slices.SortFunc(pairs, func(a, b pair) int { return cmp.Compare(a.k, b.k) })
		}
		for _, p := range pairs {
			col.AppendUndefined(int(p.k) - col.Rows())
			if path == FieldEventTime {
				out.minET = min(out.minET, p.v.Micros())
				out.maxET = max(out.maxET, p.v.Micros())
			}
			col.Append(p.v)
		}
		col.AppendUndefined(len(src.srcs) - col.Rows())
		out.err = col.Finish()
		return out
	}
	// The row section is one more task for the same workers, taken first
	// as it is the longest. Sealing leaves a core to the rest: on two
	// cores a seal that took both kept the committer — every writer's
	// path — waiting to run for seconds (data latency p99 of 1 s at 13k
	// docs/s with 30% replaces), while one core seals 40k rows/s.
	rowsErr := make(chan error, 1)
	encodeRows := func() {
		for i, s := range src.srcs {
			if failed.Load() {
				rowsErr <- errAbandoned
				return
			}
			if i%4096 == 0 {
				yield()
			}
			doc, err := src.doc(s, src.rowIDs[i])
			if err == nil {
				err = w.AddRow(doc)
			}
			if err != nil {
				failed.Store(true)
				rowsErr <- err
				return
			}
		}
		rowsErr <- nil
	}
	// Columns are encoded longest first, so that the last ones to finish
	// are short: in path order a segment of RockBench documents ended with
	// its longest column (Tags: arrays, every element indexed) alone on
	// one core for a quarter of a second while the writers waited.
	order := make([]int, len(sorted))
	costs := make([]int64, len(sorted))
	for i, p := range sorted {
		order[i], costs[i] = i, encodeCost(src.inputs, p)
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(costs[b], costs[a]) })
	work := func() {
		for {
			yield()
			t := int(next.Add(1) - 1)
			if t == 0 {
				encodeRows()
				continue
			}
			if t-1 >= len(order) {
				return
			}
			i := order[t-1]
			if failed.Load() {
				results[i] <- encoded{err: errAbandoned}
				continue
			}
			r := encode(sorted[i])
			if r.err != nil {
				failed.Store(true)
			}
			results[i] <- r
		}
	}
	// A seal leaves a core to the writers, unless more frozen segments
	// wait behind it: the writers are ahead, and soon wait for the
	// sealer anyway. Over 5 million documents that kept the sealer from
	// falling four segments behind (74-78 waits of the writers): write
	// p99 303-307 ms -> 131-137 ms, RSS 1,813-1,900 -> 1,652-1,726 MiB.
	spare := 1
	if src.sealing && e.sealer != nil && e.sealer.backlog() {
		spare = 0
		e.metrics.sealBacklog.Inc()
	}
	workers := max(1, min(runtime.GOMAXPROCS(0)-spare, len(sorted)+1))
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			work()
		}()
	}
	stopBoost := make(chan struct{})
	if src.sealing && e.sealer != nil {
		wg.Add(1)
		go func() {
			defer wg.Done()
			e.sealer.boostWorker(stopBoost, work)
		}()
	}
	minET, maxET := int64(math.MaxInt64), int64(math.MinInt64)
	var werr error
	for i := range sorted {
		r := <-results[i]
		if werr != nil {
			continue // drain: every result is delivered
		}
		if r.err != nil {
			werr = r.err
		} else {
			minET, maxET = min(minET, r.minET), max(maxET, r.maxET)
			werr = w.WriteColumn(r.col)
		}
		if werr != nil {
			failed.Store(true)
		}
	}
	close(stopBoost)
	wg.Wait()
	if rerr := <-rowsErr; werr == nil || errors.Is(werr, errAbandoned) {
		if rerr != nil && !errors.Is(rerr, errAbandoned) {
			werr = rerr
		} else if werr == nil {
			werr = rerr
		}
	}
	if werr != nil {
		return fail(werr)
	}
	if src.encoded != nil {
		src.encoded()
	}
	if src.index != nil {
		if err := src.index(w); err != nil {
			return fail(err)
		}
	}
	if _, err := w.Finish(segment.Meta{Rows: len(src.srcs), MinEventTime: minET, MaxEventTime: maxET, RowIDs: src.rowIDs}); err != nil {
		return nil, err
	}
	return e.openSegment(name)
}

// encodeCost estimates the work of encoding a path's column from its
// inputs: per value, and per byte of its strings and nested values where
// an input knows them (a mutable segment), three times over for arrays and
// objects, whose elements are indexed one by one.
func encodeCost(inputs []segReader, path string) int64 {
	var cost int64
	for _, in := range inputs {
		kinds, ok := in.FieldKinds(path)
		if !ok {
			continue
		}
		var n uint64
		for k, c := range kinds {
			if types.Kind(k) != types.KindUndefined {
				n += c
			}
		}
		nested := int64(kinds[types.KindArray] + kinds[types.KindObject])
		cost += 16 * int64(n)
		if sz, ok := in.(interface{ ColumnBytes(string) int64 }); ok {
			b := sz.ColumnBytes(path)
			if nested > 0 {
				b *= 3
			}
			cost += b
		} else {
			cost += 256 * nested
		}
	}
	return cost
}

// openSegment opens a segment file, reading through the engine's block
// cache.
func (e *Engine) openSegment(name string) (*segment.Reader, error) {
	r, err := segment.Open(e.opts.FS, name)
	if err == nil && e.blocks != nil {
		r.UseBlockCache(e.blocks)
	}
	return r, err
}

// errAbandoned stops the other goroutines of a segment write that failed.
var errAbandoned = errors.New("segment write abandoned")

// readRange reads rows [lo, min(hi, rows)) of a column.
func readRange(r segReader, path string, lo, hi int, dst *coldata.Vec) error {
	return r.ReadColumn(path, lo, min(hi, r.NumRows()), dst)
}

// seal writes a frozen mutable segment as a segment file, without the rows
// deleted so far, and swaps it in.
func (e *Engine) seal(c *collection, h *segHandle) error {
	start := time.Now()
	c.mu.RLock()
	n := h.visible
	entries := h.dels.entries
	nd := len(entries)
	rowIDs := h.rowIDs[:n:n]
	closed := c.kvSnap == nil // closeSegments ran: the engine is closing
	c.mu.RUnlock()
	if closed {
		return ErrClosed
	}
	del := h.dels.bitmap(entries, nd)

	keep := make([]int32, n)
	var srcs []rowSource
	var keptIDs, dropped []uint64
	for r := 0; r < n; r++ {
		if del.Contains(uint32(r)) {
			keep[r] = -1
			dropped = append(dropped, rowIDs[r])
			continue
		}
		keep[r] = int32(len(srcs))
		srcs = append(srcs, rowSource{row: r})
		keptIDs = append(keptIDs, rowIDs[r])
	}
	var nh *segHandle
	segid := c.nextSegID.Add(1)
	if len(srcs) > 0 {
		// The mutable segment stores its rows' values: the documents.
		r, err := e.writeSegment(c, segid, segmentSource{
			inputs:  []segReader{h.reader},
			srcs:    srcs,
			rowIDs:  keptIDs,
			stable:  true,
			sealing: true,
			// Writers may go on once the CPU work is done: waiting for the
			// file's sync and swap too left a core idle at the end of
			// every seal under backpressure.
			encoded: func() { c.releaseSeal(h) },
			doc: func(s rowSource, rowid uint64) ([]byte, error) {
				v, ok := h.mem.Stored(s.row)
				if !ok {
					return nil, fmt.Errorf("row %d has no stored value", rowid)
				}
				return rowBinary(v)
			},
		})
		if err != nil {
			return fmt.Errorf("seal segment %d: %w", h.id, err)
		}
		nh = e.sealedHandle(c, segid, h.partition, r)
	}

	b := e.db.NewBatch()
	defer b.Close()
	// Rows deleted since the freeze have deletion marks; the segment file
	// leaves them out, so the marks go.
	var key []byte // the batch copies it
	for _, en := range entries[:nd] {
		if en.seq > h.frozenSeq {
			key = kv.DeleteKey(key[:0], c.id, rowIDs[en.row])
			b.Delete(key, nil)
		}
	}
	// The segment file now holds the documents: once this batch is
	// durable, the row log need not keep them. The mark is taken before
	// the batch is synced, without the lock the committer publishes with:
	// a synced commit takes 5-60 ms while ingest writes, and held under
	// the lock it stalled every write once a seal (a Kafka data latency
	// sample of 124 ms). Meanwhile rows only come after it (other mutable
	// segments, newer rows), so the mark stays a lower bound of the rows
	// in no sealed segment; and no one else swaps h out (retention and
	// compaction take sealed segments only, and Close waits for the
	// sealer), except a drop of the collection, checked below.
	c.mu.RLock()
	lowWater := c.lowWater(h)
	c.mu.RUnlock()
	if nh != nil {
		b.Set(kv.SegmentKey(nil, c.id, segid), segmentRecord(h.partition, len(srcs)), nil)
	}
	b.Set(kv.LowWaterKey(c.id), kv.PutUvarint(lowWater), nil)
	abandon := func() {
		if nh != nil {
			nh.file.Close()
			_ = e.opts.FS.Remove(c.segmentFile(segid))
		}
	}
	if c.dropped.Load() {
		abandon()
		c.releaseSeal(h)
		return nil
	}
	if err := b.Commit(pebble.Sync); err != nil {
		abandon()
		return fmt.Errorf("seal segment %d: record: %w", h.id, err)
	}
	if e.sealer.afterRecord != nil {
		e.sealer.afterRecord()
	}
	c.mu.Lock()
	if c.kvSnap == nil {
		// Dropped meanwhile: its segments are closed and its keys gone,
		// but for this batch's two if the drop deleted the collection's
		// keys before the batch committed (left under an id never
		// reused, as before the record was synced outside the lock).
		c.mu.Unlock()
		abandon()
		c.releaseSeal(h)
		return nil
	}
	if nh != nil {
		// Rows deleted since the entries were read: their marks stay in
		// the store, and carry over to the new segment in memory.
		for _, en := range h.dels.entries[nd:] {
			if k := keep[en.row]; k >= 0 {
				nh.dels.entries = append(nh.dels.entries, delEntry{row: uint32(k), seq: en.seq})
			}
		}
	}
	var repl []*segHandle
	if nh != nil {
		repl = append(repl, nh)
	}
	c.replaceSegments([]*segHandle{h}, repl)
	c.mu.Unlock()
	unrefSegments([]*segHandle{h})
	c.releaseSeal(h)
	if err := c.log.Release(lowWater); err != nil {
		// The files stay; the next release or start removes them.
		e.log.Warn("release row log", "collection", c.meta.Name, "err", err)
	}
	e.metrics.seals.Inc()
	e.metrics.sealRows.Add(float64(len(srcs)))
	e.metrics.sealSeconds.Observe(time.Since(start).Seconds())
	e.log.Debug("sealed segment", "collection", c.meta.Name, "rows", len(srcs), "dropped", len(dropped), "segment", segid, "took", time.Since(start))
	return nil
}

// sealedHandle wraps an opened segment file.
func (e *Engine) sealedHandle(c *collection, segid uint64, partition int64, r *segment.Reader) *segHandle {
	h := &segHandle{id: segid, partition: partition, file: r, reader: sealedReader{r}, visible: r.NumRows(), rowIDs: r.RowIDs()}
	h.onFree = func(h *segHandle) {
		h.file.Close()
		if !h.obsolete.Load() {
			return // released by Close or a drop, not replaced
		}
		if err := e.opts.FS.Remove(h.file.Name()); err != nil {
			e.log.Warn("remove obsolete segment file", "file", h.file.Name(), "err", err)
		}
	}
	h.ref()
	return h
}
