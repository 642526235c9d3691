package exec

import (
	"math"
	"math/bits"

	"github.com/basaltdb/basalt/types"
	"github.com/cespare/xxhash/v2"
)

// hllPrecision gives 2^14 registers: about 0.8% standard error, 16 KiB
// per group.
const hllPrecision = 14

// hll is a HyperLogLog sketch for APPROX_COUNT_DISTINCT. Its hash is fixed
// (xxhash, no per-process seed) so that a sketch kept in an ingest rollup
// stays valid across restarts and merges with the sketch of the raw events
// register for register: the rollup answers exactly what the query over
// the raw events answers.
type hll struct {
	reg []uint8
	buf []byte
}

func newHLL() *hll { return &hll{reg: make([]uint8, 1<<hllPrecision)} }

func (h *hll) add(args []types.Value) error {
	v := args[0]
	if isNull(v) {
		return nil
	}
	h.buf = appendKey(h.buf[:0], v)
	x := xxhash.Sum64(h.buf)
	idx := x >> (64 - hllPrecision)
	rank := uint8(bits.LeadingZeros64(x<<hllPrecision|1<<(hllPrecision-1))) + 1
	if rank > h.reg[idx] {
		h.reg[idx] = rank
	}
	return nil
}

func (h *hll) result() (types.Value, error) {
	m := float64(len(h.reg))
	sum, zeros := 0.0, 0
	for _, r := range h.reg {
		sum += math.Ldexp(1, -int(r))
		if r == 0 {
			zeros++
		}
	}
	est := 0.7213 / (1 + 1.079/m) * m * m / sum
	if est <= 2.5*m && zeros > 0 {
		est = m * math.Log(m/float64(zeros))
	}
	return types.Int(int64(math.Round(est))), nil
}
