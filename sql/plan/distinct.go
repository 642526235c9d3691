package plan

// groupDistincts has SELECT DISTINCT over a projection of a scan group the
// scan's rows by the projected values (an Aggregate of no aggregates under
// the Distinct, which then passes each group's row on): the executor folds
// groups in the scan itself, by dictionary code or from the inverted
// index's values (SELECT DISTINCT country over two million events: a
// list of thirty values, not two million rows hashed), where the Distinct
// hashed every projected row. GROUP BY keys rows as DISTINCT does (NULL
// and undefined alike, 1 and 1.0 alike) and keeps each group's first row
// in the scan's order.
//
// A DISTINCT under a LIMIT is left to stream: it stops when it has found
// enough rows, where grouping reads everything. So is one whose
// projection calls a subquery or a volatile function.
func groupDistincts(n Node, limited bool) {
	if d, ok := n.(*Distinct); ok && !limited && len(d.On) == 0 {
		if p, ok := d.Input.(*Project); ok && distinctGroupable(p) {
			d.Input = &Aggregate{Input: p.Input, Keys: p.Exprs, KeyCols: p.Out}
		}
	}
	_, isLimit := n.(*Limit)
	for _, in := range n.Inputs() {
		groupDistincts(in, isLimit)
	}
}

// distinctGroupable reports whether p projects a scan by expressions the
// executor may evaluate as grouping keys.
func distinctGroupable(p *Project) bool {
	s, ok := p.Input.(*Scan)
	if !ok || s.IDs != nil || len(p.Exprs) == 0 {
		return false
	}
	for _, e := range p.Exprs {
		bad := false
		Walk(e, func(x Expr) bool {
			switch x := x.(type) {
			case *SubqueryExpr:
				bad = true
			case *Call:
				bad = bad || x.Fn.Volatile && !x.Fn.Stable || x.Fn.Unfolded
			}
			return !bad
		})
		if bad {
			return false
		}
	}
	return true
}
