package encoding

// A bool section is the n values bit-packed, one bit each, least significant
// bit first. Runs of equal bools are left to the block compression, which
// squeezes a constant column's n/8 bytes to a few.

func appendBools(dst []byte, vals []int64) []byte {
	start := len(dst)
	dst = grow(dst, packedLen(len(vals), 1))
	out := dst[start:]
	clear(out)
	for i, x := range vals {
		if x != 0 {
			out[i>>3] |= 1 << (i & 7)
		}
	}
	return dst
}

func decodeBools(r *reader, dst []int64) error {
	b, err := r.next(packedLen(len(dst), 1))
	if err != nil {
		return err
	}
	for i := range dst {
		dst[i] = int64(b[i>>3]>>(i&7)) & 1
	}
	return nil
}
