package encoding

import (
	"fmt"

	"github.com/basaltdb/basalt/coldata"
	"github.com/basaltdb/basalt/types"
)

// Decoder decodes blocks, reusing its memory from one block to the next, so
// it holds on to about as much as its largest block needed. The zero Decoder
// is ready to use. A Decoder is not safe for concurrent use; give each
// scanning goroutine its own.
type Decoder struct {
	// buf holds the body of the last block, decompressed or copied. Strings,
	// arrays and objects decoded into a Vec alias it, which saves a copy per
	// string; the price is the contract that they are valid only until the
	// next DecodeBlock call.
	buf []byte

	kinds []types.Kind
	u64   []uint64 // unpacked codes
	i64   []int64  // dense ints, mantissas or float bits
	f64   []float64
	str   []string
	any   []types.Value
	lens  []int64
	dict  []int64
	sdict []string
	// codes are the dictionary codes of the last string section, when
	// dictCoded says it had a dictionary.
	codes     []uint32
	dictCoded bool

	values types.Decoder // arrays and objects come from its slabs

	rbuf []byte // ReadBuffer's
}

// ReadBuffer returns a buffer of n bytes for the caller to read a block into
// and decode with d: reused by the next call, so the block must be decoded
// (or copied) first. Decoding copies out of it what values keep.
func (d *Decoder) ReadBuffer(n int) []byte {
	d.rbuf = resize(d.rbuf, n)
	return d.rbuf
}

// DecodeBlock decodes a block produced by AppendBlock into v, which is reset
// first. Strings in v, and the strings inside its arrays and objects, alias
// a buffer of d that stays valid until the next DecodeBlock call on d.
//
// Every error wraps ErrCorrupt; v is then empty. Corrupt input never makes
// DecodeBlock panic, and it allocates no more than a bounded multiple of
// len(src) and MaxBlockRows.
func (d *Decoder) DecodeBlock(src []byte, v *coldata.Vec) error {
	return d.DecodeBlockRows(src, v, nil)
}

// DecodeBlockRows is DecodeBlock for a reader of the rows in sel alone
// (ascending positions in the block; nil: every row): v has every row and
// its kinds, but only the rows in sel are sure to hold their values. The
// payloads of a section whose rows all share a kind are then decoded at
// those rows only (bit-packed values are read in place, strings are not
// cut), which is what an index lookup that selects a few rows of a block
// saves; a section of mixed kinds, bools and nested values are decoded
// whole.
func (d *Decoder) DecodeBlockRows(src []byte, v *coldata.Vec, sel []int) error {
	if err := d.decode(src, v, sel); err != nil {
		v.Reset()
		return err
	}
	return nil
}

func (d *Decoder) decode(src []byte, v *coldata.Vec, sel []int) error {
	r := reader{b: src}
	h, err := readHeader(&r)
	if err != nil {
		return fmt.Errorf("block header: %w", err)
	}
	n := h.rows
	if !rowsOf(sel, n) {
		sel = nil // not ascending rows of this block: decode them all
	}
	d.kinds = resize(d.kinds, n)
	var counts [types.NumKinds]int
	uniform, mixed, err := d.readLayout(&r, n, d.kinds, &counts)
	if err != nil {
		return fmt.Errorf("kind layout: %w", err)
	}

	var body []byte
	if h.flags&(flagZstd|flagS2) != 0 {
		rawLen, err := r.uvarint()
		if err != nil {
			return fmt.Errorf("compressed length: %w", err)
		}
		if body, err = d.decompress(r.rest(), rawLen, h.flags); err != nil {
			return err
		}
	} else {
		body = r.rest()
		if counts[types.KindString]+counts[types.KindArray]+counts[types.KindObject] > 0 {
			// The decoded strings must outlive src, which the caller owns.
			d.buf = append(d.buf[:0], body...)
			body = d.buf
		}
	}

	if mixed {
		v.ResetMixed(d.kinds[:n])
	} else {
		v.ResetUniform(uniform, n)
	}
	br := reader{b: body}
	for k := types.KindBool; k < types.NumKinds; k++ {
		if counts[k] == 0 {
			continue
		}
		length, err := br.count(br.remaining())
		if err != nil {
			return fmt.Errorf("%s section: %w", k, err)
		}
		sec, _ := br.next(length)
		sr := reader{b: sec}
		if err := d.decodeSection(&sr, v, k, counts[k], sel); err != nil {
			return fmt.Errorf("%s section: %w", k, err)
		}
		if err := sr.done(); err != nil {
			return fmt.Errorf("%s section: %w", k, err)
		}
	}
	if err := br.done(); err != nil {
		return fmt.Errorf("block body: %w", err)
	}
	return nil
}

// decodeSection decodes the count payloads of kind k into v: straight into
// v's slice when every row has kind k (only at the rows in sel, unless it is
// nil), else densely into scratch and then scattered to the rows of kind k.
func (d *Decoder) decodeSection(r *reader, v *coldata.Vec, k types.Kind, count int, sel []int) error {
	dense := count == v.Len()
	if !dense {
		sel = nil
	}
	switch k {
	case types.KindBool, types.KindInt, types.KindTimestamp:
		dst := v.I64[:count]
		if !dense {
			d.i64 = resize(d.i64, count)
			dst = d.i64
		}
		var err error
		if k == types.KindBool {
			err = decodeBools(r, dst)
		} else {
			err = d.decodeInts(r, dst, true, sel)
		}
		if err == nil && !dense {
			scatter(v.I64, dst, v, k)
		}
		return err
	case types.KindFloat:
		dst := v.F64[:count]
		if !dense {
			d.f64 = resize(d.f64, count)
			dst = d.f64
		}
		err := d.decodeFloats(r, dst, sel)
		if err == nil && !dense {
			scatter(v.F64, dst, v, k)
		}
		return err
	case types.KindString:
		dst := v.Str[:count]
		if !dense {
			d.str = resize(d.str, count)
			dst = d.str
		}
		err := d.decodeStrings(r, dst, sel)
		if err == nil && dense && d.dictCoded {
			v.Dict, v.Codes = d.sdict, d.codes[:count]
		}
		if err == nil && !dense {
			scatter(v.Str, dst, v, k)
			// Scratch must not pin this block's buffer once v lets go.
			clear(dst)
		}
		return err
	case types.KindArray, types.KindObject:
		dst := v.Any[:count]
		if !dense {
			d.any = resize(d.any, count)
			dst = d.any
		}
		err := d.decodeNested(r, dst, k)
		if err == nil && !dense {
			scatter(v.Any, dst, v, k)
			clear(dst)
		}
		return err
	}
	return fmt.Errorf("%w: no section for kind %s", ErrCorrupt, k)
}

// scatter copies the dense payloads src to the rows of kind k of v, in row
// order, into payload.
func scatter[T any](payload, src []T, v *coldata.Vec, k types.Kind) {
	j := 0
	for i, rk := range v.Kinds() {
		if rk == k {
			payload[i] = src[j]
			j++
		}
	}
}

// Uncompressed returns src with its body decompressed and its compression
// flag cleared: the block as if written uncompressed, which decodes to the same
// values without the cost of decompression (a cache of decoded-once blocks
// keeps these). False when the body is not compressed.
func (d *Decoder) Uncompressed(src []byte) ([]byte, bool, error) {
	r := reader{b: src}
	h, err := readHeader(&r)
	if err != nil {
		return nil, false, fmt.Errorf("block header: %w", err)
	}
	if h.flags&(flagZstd|flagS2) == 0 {
		return nil, false, nil
	}
	d.kinds = resize(d.kinds, h.rows)
	var counts [types.NumKinds]int
	if _, _, err := d.readLayout(&r, h.rows, d.kinds, &counts); err != nil {
		return nil, false, fmt.Errorf("kind layout: %w", err)
	}
	bodyStart := r.off
	rawLen, err := r.uvarint()
	if err != nil {
		return nil, false, fmt.Errorf("compressed length: %w", err)
	}
	body, err := d.decompress(r.rest(), rawLen, h.flags)
	if err != nil {
		return nil, false, err
	}
	out := make([]byte, 0, bodyStart+len(body))
	out = append(append(out, src[:bodyStart]...), body...)
	out[1] &^= flagZstd | flagS2 // the flags byte follows the format version
	return out, true, nil
}

// rowsOf reports whether sel is nil or ascending positions below n.
func rowsOf(sel []int, n int) bool {
	last := -1
	for _, i := range sel {
		if i <= last || i >= n {
			return false
		}
		last = i
	}
	return true
}
