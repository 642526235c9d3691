package encoding

import (
	"sync"

	"github.com/basaltdb/basalt/types"
)

// encoder holds the scratch memory of one AppendBlock call. AppendBlock is a
// plain function, so encoders come from a pool: a full block of 64 Ki rows
// needs about 1.5 MiB of scratch, which would otherwise be garbage per block.
type encoder struct {
	u64  []uint64 // values about to be bit-packed
	i64  []int64  // gathered ints, decimal mantissas or float bits
	f64  []float64
	str  []string
	any  []types.Value
	lens []int64 // string and value lengths
	dict []int64 // sorted int dictionary entries of the current plan
	imap map[int64]uint32

	// The current dictionary plan, int or string: the id of each row's
	// value in order of first appearance, and each id's sorted position.
	codes  []uint64
	remap  []uint32
	perm   []uint32
	i64tmp []int64

	sdict []string // sorted string dictionary entries
	stmp  []string
	slens []int64 // their lengths
	smap  map[string]uint32
	nbuf  []byte // binary encodings of arrays and objects
	zbuf  []byte // compressed body
}

var encoders = sync.Pool{New: func() any { return new(encoder) }}

func getEncoder() *encoder { return encoders.Get().(*encoder) }

// putEncoder returns e to the pool after dropping its references to the
// caller's strings and values, which the pool must not keep alive. They
// are all within the lengths of str, any, sdict and stmp: whatever
// shortens one of these clears what it leaves out (reuse). Clearing
// their whole capacities instead, for every block, took 3% of the CPU
// of a patch workload: an encoder that once took a sparse column of
// 65,536 values cleared megabytes for each one-value column after it.
func putEncoder(e *encoder) {
	e.str, e.any = reuse(e.str, 0), reuse(e.any, 0)
	e.sdict, e.stmp = reuse(e.sdict, 0), reuse(e.stmp, 0)
	encoders.Put(e)
}

// reuse is resize for slices whose elements hold references: what a
// shorter length leaves out is cleared, so that everything s references
// stays within its length.
func reuse[T any](s []T, n int) []T {
	if n < len(s) {
		clear(s[n:])
	}
	return resize(s, n)
}

func (e *encoder) u64buf(n int) []uint64 {
	e.u64 = resize(e.u64, n)
	return e.u64
}
