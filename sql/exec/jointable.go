package exec

import "hash/maphash"

// joinTable finds the build rows of a hash join by encoded join key
// (rowKey). It is an open-addressing table of 64-bit hashes probed
// linearly, with the keys in one byte arena and the rows of one key chained
// in build order: against a Go map of strings to row slices it allocates
// nothing per row and touches fewer cache lines per probe. Read-only once
// built, so probes may share it.
type joinTable struct {
	seed  maphash.Seed
	slots []joinSlot
	mask  uint64
	arena []byte
	// Per build row: its key in arena, and the next row with that key
	// (-1 at the end of a chain, and for rows never added).
	koff, klen []uint32
	next       []int32
	// bloom holds three bits of each key's hash in one word: a probe whose
	// key is absent (most probes of a selective join) is answered from this
	// small array, which stays in cache, instead of a miss in slots.
	bloom []uint64
	bmask uint64
}

type joinSlot struct {
	h          uint64 // 0: empty
	head, tail int32
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
		koff: make([]uint32, rows), klen: make([]uint32, rows), next: make([]int32, rows),
		bloom: make([]uint64, words), bmask: uint64(words - 1)}
	for i := range t.next {
		t.next[i] = -1
	}
	return t
}

// bytes is the table's memory, for the query's budget.
func (t *joinTable) bytes() int64 {
	return int64(len(t.slots))*16 + int64(cap(t.arena)) + int64(len(t.next))*12 + int64(len(t.bloom))*8
}

// bloomBits returns the filter word of hash h and its bits. They come from
// bits of h the slot index does not use first.
func (t *joinTable) bloomBits(h uint64) (*uint64, uint64) {
	return &t.bloom[(h>>40)&t.bmask], 1<<((h>>20)&63) | 1<<((h>>26)&63) | 1<<((h>>32)&63)
}

func (t *joinTable) hash(key []byte) uint64 { return maphash.Bytes(t.seed, key) | 1 }

func (t *joinTable) key(row int32) []byte {
	return t.arena[t.koff[row] : t.koff[row]+t.klen[row]]
}

// add adds build row (rows are added in ascending order) under key.
func (t *joinTable) add(row int, key []byte) {
	r := int32(row)
	t.koff[row], t.klen[row] = uint32(len(t.arena)), uint32(len(key))
	t.arena = append(t.arena, key...)
	h := t.hash(key)
	w, bits := t.bloomBits(h)
	*w |= bits
	for i := h & t.mask; ; i = (i + 1) & t.mask {
		s := &t.slots[i]
		if s.h == 0 {
			*s = joinSlot{h: h, head: r, tail: r}
			return
		}
		if s.h == h && string(t.key(s.head)) == string(key) {
			t.next[s.tail] = r
			s.tail = r
			return
		}
	}
}

// mayContain reports whether some build row may have key: false is sure.
func (t *joinTable) mayContain(key []byte) bool {
	w, bits := t.bloomBits(t.hash(key))
	return *w&bits == bits
}

// first returns the first build row with key, -1 for none; next gives the
// following ones.
func (t *joinTable) first(key []byte) int32 {
	h := t.hash(key)
	if w, bits := t.bloomBits(h); *w&bits != bits {
		return -1
	}
	for i := h & t.mask; ; i = (i + 1) & t.mask {
		s := &t.slots[i]
		if s.h == 0 {
			return -1
		}
		if s.h == h && string(t.key(s.head)) == string(key) {
			return s.head
		}
	}
}
