package storage

import (
	"fmt"
	"sort"
	"sync"
	"sync/atomic"

	"github.com/RoaringBitmap/roaring/v2"
	"github.com/basaltdb/basalt/coldata"
	"github.com/basaltdb/basalt/index"
	"github.com/basaltdb/basalt/storage/memseg"
	"github.com/basaltdb/basalt/storage/segment"
	"github.com/basaltdb/basalt/types"
)

// segReader is what the mutable segment and sealed segment files both
// serve; n bounds the rows a reader of a snapshot may see.
type segReader interface {
	NumRows() int
	DefinedPerBlock(path string) []int
	DefinedValues(path string) ([]uint32, []types.Value, error)
	Fields(n int) []index.FieldStats
	FieldKinds(path string) ([types.NumKinds]uint64, bool)
	HasColumn(path string) bool
	Zones(path string) []index.Zone
	ReadColumn(path string, start, end int, dst *coldata.Vec) error
	Lookup(ipath string, p index.Predicate, n int, dst *roaring.Bitmap) error
	IndexPaths() []string
	EventTimeRange() (int64, int64)
}

var (
	_ segReader = (*memseg.Segment)(nil)
	_ segReader = sealedReader{}
)

// sealedReader adapts a segment file to segReader.
type sealedReader struct{ *segment.Reader }

func (s sealedReader) Fields(int) []index.FieldStats { return s.Reader.Fields() }
func (s sealedReader) Lookup(ipath string, p index.Predicate, _ int, dst *roaring.Bitmap) error {
	return s.Reader.Lookup(ipath, p, dst)
}

// segHandle is one segment of a collection: mutable (mem) or sealed.
type segHandle struct {
	id        uint64
	partition int64
	mem       *memseg.Segment
	file      *segment.Reader
	reader    segReader

	// Guarded by the collection's mu.
	visible int // rows published to readers
	// shape is the mutable segment's Shape when its rows were last
	// published: the visible rows' (Snapshot.Stamp).
	shape  uint64
	dels   delLog // deletions, in commit order
	frozen bool   // a frozen memseg takes no more rows
	// sealReleased: the frozen memseg no longer counts among the
	// collection's pending seals (collection.releaseSeal).
	sealReleased atomic.Bool
	// frozenSeq is the last group committed before the freeze: deletions
	// after it wrote deletion marks (collection.markDeleted).
	frozenSeq uint64
	created   int64    // unix nanos of the first row (for age-based sealing)
	rowIDs    []uint64 // sealed: the file's; mem: maintained by the committer

	// valueCounts caches a sealed file's SegmentView.ValueCounts by path.
	valueCounts sync.Map
	// memPassing keeps the mutable segment's ValuesPassing answers, by
	// path and filter (*memPassing); nmemPassing counts them.
	memPassing  sync.Map
	nmemPassing atomic.Int32
	// lookups keeps a sealed file's index lookups less its deletions.
	lookups liveLookups

	refs     atomic.Int32 // snapshots and the collection's list hold references
	obsolete atomic.Bool  // replaced: remove the file when the last ref goes
	// onFree runs when the last reference goes (the collection's list let
	// go of the handle and no snapshot holds it): it closes the file, and
	// removes it if obsolete.
	onFree func(*segHandle)
}

func (h *segHandle) ref() { h.refs.Add(1) }

func (h *segHandle) unref() {
	if h.refs.Add(-1) == 0 && h.onFree != nil {
		h.onFree(h)
	}
}

// doc returns the binary document of a row: from the segment file's row
// section, or from the mutable segment's stored row value (a slice of it,
// which never changes).
func (h *segHandle) doc(row int) ([]byte, error) {
	if h.file != nil {
		return h.file.Doc(row)
	}
	v, ok := h.mem.Stored(row)
	if !ok {
		return nil, fmt.Errorf("segment %d has no stored row %d", h.id, row)
	}
	return rowBinary(v)
}

// rowOf returns the row holding rowid, if this segment has it.
func (h *segHandle) rowOf(rowid uint64) (uint32, bool) {
	ids := h.rowIDs
	if len(ids) == 0 || rowid < ids[0] || rowid > ids[len(ids)-1] {
		return 0, false
	}
	i := sort.Search(len(ids), func(i int) bool { return ids[i] >= rowid })
	if i < len(ids) && ids[i] == rowid {
		return uint32(i), true
	}
	return 0, false
}

// deletedCount returns how many rows the first n log entries delete.
func (h *segHandle) deletedCount(entries []delEntry, n int) int {
	if n == 0 {
		return 0
	}
	return int(h.dels.bitmap(entries, n).GetCardinality())
}
