package plan

import (
	"github.com/basaltdb/basalt/index"
	"github.com/basaltdb/basalt/sql/fn"
	"github.com/basaltdb/basalt/types"
)

// Optimize rewrites the plan: constant folding, predicate pushdown into
// joins and scans, equi-join key extraction, and access-path choice for
// scans (index lookups, `_event_time` zone pruning, `_id` lookups).
func Optimize(n Node, ctx *fn.Ctx) Node {
	n = foldNode(n, ctx)
	n = pushdown(n, nil)
	groupDistincts(n, false)
	chooseLookupJoins(n)
	chooseBuildSides(n)
	used := map[ColID]bool{}
	for _, c := range n.Cols() {
		used[c] = true
	}
	collectUsed(n, used)
	pruneScans(n, used)
	return n
}

// collectUsed adds every column an expression of the plan reads.
func collectUsed(n Node, used map[ColID]bool) {
	add := func(e Expr) {
		for id := range ColsUsed(e) {
			used[id] = true
		}
		Walk(e, func(x Expr) bool {
			if s, ok := x.(*SubqueryExpr); ok {
				for _, c := range s.Plan.Cols() {
					used[c] = true
				}
				collectUsed(s.Plan, used)
			}
			return true
		})
	}
	adds := func(es []Expr) {
		for _, e := range es {
			add(e)
		}
	}
	keys := func(ks []SortKey) {
		for _, k := range ks {
			add(k.Expr)
		}
	}
	switch n := n.(type) {
	case *Scan:
		add(n.Filter)
	case *Values:
		for _, r := range n.Rows {
			adds(r)
		}
	case *Filter:
		add(n.Cond)
	case *Project:
		adds(n.Exprs)
	case *Aggregate:
		adds(n.Keys)
		for _, a := range n.Aggs {
			adds(a.Args)
			add(a.Filter)
			keys(a.OrderBy)
		}
	case *Sort:
		keys(n.Keys)
	case *Distinct:
		adds(n.On)
		if len(n.On) == 0 {
			for _, c := range n.Input.Cols() {
				used[c] = true
			}
		}
	case *Join:
		adds(n.EqL)
		adds(n.EqR)
		add(n.Cond)
	case *Unnest:
		add(n.Array)
		add(n.Cond)
	case *SetOp:
		for _, c := range n.Left.Cols() {
			used[c] = true
		}
		for _, c := range n.Right.Cols() {
			used[c] = true
		}
	case *RecursiveUnion:
		for _, c := range n.Init.Cols() {
			used[c] = true
		}
		for _, c := range n.Recur.Cols() {
			used[c] = true
		}
	case *Window:
		for _, f := range n.Funcs {
			adds(f.Args)
			adds(f.PartitionBy)
			keys(f.OrderBy)
		}
	}
	for _, c := range n.Inputs() {
		collectUsed(c, used)
	}
}

// pruneScans drops the scan columns nothing reads, such as a field whose
// only use was a predicate the index answered.
func pruneScans(n Node, used map[ColID]bool) {
	if s, ok := n.(*Scan); ok {
		kept := s.Columns[:0]
		for _, c := range s.Columns {
			if used[c.ID] {
				kept = append(kept, c)
			}
		}
		s.Columns = kept
	}
	for _, c := range n.Inputs() {
		pruneScans(c, used)
	}
}

func foldNode(n Node, ctx *fn.Ctx) Node {
	f := func(e Expr) Expr {
		if e == nil {
			return nil
		}
		e = Fold(e, ctx)
		Walk(e, func(x Expr) bool {
			if s, ok := x.(*SubqueryExpr); ok {
				s.Plan = Optimize(s.Plan, ctx)
			}
			return true
		})
		return e
	}
	fs := func(es []Expr) {
		for i := range es {
			es[i] = f(es[i])
		}
	}
	switch n := n.(type) {
	case *Scan:
		n.Filter = f(n.Filter)
	case *Values:
		for _, r := range n.Rows {
			fs(r)
		}
	case *Filter:
		n.Input = foldNode(n.Input, ctx)
		n.Cond = f(n.Cond)
	case *Project:
		n.Input = foldNode(n.Input, ctx)
		fs(n.Exprs)
	case *Aggregate:
		n.Input = foldNode(n.Input, ctx)
		fs(n.Keys)
		for i := range n.Aggs {
			fs(n.Aggs[i].Args)
			n.Aggs[i].Filter = f(n.Aggs[i].Filter)
			for j := range n.Aggs[i].OrderBy {
				n.Aggs[i].OrderBy[j].Expr = f(n.Aggs[i].OrderBy[j].Expr)
			}
		}
	case *Sort:
		n.Input = foldNode(n.Input, ctx)
		for i := range n.Keys {
			n.Keys[i].Expr = f(n.Keys[i].Expr)
		}
	case *Limit:
		n.Input = foldNode(n.Input, ctx)
	case *Distinct:
		n.Input = foldNode(n.Input, ctx)
		fs(n.On)
	case *Join:
		n.Left = foldNode(n.Left, ctx)
		n.Right = foldNode(n.Right, ctx)
		n.Cond = f(n.Cond)
	case *Unnest:
		n.Input = foldNode(n.Input, ctx)
		n.Array = f(n.Array)
		n.Cond = f(n.Cond)
	case *SetOp:
		n.Left = foldNode(n.Left, ctx)
		n.Right = foldNode(n.Right, ctx)
	case *RecursiveUnion:
		n.Init = foldNode(n.Init, ctx)
		n.Recur = foldNode(n.Recur, ctx)
	case *Window:
		n.Input = foldNode(n.Input, ctx)
		for i := range n.Funcs {
			fs(n.Funcs[i].Args)
			fs(n.Funcs[i].PartitionBy)
			for j := range n.Funcs[i].OrderBy {
				n.Funcs[i].OrderBy[j].Expr = f(n.Funcs[i].OrderBy[j].Expr)
			}
		}
	}
	return n
}

// Conjuncts splits e on AND.
func Conjuncts(e Expr) []Expr {
	if e == nil {
		return nil
	}
	if l, ok := e.(*Logic); ok && l.And {
		return append(Conjuncts(l.L), Conjuncts(l.R)...)
	}
	return []Expr{e}
}

// AndAll joins conjuncts with AND (nil for none).
func AndAll(es []Expr) Expr {
	var out Expr
	for _, e := range es {
		if out == nil {
			out = e
		} else {
			out = &Logic{And: true, L: out, R: e}
		}
	}
	return out
}

func colSet(n Node) map[ColID]bool {
	out := map[ColID]bool{}
	for _, c := range n.Cols() {
		out[c] = true
	}
	return out
}

func within(e Expr, cols map[ColID]bool) bool {
	for id := range ColsUsed(e) {
		if !cols[id] {
			return false
		}
	}
	return true
}

// hasSubquery reports whether e holds a subquery (kept above joins: they
// are evaluated where all their outer columns exist).
func hasSubquery(e Expr) bool {
	found := false
	Walk(e, func(x Expr) bool {
		if _, ok := x.(*SubqueryExpr); ok {
			found = true
		}
		return !found
	})
	return found
}

// pushdown moves the conjuncts preds (from filters above) as far down as
// they can go and returns the rewritten node.
func pushdown(n Node, preds []Expr) Node {
	switch n := n.(type) {
	case *Filter:
		return pushdown(n.Input, append(preds, Conjuncts(n.Cond)...))
	case *Scan:
		n.Filter = AndAll(append(Conjuncts(n.Filter), preds...))
		chooseAccess(n)
		return n
	case *Join:
		return pushJoin(n, preds)
	case *Project:
		n.Input = pushdown(n.Input, nil)
	case *Aggregate:
		// Conjuncts on grouping keys could go below; kept above for now.
		n.Input = pushdown(n.Input, nil)
	case *Sort:
		n.Input = pushdown(n.Input, nil)
	case *Limit:
		n.Input = pushdown(n.Input, nil)
		if s, ok := n.Input.(*Scan); ok && n.Count >= 0 && s.Filter == nil {
			s.Limit = n.Count + n.Offset
		}
	case *Distinct:
		n.Input = pushdown(n.Input, nil)
	case *Unnest:
		in := colSet(n.Input)
		var below, above []Expr
		for _, p := range preds {
			if within(p, in) && !hasSubquery(p) {
				below = append(below, p)
			} else {
				above = append(above, p)
			}
		}
		preds = above
		n.Input = pushdown(n.Input, below)
	case *SetOp:
		n.Left = pushdown(n.Left, nil)
		n.Right = pushdown(n.Right, nil)
	case *RecursiveUnion:
		n.Init = pushdown(n.Init, nil)
		n.Recur = pushdown(n.Recur, nil)
	case *Window:
		n.Input = pushdown(n.Input, nil)
	}
	if len(preds) > 0 {
		return &Filter{Input: n, Cond: AndAll(preds)}
	}
	return n
}

func pushJoin(j *Join, preds []Expr) Node {
	lcols, rcols := colSet(j.Left), colSet(j.Right)
	var lp, rp, keep []Expr
	inner := j.Kind == "INNER" || j.Kind == "CROSS"
	// Conjuncts from above the join.
	for _, p := range preds {
		switch {
		case hasSubquery(p):
			keep = append(keep, p)
		case within(p, lcols) && (inner || j.Kind == "LEFT" || j.Kind == "SEMI" || j.Kind == "ANTI"):
			lp = append(lp, p)
		case within(p, rcols) && (inner || j.Kind == "RIGHT"):
			rp = append(rp, p)
		case inner:
			j.Cond = AndAll(append(Conjuncts(j.Cond), p))
		default:
			keep = append(keep, p)
		}
	}
	// The join condition: equi-keys and, for inner joins, one-sided
	// conjuncts pushed down.
	var rest []Expr
	for _, c := range Conjuncts(j.Cond) {
		if cmp, ok := c.(*Cmp); ok && cmp.Op == "=" && !hasSubquery(c) {
			switch {
			case within(cmp.L, lcols) && within(cmp.R, rcols) && len(ColsUsed(cmp.L)) > 0 && len(ColsUsed(cmp.R)) > 0:
				j.EqL = append(j.EqL, cmp.L)
				j.EqR = append(j.EqR, cmp.R)
				continue
			case within(cmp.R, lcols) && within(cmp.L, rcols) && len(ColsUsed(cmp.L)) > 0 && len(ColsUsed(cmp.R)) > 0:
				j.EqL = append(j.EqL, cmp.R)
				j.EqR = append(j.EqR, cmp.L)
				continue
			}
		}
		if !hasSubquery(c) {
			if within(c, lcols) && (inner || j.Kind == "RIGHT") {
				lp = append(lp, c)
				continue
			}
			if within(c, rcols) && (inner || j.Kind == "LEFT" || j.Kind == "SEMI" || j.Kind == "ANTI") {
				rp = append(rp, c)
				continue
			}
		}
		rest = append(rest, c)
	}
	j.Cond = AndAll(rest)
	if j.Kind == "CROSS" && (len(j.EqL) > 0 || j.Cond != nil) {
		j.Kind = "INNER"
	}
	j.Left = pushdown(j.Left, lp)
	j.Right = pushdown(j.Right, rp)
	if len(keep) > 0 {
		return &Filter{Input: j, Cond: AndAll(keep)}
	}
	return j
}

// orAsIn returns a disjunction of equalities and IN lists of one leaf
// column with constants as one IN list.
func orAsIn(c *Logic, leaf func(Expr) (string, bool), scalar func(Expr) (types.Value, bool)) (*In, bool) {
	var col Expr
	var path string
	var list []Expr
	var walk func(e Expr) bool
	same := func(x Expr) bool {
		p, ok := leaf(x)
		if !ok || (col != nil && p != path) {
			return false
		}
		col, path = x, p
		return true
	}
	walk = func(e Expr) bool {
		switch e := e.(type) {
		case *Logic:
			return !e.And && walk(e.L) && walk(e.R)
		case *Cmp:
			if e.Op != "=" {
				return false
			}
			x, k := e.L, e.R
			if _, ok := scalar(x); ok {
				x, k = k, x
			}
			if _, ok := scalar(k); !ok || !same(x) {
				return false
			}
			list = append(list, k)
			return true
		case *In:
			if e.Not || !same(e.X) {
				return false
			}
			for _, k := range e.List {
				if _, ok := scalar(k); !ok {
					return false
				}
			}
			list = append(list, e.List...)
			return true
		}
		return false
	}
	if !walk(c) {
		return nil, false
	}
	return &In{X: col, List: list}, true
}

// chooseAccess picks index lookups, zone pruning and `_id` lookups from
// the scan's filter conjuncts.
func chooseAccess(s *Scan) {
	pathOf := map[ColID]ScanCol{}
	for _, c := range s.Columns {
		pathOf[c.ID] = c
	}
	leaf := func(e Expr) (string, bool) {
		cr, ok := e.(*ColRef)
		if !ok {
			return "", false
		}
		c, ok := pathOf[cr.ID]
		if !ok || len(c.Children) > 0 {
			return "", false
		}
		return c.Path, true
	}
	scalar := func(e Expr) (types.Value, bool) {
		c, ok := e.(*Const)
		if !ok || !c.V.Kind().IsScalar() || c.V.IsNull() || c.V.IsUndefined() {
			return types.Value{}, false
		}
		return c.V, true
	}
	var rest, indexed []Expr
	for _, c := range Conjuncts(s.Filter) {
		n := len(s.Index)
		if handled := accessFor(s, c, leaf, scalar); !handled {
			rest = append(rest, c)
		} else if len(s.Index) > n {
			indexed = append(indexed, c)
		}
	}
	if s.IDs != nil && len(s.Index) > 0 {
		// An _id lookup reads its few documents whole and applies only
		// the filter: the predicates the index would have answered go
		// back into it.
		rest = append(indexed, rest...)
		s.Index = nil
	}
	s.Filter = AndAll(rest)
}

// accessFor records an access path for conjunct c and reports whether the
// path alone decides it (so it leaves the residual filter).
func accessFor(s *Scan, c Expr, leaf func(Expr) (string, bool), scalar func(Expr) (types.Value, bool)) bool {
	switch c := c.(type) {
	case *Logic:
		// k = 'x' OR k = 'y' OR k IN (…) is an IN list.
		if in, ok := orAsIn(c, leaf, scalar); ok {
			return accessFor(s, in, leaf, scalar)
		}
	case *Cmp:
		l, r, op := c.L, c.R, c.Op
		if _, ok := leaf(l); !ok {
			l, r, op = r, l, flip(op)
		}
		path, ok := leaf(l)
		if !ok {
			return false
		}
		v, ok := scalar(r)
		if !ok {
			return false
		}
		if path == "_id" && op == "=" {
			if id, ok := idString(v); ok {
				s.IDs = intersectIDs(s.IDs, []string{id})
				return true
			}
			return false
		}
		if path == "_event_time" && v.Kind() == types.KindTimestamp && op != "=" && op != "<>" {
			narrowTime(s, op, v.Micros())
			return false
		}
		switch op {
		case "=":
			s.Index = append(s.Index, IndexPred{Path: path, Pred: index.Eq(v), Exact: true})
			return true
		case "<", "<=", ">", ">=":
			lo, hi := types.Undefined, types.Undefined
			loInc, hiInc := false, false
			switch op {
			case "<":
				hi = v
			case "<=":
				hi, hiInc = v, true
			case ">":
				lo = v
			case ">=":
				lo, loInc = v, true
			}
			s.Index = append(s.Index, IndexPred{Path: path, Pred: index.Range(lo, loInc, hi, hiInc), Exact: true})
			return true
		}
	case *In:
		if c.Not {
			return false
		}
		path, ok := leaf(c.X)
		if !ok {
			return false
		}
		var vals []types.Value
		for _, e := range c.List {
			v, ok := scalar(e)
			if !ok {
				return false
			}
			vals = append(vals, v)
		}
		if path == "_id" {
			var ids []string
			for _, v := range vals {
				id, ok := idString(v)
				if !ok {
					return false
				}
				ids = append(ids, id)
			}
			s.IDs = intersectIDs(s.IDs, ids)
			return true
		}
		s.Index = append(s.Index, IndexPred{Path: path, Pred: index.In(vals...), Exact: true})
		return true
	case *AnyCmp:
		if c.Op != "=" || c.All {
			return false
		}
		path, ok := leaf(c.Array)
		if !ok {
			return false
		}
		v, ok := scalar(c.X)
		if !ok {
			return false
		}
		s.Index = append(s.Index, IndexPred{Path: path + types.WildcardSegment, Pred: index.Eq(v), Exact: true})
		return true
	case *Call:
		// arr @> ARRAY[c1, c2]: the rows whose arr holds every ci, one
		// element lookup each (a NULL element never matches: no path).
		if c.Fn == nil || c.Fn.Name != "array_contains_all" || len(c.Args) != 2 {
			return false
		}
		path, ok := leaf(c.Args[0])
		if !ok {
			return false
		}
		var elems []types.Value
		switch a := c.Args[1].(type) {
		case *Const:
			if a.V.Kind() != types.KindArray {
				return false
			}
			elems = a.V.Elems()
		case *ArrayOf:
			for _, e := range a.Elems {
				v, ok := scalar(e)
				if !ok {
					return false
				}
				elems = append(elems, v)
			}
		default:
			return false
		}
		if len(elems) == 0 {
			return false
		}
		for _, e := range elems {
			if !index.Indexable(e) || e.IsNull() {
				return false
			}
		}
		for _, e := range elems {
			s.Index = append(s.Index, IndexPred{Path: path + types.WildcardSegment, Pred: index.Eq(e), Exact: true})
		}
		return true
	case *Like:
		if c.Not || c.ILike || c.Escape != nil {
			return false
		}
		path, ok := leaf(c.X)
		if !ok {
			return false
		}
		p, ok := scalar(c.Pattern)
		if !ok || p.Kind() != types.KindString {
			return false
		}
		prefix, exact := likePrefix(p.Str())
		if prefix == "" {
			return false
		}
		s.Index = append(s.Index, IndexPred{Path: path, Pred: index.Prefix(prefix), Exact: exact})
		return exact
	}
	return false
}

// likePrefix returns the literal prefix of a LIKE pattern and whether the
// pattern is exactly that prefix followed by one `%`.
func likePrefix(p string) (string, bool) {
	var out []byte
	for i := 0; i < len(p); i++ {
		switch p[i] {
		case '%':
			return string(out), i == len(p)-1
		case '_':
			return string(out), false
		case '\\':
			if i+1 < len(p) {
				i++
				out = append(out, p[i])
				continue
			}
			return string(out), false
		}
		out = append(out, p[i])
	}
	return string(out), false
}

func idString(v types.Value) (string, bool) {
	switch v.Kind() {
	case types.KindString:
		return v.Str(), true
	case types.KindInt:
		return v.JSON(), true
	}
	return "", false
}

func intersectIDs(have, ids []string) []string {
	if have == nil {
		return ids
	}
	var out []string
	for _, a := range have {
		for _, b := range ids {
			if a == b {
				out = append(out, a)
				break
			}
		}
	}
	if out == nil {
		out = []string{}
	}
	return out
}

func narrowTime(s *Scan, op string, t int64) {
	if !s.HasTime {
		s.HasTime = true
		s.TimeLo, s.TimeHi = -1<<63, 1<<63-1
	}
	switch op {
	case ">", ">=":
		s.TimeLo = max(s.TimeLo, t)
	case "<", "<=":
		s.TimeHi = min(s.TimeHi, t)
	}
}

func flip(op string) string {
	switch op {
	case "<":
		return ">"
	case "<=":
		return ">="
	case ">":
		return "<"
	case ">=":
		return "<="
	}
	return op
}
