package plan

import "github.com/basaltdb/basalt/index"

// The build side of a hash join is held in memory and the probe side
// streams, so the smaller input should be built. Inner joins are
// symmetric: when statistics say the right input is much larger than the
// left, the sides are swapped (columns are addressed by id, not position,
// so nothing above the join notices).

// estimateRows guesses how many rows n produces, from collection sizes and
// rough selectivities of what the scan or plan applies.
func estimateRows(n Node) float64 {
	switch n := n.(type) {
	case *Scan:
		if n.IDs != nil {
			return float64(len(n.IDs))
		}
		r := float64(n.Table.RowCount())
		if len(n.Index) > 0 {
			r = indexRows(n, r)
		}
		if n.HasTime {
			r /= 4
		}
		if n.Filter != nil {
			r /= 3
		}
		if n.Limit > 0 {
			r = min(r, float64(n.Limit))
		}
		return r
	case *Values:
		return float64(len(n.Rows))
	case *Filter:
		return estimateRows(n.Input) / 3
	case *Aggregate:
		if len(n.Keys) == 0 {
			return 1
		}
		return estimateRows(n.Input) / 10
	case *Limit:
		return min(float64(n.Count), estimateRows(n.Input))
	}
	var r float64
	for _, in := range n.Inputs() {
		r = max(r, estimateRows(in))
	}
	return r
}

// indexRows estimates the rows of scan n's index lookups among its r rows:
// the fewest any equality counted by the collection's index selects, else a
// tenth.
func indexRows(n *Scan, r float64) float64 {
	best := r / 10
	counted := false
	if c, ok := n.Table.(IndexCounter); ok {
		for _, ip := range n.Index {
			if ip.Pred.Op != index.OpEq && ip.Pred.Op != index.OpIn {
				continue
			}
			if k, ok := c.CountIndex(ip.Path, ip.Pred); ok && (!counted || float64(k) < best) {
				best, counted = float64(k), true
			}
		}
	}
	return best
}

// chooseBuildSides swaps the inputs of inner equi-joins whose right (build)
// input is estimated at more than twice the left.
func chooseBuildSides(n Node) {
	for _, in := range n.Inputs() {
		chooseBuildSides(in)
	}
	j, ok := n.(*Join)
	if !ok || j.Kind != "INNER" || len(j.EqL) == 0 || j.LookupPath != "" {
		return
	}
	if estimateRows(j.Right) > 2*estimateRows(j.Left) {
		j.Left, j.Right = j.Right, j.Left
		j.EqL, j.EqR = j.EqR, j.EqL
	}
}

// lookupJoinMaxProbe is the most left rows (estimated) for which an index
// lookup join beats building the right input: each batch of left keys costs
// an index (or row store) lookup per segment of the right collection.
const lookupJoinMaxProbe = 5000

// chooseLookupJoins makes index lookup joins of joins whose few left rows
// would otherwise build a hash table of a much larger right collection:
// the right input a plain scan, its one equi-key a column of it (`_id` or
// any indexed path), and a join kind that does not need the right side's
// unmatched rows.
func chooseLookupJoins(n Node) {
	for _, in := range n.Inputs() {
		chooseLookupJoins(in)
	}
	j, ok := n.(*Join)
	if !ok || len(j.EqR) != 1 || (j.Kind != "INNER" && j.Kind != "LEFT" && j.Kind != "SEMI" && j.Kind != "ANTI") {
		return
	}
	if path := lookupPath(j.Left, j.Right, j.EqR[0]); path != "" {
		j.LookupPath = path
		return
	}
	// An inner join can look up its left side instead.
	if path := lookupPath(j.Right, j.Left, j.EqL[0]); path != "" && j.Kind == "INNER" {
		j.Left, j.Right = j.Right, j.Left
		j.EqL, j.EqR = j.EqR, j.EqL
		j.LookupPath = path
	}
}

// lookupPath returns the path by which rows of right can be looked up for
// each key of left's few rows, "" when a lookup join does not fit.
func lookupPath(left, right Node, rkey Expr) string {
	s, ok := right.(*Scan)
	if !ok || s.IDs != nil || s.Limit > 0 {
		return ""
	}
	key, ok := rkey.(*ColRef)
	if !ok {
		return ""
	}
	path := ""
	for _, c := range s.Columns {
		if c.ID == key.ID && len(c.Children) == 0 {
			path = c.Path
		}
	}
	if l := estimateRows(left); path == "" || l > lookupJoinMaxProbe || estimateRows(s) <= 20*l {
		return ""
	}
	return path
}
