package exec

import (
	"math"
	"math/bits"

	"github.com/basaltdb/basalt/sql/fn"
	"github.com/basaltdb/basalt/types"
)

// inSetMinRows is the number of subquery rows from which [NOT] IN hashes
// them instead of comparing each outer row with each of them: below it,
// building the hash tables costs more than the comparisons it saves.
const inSetMinRows = 16

// inSet answers (x1, …, xn) [NOT] IN (rows) for one subquery's rows with
// the answer of rowIn, without comparing x with every row.
//
// A row can only make IN true or NULL when every pair of elements that are
// both non-NULL is equal, and equal values have equal keys (appendKey). So
// the rows are grouped by the set of their NULL elements, and each group
// is hashed, lazily, on the positions where neither its rows nor x is
// NULL; x then meets only the rows of each group whose key matches, and
// those are compared pair by pair as rowIn compares them. Only a row
// without NULLs, against an x without NULLs, can make IN true; any other
// candidate that survives the comparison makes it NULL, unless another row
// makes it true.
type inSet struct {
	n      int
	all    uint64 // the mask of every position
	groups []*inGroup
	buf    []byte
}

// inGroup holds the rows whose NULL elements are exactly nulls.
type inGroup struct {
	nulls uint64
	rows  []Row
	// byKey maps a set of positions to the rows keyed by their values
	// there (built when an x first needs it).
	byKey map[uint64]map[string][]int32
}

// newInSet indexes rows of n elements (n at most 64).
func newInSet(rows []Row, n int) *inSet {
	s := &inSet{n: n, all: math.MaxUint64 >> (64 - n)}
	byNulls := map[uint64]*inGroup{}
	for _, r := range rows {
		m := nullMask(r[:n])
		g := byNulls[m]
		if g == nil {
			g = &inGroup{nulls: m, byKey: map[uint64]map[string][]int32{}}
			byNulls[m] = g
			s.groups = append(s.groups, g)
		}
		g.rows = append(g.rows, r)
	}
	// The group without NULLs first: only it can make IN true, which
	// then ends the search.
	for i, g := range s.groups {
		if g.nulls == 0 {
			s.groups[0], s.groups[i] = s.groups[i], s.groups[0]
		}
	}
	return s
}

func nullMask(vals []types.Value) uint64 {
	var m uint64
	for i, v := range vals {
		if isNull(v) {
			m |= 1 << i
		}
	}
	return m
}

// in is rowIn(x, rows, not), and the bytes its lookup added to the hash
// tables.
func (s *inSet) in(x []types.Value, not bool) (types.Value, int64) {
	xnull := nullMask(x)
	sawNull := false
	var added int64
	for _, g := range s.groups {
		on := s.all &^ (g.nulls | xnull)
		if on == 0 {
			// Every pair has a NULL: each row of the group may match.
			sawNull = true
			continue
		}
		m, ok := g.byKey[on]
		if !ok {
			m = map[string][]int32{}
			for i, r := range g.rows {
				s.buf = s.key(s.buf[:0], r, on)
				m[string(s.buf)] = append(m[string(s.buf)], int32(i))
				added += int64(len(s.buf)) + 24
			}
			g.byKey[on] = m
		}
		s.buf = s.key(s.buf[:0], x, on)
		for _, i := range m[string(s.buf)] {
			switch match(x, g.rows[i]) {
			case matchTrue:
				return types.Bool(!not), added
			case matchNull:
				sawNull = true
			}
		}
	}
	if sawNull {
		return types.Null, added
	}
	return types.Bool(not), added
}

// key appends the keys of vals at the positions on.
func (s *inSet) key(dst []byte, vals []types.Value, on uint64) []byte {
	for on != 0 {
		i := bits.TrailingZeros64(on)
		on &= on - 1
		dst = appendEqKey(dst, vals[i])
	}
	return dst
}

// appendEqKey is appendKey, with the numbers = finds equal given one key
// whatever their size (appendKey keys an integral float from 2^62 on by
// its bits) and every NaN one key (NaN = NaN, as in PostgreSQL).
func appendEqKey(dst []byte, v types.Value) []byte {
	if v.Kind() == types.KindFloat {
		f := v.Float()
		switch {
		case math.IsNaN(f):
			return append(dst, 0xfb)
		case f == math.Trunc(f) && f >= math.MinInt64 && f < math.MaxInt64:
			return types.AppendBinary(dst, types.Int(int64(f)))
		}
	}
	return appendKey(dst, v)
}

const (
	matchFalse = iota
	matchTrue
	matchNull
)

// match compares x with a row pair by pair in three-valued logic, as rowIn
// does.
func match(x []types.Value, row Row) int {
	res := matchTrue
	for i, v := range x {
		c := fn.Compare("=", v, row[i])
		if c.Kind() != types.KindBool {
			res = matchNull
		} else if !c.Bool() {
			return matchFalse
		}
	}
	return res
}
