package memseg

import "unsafe"

// arena stores the bytes of strings and nested values in fixed-size chunks
// that are never reallocated or modified once written, so a string pointing
// into a chunk stays valid (and can key a map) for the segment's life
// without a copy, and readers can use references while the writer appends.
type arena struct {
	chunks []*[chunkBytes]byte // elements never change once appended
	used   int                 // bytes used in the last chunk
	bigs   [][]byte            // values too large for a chunk
	bytes  int64
}

// arenaView is what a reader captures under the segment's lock.
type arenaView struct {
	chunks []*[chunkBytes]byte
	bigs   [][]byte
}

const (
	chunkBytes = 256 << 10
	// A reference is: 1 bit "big"; then for chunked values chunk (19 bits),
	// offset (18 bits), length (26 bits); for big values the index into
	// bigs (37 bits) and the length. 26 bits of length is 64 MiB, above the
	// 16 MiB document limit.
	bigBit  = 1 << 63
	offBits = 18
	lenBits = 26
	maxLen  = 1<<lenBits - 1
)

// add copies b into the arena and returns its reference.
func (a *arena) add(b []byte) uint64 {
	if len(b) > maxLen {
		panic("memseg: value larger than the arena's length field")
	}
	if len(b) > chunkBytes/8 {
		a.bigs = append(a.bigs, append(make([]byte, 0, len(b)), b...))
		a.bytes += int64(len(b))
		return bigBit | uint64(len(a.bigs)-1)<<lenBits | uint64(len(b))
	}
	if len(a.chunks) == 0 || chunkBytes-a.used < len(b) {
		a.chunks = append(a.chunks, new([chunkBytes]byte))
		a.used = 0
		a.bytes += chunkBytes
	}
	ci := len(a.chunks) - 1
	off := a.used
	copy(a.chunks[ci][off:], b)
	a.used += len(b)
	return uint64(ci)<<(offBits+lenBits) | uint64(off)<<lenBits | uint64(len(b))
}

func (a *arena) view() arenaView { return arenaView{chunks: a.chunks, bigs: a.bigs} }

// bytesOf returns the bytes of a reference.
func (v arenaView) bytesOf(ref uint64) []byte {
	l := ref & maxLen
	if ref&bigBit != 0 {
		return v.bigs[(ref&^bigBit)>>lenBits][:l:l]
	}
	ci := ref >> (offBits + lenBits)
	off := (ref >> lenBits) & (1<<offBits - 1)
	return v.chunks[ci][off : off+l : off+l]
}

// str returns the string of a reference (no copy).
func (v arenaView) str(ref uint64) string {
	b := v.bytesOf(ref)
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}
