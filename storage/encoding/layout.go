package encoding

import (
	"encoding/binary"
	"fmt"
	"math/bits"

	"github.com/basaltdb/basalt/coldata"
	"github.com/basaltdb/basalt/types"
)

// The kind layout says the kind of every row. It is one byte for a uniform
// block, the common case:
//
//	layout byte < NumDocKinds  every row has that kind
//	layoutRuns (0x40), runs    each run a uvarint (length-1)<<4 | kind,
//	                           until the runs cover the rows
//	layoutCodes (0x41),        uint16 little-endian mask of the kinds
//	  mask, packed codes       present, then per row the index of its kind
//	                           among them, packed at bits.Len(count-1) bits
//
// Runs suit the usual mixed column, a value with stretches of undefined
// (a field added or dropped by some writer); codes bound the worst case of
// kinds alternating at random to a bit or two per row. The encoder writes
// whichever is smaller. The layout stays outside the compressed body, so a
// reader can count nulls and absent fields without decompressing.
const (
	layoutRuns  byte = 0x40
	layoutCodes byte = 0x41
)

// appendLayout appends the kind layout of v and counts its rows per kind.
func (e *encoder) appendLayout(dst []byte, v *coldata.Vec, counts *[types.NumKinds]int) []byte {
	n := v.Len()
	if k, ok := v.Uniform(); ok {
		if k >= types.NumDocKinds {
			panic(fmt.Sprintf("encoding: vec of kind %d, which documents do not hold", k))
		}
		counts[k] = n
		return append(dst, byte(k))
	}
	kinds := v.Kinds()
	runsSize := 0
	for i := 0; i < n; {
		k := kinds[i]
		if k >= types.NumDocKinds {
			panic(fmt.Sprintf("encoding: vec row %d of kind %d, which documents do not hold", i, k))
		}
		j := i + 1
		for j < n && kinds[j] == k {
			j++
		}
		counts[k] += j - i
		runsSize += uvarintLen(runWord(k, j-i))
		i = j
	}
	present := 0
	var code [types.NumKinds]uint64
	var mask uint16
	for k, c := range counts {
		if c > 0 {
			code[k] = uint64(present)
			mask |= 1 << k
			present++
		}
	}
	if present <= 1 {
		// A mixed Vec whose rows all have one kind is written uniform.
		k := types.Kind(bits.TrailingZeros16(mask))
		if mask == 0 {
			k = types.KindUndefined
		}
		return append(dst, byte(k))
	}
	w := codeWidth(present)
	if runsSize <= 2+packedLen(n, w) {
		dst = append(dst, layoutRuns)
		for i := 0; i < n; {
			j := i + 1
			for j < n && kinds[j] == kinds[i] {
				j++
			}
			dst = binary.AppendUvarint(dst, runWord(kinds[i], j-i))
			i = j
		}
		return dst
	}
	dst = binary.LittleEndian.AppendUint16(append(dst, layoutCodes), mask)
	codes := e.u64buf(n)
	for i, k := range kinds {
		codes[i] = code[k]
	}
	return appendPacked(dst, codes, w)
}

func runWord(k types.Kind, length int) uint64 {
	return uint64(length-1)<<4 | uint64(k)
}

// readLayout reads the kind layout of n rows. A uniform layout returns its
// kind and leaves kinds untouched; a mixed one fills kinds[:n] and returns
// mixed. counts receives the number of rows of each kind.
func (d *Decoder) readLayout(r *reader, n int, kinds []types.Kind, counts *[types.NumKinds]int) (uniform types.Kind, mixed bool, err error) {
	b, err := r.readByte()
	if err != nil {
		return 0, false, err
	}
	switch {
	case b < byte(types.NumDocKinds):
		counts[b] = n
		return types.Kind(b), false, nil
	case b == layoutRuns:
		for i := 0; i < n; {
			x, err := r.uvarint()
			if err != nil {
				return 0, false, err
			}
			k, length := types.Kind(x&15), x>>4+1
			if k >= types.NumDocKinds || length > uint64(n-i) {
				return 0, false, fmt.Errorf("%w: bad kind run", ErrCorrupt)
			}
			for j := range int(length) {
				kinds[i+j] = k
			}
			counts[k] += int(length)
			i += int(length)
		}
		return 0, true, nil
	case b == layoutCodes:
		mb, err := r.next(2)
		if err != nil {
			return 0, false, err
		}
		mask := binary.LittleEndian.Uint16(mb)
		if mask == 0 || mask>>types.NumDocKinds != 0 {
			return 0, false, fmt.Errorf("%w: bad kind mask %#x", ErrCorrupt, mask)
		}
		var table [types.NumKinds]types.Kind
		present := 0
		for k := range types.NumKinds {
			if mask&(1<<k) != 0 {
				table[present] = k
				present++
			}
		}
		w := codeWidth(present)
		packed, err := r.next(packedLen(n, w))
		if err != nil {
			return 0, false, err
		}
		codes := resize(d.u64, n)
		d.u64 = codes
		unpack(codes, packed, w)
		for i, c := range codes {
			if c >= uint64(present) {
				return 0, false, fmt.Errorf("%w: bad kind code %d", ErrCorrupt, c)
			}
			kinds[i] = table[c]
			counts[table[c]]++
		}
		return 0, true, nil
	}
	return 0, false, fmt.Errorf("%w: bad kind layout %#x", ErrCorrupt, b)
}
