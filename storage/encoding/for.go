package encoding

import "encoding/binary"

// The frame-of-reference codec subtracts the minimum from every value and
// bit-packs the differences at the width of the largest: values in a narrow
// band far from zero (years, HTTP statuses, ids of one tenant) cost only the
// bits of their spread.

func forSize(n int, lo int64, w uint) int {
	return 1 + varintLen(lo) + 1 + packedLen(n, w)
}

func (e *encoder) appendFOR(dst []byte, vals []int64, lo int64, w uint) []byte {
	dst = binary.AppendVarint(append(dst, intFOR), lo)
	dst = append(dst, byte(w))
	u := e.u64buf(len(vals))
	for i, x := range vals {
		u[i] = uint64(x) - uint64(lo)
	}
	return appendPacked(dst, u, w)
}

func decodeFOR(r *reader, dst []int64, sel []int) error {
	lo, err := r.varint()
	if err != nil {
		return err
	}
	w, packed, err := readWidth(r, len(dst))
	if err != nil {
		return err
	}
	if sel != nil {
		unpackRows(dst, packed, w, sel)
		for _, i := range sel {
			dst[i] += lo
		}
		return nil
	}
	unpack(dst, packed, w)
	if lo != 0 {
		for i := range dst {
			dst[i] += lo
		}
	}
	return nil
}
