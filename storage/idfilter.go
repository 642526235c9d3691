package storage

import (
	"sync/atomic"

	"github.com/cespare/xxhash/v2"
)

// idFilter answers "may this _id exist?" for the committer. Most writes
// insert new documents, and a "no" from the filter saves a primary-key read
// from Pebble (8% of the ingest CPU before it existed). It is a scalable
// Bloom filter: when the current filter holds its capacity a twice larger one
// is added, so the false-positive rate stays near 1% however many ids arrive.
// Deleted ids stay in it (a harmless false positive). It is rebuilt from the
// primary-key table at start. Only the committer adds; anyone may ask
// (writers ask at their prefetch, collection.prefetch).
type idFilter struct {
	filters atomic.Pointer[[]*bloomFilter]
}

type bloomFilter struct {
	bits     []uint64
	mask     uint64
	count    int
	capacity int
}

// bloomHashes is the number of probes; with 10 bits per id it gives about
// 1% false positives.
const (
	bloomHashes  = 7
	bitsPerID    = 10
	minFilterIDs = 1 << 16
)

func newBloomFilter(capacity int) *bloomFilter {
	nbits := uint64(1)
	for nbits < uint64(capacity*bitsPerID) {
		nbits <<= 1
	}
	return &bloomFilter{bits: make([]uint64, (nbits+63)/64), mask: nbits - 1, capacity: capacity}
}

func (f *bloomFilter) add(h uint64) {
	h1, h2 := h, h>>32|h<<32
	for i := uint64(0); i < bloomHashes; i++ {
		b := (h1 + i*h2) & f.mask
		atomic.OrUint64(&f.bits[b>>6], 1<<(b&63))
	}
	f.count++
}

func (f *bloomFilter) mayContain(h uint64) bool {
	h1, h2 := h, h>>32|h<<32
	for i := uint64(0); i < bloomHashes; i++ {
		b := (h1 + i*h2) & f.mask
		if atomic.LoadUint64(&f.bits[b>>6])&(1<<(b&63)) == 0 {
			return false
		}
	}
	return true
}

// idHash is the hash of an _id the filter and the committer's write
// stamps (collection.pkStamp) use.
func idHash(id string) uint64 { return xxhash.Sum64String(id) }

// add records the id of hash h. Committer only.
func (f *idFilter) add(h uint64) {
	var fs []*bloomFilter
	if p := f.filters.Load(); p != nil {
		fs = *p
	}
	n := len(fs)
	if n == 0 || fs[n-1].count >= fs[n-1].capacity {
		c := minFilterIDs
		if n > 0 {
			c = 2 * fs[n-1].capacity
		}
		grown := append(fs[:n:n], newBloomFilter(c))
		f.filters.Store(&grown)
		fs = grown
		n++
	}
	fs[n-1].add(h)
}

// mayContain reports whether the id of hash h may have been added; false
// is certain.
func (f *idFilter) mayContain(h uint64) bool {
	p := f.filters.Load()
	if p == nil {
		return false
	}
	for _, bf := range *p {
		if bf.mayContain(h) {
			return true
		}
	}
	return false
}

// bytes returns the memory the filter holds.
func (f *idFilter) bytes() int64 {
	p := f.filters.Load()
	if p == nil {
		return 0
	}
	var n int64
	for _, bf := range *p {
		n += int64(len(bf.bits)) * 8
	}
	return n
}
