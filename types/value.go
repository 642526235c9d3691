package types

import (
	"math"
	"time"
	"unsafe"
)

// Value is one dynamically typed value: a scalar, an array or an object.
//
// A Value is 40 bytes and is passed by value. Arrays and objects point at
// slices they share with whoever built them: treat them as immutable. Values
// produced by Decoder may alias the decoded input buffer (see Decoder).
// The zero Value is undefined.
type Value struct {
	kind Kind
	// An interval's months (24 bits, little-endian) and days sit in the
	// padding after kind; its microseconds are num. They stay apart, as in
	// PostgreSQL: a month has no fixed length, and '27 hours' is not '1 day
	// 03:00:00' when shown.
	months [3]byte
	days   int32
	// num holds the scalar payload: 0/1 for bools, the int64 bits of ints,
	// the float64 bits of floats and the microseconds of timestamps. For
	// arrays and objects it holds the element count.
	num uint64
	// str holds the text of a string, and of a float that a Decoder read
	// from an integer literal out of the int64 range, that literal (see
	// IntegerText); it is empty for every other value.
	str string
	// ptr points at the first element of an array ([]Value) or an object
	// ([]Field), so that a Value stays 40 bytes instead of the 80 that two
	// slice headers would cost.
	ptr unsafe.Pointer
}

// Field is one named member of an object.
type Field struct {
	Name  string
	Value Value
}

// Undefined is the value of an absent field.
var Undefined = Value{}

// Null is the explicit JSON null.
var Null = Value{kind: KindNull}

// Bool returns a boolean value.
func Bool(b bool) Value {
	if b {
		return Value{kind: KindBool, num: 1}
	}
	return Value{kind: KindBool}
}

// Int returns an integer value.
func Int(i int64) Value { return Value{kind: KindInt, num: uint64(i)} }

// Float returns a floating-point value.
func Float(f float64) Value { return Value{kind: KindFloat, num: math.Float64bits(f)} }

// String returns a string value.
func String(s string) Value { return Value{kind: KindString, str: s} }

// Timestamp returns a timestamp value of microseconds since the Unix epoch (UTC).
func Timestamp(micros int64) Value { return Value{kind: KindTimestamp, num: uint64(micros)} }

// MaxIntervalMonths bounds the months of an interval (24 bits: about
// 700,000 years).
const MaxIntervalMonths = 1<<23 - 1

// Interval returns an interval of months, days and microseconds; months
// must be within ±MaxIntervalMonths (it panics otherwise: callers check).
func Interval(months, days int32, micros int64) Value {
	if months > MaxIntervalMonths || months < -MaxIntervalMonths {
		panic("types: interval months out of range")
	}
	m := uint32(months)
	return Value{kind: KindInterval, months: [3]byte{byte(m), byte(m >> 8), byte(m >> 16)}, days: days, num: uint64(micros)}
}

// IntervalMonths returns the months of an interval.
func (v Value) IntervalMonths() int32 {
	m := int32(v.months[0]) | int32(v.months[1])<<8 | int32(v.months[2])<<16
	return m << 8 >> 8 // sign-extend 24 bits
}

// IntervalDays returns the days of an interval (its microseconds are
// Micros).
func (v Value) IntervalDays() int32 { return v.days }

// TimestampOf returns the timestamp value of t, truncated to microseconds.
func TimestampOf(t time.Time) Value { return Timestamp(t.UnixMicro()) }

// Array returns an array value over elems; the slice is retained.
func Array(elems []Value) Value {
	v := Value{kind: KindArray, num: uint64(len(elems))}
	if len(elems) > 0 {
		v.ptr = unsafe.Pointer(unsafe.SliceData(elems))
	}
	return v
}

// Object returns an object value over fields, in their order; the slice is
// retained. Field names must be unique; the decoder guarantees it for parsed
// documents.
func Object(fields []Field) Value {
	v := Value{kind: KindObject, num: uint64(len(fields))}
	if len(fields) > 0 {
		v.ptr = unsafe.Pointer(unsafe.SliceData(fields))
	}
	return v
}

// Kind returns the dynamic type of v.
func (v Value) Kind() Kind { return v.kind }

// IsUndefined reports whether v is the value of an absent field.
func (v Value) IsUndefined() bool { return v.kind == KindUndefined }

// IsNull reports whether v is an explicit null.
func (v Value) IsNull() bool { return v.kind == KindNull }

// Bool returns the boolean payload; false for other kinds.
func (v Value) Bool() bool { return v.kind == KindBool && v.num != 0 }

// Int returns the integer payload of an int or timestamp; 0 for other kinds.
func (v Value) Int() int64 {
	if v.kind == KindInt || v.kind == KindTimestamp {
		return int64(v.num)
	}
	return 0
}

// Float returns the numeric payload of an int or float as a float64.
func (v Value) Float() float64 {
	switch v.kind {
	case KindFloat:
		return math.Float64frombits(v.num)
	case KindInt:
		return float64(int64(v.num))
	}
	return 0
}

// Str returns the string payload; "" for other kinds.
func (v Value) Str() string {
	if v.kind != KindString {
		return ""
	}
	return v.str
}

// IntegerText returns the decimal digits of an integer a Decoder read that
// is out of the int64 range, as the JSON text spelled them
// ("12345678901234567890"): v is then a float holding the nearest float64,
// which has lost digits. It is "" for every other value, and for such a
// float once it has been stored and read back: only what reads a document
// as it arrives (normalising its _id) can use it. Like a string, it aliases
// the decoded input until cloned.
func (v Value) IntegerText() string {
	if v.kind != KindFloat {
		return ""
	}
	return v.str
}

// Micros returns the microseconds of a timestamp, or of an interval
// beside its months.
func (v Value) Micros() int64 { return int64(v.num) }

// Time returns a timestamp as a time.Time in UTC.
func (v Value) Time() time.Time { return time.UnixMicro(int64(v.num)).UTC() }

// Bits returns the raw 64-bit scalar payload (see the num field).
func (v Value) Bits() uint64 { return v.num }

// Len returns the number of elements of an array or fields of an object.
func (v Value) Len() int {
	if v.kind == KindArray || v.kind == KindObject {
		return int(v.num)
	}
	return 0
}

// Elems returns the elements of an array; nil for other kinds. The slice is
// shared: do not modify it.
func (v Value) Elems() []Value {
	if v.kind != KindArray || v.num == 0 {
		return nil
	}
	return unsafe.Slice((*Value)(v.ptr), int(v.num))
}

// Fields returns the fields of an object in document order; nil for other
// kinds. The slice is shared: do not modify it.
func (v Value) Fields() []Field {
	if v.kind != KindObject || v.num == 0 {
		return nil
	}
	return unsafe.Slice((*Field)(v.ptr), int(v.num))
}

// Get returns the value of the named field of an object, or Undefined.
func (v Value) Get(name string) Value {
	for _, f := range v.Fields() {
		if f.Name == name {
			return f.Value
		}
	}
	return Undefined
}

// Index returns the i-th (0-based) element of an array, or Undefined.
func (v Value) Index(i int) Value {
	if v.kind != KindArray || i < 0 || i >= int(v.num) {
		return Undefined
	}
	return v.Elems()[i]
}

// Clone returns a deep copy of v that shares no memory with it, so it can
// outlive the buffer a Decoder parsed it from.
func (v Value) Clone() Value {
	switch v.kind {
	case KindString, KindFloat:
		if v.str != "" {
			v.str = string(append([]byte(nil), v.str...))
		}
		return v
	case KindArray:
		src := v.Elems()
		dst := make([]Value, len(src))
		for i, e := range src {
			dst[i] = e.Clone()
		}
		return Array(dst)
	case KindObject:
		src := v.Fields()
		dst := make([]Field, len(src))
		for i, f := range src {
			dst[i] = Field{Name: string(append([]byte(nil), f.Name...)), Value: f.Value.Clone()}
		}
		return Object(dst)
	}
	return v
}

// WithField returns a copy of the object v with field name set to val
// (replaced in place if present, appended otherwise). The fields slice of v is
// not modified.
func (v Value) WithField(name string, val Value) Value {
	src := v.Fields()
	dst := make([]Field, 0, len(src)+1)
	found := false
	for _, f := range src {
		if f.Name == name {
			f.Value = val
			found = true
		}
		dst = append(dst, f)
	}
	if !found {
		dst = append(dst, Field{Name: name, Value: val})
	}
	return Object(dst)
}

// WithoutField returns a copy of the object v without the named field.
func (v Value) WithoutField(name string) Value {
	src := v.Fields()
	dst := make([]Field, 0, len(src))
	for _, f := range src {
		if f.Name != name {
			dst = append(dst, f)
		}
	}
	return Object(dst)
}

// Depth returns the nesting depth of v: 0 for a scalar, 1 for a flat array
// or object, and so on.
func Depth(v Value) int {
	d := 0
	switch v.kind {
	case KindArray:
		for _, e := range v.Elems() {
			d = max(d, Depth(e))
		}
		return d + 1
	case KindObject:
		for _, f := range v.Fields() {
			d = max(d, Depth(f.Value))
		}
		return d + 1
	}
	return 0
}
