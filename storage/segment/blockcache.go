package segment

import (
	"sync"
	"sync/atomic"
)

// BlockCache keeps the uncompressed images of recently read zstd-compressed
// column blocks (encoding.Decoder.Uncompressed) and decompressed row blocks,
// up to a byte budget, the oldest leaving first. A repeated scan of a
// compressed column then decodes without decompressing, which is most of
// the cost of reading strings, and a document read again by `_id` (an
// update, a patch, a lookup) is found without decompressing its 16 KiB
// row block. The images hold no pointers, so the cache costs the garbage
// collector nothing to scan. Safe for concurrent use; shared by the readers
// of an engine.
type BlockCache struct {
	mu    sync.Mutex
	max   int64
	size  int64
	m     map[blockKey][]byte
	queue []blockKey // insertion order; keys may have left m already
	head  int
}

type blockKey struct {
	reader uint64 // Reader.id: never reused, so a dropped file's blocks just age out
	col    int32  // -1: the row section; below -1: an index region (cachedRegion)
	block  int32
}

// NewBlockCache returns a cache of at most maxBytes of block images.
func NewBlockCache(maxBytes int64) *BlockCache {
	return &BlockCache{max: maxBytes, m: map[blockKey][]byte{}}
}

func (c *BlockCache) get(k blockKey) []byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.m[k]
}

func (c *BlockCache) put(k blockKey, img []byte) {
	if int64(len(img)) > c.max/8 {
		return // one block must not push out a large part of the rest
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.m[k]; ok {
		return
	}
	c.m[k] = img
	c.size += int64(len(img))
	c.queue = append(c.queue, k)
	for c.size > c.max && c.head < len(c.queue) {
		old := c.queue[c.head]
		c.head++
		if b, ok := c.m[old]; ok {
			c.size -= int64(len(b))
			delete(c.m, old)
		}
	}
	if c.head > len(c.queue)/2 {
		c.queue = append(c.queue[:0], c.queue[c.head:]...)
		c.head = 0
	}
}

// Bytes returns the bytes of the images held.
func (c *BlockCache) Bytes() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.size
}

// readerIDs numbers readers for BlockCache keys.
var readerIDs atomic.Uint64
