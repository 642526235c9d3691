package exec

import (
	"context"
	"hash/maphash"
	"math/bits"
)

// joinTable finds the build rows of a hash join by encoded join key
// (rowKey). It is an open-addressing table of 64-bit hashes probed
// linearly, with the keys in one byte arena and the rows of one key chained
// in build order: against a Go map of strings to row slices it allocates
// nothing per row and touches fewer cache lines per probe. A slot holds
// where its key lies in the arena, so a probe that finds its slot reads the
// key next and nothing else (a probe is bound by cache misses, not by
// instructions). Read-only once built, so probes may share it.
//
// The table is cut into parts by the top bits of the hash, each with its
// own slots and filter, so that a worker per part fills them at once
// (build); a key's chain lies in one part.
type joinTable struct {
	seed  maphash.Seed
	parts []joinPart
	shift uint // a hash's part: h >> shift (64 with one part: 0)
	arena []byte
	// next is, per build row, the next row with its key (-1 at the end of
	// a chain, and for rows never added).
	next []int32
}

type joinPart struct {
	slots []joinSlot
	mask  uint64
	// bloom holds three bits of each key's hash in one word: a probe whose
	// key is absent (most probes of a selective join) is answered from this
	// small array, which stays in cache, instead of a miss in slots.
	bloom []uint64
	bmask uint64
}

type joinSlot struct {
	h          uint64 // 0: empty
	head, tail int32
	koff, klen uint32 // the key in arena
}

// newJoinTable returns a table for rows build rows, in parts parts (a power
// of two).
func newJoinTable(rows, parts int) *joinTable {
	per := (rows + parts - 1) / parts
	size := 8
	for size < 2*per {
		size <<= 1
	}
	// 16 bits of filter per row: about 1% false positives.
	words := 1
	for words*4 < per {
		words <<= 1
	}
	t := &joinTable{seed: maphash.MakeSeed(), parts: make([]joinPart, parts),
		shift: uint(64 - bits.TrailingZeros(uint(parts))), next: make([]int32, rows)}
	for i := range t.parts {
		t.parts[i] = joinPart{slots: make([]joinSlot, size), mask: uint64(size - 1),
			bloom: make([]uint64, words), bmask: uint64(words - 1)}
	}
	for i := range t.next {
		t.next[i] = -1
	}
	return t
}

// bytes is the table's memory, for the query's budget.
func (t *joinTable) bytes() int64 {
	p := &t.parts[0]
	return int64(len(t.parts))*(int64(len(p.slots))*24+int64(len(p.bloom))*8) + int64(cap(t.arena)) + int64(len(t.next))*4
}

func (t *joinTable) part(h uint64) *joinPart { return &t.parts[h>>t.shift] }

// bloomBits returns the filter word of hash h and its bits. They come from
// bits of h that neither the part nor the slot index uses first.
func (p *joinPart) bloomBits(h uint64) (*uint64, uint64) {
	return &p.bloom[(h>>40)&p.bmask], 1<<((h>>20)&63) | 1<<((h>>26)&63) | 1<<((h>>32)&63)
}

func (t *joinTable) hash(key []byte) uint64 { return maphash.Bytes(t.seed, key) | 1 }

func (t *joinTable) key(s *joinSlot) []byte {
	return t.arena[s.koff : s.koff+s.klen]
}

// add adds build row (rows are added in ascending order) under key.
func (t *joinTable) add(row int, key []byte) {
	off := len(t.arena)
	t.arena = append(t.arena, key...)
	t.insert(int32(row), t.hash(key), uint32(off), uint32(len(key)))
}

// insert adds build row r under the key of hash h at arena[koff:koff+klen].
// Rows of one part must be inserted in ascending order, by one goroutine;
// parts are independent.
func (t *joinTable) insert(r int32, h uint64, koff, klen uint32) {
	p := t.part(h)
	w, bits := p.bloomBits(h)
	*w |= bits
	key := t.arena[koff : koff+klen]
	for i := h & p.mask; ; i = (i + 1) & p.mask {
		s := &p.slots[i]
		if s.h == 0 {
			*s = joinSlot{h: h, head: r, tail: r, koff: koff, klen: klen}
			return
		}
		if s.h == h && string(t.key(s)) == string(key) {
			t.next[s.tail] = r
			s.tail = r
			return
		}
	}
}

// build fills the table with the keys of its rows, in parallel over its
// parts: row i's key is arena[offs[i]:offs[i+1]] of hash hashes[i], and a
// row of hash 0 has none (a NULL in its key). arena becomes the table's.
func (t *joinTable) build(ctx context.Context, arena []byte, offs []uint32, hashes []uint64) error {
	t.arena = arena
	return runWorkers(ctx, len(t.parts), len(t.parts), func(_, part int) error {
		for i, h := range hashes {
			if h != 0 && int(h>>t.shift) == part {
				t.insert(int32(i), h, offs[i], offs[i+1]-offs[i])
			}
		}
		return nil
	})
}

// mayContain reports whether some build row may have a key of hash h
// (t.hash): false is sure.
func (t *joinTable) mayContain(h uint64) bool {
	w, bits := t.part(h).bloomBits(h)
	return *w&bits == bits
}

// first returns the first build row with key, -1 for none; next gives the
// following ones.
func (t *joinTable) first(key []byte) int32 {
	h := t.hash(key)
	if !t.mayContain(h) {
		return -1
	}
	return t.find(h, key)
}

// find is first for a key of hash h that passed mayContain.
func (t *joinTable) find(h uint64, key []byte) int32 {
	first, _ := t.findAll(h, key)
	return first
}

// slotOf returns the first slot of hash h, nil when none has it. Its key
// is almost always the probe's (the hash has 64 bits); findAll decides.
func (t *joinTable) slotOf(h uint64) *joinSlot {
	p := t.part(h)
	for i := h & p.mask; ; i = (i + 1) & p.mask {
		s := &p.slots[i]
		if s.h == 0 {
			return nil
		}
		if s.h == h {
			return s
		}
	}
}

// findAll is find, also reporting whether the key has more rows than the
// first (next[first] is then not -1): a probe of a unique key need not
// read next.
func (t *joinTable) findAll(h uint64, key []byte) (first int32, more bool) {
	p := t.part(h)
	for i := h & p.mask; ; i = (i + 1) & p.mask {
		s := &p.slots[i]
		if s.h == 0 {
			return -1, false
		}
		if s.h == h && string(t.key(s)) == string(key) {
			return s.head, s.head != s.tail
		}
	}
}
