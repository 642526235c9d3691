package exec

import (
	"slices"
	"sort"

	"github.com/basaltdb/basalt/coldata"
	"github.com/basaltdb/basalt/index"
	"github.com/basaltdb/basalt/types"
)

// countLiveByBucket is countByBucket over every row of b but the dead ones
// (ascending offsets, storage.ScanOptions.DeletedApart): the rows are
// counted in place and the few dead ones taken out after, rather than a
// selection vector of all the others built and walked, which was two
// fifths of a per-minute count over blocks of upserted events.
func (w *aggWorker) countLiveByBucket(b *coldata.Batch, vec *coldata.Vec, dead []int) error {
	vals := vec.I64[:b.Length]
	lo, hi, ok := w.blockSpan(b.Start / index.BlockRows)
	if !ok {
		lo, hi = vals[0], vals[0]
		for _, t := range vals {
			lo, hi = min(lo, t), max(hi, t)
		}
	}
	base, err := w.direct.trunc(lo)
	if err != nil {
		return err
	}
	width := w.direct.truncWidth
	span := (uint64(hi) - uint64(base)) / uint64(width)
	if span >= maxBatchBuckets {
		w.rows = liveOffsets(w.rows[:0], b.Length, dead)
		return w.countByBucketRuns(b, vec, w.rows)
	}
	var counts []int32
	var firsts []int
	if span <= 1 {
		// One or two buckets: a comparison per row, as countTwoBuckets.
		boundary := base + width
		before := 0
		for _, t := range vals {
			if t < boundary {
				before++
			}
		}
		for _, d := range dead {
			if vals[d] < boundary {
				before--
			}
		}
		counts, firsts = w.bucketScratch(2)
		counts[0], counts[1] = int32(before), int32(len(vals)-len(dead)-before)
		// The first live row on each side of the boundary, in plain loops:
		// a call per row to find the second was an eighth of the count.
		if counts[0] > 0 {
			i := 0
			for vals[i] >= boundary || isDead(dead, i) {
				i++
			}
			firsts[0] = i
		}
		if counts[1] > 0 {
			i := 0
			for vals[i] < boundary || isDead(dead, i) {
				i++
			}
			firsts[1] = i
		}
	} else {
		n := int(span) + 1
		counts, firsts = w.bucketScratch(n)
		inv := 1 / float64(width)
		bucket := func(t int64) int64 {
			d := t - base
			k := int64(float64(d) * inv) // see countByBucket
			if k*width > d {
				k--
			} else if (k+1)*width <= d {
				k++
			}
			return k
		}
		for i, t := range vals {
			k := bucket(t)
			if counts[k] == 0 {
				firsts[k] = i
			}
			counts[k]++
		}
		for _, d := range dead {
			counts[bucket(vals[d])]--
		}
		// A bucket whose first row is dead starts at its first live one.
		for _, d := range dead {
			if k := bucket(vals[d]); counts[k] > 0 && firsts[k] == d {
				firsts[k] = firstLive(vals, dead, d+1, func(t int64) bool { return bucket(t) == k })
			}
		}
	}
	return w.foldBucketCounts(b, base, width, counts, firsts)
}

// foldBucketCounts adds the counts of a batch's buckets, from base on, to
// their groups' COUNT(*)s; firsts are the buckets' first rows.
func (w *aggWorker) foldBucketCounts(b *coldata.Batch, base, width int64, counts []int32, firsts []int) error {
	for k, c := range counts {
		if c == 0 {
			continue
		}
		g, err := w.bucketGroup(b, base+int64(k)*width, firsts[k])
		if err != nil {
			return err
		}
		for _, acc := range g.accs {
			acc.(*countAcc).n += int64(c)
		}
	}
	return nil
}

// blockSpan returns the least and the greatest timestamp of a block of a
// sealed segment, from its zone map: bounds of its rows, deleted or not.
func (w *aggWorker) blockSpan(block int) (lo, hi int64, ok bool) {
	if block >= len(w.truncZones) {
		return 0, 0, false
	}
	z := w.truncZones[block]
	if z.Nulls > 0 || z.Undefined > 0 || z.Nested > 0 || z.Min.Kind() != types.KindTimestamp || z.Max.Kind() != types.KindTimestamp {
		return 0, 0, false
	}
	return z.Min.Micros(), z.Max.Micros(), true
}

// bucketScratch returns n zeroed counts and n firsts, reusing the worker's.
func (w *aggWorker) bucketScratch(n int) (counts []int32, firsts []int) {
	counts = slices.Grow(w.bucketCounts[:0], n)[:n]
	firsts = slices.Grow(w.bucketFirsts[:0], n)[:n]
	clear(counts)
	w.bucketCounts, w.bucketFirsts = counts, firsts
	return counts, firsts
}

// firstLive returns the first row from i on whose value in is true and
// which dead does not hold; there must be one.
func firstLive(vals []int64, dead []int, i int, in func(int64) bool) int {
	for ; i < len(vals); i++ {
		if in(vals[i]) && !isDead(dead, i) {
			return i
		}
	}
	panic("exec: firstLive: no live row in the bucket")
}

// isDead reports whether the ascending offsets dead hold i.
func isDead(dead []int, i int) bool {
	j := sort.SearchInts(dead, i)
	return j < len(dead) && dead[j] == i
}

// liveOffsets returns, in rows' memory, 0..n-1 less the ascending offsets
// dead.
func liveOffsets(rows []int, n int, dead []int) []int {
	r := 0
	for _, d := range dead {
		for ; r < d; r++ {
			rows = append(rows, r)
		}
		r = d + 1
	}
	for ; r < n; r++ {
		rows = append(rows, r)
	}
	return rows
}

// dropDead returns rows (ascending offsets) less the ascending offsets
// dead, in rows' memory.
func dropDead(rows, dead []int) []int {
	if len(dead) == 0 {
		return rows
	}
	out := rows[:0]
	j := 0
	for _, r := range rows {
		for j < len(dead) && dead[j] < r {
			j++
		}
		if j < len(dead) && dead[j] == r {
			continue
		}
		out = append(out, r)
	}
	return out
}
