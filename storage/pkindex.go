package storage

import (
	"sync"

	"github.com/zeebo/xxh3"
)

// pkIndex maps every live _id of a collection to its current row id, in
// memory. Every write looks its _id up, and reading Pebble's primary-key
// table for it cost 27 µs a replace (memtable seeks, block reads of freshly
// flushed tables): a tenth of the CPU of a mixed workload and a seventh of a
// patch workload. Pebble's table stays the durable copy, which snapshots
// read; the index is rebuilt from it at start. Only the committer changes
// it, after its batch is durable; writers read it at their prefetch.
//
// Ids are keyed by their 128-bit xxh3 hash, not their bytes: 24 bytes a
// slot whatever the id's length, and no pointers for the garbage collector
// to scan. Two ids of one collection share a hash with probability about
// n²/2¹²⁹: 10⁻²¹ for a billion ids, far below the odds of an undetected
// disk error.
//
// The table is split in 256 shards, each an open-addressing table with
// linear probing, so growing one copies 1/256 of the index and the
// committer's writes rarely meet a reader's lock.
type pkIndex struct {
	shards [pkShards]pkShard
}

const pkShards = 256

// pkHash is the 128-bit hash of an _id.
type pkHash struct{ hi, lo uint64 }

func hashID(id string) pkHash {
	h := xxh3.HashString128(id)
	return pkHash{hi: h.Hi, lo: h.Lo}
}

type pkShard struct {
	mu    sync.RWMutex
	slots []pkSlot // len is a power of two, or zero
	n     int
}

// pkSlot is one entry; row 0 (never a row id) marks an empty slot.
type pkSlot struct {
	h   pkHash
	row uint64
}

func (x *pkIndex) shard(h pkHash) *pkShard { return &x.shards[h.hi>>56] }

// get returns the row of the id of hash h.
func (x *pkIndex) get(h pkHash) (uint64, bool) {
	s := x.shard(h)
	s.mu.RLock()
	defer s.mu.RUnlock()
	if len(s.slots) == 0 {
		return 0, false
	}
	mask := uint64(len(s.slots) - 1)
	for i := h.lo & mask; ; i = (i + 1) & mask {
		sl := &s.slots[i]
		if sl.row == 0 {
			return 0, false
		}
		if sl.h == h {
			return sl.row, true
		}
	}
}

// set makes row the row of the id of hash h. row must not be 0.
func (x *pkIndex) set(h pkHash, row uint64) {
	s := x.shard(h)
	s.mu.Lock()
	defer s.mu.Unlock()
	// At most 3/4 full: linear probing's runs stay short.
	if 4*(s.n+1) > 3*len(s.slots) {
		s.grow()
	}
	mask := uint64(len(s.slots) - 1)
	for i := h.lo & mask; ; i = (i + 1) & mask {
		sl := &s.slots[i]
		if sl.row == 0 {
			*sl = pkSlot{h: h, row: row}
			s.n++
			return
		}
		if sl.h == h {
			sl.row = row
			return
		}
	}
}

func (s *pkShard) grow() {
	old := s.slots
	s.slots = make([]pkSlot, max(2*len(old), 16))
	mask := uint64(len(s.slots) - 1)
	for _, sl := range old {
		if sl.row == 0 {
			continue
		}
		i := sl.h.lo & mask
		for s.slots[i].row != 0 {
			i = (i + 1) & mask
		}
		s.slots[i] = sl
	}
}

// del removes the id of hash h, if present.
func (x *pkIndex) del(h pkHash) {
	s := x.shard(h)
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.slots) == 0 {
		return
	}
	mask := uint64(len(s.slots) - 1)
	i := h.lo & mask
	for {
		if s.slots[i].row == 0 {
			return
		}
		if s.slots[i].h == h {
			break
		}
		i = (i + 1) & mask
	}
	// Backward-shift deletion: move later entries of the probe run into
	// the hole when their home slot allows it, so no tombstones lengthen
	// later probes.
	for j := (i + 1) & mask; s.slots[j].row != 0; j = (j + 1) & mask {
		home := s.slots[j].h.lo & mask
		// The entry at j may move to i when i lies on its probe path,
		// cyclically in [home, j).
		if (j-home)&mask >= (j-i)&mask {
			s.slots[i] = s.slots[j]
			i = j
		}
	}
	s.slots[i] = pkSlot{}
	s.n--
}

// len returns the number of ids.
func (x *pkIndex) len() int {
	n := 0
	for i := range x.shards {
		s := &x.shards[i]
		s.mu.RLock()
		n += s.n
		s.mu.RUnlock()
	}
	return n
}

// bytes returns the memory the index holds.
func (x *pkIndex) bytes() int64 {
	var n int64
	for i := range x.shards {
		s := &x.shards[i]
		s.mu.RLock()
		n += int64(len(s.slots)) * 24
		s.mu.RUnlock()
	}
	return n
}
