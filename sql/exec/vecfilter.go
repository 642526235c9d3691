package exec

import (
	"fmt"
	"strings"

	"github.com/basaltdb/basalt/coldata"
	"github.com/basaltdb/basalt/index"
	"github.com/basaltdb/basalt/sql/fn"
	"github.com/basaltdb/basalt/sql/plan"
	"github.com/basaltdb/basalt/storage"
	"github.com/basaltdb/basalt/types"
)

// vecFilter is a scan filter applied to a whole batch: the conjuncts that
// compare a column with a constant (=, <>, <, <=, >, >=, LIKE) run as loops
// over the column vector, typed when the vector holds one kind; the other
// conjuncts are evaluated row by row on the rows that are left.
type vecFilter struct {
	kernels []vecKernel
	rest    evalFn // nil when every conjunct has a kernel
	rows    []int
	// err is the error a kernel of a conjunct that can fail (exprKernel)
	// met, for apply to return.
	err error
	// zones are the zone maps of the kernels' columns in the segment
	// being read (see forSegment), per kernel; nil when not known.
	zones [][]index.Zone
}

// vecKernel is one conjunct run over a column vector.
type vecKernel struct {
	// run keeps the rows (positions in the batch) the conjunct is true
	// for, reusing rows' array.
	run func(b *coldata.Batch, rows []int) []int
	vec int // the batch vector it reads
	// A comparison of column path with constant c, which zone maps can
	// prove true for a whole block; path is empty for other conjuncts.
	path string
	op   string
	c    types.Value
	// key names what the conjunct keeps, whatever the plan: two kernels
	// with one key keep the same values (memoized per segment by
	// countFromIndex). Empty for a conjunct that can fail, which
	// countFromIndex leaves to the scan.
	key string
}

// forSegment readies f for batches of segment v: a conjunct that v's zone
// map proves true for every row of a block is not evaluated on it (e.g.
// `_event_time > x` on the blocks wholly after x).
func (f *vecFilter) forSegment(v *storage.SegmentView) {
	if f == nil {
		return
	}
	f.zones = f.zones[:0]
	for _, k := range f.kernels {
		var z []index.Zone
		if k.path != "" {
			z = v.Zones(k.path)
		}
		f.zones = append(f.zones, z)
	}
}

// proves reports whether the zone map proves kernel k for every row of
// block.
func (f *vecFilter) proves(k, block int) bool {
	return k < len(f.zones) && block < len(f.zones[k]) && zoneProves(f.zones[k][block], f.kernels[k].op, f.kernels[k].c)
}

// provesSegment reports whether the zone maps prove conjunct k for every
// row of segment v (after forSegment(v)).
func (f *vecFilter) provesSegment(k int, v *storage.SegmentView) bool {
	blocks := (v.NumRows() + index.BlockRows - 1) / index.BlockRows
	if k >= len(f.zones) || len(f.zones[k]) < blocks {
		return false
	}
	for _, z := range f.zones[k][:blocks] {
		if !zoneProves(z, f.kernels[k].op, f.kernels[k].c) {
			return false
		}
	}
	return true
}

// provesAll reports whether the zone map proves every conjunct for
// block, so the columns they read need not be decoded.
func (f *vecFilter) provesAll(block int) bool {
	if f.rest != nil {
		return false
	}
	for k := range f.kernels {
		if !f.proves(k, block) {
			return false
		}
	}
	return true
}

// zoneProves reports whether every row of a block with zone z satisfies
// `column op c`: no null, missing or nested value, and bounds of c's own
// kind (int, timestamp or string, whose comparisons the kernels and the
// zone map order alike) on the right side of c.
func zoneProves(z index.Zone, op string, c types.Value) bool {
	if z.Nulls > 0 || z.Undefined > 0 || z.Nested > 0 || z.Min.IsUndefined() {
		return false
	}
	k := c.Kind()
	if k != types.KindInt && k != types.KindTimestamp && k != types.KindString {
		return false
	}
	if z.Min.Kind() != k || z.Max.Kind() != k {
		return false
	}
	lo, hi := types.Compare(z.Min, c), types.Compare(z.Max, c)
	switch op {
	case "=":
		return lo == 0 && hi == 0
	case "<>":
		return hi < 0 || lo > 0
	case "<":
		return hi < 0
	case "<=":
		return hi <= 0
	case ">":
		return lo > 0
	case ">=":
		return lo >= 0
	}
	return false
}

// compileVecFilter compiles scan s's filter e for a worker; nil for none.
func (s *scanOp) compileVecFilter(q *Query, e plan.Expr) (*vecFilter, error) {
	if e == nil {
		return nil, nil
	}
	lay := layoutOf(s.n.Cols())
	// vec returns the vector a column reference reads, -1 when it is not a
	// plain leaf column of the scan.
	vec := func(x plan.Expr) int {
		c, ok := x.(*plan.ColRef)
		if !ok {
			return -1
		}
		i, ok := lay[c.ID]
		if !ok || len(s.cols[i].children) > 0 {
			return -1
		}
		return s.cols[i].vec
	}
	f := &vecFilter{}
	var rest plan.Expr
	for _, c := range conjuncts(e) {
		if k, ok := kernelFor(c, vec, func(v int) string { return s.paths[v] }); ok {
			f.kernels = append(f.kernels, k)
			continue
		}
		// A conjunct of one column runs over its vector too, but only
		// ahead of every conjunct evaluated row by row: it may fail, and
		// must not meet rows that the conjuncts before it leave out.
		if col, ok := oneColumn(c, vec); ok && rest == nil {
			eval, err := q.compile(c, layout{col.ID: 0})
			if err != nil {
				return nil, err
			}
			f.kernels = append(f.kernels, vecKernel{run: exprKernel(vec(col), eval, &f.err), vec: vec(col)})
			continue
		}
		if rest == nil {
			rest = c
		} else {
			rest = &plan.Logic{And: true, L: rest, R: c}
		}
	}
	if rest != nil {
		var err error
		if f.rest, err = q.compile(rest, lay); err != nil {
			return nil, err
		}
	}
	return f, nil
}

func conjuncts(e plan.Expr) []plan.Expr {
	if l, ok := e.(*plan.Logic); ok && l.And {
		return append(conjuncts(l.L), conjuncts(l.R)...)
	}
	return []plan.Expr{e}
}

var flipped = map[string]string{"=": "=", "<>": "<>", "<": ">", "<=": ">=", ">": "<", ">=": "<="}

func kernelFor(e plan.Expr, vec func(plan.Expr) int, path func(int) string) (vecKernel, bool) {
	switch e := e.(type) {
	case *plan.Cmp:
		op := e.Op
		col, k := vec(e.L), e.R
		if col < 0 {
			col, k, op = vec(e.R), e.L, flipped[op]
		}
		c, ok := k.(*plan.Const)
		if col < 0 || !ok || op == "" {
			return vecKernel{}, false
		}
		key := "cmp " + op + " " + string(types.AppendBinary(nil, c.V))
		return vecKernel{run: cmpKernel(col, op, c.V), vec: col, path: path(col), op: op, c: c.V, key: key}, true
	case *plan.Like:
		col := vec(e.X)
		p, ok := e.Pattern.(*plan.Const)
		if col < 0 || !ok || p.V.Kind() != types.KindString {
			return vecKernel{}, false
		}
		escape := "\\"
		if e.Escape != nil {
			ce, ok := e.Escape.(*plan.Const)
			if !ok || ce.V.Kind() != types.KindString {
				return vecKernel{}, false
			}
			escape = ce.V.Str()
		}
		m, err := fn.CompileLike(p.V.Str(), escape, e.ILike)
		if err != nil {
			return vecKernel{}, false // the row evaluator reports it
		}
		key := fmt.Sprintf("like %t %t %q %q", e.Not, e.ILike, escape, p.V.Str())
		return vecKernel{run: likeKernel(col, m, e.Not), vec: col, key: key}, true
	}
	return vecKernel{}, false
}

// cmpResult turns a three-way comparison into op's answer.
func cmpResult(op string, c int) bool {
	switch op {
	case "=":
		return c == 0
	case "<>":
		return c != 0
	case "<":
		return c < 0
	case "<=":
		return c <= 0
	case ">":
		return c > 0
	}
	return c >= 0
}

func cmp3[T int64 | string](a, b T) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func cmpKernel(col int, op string, c types.Value) func(*coldata.Batch, []int) []int {
	return func(b *coldata.Batch, rows []int) []int {
		v := &b.Vecs[col]
		out := rows[:0]
		kind, uniform := v.Uniform()
		switch {
		case uniform && (kind == types.KindNull || kind == types.KindUndefined):
			// Compare with null is null: no row passes.
		case uniform && kind == types.KindString && c.Kind() == types.KindString && v.Dict != nil:
			s := c.Str()
			pass := dictPass(v.Dict, func(e string) bool { return cmpResult(op, strings.Compare(e, s)) })
			for _, i := range rows {
				if pass[v.Codes[i]] {
					out = append(out, i)
				}
			}
		case uniform && kind == types.KindString && c.Kind() == types.KindString:
			s := c.Str()
			for _, i := range rows {
				if cmpResult(op, strings.Compare(v.Str[i], s)) {
					out = append(out, i)
				}
			}
		case uniform && kind == types.KindInt && c.Kind() == types.KindInt,
			uniform && kind == types.KindTimestamp && c.Kind() == types.KindTimestamp:
			x := int64(c.Bits())
			for _, i := range rows {
				if cmpResult(op, cmp3(v.I64[i], x)) {
					out = append(out, i)
				}
			}
		default:
			for _, i := range rows {
				if truthy(fn.Compare(op, v.Value(i), c)) {
					out = append(out, i)
				}
			}
		}
		return out
	}
}

// likeKernel matches as the row evaluator does: a string matches or not;
// null and undefined give null and other kinds false, neither passing, with
// NOT LIKE too.
func likeKernel(col int, m *fn.LikeMatcher, not bool) func(*coldata.Batch, []int) []int {
	return func(b *coldata.Batch, rows []int) []int {
		v := &b.Vecs[col]
		out := rows[:0]
		kind, uniform := v.Uniform()
		if uniform && kind == types.KindString && v.Dict != nil {
			// Match each dictionary entry once.
			pass := dictPass(v.Dict, func(e string) bool { return m.Match(e) != not })
			for _, i := range rows {
				if pass[v.Codes[i]] {
					out = append(out, i)
				}
			}
			return out
		}
		for _, i := range rows {
			if uniform && kind != types.KindString {
				break
			}
			if !uniform && v.Kind(i) != types.KindString {
				continue
			}
			if m.Match(v.Str[i]) != not {
				out = append(out, i)
			}
		}
		return out
	}
}

// dictPass returns whether f holds for each dictionary entry.
func dictPass(dict []string, f func(string) bool) []bool {
	pass := make([]bool, len(dict))
	for j, e := range dict {
		pass[j] = f(e)
	}
	return pass
}

// apply returns the selected rows of b the filter keeps. fill sets the
// scan row of a batch position, for the conjuncts evaluated row by row.
// The result is valid until the next call.
func (f *vecFilter) apply(b *coldata.Batch, fill func(i int) Row) ([]int, error) {
	rows := f.rows[:0]
	if rows == nil {
		rows = make([]int, 0, b.Length) // never nil: nil means every row
	}
	rows = selectedRows(b, rows)
	for ki, k := range f.kernels {
		if len(rows) == 0 {
			break
		}
		if f.proves(ki, b.Start/index.BlockRows) {
			continue
		}
		if rows = k.run(b, rows); f.err != nil {
			err := f.err
			f.err, f.rows = nil, rows
			return nil, err
		}
	}
	if f.rest != nil {
		out := rows[:0]
		for _, i := range rows {
			v, err := f.rest(fill(i))
			if err != nil {
				f.rows = rows
				return nil, err
			}
			if truthy(v) {
				out = append(out, i)
			}
		}
		rows = out
	}
	f.rows = rows
	return rows, nil
}
