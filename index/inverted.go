package index

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"math/bits"
	"slices"
	"sort"
	"strings"

	"github.com/RoaringBitmap/roaring/v2"
	"github.com/basaltdb/basalt/types"
	"github.com/klauspost/compress/huff0"
)

// The on-disk inverted index of one path inside a segment file:
//
//	+---------------------------+
//	| posting lists             |  roaring bitmaps, serialized, back to back
//	+---------------------------+
//	| term blocks               |  up to termsPerBlock terms each:
//	|                           |    uvarint shared-prefix, uvarint suffix len, suffix,
//	|                           |    uvarint count, then the row if count == 1,
//	|                           |    the first row and count-1 uvarint deltas if
//	|                           |    count <= maxInlineRows,
//	|                           |    else uvarint offset, uvarint length of its bitmap
//	+---------------------------+
//	| block index               |  per block: uvarint first-term len, first term,
//	|                           |  uvarint block offset, uvarint block length
//	+---------------------------+
//	| u32 terms | u32 blocks | u32 block-index offset | u32 magic |
//	+---------------------------+
//
// Offsets are relative to the start of the region. A term that matches one
// row (ids, timestamps) keeps the row inline, which is most terms of a
// high-cardinality field.
//
// A region whose term blocks are large enough, and shrink enough, is
// written coded instead ("BSVH"): each block Huffman-coded with one table
// for the whole region (or kept as it is when coding would not shrink it),
// the table after the blocks, and the block index giving each block's
// decoded length too (0: stored as it is):
//
//	| posting lists | term blocks | Huffman table | block index: per block
//	uvarint first-term len, first term, uvarint offset, uvarint length,
//	uvarint decoded length | u32 terms | u32 blocks | u32 block-index offset |
//	u32 table offset | u32 magic |
//
// Random strings (ids, tags, URLs) are stored about three times in a
// segment (row, column, index); coding their terms takes a fifth off the
// index regions. See docs/format/inverted.md.

const (
	termsPerBlock   = 64
	invertedMagic   = 0x42535649 // "BSVI"
	invertedTrailer = 16
	codedMagic      = 0x42535648 // "BSVH"
	codedTrailer    = 20
	// minCodedBytes is the least term-block bytes worth a Huffman table
	// (~100 bytes) and a decode per block read.
	minCodedBytes = 4 << 10
)

// ErrCorruptIndex marks an inverted index region that does not decode.
var ErrCorruptIndex = errors.New("corrupt inverted index")

// InvertedWriter builds the region for one path. Add terms in ascending
// order.
type InvertedWriter struct {
	postings   []byte
	blocks     []byte
	index      []byte
	block      []byte
	blockFirst []byte
	inBlock    int
	prev       []byte
	terms      int
	nblocks    int
	bm         *roaring.Bitmap
	bmBuf      bytes.Buffer
	// coded and index2 are AppendRegion's scratch: the coded blocks, the
	// block index with region offsets.
	coded  []byte
	index2 []byte
	// raw writes the term blocks as they are (tests: both formats).
	raw bool
	// huff is made for the first region coded: most paths' regions are
	// too small to be, and a Scratch weighs kilobytes.
	huff *huff0.Scratch
}

// maxInlineRows is the longest posting list kept inline as deltas.
const maxInlineRows = 16

// NewInvertedWriter returns an empty writer.
func NewInvertedWriter() *InvertedWriter { return &InvertedWriter{bm: roaring.New()} }

// Reset empties the writer for another region, keeping its buffers: a
// segment's regions reach tens of megabytes, and fresh buffers that size
// cost more to fault in and zero than to fill.
func (w *InvertedWriter) Reset() {
	w.postings, w.blocks, w.index, w.block = w.postings[:0], w.blocks[:0], w.index[:0], w.block[:0]
	w.blockFirst, w.prev = w.blockFirst[:0], w.prev[:0]
	w.inBlock, w.terms, w.nblocks = 0, 0, 0
}

// Add appends term with its rows (ascending, non-empty).
func (w *InvertedWriter) Add(term []byte, rows []uint32) error {
	if len(rows) == 0 {
		return fmt.Errorf("index: term %q has no rows", term)
	}
	if w.terms > 0 && bytes.Compare(term, w.prev) <= 0 {
		return fmt.Errorf("index: term %q added out of order after %q", term, w.prev)
	}
	// The stored count is len(rows) and the reader checks it against the
	// bitmap's cardinality, so a repeated row would write an index that
	// every lookup of the term refuses as corrupt.
	for k := 1; k < len(rows); k++ {
		if rows[k] <= rows[k-1] {
			return fmt.Errorf("index: rows of term %q are not strictly ascending at position %d", term, k)
		}
	}
	if w.inBlock == termsPerBlock {
		w.flushBlock()
	}
	if w.inBlock == 0 {
		w.blockFirst = append(w.blockFirst[:0], term...)
		w.prev = w.prev[:0]
	}
	shared := commonPrefix(term, w.prev)
	w.block = binary.AppendUvarint(w.block, uint64(shared))
	w.block = binary.AppendUvarint(w.block, uint64(len(term)-shared))
	w.block = append(w.block, term[shared:]...)
	w.block = binary.AppendUvarint(w.block, uint64(len(rows)))
	switch {
	case len(rows) == 1:
		w.block = binary.AppendUvarint(w.block, uint64(rows[0]))
	case len(rows) <= maxInlineRows:
		// A short list is smaller as deltas than as a roaring bitmap, and
		// costs no bitmap to build.
		w.block = binary.AppendUvarint(w.block, uint64(rows[0]))
		for i := 1; i < len(rows); i++ {
			w.block = binary.AppendUvarint(w.block, uint64(rows[i]-rows[i-1]))
		}
	default:
		w.bm.Clear()
		w.bm.AddMany(rows)
		w.bm.RunOptimize()
		off := len(w.postings)
		w.bmBuf.Reset()
		if _, err := w.bm.WriteTo(&w.bmBuf); err != nil {
			return err
		}
		w.postings = append(double(w.postings, w.bmBuf.Len()), w.bmBuf.Bytes()...)
		w.block = binary.AppendUvarint(w.block, uint64(off))
		w.block = binary.AppendUvarint(w.block, uint64(w.bmBuf.Len()))
	}
	w.prev = append(w.prev[:0], term...)
	w.inBlock++
	w.terms++
	return nil
}

// commonPrefix returns the length of the longest common prefix of a and b,
// eight bytes at a time: sorted ids and sentences share tens of bytes.
func commonPrefix(a, b []byte) int {
	n := min(len(a), len(b))
	i := 0
	for ; i+8 <= n; i += 8 {
		if x := binary.LittleEndian.Uint64(a[i:]) ^ binary.LittleEndian.Uint64(b[i:]); x != 0 {
			return i + bits.TrailingZeros64(x)/8
		}
	}
	for i < n && a[i] == b[i] {
		i++
	}
	return i
}

func (w *InvertedWriter) flushBlock() {
	if w.inBlock == 0 {
		return
	}
	w.index = double(w.index, 3*binary.MaxVarintLen64+len(w.blockFirst))
	w.index = binary.AppendUvarint(w.index, uint64(len(w.blockFirst)))
	w.index = append(w.index, w.blockFirst...)
	w.index = binary.AppendUvarint(w.index, uint64(len(w.blocks)))
	w.index = binary.AppendUvarint(w.index, uint64(len(w.block)))
	w.blocks = append(double(w.blocks, len(w.block)), w.block...)
	w.block = w.block[:0]
	w.inBlock = 0
	w.nblocks++
}

// Terms returns how many terms were added.
func (w *InvertedWriter) Terms() int { return w.terms }

// Finish returns the encoded region.
func (w *InvertedWriter) Finish() []byte { return w.AppendRegion(nil) }

// AppendRegion appends the encoded region to dst. Block offsets are made
// relative to the region start here, once the size of the postings is
// known.
func (w *InvertedWriter) AppendRegion(dst []byte) []byte {
	w.flushBlock()
	if out, ok := w.appendCoded(dst); ok {
		return out
	}
	base := uint64(len(w.postings))
	// Rewrite the index with absolute block offsets.
	index := slices.Grow(w.index2[:0], len(w.index)+2*binary.MaxVarintLen64*w.nblocks)
	w.eachBlock(func(first []byte, off, ln uint64) {
		index = binary.AppendUvarint(index, uint64(len(first)))
		index = append(index, first...)
		index = binary.AppendUvarint(index, base+off)
		index = binary.AppendUvarint(index, ln)
	})
	w.index2 = index
	out := slices.Grow(dst, len(w.postings)+len(w.blocks)+len(index)+invertedTrailer)
	start := len(out)
	out = append(out, w.postings...)
	out = append(out, w.blocks...)
	indexOff := len(out) - start
	out = append(out, index...)
	out = binary.LittleEndian.AppendUint32(out, uint32(w.terms))
	out = binary.LittleEndian.AppendUint32(out, uint32(w.nblocks))
	out = binary.LittleEndian.AppendUint32(out, uint32(indexOff))
	return binary.LittleEndian.AppendUint32(out, invertedMagic)
}

// eachBlock calls fn with the first term, offset (in w.blocks) and length
// of every block flushed, in order.
func (w *InvertedWriter) eachBlock(fn func(first []byte, off, ln uint64)) {
	r := w.index
	for len(r) > 0 {
		l, n := binary.Uvarint(r)
		r = r[n:]
		first := r[:l]
		r = r[l:]
		off, n := binary.Uvarint(r)
		r = r[n:]
		ln, n := binary.Uvarint(r)
		r = r[n:]
		fn(first, off, ln)
	}
}

// appendCoded appends the region with Huffman-coded term blocks to dst,
// unless they are too few or would not shrink by a sixteenth (uncoded
// blocks cost no decode to read).
func (w *InvertedWriter) appendCoded(dst []byte) ([]byte, bool) {
	if w.raw || len(w.blocks) < minCodedBytes {
		return dst, false
	}
	var hist [256]uint32
	for _, c := range w.blocks {
		hist[c]++
	}
	if w.huff == nil {
		w.huff = &huff0.Scratch{}
	}
	s := w.huff
	if err := s.BuildCTable(&hist); err != nil {
		return dst, false // one symbol: nothing to gain
	}
	if est := s.EstimateSize(&hist); est < 0 || est > len(w.blocks)-len(w.blocks)/16 {
		return dst, false // would not shrink enough: spare the coding
	}
	table, err := s.AppendTable(nil)
	if err != nil {
		return dst, false
	}
	s.Reuse = huff0.ReusePolicyMust
	base := uint64(len(w.postings))
	// Sized once: coded blocks are no larger than the blocks, and the
	// index gains an offset and two lengths a block.
	coded := slices.Grow(w.coded[:0], len(w.blocks))
	index := slices.Grow(w.index2[:0], len(w.index)+3*binary.MaxVarintLen64*w.nblocks)
	w.eachBlock(func(first []byte, off, ln uint64) {
		blk := w.blocks[off : off+ln]
		start := len(coded)
		decoded := uint64(0)
		if out, _, err := huff0.Compress4X(blk, s); err == nil {
			coded = append(coded, out...)
			decoded = ln
		} else {
			// Incompressible alone, or a symbol the table lacks (none
			// can): stored as it is.
			coded = append(coded, blk...)
		}
		index = binary.AppendUvarint(index, uint64(len(first)))
		index = append(index, first...)
		index = binary.AppendUvarint(index, base+uint64(start))
		index = binary.AppendUvarint(index, uint64(len(coded)-start))
		index = binary.AppendUvarint(index, decoded)
	})
	w.coded, w.index2 = coded, index
	if len(coded)+len(table) > len(w.blocks)-len(w.blocks)/16 {
		return dst, false
	}
	out := slices.Grow(dst, len(w.postings)+len(coded)+len(table)+len(index)+codedTrailer)
	start := len(out)
	out = append(out, w.postings...)
	out = append(out, coded...)
	tableOff := len(out) - start
	out = append(out, table...)
	indexOff := len(out) - start
	out = append(out, index...)
	out = binary.LittleEndian.AppendUint32(out, uint32(w.terms))
	out = binary.LittleEndian.AppendUint32(out, uint32(w.nblocks))
	out = binary.LittleEndian.AppendUint32(out, uint32(indexOff))
	out = binary.LittleEndian.AppendUint32(out, uint32(tableOff))
	return binary.LittleEndian.AppendUint32(out, codedMagic), true
}

// InvertedReader answers lookups from one path's region. It keeps the block
// index in memory and reads term blocks and postings with ReadAt.
type InvertedReader struct {
	r     io.ReaderAt
	off   int64
	size  int64
	terms int
	// dataEnd is where term blocks and posting lists end: the block index
	// starts there, or (coded) the Huffman table.
	dataEnd uint64
	firsts  [][]byte
	spans   [][3]uint64 // block offset, stored length, decoded length (0: as stored)
	// huff decodes the term blocks of a coded region (nil: none are).
	huff *huff0.Decoder
	// legacyNaN: the index was written with NaN's term lowest among the
	// numbers (LegacyNaNTerm), not highest.
	legacyNaN bool
}

// SetLegacyNaN says the index holds NaN under LegacyNaNTerm, as segments of
// footer version 3 wrote it: a lookup that NaN satisfies then looks there too.
func (ir *InvertedReader) SetLegacyNaN() { ir.legacyNaN = true }

// OpenInverted reads the trailer and block index of the region [off, off+size).
func OpenInverted(r io.ReaderAt, off, size int64) (*InvertedReader, error) {
	if size < invertedTrailer {
		return nil, fmt.Errorf("%w: region of %d bytes", ErrCorruptIndex, size)
	}
	var tr [codedTrailer]byte
	trailer := min(size, codedTrailer)
	if _, err := r.ReadAt(tr[codedTrailer-trailer:], off+size-trailer); err != nil {
		return nil, fmt.Errorf("read inverted trailer: %w", err)
	}
	coded := false
	switch binary.LittleEndian.Uint32(tr[16:]) {
	case invertedMagic:
	case codedMagic:
		coded = true
		if size < codedTrailer {
			return nil, fmt.Errorf("%w: region of %d bytes", ErrCorruptIndex, size)
		}
	default:
		return nil, fmt.Errorf("%w: bad magic", ErrCorruptIndex)
	}
	t := tr[codedTrailer-invertedTrailer:] // terms, blocks, index offset, magic
	trailer = invertedTrailer
	if coded {
		t, trailer = tr[:], codedTrailer
	}
	terms := int(binary.LittleEndian.Uint32(t[0:]))
	nblocks := int(binary.LittleEndian.Uint32(t[4:]))
	indexOff := int64(binary.LittleEndian.Uint32(t[8:]))
	dataEnd := indexOff
	if coded {
		dataEnd = int64(binary.LittleEndian.Uint32(t[12:]))
	}
	if indexOff > size-trailer || dataEnd > indexOff || nblocks > terms {
		return nil, fmt.Errorf("%w: bad trailer", ErrCorruptIndex)
	}
	idx := make([]byte, size-trailer-dataEnd)
	if _, err := r.ReadAt(idx, off+dataEnd); err != nil {
		return nil, fmt.Errorf("read inverted block index: %w", err)
	}
	ir := &InvertedReader{r: r, off: off, size: size, terms: terms, dataEnd: uint64(dataEnd)}
	if coded {
		table := idx[:indexOff-dataEnd]
		idx = idx[indexOff-dataEnd:]
		s, rest, err := huff0.ReadTable(table, nil)
		if err != nil || len(rest) != 0 {
			return nil, fmt.Errorf("%w: bad Huffman table", ErrCorruptIndex)
		}
		ir.huff = s.Decoder()
	}
	for len(idx) > 0 {
		l, n := binary.Uvarint(idx)
		if n <= 0 || l > uint64(len(idx)-n) {
			return nil, fmt.Errorf("%w: bad block index", ErrCorruptIndex)
		}
		idx = idx[n:]
		first := idx[:l:l]
		idx = idx[l:]
		bo, n1 := binary.Uvarint(idx)
		if n1 <= 0 {
			return nil, fmt.Errorf("%w: bad block index", ErrCorruptIndex)
		}
		idx = idx[n1:]
		bl, n2 := binary.Uvarint(idx)
		// Compare without adding: a corrupt bo+bl can wrap around 2^64
		// and pass, and then ReadAt a slice of absurd length.
		if n2 <= 0 || bo > uint64(dataEnd) || bl > uint64(dataEnd)-bo {
			return nil, fmt.Errorf("%w: bad block index", ErrCorruptIndex)
		}
		idx = idx[n2:]
		var decoded uint64
		if coded {
			var n3 int
			decoded, n3 = binary.Uvarint(idx)
			if n3 <= 0 || decoded > huff0.BlockSizeMax {
				return nil, fmt.Errorf("%w: bad block index", ErrCorruptIndex)
			}
			idx = idx[n3:]
		}
		ir.firsts = append(ir.firsts, first)
		ir.spans = append(ir.spans, [3]uint64{bo, bl, decoded})
	}
	if len(ir.firsts) != nblocks {
		return nil, fmt.Errorf("%w: %d blocks indexed, trailer says %d", ErrCorruptIndex, len(ir.firsts), nblocks)
	}
	return ir, nil
}

// NumTerms returns the number of distinct terms.
func (ir *InvertedReader) NumTerms() int { return ir.terms }

// Posting is one term's rows as stored: a single row inline or a bitmap
// reference.
type posting struct {
	count  uint64
	row    uint32
	off    uint64
	len    uint64
	inline []uint32 // a short list's rows; valid during the scan callback
}

// scanBlock calls fn for each term of block b until fn returns false.
func (ir *InvertedReader) scanBlock(b int, fn func(term []byte, p posting) bool) (bool, error) {
	span := ir.spans[b]
	buf := make([]byte, span[1])
	if _, err := ir.r.ReadAt(buf, ir.off+int64(span[0])); err != nil {
		return false, fmt.Errorf("read term block: %w", err)
	}
	if span[2] > 0 {
		out, err := ir.huff.Decompress4X(make([]byte, 0, span[2]), buf)
		if err != nil || uint64(len(out)) != span[2] {
			return false, fmt.Errorf("%w: term block %d does not decode", ErrCorruptIndex, b)
		}
		buf = out
	}
	var term []byte
	var inline []uint32
	for len(buf) > 0 {
		shared, n := binary.Uvarint(buf)
		if n <= 0 || shared > uint64(len(term)) {
			return false, fmt.Errorf("%w: bad term", ErrCorruptIndex)
		}
		buf = buf[n:]
		sl, n := binary.Uvarint(buf)
		if n <= 0 || sl > uint64(len(buf)-n) {
			return false, fmt.Errorf("%w: bad term", ErrCorruptIndex)
		}
		buf = buf[n:]
		term = append(term[:shared], buf[:sl]...)
		buf = buf[sl:]
		var p posting
		p.count, n = binary.Uvarint(buf)
		if n <= 0 || p.count == 0 {
			return false, fmt.Errorf("%w: bad posting count", ErrCorruptIndex)
		}
		buf = buf[n:]
		if p.count == 1 {
			r, n := binary.Uvarint(buf)
			if n <= 0 || r > 1<<32-1 {
				return false, fmt.Errorf("%w: bad row", ErrCorruptIndex)
			}
			p.row = uint32(r)
			buf = buf[n:]
		} else if p.count <= maxInlineRows {
			inline = inline[:0]
			var row uint64
			for k := uint64(0); k < p.count; k++ {
				d, n := binary.Uvarint(buf)
				if n <= 0 || (k > 0 && d == 0) || row+d > 1<<32-1 {
					return false, fmt.Errorf("%w: bad inline posting", ErrCorruptIndex)
				}
				row += d
				inline = append(inline, uint32(row))
				buf = buf[n:]
			}
			p.inline = inline
		} else {
			var n1, n2 int
			p.off, n1 = binary.Uvarint(buf)
			if n1 <= 0 {
				return false, fmt.Errorf("%w: bad posting offset", ErrCorruptIndex)
			}
			p.len, n2 = binary.Uvarint(buf[n1:])
			// As for blocks: no p.off+p.len, which can wrap.
			if n2 <= 0 || p.off > ir.dataEnd || p.len > ir.dataEnd-p.off {
				return false, fmt.Errorf("%w: bad posting offset", ErrCorruptIndex)
			}
			buf = buf[n1+n2:]
		}
		if !fn(term, p) {
			return false, nil
		}
	}
	return true, nil
}

func (ir *InvertedReader) addPosting(p posting, dst *roaring.Bitmap) error {
	if p.count == 1 {
		dst.Add(p.row)
		return nil
	}
	if p.inline != nil {
		dst.AddMany(p.inline)
		return nil
	}
	bm, err := ir.posting(p)
	if err != nil {
		return err
	}
	dst.Or(bm)
	return nil
}

// firstBlock returns the block that may hold key: the last block whose first
// term is <= key.
func (ir *InvertedReader) firstBlock(key []byte) int {
	i := sort.Search(len(ir.firsts), func(i int) bool { return bytes.Compare(ir.firsts[i], key) > 0 })
	return max(i-1, 0)
}

// Lookup adds to dst the rows whose term satisfies p, and to candidates the
// rows found through terms that may stand for longer strings (see
// MaxTermStringBytes): the caller checks those against the values.
func (ir *InvertedReader) Lookup(p Predicate, dst, candidates *roaring.Bitmap) error {
	if err := p.Validate(); err != nil {
		return err
	}
	for _, span := range p.Spans() {
		if err := ir.lookupSpan(p, span, dst, candidates); err != nil {
			return err
		}
	}
	if ir.legacyNaN && p.Match(types.Float(math.NaN())) {
		// The spans look for NaN where today's terms keep it.
		return ir.lookupSpan(p, TermSpan{Start: LegacyNaNTerm, End: Successor(LegacyNaNTerm)}, dst, candidates)
	}
	return nil
}

// truncatedMatch says what a term that may stand for longer strings (all
// strings that start with it) means for p: certainly matching, possibly
// matching, or not.
func truncatedMatch(p Predicate, prefix string) (exact, maybe bool) {
	switch p.Op {
	case OpPrefix:
		if len(p.Prefix) <= len(prefix) {
			return strings.HasPrefix(prefix, p.Prefix), false
		}
		return false, strings.HasPrefix(p.Prefix, prefix)
	case OpRange:
		// Some string starting with prefix may lie in the range: the
		// strings with that prefix span [prefix, Successor(prefix)).
		return false, p.Match(types.String(prefix)) || (!p.Lo.IsUndefined() && p.Lo.Kind() == types.KindString && strings.HasPrefix(p.Lo.Str(), prefix))
	}
	return false, true
}

func (ir *InvertedReader) lookupSpan(p Predicate, span TermSpan, dst, candidates *roaring.Bitmap) error {
	var err error
	for b := ir.firstBlock(span.Start); b < len(ir.firsts); b++ {
		if span.End != nil && bytes.Compare(ir.firsts[b], span.End) >= 0 {
			break
		}
		if span.Exact && bytes.Compare(ir.firsts[b], span.Start) > 0 {
			break
		}
		more, serr := ir.scanBlock(b, func(term []byte, post posting) bool {
			c := bytes.Compare(term, span.Start)
			if c < 0 {
				return true
			}
			if span.Exact {
				if c == 0 {
					if span.Verify {
						err = ir.addPosting(post, candidates)
					} else {
						err = ir.addPosting(post, dst)
					}
				}
				return false
			}
			if span.End != nil && bytes.Compare(term, span.End) >= 0 {
				return false
			}
			if MaybeTruncated(term) {
				exact, maybe := truncatedMatch(p, string(term[1:]))
				switch {
				case exact:
					err = ir.addPosting(post, dst)
				case maybe:
					err = ir.addPosting(post, candidates)
				}
				return err == nil
			}
			if v, ok := DecodeTerm(term); ok && p.Match(v) {
				if err = ir.addPosting(post, dst); err != nil {
					return false
				}
			}
			return true
		})
		if serr != nil {
			return serr
		}
		if err != nil {
			return err
		}
		if !more {
			break
		}
	}
	return nil
}

// EachPosting calls fn with every term, in order, its row count and, with
// firsts, its first row, until fn returns false. Firsts cost a read of each
// long posting list. The term bytes are only valid during the call.
// (Deleted rows are taken out per term, through PostingRefs and Live.)
func (ir *InvertedReader) EachPosting(firsts bool, fn func(term []byte, count int, first uint32) bool) error {
	var ferr error
	for b := range ir.firsts {
		more, err := ir.scanBlock(b, func(term []byte, p posting) bool {
			var first uint32
			if _, first, ferr = ir.live(p, firsts, nil); ferr != nil {
				return false
			}
			return fn(term, int(p.count), first)
		})
		if err != nil {
			return err
		}
		if ferr != nil {
			return ferr
		}
		if !more {
			return nil
		}
	}
	return nil
}

// live returns how many of p's rows are not in deleted (nil: none are) and,
// with firsts, the first of them (0 when none).
func (ir *InvertedReader) live(p posting, firsts bool, deleted *roaring.Bitmap) (int, uint32, error) {
	live, first := int(p.count), p.row
	switch {
	case p.inline != nil:
		live, first = 0, 0
		for _, r := range p.inline {
			if deleted == nil || !deleted.Contains(r) {
				if live == 0 {
					first = r
				}
				live++
			}
		}
	case p.count > 1 && (firsts || deleted != nil):
		bm, err := ir.posting(p)
		if err != nil {
			return 0, 0, err
		}
		first = bm.Minimum()
		if deleted != nil && bm.Intersects(deleted) {
			live -= int(bm.AndCardinality(deleted))
			first = 0
			for it := bm.Iterator(); it.HasNext(); {
				if r := it.Next(); !deleted.Contains(r) {
					first = r
					break
				}
			}
		}
	case p.count == 1 && deleted != nil && deleted.Contains(p.row):
		live, first = 0, 0
	}
	if !firsts {
		first = 0
	}
	return live, first, nil
}

// PostingRef is where one term's rows are, kept by a caller that read the
// terms once to count a term's live rows later (Live) without reading the
// terms again.
type PostingRef struct{ p posting }

// PostingRefs returns the PostingRef of every term, in term order.
func (ir *InvertedReader) PostingRefs() ([]PostingRef, error) {
	out := make([]PostingRef, 0, ir.terms)
	for b := range ir.firsts {
		if _, err := ir.scanBlock(b, func(_ []byte, p posting) bool {
			p.inline = slices.Clone(p.inline) // scanBlock reuses it
			out = append(out, PostingRef{p})
			return true
		}); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Live is what EachPosting gives for the term of ref, with firsts: its
// rows not in deleted and the first of them.
func (ir *InvertedReader) Live(ref PostingRef, deleted *roaring.Bitmap) (int, uint32, error) {
	if deleted != nil && deleted.IsEmpty() {
		deleted = nil
	}
	return ir.live(ref.p, true, deleted)
}

// EachRow calls fn with every row of the term of ref, in order.
func (ir *InvertedReader) EachRow(ref PostingRef, fn func(row uint32)) error {
	p := ref.p
	switch {
	case p.inline != nil:
		for _, r := range p.inline {
			fn(r)
		}
	case p.count == 1:
		fn(p.row)
	case p.count > 1:
		bm, err := ir.posting(p)
		if err != nil {
			return err
		}
		for it := bm.Iterator(); it.HasNext(); {
			fn(it.Next())
		}
	}
	return nil
}

// posting reads a posting list stored as a bitmap.
func (ir *InvertedReader) posting(p posting) (*roaring.Bitmap, error) {
	buf := make([]byte, p.len)
	if _, err := ir.r.ReadAt(buf, ir.off+int64(p.off)); err != nil {
		return nil, fmt.Errorf("read posting list: %w", err)
	}
	bm := roaring.New()
	if _, err := bm.FromBuffer(buf); err != nil {
		return nil, fmt.Errorf("%w: posting list: %v", ErrCorruptIndex, err)
	}
	if bm.GetCardinality() != p.count {
		return nil, fmt.Errorf("%w: posting list has %d rows, term says %d", ErrCorruptIndex, bm.GetCardinality(), p.count)
	}
	return bm, nil
}

// EachTerm calls fn with every term and its row count, in order. The term
// bytes are only valid during the call.
func (ir *InvertedReader) EachTerm(fn func(term []byte, count int)) error {
	for b := range ir.firsts {
		if _, err := ir.scanBlock(b, func(term []byte, p posting) bool {
			fn(term, int(p.count))
			return true
		}); err != nil {
			return err
		}
	}
	return nil
}
