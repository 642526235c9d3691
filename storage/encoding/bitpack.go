package encoding

import (
	"encoding/binary"
	"slices"
)

// Bit packing stores each value in a fixed number of bits w (0 to 64),
// little-endian: value i occupies bits [i*w, (i+1)*w) of the byte stream,
// least significant bit first. n values take packedLen(n, w) bytes, with no
// padding beyond the last byte, so a block pays at most 7 bits for it.

// packedLen returns the number of bytes n values of w bits take.
func packedLen(n int, w uint) int {
	return (n*int(w) + 7) / 8
}

// appendPacked appends vals packed at w bits each. Every value must be below
// 1<<w.
func appendPacked(dst []byte, vals []uint64, w uint) []byte {
	if w == 0 || len(vals) == 0 {
		return dst
	}
	start := len(dst)
	dst = grow(dst, packedLen(len(vals), w))
	out := dst[start:]
	var acc uint64 // pending bits, the oldest in the low bits
	var nacc uint  // number of pending bits, always < 64 between values
	pos := 0
	// Shift counts are masked to 63 (they never exceed it) so that the
	// compiler emits bare shifts; that made packing about a third faster in
	// BenchmarkPack. Combining several narrow values before flushing was
	// tried and was slower beyond w = 7.
	for _, v := range vals {
		acc |= v << (nacc & 63)
		nacc += w
		if nacc >= 64 {
			binary.LittleEndian.PutUint64(out[pos:], acc)
			pos += 8
			nacc -= 64
			// The top nacc bits of v did not fit in the word just written.
			acc = v >> ((w - nacc) & 63)
			if nacc == 0 {
				acc = 0
			}
		}
	}
	for ; nacc > 0; nacc -= min(nacc, 8) {
		out[pos] = byte(acc)
		acc >>= 8
		pos++
	}
	return dst
}

// unpack fills dst with len(dst) values of w bits from src, which must hold
// at least packedLen(len(dst), w) bytes.
func unpack[T uint64 | int64 | uint32](dst []T, src []byte, w uint) {
	switch {
	case w == 0:
		clear(dst)
		return
	case w == 64:
		for i := range dst {
			dst[i] = T(binary.LittleEndian.Uint64(src[8*i:]))
		}
		return
	case w > 56:
		unpackWide(dst, src, w)
		return
	case w <= 8:
		unpackNarrow(dst, src, w)
		return
	}
	mask := uint64(1)<<w - 1
	// Each value is one unaligned 8-byte load, which holds it whatever its
	// bit offset within its first byte since w <= 56. The fast loop runs
	// while the load stays inside src; the last few values are read byte by
	// byte.
	fast := 0
	if len(src) >= 8 {
		// Value i starts at byte i*w/8 and needs i*w/8 + 8 <= len(src).
		fast = min(len(dst), ((len(src)-8)*8)/int(w)+1)
	}
	out := dst[:fast]
	for i := range out {
		p := uint(i) * w
		out[i] = T(binary.LittleEndian.Uint64(src[p>>3:]) >> (p & 7) & mask)
	}
	for i := fast; i < len(dst); i++ {
		dst[i] = T(bitsAt(src, uint(i)*w, w) & mask)
	}
}

// unpackNarrow is unpack for w <= 8: one load yields a group of k >= 7
// values, which BenchmarkUnpack measured 10-30% faster than a load per
// value; for wider values the extra loop costs more than it saves.
func unpackNarrow[T uint64 | int64 | uint32](dst []T, src []byte, w uint) {
	mask := uint64(1)<<w - 1
	k := int(56 / w)
	g := uint(k) * w
	groups := 0
	if len(src) >= 8 {
		// Group q starts at byte q*g/8 and needs q*g/8 + 8 <= len(src).
		groups = min(len(dst)/k, ((len(src)-8)*8)/int(g)+1)
	}
	for q := range groups {
		p := uint(q) * g
		v := binary.LittleEndian.Uint64(src[p>>3:]) >> (p & 7)
		out := dst[q*k : q*k+k : q*k+k]
		for j := range out {
			out[j] = T(v & mask)
			v >>= w & 63
		}
	}
	for i := groups * k; i < len(dst); i++ {
		dst[i] = T(bitsAt(src, uint(i)*w, w) & mask)
	}
}

// unpackWide is unpack for 56 < w < 64, where a value may span 9 bytes.
func unpackWide[T uint64 | int64 | uint32](dst []T, src []byte, w uint) {
	mask := uint64(1)<<w - 1
	fast := 0
	if len(src) >= 9 {
		fast = min(len(dst), ((len(src)-9)*8)/int(w)+1)
	}
	for i := range fast {
		p := uint(i) * w
		idx, sh := p>>3, p&7
		v := binary.LittleEndian.Uint64(src[idx:]) >> sh
		if sh+w > 64 {
			v |= uint64(src[idx+8]) << (64 - sh)
		}
		dst[i] = T(v & mask)
	}
	for i := fast; i < len(dst); i++ {
		dst[i] = T(bitsAt(src, uint(i)*w, w) & mask)
	}
}

// unpackRows is unpack for the values at the positions sel only (each
// below len(dst), as src holds len(dst) values); dst's other values are
// left as they were.
func unpackRows[T uint64 | int64 | uint32](dst []T, src []byte, w uint, sel []int) {
	if len(sel) == 0 {
		return
	}
	if w == 0 {
		for _, i := range sel {
			dst[i] = 0
		}
		return
	}
	_ = dst[sel[len(sel)-1]]
	mask := uint64(1)<<w - 1 // all ones for w == 64
	for _, i := range sel {
		p := uint(i) * w
		if w <= 56 && int(p>>3)+8 <= len(src) {
			dst[i] = T(binary.LittleEndian.Uint64(src[p>>3:]) >> (p & 7) & mask)
		} else {
			dst[i] = T(bitsAt(src, p, w) & mask)
		}
	}
}

// bitsAt returns the w bits at bit position p of src, reading only the bytes
// the value covers; unpack uses it for the last few values.
func bitsAt(src []byte, p, w uint) uint64 {
	idx, sh := p>>3, p&7
	end := (p + w + 7) >> 3
	var v uint64
	for j := idx; j < end; j++ {
		shift := int((j-idx)*8) - int(sh)
		if shift >= 0 {
			v |= uint64(src[j]) << uint(shift)
		} else {
			v |= uint64(src[j]) >> uint(-shift)
		}
	}
	return v
}

// grow extends dst by n bytes whose contents are unspecified.
func grow(dst []byte, n int) []byte {
	return slices.Grow(dst, n)[:len(dst)+n]
}
