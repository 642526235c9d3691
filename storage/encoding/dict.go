package encoding

import (
	"cmp"
	"encoding/binary"
	"fmt"
	"math/bits"
	"slices"
)

// The dictionary codec stores the sorted distinct values once and each row
// as a bit-packed code, its index in that list. It wins when few distinct
// values are spread wide apart (status codes mixed with error codes, the
// bit patterns of a handful of float constants, 64-bit hashes of a few
// hosts) where frame of reference must pay for the whole spread per row.
// Sorted entries keep the codes in value order, so a later range predicate
// can be evaluated on codes.

// maxDictEntries bounds a dictionary, and with it the hash map an encoder
// builds per block. Codes into a larger dictionary take 15 bits or more,
// where frame of reference or zstd usually do about as well without the
// hashing.
const maxDictEntries = 1 << 14

// dictProbeRows and dictProbeDistinct make dictionary detection give up early
// on near-unique columns (ids, timestamps, log messages): when the first
// dictProbeRows rows are more than 7/8 distinct, the block is almost
// certainly above maxDictEntries or not worth it, and the hash map inserts
// would otherwise dominate the encoding time of such columns.
const (
	dictProbeRows     = 1024
	dictProbeDistinct = dictProbeRows * 7 / 8
)

// dictLimit returns the most distinct values a dictionary over n rows may
// have to be considered at all.
func dictLimit(n int) int {
	return min(n/2, maxDictEntries)
}

// planIntDict returns a dict plan for vals if it is smaller than best, or
// best. On a dict plan e.dict holds the sorted entries, e.codes the id of
// each row's value in order of first appearance and e.remap the code of each
// id, for appendIntDict.
func (e *encoder) planIntDict(vals []int64, best intPlan) intPlan {
	n := len(vals)
	limit := dictLimit(n)
	// Codes of width >= best.w cannot beat the best plan's packed payload.
	if best.codec == intConstant || best.w <= 1 {
		return best
	}
	if best.w-1 < 32 {
		limit = min(limit, 1<<(best.w-1))
	}
	if limit < 2 {
		return best
	}
	if e.imap == nil {
		e.imap = make(map[int64]uint32)
	}
	m := e.imap
	clear(m)
	// Each row is looked up once: it gets the id of its value in order of
	// first appearance, which appendCodes maps to its sorted position, so no
	// row needs a second lookup once the entries are sorted.
	dict := e.dict[:0]
	codes := resize(e.codes, n)
	e.codes = codes
	for i, x := range vals {
		id, ok := m[x]
		if !ok {
			if len(dict) == limit {
				e.dict = dict
				return best
			}
			id = uint32(len(dict))
			m[x] = id
			dict = append(dict, x)
		}
		codes[i] = uint64(id)
		if i == dictProbeRows-1 && len(dict) > dictProbeDistinct {
			e.dict = dict
			return best
		}
	}
	e.dict = dict
	remap := e.sortedOrder(len(dict), func(a, b uint32) int { return cmp.Compare(dict[a], dict[b]) })
	sorted := resize(e.i64tmp, len(dict))
	for id, code := range remap {
		sorted[code] = dict[id]
	}
	e.dict, e.i64tmp = sorted, dict
	size := 1 + uvarintLen(uint64(len(dict))) + planInts(sorted).size + packedLen(n, codeWidth(len(dict)))
	if size >= best.size {
		return best
	}
	return intPlan{codec: intDict, size: size, w: codeWidth(len(dict))}
}

// sortedOrder sorts the ids 0..n-1 by compare and returns the position of
// each id in that order (e.remap).
func (e *encoder) sortedOrder(n int, compare func(a, b uint32) int) []uint32 {
	perm := resize(e.perm, n)
	for i := range perm {
		perm[i] = uint32(i)
	}
	slices.SortFunc(perm, compare)
	remap := resize(e.remap, n)
	for pos, id := range perm {
		remap[id] = uint32(pos)
	}
	e.perm, e.remap = perm, remap
	return remap
}

// codeWidth returns the bits a code into a dictionary of n entries takes.
func codeWidth(n int) uint {
	return uint(bits.Len(uint(n - 1)))
}

// appendCodes appends e.codes, ids in order of first appearance, as the
// bit-packed codes of the sorted dictionary of entries values.
func (e *encoder) appendCodes(dst []byte, entries int) []byte {
	codes, remap := e.codes, e.remap
	for i, id := range codes {
		codes[i] = uint64(remap[id])
	}
	return appendPacked(dst, codes, codeWidth(entries))
}

func (e *encoder) appendIntDict(dst []byte) []byte {
	dict := e.dict
	dst = binary.AppendUvarint(append(dst, intDict), uint64(len(dict)))
	dst = e.appendIntPlan(dst, dict, planInts(dict))
	return e.appendCodes(dst, len(dict))
}

func (d *Decoder) decodeIntDict(r *reader, dst []int64, sel []int) error {
	entries, err := r.count(len(dst))
	if err != nil {
		return err
	}
	if entries == 0 {
		return fmt.Errorf("%w: empty dictionary", ErrCorrupt)
	}
	dict := resize(d.dict, entries)
	d.dict = dict
	if err := d.decodeInts(r, dict, false, nil); err != nil {
		return err
	}
	codes, err := r.next(packedLen(len(dst), codeWidth(entries)))
	if err != nil {
		return err
	}
	u := resize(d.u64, len(dst))
	d.u64 = u
	if sel != nil {
		unpackRows(u, codes, codeWidth(entries), sel)
		for _, i := range sel {
			if u[i] >= uint64(entries) {
				return fmt.Errorf("%w: dictionary code %d of %d", ErrCorrupt, u[i], entries)
			}
			dst[i] = dict[u[i]]
		}
		return nil
	}
	unpack(u, codes, codeWidth(entries))
	for i, c := range u {
		if c >= uint64(entries) {
			return fmt.Errorf("%w: dictionary code %d of %d", ErrCorrupt, c, entries)
		}
		dst[i] = dict[c]
	}
	return nil
}

// resize returns s with length n, reallocating only when it is too short.
func resize[T any](s []T, n int) []T {
	if cap(s) >= n {
		return s[:n]
	}
	return make([]T, n, max(n, 2*cap(s)))
}
