package encoding

import (
	"fmt"
	"math/bits"
)

// An int section holds n int64 values (ints, timestamps, decimal mantissas,
// float bit patterns, lengths) with one of four codecs, chosen per section as
// the smallest:
//
//	codec byte | codec payload
//
//	0 constant: varint value
//	1 for:      varint min, byte width, packed(n, width) of value-min
//	2 delta:    varint first, varint min delta, byte width,
//	            packed(n-1, width) of delta-min delta
//	3 dict:     uvarint entries, int section (constant, for or delta) of the
//	            sorted distinct values, packed(n, bits.Len(entries-1)) codes
//
// The count n is never stored: the block header implies it.
const (
	intConstant byte = iota
	intFOR
	intDelta
	intDict
)

var intCodecNames = [...]string{"constant", "for", "delta", "dict"}

// intPlan is the codec chosen for an int section and what its payload needs.
type intPlan struct {
	codec byte
	size  int   // encoded bytes, codec byte included
	base  int64 // constant value, for minimum or delta first value
	step  int64 // delta: minimum delta
	w     uint  // bit width of the packed payload
}

// planInts chooses among constant, frame of reference and delta for vals.
// It reads vals once; a dictionary is considered separately (planIntDict)
// because it needs a hash map.
func planInts(vals []int64) intPlan {
	n := len(vals)
	if n == 0 {
		return intPlan{codec: intConstant, size: 1 + varintLen(0)}
	}
	lo, hi := vals[0], vals[0]
	dlo, dhi := int64(0), int64(0)
	if n > 1 {
		dlo, dhi = vals[1]-vals[0], vals[1]-vals[0]
	}
	prev := vals[0]
	for _, x := range vals[1:] {
		lo = min(lo, x)
		hi = max(hi, x)
		// Deltas wrap on overflow; decoding adds them back with the same
		// wrapping arithmetic, so any int64 sequence round-trips.
		d := x - prev
		dlo = min(dlo, d)
		dhi = max(dhi, d)
		prev = x
	}
	if lo == hi {
		return intPlan{codec: intConstant, base: lo, size: 1 + varintLen(lo)}
	}
	// The width of a range is taken on the unsigned difference, which is
	// exact for any two int64 values.
	w := uint(bits.Len64(uint64(hi) - uint64(lo)))
	best := intPlan{codec: intFOR, base: lo, w: w, size: forSize(n, lo, w)}
	if n > 1 {
		dw := uint(bits.Len64(uint64(dhi) - uint64(dlo)))
		if s := deltaSize(n, vals[0], dlo, dw); s < best.size {
			best = intPlan{codec: intDelta, base: vals[0], step: dlo, w: dw, size: s}
		}
	}
	return best
}

// appendInts appends an int section for vals, considering a dictionary when
// allowDict is set (never for the entries of a dictionary, so decoding
// recurses at most once).
func (e *encoder) appendInts(dst []byte, vals []int64, allowDict bool) []byte {
	p := planInts(vals)
	if allowDict {
		p = e.planIntDict(vals, p)
	}
	return e.appendIntPlan(dst, vals, p)
}

// appendIntPlan appends vals with the codec p chose. A dict plan must come
// from the latest planIntDict call on e.
func (e *encoder) appendIntPlan(dst []byte, vals []int64, p intPlan) []byte {
	switch p.codec {
	case intConstant:
		return appendConstant(dst, p.base)
	case intFOR:
		return e.appendFOR(dst, vals, p.base, p.w)
	case intDelta:
		return e.appendDelta(dst, vals, p.step, p.w)
	case intDict:
		return e.appendIntDict(dst)
	}
	panic(fmt.Sprintf("encoding: unknown int codec %d", p.codec))
}

// decodeInts decodes an int section of len(dst) values into dst.
func (d *Decoder) decodeInts(r *reader, dst []int64, allowDict bool, sel []int) error {
	codec, err := r.readByte()
	if err != nil {
		return err
	}
	switch codec {
	case intConstant:
		return decodeConstant(r, dst)
	case intFOR:
		return decodeFOR(r, dst, sel)
	case intDelta:
		return decodeDelta(r, dst)
	case intDict:
		if allowDict {
			return d.decodeIntDict(r, dst, sel)
		}
	}
	return fmt.Errorf("%w: bad int codec %d", ErrCorrupt, codec)
}

// readWidth reads a bit width and checks that n values of it fit in r.
func readWidth(r *reader, n int) (uint, []byte, error) {
	b, err := r.readByte()
	if err != nil {
		return 0, nil, err
	}
	if b > 64 {
		return 0, nil, fmt.Errorf("%w: bit width %d", ErrCorrupt, b)
	}
	w := uint(b)
	packed, err := r.next(packedLen(n, w))
	return w, packed, err
}
