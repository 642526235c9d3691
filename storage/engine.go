package storage

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/basaltdb/basalt/catalog"
	"github.com/basaltdb/basalt/storage/kv"
	"github.com/basaltdb/basalt/storage/rowlog"
	"github.com/basaltdb/basalt/storage/segment"
	"github.com/basaltdb/basalt/types"
	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/vfs"
)

// ErrDataDirInUse is returned when another process holds the data directory.
var ErrDataDirInUse = errors.New("data directory is in use by another Basalt process")

// Engine is the storage engine of one node: a catalog of collections, their
// segments and the Pebble store underneath.
type Engine struct {
	opts    Options
	log     *slog.Logger
	lock    io.Closer
	store   *kv.Store
	db      *pebble.DB
	cat     *catalog.Catalog
	segRoot string
	logRoot string // a row log directory per collection
	metrics *metrics
	sealer  *sealer
	// blocks keeps decompressed column blocks of the segment files; nil
	// when Options.BlockCacheBytes is negative.
	blocks *segment.BlockCache
	// readDecoders pools the decoders that read the documents patches and
	// merges modify (collection.prefetch), with their value memory.
	readDecoders sync.Pool

	mu    sync.RWMutex
	colls map[uint64]*collection

	// maintMu serializes maintenance rounds (the background loop and
	// explicit RunMaintenance calls): two rounds at once would compact the
	// same segments twice, duplicating their rows.
	maintMu sync.Mutex
	// afterCompactionRecord, a test hook, runs once a compaction's record
	// is durable, before its swap.
	afterCompactionRecord func()

	quit      chan struct{}
	wg        sync.WaitGroup
	closeOnce sync.Once
}

// Open opens (creating if needed) the engine in opts.Dir and recovers every
// collection.
func Open(opts Options) (*Engine, error) {
	opts.EnsureDefaults()
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	fs := opts.FS
	if err := mkdirAllSynced(fs, opts.Dir); err != nil {
		return nil, fmt.Errorf("create data directory %q: %w", opts.Dir, err)
	}
	lock, err := fs.Lock(fs.PathJoin(opts.Dir, "LOCK"))
	if err != nil {
		return nil, fmt.Errorf("%w: %q (%v)", ErrDataDirInUse, opts.Dir, err)
	}
	e := &Engine{
		opts:    opts,
		log:     opts.Logger,
		lock:    lock,
		segRoot: fs.PathJoin(opts.Dir, "segments"),
		logRoot: fs.PathJoin(opts.Dir, "rowlog"),
		colls:   map[uint64]*collection{},
		quit:    make(chan struct{}),
	}
	var cacheBytes func() int64
	if opts.BlockCacheBytes > 0 {
		e.blocks = segment.NewBlockCache(opts.BlockCacheBytes)
		cacheBytes = e.blocks.Bytes
	}
	e.metrics = newMetrics(opts.Registerer, cacheBytes, e.primaryKeyBytes, e.rowLogBytes)
	ok := false
	defer func() {
		if !ok {
			e.closeStores()
			e.metrics.unregister()
		}
	}()
	if err := mkdirAllSynced(fs, e.segRoot); err != nil {
		return nil, fmt.Errorf("create segment directory: %w", err)
	}
	if err := mkdirAllSynced(fs, e.logRoot); err != nil {
		return nil, fmt.Errorf("create row log directory: %w", err)
	}
	e.store, err = kv.Open(kv.Options{FS: fs, Dir: fs.PathJoin(opts.Dir, "kv"), Logger: opts.Logger, CacheBytes: opts.CacheBytes, MemTableBytes: opts.MemTableBytes})
	if err != nil {
		return nil, err
	}
	e.db = e.store.DB
	e.cat, err = catalog.Open(e.db, opts.Now)
	if err != nil {
		return nil, fmt.Errorf("open catalog: %w", err)
	}
	e.sealer = newSealer(e)
	for _, meta := range e.cat.Collections("") {
		c := newCollection(e, meta)
		if err := e.recover(c); err != nil {
			return nil, fmt.Errorf("recover collection %s.%s: %w", meta.Workspace, meta.Name, err)
		}
		e.colls[meta.ID] = c
	}
	if err := e.removeOrphanDirs(); err != nil {
		return nil, err
	}
	e.wg.Add(1)
	go func() {
		defer e.wg.Done()
		e.sealer.run()
	}()
	for _, c := range e.colls {
		e.startCollection(c)
	}
	if !opts.DisableBackground {
		e.wg.Add(1)
		go func() {
			defer e.wg.Done()
			e.maintain()
		}()
	}
	ok = true
	return e, nil
}

// mkdirAllSynced creates dir and its missing parents and syncs the parent of
// each directory it created, so that the new entries survive a crash: a
// segment file synced into a directory whose own entry was never synced is
// lost with it (and a data directory that vanishes takes every acknowledged
// write along).
func mkdirAllSynced(fs vfs.FS, dir string) error {
	var missing []string
	for d := dir; ; d = fs.PathDir(d) {
		if _, err := fs.Stat(d); err == nil {
			break
		} else if !errors.Is(err, os.ErrNotExist) {
			return err
		}
		missing = append(missing, d)
		if fs.PathDir(d) == d {
			break
		}
	}
	if len(missing) == 0 {
		return nil
	}
	if err := fs.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, d := range missing {
		parent, err := fs.OpenDir(fs.PathDir(d))
		if err != nil {
			return err
		}
		err = parent.Sync()
		if cerr := parent.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("sync directory %q: %w", fs.PathDir(d), err)
		}
	}
	return nil
}

// removeOrphanDirs removes segment and row log directories of collections
// that no longer exist (a crash between dropping a collection and removing
// its files).
func (e *Engine) removeOrphanDirs() error {
	known := map[string]bool{}
	for id := range e.colls {
		known[fmt.Sprintf("%d", id)] = true
	}
	for _, root := range []string{e.segRoot, e.logRoot} {
		names, err := e.opts.FS.List(root)
		if err != nil {
			return fmt.Errorf("list %q: %w", root, err)
		}
		for _, n := range names {
			if !known[n] {
				if err := e.opts.FS.RemoveAll(e.opts.FS.PathJoin(root, n)); err != nil {
					return fmt.Errorf("remove orphan directory %q: %w", n, err)
				}
			}
		}
	}
	return nil
}

func (e *Engine) startCollection(c *collection) {
	e.wg.Add(1)
	go func() {
		defer e.wg.Done()
		c.run()
	}()
}

// Close stops background work, waits for in-flight commits and closes the
// store. Everything acknowledged is already durable; Close flushes Pebble's
// memtables so the next start replays less.
func (e *Engine) Close() error {
	var err error
	e.closeOnce.Do(func() {
		close(e.quit)
		e.mu.RLock()
		for _, c := range e.colls {
			c.stop()
		}
		e.mu.RUnlock()
		close(e.sealer.quit)
		e.wg.Wait()
		// Wait for a maintenance round started by a caller: it stops at
		// its next step now that quit is closed.
		e.maintMu.Lock()
		e.maintMu.Unlock()
		e.mu.Lock()
		for _, c := range e.colls {
			c.closeSegments()
			if cerr := c.closeLog(); cerr != nil && err == nil {
				err = cerr
			}
		}
		e.mu.Unlock()
		if ferr := e.db.Flush(); ferr != nil {
			err = ferr
		}
		if cerr := e.closeStores(); cerr != nil && err == nil {
			err = cerr
		}
		e.metrics.unregister()
	})
	return err
}

func (e *Engine) closeStores() error {
	var err error
	if e.store != nil {
		err = e.store.Close()
		e.store = nil
	}
	if e.lock != nil {
		if lerr := e.lock.Close(); lerr != nil && err == nil {
			err = lerr
		}
		e.lock = nil
	}
	return err
}

// closeLog closes the collection's row log once its committer stopped.
func (c *collection) closeLog() error {
	if c.log == nil {
		return nil
	}
	return c.log.Close()
}

// closeSegments releases a collection's segments and snapshot. A segment
// file closes when the last snapshot that reads it is closed.
func (c *collection) closeSegments() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, h := range c.segs {
		h.unref()
	}
	c.segs = nil
	if c.kvSnap != nil {
		c.kvSnap.unref()
		c.kvSnap = nil
	}
}

// Catalog returns the catalog (workspaces and collection records).
func (e *Engine) Catalog() *catalog.Catalog { return e.cat }

// Limits returns the document limits the engine enforces.
func (e *Engine) Limits() types.Limits { return e.opts.Limits }

func (e *Engine) collection(ws, name string) (*collection, error) {
	select {
	case <-e.quit:
		return nil, ErrClosed
	default:
	}
	meta, err := e.cat.Collection(ws, name)
	if err != nil {
		return nil, err
	}
	e.mu.RLock()
	c := e.colls[meta.ID]
	e.mu.RUnlock()
	if c == nil || c.dropped.Load() {
		return nil, fmt.Errorf("%w: collection %q in workspace %q", catalog.ErrNotFound, name, ws)
	}
	return c, nil
}

// CreateCollection creates a collection, writable at once.
func (e *Engine) CreateCollection(ws string, spec catalog.CollectionSpec) (catalog.Collection, error) {
	select {
	case <-e.quit:
		return catalog.Collection{}, ErrClosed
	default:
	}
	meta, err := e.cat.CreateCollection(ws, spec)
	if err != nil {
		return catalog.Collection{}, err
	}
	c := newCollection(e, meta)
	if c.log, err = rowlog.Open(e.opts.FS, c.logDir, 0); err != nil {
		return catalog.Collection{}, fmt.Errorf("collection %s.%s: %w", ws, spec.Name, err)
	}
	c.seq = 1
	c.kvSnap = newKVSnapshot(e.db)
	e.mu.Lock()
	e.colls[meta.ID] = c
	e.mu.Unlock()
	e.startCollection(c)
	return meta, nil
}

// DropCollection drops a collection and all its data.
func (e *Engine) DropCollection(ws, name string) (catalog.Collection, error) {
	c, err := e.collection(ws, name)
	if err != nil {
		return catalog.Collection{}, err
	}
	c.dropped.Store(true)
	c.stop()
	<-c.done
	meta, err := e.cat.DropCollection(ws, name, func(b *pebble.Batch, col catalog.Collection) error {
		for _, t := range kv.CollectionTables {
			start, end := kv.TableSpan(t, col.ID)
			if err := b.DeleteRange(start, end, nil); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return catalog.Collection{}, err
	}
	e.mu.Lock()
	delete(e.colls, meta.ID)
	e.mu.Unlock()
	c.closeSegments()
	c.closeLog()
	for _, dir := range []string{c.segDir, c.logDir} {
		if err := e.opts.FS.RemoveAll(dir); err != nil {
			e.log.Warn("remove directory of dropped collection", "dir", dir, "err", err)
		}
	}
	return meta, nil
}

// Write applies document operations to a collection as one request: every
// operation gets a result, in order; the call returns once the operations
// are durable and visible. The error is for the request as a whole (the
// collection is gone, the engine is closing, the store failed).
func (e *Engine) Write(ctx context.Context, ws, name string, ops []WriteOp) ([]WriteResult, uint64, error) {
	return e.write(ctx, ws, name, ops, false)
}

// WriteAll is Write for a statement that applies whole or not at all (SQL
// INSERT): when an operation is invalid, nothing is written and the error
// is that operation's *DocError with its position. Inserts and deletes
// fail only on validation, before the commit, and a request commits in one
// batch, so a crash leaves all of it or none.
func (e *Engine) WriteAll(ctx context.Context, ws, name string, ops []WriteOp) ([]WriteResult, uint64, error) {
	return e.write(ctx, ws, name, ops, true)
}

func (e *Engine) write(ctx context.Context, ws, name string, ops []WriteOp, all bool) ([]WriteResult, uint64, error) {
	c, err := e.collection(ws, name)
	if err != nil {
		return nil, 0, err
	}
	return e.writeTo(ctx, c, ops, all, nil)
}

func (e *Engine) writeTo(ctx context.Context, c *collection, ops []WriteOp, all bool, cks []Checkpoint) ([]WriteResult, uint64, error) {
	prep, err := e.prepareAll(c, ops, all)
	if err != nil {
		return nil, 0, err
	}
	return e.commitPrepared(ctx, c, prep, cks)
}

// prepareAll validates and encodes a request's operations; with all, the
// first invalid one fails the request.
func (e *Engine) prepareAll(c *collection, ops []WriteOp, all bool) ([]prepared, error) {
	now := e.opts.Now()
	prep := make([]prepared, len(ops))
	var rows rowSlab
	for i, op := range ops {
		prep[i] = prepare(c.meta, op, now, e.opts.Limits, &rows)
		if all && prep[i].err != nil {
			return nil, fmt.Errorf("operation %d: %w", i+1, prep[i].err)
		}
	}
	return prep, nil
}

// commitPrepared submits prepared operations to the collection's committer
// and waits until they are durable and visible.
func (e *Engine) commitPrepared(ctx context.Context, c *collection, prep []prepared, cks []Checkpoint) ([]WriteResult, uint64, error) {
	decs := c.prefetch(prep)
	res, seq, err := c.submit(ctx, prep, cks, decs)
	return res, seq, c.droppedErr(err)
}

// droppedErr words ErrClosed from a collection that was dropped as
// catalog.ErrNotFound.
func (c *collection) droppedErr(err error) error {
	if errors.Is(err, ErrClosed) && c.dropped.Load() {
		return fmt.Errorf("%w: collection %q in workspace %q was dropped", catalog.ErrNotFound, c.meta.Name, c.meta.Workspace)
	}
	return err
}

// Snapshot returns a consistent read view of a collection; close it.
func (e *Engine) Snapshot(ws, name string) (*Snapshot, error) {
	c, err := e.collection(ws, name)
	if err != nil {
		return nil, err
	}
	return c.snapshot(), nil
}

// CollectionStats are the numbers a collection reports.
type CollectionStats struct {
	DocCount   int64
	TotalBytes int64 // segment files + the row store's share of the key-value store + mutable segments in memory
	Segments   int
	Mutable    int
}

// Stats returns a collection's statistics, exact as of now.
func (e *Engine) Stats(ws, name string) (CollectionStats, error) {
	c, err := e.collection(ws, name)
	if err != nil {
		return CollectionStats{}, err
	}
	s := c.snapshot()
	defer s.Close()
	st := CollectionStats{DocCount: s.DocCount()}
	for _, v := range s.views {
		st.Segments++
		if v.h.file != nil {
			st.TotalBytes += v.h.file.Size()
		} else {
			st.Mutable++
			st.TotalBytes += v.h.mem.Bytes()
		}
	}
	for _, t := range []byte{kv.TablePK, kv.TableDeletes} {
		start, end := kv.TableSpan(t, c.id)
		if n, err := e.db.EstimateDiskUsage(start, end); err == nil {
			st.TotalBytes += int64(n)
		}
	}
	return st, nil
}

// maintain runs compaction and retention until Close.
func (e *Engine) maintain() {
	t := time.NewTicker(e.opts.MaintenanceInterval)
	defer t.Stop()
	for {
		select {
		case <-e.quit:
			return
		case <-t.C:
			e.RunMaintenance(context.Background())
		}
	}
}

// RunMaintenance runs one round of retention and compaction over every
// collection (the background loop calls it; tests call it directly).
func (e *Engine) RunMaintenance(ctx context.Context) {
	e.maintMu.Lock()
	defer e.maintMu.Unlock()
	select {
	case <-e.quit:
		return
	default:
	}
	e.mu.RLock()
	colls := make([]*collection, 0, len(e.colls))
	for _, c := range e.colls {
		colls = append(colls, c)
	}
	e.mu.RUnlock()
	for _, c := range colls {
		if c.dropped.Load() {
			continue
		}
		if err := e.enforceRetention(ctx, c, e.opts.Now()); err != nil && !errors.Is(err, ErrClosed) {
			e.log.Error("retention failed", "collection", c.meta.Name, "err", err)
		}
		for i := 0; i < 16; i++ {
			select {
			case <-e.quit:
				return
			default:
			}
			if c.dropped.Load() {
				break
			}
			inputs := e.pickCompaction(c)
			if inputs == nil {
				break
			}
			if err := e.compact(c, inputs); err != nil {
				e.log.Error("compaction failed", "collection", c.meta.Name, "err", err)
				break
			}
		}
	}
}

// Flush freezes every mutable segment of a collection and waits until they
// are sealed into files. Tests and benchmarks use it to reach the sealed
// state deterministically.
func (e *Engine) Flush(ctx context.Context, ws, name string) error {
	c, err := e.collection(ws, name)
	if err != nil {
		return err
	}
	r := &writeReq{flush: true, done: make(chan struct{})}
	if err := c.enqueue(ctx, r); err != nil {
		return err
	}
	if r.err != nil {
		return r.err
	}
	e.sealer.wait()
	return nil
}

// rowLogBytes returns the bytes of the collections' row logs.
func (e *Engine) rowLogBytes() int64 {
	e.mu.RLock()
	defer e.mu.RUnlock()
	var n int64
	for _, c := range e.colls {
		if c.log != nil {
			n += c.log.Bytes()
		}
	}
	return n
}

// primaryKeyBytes returns the memory of the collections' primary-key
// indexes.
func (e *Engine) primaryKeyBytes() int64 {
	e.mu.RLock()
	defer e.mu.RUnlock()
	var n int64
	for _, c := range e.colls {
		n += c.pk.bytes()
	}
	return n
}
