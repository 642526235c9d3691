package storage

import (
	"sync"

	"github.com/RoaringBitmap/roaring/v2"
)

// delEntry records that row was deleted by commit seq.
type delEntry struct {
	row uint32
	seq uint64
}

// delLog is the deletion log of one segment: entries in commit order. A
// snapshot is a prefix of it, so writers only append and readers never wait.
// Bitmaps of prefixes are built on demand and cached, because queries want
// bitmaps and most snapshots share the newest prefix.
type delLog struct {
	entries []delEntry // appended under the collection's write lock

	mu    sync.Mutex
	cache *delBitmap
}

type delBitmap struct {
	n  int
	bm *roaring.Bitmap // immutable once cached
}

// bitmap returns the rows deleted by entries[:n]. The result is shared and
// must not be modified.
func (l *delLog) bitmap(entries []delEntry, n int) *roaring.Bitmap {
	l.mu.Lock()
	c := l.cache
	l.mu.Unlock()
	if c != nil && c.n == n {
		return c.bm
	}
	var bm *roaring.Bitmap
	start := 0
	if c != nil && c.n < n {
		bm = c.bm.Clone()
		start = c.n
	} else {
		bm = roaring.New()
	}
	for _, e := range entries[start:n] {
		bm.Add(e.row)
	}
	bm.RunOptimize()
	l.mu.Lock()
	if l.cache == nil || l.cache.n < n {
		l.cache = &delBitmap{n: n, bm: bm}
	}
	l.mu.Unlock()
	return bm
}
