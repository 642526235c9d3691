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

// countDistinctAcc is COUNT(DISTINCT x). Rather than a hash set, which
// for hundreds of thousands of values per group spends its time in cache
// misses, it appends a 128-bit key per value to a buffer and counts the
// unique keys after a radix sort, compacting the buffer into the sorted
// unique keys whenever it holds as many keys as they do, so memory stays
// bounded by the distinct count. Strings are keyed by a seeded 128-bit
// hash (as ClickHouse's uniqExact keeps them: a collision is far less
// likely than a hardware error) and integers by their value mixed
// one-to-one (intKey); other kinds by their encoded key.
type countDistinctAcc struct {
	mem   *memAccount // charged as the buffers grow
	keys  [][2]uint64 // sorted, unique
	tail  [][2]uint64 // added since the last compaction; reused after it
	tmp   [][2]uint64 // scratch for sorting
	held  int         // the buffers' capacity charged to mem
	other map[string]bool
	buf   []byte
}

func newCountDistinctAcc() *countDistinctAcc { return &countDistinctAcc{other: map[string]bool{}} }

// distinctSeed keys the strings' hashes, a new one per process: whoever
// writes the values cannot know which of them collide.
var distinctSeed = rand.Uint64()

// compactAt is the buffer length below which keys are not compacted.
const compactAt = 1 << 16

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
	if len(a.tail) == cap(a.tail) && cap(a.tail) >= 4096 && cap(a.tail) < compactAt {
		// A big group: its tail will fill to compactAt. A pooled buffer
		// spares the doublings, and the page faults of fresh memory, that
		// were a tenth of a COUNT(DISTINCT) by event type.
		a.tail = append(getKeyBuf(compactAt), a.tail...)
	}
	a.tail = append(a.tail, k)
	if len(a.tail) >= max(compactAt, len(a.keys)) {
		a.compact()
	}
	return a.charge()
}

// charge charges mem for what the buffers grew by.
func (a *countDistinctAcc) charge() error {
	held := cap(a.keys) + cap(a.tail) + cap(a.tmp)
	if a.mem == nil || held <= a.held {
		return nil
	}
	grew := held - a.held
	a.held = held
	return a.mem.grow(int64(grew) * 16)
}

// finish compacts the keys, so that a merge needs no sort: workers call it
// on their partial states, in parallel, before those are merged.
func (a *countDistinctAcc) finish() {
	a.compact()
	// Keys may still be added after (a merge), into buffers of their own.
	putKeyBuf(a.tail)
	putKeyBuf(a.tmp)
	a.tail, a.tmp = nil, nil
}

// keyBufs holds key buffers of finished states for the next ones.
var keyBufs sync.Pool

// getKeyBuf returns an empty buffer of at least n keys.
func getKeyBuf(n int) [][2]uint64 {
	if b, ok := keyBufs.Get().(*[][2]uint64); ok && cap(*b) >= n {
		return (*b)[:0]
	}
	return make([][2]uint64, 0, n)
}

func putKeyBuf(b [][2]uint64) {
	if cap(b) >= compactAt {
		keyBufs.Put(&b)
	}
}

// compact sorts the keys added since the last compaction and keeps each
// once: they are sorted and deduplicated alone, then merged into the sorted
// unique keys, so no key is sorted twice and the tail's buffer is reused
// (growing it anew after each compaction was a tenth of a COUNT(DISTINCT)).
func (a *countDistinctAcc) compact() {
	if len(a.tail) == 0 {
		return
	}
	a.tmp = growKeys(a.tmp, len(a.tail))
	tail := a.tail[:sortUniqueKeys(a.tail, a.tmp)]
	a.tail = a.tail[:0]
	u, t := len(a.keys), len(tail)
	if u == 0 {
		a.keys = append(a.keys[:0], tail...)
		return
	}
	if cap(a.keys) < u+t {
		merged := make([][2]uint64, 0, u+t+(u+t)/2)
		a.keys = mergeInto(merged, a.keys, tail)
		return
	}
	// Merge backwards in place: the tail has a buffer of its own. Keys
	// found in both leave the result's first slots unused; the result is
	// then moved down, so the buffer keeps its room.
	keys := a.keys[:u+t]
	i, j, k := u-1, t-1, u+t-1
	for j >= 0 {
		switch {
		case i >= 0 && cmpKey(keys[i], tail[j]) > 0:
			keys[k] = keys[i]
			i--
		case i >= 0 && keys[i] == tail[j]:
			keys[k] = keys[i]
			i--
			j--
		default:
			keys[k] = tail[j]
			j--
		}
		k--
	}
	// The keys not moved yet go just below the merged ones (where they
	// are already unless keys were found in both).
	for ; i >= 0; i, k = i-1, k-1 {
		keys[k] = keys[i]
	}
	n := copy(keys, keys[k+1:])
	a.keys = keys[:n]
}

// growKeys returns a buffer of at least n keys, buf's if it has room.
func growKeys(buf [][2]uint64, n int) [][2]uint64 {
	if cap(buf) >= n {
		return buf[:n]
	}
	if n <= compactAt {
		return getKeyBuf(compactAt)[:n]
	}
	return make([][2]uint64, n, n+n/2)
}

// mergeUnique merges two sorted lists of unique keys into a new one.
func mergeUnique(head, tail [][2]uint64) [][2]uint64 {
	return mergeInto(make([][2]uint64, 0, len(head)+len(tail)), head, tail)
}

// mergeInto appends the merge of two sorted lists of unique keys to dst.
func mergeInto(dst, head, tail [][2]uint64) [][2]uint64 {
	i, j := 0, 0
	for i < len(head) && j < len(tail) {
		switch c := cmpKey(head[i], tail[j]); {
		case c < 0:
			dst = append(dst, head[i])
			i++
		case c > 0:
			dst = append(dst, tail[j])
			j++
		default:
			dst = append(dst, head[i])
			i++
			j++
		}
	}
	return append(append(dst, head[i:]...), tail[j:]...)
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
	a.compact()
	return types.Int(int64(len(a.keys) + len(a.other))), nil
}

// merge adds b's keys. Compacted states (see finish) merge linearly;
// otherwise b's keys join the tail, to be sorted by the next compaction.
func (a *countDistinctAcc) merge(o accumulator) {
	b := o.(*countDistinctAcc)
	for k := range b.other {
		a.other[k] = true
	}
	if len(a.tail) == 0 && len(b.tail) == 0 {
		a.keys = mergeUnique(a.keys, b.keys)
		return
	}
	a.tail = append(append(a.tail, b.keys...), b.tail...)
}

// sortUniqueKeys sorts keys and keeps each once: the unique keys are
// keys[:n] for the n it returns. One pass cuts the keys into partitions of
// a few thousand by the first word's top bits (a partition then fits in the
// core's cache: sorting 65,536 keys at once ran at half the speed per key
// of 8,192), each partition is sorted by the next 16 bits with two
// least-significant-digit passes, and each run of keys sharing all those
// bits, a key or two, with an insertion sort; the copy of a partition back
// into keys writes only the first of equal keys, so deduplicating costs no
// pass of its own. The first words are hashes (strings) or mixed integers
// (intKey), spread evenly, so partitions and runs stay short.
func sortUniqueKeys(keys, tmp [][2]uint64) int {
	if len(keys) < 4096 {
		slices.SortFunc(keys, cmpKey)
		return len(dedupeSorted(keys))
	}
	tmp = tmp[:len(keys)]
	pbits := uint(min(8, max(0, bits.Len(uint(len(keys)/4096))-1)))
	var starts [257]int
	if pbits > 0 {
		var counts [256]int
		for _, k := range keys {
			counts[k[0]>>(64-pbits)]++
		}
		pos := 0
		for p, c := range counts[:1<<pbits] {
			starts[p], counts[p] = pos, pos
			pos += c
		}
		starts[1<<pbits] = pos
		for _, k := range keys {
			p := k[0] >> (64 - pbits)
			tmp[counts[p]] = k
			counts[p]++
		}
	} else {
		copy(tmp, keys)
		starts[1] = len(keys)
	}
	lsd := 64 - pbits - 16 // the 16 bits below the partition's
	n := 0                 // unique keys written back, never past the partition read
	for p := range 1 << pbits {
		part, scratch := tmp[starts[p]:starts[p+1]], keys[starts[p]:starts[p+1]]
		if len(part) >= 2 {
			var lo, hi [256]int
			for _, k := range part {
				lo[byte(k[0]>>lsd)]++
				hi[byte(k[0]>>(lsd+8))]++
			}
			scatterDigit(part, scratch, lsd, &lo)
			scatterDigit(scratch, part, lsd+8, &hi)
			for i := 0; i < len(part); {
				top := part[i][0] >> lsd
				j := i + 1
				for j < len(part) && part[j][0]>>lsd == top {
					j++
				}
				if j-i > 1 {
					sortRun(part[i:j])
				}
				i = j
			}
		}
		for _, k := range part {
			if n == 0 || k != keys[n-1] {
				keys[n] = k
				n++
			}
		}
	}
	return n
}

// sortRun sorts one run of sortUniqueKeys. Runs are a few keys long: an insertion
// sort written for keys beats slices.SortFunc, whose calls through cmpKey
// were a third of the sort.
func sortRun(run [][2]uint64) {
	if len(run) > 16 {
		slices.SortFunc(run, cmpKey)
		return
	}
	for i := 1; i < len(run); i++ {
		k := run[i]
		j := i
		for ; j > 0 && (run[j-1][0] > k[0] || run[j-1][0] == k[0] && run[j-1][1] > k[1]); j-- {
			run[j] = run[j-1]
		}
		run[j] = k
	}
}

// scatterDigit copies src to dst ordered by the byte of the first word at
// shift, keeping the order of keys with one byte; counts holds how many
// keys have each byte, and is used up.
func scatterDigit(src, dst [][2]uint64, shift uint, counts *[256]int) {
	pos := 0
	for b, c := range counts {
		counts[b] = pos
		pos += c
	}
	for _, k := range src {
		b := byte(k[0] >> shift)
		dst[counts[b]] = k
		counts[b]++
	}
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
