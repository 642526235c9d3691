package exec

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/basaltdb/basalt/types"
)

// TestRegrMerge folds random (y, x) pairs, some NULL, into one regrAcc and
// into up to four partial ones merged in turn (as workers' partial groups
// are), for every statistic: the answers must agree, and bit_* likewise.
func TestRegrMerge(t *testing.T) {
	r := rand.New(rand.NewPCG(31, 32))
	kinds := []string{"corr", "covar_pop", "covar_samp", "regr_slope", "regr_intercept", "regr_r2", "regr_count",
		"regr_avgx", "regr_avgy", "regr_sxx", "regr_syy", "regr_sxy"}
	for round := range 50 {
		n := r.IntN(200)
		rows := make([][]types.Value, n)
		for i := range rows {
			x := types.Value(types.Float(r.NormFloat64()*10 + float64(round)))
			y := types.Value(types.Int(int64(r.IntN(100))))
			if r.IntN(10) == 0 {
				y = types.Null
			}
			rows[i] = []types.Value{y, x}
		}
		parts := 1 + r.IntN(4)
		for _, kind := range kinds {
			whole := &regrAcc{kind: kind}
			partial := make([]*regrAcc, parts)
			for p := range partial {
				partial[p] = &regrAcc{kind: kind}
			}
			for i, row := range rows {
				_ = whole.add(row)
				_ = partial[(i*7+round)%parts].add(row)
			}
			for _, p := range partial[1:] {
				partial[0].merge(p)
			}
			want, _ := whole.result()
			got, _ := partial[0].result()
			if !closeValues(got, want) {
				t.Fatalf("round %d, %s over %d rows in %d parts: %v, want %v", round, kind, n, parts, got, want)
			}
		}
		for _, op := range []byte{'&', '|', '#'} {
			whole, a, b := &bitAcc{op: op}, &bitAcc{op: op}, &bitAcc{op: op}
			for i, row := range rows {
				v := []types.Value{row[0]}
				_ = whole.add(v)
				if i%3 == 0 {
					_ = a.add(v)
				} else {
					_ = b.add(v)
				}
			}
			a.merge(b)
			want, _ := whole.result()
			if got, _ := a.result(); !closeValues(got, want) {
				t.Fatalf("bit %c: %v, want %v", op, got, want)
			}
		}
	}
}

func closeValues(a, b types.Value) bool {
	if a.Kind() != b.Kind() {
		return false
	}
	if a.Kind() != types.KindFloat {
		return types.Equal(a, b) || a.IsNull() && b.IsNull()
	}
	x, y := a.Float(), b.Float()
	return math.Abs(x-y) <= 1e-9*math.Max(1, math.Max(math.Abs(x), math.Abs(y)))
}
