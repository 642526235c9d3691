package exec

import "hash/maphash"

// joinTable finds the build rows of a hash join by encoded join key
// (rowKey). It is an open-addressing table of 64-bit hashes probed
// linearly, with the keys in one byte arena and the rows of one key chained
// in build order: against a Go map of strings to row slices it allocates
// nothing per row and touches fewer cache lines per probe. A slot holds
// where its key lies in the arena, so a probe that finds its slot reads the
// key next and nothing else (a probe is bound by cache misses, not by
// instructions). Read-only once built, so probes may share it.
type joinTable struct {
	seed  maphash.Seed
	slots []joinSlot
	mask  uint64
	arena []byte
	// next is, per build row, the next row with its key (-1 at the end of
	// a chain, and for rows never added).
	next []int32
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

func newJoinTable(rows int) *joinTable {
	size := 8
	for size < 2*rows {
		size <<= 1
	}
	// 16 bits of filter per row: about 1% false positives.
	words := 1
	for words*4 < rows {
		words <<= 1
	}
	t := &joinTable{seed: maphash.MakeSeed(), slots: make([]joinSlot, size), mask: uint64(size - 1),
		next:  make([]int32, rows),
		bloom: make([]uint64, words), bmask: uint64(words - 1)}
	for i := range t.next {
		t.next[i] = -1
	}
	return t
}

// bytes is the table's memory, for the query's budget.
func (t *joinTable) bytes() int64 {
	return int64(len(t.slots))*24 + int64(cap(t.arena)) + int64(len(t.next))*4 + int64(len(t.bloom))*8
}

// bloomBits returns the filter word of hash h and its bits. They come from
// bits of h the slot index does not use first.
func (t *joinTable) bloomBits(h uint64) (*uint64, uint64) {
	return &t.bloom[(h>>40)&t.bmask], 1<<((h>>20)&63) | 1<<((h>>26)&63) | 1<<((h>>32)&63)
}

func (t *joinTable) hash(key []byte) uint64 { return maphash.Bytes(t.seed, key) | 1 }

func (t *joinTable) key(s *joinSlot) []byte {
	return t.arena[s.koff : s.koff+s.klen]
}

// add adds build row (rows are added in ascending order) under key.
func (t *joinTable) add(row int, key []byte) {
	r := int32(row)
	h := t.hash(key)
	w, bits := t.bloomBits(h)
	*w |= bits
	for i := h & t.mask; ; i = (i + 1) & t.mask {
		s := &t.slots[i]
		if s.h == 0 {
			*s = joinSlot{h: h, head: r, tail: r, koff: uint32(len(t.arena)), klen: uint32(len(key))}
			t.arena = append(t.arena, key...)
			return
		}
		if s.h == h && string(t.key(s)) == string(key) {
			t.next[s.tail] = r
			s.tail = r
			return
		}
	}
}

// mayContain reports whether some build row may have a key of hash h
// (t.hash): false is sure.
func (t *joinTable) mayContain(h uint64) bool {
	w, bits := t.bloomBits(h)
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
	for i := h & t.mask; ; i = (i + 1) & t.mask {
		s := &t.slots[i]
		if s.h == 0 {
			return -1
		}
		if s.h == h && string(t.key(s)) == string(key) {
			return s.head
		}
	}
}
