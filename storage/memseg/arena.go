package memseg

import "unsafe"

// arena stores the bytes of strings and nested values in chunks that are
// never reallocated or modified once written, so a string pointing into a
// chunk stays valid (and can key a map) for the segment's life without a
// copy, and readers can use references while the writer appends.
//
// Every column has its own arena: sealing reads a segment column by column,
// and a column's strings side by side in memory cost one cache miss per
// line of them instead of one per row (with one arena per segment, a
// column's strings lay a document apart — it was a fifth of the sealing
// CPU). Chunks start small and double, so the many sparse columns of
// schemaless data cost little.
type arena struct {
	chunks [][]byte // elements never change once appended; each at its full capacity
	used   int      // bytes used in the last chunk
	bigs   [][]byte // values too large for a chunk
	bytes  int64
}

// arenaView is what a reader captures under the segment's lock.
type arenaView struct {
	chunks [][]byte
	bigs   [][]byte
}

const (
	firstChunkBytes = 1 << 10
	maxChunkBytes   = 256 << 10
	// A reference is: 1 bit "big"; then for chunked values chunk (19 bits),
	// offset (18 bits), length (26 bits); for big values the index into
	// bigs (37 bits) and the length. 26 bits of length is 64 MiB, above the
	// 16 MiB document limit.
	bigBit  = 1 << 63
	offBits = 18
	lenBits = 26
	maxLen  = 1<<lenBits - 1
	// bigValue is the smallest value kept apart from the chunks.
	bigValue = maxChunkBytes/8 + 1
)

// add copies b into the arena and returns its reference.
func (a *arena) add(b []byte) uint64 {
	if len(b) > maxLen {
		panic("memseg: value larger than the arena's length field")
	}
	if len(b) >= bigValue {
		a.bigs = append(a.bigs, append(make([]byte, 0, len(b)), b...))
		a.bytes += int64(len(b))
		return bigBit | uint64(len(a.bigs)-1)<<lenBits | uint64(len(b))
	}
	if len(a.chunks) == 0 || len(a.chunks[len(a.chunks)-1])-a.used < len(b) {
		size := firstChunkBytes
		if n := len(a.chunks); n > 0 {
			size = min(2*len(a.chunks[n-1]), maxChunkBytes)
		}
		for size < len(b) {
			size *= 2
		}
		a.chunks = append(a.chunks, make([]byte, size))
		a.used = 0
		a.bytes += int64(size)
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
