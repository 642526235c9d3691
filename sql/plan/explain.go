package plan

import (
	"fmt"
	"strings"
)

// Explain renders the plan as an indented tree, one node per line, with
// the access paths scans chose. annotate, when set, adds per-node text
// (EXPLAIN ANALYZE statistics).
func Explain(n Node, annotate func(Node) string) string {
	var b strings.Builder
	explain(&b, n, 0, annotate)
	return b.String()
}

func explain(b *strings.Builder, n Node, depth int, annotate func(Node) string) {
	b.WriteString(strings.Repeat("  ", depth))
	b.WriteString(describe(n))
	if annotate != nil {
		if a := annotate(n); a != "" {
			b.WriteString(" (" + a + ")")
		}
	}
	b.WriteByte('\n')
	for _, c := range n.Inputs() {
		explain(b, c, depth+1, annotate)
	}
}

func exprList(es []Expr) string {
	s := make([]string, len(es))
	for i, e := range es {
		s[i] = FormatExpr(e)
	}
	return strings.Join(s, ", ")
}

func describe(n Node) string {
	switch n := n.(type) {
	case *Scan:
		var parts []string
		access := "full scan"
		switch {
		case n.IDs != nil:
			access = fmt.Sprintf("_id lookup %q", n.IDs)
		case len(n.Index) > 0:
			var ps []string
			for _, ip := range n.Index {
				ps = append(ps, ip.Path+" "+ip.Pred.String())
			}
			access = "index lookup [" + strings.Join(ps, " AND ") + "]"
		}
		parts = append(parts, access)
		if n.HasTime {
			parts = append(parts, "zone-map pruning on _event_time")
		}
		if n.Filter != nil {
			parts = append(parts, "filter: "+FormatExpr(n.Filter))
		}
		if n.Limit > 0 {
			parts = append(parts, fmt.Sprintf("limit: %d", n.Limit))
		}
		var cols []string
		for _, c := range n.Columns {
			cols = append(cols, c.Path)
		}
		parts = append(parts, "columns: "+strings.Join(cols, ", "))
		return fmt.Sprintf("Scan %s.%s AS %s: %s", n.Table.Workspace(), n.Table.Name(), n.Alias, strings.Join(parts, "; "))
	case *Values:
		return fmt.Sprintf("Values (%d rows)", len(n.Rows))
	case *Filter:
		return "Filter " + FormatExpr(n.Cond)
	case *Project:
		return "Project " + exprList(n.Exprs)
	case *Aggregate:
		var aggs []string
		for _, a := range n.Aggs {
			d := ""
			if a.Distinct {
				d = "DISTINCT "
			}
			if a.Star {
				aggs = append(aggs, a.Name+"(*)")
			} else {
				aggs = append(aggs, a.Name+"("+d+exprList(a.Args)+")")
			}
		}
		return "HashAggregate keys: [" + exprList(n.Keys) + "] aggs: [" + strings.Join(aggs, ", ") + "]"
	case *Sort:
		var ks []string
		for _, k := range n.Keys {
			s := FormatExpr(k.Expr)
			if k.Desc {
				s += " DESC"
			}
			ks = append(ks, s)
		}
		if n.Limit > 0 {
			return fmt.Sprintf("TopN %d by %s", n.Limit, strings.Join(ks, ", "))
		}
		return "Sort by " + strings.Join(ks, ", ")
	case *Limit:
		return fmt.Sprintf("Limit %d offset %d", n.Count, n.Offset)
	case *Distinct:
		if len(n.On) > 0 {
			return "Distinct on " + exprList(n.On)
		}
		return "Distinct"
	case *Join:
		s := "HashJoin " + n.Kind
		if n.LookupPath != "" {
			s = "IndexLookupJoin " + n.Kind + " by " + n.LookupPath
		}
		if len(n.EqL) == 0 {
			s = "NestedLoopJoin " + n.Kind
		} else {
			s += " on [" + exprList(n.EqL) + "] = [" + exprList(n.EqR) + "]"
		}
		if n.Cond != nil {
			s += " filter " + FormatExpr(n.Cond)
		}
		return s
	case *Unnest:
		s := "Unnest " + FormatExpr(n.Array)
		if n.Outer {
			s = "Unnest LEFT " + FormatExpr(n.Array)
		}
		if len(n.Spread) > 0 {
			// A LATERAL subquery's rows (plan.Binder.lateralSubquery); its
			// plan is the subquery's.
			s = "Lateral subquery"
			if n.Outer {
				s = "Lateral LEFT subquery"
			}
		}
		if n.Cond != nil {
			s += " filter " + FormatExpr(n.Cond)
		}
		return s
	case *SetOp:
		if n.All {
			return n.Op + " ALL"
		}
		return n.Op
	case *RecursiveUnion:
		s := "RecursiveUnion "
		if n.All {
			s += "ALL "
		}
		s += n.Work.Name
		switch {
		case n.Search == nil:
		case n.Search.BreadthFirst:
			s += " search=breadth-first"
		default:
			s += " search=depth-first"
		}
		if n.Cycle != nil {
			s += " cycle"
		}
		return s
	case *WorkScan:
		return "WorkTableScan " + n.Table.Name
	case *Window:
		var fs []string
		for _, f := range n.Funcs {
			fs = append(fs, f.Name)
		}
		return "Window " + strings.Join(fs, ", ")
	}
	return fmt.Sprintf("%T", n)
}
