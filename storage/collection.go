package storage

import (
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/basaltdb/basalt/catalog"
	"github.com/basaltdb/basalt/storage/rowlog"
	"github.com/cockroachdb/pebble/v2"
)

// collection is the runtime state of one collection.
type collection struct {
	e    *Engine
	meta catalog.Collection
	id   uint64
	// instance tells this collection from every other opened in the
	// process, and from itself before a drop or a reopen (Version).
	instance uint64
	segDir   string
	logDir   string
	// log holds the committed rows not yet sealed (storage/rowlog);
	// the committer appends, seals release.
	log *rowlog.Log

	// mu guards what readers see: the segment list, each handle's visible
	// rows, deletion logs and row ids, the published sequence number and
	// the Pebble snapshot at it.
	mu           sync.RWMutex
	segs         []*segHandle
	seq          uint64
	maxPublished uint64 // largest published row id
	// pk maps every committed _id to its row (the committer writes it,
	// writers read it at their prefetch).
	pk           pkIndex
	kvSnap       *kvSnapshot
	pendingSeals int

	// Owned by the committer goroutine.
	active map[int64]*segHandle // time partition → mutable segment
	// columnSizes are the column sizes of the last mutable segment frozen
	// full, the growth hints of the next ones (memseg.SizeLike).
	columnSizes map[string]int
	nextRowID   uint64
	logRows     []rowlog.Row
	logCommit   []byte
	// broken is set when a group's row-log append failed (whether its
	// record, the commit point, reached the disk is unknown) or Pebble
	// refused the batch of a logged group: until a restart reapplies the
	// record, every later group fails (logcommit.go).
	broken error

	nextSegID atomic.Uint64

	reqs     chan *writeReq
	quit     chan struct{}
	done     chan struct{}
	sealDone chan struct{}
	dropped  atomic.Bool
	quitOnce sync.Once
}

// kvSnapshot is a reference-counted Pebble snapshot at a published commit.
type kvSnapshot struct {
	snap *pebble.Snapshot
	refs atomic.Int32
}

func newKVSnapshot(db *pebble.DB) *kvSnapshot {
	s := &kvSnapshot{snap: db.NewSnapshot()}
	s.refs.Store(1)
	return s
}

func (s *kvSnapshot) ref() { s.refs.Add(1) }

func (s *kvSnapshot) unref() {
	if s.refs.Add(-1) == 0 {
		s.snap.Close()
	}
}

// collectionInstances numbers the collections opened in the process.
var collectionInstances atomic.Uint64

func newCollection(e *Engine, meta catalog.Collection) *collection {
	return &collection{
		e:         e,
		meta:      meta,
		id:        meta.ID,
		instance:  collectionInstances.Add(1),
		segDir:    e.opts.FS.PathJoin(e.segRoot, fmt.Sprintf("%d", meta.ID)),
		logDir:    e.opts.FS.PathJoin(e.logRoot, fmt.Sprintf("%d", meta.ID)),
		active:    map[int64]*segHandle{},
		nextRowID: 1,
		reqs:      make(chan *writeReq, 64),
		quit:      make(chan struct{}),
		done:      make(chan struct{}),
		sealDone:  make(chan struct{}, 1),
	}
}

// segmentFile returns the file name of a sealed segment.
func (c *collection) segmentFile(segid uint64) string {
	return c.e.opts.FS.PathJoin(c.segDir, fmt.Sprintf("%012d.seg", segid))
}

// partitionOf returns the time partition of an event time (micros).
func (c *collection) partitionOf(et int64) int64 {
	res := c.meta.PartitionResolution.Microseconds()
	if res <= 0 {
		return 0
	}
	p := et / res
	if et < 0 && et%res != 0 {
		p--
	}
	return p
}

// findRow returns the segment and row holding rowid. Called with mu held.
func (c *collection) findRow(rowid uint64) (*segHandle, uint32, bool) {
	for _, h := range c.segs {
		if r, ok := h.rowOf(rowid); ok {
			return h, r, true
		}
	}
	return nil, 0, false
}

// replaceSegments swaps old handles for new ones in the list and marks the
// old ones obsolete. Called with mu held; the caller then gives up the
// list's references to old with unrefSegments, once it has released mu:
// the last reference closes and removes a segment file, 15-55 ms for one
// of a compaction's inputs, and every commit group waits for mu to
// publish.
func (c *collection) replaceSegments(old []*segHandle, repl []*segHandle) {
	gone := map[*segHandle]bool{}
	for _, h := range old {
		gone[h] = true
	}
	out := make([]*segHandle, 0, len(c.segs)-len(old)+len(repl))
	for _, h := range c.segs {
		if !gone[h] {
			out = append(out, h)
		}
	}
	out = append(out, repl...)
	c.segs = out
	for _, h := range old {
		h.obsolete.Store(true)
	}
}

// unrefSegments gives up the segment list's references to handles that
// replaceSegments took out of it. Called without mu.
func unrefSegments(old []*segHandle) {
	for _, h := range old {
		h.unref()
	}
}

// lowWater returns the smallest row id that may be in no sealed segment:
// the first row of any mutable segment, or the next unpublished row. Called
// with mu held; except is a mutable segment about to be sealed.
func (c *collection) lowWater(except *segHandle) uint64 {
	lw := c.maxPublished + 1
	for _, h := range c.segs {
		if h.mem != nil && h != except && len(h.rowIDs) > 0 {
			lw = min(lw, h.rowIDs[0])
		}
	}
	return lw
}

// stop tells the committer to stop. Close and DropCollection may both call
// it, even at once.
func (c *collection) stop() { c.quitOnce.Do(func() { close(c.quit) }) }
