package exec

import (
	"hash/maphash"
	"math"
	"slices"

	"github.com/basaltdb/basalt/types"
)

// countDistinctAcc is COUNT(DISTINCT x). Rather than a hash set, which
// for hundreds of thousands of values per group spends its time in cache
// misses, it appends a 128-bit key per value to a buffer and counts the
// unique keys after a radix sort, compacting the buffer to its unique keys
// whenever it doubles, so memory stays bounded by the distinct count.
// Strings are keyed by two independent 64-bit hashes (as ClickHouse's
// uniqExact keeps them: a collision is far less likely than a hardware
// error) and integers by their value mixed one-to-one (intKey); other
// kinds by their encoded key.
type countDistinctAcc struct {
	mem    *memAccount // charged as the buffer grows
	keys   [][2]uint64
	unique int         // keys[:unique] is sorted and unique
	tmp    [][2]uint64 // scratch for sorting and merging
	other  map[string]bool
	buf    []byte
}

func newCountDistinctAcc() *countDistinctAcc { return &countDistinctAcc{other: map[string]bool{}} }

// distinctSeeds make the two 64-bit hashes of a string.
var distinctSeeds = [2]maphash.Seed{maphash.MakeSeed(), maphash.MakeSeed()}

// compactAt is the buffer length below which keys are not compacted.
const compactAt = 1 << 16

// stringKey is the key of a string. The low bit of the second word set
// tells strings from integers.
func stringKey(s string) [2]uint64 {
	return [2]uint64{maphash.String(distinctSeeds[0], s), maphash.String(distinctSeeds[1], s) | 1}
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
	a.keys = append(a.keys, k)
	if len(a.keys) >= compactAt && len(a.keys) >= 2*a.unique {
		a.compact()
	}
	return chargeEvery(a.mem, len(a.keys), 16)
}

// finish compacts the keys, so that a merge needs no sort: workers call it
// on their partial states, in parallel, before those are merged.
func (a *countDistinctAcc) finish() {
	if a.unique < len(a.keys) {
		a.compact()
	}
}

// compact sorts the keys and keeps each once: the keys added since the
// last compaction are sorted and deduplicated alone, then merged with the
// sorted unique prefix, so no key is sorted twice.
func (a *countDistinctAcc) compact() {
	tail := a.keys[a.unique:]
	a.tmp = growKeys(a.tmp, len(tail))
	sortKeys(tail, a.tmp)
	tail = dedupeSorted(tail)
	if a.unique == 0 {
		a.keys, a.unique = tail, len(tail)
		return
	}
	// Merge backwards into the buffer, from a copy of the tail: no
	// allocation. Keys found in both leave the result's first slots unused.
	u := a.unique
	t := copy(a.tmp, tail)
	i, j, k := u-1, t-1, u+t-1
	for j >= 0 {
		switch {
		case i >= 0 && cmpKey(a.keys[i], a.tmp[j]) > 0:
			a.keys[k] = a.keys[i]
			i--
		case i >= 0 && a.keys[i] == a.tmp[j]:
			a.keys[k] = a.keys[i]
			i--
			j--
		default:
			a.keys[k] = a.tmp[j]
			j--
		}
		k--
	}
	for ; i >= 0; i, k = i-1, k-1 {
		a.keys[k] = a.keys[i]
	}
	a.keys = a.keys[k+1 : u+t]
	a.unique = len(a.keys)
}

// growKeys returns a buffer of at least n keys, buf's if it has room.
func growKeys(buf [][2]uint64, n int) [][2]uint64 {
	if cap(buf) >= n {
		return buf[:n]
	}
	return make([][2]uint64, n, n+n/2)
}

// mergeUnique merges two sorted lists of unique keys into a new one.
func mergeUnique(head, tail [][2]uint64) [][2]uint64 {
	merged := make([][2]uint64, 0, len(head)+len(tail))
	i, j := 0, 0
	for i < len(head) && j < len(tail) {
		switch c := cmpKey(head[i], tail[j]); {
		case c < 0:
			merged = append(merged, head[i])
			i++
		case c > 0:
			merged = append(merged, tail[j])
			j++
		default:
			merged = append(merged, head[i])
			i++
			j++
		}
	}
	return append(append(merged, head[i:]...), tail[j:]...)
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
	return types.Int(int64(a.unique + len(a.other))), nil
}

// merge adds b's keys. Compacted states (see finish) merge linearly;
// otherwise the keys are appended, to be sorted by the next compaction.
func (a *countDistinctAcc) merge(o accumulator) {
	b := o.(*countDistinctAcc)
	for k := range b.other {
		a.other[k] = true
	}
	if a.unique == len(a.keys) && b.unique == len(b.keys) {
		a.keys = mergeUnique(a.keys, b.keys)
		a.unique = len(a.keys)
		return
	}
	a.keys = append(a.keys, b.keys...)
	a.unique = 0
}

// sortKeys orders keys fully: a most-significant-digit radix sort on the
// top 16 bits of the first word (two passes of 8 bits, the second within
// each first-pass bucket, which fits in the cache), then each of the 65,536
// small runs with a comparison sort. The first words are hashes (strings)
// or mixed integers (intKey), spread evenly, so the runs stay short.
func sortKeys(keys, tmp [][2]uint64) {
	if len(keys) < 4096 {
		slices.SortFunc(keys, cmpKey)
		return
	}
	tmp = tmp[:len(keys)]
	var starts [257]int
	scatterByte(keys, tmp, 56, &starts)
	var sub [257]int
	for b := range 256 {
		lo, hi := starts[b], starts[b+1]
		if hi-lo < 2 {
			copy(keys[lo:hi], tmp[lo:hi])
			continue
		}
		scatterByte(tmp[lo:hi], keys[lo:hi], 48, &sub)
		for s := range 256 {
			if run := keys[lo+sub[s] : lo+sub[s+1]]; len(run) > 1 {
				sortRun(run)
			}
		}
	}
}

// sortRun sorts one run of sortKeys. Runs are a few keys long: an insertion
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

// scatterByte copies src to dst ordered by the byte of the first word at
// shift, keeping the order of keys with one byte, and sets starts[b] to
// where byte b's keys begin (starts[256] = len(src)).
func scatterByte(src, dst [][2]uint64, shift uint, starts *[257]int) {
	var counts [256]int
	for _, k := range src {
		counts[byte(k[0]>>shift)]++
	}
	pos := 0
	for b, c := range counts {
		starts[b] = pos
		counts[b] = pos
		pos += c
	}
	starts[256] = pos
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
