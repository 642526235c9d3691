package exec

import "math"

// floatLess orders floats as types.Compare does (NaN last).
func floatLess(a, b float64) bool { return a < b || (math.IsNaN(b) && !math.IsNaN(a)) }

// selectFloat reorders vals so that vals[k] is the value a sort would put
// at k, with no greater value before it and no smaller one after: the k-th
// order statistic in linear time, where a percentile needs one or two of
// them and a full sort of millions of values would cost n·log n.
func selectFloat(vals []float64, k int) {
	lo, hi := 0, len(vals)-1
	for lo < hi {
		// Median of three as pivot; a three-way partition keeps runs of
		// equal values (integer latencies) from degrading it.
		a, b, c := vals[lo], vals[lo+(hi-lo)/2], vals[hi]
		p := b
		if floatLess(a, b) != floatLess(a, c) {
			p = a
		} else if floatLess(c, a) != floatLess(c, b) {
			p = c
		}
		lt, i, gt := lo, lo, hi
		for i <= gt {
			switch {
			case floatLess(vals[i], p):
				vals[lt], vals[i] = vals[i], vals[lt]
				lt++
				i++
			case floatLess(p, vals[i]):
				vals[i], vals[gt] = vals[gt], vals[i]
				gt--
			default:
				i++
			}
		}
		switch {
		case k < lt:
			hi = lt - 1
		case k > gt:
			lo = gt + 1
		default:
			return
		}
	}
}
