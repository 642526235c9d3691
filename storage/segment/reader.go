package segment

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/RoaringBitmap/roaring/v2"
	"github.com/basaltdb/basalt/coldata"
	"github.com/basaltdb/basalt/index"
	"github.com/basaltdb/basalt/storage/encoding"
	"github.com/basaltdb/basalt/types"
	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/klauspost/compress/zstd"
)

// ErrCorruption marks a segment file that does not decode.
var ErrCorruption = errors.New("corrupt segment file")

// IsCorruption reports whether err is (or wraps) a corruption error.
func IsCorruption(err error) bool {
	return errors.Is(err, ErrCorruption) || errors.Is(err, encoding.ErrCorrupt) || errors.Is(err, index.ErrCorruptIndex)
}

// Reader reads a segment file. It keeps the footer in memory and reads
// blocks and index regions on demand; it is safe for concurrent use.
type Reader struct {
	name string
	f    vfs.File
	size int64

	meta   Meta
	cols   []columnMeta
	colIdx map[string]int
	// paths caches Paths.
	paths     []string
	pathsOnce sync.Once
	indexes   map[string]indexMeta

	rowBlocks []rowBlock
	// legacyNaN: written at legacyNaNFooterVersion, with NaN ordered below
	// every number in zone maps and index terms.
	legacyNaN bool

	mu       sync.Mutex
	inverted map[string]*index.InvertedReader
	// lastRows caches the newest decompressed row block (never modified):
	// scans and nearby lookups read the same block many times in a row.
	lastRows     []byte
	lastRowBlock int
	// sparse caches decoded sparse columns (they are small by definition).
	sparse map[string]*sparseColumn
	// id keys this reader's blocks in cache, which keeps decompressed
	// blocks (nil: none).
	id    uint64
	cache *BlockCache
	// regions numbers the index regions read through the cache (under
	// mu), keying their blocks apart; a region whose opening failed keeps
	// its number.
	regions int32
}

// UseBlockCache makes the reader keep the blocks it decompresses in c and
// read them from it.
func (r *Reader) UseBlockCache(c *BlockCache) {
	r.cache = c
	r.id = readerIDs.Add(1)
}

// sparseColumn is a decoded sparse column: its rows and their values.
type sparseColumn struct {
	rows   []uint32
	values coldata.Vec
}

var footerDecoder = func() *zstd.Decoder {
	d, err := zstd.NewReader(nil, zstd.WithDecoderConcurrency(1))
	if err != nil {
		panic(err)
	}
	return d
}()

// Open opens and validates the segment file name.
func Open(fs vfs.FS, name string) (*Reader, error) {
	f, err := fs.Open(name)
	if err != nil {
		return nil, fmt.Errorf("open segment %q: %w", name, err)
	}
	r, err := newReader(name, f)
	if err != nil {
		f.Close()
		return nil, err
	}
	return r, nil
}

func newReader(name string, f vfs.File) (*Reader, error) {
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("stat segment %q: %w", name, err)
	}
	size := st.Size()
	const tailLen = 16
	if size < int64(len(headMagic))+tailLen {
		return nil, fmt.Errorf("%w: %q is %d bytes", ErrCorruption, name, size)
	}
	var tail [tailLen]byte
	if _, err := f.ReadAt(tail[:], size-tailLen); err != nil {
		return nil, fmt.Errorf("read segment %q tail: %w", name, err)
	}
	if string(tail[8:]) != tailMagic {
		return nil, fmt.Errorf("%w: %q has no end magic", ErrCorruption, name)
	}
	flen := int64(binary.LittleEndian.Uint32(tail[0:]))
	if flen > size-tailLen-int64(len(headMagic)) {
		return nil, fmt.Errorf("%w: %q footer length %d", ErrCorruption, name, flen)
	}
	z := make([]byte, flen)
	if _, err := f.ReadAt(z, size-tailLen-flen); err != nil {
		return nil, fmt.Errorf("read segment %q footer: %w", name, err)
	}
	if crc32.Checksum(z, crcTable) != binary.LittleEndian.Uint32(tail[4:]) {
		return nil, fmt.Errorf("%w: %q footer checksum mismatch", ErrCorruption, name)
	}
	footer, err := footerDecoder.DecodeAll(z, nil)
	if err != nil {
		return nil, fmt.Errorf("%w: %q footer: %v", ErrCorruption, name, err)
	}
	r := &Reader{name: name, f: f, size: size, colIdx: map[string]int{}, indexes: map[string]indexMeta{}, inverted: map[string]*index.InvertedReader{}}
	if err := r.decodeFooter(footer, uint64(size-tailLen-flen)); err != nil {
		return nil, fmt.Errorf("%w: %q footer: %v", ErrCorruption, name, err)
	}
	return r, nil
}

type footerReader struct {
	b   []byte
	err error
}

func (fr *footerReader) uvarint() uint64 {
	if fr.err != nil {
		return 0
	}
	v, n := binary.Uvarint(fr.b)
	if n <= 0 {
		fr.err = errors.New("bad uvarint")
		return 0
	}
	fr.b = fr.b[n:]
	return v
}

func (fr *footerReader) varint() int64 {
	if fr.err != nil {
		return 0
	}
	v, n := binary.Varint(fr.b)
	if n <= 0 {
		fr.err = errors.New("bad varint")
		return 0
	}
	fr.b = fr.b[n:]
	return v
}

func (fr *footerReader) count(limit uint64) int {
	n := fr.uvarint()
	if n > limit {
		fr.err = fmt.Errorf("count %d over %d", n, limit)
		return 0
	}
	return int(n)
}

func (fr *footerReader) str() string {
	n := fr.count(uint64(len(fr.b)))
	if fr.err != nil {
		return ""
	}
	s := string(fr.b[:n])
	fr.b = fr.b[n:]
	return s
}

func (r *Reader) decodeFooter(b []byte, dataEnd uint64) error {
	if len(b) == 0 || (b[0] != footerVersion && b[0] != legacyNaNFooterVersion) {
		return fmt.Errorf("unknown footer version")
	}
	r.legacyNaN = b[0] == legacyNaNFooterVersion
	fr := &footerReader{b: b[1:]}
	rows := fr.count(1 << 31)
	r.meta.Rows = rows
	r.meta.MinEventTime = fr.varint()
	r.meta.MaxEventTime = fr.varint()
	if uint64(rows) > uint64(len(fr.b)) {
		return fmt.Errorf("%d rows but %d footer bytes", rows, len(fr.b))
	}
	r.meta.RowIDs = make([]uint64, rows)
	var prev uint64
	for i := range r.meta.RowIDs {
		d := fr.uvarint()
		if i > 0 && d == 0 {
			return fmt.Errorf("row ids not ascending")
		}
		prev += d
		r.meta.RowIDs[i] = prev
	}
	ncols := fr.count(uint64(len(fr.b)))
	r.cols = make([]columnMeta, 0, ncols)
	maxBlocks := uint64(rows/index.BlockRows + 1)
	for i := 0; i < ncols && fr.err == nil; i++ {
		c := columnMeta{path: fr.str()}
		if fr.err == nil {
			if len(fr.b) == 0 || fr.b[0] > 1 {
				return fmt.Errorf("bad column flags")
			}
			c.sparse = fr.b[0] == 1
			fr.b = fr.b[1:]
		}
		for k := range c.counts[:types.NumDocKinds] {
			c.counts[k] = fr.uvarint()
		}
		nb := fr.count(maxBlocks)
		for j := 0; j < nb && fr.err == nil; j++ {
			ref := blockRef{off: fr.uvarint(), len: fr.uvarint()}
			if fr.err == nil && (ref.off < uint64(len(headMagic)) || ref.off+ref.len > dataEnd) {
				return fmt.Errorf("block outside the file")
			}
			if fr.err != nil {
				break
			}
			z, n, err := index.DecodeZone(fr.b)
			if err != nil {
				return err
			}
			fr.b = fr.b[n:]
			if r.legacyNaN {
				z = index.LegacyNaNZone(z)
			}
			ref.zone = z
			c.blocks = append(c.blocks, ref)
		}
		r.colIdx[c.path] = len(r.cols)
		r.cols = append(r.cols, c)
	}
	nidx := fr.count(uint64(len(fr.b)))
	for i := 0; i < nidx && fr.err == nil; i++ {
		ix := indexMeta{path: fr.str(), off: fr.uvarint(), len: fr.uvarint(), terms: fr.uvarint()}
		if fr.err == nil && ix.off+ix.len > dataEnd {
			return fmt.Errorf("index outside the file")
		}
		r.indexes[ix.path] = ix
	}
	nrb := fr.count(uint64(len(fr.b)))
	for i := 0; i < nrb && fr.err == nil; i++ {
		rb := rowBlock{first: fr.uvarint(), off: fr.uvarint(), len: fr.uvarint(), raw: fr.uvarint()}
		if fr.err != nil {
			break
		}
		if rb.off+rb.len > dataEnd || rb.off+rb.len < rb.off || rb.first >= uint64(rows) || rb.raw > 1<<30 ||
			(i > 0 && rb.first <= r.rowBlocks[i-1].first) || (i == 0 && rb.first != 0) {
			return fmt.Errorf("bad row block %d", i)
		}
		r.rowBlocks = append(r.rowBlocks, rb)
	}
	r.lastRowBlock = -1
	if fr.err != nil {
		return fr.err
	}
	if len(fr.b) != 0 {
		return fmt.Errorf("%d trailing footer bytes", len(fr.b))
	}
	return nil
}

// Close releases the file.
func (r *Reader) Close() error { return r.f.Close() }

// Name returns the file name.
func (r *Reader) Name() string { return r.name }

// Size returns the file size in bytes.
func (r *Reader) Size() int64 { return r.size }

// NumRows returns the number of rows.
func (r *Reader) NumRows() int { return r.meta.Rows }

// RowIDs returns the row ids, ascending; the slice is shared.
func (r *Reader) RowIDs() []uint64 { return r.meta.RowIDs }

// EventTimeRange returns the smallest and largest event time (micros).
func (r *Reader) EventTimeRange() (int64, int64) { return r.meta.MinEventTime, r.meta.MaxEventTime }

// Fields returns the kind counts of every column, sorted by path.
func (r *Reader) Fields() []index.FieldStats {
	out := make([]index.FieldStats, len(r.cols))
	for i, c := range r.cols {
		out[i] = index.FieldStats{Path: c.path, Counts: c.counts}
	}
	return out
}

// Paths returns the segment's column paths, sorted. The slice is shared:
// do not modify it.
func (r *Reader) Paths() []string {
	r.pathsOnce.Do(func() {
		r.paths = make([]string, len(r.cols))
		for i, c := range r.cols {
			r.paths[i] = c.path
		}
		slices.Sort(r.paths)
	})
	return r.paths
}

// FieldKinds returns the kind counts of column path, false when the
// segment has no such column.
func (r *Reader) FieldKinds(path string) ([types.NumKinds]uint64, bool) {
	i, ok := r.colIdx[path]
	if !ok {
		return [types.NumKinds]uint64{}, false
	}
	return r.cols[i].counts, true
}

// HasColumn reports whether the segment has the column path.
func (r *Reader) HasColumn(path string) bool {
	_, ok := r.colIdx[path]
	return ok
}

// NumBlocks returns the number of blocks of every column.
func (r *Reader) NumBlocks() int { return (r.meta.Rows + index.BlockRows - 1) / index.BlockRows }

// Zones returns the zone of every block of path; an absent column is all
// undefined.
func (r *Reader) Zones(path string) []index.Zone {
	out := make([]index.Zone, r.NumBlocks())
	blockRows := func(b int) uint32 { return uint32(min(index.BlockRows, r.meta.Rows-b*index.BlockRows)) }
	i, ok := r.colIdx[path]
	if !ok {
		for b := range out {
			out[b].Undefined = blockRows(b)
		}
		return out
	}
	c := r.cols[i]
	if c.sparse {
		// Every block with values gets the values' zone (a bound), with
		// its own count of undefined rows.
		defined := r.DefinedPerBlock(path)
		for b := range out {
			if defined[b] > 0 && len(c.blocks) > 0 {
				out[b] = c.blocks[0].zone
			}
			out[b].Undefined = blockRows(b) - uint32(defined[b])
		}
		return out
	}
	for b, blk := range c.blocks {
		out[b] = blk.zone
	}
	return out
}

// sparseColumn returns the decoded sparse column at index i of r.cols.
func (r *Reader) sparseColumn(i int) (*sparseColumn, error) {
	c := r.cols[i]
	r.mu.Lock()
	sc := r.sparse[c.path]
	r.mu.Unlock()
	if sc != nil {
		return sc, nil
	}
	sc = &sparseColumn{}
	if len(c.blocks) > 0 {
		ref := c.blocks[0]
		buf := make([]byte, ref.len)
		if _, err := r.f.ReadAt(buf, int64(ref.off)); err != nil {
			return nil, fmt.Errorf("read segment %q column %q: %w", r.name, c.path, err)
		}
		n, k := binary.Uvarint(buf)
		if k <= 0 || n > uint64(len(buf)) || n > uint64(r.meta.Rows) {
			return nil, fmt.Errorf("%w: %q sparse column %q: bad row count", ErrCorruption, r.name, c.path)
		}
		buf = buf[k:]
		sc.rows = make([]uint32, n)
		var row uint64
		for j := range sc.rows {
			d, k := binary.Uvarint(buf)
			if k <= 0 || (j > 0 && d == 0) {
				return nil, fmt.Errorf("%w: %q sparse column %q: bad rows", ErrCorruption, r.name, c.path)
			}
			row += d
			if row >= uint64(r.meta.Rows) {
				return nil, fmt.Errorf("%w: %q sparse column %q: row %d of %d", ErrCorruption, r.name, c.path, row, r.meta.Rows)
			}
			sc.rows[j] = uint32(row)
			buf = buf[k:]
		}
		// The values own their memory: a fresh decoder whose buffer the
		// cache keeps.
		var dec encoding.Decoder
		if err := dec.DecodeBlock(buf, &sc.values); err != nil {
			return nil, fmt.Errorf("segment %q sparse column %q: %w", r.name, c.path, err)
		}
		if sc.values.Len() != len(sc.rows) {
			return nil, fmt.Errorf("%w: %q sparse column %q: %d values for %d rows", ErrCorruption, r.name, c.path, sc.values.Len(), len(sc.rows))
		}
	}
	r.mu.Lock()
	if r.sparse == nil {
		r.sparse = map[string]*sparseColumn{}
	}
	r.sparse[c.path] = sc
	r.mu.Unlock()
	return sc, nil
}

// ReadBlock decodes block b of path into dst with dec. Strings alias dec's
// buffer (valid until dec decodes again). An absent column reads as
// undefined.
func (r *Reader) ReadBlock(path string, b int, dec *encoding.Decoder, dst *coldata.Vec) error {
	return r.readBlock(path, b, nil, dec, dst, true)
}

// ReadBlockRows is ReadBlock for a reader of the rows sel of the block
// alone (ascending, from 0 at the block's first row): dst has every row
// and its kind, but only the rows of sel are sure to hold their values
// (encoding.Decoder.DecodeBlockRows).
func (r *Reader) ReadBlockRows(path string, b int, sel []int, dec *encoding.Decoder, dst *coldata.Vec) error {
	return r.readBlock(path, b, sel, dec, dst, true)
}

// ReadBlockRowsOnce is ReadBlockRows for a single pass over the segment (a
// compaction reading the rows it keeps): the block does not go through the
// block cache.
func (r *Reader) ReadBlockRowsOnce(path string, b int, sel []int, dec *encoding.Decoder, dst *coldata.Vec) error {
	return r.readBlock(path, b, sel, dec, dst, false)
}

// readBlock is ReadBlockRows, through the block cache when cached is set.
func (r *Reader) readBlock(path string, b int, sel []int, dec *encoding.Decoder, dst *coldata.Vec, cached bool) error {
	if b < 0 || b >= r.NumBlocks() {
		return fmt.Errorf("segment %q: block %d of %d", r.name, b, r.NumBlocks())
	}
	i, ok := r.colIdx[path]
	if !ok {
		dst.ResetUniform(types.KindUndefined, min(index.BlockRows, r.meta.Rows-b*index.BlockRows))
		return nil
	}
	if r.cols[i].sparse {
		sc, err := r.sparseColumn(i)
		if err != nil {
			return err
		}
		lo := b * index.BlockRows
		n := min(index.BlockRows, r.meta.Rows-lo)
		j0 := sort.Search(len(sc.rows), func(j int) bool { return int(sc.rows[j]) >= lo })
		j1 := sort.Search(len(sc.rows), func(j int) bool { return int(sc.rows[j]) >= lo+n })
		if j0 == j1 {
			dst.ResetUniform(types.KindUndefined, n)
			return nil
		}
		kinds := make([]types.Kind, n)
		for j := j0; j < j1; j++ {
			kinds[int(sc.rows[j])-lo] = sc.values.Kind(j)
		}
		dst.ResetMixed(kinds)
		for j := j0; j < j1; j++ {
			k := int(sc.rows[j]) - lo
			switch v := sc.values.Value(j); v.Kind() {
			case types.KindBool, types.KindInt, types.KindTimestamp:
				dst.I64[k] = v.Int()
				if v.Kind() == types.KindBool && v.Bool() {
					dst.I64[k] = 1
				}
			case types.KindFloat:
				dst.F64[k] = v.Float()
			case types.KindString:
				dst.Str[k] = v.Str()
			case types.KindArray, types.KindObject:
				dst.Any[k] = v
			}
		}
		return nil
	}
	buf, err := r.blockBytes(i, b, dec, cached)
	if err != nil {
		return err
	}
	if err := dec.DecodeBlockRows(buf, dst, sel); err != nil {
		return fmt.Errorf("segment %q column %q block %d: %w", r.name, path, b, err)
	}
	if want := min(index.BlockRows, r.meta.Rows-b*index.BlockRows); dst.Len() != want {
		return fmt.Errorf("%w: %q column %q block %d has %d rows, want %d", ErrCorruption, r.name, path, b, dst.Len(), want)
	}
	return nil
}

// blockBytes returns the encoded block b of column i: from the block cache
// when it holds it, else read from the file (and, compressed, put in the
// cache decompressed). Blocks stored uncompressed are not kept: holding
// them too pushed compressed ones out of the cache, whose decompression
// costs far more than a read from the page cache.
func (r *Reader) blockBytes(i, b int, dec *encoding.Decoder, cached bool) ([]byte, error) {
	key := blockKey{reader: r.id, col: int32(i), block: int32(b)}
	if r.cache != nil && cached {
		if img := r.cache.get(key); img != nil {
			return img, nil
		}
	}
	ref := r.cols[i].blocks[b]
	// The decoder's read buffer: the block is decoded before the next read
	// with dec, and decoding copies out what values keep (a fresh buffer
	// per block was an allocation, zeroed, per block scanned).
	buf := dec.ReadBuffer(int(ref.len))
	if _, err := r.f.ReadAt(buf, int64(ref.off)); err != nil {
		return nil, fmt.Errorf("read segment %q column %q block %d: %w", r.name, r.cols[i].path, b, err)
	}
	if r.cache != nil && cached {
		img, ok, err := dec.Uncompressed(buf)
		if err != nil {
			return nil, fmt.Errorf("segment %q column %q block %d: %w", r.name, r.cols[i].path, b, err)
		}
		if ok {
			r.cache.put(key, img)
			return img, nil
		}
	}
	return buf, nil
}

// ReadColumn fills dst with rows [start, end) of path. The values own their
// memory (each block is decoded with its own decoder), so dst stays valid.
// It reads past the block cache: its readers (compaction, retention) read
// a column once, and would only push out what queries read again.
func (r *Reader) ReadColumn(path string, start, end int, dst *coldata.Vec) error {
	dst.Reset()
	if start < 0 || end > r.meta.Rows || start > end {
		return fmt.Errorf("segment %q: read rows [%d,%d) of %d", r.name, start, end, r.meta.Rows)
	}
	var blk coldata.Vec
	for row := start; row < end; {
		b := row / index.BlockRows
		var dec encoding.Decoder
		if err := r.readBlock(path, b, nil, &dec, &blk, false); err != nil {
			return err
		}
		lo := row - b*index.BlockRows
		hi := min(end-b*index.BlockRows, blk.Len())
		for i := lo; i < hi; i++ {
			dst.Append(blk.Value(i))
		}
		row = b*index.BlockRows + hi
	}
	return nil
}

// HasRows reports whether the segment keeps its documents (its row section).
func (r *Reader) HasRows() bool { return len(r.rowBlocks) > 0 }

// Doc returns the document of row in the types binary encoding. The bytes
// are a copy the caller owns.
func (r *Reader) Doc(row int) ([]byte, error) {
	if row < 0 || row >= r.meta.Rows {
		return nil, fmt.Errorf("segment %q: row %d of %d", r.name, row, r.meta.Rows)
	}
	if len(r.rowBlocks) == 0 {
		return nil, fmt.Errorf("segment %q has no row section", r.name)
	}
	b := sort.Search(len(r.rowBlocks), func(i int) bool { return r.rowBlocks[i].first > uint64(row) }) - 1
	buf, err := r.rowBlock(b)
	if err != nil {
		return nil, err
	}
	for i := int(r.rowBlocks[b].first); ; i++ {
		n, k := binary.Uvarint(buf)
		if k <= 0 || n > uint64(len(buf)-k) {
			return nil, fmt.Errorf("%w: %q row block %d is truncated", ErrCorruption, r.name, b)
		}
		if i == row {
			return append([]byte(nil), buf[k:k+int(n)]...), nil
		}
		buf = buf[k+int(n):]
	}
}

// rowBlock returns row block b decompressed: the newest one read, or one
// the block cache holds (updates and lookups by _id come back to the same
// documents), else read and decompressed. The bytes are never modified.
func (r *Reader) rowBlock(b int) ([]byte, error) {
	key := blockKey{reader: r.id, col: -1, block: int32(b)}
	if r.cache != nil {
		if img := r.cache.get(key); img != nil {
			return img, nil
		}
	}
	r.mu.Lock()
	if r.lastRowBlock == b && r.lastRows != nil {
		raw := r.lastRows
		r.mu.Unlock()
		return raw, nil
	}
	r.mu.Unlock()
	rb := r.rowBlocks[b]
	frame := make([]byte, rb.len)
	if _, err := r.f.ReadAt(frame, int64(rb.off)); err != nil {
		return nil, fmt.Errorf("read segment %q row block %d: %w", r.name, b, err)
	}
	raw, err := encoding.DecodeCodecFrame(nil, frame, int(rb.raw))
	if err != nil {
		return nil, fmt.Errorf("segment %q row block %d: %w", r.name, b, err)
	}
	if r.cache != nil {
		r.cache.put(key, raw)
	}
	r.mu.Lock()
	r.lastRows, r.lastRowBlock = raw, b
	r.mu.Unlock()
	return raw, nil
}

// Lookup adds to dst the rows whose value at the index path satisfies p.
// Rows the index can only call candidates (found through a truncated long
// string) are checked against the column's values.
func (r *Reader) Lookup(ipath string, p index.Predicate, dst *roaring.Bitmap) error {
	ir, err := r.invertedReader(ipath)
	if err != nil || ir == nil {
		return err
	}
	cand := roaring.New()
	if err := ir.Lookup(p, dst, cand); err != nil {
		return fmt.Errorf("segment %q index %q: %w", r.name, ipath, err)
	}
	if cand.IsEmpty() {
		return nil
	}
	cand.AndNot(dst)
	return r.verify(ipath, p, cand, dst)
}

// verify adds to dst the candidate rows whose actual values at ipath satisfy
// p, reading each column block that holds candidates once.
func (r *Reader) verify(ipath string, p index.Predicate, cand, dst *roaring.Bitmap) error {
	colPath := ipath
	if i := strings.Index(ipath, types.WildcardSegment); i >= 0 {
		colPath = ipath[:i]
	}
	var dec encoding.Decoder
	var vec coldata.Vec
	block := -1
	path := []byte(colPath)
	it := cand.Iterator()
	for it.HasNext() {
		row := int(it.Next())
		if b := row / index.BlockRows; b != block {
			if err := r.ReadBlock(colPath, b, &dec, &vec); err != nil {
				return err
			}
			block = b
		}
		v := vec.Value(row - block*index.BlockRows)
		if colPath == ipath {
			if p.Match(v) {
				dst.Add(uint32(row))
			}
			continue
		}
		path = types.IndexTerms(path, v, func(ip []byte, e types.Value) {
			if string(ip) == ipath && p.Match(e) {
				dst.Add(uint32(row))
			}
		})
	}
	return nil
}

// EachPosting calls fn with every term of index path ipath, its row count
// and, with firsts, its first row, in term order, until fn returns false
// (index.InvertedReader.EachPosting). Nothing when the path has no index.
func (r *Reader) EachPosting(ipath string, firsts bool, fn func(term []byte, count int, first uint32) bool) error {
	ir, err := r.invertedReader(ipath)
	if err != nil || ir == nil {
		return err
	}
	if err := ir.EachPosting(firsts, fn); err != nil {
		return fmt.Errorf("segment %q index %q: %w", r.name, ipath, err)
	}
	return nil
}

// PostingRefs returns where the rows of each term of an index path are,
// in term order (index.InvertedReader.PostingRefs); nil when absent.
func (r *Reader) PostingRefs(ipath string) ([]index.PostingRef, error) {
	ir, err := r.invertedReader(ipath)
	if err != nil || ir == nil {
		return nil, err
	}
	refs, err := ir.PostingRefs()
	if err != nil {
		return nil, fmt.Errorf("segment %q index %q: %w", r.name, ipath, err)
	}
	return refs, nil
}

// Live returns the rows of a term of an index path (ref, from PostingRefs)
// not in deleted, and the first of them.
func (r *Reader) Live(ipath string, ref index.PostingRef, deleted *roaring.Bitmap) (int, uint32, error) {
	ir, err := r.invertedReader(ipath)
	if err != nil || ir == nil {
		return 0, 0, err
	}
	live, first, err := ir.Live(ref, deleted)
	if err != nil {
		return 0, 0, fmt.Errorf("segment %q index %q: %w", r.name, ipath, err)
	}
	return live, first, nil
}

// EachRow calls fn with every row of a term of an index path (ref, from
// PostingRefs), in order.
func (r *Reader) EachRow(ipath string, ref index.PostingRef, fn func(row uint32)) error {
	ir, err := r.invertedReader(ipath)
	if err != nil || ir == nil {
		return err
	}
	if err := ir.EachRow(ref, fn); err != nil {
		return fmt.Errorf("segment %q index %q: %w", r.name, ipath, err)
	}
	return nil
}

// NumTerms returns the distinct terms of an index path (0 when absent).
func (r *Reader) NumTerms(ipath string) int { return int(r.indexes[ipath].terms) }

// IndexPaths returns the index paths, sorted.
func (r *Reader) IndexPaths() []string {
	out := make([]string, 0, len(r.indexes))
	for p := range r.indexes {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

func (r *Reader) invertedReader(ipath string) (*index.InvertedReader, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if ir, ok := r.inverted[ipath]; ok {
		return ir, nil
	}
	ix, ok := r.indexes[ipath]
	if !ok {
		return nil, nil
	}
	var src io.ReaderAt = r.f
	if r.cache != nil && ix.len <= math.MaxInt32 {
		r.regions++
		src = &cachedRegion{r: r, col: -1 - r.regions, off: int64(ix.off)}
	}
	ir, err := index.OpenInverted(src, int64(ix.off), int64(ix.len))
	if err != nil {
		return nil, fmt.Errorf("segment %q index %q: %w", r.name, ipath, err)
	}
	if r.legacyNaN {
		ir.SetLegacyNaN()
	}
	r.inverted[ipath] = ir
	return ir, nil
}

// SectionSizes reports how many bytes of the file each part takes: per
// column path (its blocks), per index path (its region), the row section and
// the rest (header, footer).
type SectionSizes struct {
	Columns map[string]int64
	Indexes map[string]int64
	Rows    int64
	Other   int64
}

// Sizes returns the file's section sizes.
func (r *Reader) Sizes() SectionSizes {
	s := SectionSizes{Columns: map[string]int64{}, Indexes: map[string]int64{}}
	var used int64
	for _, c := range r.cols {
		for _, b := range c.blocks {
			s.Columns[c.path] += int64(b.len)
		}
		used += s.Columns[c.path]
	}
	for p, ix := range r.indexes {
		s.Indexes[p] = int64(ix.len)
		used += int64(ix.len)
	}
	for _, rb := range r.rowBlocks {
		s.Rows += int64(rb.len)
	}
	used += s.Rows
	s.Other = r.size - used
	return s
}

// DefinedPerBlock returns, for each block, how many rows have the path.
func (r *Reader) DefinedPerBlock(path string) []int {
	out := make([]int, r.NumBlocks())
	i, ok := r.colIdx[path]
	if !ok {
		return out
	}
	if r.cols[i].sparse {
		sc, err := r.sparseColumn(i)
		if err != nil {
			// Unreadable: say every row may have the path, so readers
			// go to the block and report the error there.
			for b := range out {
				out[b] = min(index.BlockRows, r.meta.Rows-b*index.BlockRows)
			}
			return out
		}
		for _, row := range sc.rows {
			out[int(row)/index.BlockRows]++
		}
		return out
	}
	for b, blk := range r.cols[i].blocks {
		out[b] = min(index.BlockRows, r.meta.Rows-b*index.BlockRows) - int(blk.zone.Undefined)
	}
	return out
}

// DefinedValues returns the rows that have the path and their values, in row
// order, reading only the blocks that hold some. The values own their
// memory.
func (r *Reader) DefinedValues(path string) ([]uint32, []types.Value, error) {
	i, ok := r.colIdx[path]
	if !ok {
		return nil, nil, nil
	}
	if r.cols[i].sparse {
		sc, err := r.sparseColumn(i)
		if err != nil {
			return nil, nil, err
		}
		vals := make([]types.Value, len(sc.rows))
		for j := range vals {
			vals[j] = sc.values.Value(j)
		}
		return sc.rows, vals, nil
	}
	var rows []uint32
	var vals []types.Value
	defined := r.DefinedPerBlock(path)
	for b, n := range defined {
		if n == 0 {
			continue
		}
		var dec encoding.Decoder // a decoder per block: values keep its buffer
		var vec coldata.Vec
		if err := r.ReadBlock(path, b, &dec, &vec); err != nil {
			return nil, nil, err
		}
		for j := 0; j < vec.Len(); j++ {
			if vec.Kind(j) != types.KindUndefined {
				rows = append(rows, uint32(b*index.BlockRows+j))
				vals = append(vals, vec.Value(j))
			}
		}
	}
	return rows, vals, nil
}

// cachedRegion reads an index region through the block cache: lookups read
// the same term blocks and posting lists again and again, and a read of the
// file each time (a system call and a copy from the page cache) was a tenth
// of an indexed count's time. The inverted reader asks for the same (offset,
// length) pairs each time: a term block or one posting list.
type cachedRegion struct {
	r   *Reader
	col int32 // -1 - the region's number (from 1) in this reader
	off int64 // the region's offset in the file
}

func (c *cachedRegion) ReadAt(p []byte, off int64) (int, error) {
	key := blockKey{reader: c.r.id, col: c.col, block: int32(off - c.off)}
	if img := c.r.cache.get(key); len(img) == len(p) {
		return copy(p, img), nil
	}
	n, err := c.r.f.ReadAt(p, off)
	if err == nil {
		c.r.cache.put(key, append([]byte(nil), p...))
	}
	return n, err
}
