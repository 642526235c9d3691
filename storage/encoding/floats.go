package encoding

import (
	"encoding/binary"
	"fmt"
	"math"
)

// A float section is a codec byte and its payload:
//
//	0 raw:     n × 8 bytes, little-endian IEEE-754 bits
//	1 decimal: byte e (<= 18), int section of the mantissas m (v = m / 10^e)
//	2 bits:    int section of the IEEE-754 bit patterns as int64
//
// The bits codec is how float columns get a dictionary (and a constant):
// the int codecs see the bit patterns, so a column of a few distinct floats
// (0.5, 1.0, NaN, ...) that are no decimals still costs a few bits a row.
const (
	floatRaw byte = iota
	floatDecimal
	floatBits
)

var floatCodecNames = [...]string{"raw", "decimal", "bits"}

func (e *encoder) appendFloats(dst []byte, vals []float64) []byte {
	n := len(vals)
	ints := resize(e.i64, n)
	e.i64 = ints
	// Almost every float of moderate magnitude is some 17-digit decimal, so
	// an exact decimal is not enough: its mantissas must also be smaller
	// than the raw bits.
	if exp, ok := decimalExp(vals, ints); ok {
		if p := e.planIntDict(ints, planInts(ints)); 2+p.size < 1+8*n {
			return e.appendIntPlan(append(dst, floatDecimal, byte(exp)), ints, p)
		}
	}
	for i, f := range vals {
		ints[i] = int64(math.Float64bits(f))
	}
	p := e.planIntDict(ints, planInts(ints))
	if p.size < 1+8*n {
		return e.appendIntPlan(append(dst, floatBits), ints, p)
	}
	dst = append(dst, floatRaw)
	for _, f := range vals {
		dst = binary.LittleEndian.AppendUint64(dst, math.Float64bits(f))
	}
	return dst
}

func (d *Decoder) decodeFloats(r *reader, dst []float64, sel []int) error {
	codec, err := r.readByte()
	if err != nil {
		return err
	}
	switch codec {
	case floatRaw:
		b, err := r.next(8 * len(dst))
		if err != nil {
			return err
		}
		if sel != nil {
			for _, i := range sel {
				dst[i] = math.Float64frombits(binary.LittleEndian.Uint64(b[8*i:]))
			}
			return nil
		}
		for i := range dst {
			dst[i] = math.Float64frombits(binary.LittleEndian.Uint64(b[8*i:]))
		}
		return nil
	case floatDecimal:
		exp, err := r.readByte()
		if err != nil {
			return err
		}
		if exp > maxDecimalExp {
			return fmt.Errorf("%w: decimal exponent %d", ErrCorrupt, exp)
		}
		ms := resize(d.i64, len(dst))
		d.i64 = ms
		if err := d.decodeInts(r, ms, true, sel); err != nil {
			return err
		}
		p := pow10[exp]
		if sel != nil {
			for _, i := range sel {
				dst[i] = float64(ms[i]) / p
			}
			return nil
		}
		for i, m := range ms {
			dst[i] = float64(m) / p
		}
		return nil
	case floatBits:
		ints := resize(d.i64, len(dst))
		d.i64 = ints
		if err := d.decodeInts(r, ints, true, sel); err != nil {
			return err
		}
		if sel != nil {
			for _, i := range sel {
				dst[i] = math.Float64frombits(uint64(ints[i]))
			}
			return nil
		}
		for i, x := range ints {
			dst[i] = math.Float64frombits(uint64(x))
		}
		return nil
	}
	return fmt.Errorf("%w: bad float codec %d", ErrCorrupt, codec)
}
