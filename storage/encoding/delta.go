package encoding

import "encoding/binary"

// The delta codec stores the first value, then the differences between
// neighbours with frame of reference on top: a sorted timestamp column
// ticking about once a second costs the bits of its jitter, not of its
// magnitude, and auto-increment ids cost nothing beyond the header.
//
// The deltas are not zig-zag encoded before the frame of reference: the
// minimum delta is subtracted, which already makes them non-negative, and
// zig-zag would double their range and cost a bit per value.

func deltaSize(n int, first, dlo int64, w uint) int {
	return 1 + varintLen(first) + varintLen(dlo) + 1 + packedLen(n-1, w)
}

func (e *encoder) appendDelta(dst []byte, vals []int64, dlo int64, w uint) []byte {
	dst = binary.AppendVarint(append(dst, intDelta), vals[0])
	dst = binary.AppendVarint(dst, dlo)
	dst = append(dst, byte(w))
	u := e.u64buf(len(vals) - 1)
	for i := range u {
		u[i] = uint64(vals[i+1]-vals[i]) - uint64(dlo)
	}
	return appendPacked(dst, u, w)
}

func decodeDelta(r *reader, dst []int64) error {
	first, err := r.varint()
	if err != nil {
		return err
	}
	dlo, err := r.varint()
	if err != nil {
		return err
	}
	n := max(len(dst)-1, 0)
	w, packed, err := readWidth(r, n)
	if err != nil || len(dst) == 0 {
		return err
	}
	dst[0] = first
	rest := dst[1:]
	unpack(rest, packed, w)
	prev := first
	for i, u := range rest {
		prev += u + dlo
		rest[i] = prev
	}
	return nil
}
