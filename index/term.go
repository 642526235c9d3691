package index

import (
	"encoding/binary"
	"math"

	"github.com/basaltdb/basalt/types"
)

// A term is the byte key of one scalar value in an inverted index. Terms
// sort in the same order as types.Compare sorts their values, so a range of
// values is a range of terms:
//
//	null       0x01
//	false/true 0x02 / 0x03
//	number     0x04 + 8-byte order-preserving float64 (NaN highest: all ones;
//	           segments of footer version 3 wrote it lowest, all zeros)
//	           [+ 8-byte order-preserving int64, only for ints that no float64 holds exactly;
//	            the float is then the largest one below the int]
//	string     0x05 + bytes
//	timestamp  0x06 + 8-byte order-preserving int64 (microseconds)
//
// Ints and floats share one encoding, so 1 and 1.0 are the same term, which is
// what equality on dynamically typed numbers wants.
const (
	TermNull      byte = 0x01
	TermFalse     byte = 0x02
	TermTrue      byte = 0x03
	TermNumber    byte = 0x04
	TermString    byte = 0x05
	TermTimestamp byte = 0x06
)

// Indexable reports whether v has a term (scalars except undefined).
func Indexable(v types.Value) bool {
	k := v.Kind()
	return k != types.KindUndefined && k.IsScalar()
}

// AppendTerm appends the term of the scalar v to dst. It panics on arrays,
// objects and undefined, which have no term.
func AppendTerm(dst []byte, v types.Value) []byte {
	switch v.Kind() {
	case types.KindNull:
		return append(dst, TermNull)
	case types.KindBool:
		if v.Bool() {
			return append(dst, TermTrue)
		}
		return append(dst, TermFalse)
	case types.KindInt:
		i := v.Int()
		f := float64(i)
		exact := f < 9223372036854775808.0 && int64(f) == i
		if !exact && (f >= 9223372036854775808.0 || int64(f) > i) {
			// float64(i) rounded up. The prefix must be the largest float
			// below i, so that the term sorts after that float's term (a
			// prefix of it) and before the next float's: rounding to
			// nearest put 2^53+3 after the float 2^53+4 and after the
			// int 2^53+4, whose term is that float's.
			f = math.Nextafter(f, math.Inf(-1))
		}
		dst = binary.BigEndian.AppendUint64(append(dst, TermNumber), orderedFloat(f))
		if !exact {
			// float64 cannot hold this int: keep it exactly after the
			// float so distinct ints stay distinct terms, in order.
			dst = binary.BigEndian.AppendUint64(dst, uint64(i)^(1<<63))
		}
		return dst
	case types.KindFloat:
		return binary.BigEndian.AppendUint64(append(dst, TermNumber), orderedFloat(v.Float()))
	case types.KindString:
		return append(append(dst, TermString), v.Str()...)
	case types.KindTimestamp:
		return binary.BigEndian.AppendUint64(append(dst, TermTimestamp), uint64(v.Micros())^(1<<63))
	}
	panic("index: AppendTerm of a value without a term: " + v.Kind().String())
}

// Term returns the term of the scalar v as a string (a map key).
func Term(v types.Value) string { return string(AppendTerm(nil, v)) }

func orderedFloat(f float64) uint64 {
	if f == 0 {
		f = 0 // -0 and +0 are one term
	}
	if math.IsNaN(f) {
		// Every NaN is one term, above +Inf, where types.Compare orders
		// NaN. Its bits would put a negative NaN below -Inf.
		return nanOrdered
	}
	b := math.Float64bits(f)
	if b>>63 != 0 {
		return ^b
	}
	return b | 1<<63
}

// nanOrdered is NaN's ordered float; legacyNaNOrdered was NaN's in segments
// of footer version 3, below -Inf. No other float maps to either.
const (
	nanOrdered       = ^uint64(0)
	legacyNaNOrdered = 0
)

// LegacyNaNTerm is the term of NaN in segments of footer version 3.
var LegacyNaNTerm = binary.BigEndian.AppendUint64([]byte{TermNumber}, legacyNaNOrdered)

func unorderedFloat(u uint64) float64 {
	if u>>63 != 0 {
		return math.Float64frombits(u &^ (1 << 63))
	}
	return math.Float64frombits(^u)
}

// DecodeTerm returns the value a term stands for. Numbers come back as ints
// when the term carries an exact int or the float is integral and in int64
// range, else as floats; either compares equal to the value that was encoded.
func DecodeTerm(t []byte) (types.Value, bool) {
	if len(t) == 0 {
		return types.Value{}, false
	}
	switch t[0] {
	case TermNull:
		return types.Null, len(t) == 1
	case TermFalse:
		return types.Bool(false), len(t) == 1
	case TermTrue:
		return types.Bool(true), len(t) == 1
	case TermNumber:
		switch len(t) {
		case 17:
			return types.Int(int64(binary.BigEndian.Uint64(t[9:]) ^ (1 << 63))), true
		case 9:
			f := unorderedFloat(binary.BigEndian.Uint64(t[1:]))
			if f == math.Trunc(f) && f >= -9223372036854775808.0 && f < 9223372036854775808.0 {
				return types.Int(int64(f)), true
			}
			return types.Float(f), true
		}
		return types.Value{}, false
	case TermString:
		return types.String(string(t[1:])), true
	case TermTimestamp:
		if len(t) != 9 {
			return types.Value{}, false
		}
		return types.Timestamp(int64(binary.BigEndian.Uint64(t[1:]) ^ (1 << 63))), true
	}
	return types.Value{}, false
}

// MaxTermStringBytes bounds the string part of an index term. Longer strings
// (a paragraph of text) are indexed by their first MaxTermStringBytes bytes,
// as Elasticsearch's ignore_above keeps long values out of its term
// dictionary: a full paragraph per row was half of a segment file. A term of
// exactly this length may stand for longer strings, so rows found through it
// are candidates that the segment verifies against the column.
const MaxTermStringBytes = 48

// AppendIndexTerm appends the term the inverted index stores for v: the term
// of v, with strings cut to MaxTermStringBytes.
func AppendIndexTerm(dst []byte, v types.Value) []byte {
	if v.Kind() == types.KindString && len(v.Str()) > MaxTermStringBytes {
		return append(append(dst, TermString), v.Str()[:MaxTermStringBytes]...)
	}
	return AppendTerm(dst, v)
}

// MaybeTruncated reports whether an index term may stand for strings longer
// than it holds.
func MaybeTruncated(term []byte) bool {
	return len(term) == 1+MaxTermStringBytes && term[0] == TermString
}
