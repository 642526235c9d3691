package index

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"math"
	"slices"
	"strings"

	"github.com/basaltdb/basalt/types"
)

// Builder collects (term, row) pairs of one index path and writes them as an
// inverted index region. It sorts instead of hashing: appending is a copy
// into one buffer, and one sort at the end groups equal terms — about twice
// as fast as a hash map of postings at the cardinalities of event fields
// (BenchmarkBuilder), and it allocates nothing per term.
//
// Numbers and timestamps, the common fixed-width terms, sort as uint64 keys
// without touching the byte buffer.
type Builder struct {
	// Until a path shows more than maxSmallTerms distinct terms, postings
	// are grouped in a small map: low-cardinality fields (a country, a
	// status) then need no sort of all their rows, only of their few terms.
	small    map[string]int32
	smallT   []smallTerm
	overflow bool

	fixed []fixedEntry // 9-byte terms: number (float-exact) or timestamp
	vars  []varEntry   // everything else, bytes in buf
	buf   []byte
	term  []byte
	pairs int

	// Scratch for the radix sorts and the sorted terms, kept across Reset.
	fixedTmp []fixedEntry
	varTmp   []varEntry
	sorted   []byte
}

// maxSmallTerms is the most distinct terms the small map holds before the
// builder switches to sorting.
const maxSmallTerms = 256

type smallTerm struct {
	term string
	rows []uint32
}

type fixedEntry struct {
	tag byte
	key uint64
	row uint32
}

type varEntry struct {
	// prefix holds the term's first 8 bytes, big-endian: most comparisons
	// of distinct strings end there, without touching the buffer.
	prefix   uint64
	off, len uint32
	row      uint32
}

// Reset empties the builder, keeping its memory.
func (b *Builder) Reset() {
	clear(b.small)
	b.smallT = b.smallT[:0]
	b.overflow = false
	b.fixed = b.fixed[:0]
	b.vars = b.vars[:0]
	b.buf = b.buf[:0]
	b.pairs = 0
}

// Len returns the number of pairs added.
func (b *Builder) Len() int { return b.pairs }

// Add records that row holds the scalar v. Rows must be added in ascending
// order (equal rows allowed: an array holding a value twice).
func (b *Builder) Add(v types.Value, row uint32) {
	b.pairs++
	if b.overflow {
		// Build the term straight into the buffer: one copy of the string.
		if cap(b.buf)-len(b.buf) < maxTermBytes {
			b.buf = double(b.buf, maxTermBytes)
		}
		n := len(b.buf)
		b.buf = AppendIndexTerm(b.buf, v)
		b.addSorted(b.buf[n:], row, n)
		return
	}
	b.term = AppendIndexTerm(b.term[:0], v)
	if i, ok := b.small[string(b.term)]; ok {
		st := &b.smallT[i]
		if st.rows[len(st.rows)-1] != row {
			st.rows = append(double(st.rows, 1), row)
		}
		return
	}
	if len(b.smallT) < maxSmallTerms {
		if b.small == nil {
			b.small = make(map[string]int32, maxSmallTerms)
		}
		b.small[string(b.term)] = int32(len(b.smallT))
		b.smallT = append(b.smallT, smallTerm{term: string(b.term), rows: []uint32{row}})
		return
	}
	b.spill()
	n := len(b.buf)
	b.buf = append(b.buf, b.term...)
	b.addSorted(b.buf[n:], row, n)
}

// sortPrefixRuns orders each run of entries with equal keys (the term bytes
// at [8*depth, 8*depth+8), zero-padded) by the rest of their terms, stably.
// A long run is radix sorted again on the next 8 bytes (zero-padded
// `_id`s and sentences share their first bytes in thousands of rows; a
// comparison sort of those was a third of Write), which replaces the
// entries' prefix fields: equal terms still get equal prefixes, as they
// take the same path, so Write may still treat a new prefix as a new term.
func sortPrefixRuns(vars, tmp []varEntry, buf []byte, depth int) {
	for i := 0; i < len(vars); {
		j := i + 1
		for j < len(vars) && vars[j].prefix == vars[i].prefix {
			j++
		}
		if j-i > 1 {
			sortRun(vars[i:j], tmp[i:j], buf, depth)
		}
		i = j
	}
}

// longRunEntries counts the sorted entries in runs of 64 or more equal
// prefixes: the runs that sortRun radix sorts.
func longRunEntries(vars []varEntry) (n int) {
	for i := 0; i < len(vars); {
		j := i + 1
		for j < len(vars) && vars[j].prefix == vars[i].prefix {
			j++
		}
		if j-i >= 64 {
			n += j - i
		}
		i = j
	}
	return n
}

// gatherTerms copies the terms of vars from src into dst (reused) in the
// order of vars, pointing the entries at their copies.
func gatherTerms(vars []varEntry, src, dst []byte) []byte {
	dst = slices.Grow(dst[:0], len(src))
	for i := range vars {
		v := &vars[i]
		off := len(dst)
		dst = append(dst, src[v.off:v.off+v.len]...)
		v.off = uint32(off)
	}
	return dst
}

func sortRun(run, tmp []varEntry, buf []byte, depth int) {
	next := 8 * (depth + 1)
	longer, sameLen := false, true
	for _, e := range run {
		longer = longer || int(e.len) > next
		sameLen = sameLen && e.len == run[0].len
	}
	if !longer {
		// Every term ends within the key: equal keys mean equal bytes
		// up to the shorter length, so the shorter term comes first;
		// of one length, they are the same term.
		if !sameLen {
			slices.SortStableFunc(run, func(x, y varEntry) int { return cmp.Compare(x.len, y.len) })
		}
		return
	}
	for k := range run {
		run[k].prefix = termKey(buf[run[k].off:run[k].off+run[k].len], next)
	}
	// Short runs are insertion sorted, on the keys too: cheaper than
	// comparing the terms' bytes.
	sorted := radixSortVars(run, tmp)
	if &sorted[0] != &run[0] {
		copy(run, sorted)
	}
	sortPrefixRuns(run, tmp, buf, depth+1)
}

// termKey returns the 8 bytes of term from at, big-endian and zero-padded.
func termKey(term []byte, at int) uint64 {
	if at+8 <= len(term) {
		// A load, not a copy: the sorts call this for every entry of a
		// long run (zero-padded ids), where the copy showed in profiles.
		return binary.BigEndian.Uint64(term[at:])
	}
	if at >= len(term) {
		return 0
	}
	var p [8]byte
	copy(p[:], term[at:])
	return binary.BigEndian.Uint64(p[:])
}

// spill moves the small map's postings into the sorted representation.
func (b *Builder) spill() {
	b.overflow = true
	for _, st := range b.smallT {
		for _, r := range st.rows {
			n := len(b.buf)
			b.buf = append(b.buf, st.term...)
			b.addSorted(b.buf[n:], r, n)
		}
	}
	clear(b.small)
	b.smallT = b.smallT[:0]
}

// maxTermBytes is the longest index term: a string's (an inexact int's
// is 17 bytes).
const maxTermBytes = 1 + MaxTermStringBytes

// double returns s with room for n more elements, at least doubling its
// capacity when it must grow. append grows large slices by a quarter at a
// time, and a builder's slices grow to megabytes: copying them on the way
// was a tenth of a seal's CPU (BenchmarkSeal), as a seal's builders start
// empty (builderPool loses them to the GCs between seals).
func double[T any](s []T, n int) []T {
	if cap(s)-len(s) >= n {
		return s
	}
	return slices.Grow(s, max(n, len(s)))
}

// addSorted records a pair whose term was just appended to buf at off.
// Fixed-width terms are taken back out of the buffer into fixed entries.
func (b *Builder) addSorted(term []byte, row uint32, off int) {
	if len(term) == 9 && (term[0] == TermNumber || term[0] == TermTimestamp) {
		b.fixed = append(double(b.fixed, 1), fixedEntry{tag: term[0], key: binary.BigEndian.Uint64(term[1:]), row: row})
		b.buf = b.buf[:off]
		return
	}
	if len(b.buf) > math.MaxUint32 {
		panic("index: builder buffer over 4 GiB")
	}
	var p [8]byte
	copy(p[:], term)
	b.vars = append(double(b.vars, 1), varEntry{prefix: binary.BigEndian.Uint64(p[:]), off: uint32(off), len: uint32(len(term)), row: row})
}

// Write sorts the pairs and writes them to w, returning the number of
// distinct terms. Terms are added in ascending byte order; the fixed-width
// ones (tags 0x04 and 0x06) interleave with the others by tag.
func (b *Builder) Write(w *InvertedWriter) (int, error) {
	if !b.overflow {
		slices.SortFunc(b.smallT, func(x, y smallTerm) int { return strings.Compare(x.term, y.term) })
		for _, st := range b.smallT {
			if err := w.Add([]byte(st.term), st.rows); err != nil {
				return 0, err
			}
		}
		return len(b.smallT), nil
	}
	if cap(b.fixedTmp) < len(b.fixed) {
		b.fixedTmp = make([]fixedEntry, len(b.fixed))
	}
	if cap(b.varTmp) < len(b.vars) {
		b.varTmp = make([]varEntry, len(b.vars))
	}
	// The sorts return whichever buffer holds the result; keep the other
	// as scratch for next time.
	fixed := radixSortFixed(b.fixed, b.fixedTmp)
	if len(fixed) > 0 && &fixed[0] != &b.fixed[0] {
		b.fixed, b.fixedTmp = fixed, b.fixed
	}
	vars := radixSortVars(b.vars, b.varTmp)
	if len(vars) > 0 && &vars[0] != &b.vars[0] {
		b.vars, b.varTmp = vars, b.vars
	}
	// Entries with equal prefixes may still differ after 8 bytes, and
	// are sorted on the bytes that follow. Read in sorted order, the term
	// buffer is a random access per term, a cache miss once it outgrows
	// the cache. Gathering the terms in that order, in a loop of nothing
	// but independent copies, overlaps the misses that the dependent work
	// of the sorts and of the loop below took one by one (BenchmarkBuilder:
	// 27-29% less time per term). The gather comes before the runs are
	// sorted when they are short (distinct strings: a run is a term's
	// repeats; BenchmarkBuilder tags 5% faster than gathering after), and
	// after when long runs hold most entries (zero-padded ids, which the
	// sort of their runs reorders throughout).
	if longRunEntries(b.vars) > len(b.vars)/4 {
		sortPrefixRuns(b.vars, b.varTmp, b.buf, 0)
		b.buf, b.sorted = gatherTerms(b.vars, b.buf, b.sorted), b.buf
	} else {
		b.buf, b.sorted = gatherTerms(b.vars, b.buf, b.sorted), b.buf
		sortPrefixRuns(b.vars, b.varTmp, b.buf, 0)
	}
	buf := b.buf
	var rows []uint32
	var term []byte
	terms := 0
	flush := func() error {
		if len(rows) == 0 {
			return nil
		}
		terms++
		err := w.Add(term, rows)
		rows = rows[:0]
		return err
	}
	addRow := func(r uint32) {
		if len(rows) == 0 || rows[len(rows)-1] != r {
			rows = append(rows, r)
		}
	}
	fi, vi := 0, 0
	var fixedTerm [9]byte
	for fi < len(b.fixed) || vi < len(b.vars) {
		takeFixed := vi == len(b.vars)
		if !takeFixed && fi < len(b.fixed) {
			f := b.fixed[fi]
			fixedTerm[0] = f.tag
			binary.BigEndian.PutUint64(fixedTerm[1:], f.key)
			v := b.vars[vi]
			takeFixed = bytes.Compare(fixedTerm[:], buf[v.off:v.off+v.len]) < 0
		}
		if takeFixed {
			f := b.fixed[fi]
			fixedTerm[0] = f.tag
			binary.BigEndian.PutUint64(fixedTerm[1:], f.key)
			if !bytes.Equal(term, fixedTerm[:]) {
				if err := flush(); err != nil {
					return terms, err
				}
				term = append(term[:0], fixedTerm[:]...)
			}
			addRow(f.row)
			fi++
			continue
		}
		v := b.vars[vi]
		t := buf[v.off : v.off+v.len]
		// Sorted entries with a new prefix start a new term: compare
		// bytes only within a prefix run.
		if vi == 0 || v.prefix != b.vars[vi-1].prefix || !bytes.Equal(term, t) {
			if err := flush(); err != nil {
				return terms, err
			}
			term = append(term[:0], t...)
		}
		addRow(v.row)
		vi++
	}
	if err := flush(); err != nil {
		return terms, err
	}
	return terms, nil
}
