package exec

import (
	"github.com/basaltdb/basalt/index"
	"github.com/basaltdb/basalt/storage"
)

// scanPart is a unit of a parallel scan: a segment, or a run of its blocks.
type scanPart struct {
	seg    int // position in scanOp.segs
	v      *storage.SegmentView
	blocks []int // nil: every block
}

// partsPerWorker is how many parts a worker should have to take, so that
// workers finish together although segments differ in size.
const partsPerWorker = 4

// parts splits the scan's segments into parts for workers. A collection of
// a few segments (a dimension of 200,000 rows has four, the last of them
// small) would leave a worker idle while another scans two whole segments:
// such a scan is cut into runs of blocks. Only plain scans are cut: an
// index predicate or a time range is decided per segment, once.
func (o *scanOp) parts(workers int) []scanPart {
	out := make([]scanPart, len(o.segs))
	for i, v := range o.segs {
		out[i] = scanPart{seg: i, v: v}
	}
	if workers <= 1 || len(o.segs) >= partsPerWorker*workers || len(o.indexPreds()) > 0 || o.n.HasTime {
		return out
	}
	total := 0
	for _, v := range o.segs {
		total += numBlocks(v)
	}
	per := max(1, (total+partsPerWorker*workers-1)/(partsPerWorker*workers))
	out = out[:0]
	for i, v := range o.segs {
		nb := numBlocks(v)
		for lo := 0; lo < nb; lo += per {
			p := scanPart{seg: i, v: v, blocks: make([]int, 0, per)}
			for b := lo; b < min(lo+per, nb); b++ {
				p.blocks = append(p.blocks, b)
			}
			out = append(out, p)
		}
	}
	return out
}

func numBlocks(v *storage.SegmentView) int {
	return (v.NumRows() + index.BlockRows - 1) / index.BlockRows
}
