package types

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"unsafe"
)

// The binary encoding is how the row store and segments keep documents and
// array values: a tag byte, then the payload.
//
//	value   = tag payload
//	tag     = 0 undefined | 1 null | 2 false | 3 true | 4 int | 5 float
//	        | 6 string | 7 timestamp | 8 array | 9 object | 10 interval
//	int, timestamp: zig-zag varint
//	interval:       zig-zag varints: months, days, microseconds
//	                (made by queries; documents never hold one)
//	float:          8 bytes, little-endian IEEE-754
//	string:         uvarint length, bytes
//	array:          uvarint count, count × value
//	object:         uvarint count, count × (uvarint name length, name, value)
//
// It keeps every kind (timestamps stay timestamps, floats stay floats) and
// decodes several times faster than JSON. See docs/format/values.md.
const (
	tagUndefined byte = iota
	tagNull
	tagFalse
	tagTrue
	tagInt
	tagFloat
	tagString
	tagTimestamp
	tagArray
	tagObject
	tagInterval // months varint, then microseconds varint (queries only)
)

// ErrCorruptValue is returned (wrapped) for binary input that is not a valid
// encoding.
var ErrCorruptValue = errors.New("corrupt binary value")

// AppendBinary appends the binary encoding of v to dst.
func AppendBinary(dst []byte, v Value) []byte {
	switch v.kind {
	case KindUndefined:
		return append(dst, tagUndefined)
	case KindNull:
		return append(dst, tagNull)
	case KindBool:
		if v.num != 0 {
			return append(dst, tagTrue)
		}
		return append(dst, tagFalse)
	case KindInt:
		return binary.AppendVarint(append(dst, tagInt), int64(v.num))
	case KindFloat:
		return binary.LittleEndian.AppendUint64(append(dst, tagFloat), v.num)
	case KindString:
		dst = binary.AppendUvarint(append(dst, tagString), uint64(len(v.str)))
		return append(dst, v.str...)
	case KindTimestamp:
		return binary.AppendVarint(append(dst, tagTimestamp), int64(v.num))
	case KindArray:
		dst = binary.AppendUvarint(append(dst, tagArray), v.num)
		for _, e := range v.Elems() {
			dst = AppendBinary(dst, e)
		}
		return dst
	case KindObject:
		dst = binary.AppendUvarint(append(dst, tagObject), v.num)
		for _, f := range v.Fields() {
			dst = binary.AppendUvarint(dst, uint64(len(f.Name)))
			dst = append(dst, f.Name...)
			dst = AppendBinary(dst, f.Value)
		}
		return dst
	case KindInterval: // last: rare, and the common kinds keep their order
		dst = binary.AppendVarint(append(dst, tagInterval), int64(v.IntervalMonths()))
		dst = binary.AppendVarint(dst, int64(v.days))
		return binary.AppendVarint(dst, int64(v.num))
	}
	panic(fmt.Sprintf("types: AppendBinary of unknown kind %d", v.kind))
}

// DecodeBinary decodes one binary value that fills b. Strings alias b.
func DecodeBinary(b []byte) (Value, error) {
	var d Decoder
	return d.DecodeBinary(b)
}

// DecodeBinary decodes one binary value that fills b, allocating arrays and
// objects from the decoder's slabs. Strings alias b.
func (d *Decoder) DecodeBinary(b []byte) (Value, error) {
	v, n, err := d.binaryValue(b, 0, 0)
	if err != nil {
		return Value{}, err
	}
	if n != len(b) {
		return Value{}, fmt.Errorf("%w: %d trailing bytes", ErrCorruptValue, len(b)-n)
	}
	return v, nil
}

// maxBinaryDepth bounds recursion on corrupt input; valid documents are far
// shallower (the JSON limit is 100 by default).
const maxBinaryDepth = 10000

func (d *Decoder) binaryValue(b []byte, i, depth int) (Value, int, error) {
	if i >= len(b) {
		return Value{}, i, fmt.Errorf("%w: truncated", ErrCorruptValue)
	}
	if depth > maxBinaryDepth {
		return Value{}, i, fmt.Errorf("%w: nested too deep", ErrCorruptValue)
	}
	tag := b[i]
	i++
	switch tag {
	case tagUndefined:
		return Undefined, i, nil
	case tagNull:
		return Null, i, nil
	case tagFalse:
		return Bool(false), i, nil
	case tagTrue:
		return Bool(true), i, nil
	case tagInt, tagTimestamp:
		x, n := binary.Varint(b[i:])
		if n <= 0 || overlong(b[i:], n) {
			return Value{}, i, fmt.Errorf("%w: bad varint", ErrCorruptValue)
		}
		if tag == tagInt {
			return Int(x), i + n, nil
		}
		return Timestamp(x), i + n, nil
	case tagFloat:
		if len(b)-i < 8 {
			return Value{}, i, fmt.Errorf("%w: truncated float", ErrCorruptValue)
		}
		return Float(math.Float64frombits(binary.LittleEndian.Uint64(b[i:]))), i + 8, nil
	case tagString:
		s, j, err := binaryString(b, i)
		if err != nil {
			return Value{}, i, err
		}
		return String(s), j, nil
	case tagArray:
		cnt, n := binary.Uvarint(b[i:])
		if n <= 0 || overlong(b[i:], n) || cnt > uint64(len(b)-i-n) {
			return Value{}, i, fmt.Errorf("%w: bad array length", ErrCorruptValue)
		}
		i += n
		// The count is known (and bounded by the bytes left): the
		// elements are decoded straight into the slab, strings, the
		// common element, without a call each.
		vals := d.reserveVals(int(cnt))
		for k := range vals {
			if i < len(b) && b[i] == tagString {
				s, j, err := binaryString(b, i+1)
				if err != nil {
					return Value{}, i + 1, err
				}
				vals[k], i = String(s), j
				continue
			}
			v, j, err := d.binaryValue(b, i, depth+1)
			if err != nil {
				return Value{}, j, err
			}
			vals[k], i = v, j
		}
		return Array(vals), i, nil
	case tagObject:
		cnt, n := binary.Uvarint(b[i:])
		if n <= 0 || overlong(b[i:], n) || cnt > uint64(len(b)-i-n) {
			return Value{}, i, fmt.Errorf("%w: bad object length", ErrCorruptValue)
		}
		i += n
		base := len(d.fieldStack)
		for k := uint64(0); k < cnt; k++ {
			name, j, err := binaryString(b, i)
			if err == nil {
				var v Value
				if v, j, err = d.binaryValue(b, j, depth+1); err == nil {
					d.fieldStack = append(d.fieldStack, Field{Name: name, Value: v})
					i = j
					continue
				}
			}
			d.fieldStack = d.fieldStack[:base]
			return Value{}, j, err
		}
		o := Object(d.allocFields(d.fieldStack[base:]))
		d.fieldStack = d.fieldStack[:base]
		return o, i, nil
	case tagInterval:
		m, n := binary.Varint(b[i:])
		if n <= 0 || overlong(b[i:], n) || m > MaxIntervalMonths || m < -MaxIntervalMonths {
			return Value{}, i, fmt.Errorf("%w: bad interval months", ErrCorruptValue)
		}
		i += n
		d, n := binary.Varint(b[i:])
		if n <= 0 || overlong(b[i:], n) || d != int64(int32(d)) {
			return Value{}, i, fmt.Errorf("%w: bad interval days", ErrCorruptValue)
		}
		i += n
		us, n := binary.Varint(b[i:])
		if n <= 0 || overlong(b[i:], n) {
			return Value{}, i, fmt.Errorf("%w: bad interval microseconds", ErrCorruptValue)
		}
		return Interval(int32(m), int32(d), us), i + n, nil
	}
	return Value{}, i, fmt.Errorf("%w: unknown tag %d", ErrCorruptValue, tag)
}

func binaryString(b []byte, i int) (string, int, error) {
	l, n := binary.Uvarint(b[i:])
	if n <= 0 || overlong(b[i:], n) || l > uint64(len(b)-i-n) {
		return "", i, fmt.Errorf("%w: bad string length", ErrCorruptValue)
	}
	i += n
	if l == 0 {
		return "", i, nil
	}
	return unsafe.String(&b[i], int(l)), i + int(l), nil
}

// overlong reports a varint of n bytes at the front of b that has a longer
// encoding than needed (a trailing 0x00 group). encoding/binary accepts those;
// refusing them keeps one encoding per value, so whatever decodes re-encodes
// to the same bytes (FuzzDecodeBinary checks it).
func overlong(b []byte, n int) bool { return n > 1 && b[n-1] == 0 }

// BinaryLen returns the length of the binary value at the front of b.
func BinaryLen(b []byte) (int, error) {
	var d Decoder
	_, n, err := d.binaryValue(b, 0, 0)
	return n, err
}

// ArrayScalars calls fn with each scalar element of the binary array b, in
// order, without allocating (strings alias b); nested arrays and objects are
// skipped. fn returns false to stop early.
func ArrayScalars(b []byte, fn func(Value) bool) error {
	if len(b) == 0 || b[0] != tagArray {
		return fmt.Errorf("%w: not an array", ErrCorruptValue)
	}
	cnt, n := binary.Uvarint(b[1:])
	if n <= 0 || overlong(b[1:], n) || cnt > uint64(len(b)) {
		return fmt.Errorf("%w: bad array length", ErrCorruptValue)
	}
	i := 1 + n
	var d Decoder
	for k := uint64(0); k < cnt; k++ {
		if i >= len(b) {
			return fmt.Errorf("%w: truncated", ErrCorruptValue)
		}
		if tag := b[i]; tag == tagArray || tag == tagObject {
			l, err := BinaryLen(b[i:])
			if err != nil {
				return err
			}
			i += l
			continue
		}
		v, j, err := d.binaryValue(b, i, 0)
		if err != nil {
			return err
		}
		i = j
		if !fn(v) {
			return nil
		}
	}
	return nil
}
