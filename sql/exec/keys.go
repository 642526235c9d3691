package exec

import (
	"encoding/binary"
	"math"
	"slices"
	"strings"

	"github.com/basaltdb/basalt/types"
)

// appendKey appends an encoding of v for hashing and equality that treats
// equal numbers as equal (1 and 1.0 group together, as in PostgreSQL),
// null and undefined as one NULL group, and objects with the same fields
// as equal whatever the fields' order (as = does), at any depth.
func appendKey(dst []byte, v types.Value) []byte {
	switch v.Kind() {
	case types.KindFloat:
		f := v.Float()
		if f == math.Trunc(f) && math.Abs(f) < 1<<62 {
			return types.AppendBinary(dst, types.Int(int64(f)))
		}
		if f != f {
			// Every NaN is one value (NaN = NaN, as in PostgreSQL),
			// whatever its bits: Inf - Inf gives a negative one.
			return types.AppendBinary(dst, types.Float(math.NaN()))
		}
	case types.KindUndefined:
		return types.AppendBinary(dst, types.Null)
	case types.KindArray:
		dst = append(dst, 0xfe)
		for _, e := range v.Elems() {
			dst = appendKey(dst, e)
		}
		return append(dst, 0xff)
	case types.KindInterval:
		// Equal intervals ('1 mon' = '30 days') share a key.
		hi, lo := types.IntervalSpan(v)
		dst = binary.BigEndian.AppendUint64(append(dst, 0xfc), uint64(hi))
		return binary.BigEndian.AppendUint64(dst, lo)
	case types.KindObject:
		fs := slices.Clone(v.Fields())
		slices.SortFunc(fs, func(a, b types.Field) int { return strings.Compare(a.Name, b.Name) })
		dst = append(dst, 0xfd)
		for _, f := range fs {
			dst = types.AppendBinary(dst, types.String(f.Name))
			dst = appendKey(dst, f.Value)
		}
		return append(dst, 0xff)
	}
	return types.AppendBinary(dst, v)
}

func rowKey(dst []byte, vals []types.Value) []byte {
	for _, v := range vals {
		dst = appendKey(dst, v)
	}
	return dst
}
