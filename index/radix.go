package index

// LSD radix sorts for the builder's entries. Entries arrive in row order and
// the sorts are stable, so equal terms keep their rows ascending without
// comparing rows. A byte position where every key has the same digit (the
// high bytes of timestamps, the tag byte of strings) costs one counting pass
// and no moves. BenchmarkBuilder: about 3x faster than pdqsort with a
// comparator on 64K string terms.
//
// Keys that arrive sorted are left as they are after one comparing pass:
// an insert stream's ids and timestamps come in ascending order, and
// sorting them again was most of their index's cost.

// radixSortVars sorts entries by prefix, stably, using tmp as scratch.
func radixSortVars(a, tmp []varEntry) []varEntry {
	if len(a) < 64 {
		insertionSortVars(a)
		return a
	}
	if varsSorted(a) {
		return a
	}
	tmp = tmp[:len(a):len(a)]
	if len(a) <= msdVars {
		return lsdVars(a, tmp, 8)
	}
	// Many entries (RockBench's Tags: 590K in a segment, 14 MB): every
	// LSD pass scattered them across memory, and that cost more than
	// the counting. One pass on the top digit that differs splits them
	// into buckets that fit in the cache, each then sorted on the digits
	// below (BenchmarkBuilder tags, with the gather before the runs are
	// sorted: 451-476 -> 316-328 ns a term).
	var count [8][256]int
	countDigits(a, &count, 8)
	top := -1
	for d := 7; d >= 0; d-- {
		if count[d][byte(a[0].prefix>>(8*d))] != len(a) {
			top = d
			break
		}
	}
	if top < 0 {
		return a // every prefix is equal
	}
	shift := uint(8 * top)
	var start [257]int
	pos := 0
	for k := range 256 {
		start[k] = pos
		pos += count[top][k]
	}
	start[256] = pos
	next := start
	for i := range a {
		k := byte(a[i].prefix >> shift)
		tmp[next[k]] = a[i]
		next[k]++
	}
	for k := range 256 {
		lo, hi := start[k], start[k+1]
		switch {
		case hi-lo < 2:
		case hi-lo < 64:
			insertionSortVars(tmp[lo:hi])
		default:
			if s := lsdVars(tmp[lo:hi], a[lo:hi], top); &s[0] != &tmp[lo] {
				copy(tmp[lo:hi], s)
			}
		}
	}
	return tmp
}

// msdVars is the most entries sorted by LSD passes alone (3 MiB of them):
// below it the MSD pass cost more than it saved (BenchmarkBuilder ids).
const msdVars = 1 << 17

// countDigits counts the low digits bytes of the entries' prefixes, one
// histogram per byte, in a single pass.
func countDigits(a []varEntry, count *[8][256]int, digits int) {
	for i := range a {
		p := a[i].prefix
		for d := range digits {
			count[d][byte(p>>(8*d))]++
		}
	}
}

// lsdVars sorts a stably by the low digits bytes of the prefixes, using tmp
// (as long) as scratch, and returns whichever of the two holds the result.
// A byte where every key has the same digit (the high bytes of timestamps,
// the tag byte of strings) costs one counting pass and no moves. (Counting
// every digit in one pass was 5% slower on 65K entries.)
func lsdVars(a, tmp []varEntry, digits int) []varEntry {
	var count [256]int
	for d := range digits {
		shift := uint(8 * d)
		count = [256]int{}
		for i := range a {
			count[byte(a[i].prefix>>shift)]++
		}
		if count[byte(a[0].prefix>>shift)] == len(a) {
			continue // every key has this digit
		}
		pos := 0
		for k := range count {
			n := count[k]
			count[k] = pos
			pos += n
		}
		for i := range a {
			k := byte(a[i].prefix >> shift)
			tmp[count[k]] = a[i]
			count[k]++
		}
		a, tmp = tmp, a
	}
	return a
}

func varsSorted(a []varEntry) bool {
	for i := 1; i < len(a); i++ {
		if a[i].prefix < a[i-1].prefix {
			return false
		}
	}
	return true
}

func insertionSortVars(a []varEntry) {
	for i := 1; i < len(a); i++ {
		for j := i; j > 0 && a[j].prefix < a[j-1].prefix; j-- {
			a[j], a[j-1] = a[j-1], a[j]
		}
	}
}

// radixSortFixed sorts entries by (tag, key), stably, using tmp as scratch.
func radixSortFixed(a, tmp []fixedEntry) []fixedEntry {
	if len(a) < 64 {
		for i := 1; i < len(a); i++ {
			for j := i; j > 0 && fixedLess(a[j], a[j-1]); j-- {
				a[j], a[j-1] = a[j-1], a[j]
			}
		}
		return a
	}
	if fixedSorted(a) {
		return a
	}
	tmp = tmp[:len(a):len(a)]
	var count [256]int
	for shift := uint(0); shift <= 64; shift += 8 {
		digit := func(e fixedEntry) byte {
			if shift == 64 {
				return e.tag
			}
			return byte(e.key >> shift)
		}
		count = [256]int{}
		for i := range a {
			count[digit(a[i])]++
		}
		if count[digit(a[0])] == len(a) {
			continue
		}
		pos := 0
		for d := range count {
			c := count[d]
			count[d] = pos
			pos += c
		}
		for i := range a {
			d := digit(a[i])
			tmp[count[d]] = a[i]
			count[d]++
		}
		a, tmp = tmp, a
	}
	return a
}

func fixedSorted(a []fixedEntry) bool {
	for i := 1; i < len(a); i++ {
		if fixedLess(a[i], a[i-1]) {
			return false
		}
	}
	return true
}

func fixedLess(x, y fixedEntry) bool {
	if x.tag != y.tag {
		return x.tag < y.tag
	}
	return x.key < y.key
}
