package memseg

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"sync"
	"unsafe"

	"github.com/RoaringBitmap/roaring/v2"
	"github.com/basaltdb/basalt/coldata"
	"github.com/basaltdb/basalt/index"
	"github.com/basaltdb/basalt/types"
)

// Segment is a mutable, append-only segment.
type Segment struct {
	mu     sync.RWMutex
	rows   int
	rowIDs []uint64
	cols   map[string]*column
	order  []*column // columns in first-seen order
	terms  map[string]*termIndex
	bytes  int64
	minET  int64
	maxET  int64
	frozen bool

	pathBuf []byte
	termBuf []byte
}

type column struct {
	path   string
	rows   []uint32 // rows where the path is defined, ascending
	kinds  []types.Kind
	nums   []uint64 // scalar payload, or arena offset<<26 | length for strings and nested values
	arena  []byte
	counts [types.NumKinds]uint64
	zones  []index.Zone // one per index.BlockRows rows
	inBlk  []uint32     // rows with the path, per block
}

// termIndex maps the terms of one index path to their rows. A term with one
// row keeps it inline (high bit set), which is what most terms of
// high-cardinality fields are; others point into lists.
type termIndex struct {
	m     map[string]uint32
	lists [][]uint32
}

const inlineBit = 1 << 31

// maxArena bounds the arena: offsets get 38 bits and lengths 26 bits (64 MiB,
// above the 16 MiB document limit).
const (
	lenBits = 26
	maxLen  = 1<<lenBits - 1
)

// New returns an empty segment.
func New() *Segment {
	return &Segment{
		cols:  map[string]*column{},
		terms: map[string]*termIndex{},
		minET: math.MaxInt64,
		maxET: math.MinInt64,
	}
}

// Append adds documents with their row ids (ascending) and event times. The
// documents must carry their `_id` and `_event_time` fields already. It
// returns the row number of the first document.
func (s *Segment) Append(docs []types.Value, rowIDs []uint64, eventTimes []int64) (int, error) {
	if len(docs) != len(rowIDs) || len(docs) != len(eventTimes) {
		return 0, fmt.Errorf("memseg: %d docs, %d row ids, %d event times", len(docs), len(rowIDs), len(eventTimes))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.frozen {
		return 0, fmt.Errorf("memseg: append to a frozen segment")
	}
	first := s.rows
	if first+len(docs) > math.MaxInt32 {
		return 0, fmt.Errorf("memseg: segment full")
	}
	for i, doc := range docs {
		row := uint32(s.rows)
		s.pathBuf = types.Flatten(doc, s.pathBuf[:0], func(path []byte, v types.Value) {
			s.appendValue(path, row, v)
		})
		s.rowIDs = append(s.rowIDs, rowIDs[i])
		s.minET = min(s.minET, eventTimes[i])
		s.maxET = max(s.maxET, eventTimes[i])
		s.rows++
	}
	s.bytes += int64(len(docs)) * 8
	return first, nil
}

func (s *Segment) appendValue(path []byte, row uint32, v types.Value) {
	c := s.cols[string(path)]
	if c == nil {
		c = &column{path: string(path)}
		s.cols[c.path] = c
		s.order = append(s.order, c)
		s.bytes += int64(len(path)) + 128
	}
	var num uint64
	switch v.Kind() {
	case types.KindString:
		num = c.addBytes(unsafe.Slice(unsafe.StringData(v.Str()), len(v.Str())))
		s.bytes += int64(len(v.Str()))
	case types.KindArray, types.KindObject:
		n := len(c.arena)
		c.arena = types.AppendBinary(c.arena, v)
		num = uint64(n)<<lenBits | uint64(len(c.arena)-n)
		s.bytes += int64(len(c.arena) - n)
	default:
		num = v.Bits()
	}
	c.rows = append(c.rows, row)
	c.kinds = append(c.kinds, v.Kind())
	c.nums = append(c.nums, num)
	c.counts[v.Kind()]++
	b := int(row) / index.BlockRows
	for len(c.zones) <= b {
		c.zones = append(c.zones, index.Zone{})
		c.inBlk = append(c.inBlk, 0)
	}
	c.zones[b].Add(v)
	c.inBlk[b]++
	s.bytes += 13
	types.IndexTerms(path, v, func(ipath []byte, e types.Value) {
		s.addTerm(ipath, row, e)
	})
}

func (c *column) addBytes(b []byte) uint64 {
	n := len(c.arena)
	c.arena = append(c.arena, b...)
	return uint64(n)<<lenBits | uint64(len(b))
}

func (s *Segment) addTerm(ipath []byte, row uint32, v types.Value) {
	ti := s.terms[string(ipath)]
	if ti == nil {
		ti = &termIndex{m: map[string]uint32{}}
		s.terms[string(ipath)] = ti
	}
	s.termBuf = index.AppendTerm(s.termBuf[:0], v)
	ref, ok := ti.m[string(s.termBuf)]
	switch {
	case !ok:
		ti.m[string(s.termBuf)] = row | inlineBit
		s.bytes += int64(len(s.termBuf)) + 48
	case ref&inlineBit != 0:
		old := ref &^ inlineBit
		if old == row {
			return // the same value twice in one array
		}
		ti.lists = append(ti.lists, []uint32{old, row})
		ti.m[string(s.termBuf)] = uint32(len(ti.lists) - 1)
		s.bytes += 32
	default:
		l := ti.lists[ref]
		if l[len(l)-1] == row {
			return
		}
		ti.lists[ref] = append(l, row)
		s.bytes += 4
	}
}

// Freeze stops appends; the engine freezes a segment before sealing it.
func (s *Segment) Freeze() {
	s.mu.Lock()
	s.frozen = true
	s.mu.Unlock()
}

// NumRows returns the rows appended so far.
func (s *Segment) NumRows() int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.rows
}

// Bytes estimates the memory the segment holds.
func (s *Segment) Bytes() int64 {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.bytes
}

// EventTimeRange returns the smallest and largest `_event_time` (micros) of
// the segment's rows; min > max when it is empty.
func (s *Segment) EventTimeRange() (int64, int64) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.minET, s.maxET
}

// RowIDs returns the row ids of rows [0, n).
func (s *Segment) RowIDs(n int) []uint64 {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.rowIDs[:min(n, s.rows):min(n, s.rows)]
}

// Fields returns the kind counts of every column path over rows [0, n),
// sorted by path.
func (s *Segment) Fields(n int) []index.FieldStats {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]index.FieldStats, 0, len(s.order))
	for _, c := range s.order {
		fs := index.FieldStats{Path: c.path}
		if n >= s.rows {
			fs.Counts = c.counts
		} else {
			end := sort.Search(len(c.rows), func(i int) bool { return int(c.rows[i]) >= n })
			for _, k := range c.kinds[:end] {
				fs.Counts[k]++
			}
		}
		if fs.Total() > 0 {
			out = append(out, fs)
		}
	}
	slices.SortFunc(out, func(a, b index.FieldStats) int {
		switch {
		case a.Path < b.Path:
			return -1
		case a.Path > b.Path:
			return 1
		}
		return 0
	})
	return out
}

// HasColumn reports whether any row has the path.
func (s *Segment) HasColumn(path string) bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.cols[path] != nil
}

// ReadColumn fills dst with the values of path for rows [start, end);
// undefined where a row lacks the path. Strings and nested values alias the
// segment's arena, which is never modified, so they stay valid.
func (s *Segment) ReadColumn(path string, start, end int, dst *coldata.Vec) error {
	dst.Reset()
	s.mu.RLock()
	c := s.cols[path]
	if c == nil || end > s.rows {
		s.mu.RUnlock()
		if end > s.NumRows() {
			return fmt.Errorf("memseg: read rows [%d,%d) of %d", start, end, s.NumRows())
		}
		dst.ResetUniform(types.KindUndefined, end-start)
		return nil
	}
	// Slices are captured under the lock; appends never touch the
	// captured prefix, so reading it afterwards is safe.
	rows, kinds, nums, arena := c.rows, c.kinds, c.nums, c.arena
	s.mu.RUnlock()

	i := sort.Search(len(rows), func(i int) bool { return int(rows[i]) >= start })
	var d types.Decoder
	for r := start; r < end; r++ {
		if i < len(rows) && int(rows[i]) == r {
			dst.Append(decodeValue(&d, kinds[i], nums[i], arena))
			i++
		} else {
			dst.Append(types.Undefined)
		}
	}
	return nil
}

func decodeValue(d *types.Decoder, k types.Kind, num uint64, arena []byte) types.Value {
	switch k {
	case types.KindNull:
		return types.Null
	case types.KindBool:
		return types.Bool(num != 0)
	case types.KindInt:
		return types.Int(int64(num))
	case types.KindFloat:
		return types.Float(math.Float64frombits(num))
	case types.KindTimestamp:
		return types.Timestamp(int64(num))
	case types.KindString:
		off, l := num>>lenBits, num&maxLen
		if l == 0 {
			return types.String("")
		}
		return types.String(unsafe.String(&arena[off], int(l)))
	case types.KindArray, types.KindObject:
		off, l := num>>lenBits, num&maxLen
		v, err := d.DecodeBinary(arena[off : off+l])
		if err != nil {
			panic(fmt.Sprintf("memseg: corrupt nested value in arena: %v", err))
		}
		return v
	}
	return types.Undefined
}

// Zones returns the zone map of path, one zone per index.BlockRows rows
// appended so far (the last block may still be growing).
func (s *Segment) Zones(path string) []index.Zone {
	s.mu.RLock()
	defer s.mu.RUnlock()
	nblocks := (s.rows + index.BlockRows - 1) / index.BlockRows
	out := make([]index.Zone, nblocks)
	c := s.cols[path]
	if c != nil {
		copy(out, c.zones)
	}
	// Rows without the path are undefined in every block.
	for b := range out {
		rowsInBlock := min(index.BlockRows, s.rows-b*index.BlockRows)
		var present uint32
		if c != nil && b < len(c.inBlk) {
			present = c.inBlk[b]
		}
		out[b].Undefined += uint32(rowsInBlock) - present
	}
	return out
}

// Lookup adds to dst the rows below n whose value at the index path
// satisfies p.
func (s *Segment) Lookup(ipath string, p index.Predicate, n int, dst *roaring.Bitmap) error {
	if err := p.Validate(); err != nil {
		return err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	ti := s.terms[ipath]
	if ti == nil {
		return nil
	}
	add := func(ref uint32) {
		if ref&inlineBit != 0 {
			if r := ref &^ inlineBit; int(r) < n {
				dst.Add(r)
			}
			return
		}
		l := ti.lists[ref]
		end := sort.Search(len(l), func(i int) bool { return int(l[i]) >= n })
		dst.AddMany(l[:end])
	}
	if p.Op == index.OpEq || p.Op == index.OpIn {
		for _, sp := range p.Spans() {
			if ref, ok := ti.m[string(sp.Start)]; ok {
				add(ref)
			}
		}
		return nil
	}
	for t, ref := range ti.m {
		if v, ok := index.DecodeTerm([]byte(t)); ok && p.Match(v) {
			add(ref)
		}
	}
	return nil
}

// IndexPaths returns the index paths that have terms, sorted.
func (s *Segment) IndexPaths() []string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]string, 0, len(s.terms))
	for p := range s.terms {
		out = append(out, p)
	}
	slices.Sort(out)
	return out
}
