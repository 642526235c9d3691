package exec

import (
	"math"
	"math/bits"
	"math/rand/v2"
	"slices"
	"sync"

	"github.com/basaltdb/basalt/types"
	"github.com/zeebo/xxh3"
)

// countDistinctAcc is COUNT(DISTINCT x). It appends a 128-bit key per
// value to a buffer (the tail, in chunks) and folds it into the unique
// keys at the end, or when it has grown past foldAt keys (a chunk under
// memory pressure) and twice the unique ones, so memory stays bounded by
// the larger of the two. A fold cuts the keys into partitions of a few
// thousand by their first bits (one pass) and deduplicates each partition
// with a hash set of its own, small enough for the core's first- or
// second-level cache (foldBits): one hash set over a group's hundreds of
// thousands of keys spends its time in cache misses, and sorting them (as
// this did until the fold) moved every key seven times, at twice the
// cost. Strings are keyed by a
// seeded 128-bit hash (as ClickHouse's uniqExact keeps them: a collision
// is far less likely than a hardware error) and integers by their value
// mixed one-to-one (intKey); other kinds by their encoded key.
type countDistinctAcc struct {
	mem    *memAccount // charged as the buffers grow
	keys   [][2]uint64 // unique, grouped by the top pbits bits of their first word
	pbits  int
	chunks [][][2]uint64 // full chunks of the tail (and keys merged in)
	tail   [][2]uint64   // the tail's chunk being filled
	queued int           // keys in chunks
	// counts, once a group has a chunk of keys, counts the chunks' and
	// the tail's keys by the top byte of their first word, as they are
	// added: a fold then needs no counting pass over its keys, read from
	// memory (a tenth of a fold of 800,000 keys), while adding a key waits
	// on its store anyway. nil when not counted.
	counts *[256]uint32
	held   int // the buffers' capacity charged to mem
	other  map[string]bool
	buf    []byte
}

func newCountDistinctAcc() *countDistinctAcc { return &countDistinctAcc{other: map[string]bool{}} }

// distinctSeed keys the strings' hashes, a new one per process: whoever
// writes the values cannot know which of them collide.
var distinctSeed = rand.Uint64()

// chunkKeys is the size of a big group's tail chunks (pooled); a group's
// first chunk grows to smallChunk keys by doubling. foldAt is the tail
// length below which keys are not folded before the end.
const (
	chunkKeys  = 1 << 16
	smallChunk = 4096
	foldAt     = 1 << 20
)

// stringKey is the key of a string. The low bit of the second word set
// tells strings from integers.
func stringKey(s string) [2]uint64 {
	// One 128-bit hash: two 64-bit maphash passes cost 22 ns a short
	// string, this 9 (a tenth of a COUNT(DISTINCT) of user ids).
	h := xxh3.HashString128Seed(s, distinctSeed)
	return [2]uint64{h.Lo, h.Hi | 1}
}

func (a *countDistinctAcc) add(args []types.Value) error {
	switch v := args[0]; v.Kind() {
	case types.KindNull, types.KindUndefined:
		return nil
	case types.KindString:
		return a.addKey(stringKey(v.Str()))
	case types.KindInt:
		return a.addKey(intKey(v.Int()))
	case types.KindFloat:
		if f := v.Float(); f == math.Trunc(f) && math.Abs(f) < 1<<62 {
			// An integral float equals the integer.
			return a.addKey(intKey(int64(f)))
		}
		fallthrough
	default:
		a.buf = appendKey(a.buf[:0], v)
		if !a.other[string(a.buf)] {
			a.other[string(a.buf)] = true
		}
		return nil
	}
}

// addKey adds the key of a string or integer.
func (a *countDistinctAcc) addKey(k [2]uint64) error {
	if len(a.tail) < cap(a.tail) {
		a.tail = append(a.tail, k)
		if c := a.counts; c != nil {
			c[k[0]>>56]++
		}
		return nil
	}
	if len(a.tail) >= smallChunk {
		return a.nextChunk(k)
	}
	a.tail = append(a.tail, k)
	if c := a.counts; c != nil {
		c[k[0]>>56]++
	}
	return a.charge()
}

// nextChunk queues the full tail chunk and starts a pooled one with k,
// folding first if the queued keys are due (see countDistinctAcc).
func (a *countDistinctAcc) nextChunk(k [2]uint64) error {
	if a.counts == nil {
		a.counts = new([256]uint32)
		for _, c := range a.chunks {
			countTop(a.counts, c)
		}
		countTop(a.counts, a.tail)
	}
	// The full tail is a chunk now, no longer the tail (which a fold
	// would read twice).
	a.chunks = append(a.chunks, a.tail)
	a.queued += len(a.tail)
	a.tail = nil
	due := max(foldAt, 2*len(a.keys))
	if a.mem.pressed() {
		// Under memory pressure, fold as soon as the queued keys are a
		// chunk and twice the unique ones: many big groups' tails of a
		// million keys each would take gigabytes.
		due = max(chunkKeys, 2*len(a.keys))
	}
	if a.queued >= due {
		a.fold()
	}
	a.tail = append(getChunk(), k)
	a.counts[k[0]>>56]++
	return a.charge()
}

// countTop adds keys to counts by the top byte of their first word.
func countTop(counts *[256]uint32, keys [][2]uint64) {
	for _, k := range keys {
		counts[k[0]>>56]++
	}
}

// charge charges mem for what the buffers grew by, past the most they
// held before (a fold's scratch is at most what it folds).
func (a *countDistinctAcc) charge() error {
	held := cap(a.keys) + cap(a.tail)
	for _, c := range a.chunks {
		held += cap(c)
	}
	if a.mem == nil || held <= a.held {
		return nil
	}
	grew := held - a.held
	a.held = held
	return a.mem.grow(int64(grew) * 16)
}

// finish folds the keys: workers call it on their partial states, in
// parallel, before those are merged.
func (a *countDistinctAcc) finish() {
	a.fold()
	putChunk(a.tail)
	a.tail = nil
}

// chunks holds empty tail chunks of chunkKeys keys.
var chunks sync.Pool

func getChunk() [][2]uint64 {
	if c, ok := chunks.Get().(*[][2]uint64); ok {
		return (*c)[:0]
	}
	return make([][2]uint64, 0, chunkKeys)
}

// putChunk pools c if it is a chunk, and so owned by the one giving it.
func putChunk(c [][2]uint64) {
	if cap(c) == chunkKeys {
		chunks.Put(&c)
	}
}

// sortFold is the number of keys, unique and queued together, up to which
// a fold sorts them rather than partitioning: sorted keys are grouped by
// their top bits too.
const sortFold = 256

// foldPart is about the most keys a fold puts in one partition, up to
// widePart keys when that takes more than widePBits bits of partitions, and
// more only when it takes more than 256 partitions.
const (
	foldPart  = 4096
	widePBits = 5
	widePart  = 32768
)

// foldBits returns the number of bits of the partitions of a fold of n
// keys. Partitions of a few thousand keys: each one's hash set stays in
// the first-level cache. But over a large fold, the scatter costs more
// the more places it writes to at once, beyond the set's savings: 800,000
// keys fold in 27 ns a key in 256 partitions of 3,000, in 21 in 32 of
// 25,000, whose sets (a quarter of a megabyte, and their keys) still fit
// the second-level cache (BenchmarkCountDistinctFold, best runs). So a
// fold takes up to 32 partitions of a few thousand keys, then partitions
// of up to 32,768.
func foldBits(n int) int {
	pbits := bits.Len(uint(n / foldPart))
	if pbits > widePBits {
		pbits = max(widePBits, bits.Len(uint(n/widePart)))
	}
	return min(8, pbits)
}

// fold folds the queued keys and the tail into the unique keys. The new
// keys are cut into partitions (a counting pass and a scatter); then each
// partition's unique keys fill a hash set of its own, the partition's new
// keys not in it are kept (in place), and the unique keys are written
// partition after partition.
func (a *countDistinctAcc) fold() {
	t := a.queued + len(a.tail)
	if t == 0 {
		return
	}
	u := len(a.keys)
	if u+t <= sortFold {
		for _, c := range a.chunks {
			a.keys = append(a.keys, c...)
		}
		a.keys = append(a.keys, a.tail...)
		slices.SortFunc(a.keys, cmpKey)
		a.keys = dedupeSorted(a.keys)
		a.pbits = 8 // sorted: grouped by any top bits
		a.releaseTail()
		return
	}
	// The unique keys are grouped by their top a.pbits bits, so by any
	// fewer: when the fold wants more, they are partitioned again with the
	// new keys.
	pbits := foldBits(u + t)
	if pbits > a.pbits && u > 0 {
		a.chunks = append(a.chunks, a.keys)
		a.queued += u
		if a.counts != nil {
			countTop(a.counts, a.keys)
		}
		a.keys, t, u = nil, t+u, 0
	}
	a.pbits = pbits
	shift := uint(64 - pbits)
	parts := 1 << pbits
	var counts [256]int
	if a.counts != nil {
		for b, c := range a.counts {
			counts[b>>(8-pbits)] += int(c)
		}
	} else {
		count := func(keys [][2]uint64) {
			for _, k := range keys {
				counts[k[0]>>shift]++
			}
		}
		for _, c := range a.chunks {
			count(c)
		}
		count(a.tail)
	}
	var ts, ks [257]int // partition starts in fresh and in keys
	pos := 0
	for p, c := range counts[:parts] {
		ts[p], counts[p] = pos, pos
		pos += c
	}
	ts[parts] = pos
	fresh := getFoldBuf(t)
	scatter := func(keys [][2]uint64) {
		for _, k := range keys {
			p := k[0] >> shift
			fresh[counts[p]] = k
			counts[p]++
		}
	}
	for _, c := range a.chunks {
		scatter(c)
	}
	scatter(a.tail)
	a.releaseTail()
	// The unique keys are in partition order (by the top byte, so by the
	// top bits of any fewer).
	for i, p := 0, 0; p < parts; p++ {
		ks[p] = i
		for i < u && int(a.keys[i][0]>>shift) == p {
			i++
		}
	}
	ks[parts] = u
	set := foldSets.Get().(*foldSet)
	var kept [256]int
	n := u
	for p := range parts {
		if ts[p] < ts[p+1] {
			kept[p] = set.fold(a.keys[ks[p]:ks[p+1]], fresh[ts[p]:ts[p+1]])
			n += kept[p]
		}
	}
	foldSets.Put(set)
	keys := make([][2]uint64, 0, n)
	for p := range parts {
		keys = append(keys, a.keys[ks[p]:ks[p+1]]...)
		keys = append(keys, fresh[ts[p]:ts[p]+kept[p]]...)
	}
	putFoldBuf(fresh)
	a.keys = keys
}

// releaseTail empties the tail, giving its chunks back.
func (a *countDistinctAcc) releaseTail() {
	if a.counts != nil {
		clear(a.counts[:])
	}
	for _, c := range a.chunks {
		putChunk(c)
	}
	clear(a.chunks)
	a.chunks, a.queued = a.chunks[:0], 0
	a.tail = a.tail[:0]
}

// foldBufs holds scratch buffers of folds.
var foldBufs sync.Pool

func getFoldBuf(n int) [][2]uint64 {
	if b, ok := foldBufs.Get().(*[][2]uint64); ok && cap(*b) >= n {
		return (*b)[:n]
	}
	return make([][2]uint64, n, max(n, chunkKeys))
}

func putFoldBuf(b [][2]uint64) { foldBufs.Put(&b) }

// foldSet is a hash set of one partition's keys in a fold, reused. A slot
// holds 0 (empty) or 1 + the position of a key among the partition's
// unique keys and then its kept new ones.
type foldSet struct {
	slots []uint32
}

var foldSets = sync.Pool{New: func() any { return new(foldSet) }}

// fold keeps at the start of fresh, in place, its keys found neither in
// unique nor earlier in fresh, and returns how many it kept.
func (s *foldSet) fold(unique, fresh [][2]uint64) int {
	size := 1 << bits.Len(uint(2*(len(unique)+len(fresh))-1))
	if cap(s.slots) < size {
		s.slots = make([]uint32, size)
	}
	slots := s.slots[:size]
	clear(slots)
	shift := 64 - uint(bits.Len(uint(size-1)))
	mask := size - 1
	for i, k := range unique {
		h := int(foldHash(k) >> shift)
		for slots[h] != 0 {
			h = (h + 1) & mask
		}
		slots[h] = uint32(i + 1)
	}
	u, n := len(unique), 0
	for _, k := range fresh {
		h := int(foldHash(k) >> shift)
		for {
			v := int(slots[h])
			if v == 0 {
				fresh[n] = k
				n++
				slots[h] = uint32(u + n)
				break
			}
			var in [2]uint64
			if v <= u {
				in = unique[v-1]
			} else {
				in = fresh[v-1-u]
			}
			if in == k {
				break
			}
			h = (h + 1) & mask
		}
	}
	return n
}

// foldHash mixes both words of a key (the first one's top byte is the
// partition's) into a slot.
func foldHash(k [2]uint64) uint64 {
	return (k[0] ^ k[1]*0xc2b2ae3d27d4eb4f) * 0x9e3779b97f4a7c15
}

// dedupeSorted keeps one of each run of equal keys, in place.
func dedupeSorted(keys [][2]uint64) [][2]uint64 {
	out := keys[:0]
	for i, k := range keys {
		if i == 0 || k != out[len(out)-1] {
			out = append(out, k)
		}
	}
	return out
}

func (a *countDistinctAcc) result() (types.Value, error) {
	a.fold()
	return types.Int(int64(len(a.keys) + len(a.other))), nil
}

// merge adds b's keys (its unique keys and its tail) to a's and folds
// them: merges run a goroutine per group (mergeParallel).
func (a *countDistinctAcc) merge(o accumulator) {
	b := o.(*countDistinctAcc)
	for k := range b.other {
		a.other[k] = true
	}
	if a.counts != nil && b.counts != nil {
		for i, c := range b.counts {
			a.counts[i] += c
		}
		countTop(a.counts, b.keys)
	} else {
		a.counts = nil // the fold counts them
	}
	for _, c := range [][][2]uint64{b.keys, b.tail} {
		if len(c) > 0 {
			a.chunks = append(a.chunks, c)
			a.queued += len(c)
		}
	}
	a.chunks = append(a.chunks, b.chunks...)
	a.queued += b.queued
	b.keys, b.tail, b.chunks, b.queued = nil, nil, nil, 0
	a.fold()
}

// intKey is the key of an integer: its bits mixed by an invertible
// function, so that distinct integers keep distinct keys while their first
// words spread as evenly as hashes do (small integers would otherwise all
// fall in one radix bucket).
func intKey(i int64) [2]uint64 {
	x := uint64(i)
	x ^= x >> 33
	x *= 0xff51afd7ed558ccd
	x ^= x >> 33
	return [2]uint64{x, 0}
}

func cmpKey(a, b [2]uint64) int {
	switch {
	case a[0] < b[0]:
		return -1
	case a[0] > b[0]:
		return 1
	case a[1] < b[1]:
		return -1
	case a[1] > b[1]:
		return 1
	}
	return 0
}
