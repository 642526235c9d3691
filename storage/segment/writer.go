package segment

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"slices"
	"sync"

	"github.com/basaltdb/basalt/coldata"
	"github.com/basaltdb/basalt/index"
	"github.com/basaltdb/basalt/storage/encoding"
	"github.com/basaltdb/basalt/storage/paced"
	"github.com/basaltdb/basalt/types"
	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/klauspost/compress/zstd"
)

const (
	headMagic = "BSLTSEG1"
	tailMagic = "BSLTEND1"
	// footerVersion changes whenever the footer layout does, or the
	// meaning of what it holds: version 4 orders NaN above every number in
	// zone maps and index terms, where version 3 (still read) ordered it
	// below.
	footerVersion = 4
	// legacyNaNFooterVersion is read as version 4 with NaN moved.
	legacyNaNFooterVersion = 3
	// rowBlockBytes is the uncompressed size a row block fills up to: large
	// enough for the compressor to find the repetition between documents,
	// small enough that reading one document (a point lookup, or a patch's
	// read-modify-write) decompresses little. 16 KiB cost 2% in ratio
	// against 32 KiB on documents that repeated, and 5.7% on distinct
	// RockBench documents (s2 0.493 against 0.465; 64 KiB 0.448), and
	// halves the work of a random read.
	rowBlockBytes = 16 << 10
	// rowChunkBytes is the size of the buffers the row section is built in.
	rowChunkBytes = 1 << 20
)

var crcTable = crc32.MakeTable(crc32.Castagnoli)

// Meta describes a segment as a whole.
type Meta struct {
	Rows         int
	MinEventTime int64 // microseconds
	MaxEventTime int64
	RowIDs       []uint64 // ascending, one per row
}

type blockRef struct {
	off, len uint64
	zone     index.Zone
}

type columnMeta struct {
	path   string
	counts [types.NumKinds]uint64
	blocks []blockRef
	// sparse columns have one block: the rows that have the path (uvarint
	// count, uvarint deltas) then a column block of just their values.
	sparse bool
}

type indexMeta struct {
	path     string
	off, len uint64
	terms    uint64
}

// rowBlock locates a block of documents in the row section.
type rowBlock struct {
	first    uint64 // first row
	off, len uint64 // the compressed frame
	raw      uint64 // its uncompressed length
}

// Writer writes one segment file. Columns are encoded in memory, each by its
// own Column (several may be encoded concurrently, one goroutine each), and
// written to the file in ascending path order with WriteColumn. Documents are
// added with AddRow, from one goroutine, possibly while columns are encoded.
// Everything else is not safe for concurrent use.
type Writer struct {
	fs       vfs.FS
	tmpName  string
	name     string
	f        vfs.File
	paced    *paced.File
	buf      []byte // written to f by flushBuf
	off      uint64
	cols     []columnMeta
	indexes  []indexMeta
	region   []byte // AddIndex's region, before it is written
	finished bool

	// The row section is built in memory (rowData, offsets relative to its
	// start) and written by Finish, so AddRow never touches the file. It
	// is kept in chunks: one growing buffer copied the section over and
	// over as it doubled (5% of the sealing CPU).
	rowCodec  encoding.Codec
	colCodec  encoding.Codec
	rows      int
	rowBuf    []byte
	rowFirst  int
	rowData   [][]byte
	rowBytes  int
	rowBlocks []rowBlock
	err       error
}

// Create starts a segment file that will be named name once Finish succeeds.
func Create(fs vfs.FS, name string) (*Writer, error) {
	tmp := name + ".tmp"
	f, err := fs.Create(tmp, vfs.WriteCategoryUnspecified)
	if err != nil {
		return nil, fmt.Errorf("create segment %q: %w", tmp, err)
	}
	// Write back as it goes: one sync of a whole segment at the end sent
	// tens of megabytes to the disk at once, and the commits' small syncs
	// (every writer waits for one) queued behind them: every seal showed as
	// a 120-200 ms stall of data latency.
	pf := paced.NewFile(f, func() bool { return false })
	w := &Writer{fs: fs, tmpName: tmp, name: name, f: pf, paced: pf, rowCodec: encoding.CodecS2, colCodec: encoding.CodecZstd}
	if err := w.write([]byte(headMagic)); err != nil {
		f.Close()
		return nil, err
	}
	return w, nil
}

func (w *Writer) write(b []byte) error {
	if len(w.buf)+len(b) > writeBufBytes {
		if err := w.flushBuf(); err != nil {
			return err
		}
	}
	if len(b) >= writeBufBytes {
		// In pieces, so that a paced file syncs every step even within a
		// region of tens of megabytes (PaceSyncs).
		for len(b) > 0 {
			n := min(len(b), writeBufBytes)
			if _, err := w.f.Write(b[:n]); err != nil {
				return fmt.Errorf("write segment %q: %w", w.tmpName, err)
			}
			w.off += uint64(n)
			b = b[n:]
		}
		return nil
	}
	w.buf = append(w.buf, b...)
	w.off += uint64(len(b))
	return nil
}

// writeBufBytes is how much the writer gathers before writing to the file:
// a segment of schemaless documents can have tens of thousands of columns
// of a value or two, and a write each was a system call each.
const writeBufBytes = 256 << 10

func (w *Writer) flushBuf() error {
	if len(w.buf) == 0 {
		return nil
	}
	if _, err := w.f.Write(w.buf); err != nil {
		return fmt.Errorf("write segment %q: %w", w.tmpName, err)
	}
	w.buf = w.buf[:0]
	return nil
}

// Column encodes the values of one column path in memory. Rows are appended
// in the segment's row order with Append; every column must get exactly
// Meta.Rows rows (undefined where a row lacks the path).
type Column struct {
	meta    columnMeta
	indexes []indexMeta // offsets relative to out, like meta's blocks
	out     []byte      // encoded blocks, then index regions
	vec     coldata.Vec
	arena   []byte
	rows    int
	terms   map[string]*index.Builder // index path → its postings; nil: the caller writes the index
	// own is the builder of the column's own path, lastB of the element
	// path lastPath (`tags[*]`): rows are mostly alike, and hashing the
	// path per value was a visible part of sealing.
	own      *index.Builder
	lastPath []byte
	lastB    *index.Builder
	path     []byte
	stable   bool
	done     bool
	w        *Writer // set by BeginColumn, for End
	codec    encoding.Codec

	// Sparse mode: only the rows that have the path are kept, with their
	// values in vec (see Sparse).
	sparse     bool
	sparseRows []uint32
}

// MaxSparseValues bounds the values of a sparse column (one column block).
const MaxSparseValues = 1 << 16

// Sparse makes the column keep only the rows that have the path: for paths
// in few rows, as schemaless data has many (one patch workload made 12,000
// columns of under 64 values in a 56,000-row segment). It must be called
// before any Append, and the column may hold at most MaxSparseValues values.
func (c *Column) Sparse() { c.sparse = true }

// builderPool recycles index builders (and their buffers) across columns.
var builderPool = sync.Pool{New: func() any { return &index.Builder{} }}

// invertedPool recycles inverted index writers (and their buffers, which
// grow to a region's size) across index paths and segments.
var invertedPool = sync.Pool{New: func() any { return index.NewInvertedWriter() }}

// getInverted returns an empty writer from the pool.
func getInverted() *index.InvertedWriter {
	iw := invertedPool.Get().(*index.InvertedWriter)
	iw.Reset()
	return iw
}

// StableStrings tells the column that the strings appended to it stay valid
// and unchanged until Finish (e.g. they live in a frozen mutable segment), so
// it need not copy them.
func (c *Column) StableStrings() { c.stable = true }

// NewColumn starts encoding the column path; with buildIndex its inverted
// index is built from the values appended. Columns may be encoded
// concurrently.
func (w *Writer) NewColumn(path string, buildIndex bool) *Column {
	c := &Column{meta: columnMeta{path: path}, path: []byte(path), codec: w.colCodec}
	if buildIndex {
		c.terms = map[string]*index.Builder{}
	}
	return c
}

// BeginColumn starts the column path, building its inverted index; End
// writes it. Columns begun this way go one at a time, in path order.
func (w *Writer) BeginColumn(path string) *Column {
	c := w.NewColumn(path, true)
	c.w = w
	return c
}

// BeginColumnValues starts a column whose inverted index the caller writes
// with AddIndex; End writes it.
func (w *Writer) BeginColumnValues(path string) *Column {
	c := w.NewColumn(path, false)
	c.w = w
	return c
}

// End finishes a column begun with BeginColumn and writes it.
func (c *Column) End() error {
	if c.w == nil {
		return fmt.Errorf("segment: End of column %q, which was not begun with BeginColumn", c.meta.path)
	}
	if err := c.Finish(); err != nil {
		return err
	}
	return c.w.WriteColumn(c)
}

// AddIndex writes the inverted index of an index path from terms in
// ascending order and their rows (each ascending, non-empty).
func (w *Writer) AddIndex(ipath string, terms [][]byte, rows [][]uint32) error {
	if len(terms) != len(rows) {
		return fmt.Errorf("segment: index %q: %d terms, %d posting lists", ipath, len(terms), len(rows))
	}
	if len(terms) == 0 {
		return nil
	}
	iw := getInverted()
	defer invertedPool.Put(iw)
	for i, t := range terms {
		if err := iw.Add(t, rows[i]); err != nil {
			return fmt.Errorf("segment: index %q: %w", ipath, err)
		}
	}
	w.region = iw.AppendRegion(w.region[:0])
	im := indexMeta{path: ipath, off: w.off, len: uint64(len(w.region)), terms: uint64(len(terms))}
	if err := w.write(w.region); err != nil {
		return err
	}
	w.indexes = append(w.indexes, im)
	return nil
}

// PaceSyncs makes the writer sync the file every paced.Step bytes while
// when returns true; it is asked at each step. Seals take ~5% longer
// paced (BenchmarkSeal), but leave each commit's sync little to carry
// (package paced).
func (w *Writer) PaceSyncs(when func() bool) { w.paced.SetPace(when) }

// ColumnCodec chooses how column blocks are compressed (see
// encoding.AppendBlockCodec); the default is zstd. Columns made before the
// call keep the codec they were made with.
func (w *Writer) ColumnCodec(c encoding.Codec) { w.colCodec = c }

// RowCodec chooses the row section's compression. The default is s2: it
// decodes about 4x faster than zstd here, and random document reads
// (point lookups, patches) decode a block each; zstd is about 25% smaller.
func (w *Writer) RowCodec(c encoding.Codec) { w.rowCodec = c }

// AddRow appends the next row's document, in the types binary encoding, to
// the row section: the segment's row store, where point lookups and whole-
// document reads find it. Either every row gets a document or none does.
func (w *Writer) AddRow(doc []byte) error {
	if w.err != nil {
		return w.err
	}
	// A block stays under rowBlockBytes unless one document is larger:
	// s2 compresses an input under 16 KiB with a table a sixteenth the
	// size, which it clears for every block (BenchmarkSeal: 3% less CPU,
	// 0.8% more bytes).
	if n := len(w.rowBuf); n > 0 && n+binary.MaxVarintLen32+len(doc) >= rowBlockBytes {
		w.flushRows()
	}
	w.rowBuf = binary.AppendUvarint(w.rowBuf, uint64(len(doc)))
	w.rowBuf = append(w.rowBuf, doc...)
	w.rows++
	return w.err
}

func (w *Writer) flushRows() {
	if len(w.rowBuf) == 0 {
		return
	}
	// Room for an incompressible block; a frame that still does not fit
	// only regrows its own chunk.
	need := len(w.rowBuf) + len(w.rowBuf)/8 + 64
	if n := len(w.rowData); n == 0 || cap(w.rowData[n-1])-len(w.rowData[n-1]) < need {
		w.rowData = append(w.rowData, make([]byte, 0, max(rowChunkBytes, need)))
	}
	chunk := &w.rowData[len(w.rowData)-1]
	start := len(*chunk)
	*chunk = encoding.AppendCodecFrame(*chunk, w.rowBuf, w.rowCodec)
	n := len(*chunk) - start
	w.rowBlocks = append(w.rowBlocks, rowBlock{first: uint64(w.rowFirst), off: uint64(w.rowBytes), len: uint64(n), raw: uint64(len(w.rowBuf))})
	w.rowBytes += n
	w.rowBuf = w.rowBuf[:0]
	w.rowFirst = w.rows
}

// Append adds the next row's value. Strings and nested values are copied
// (unless StableStrings), so v may alias a buffer that changes afterwards.
func (c *Column) Append(v types.Value) {
	row := uint32(c.rows)
	if c.sparse {
		if v.Kind() == types.KindUndefined {
			c.meta.counts[types.KindUndefined]++
			c.rows++
			return
		}
		c.sparseRows = append(c.sparseRows, row)
	}
	switch v.Kind() {
	case types.KindString:
		if c.stable {
			c.vec.Append(v)
			break
		}
		// The block's strings live in c.arena until the block is encoded.
		// Re-slicing after a reallocation would invalidate earlier
		// strings, so grow by allocating anew and copying all.
		if cap(c.arena)-len(c.arena) < len(v.Str()) {
			c.regrowArena(len(v.Str()))
		}
		n := len(c.arena)
		c.arena = append(c.arena, v.Str()...)
		c.vec.Append(types.String(bytesString(c.arena[n:])))
	default:
		c.vec.Append(v)
	}
	c.meta.counts[v.Kind()]++
	if k := v.Kind(); k != types.KindUndefined && c.terms != nil {
		if k.IsScalar() {
			if c.own == nil {
				c.own = c.builder(c.meta.path)
			}
			c.own.Add(v, row)
		} else {
			types.IndexTerms(c.path, v, func(ipath []byte, e types.Value) {
				if c.lastB == nil || !bytes.Equal(ipath, c.lastPath) {
					c.lastB = c.terms[string(ipath)] // no allocation when present
					if c.lastB == nil {
						c.lastB = c.builder(string(ipath))
					}
					c.lastPath = append(c.lastPath[:0], ipath...)
				}
				c.lastB.Add(e, row)
			})
		}
	}
	c.rows++
	if c.vec.Len() == index.BlockRows && !c.sparse {
		c.flushBlock()
	}
}

// AppendUndefined adds n rows without the path, a block at a time.
func (c *Column) AppendUndefined(n int) {
	if c.sparse {
		c.meta.counts[types.KindUndefined] += uint64(n)
		c.rows += n
		return
	}
	for n > 0 {
		if c.vec.Len() == 0 && n >= index.BlockRows {
			c.vec.ResetUniform(types.KindUndefined, index.BlockRows)
			c.meta.counts[types.KindUndefined] += index.BlockRows
			c.rows += index.BlockRows
			n -= index.BlockRows
			c.flushBlock()
			continue
		}
		k := min(n, index.BlockRows-c.vec.Len())
		c.vec.AppendUndefined(k)
		c.meta.counts[types.KindUndefined] += uint64(k)
		c.rows += k
		n -= k
		if c.vec.Len() == index.BlockRows {
			c.flushBlock()
		}
	}
}

func (c *Column) builder(ipath string) *index.Builder {
	b := c.terms[ipath]
	if b == nil {
		b = builderPool.Get().(*index.Builder)
		b.Reset()
		c.terms[ipath] = b
	}
	return b
}

// regrowArena re-homes the strings of the current block in a larger arena.
// It starts small: a compaction of patched documents writes thousands of
// columns of a value or two, and a 64 KiB arena each was a fifth of its
// CPU (allocating and clearing them).
func (c *Column) regrowArena(need int) {
	old := c.arena
	c.arena = make([]byte, 0, max(2*cap(old), len(old)+need, 256))
	n := c.vec.Len()
	for i := 0; i < n; i++ {
		if c.vec.Kind(i) == types.KindString {
			s := c.vec.Str[i]
			m := len(c.arena)
			c.arena = append(c.arena, s...)
			c.vec.Str[i] = bytesString(c.arena[m:])
		}
	}
}

func (c *Column) flushBlock() {
	if c.vec.Len() == 0 {
		return
	}
	off := len(c.out)
	c.out = encoding.AppendBlockCodec(c.out, &c.vec, c.codec)
	if c.codec == encoding.CodecS2 && encoding.FellBackToZstd(c.out[off:]) {
		// The column's values (random tokens, hex ids) are not s2's:
		// its next blocks go to zstd without trying s2 first.
		c.codec = encoding.CodecZstd
	}
	c.meta.blocks = append(c.meta.blocks, blockRef{off: uint64(off), len: uint64(len(c.out) - off), zone: index.ZoneOf(&c.vec)})
	c.vec.Reset()
	c.arena = c.arena[:0]
}

// flushSparse encodes a sparse column's single block: the rows, then the
// values.
func (c *Column) flushSparse() error {
	c.meta.sparse = true
	if len(c.sparseRows) == 0 {
		return nil
	}
	if len(c.sparseRows) > MaxSparseValues {
		return fmt.Errorf("segment: sparse column %q has %d values, over %d", c.meta.path, len(c.sparseRows), MaxSparseValues)
	}
	off := len(c.out)
	c.out = binary.AppendUvarint(c.out, uint64(len(c.sparseRows)))
	prev := uint32(0)
	for i, r := range c.sparseRows {
		if i == 0 {
			c.out = binary.AppendUvarint(c.out, uint64(r))
		} else {
			c.out = binary.AppendUvarint(c.out, uint64(r-prev))
		}
		prev = r
	}
	c.out = encoding.AppendBlockCodec(c.out, &c.vec, c.codec)
	c.meta.blocks = append(c.meta.blocks, blockRef{off: uint64(off), len: uint64(len(c.out) - off), zone: index.ZoneOf(&c.vec)})
	c.vec.Reset()
	c.sparseRows = nil
	return nil
}

// Finish encodes the column's last block and its inverted index regions.
func (c *Column) Finish() error {
	if c.done {
		return fmt.Errorf("segment: column %q finished twice", c.meta.path)
	}
	c.done = true
	if c.sparse {
		if err := c.flushSparse(); err != nil {
			c.releaseBuilders()
			return err
		}
	} else {
		c.flushBlock()
	}
	c.arena = nil
	if c.terms == nil || c.meta.counts[types.KindUndefined] == uint64(c.rows) {
		c.releaseBuilders()
		return nil
	}
	ipaths := make([]string, 0, len(c.terms))
	for p := range c.terms {
		ipaths = append(ipaths, p)
	}
	slices.Sort(ipaths)
	for _, ip := range ipaths {
		b := c.terms[ip]
		if b.Len() == 0 {
			continue
		}
		iw := getInverted()
		terms, err := b.Write(iw)
		if err != nil {
			invertedPool.Put(iw)
			c.releaseBuilders()
			return fmt.Errorf("segment: index %q: %w", ip, err)
		}
		off := len(c.out)
		c.out = iw.AppendRegion(c.out)
		invertedPool.Put(iw)
		c.indexes = append(c.indexes, indexMeta{path: ip, off: uint64(off), len: uint64(len(c.out) - off), terms: uint64(terms)})
	}
	c.releaseBuilders()
	return nil
}

func (c *Column) releaseBuilders() {
	for _, b := range c.terms {
		b.Reset()
		builderPool.Put(b)
	}
	c.terms, c.own, c.lastB = nil, nil, nil
}

// Rows returns how many rows were appended to the column.
func (c *Column) Rows() int { return c.rows }

// WriteColumn writes a finished column to the file. Columns must be written
// in ascending path order.
func (w *Writer) WriteColumn(c *Column) error {
	if !c.done {
		return fmt.Errorf("segment: column %q written before Finish", c.meta.path)
	}
	defer func() { c.out = nil }()
	if c.meta.counts[types.KindUndefined] == uint64(c.rows) {
		// A column nobody has is not worth a footer entry.
		return nil
	}
	if n := len(w.cols); n > 0 && w.cols[n-1].path >= c.meta.path {
		return fmt.Errorf("segment: column %q written after %q", c.meta.path, w.cols[n-1].path)
	}
	base := w.off
	if err := w.write(c.out); err != nil {
		return err
	}
	meta := c.meta
	for i := range meta.blocks {
		meta.blocks[i].off += base
	}
	w.cols = append(w.cols, meta)
	for _, ix := range c.indexes {
		ix.off += base
		w.indexes = append(w.indexes, ix)
	}
	return nil
}

// Finish writes the footer, syncs the file and renames it to its final name.
// It returns the file size.
func (w *Writer) Finish(meta Meta) (int64, error) {
	if w.finished {
		return 0, fmt.Errorf("segment: Finish called twice")
	}
	w.finished = true
	if len(meta.RowIDs) != meta.Rows {
		w.abort()
		return 0, fmt.Errorf("segment: %d row ids for %d rows", len(meta.RowIDs), meta.Rows)
	}
	if w.err == nil {
		w.flushRows()
		base := w.off
		for _, chunk := range w.rowData {
			if err := w.write(chunk); err != nil {
				w.err = err
				break
			}
		}
		for i := range w.rowBlocks {
			w.rowBlocks[i].off += base
		}
		w.rowData = nil
	}
	if w.err != nil {
		w.abort()
		return 0, w.err
	}
	if w.rows != 0 && w.rows != meta.Rows {
		w.abort()
		return 0, fmt.Errorf("segment: %d documents for %d rows", w.rows, meta.Rows)
	}
	for _, c := range w.cols {
		var n uint64
		for _, k := range c.counts {
			n += k
		}
		if n != uint64(meta.Rows) {
			w.abort()
			return 0, fmt.Errorf("segment: column %q has %d rows, segment %d", c.path, n, meta.Rows)
		}
	}
	slices.SortFunc(w.indexes, func(a, b indexMeta) int {
		switch {
		case a.path < b.path:
			return -1
		case a.path > b.path:
			return 1
		}
		return 0
	})
	footer := encodeFooter(meta, w.cols, w.indexes, w.rowBlocks)
	enc, err := zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedDefault), zstd.WithEncoderConcurrency(1))
	if err != nil {
		w.abort()
		return 0, err
	}
	z := enc.EncodeAll(footer, nil)
	enc.Close()
	tail := binary.LittleEndian.AppendUint32(nil, uint32(len(z)))
	tail = binary.LittleEndian.AppendUint32(tail, crc32.Checksum(z, crcTable))
	tail = append(tail, tailMagic...)
	if err := w.write(z); err != nil {
		w.abort()
		return 0, err
	}
	if err := w.write(tail); err != nil {
		w.abort()
		return 0, err
	}
	if err := w.flushBuf(); err != nil {
		w.abort()
		return 0, err
	}
	// Data and the size that reads it back (fdatasync): the rename and the
	// directory's sync that follow make the name durable.
	if err := w.f.SyncData(); err != nil {
		w.abort()
		return 0, fmt.Errorf("sync segment %q: %w", w.tmpName, err)
	}
	if err := w.f.Close(); err != nil {
		w.f = nil
		w.abort()
		return 0, fmt.Errorf("close segment %q: %w", w.tmpName, err)
	}
	w.f = nil
	if err := w.fs.Rename(w.tmpName, w.name); err != nil {
		w.abort()
		return 0, fmt.Errorf("rename segment %q: %w", w.name, err)
	}
	if err := syncDir(w.fs, w.name); err != nil {
		return 0, err
	}
	return int64(w.off), nil
}

// Abort discards an unfinished file.
func (w *Writer) Abort() {
	if !w.finished {
		w.finished = true
		w.abort()
	}
}

func (w *Writer) abort() {
	if w.f != nil {
		w.f.Close()
		w.f = nil
	}
	_ = w.fs.Remove(w.tmpName)
}

func syncDir(fs vfs.FS, name string) error {
	dir, err := fs.OpenDir(fs.PathDir(name))
	if err != nil {
		return fmt.Errorf("open directory of %q: %w", name, err)
	}
	defer dir.Close()
	if err := dir.Sync(); err != nil {
		return fmt.Errorf("sync directory of %q: %w", name, err)
	}
	return nil
}

func encodeFooter(meta Meta, cols []columnMeta, indexes []indexMeta, rows []rowBlock) []byte {
	b := []byte{footerVersion}
	b = binary.AppendUvarint(b, uint64(meta.Rows))
	b = binary.AppendVarint(b, meta.MinEventTime)
	b = binary.AppendVarint(b, meta.MaxEventTime)
	var prev uint64
	for _, id := range meta.RowIDs {
		b = binary.AppendUvarint(b, id-prev)
		prev = id
	}
	b = binary.AppendUvarint(b, uint64(len(cols)))
	for _, c := range cols {
		b = appendString(b, c.path)
		flags := byte(0)
		if c.sparse {
			flags = 1
		}
		b = append(b, flags)
		// The kinds documents hold, not NumKinds: the footer's layout
		// must not change when a kind only queries make is added.
		for _, n := range c.counts[:types.NumDocKinds] {
			b = binary.AppendUvarint(b, n)
		}
		b = binary.AppendUvarint(b, uint64(len(c.blocks)))
		for _, blk := range c.blocks {
			b = binary.AppendUvarint(b, blk.off)
			b = binary.AppendUvarint(b, blk.len)
			b = index.AppendZone(b, blk.zone)
		}
	}
	b = binary.AppendUvarint(b, uint64(len(indexes)))
	for _, ix := range indexes {
		b = appendString(b, ix.path)
		b = binary.AppendUvarint(b, ix.off)
		b = binary.AppendUvarint(b, ix.len)
		b = binary.AppendUvarint(b, ix.terms)
	}
	b = binary.AppendUvarint(b, uint64(len(rows)))
	for _, rb := range rows {
		b = binary.AppendUvarint(b, rb.first)
		b = binary.AppendUvarint(b, rb.off)
		b = binary.AppendUvarint(b, rb.len)
		b = binary.AppendUvarint(b, rb.raw)
	}
	return b
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}
