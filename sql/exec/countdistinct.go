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
// error) and integers by value; other kinds by their encoded key.
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
		return a.addKey([2]uint64{uint64(v.Int()), 0})
	case types.KindFloat:
		if f := v.Float(); f == math.Trunc(f) && math.Abs(f) < 1<<62 {
			// An integral float equals the integer.
			return a.addKey([2]uint64{uint64(int64(f)), 0})
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

// sortKeys orders keys fully: a least-significant-digit radix sort on the
// first word (11 bits a pass, so the counts stay in the L1 cache; six
// passes, so the result lands back in keys), then the rare runs with equal
// first words by the second.
func sortKeys(keys, tmp [][2]uint64) {
	if len(keys) < 4096 {
		slices.SortFunc(keys, cmpKey)
		return
	}
	const bits = 11
	src, dst := keys, tmp[:len(keys)]
	var counts [1 << bits]int
	for shift := uint(0); shift < 64; shift += bits {
		clear(counts[:])
		for _, k := range src {
			counts[(k[0]>>shift)&(1<<bits-1)]++
		}
		pos := 0
		for i, c := range counts {
			counts[i] = pos
			pos += c
		}
		for _, k := range src {
			d := (k[0] >> shift) & (1<<bits - 1)
			dst[counts[d]] = k
			counts[d]++
		}
		src, dst = dst, src
	}
	for i := 0; i < len(keys); {
		j := i + 1
		for j < len(keys) && keys[j][0] == keys[i][0] {
			j++
		}
		if j-i > 1 {
			slices.SortFunc(keys[i:j], cmpKey)
		}
		i = j
	}
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
