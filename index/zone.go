package index

import (
	"encoding/binary"
	"fmt"
	"math"

	"github.com/basaltdb/basalt/types"
)

// maxZoneString bounds the strings a zone keeps; longer minimums are cut to a
// prefix (still a lower bound) and longer maximums to the successor of a
// prefix (still an upper bound).
const maxZoneString = 64

// Zone summarizes the values of one column in one block of rows, so scans
// can skip blocks a predicate cannot match. Min and Max span the non-null
// scalars in types.Compare order; arrays and objects are only counted.
type Zone struct {
	Min, Max  types.Value // undefined when the block has no non-null scalar
	Nulls     uint32      // explicit nulls
	Undefined uint32      // rows without the field
	Nested    uint32      // arrays and objects
}

// Add folds v into the zone.
func (z *Zone) Add(v types.Value) {
	switch k := v.Kind(); {
	case k == types.KindUndefined:
		z.Undefined++
	case k == types.KindNull:
		z.Nulls++
	case !k.IsScalar():
		z.Nested++
	default:
		if z.Min.IsUndefined() || types.Compare(v, z.Min) < 0 {
			z.Min = zoneMin(v)
		}
		if z.Max.IsUndefined() || types.Compare(v, z.Max) > 0 {
			z.Max = zoneMax(v)
		}
	}
}

// Merge folds another zone into z.
func (z *Zone) Merge(o Zone) {
	z.Nulls += o.Nulls
	z.Undefined += o.Undefined
	z.Nested += o.Nested
	if !o.Min.IsUndefined() && (z.Min.IsUndefined() || types.Compare(o.Min, z.Min) < 0) {
		z.Min = o.Min
	}
	if !o.Max.IsUndefined() && (z.Max.IsUndefined() || types.Compare(o.Max, z.Max) > 0) {
		z.Max = o.Max
	}
}

func zoneMin(v types.Value) types.Value {
	if v.Kind() == types.KindString && len(v.Str()) > maxZoneString {
		return types.String(string(append([]byte(nil), v.Str()[:maxZoneString]...)))
	}
	if v.Kind() == types.KindString {
		return types.String(string(append([]byte(nil), v.Str()...)))
	}
	return v
}

func zoneMax(v types.Value) types.Value {
	if v.Kind() == types.KindString && len(v.Str()) > maxZoneString {
		if s := Successor([]byte(v.Str()[:maxZoneString])); s != nil {
			return types.String(string(s))
		}
		// A prefix of 0xff bytes has no successor string: fall back to the
		// smallest value above every string.
		return types.Timestamp(-1 << 63)
	}
	if v.Kind() == types.KindString {
		return types.String(string(append([]byte(nil), v.Str()...)))
	}
	return v
}

// MayMatch reports whether any row of the block may satisfy p. False means
// the block can be skipped.
func (z Zone) MayMatch(p Predicate) bool {
	switch p.Op {
	case OpEq, OpIn:
		for _, v := range p.Values {
			if v.IsNull() {
				if z.Nulls > 0 {
					return true
				}
				continue
			}
			if z.inRange(v, true, v, true) {
				return true
			}
		}
		return false
	case OpRange:
		return z.inRange(p.Lo, p.LoInclusive, p.Hi, p.HiInclusive)
	case OpPrefix:
		lo := types.String(p.Prefix)
		if s := Successor([]byte(p.Prefix)); s != nil {
			return z.inRange(lo, true, types.String(string(s)), false)
		}
		return z.inRange(lo, true, types.Undefined, false)
	}
	return true
}

// inRange reports whether [z.Min, z.Max] overlaps the interval.
func (z Zone) inRange(lo types.Value, loIncl bool, hi types.Value, hiIncl bool) bool {
	if z.Min.IsUndefined() {
		return false
	}
	if !lo.IsUndefined() {
		c := types.Compare(z.Max, lo)
		if c < 0 || (c == 0 && !loIncl) {
			return false
		}
	}
	if !hi.IsUndefined() {
		c := types.Compare(z.Min, hi)
		if c > 0 || (c == 0 && !hiIncl) {
			return false
		}
	}
	return true
}

// AppendZone appends the encoding of z: min and max as binary values, then the
// three counts as uvarints.
func AppendZone(dst []byte, z Zone) []byte {
	dst = types.AppendBinary(dst, z.Min)
	dst = types.AppendBinary(dst, z.Max)
	dst = binary.AppendUvarint(dst, uint64(z.Nulls))
	dst = binary.AppendUvarint(dst, uint64(z.Undefined))
	return binary.AppendUvarint(dst, uint64(z.Nested))
}

// DecodeZone decodes a zone from the front of b and returns the bytes used.
func DecodeZone(b []byte) (Zone, int, error) {
	var z Zone
	var d types.Decoder
	i := 0
	for _, dst := range []*types.Value{&z.Min, &z.Max} {
		n, err := types.BinaryLen(b[i:])
		if err != nil {
			return Zone{}, 0, fmt.Errorf("zone: %w", err)
		}
		v, err := d.DecodeBinary(b[i : i+n])
		if err != nil {
			return Zone{}, 0, fmt.Errorf("zone: %w", err)
		}
		*dst = v.Clone()
		i += n
	}
	for _, dst := range []*uint32{&z.Nulls, &z.Undefined, &z.Nested} {
		x, n := binary.Uvarint(b[i:])
		if n <= 0 || x > 1<<32-1 {
			return Zone{}, 0, fmt.Errorf("zone: %w: bad count", types.ErrCorruptValue)
		}
		*dst = uint32(x)
		i += n
	}
	return z, i, nil
}

// LegacyNaNZone returns z, read from a segment written when NaN ordered
// below every number (footer version 3), in today's order, where NaN is
// above them. There a block's NaN showed only as a NaN minimum when the
// block held nothing below the numbers; with a lower kind (null aside) the
// minimum hid it. So a numeric maximum becomes NaN whenever NaN may be in
// the block, and a NaN minimum -Inf, as the least number is not known.
func LegacyNaNZone(z Zone) Zone {
	minNaN := isNaNValue(z.Min)
	if !z.Max.Kind().IsNumeric() || isNaNValue(z.Max) || !minNaN && z.Min.Kind().IsNumeric() {
		return z
	}
	if minNaN {
		z.Min = types.Float(math.Inf(-1))
	}
	z.Max = types.Float(math.NaN())
	return z
}

func isNaNValue(v types.Value) bool { return v.Kind() == types.KindFloat && math.IsNaN(v.Float()) }
