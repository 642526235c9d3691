package encoding

import "encoding/binary"

// The constant codec stores a section whose values are all equal as that one
// value: an all-zero counter or a column filled from a default costs two
// bytes per block.

func appendConstant(dst []byte, x int64) []byte {
	return binary.AppendVarint(append(dst, intConstant), x)
}

func decodeConstant(r *reader, dst []int64) error {
	x, err := r.varint()
	if err != nil {
		return err
	}
	for i := range dst {
		dst[i] = x
	}
	return nil
}
