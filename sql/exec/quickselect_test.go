package exec

import (
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"testing"
)

// TestSelectFloat checks every order statistic against a sort, on data with
// many duplicates, NaNs and infinities.
func TestSelectFloat(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 9))
	for _, n := range []int{1, 2, 3, 10, 101, 1000} {
		vals := make([]float64, n)
		for i := range vals {
			switch r.IntN(20) {
			case 0:
				vals[i] = math.NaN()
			case 1:
				vals[i] = math.Inf(1 - 2*r.IntN(2))
			default:
				vals[i] = float64(r.IntN(n/3 + 1))
			}
		}
		// sort.Float64s puts NaN first; types.Compare puts it last.
		sorted := slices.Clone(vals)
		sort.Float64s(sorted)
		nans := 0
		for nans < n && math.IsNaN(sorted[nans]) {
			nans++
		}
		sorted = append(sorted[nans:], sorted[:nans]...)
		for k := range n {
			v := slices.Clone(vals)
			selectFloat(v, k)
			if got, want := v[k], sorted[k]; got != want && !(math.IsNaN(got) && math.IsNaN(want)) {
				t.Fatalf("n=%d k=%d: %v, want %v", n, k, got, want)
			}
			for i := range k {
				if floatLess(v[k], v[i]) {
					t.Fatalf("n=%d k=%d: %v before %v", n, k, v[i], v[k])
				}
			}
			for _, x := range v[k+1:] {
				if floatLess(x, v[k]) {
					t.Fatalf("n=%d k=%d: %v after %v", n, k, x, v[k])
				}
			}
		}
	}
}
