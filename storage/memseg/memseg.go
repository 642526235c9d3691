package memseg

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"sync"

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
	root   node
	cols   map[string]*column
	order  []*column // columns in first-seen order
	// ipaths are the index paths with values: column paths of scalars, and
	// the element paths (`tags[*]`, `items[*].qty`) of arrays.
	ipaths map[string]bool
	bytes  int64
	minET  int64
	maxET  int64
	frozen bool
	// shape counts the (path, kind) pairs the rows hold, bumped when a
	// path or a kind at a path first appears: what plans depend on.
	shape uint64

	pathBuf []byte
	encBuf  []byte

	// stored holds the rows' stored values (the engine's encoded
	// documents), when appended with them: the row store of rows not yet
	// sealed.
	stored     arena
	storedRefs []uint64

	// sizeHints are the column sizes of the segment before (SizeLike).
	sizeHints map[string]int

	// postings holds the lazily built postings of looked-up index paths.
	postings map[string]*postings
	// termEstimates holds EstimateTerms' distinct values per termSample
	// entries, by path.
	termEstimates map[string]termEstimate
}

// node is one field path in the trie documents are walked with: looking up
// a field by name among a node's children is cheaper than hashing the whole
// path of every value, and documents of one shape find each child at the
// position they had last time.
type node struct {
	name   string
	path   string
	kids   []*node
	byName map[string]*node
	col    *column
	// elemPath is `path[*]`, once an array of scalars was seen here.
	elemPath string
	// scalar is set once a scalar was seen here (its path is an index path).
	scalar bool
}

// child returns the child named name, which document field position pos
// usually finds at once.
func (n *node) child(pos int, name string) *node {
	if pos < len(n.kids) && n.kids[pos].name == name {
		return n.kids[pos]
	}
	if n.byName != nil {
		if k := n.byName[name]; k != nil {
			return k
		}
	} else {
		for _, k := range n.kids {
			if k.name == name {
				return k
			}
		}
	}
	// The name may alias a decoder's input, which its owner may reuse.
	k := &node{name: strings.Clone(name), path: string(types.AppendPathField([]byte(n.path), name))}
	n.kids = append(n.kids, k)
	if len(n.kids) > 16 {
		if n.byName == nil {
			n.byName = make(map[string]*node, 32)
			for _, c := range n.kids {
				n.byName[c.name] = c
			}
		}
		n.byName[name] = k
	}
	return k
}

type column struct {
	path   string
	rows   []uint32 // rows where the path is defined, ascending
	kinds  []types.Kind
	nums   []uint64 // scalar payload, or the arena reference of strings and nested values
	counts [types.NumKinds]uint64
	// arena holds the bytes of the column's strings and nested values.
	arena arena
	// sizeHint is how many values the path had in the segment before this
	// one (SizeLike): once the column holds a quarter of that, it grows
	// to it at once.
	sizeHint int
	// zones caches the zone of each full block, computed on first use:
	// zones are only read by queries, so building them per value on the
	// write path (10% of ingest CPU) bought nothing.
	zones []index.Zone
}

// grow makes room for more values, by a factor drawn at random between
// 1.5 and 2.5. The columns of documents of one shape fill at one pace: grown
// by append, they all doubled in the same commit, which copied tens of
// megabytes at 32,768 rows and was most of the slowest commits' time (the
// write path's p99). Readers keep the arrays they captured: they are never
// written again.
//
// A column with a size hint grows to it, and an eighth more, once a quarter
// full: the columns of a steady stream end each segment at about the size
// they had in the last one, reached with one copy of a quarter of it rather
// than a dozen of ever larger arrays (1% of the server's CPU on ingest).
// Grown to the hint exactly, every dense column of a segment that ran a
// little longer than the last one was full at the same row, and grew in
// the same commit: 39 RockBench columns, 57 MB allocated and 28 MB copied
// for the last few rows before the freeze, a 13-15 ms stall of one commit
// a segment.
func (c *column) grow() {
	n := len(c.rows)
	size := 4
	if n >= 4 {
		size = n + n/2 + rand.IntN(n+1)
	}
	if c.sizeHint > n && n >= c.sizeHint/4 {
		size = c.sizeHint + c.sizeHint/8
	}
	rows := make([]uint32, n, size)
	copy(rows, c.rows)
	kinds := make([]types.Kind, n, size)
	copy(kinds, c.kinds)
	nums := make([]uint64, n, size)
	copy(nums, c.nums)
	c.rows, c.kinds, c.nums = rows, kinds, nums
}

// SizeLike gives the columns of the empty segment s sizes, the column sizes
// of a full segment of the same stream (ColumnSizes), as hints for their
// growth.
func (s *Segment) SizeLike(sizes map[string]int) {
	s.sizeHints = sizes
}

// ColumnSizes returns the number of values of each path. Not while
// documents are appended.
func (s *Segment) ColumnSizes() map[string]int {
	sizes := make(map[string]int, len(s.cols))
	for p, c := range s.cols {
		sizes[p] = len(c.rows)
	}
	return sizes
}

// New returns an empty segment.
func New() *Segment {
	return &Segment{
		cols:   map[string]*column{},
		ipaths: map[string]bool{},
		minET:  math.MaxInt64,
		maxET:  math.MinInt64,
	}
}

// Append adds documents with their row ids (ascending) and event times. The
// documents must carry their `_id` and `_event_time` fields already. It
// returns the row number of the first document.
func (s *Segment) Append(docs []types.Value, rowIDs []uint64, eventTimes []int64) (int, error) {
	return s.AppendStored(docs, nil, rowIDs, eventTimes)
}

// AppendStored is Append that also keeps each row's stored value (opaque
// bytes, copied), which Stored returns. A segment's rows are appended
// with stored values or without, not both.
func (s *Segment) AppendStored(docs []types.Value, stored [][]byte, rowIDs []uint64, eventTimes []int64) (int, error) {
	if len(docs) != len(rowIDs) || len(docs) != len(eventTimes) || (stored != nil && len(stored) != len(docs)) {
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
	if stored != nil && len(s.storedRefs) != s.rows {
		return 0, fmt.Errorf("memseg: stored values for %d of %d rows", len(s.storedRefs), s.rows)
	}
	for _, b := range stored {
		s.storedRefs = append(s.storedRefs, s.stored.add(b))
		s.bytes += int64(len(b)) + 8
	}
	for i, doc := range docs {
		s.walk(&s.root, doc, uint32(s.rows))
		s.rowIDs = append(s.rowIDs, rowIDs[i])
		s.minET = min(s.minET, eventTimes[i])
		s.maxET = max(s.maxET, eventTimes[i])
		s.rows++
	}
	s.bytes += int64(len(docs)) * 8
	return first, nil
}

func (s *Segment) walk(n *node, obj types.Value, row uint32) {
	fields := obj.Fields()
	for i := range fields {
		f := &fields[i]
		k := n.child(i, f.Name)
		if f.Value.Kind() == types.KindObject && f.Value.Len() > 0 {
			s.walk(k, f.Value, row)
			continue
		}
		s.appendLeaf(k, f.Value, row)
	}
}

func (s *Segment) column(n *node) *column {
	if n.col == nil {
		n.col = &column{path: n.path, sizeHint: s.sizeHints[n.path]}
		s.cols[n.path] = n.col
		s.order = append(s.order, n.col)
		s.bytes += int64(len(n.path)) + 256
	}
	return n.col
}

func (s *Segment) appendLeaf(n *node, v types.Value, row uint32) {
	c := s.column(n)
	var num uint64
	switch v.Kind() {
	case types.KindString:
		before := c.arena.bytes
		num = c.arena.add(stringBytes(v.Str()))
		s.bytes += c.arena.bytes - before
	case types.KindArray, types.KindObject:
		s.encBuf = types.AppendBinary(s.encBuf[:0], v)
		before := c.arena.bytes
		num = c.arena.add(s.encBuf)
		s.bytes += c.arena.bytes - before
	default:
		num = v.Bits()
	}
	if len(c.rows) == cap(c.rows) {
		c.grow()
	}
	c.rows = append(c.rows, row)
	c.kinds = append(c.kinds, v.Kind())
	c.nums = append(c.nums, num)
	if c.counts[v.Kind()] == 0 {
		s.shape++
	}
	c.counts[v.Kind()]++
	s.bytes += 13
	switch k := v.Kind(); {
	case k == types.KindArray:
		s.noteElemPaths(n, v)
	case !n.scalar && k.IsScalar() && k != types.KindUndefined:
		n.scalar = true
		s.ipaths[n.path] = true
	}
}

// noteElemPaths records the index paths an array's elements live under, so
// IndexPaths can list them. The common case, an array of scalars, costs a
// type check per element.
func (s *Segment) noteElemPaths(n *node, v types.Value) {
	for _, e := range v.Elems() {
		if !e.Kind().IsScalar() {
			s.pathBuf = append(s.pathBuf[:0], n.path...)
			s.pathBuf = types.IndexTerms(s.pathBuf, v, func(ipath []byte, _ types.Value) {
				if !s.ipaths[string(ipath)] {
					s.ipaths[string(ipath)] = true
				}
			})
			return
		}
		if e.Kind() != types.KindUndefined && n.elemPath == "" {
			n.elemPath = n.path + types.WildcardSegment
			s.ipaths[n.elemPath] = true
		}
	}
}

// Stored returns the stored value of a row appended with AppendStored.
// The bytes never change; the caller must not modify them.
func (s *Segment) Stored(row int) ([]byte, bool) {
	s.mu.RLock()
	if row < 0 || row >= len(s.storedRefs) {
		s.mu.RUnlock()
		return nil, false
	}
	ref := s.storedRefs[row]
	v := s.stored.view()
	s.mu.RUnlock()
	return v.bytesOf(ref), true
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
// sorted by path. Rows without the path count as undefined, as in a sealed
// segment's columns, so that callers can subtract the kinds of deleted rows.
func (s *Segment) Fields(n int) []index.FieldStats {
	s.mu.RLock()
	defer s.mu.RUnlock()
	n = min(n, s.rows)
	out := make([]index.FieldStats, 0, len(s.order))
	for _, c := range s.order {
		fs := index.FieldStats{Path: c.path}
		if n == s.rows {
			fs.Counts = c.counts
		} else {
			end := sort.Search(len(c.rows), func(i int) bool { return int(c.rows[i]) >= n })
			for _, k := range c.kinds[:end] {
				fs.Counts[k]++
			}
		}
		fs.Counts[types.KindUndefined] = uint64(n) - fs.Total()
		if fs.Total() > 0 {
			out = append(out, fs)
		}
	}
	index.SortFields(out)
	return out
}

// ColumnBytes returns the bytes of the strings and nested values of a
// path's column (0 for a column of numbers or none).
func (s *Segment) ColumnBytes(path string) int64 {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if c := s.cols[path]; c != nil {
		return c.arena.bytes
	}
	return 0
}

// FieldKinds returns the kind counts of path over all the segment's rows
// (a superset of what a snapshot of fewer rows sees), false when no row
// has the path.
func (s *Segment) FieldKinds(path string) ([types.NumKinds]uint64, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	c := s.cols[path]
	if c == nil {
		return [types.NumKinds]uint64{}, false
	}
	return c.counts, true
}

// Shape returns how many (path, kind) pairs the rows hold: it grows with
// the paths and the kinds at each, and only then.
func (s *Segment) Shape() uint64 {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.shape
}

// HasColumn reports whether any row has the path.
func (s *Segment) HasColumn(path string) bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.cols[path] != nil
}

// ReadColumn fills dst with the values of path for rows [start, end);
// undefined where a row lacks the path. Strings and nested values alias the
// column's arena, which is never modified, so they stay valid.
func (s *Segment) ReadColumn(path string, start, end int, dst *coldata.Vec) error {
	dst.Reset()
	s.mu.RLock()
	if end > s.rows || start < 0 || start > end {
		n := s.rows
		s.mu.RUnlock()
		return fmt.Errorf("memseg: read rows [%d,%d) of %d", start, end, n)
	}
	c := s.cols[path]
	if c == nil {
		s.mu.RUnlock()
		dst.ResetUniform(types.KindUndefined, end-start)
		return nil
	}
	// Slices are captured under the lock; appends never touch the
	// captured prefix, so reading it afterwards is safe.
	rows, kinds, nums, av := c.rows, c.kinds, c.nums, c.arena.view()
	s.mu.RUnlock()

	i0 := sort.Search(len(rows), func(i int) bool { return int(rows[i]) >= start })
	i1 := i0 + sort.Search(len(rows)-i0, func(i int) bool { return int(rows[i0+i]) >= end })
	n := end - start
	// Fast path: every row has the path, with one kind (the common case
	// for event fields) — fill the typed payload directly.
	if i1-i0 == n && n > 0 {
		k := kinds[i0]
		uniform := true
		for _, kk := range kinds[i0:i1] {
			if kk != k {
				uniform = false
				break
			}
		}
		if uniform {
			dst.ResetUniform(k, n)
			fillPayload(dst, k, nums[i0:i1], nil, av)
			return nil
		}
	}
	ks := make([]types.Kind, n)
	for i := i0; i < i1; i++ {
		ks[int(rows[i])-start] = kinds[i]
	}
	dst.ResetMixed(ks)
	pos := make([]int32, i1-i0)
	for i := i0; i < i1; i++ {
		pos[i-i0] = int32(int(rows[i]) - start)
	}
	fillMixed(dst, kinds[i0:i1], nums[i0:i1], pos, av)
	return nil
}

// fillPayload writes payloads of one kind into dst at positions 0..len(nums)-1.
func fillPayload(dst *coldata.Vec, k types.Kind, nums []uint64, _ []int32, av arenaView) {
	switch k {
	case types.KindBool, types.KindInt, types.KindTimestamp:
		for j, x := range nums {
			dst.I64[j] = int64(x)
		}
	case types.KindFloat:
		for j, x := range nums {
			dst.F64[j] = math.Float64frombits(x)
		}
	case types.KindString:
		for j, x := range nums {
			dst.Str[j] = av.str(x)
		}
	case types.KindArray, types.KindObject:
		var d types.Decoder
		for j, x := range nums {
			dst.Any[j] = decodeValue(&d, k, x, av)
		}
	}
}

// fillMixed writes payloads of mixed kinds into dst at the given positions.
func fillMixed(dst *coldata.Vec, kinds []types.Kind, nums []uint64, pos []int32, av arenaView) {
	var d types.Decoder
	for i, k := range kinds {
		j := pos[i]
		x := nums[i]
		switch k {
		case types.KindBool, types.KindInt, types.KindTimestamp:
			dst.I64[j] = int64(x)
		case types.KindFloat:
			dst.F64[j] = math.Float64frombits(x)
		case types.KindString:
			dst.Str[j] = av.str(x)
		case types.KindArray, types.KindObject:
			dst.Any[j] = decodeValue(&d, k, x, av)
		}
	}
}

func decodeValue(d *types.Decoder, k types.Kind, num uint64, av arenaView) types.Value {
	if k == types.KindArray || k == types.KindObject {
		v, err := d.DecodeBinary(av.bytesOf(num))
		if err != nil {
			panic(fmt.Sprintf("memseg: corrupt nested value in arena: %v", err))
		}
		return v
	}
	return scalarValue(k, num, av)
}

// Zones returns the zone map of path, one zone per index.BlockRows rows
// appended so far (the last block may still be growing). Zones of full
// blocks are computed once and cached; the last block's is computed afresh.
func (s *Segment) Zones(path string) []index.Zone {
	s.mu.RLock()
	rows := s.rows
	c := s.cols[path]
	var cached []index.Zone
	if c != nil {
		cached = c.zones
	}
	s.mu.RUnlock()
	nblocks := (rows + index.BlockRows - 1) / index.BlockRows
	out := make([]index.Zone, nblocks)
	copy(out, cached)
	var vec coldata.Vec
	for b := len(cached); b < nblocks; b++ {
		lo := b * index.BlockRows
		hi := min(lo+index.BlockRows, rows)
		if err := s.ReadColumn(path, lo, hi, &vec); err != nil {
			// Rows below rows always exist; a failure here is a bug.
			panic(fmt.Sprintf("memseg: zones of %q: %v", path, err))
		}
		out[b] = index.ZoneOf(&vec)
	}
	if c != nil {
		full := rows / index.BlockRows
		if full > len(cached) {
			s.mu.Lock()
			if len(c.zones) < full {
				c.zones = append(c.zones[:len(c.zones):len(c.zones)], out[len(c.zones):full]...)
			}
			s.mu.Unlock()
		}
	}
	return out
}

// Lookup adds to dst the rows below n whose value at the index path
// satisfies p.
//
// The mutable segment keeps no postings at write time, which cost a quarter
// of the ingest CPU budget (the choice Druid's incremental index makes
// too): equality and IN build a path's postings on first use and bring
// them up to date at each later one (postingsFor); ranges and prefixes
// scan the column. Sealed segments, which hold nearly all the data, have
// the inverted index.
func (s *Segment) Lookup(ipath string, p index.Predicate, n int, dst *roaring.Bitmap) error {
	if err := p.Validate(); err != nil {
		return err
	}
	colPath := ipath
	if i := strings.Index(ipath, types.WildcardSegment); i >= 0 {
		colPath = ipath[:i]
	}
	s.mu.RLock()
	c := s.cols[colPath]
	if c == nil {
		s.mu.RUnlock()
		return nil
	}
	rows, kinds, nums, av := c.rows, c.kinds, c.nums, c.arena.view()
	s.mu.RUnlock()
	end := sort.Search(len(rows), func(i int) bool { return int(rows[i]) >= n })
	if colPath == ipath {
		if p.Op == index.OpEq || p.Op == index.OpIn {
			return s.postingsFor(ipath, true).lookup(rows, kinds, nums, av, p.Values, n, dst)
		}
		for i := 0; i < end; i++ {
			if k := kinds[i]; k.IsScalar() && k != types.KindUndefined && p.Match(scalarValue(k, nums[i], av)) {
				dst.Add(rows[i])
			}
		}
		return nil
	}
	if ipath == colPath+types.WildcardSegment {
		if p.Op == index.OpEq || p.Op == index.OpIn {
			return s.postingsFor(ipath, false).lookup(rows, kinds, nums, av, p.Values, n, dst)
		}
		// Elements of the arrays themselves: walk their encodings in
		// place rather than decoding every array.
		for i := 0; i < end; i++ {
			if kinds[i] != types.KindArray {
				continue
			}
			row := rows[i]
			err := types.ArrayScalars(av.bytesOf(nums[i]), func(e types.Value) bool {
				if p.Match(e) {
					dst.Add(row)
					return false
				}
				return true
			})
			if err != nil {
				return fmt.Errorf("memseg: corrupt array in arena: %w", err)
			}
		}
		return nil
	}
	var d types.Decoder
	path := []byte(colPath)
	for i := 0; i < end; i++ {
		if kinds[i] != types.KindArray {
			continue
		}
		v, err := d.DecodeBinary(av.bytesOf(nums[i]))
		if err != nil {
			return fmt.Errorf("memseg: corrupt nested value in arena: %w", err)
		}
		row := rows[i]
		path = types.IndexTerms(path, v, func(ip []byte, e types.Value) {
			if string(ip) == ipath && p.Match(e) {
				dst.Add(row)
			}
		})
	}
	return nil
}

// scalarValue returns a scalar from its column payload; strings alias the
// arena.
func scalarValue(k types.Kind, num uint64, av arenaView) types.Value {
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
		return types.String(av.str(num))
	}
	return types.Undefined
}

// IndexPaths returns the index paths that have values, sorted.
func (s *Segment) IndexPaths() []string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]string, 0, len(s.ipaths))
	for p := range s.ipaths {
		out = append(out, p)
	}
	slices.Sort(out)
	return out
}

// DefinedPerBlock returns, for each block of index.BlockRows rows, how many
// rows have the path: writers skip the blocks where it is absent, which is
// most of them for the sparse columns of schemaless data.
func (s *Segment) DefinedPerBlock(path string) []int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]int, (s.rows+index.BlockRows-1)/index.BlockRows)
	c := s.cols[path]
	if c == nil {
		return out
	}
	rows := c.rows
	for b := range out {
		lo := sort.Search(len(rows), func(i int) bool { return int(rows[i]) >= b*index.BlockRows })
		hi := sort.Search(len(rows), func(i int) bool { return int(rows[i]) >= (b+1)*index.BlockRows })
		out[b] = hi - lo
	}
	return out
}

// DefinedValues returns the rows (below the segment's current count) that have
// the path and their values, in row order. Strings alias the arena.
func (s *Segment) DefinedValues(path string) ([]uint32, []types.Value, error) {
	s.mu.RLock()
	c := s.cols[path]
	if c == nil {
		s.mu.RUnlock()
		return nil, nil, nil
	}
	rows, kinds, nums, av := c.rows, c.kinds, c.nums, c.arena.view()
	s.mu.RUnlock()
	vals := make([]types.Value, len(rows))
	var d types.Decoder
	for i := range rows {
		vals[i] = decodeValue(&d, kinds[i], nums[i], av)
	}
	return rows, vals, nil
}

// PathChildren reports whether path is a column with values in rows
// [0, n), and returns, sorted, the column paths below it (path + ".…")
// with values there: what a query binder asks of each path it references,
// found by descending the tree of paths rather than listing every column
// (Fields), which a collection of many paths (a field added by every
// tenth patch) paid for at every query. ok is false for a text that is
// not a path in its canonical form (column paths are), or holds an array
// index or wildcard (no column path does): the caller compares it with
// the column paths as text.
func (s *Segment) PathChildren(path string, n int) (exists bool, children []string, ok bool) {
	p, err := types.ParsePath(path)
	if err != nil || p.String() != path {
		return false, nil, false
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	nd := &s.root
	for _, e := range p {
		if e.IsIndex || e.Wildcard {
			return false, nil, false
		}
		if nd = nd.find(e.Name); nd == nil {
			return false, nil, true
		}
	}
	var below func(nd *node)
	below = func(nd *node) {
		for _, k := range nd.kids {
			if k.col.visible(n) {
				children = append(children, k.path)
			}
			below(k)
		}
	}
	below(nd)
	slices.Sort(children)
	return nd.col.visible(n), children, true
}

// find returns the child named name, nil when there is none.
func (n *node) find(name string) *node {
	if n.byName != nil {
		return n.byName[name]
	}
	for _, k := range n.kids {
		if k.name == name {
			return k
		}
	}
	return nil
}

// visible reports whether c (nil: no column) has a value in rows [0, n).
func (c *column) visible(n int) bool {
	return c != nil && len(c.rows) > 0 && int(c.rows[0]) < n
}
