package exec

import (
	"context"
	"math"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/basaltdb/basalt/sql/fn"
	"github.com/basaltdb/basalt/sql/plan"
	"github.com/basaltdb/basalt/sql/sqlerr"
	"github.com/basaltdb/basalt/types"
)

// accumulator folds the values of one group.
type accumulator interface {
	add(args []types.Value) error
	result() (types.Value, error)
}

type aggSpec struct {
	call   plan.AggCall
	args   []evalFn
	filter evalFn
	order  []evalFn
	// mem is charged for what buffering accumulators hold; nil: nothing.
	mem *memAccount
}

// bufferCharge is how many buffered values accumulators charge the memory
// budget for at a time.
const bufferCharge = 4096

// chargeEvery charges mem for bufferCharge more values of size bytes each
// time n reaches a multiple of bufferCharge.
func chargeEvery(mem *memAccount, n, size int) error {
	if mem == nil || n%bufferCharge != 0 {
		return nil
	}
	return mem.grow(int64(bufferCharge * size))
}

func (s *aggSpec) newAcc() accumulator {
	var a accumulator
	switch s.call.Name {
	case "count":
		a = &countAcc{star: s.call.Star}
	case "count_if":
		a = &countIfAcc{}
	case "sum":
		a = &sumAcc{}
	case "avg":
		a = &statsAcc{kind: "avg"}
	case "stddev", "stddev_samp", "stddev_pop", "variance", "var_samp", "var_pop":
		a = &statsAcc{kind: s.call.Name}
	case "corr", "covar_pop", "covar_samp", "regr_slope", "regr_intercept", "regr_r2", "regr_count",
		"regr_avgx", "regr_avgy", "regr_sxx", "regr_syy", "regr_sxy":
		a = &regrAcc{kind: s.call.Name}
	case "bit_and":
		a = &bitAcc{op: '&'}
	case "bit_or":
		a = &bitAcc{op: '|'}
	case "bit_xor":
		a = &bitAcc{op: '#'}
	case "min":
		a = &minMaxAcc{min: true}
	case "max":
		a = &minMaxAcc{}
	case "bool_and", "every":
		a = &boolAcc{and: true}
	case "bool_or":
		a = &boolAcc{}
	case "any_value", "arbitrary":
		a = &anyAcc{}
	case "array_agg":
		a = &listAcc{kind: "array"}
	case "string_agg":
		a = &listAcc{kind: "string"}
	case "approx_count_distinct":
		a = newHLL()
	case "percentile_cont", "percentile_disc", "approx_percentile":
		a = &percentileAcc{kind: s.call.Name}
	case "mode":
		a = &modeAcc{}
	case "max_by":
		a = &byAcc{}
	case "min_by":
		a = &byAcc{min: true}
	default:
		a = &errAcc{name: s.call.Name}
	}
	if s.call.Distinct {
		if _, ok := a.(*countAcc); ok && len(s.call.OrderBy) == 0 {
			c := newCountDistinctAcc()
			c.mem = s.mem
			return c
		}
		a = newDistinctAcc(a)
	}
	switch b := a.(type) {
	case *percentileAcc:
		b.mem = s.mem
	case *listAcc:
		b.mem = s.mem
	}
	if p, ok := a.(*percentileAcc); ok && len(s.call.OrderBy) == 1 && p.kind != "approx_percentile" {
		// WITHIN GROUP (ORDER BY x): the accumulator sorts the values
		// itself, so it reads x directly (args are [fraction, x]); a
		// descending order takes the mirrored fraction.
		p.desc = s.call.OrderBy[0].Desc
		return a
	}
	if m, ok := a.(*modeAcc); ok && len(s.call.OrderBy) == 1 {
		// WITHIN GROUP (ORDER BY x): the order only breaks ties.
		m.desc, m.mem = s.call.OrderBy[0].Desc, s.mem
		return a
	}
	if len(s.call.OrderBy) > 0 {
		a = &orderedAcc{in: a, keys: s.call.OrderBy, mem: s.mem}
	}
	return a
}

// modeAcc is mode() WITHIN GROUP (ORDER BY x): the most frequent value,
// the first in the order among equally frequent ones, as PostgreSQL
// picks it. NULLs are not counted.
type modeAcc struct {
	mem    *memAccount
	desc   bool
	counts map[string]*modeCount
	buf    []byte
}

type modeCount struct {
	v types.Value
	n int64
}

func (a *modeAcc) add(args []types.Value) error {
	v := args[len(args)-1]
	if isNull(v) {
		return nil
	}
	a.buf = appendKey(a.buf[:0], v)
	if c, ok := a.counts[string(a.buf)]; ok {
		c.n++
		return nil
	}
	if a.counts == nil {
		a.counts = map[string]*modeCount{}
	}
	a.counts[string(a.buf)] = &modeCount{v: own(v), n: 1}
	return chargeEvery(a.mem, len(a.counts), 64)
}

func (a *modeAcc) result() (types.Value, error) {
	var best *modeCount
	for _, c := range a.counts {
		if best == nil || c.n > best.n || (c.n == best.n && (types.Compare(c.v, best.v) < 0) != a.desc) {
			best = c
		}
	}
	if best == nil {
		return types.Null, nil
	}
	return best.v, nil
}

func (a *modeAcc) merge(o accumulator) {
	for k, c := range o.(*modeAcc).counts {
		if m, ok := a.counts[k]; ok {
			m.n += c.n
			continue
		}
		if a.counts == nil {
			a.counts = map[string]*modeCount{}
		}
		a.counts[k] = c
	}
}

type aggOp struct {
	q     *Query
	n     *plan.Aggregate
	in    Operator
	keys  []evalFn
	specs []*aggSpec
	out   *rowsOp
}

func (q *Query) newAggregate(n *plan.Aggregate) (Operator, error) {
	if s, ok := n.Input.(*plan.Scan); ok && fusable(n, s) {
		return q.newAggScan(n, s)
	}
	if j, s, ok := aggJoinInput(n); ok {
		return q.newAggJoin(n, j, s)
	}
	if where, u, s, ok := aggUnnestInput(n); ok {
		return q.newAggUnnest(n, where, u, s)
	}
	in, err := q.build(n.Input)
	if err != nil {
		return nil, err
	}
	keys, specs, err := q.compileAgg(n, layoutOf(n.Input.Cols()))
	if err != nil {
		return nil, err
	}
	return &aggOp{q: q, n: n, in: in, keys: keys, specs: specs}, nil
}

// compileAgg compiles the keys and aggregates of n over rows laid out as
// lay. The functions are not safe for concurrent use: each worker compiles
// its own.
func (q *Query) compileAgg(n *plan.Aggregate, lay layout) ([]evalFn, []*aggSpec, error) {
	var keys []evalFn
	for _, k := range n.Keys {
		f, err := q.compile(k, lay)
		if err != nil {
			return nil, nil, err
		}
		keys = append(keys, f)
	}
	var specs []*aggSpec
	for _, a := range n.Aggs {
		s := &aggSpec{call: a, mem: q.mem}
		for _, e := range a.Args {
			f, err := q.compile(e, lay)
			if err != nil {
				return nil, nil, err
			}
			s.args = append(s.args, f)
		}
		if a.Filter != nil {
			f, err := q.compile(a.Filter, lay)
			if err != nil {
				return nil, nil, err
			}
			s.filter = f
		}
		for _, k := range a.OrderBy {
			f, err := q.compile(k.Expr, lay)
			if err != nil {
				return nil, nil, err
			}
			s.order = append(s.order, f)
		}
		specs = append(specs, s)
	}
	return keys, specs, nil
}

type group struct {
	// first is the position (segment<<32 | row) of the group's first row,
	// so that groups merged from workers keep the order of a serial scan.
	first int64
	kstr  string
	key   []types.Value
	accs  []accumulator
}

// groupTable holds the groups of a hash aggregate.
type groupTable struct {
	mem    *memAccount
	keys   []evalFn
	specs  []*aggSpec
	groups map[string]*group
	order  []*group
	kbuf   []byte
	kvals  []types.Value
	argBuf []types.Value
	// pos is the position of the row being added, for group.first.
	pos int64
	// top, when set, lets rows keep only the groups a top-N sort above
	// will (aggTop).
	top *aggTop
	// slab holds the groups newGroup hands out next.
	slab struct {
		groups []group
		keys   []types.Value
		accs   []accumulator
	}
}

// groupSlab is how many groups newGroup allocates at a time.
const groupSlab = 64

func newGroupTable(mem *memAccount, keys []evalFn, specs []*aggSpec) *groupTable {
	return &groupTable{mem: mem, keys: keys, specs: specs, groups: map[string]*group{}, kvals: make([]types.Value, len(keys))}
}

// add folds row r into its group. r's strings may alias buffers that change
// after the call: what a group keeps it owns.
func (t *groupTable) add(r Row) error {
	g, err := t.groupOf(r)
	if err != nil {
		return err
	}
	return t.addTo(g, r)
}

// groupOf returns the group of row r, created if new.
func (t *groupTable) groupOf(r Row) (*group, error) {
	for i, k := range t.keys {
		v, err := k(r)
		if err != nil {
			return nil, err
		}
		t.kvals[i] = v
	}
	t.kbuf = rowKey(t.kbuf[:0], t.kvals)
	if g := t.groups[string(t.kbuf)]; g != nil {
		return g, nil
	}
	return t.newGroup(string(t.kbuf), t.kvals)
}

// addTo folds row r into group g's aggregates.
func (t *groupTable) addTo(g *group, r Row) error {
	for i, s := range t.specs {
		if s.filter != nil {
			v, err := s.filter(r)
			if err != nil {
				return err
			}
			if !truthy(v) {
				continue
			}
		}
		t.argBuf = t.argBuf[:0]
		for _, a := range s.args {
			v, err := a(r)
			if err != nil {
				return err
			}
			t.argBuf = append(t.argBuf, v)
		}
		for _, a := range s.order {
			v, err := a(r)
			if err != nil {
				return err
			}
			t.argBuf = append(t.argBuf, v)
		}
		if err := g.accs[i].add(t.argBuf); err != nil {
			return err
		}
	}
	return nil
}

func (t *groupTable) newGroup(kstr string, kvals []types.Value) (*group, error) {
	// Groups, their keys and their accumulator slices come from slabs: a
	// GROUP BY of 150,000 user ids spent a fifth of its time allocating
	// them one by one.
	if len(t.slab.groups) == 0 {
		t.slab.groups = make([]group, groupSlab)
		t.slab.keys = make([]types.Value, groupSlab*len(kvals))
		t.slab.accs = make([]accumulator, groupSlab*len(t.specs))
	}
	g := &t.slab.groups[0]
	t.slab.groups = t.slab.groups[1:]
	nk, na := len(kvals), len(t.specs)
	*g = group{first: t.pos, kstr: kstr, key: t.slab.keys[:nk:nk], accs: t.slab.accs[:0:na]}
	t.slab.keys, t.slab.accs = t.slab.keys[nk:], t.slab.accs[na:]
	for i, v := range kvals {
		g.key[i] = own(v)
	}
	for _, s := range t.specs {
		g.accs = append(g.accs, s.newAcc())
	}
	t.groups[kstr] = g
	t.order = append(t.order, g)
	return g, t.mem.grow(int64(64 + len(kstr) + 64*len(t.specs)))
}

// merge folds the groups of o (built by the same aggregate) into t. Call
// sortByFirst after the last merge.
func (t *groupTable) merge(o *groupTable) {
	for _, og := range o.order {
		if g := t.adopt(og); g != nil {
			for i, a := range g.accs {
				a.(merger).merge(og.accs[i])
			}
		}
	}
}

// adopt takes group og of another table: as a new group of t (nil), or
// returns t's group of the same key, for og's states to be merged into.
func (t *groupTable) adopt(og *group) *group {
	g := t.groups[og.kstr]
	if g == nil {
		t.groups[og.kstr] = og
		t.order = append(t.order, og)
		return nil
	}
	if og.first < g.first {
		// The group shows its first row's key: 1.0 or 1, whichever came
		// first, as a serial scan would.
		g.first, g.key = og.first, og.key
	}
	return g
}

// sortByFirst orders the groups as a serial scan would have created them.
func (t *groupTable) sortByFirst() {
	sort.Slice(t.order, func(i, j int) bool { return t.order[i].first < t.order[j].first })
}

// rows returns one row per group: keys then aggregates. Without keys, an
// empty input still makes one row.
func (t *groupTable) rows() ([]Row, error) {
	if len(t.keys) == 0 && len(t.order) == 0 {
		g := &group{}
		for _, s := range t.specs {
			g.accs = append(g.accs, s.newAcc())
		}
		t.order = append(t.order, g)
	}
	if t.top != nil && int64(len(t.order)) > t.top.limit {
		kept, err := t.topGroups(t.top)
		if err != nil {
			return nil, err
		}
		t.order = kept
	}
	rows := make([]Row, len(t.order))
	// Percentiles select among their values: the groups' results are
	// worked out by a goroutine per core.
	parts := 1
	if len(t.order) > 1 && t.heavyResults() {
		parts = min(runtime.GOMAXPROCS(0), len(t.order))
	}
	errs := make([]error, parts)
	var wg sync.WaitGroup
	for p := range parts {
		lo, hi := p*len(t.order)/parts, (p+1)*len(t.order)/parts
		work := func() {
			for i, g := range t.order[lo:hi] {
				row := make(Row, 0, len(g.key)+len(g.accs))
				row = append(row, g.key...)
				for _, a := range g.accs {
					v, err := a.result()
					if err != nil {
						errs[p] = err
						return
					}
					row = append(row, v)
				}
				rows[lo+i] = row
			}
		}
		if p == parts-1 {
			work()
			continue
		}
		wg.Add(1)
		go func() { defer wg.Done(); work() }()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return rows, nil
}

// heavyResults reports whether working out a group's results costs more
// than reading a counter: percentiles select among their values.
func (t *groupTable) heavyResults() bool {
	for _, s := range t.specs {
		if heavyAgg(s.call.Name) {
			return true
		}
	}
	return false
}

func (o *aggOp) Next(ctx context.Context) ([]Row, error) {
	if o.out != nil {
		return o.out.Next(ctx)
	}
	t := newGroupTable(o.q.mem, o.keys, o.specs)
	for {
		b, err := o.in.Next(ctx)
		if err != nil {
			return nil, err
		}
		if b == nil {
			break
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		for _, r := range b {
			if err := t.add(r); err != nil {
				return nil, err
			}
		}
	}
	t.top = o.q.aggTops[o.n]
	rows, err := t.rows()
	if err != nil {
		return nil, err
	}
	o.out = &rowsOp{rows: rows}
	return o.out.Next(ctx)
}

func isNull(v types.Value) bool { return v.IsNull() || v.IsUndefined() }

type countAcc struct {
	star bool
	n    int64
}

func (a *countAcc) add(args []types.Value) error {
	if a.star || !isNull(args[0]) {
		a.n++
	}
	return nil
}
func (a *countAcc) result() (types.Value, error) { return types.Int(a.n), nil }

type countIfAcc struct{ n int64 }

func (a *countIfAcc) add(args []types.Value) error {
	if truthy(args[0]) {
		a.n++
	}
	return nil
}
func (a *countIfAcc) result() (types.Value, error) { return types.Int(a.n), nil }

// sumAcc sums numbers: ints exactly (switching to float beyond int64, as
// PostgreSQL's numeric would not overflow), floats as float.
type sumAcc struct {
	any     bool
	isFloat bool
	i       int64
	f       float64
	// ivs sums intervals (an interval once any was added): the sum when
	// no number came.
	ivs types.Value
}

func (a *sumAcc) add(args []types.Value) error {
	v := args[0]
	switch v.Kind() {
	case types.KindInt:
		a.addInt(v.Int())
	case types.KindFloat:
		a.addFloat(v.Float())
	case types.KindInterval:
		return a.addInterval(v)
	case types.KindNull, types.KindUndefined:
	default:
		// Rockset: non-numeric values are skipped by SUM.
	}
	return nil
}

// addInterval adds an interval to the sum of intervals, as PostgreSQL's
// sum(interval) does (22003 when it overflows).
func (a *sumAcc) addInterval(v types.Value) error {
	var err error
	a.ivs, err = addToIntervalSum(a.ivs, v)
	return err
}

// addToIntervalSum returns sum + v, sum being none (not an interval) before
// the first.
func addToIntervalSum(sum, v types.Value) (types.Value, error) {
	if sum.Kind() != types.KindInterval {
		return v, nil
	}
	return fn.Arith('+', sum, v)
}

func (a *sumAcc) addInt(x int64) {
	a.any = true
	if a.isFloat {
		a.f += float64(x)
		return
	}
	s := a.i + x
	if (s > a.i) != (x > 0) && x != 0 {
		a.isFloat = true
		a.f = float64(a.i) + float64(x)
		return
	}
	a.i = s
}

func (a *sumAcc) addFloat(x float64) {
	a.any = true
	if !a.isFloat {
		a.isFloat = true
		a.f = float64(a.i)
	}
	a.f += x
}

func (a *sumAcc) result() (types.Value, error) {
	if !a.any {
		if a.ivs.Kind() == types.KindInterval {
			return a.ivs, nil
		}
		return types.Null, nil
	}
	if a.isFloat {
		return types.Float(a.f), nil
	}
	return types.Int(a.i), nil
}

// statsAcc computes AVG, variances and standard deviations with Welford's
// algorithm.
type statsAcc struct {
	kind     string
	n        float64
	mean, m2 float64
	sum      float64
	// ivs and ivn are AVG's sum and count of intervals: its result when no
	// number came.
	ivs types.Value
	ivn float64
}

func (a *statsAcc) add(args []types.Value) error {
	v := args[0]
	var x float64
	switch v.Kind() {
	case types.KindInt:
		x = float64(v.Int())
	case types.KindFloat:
		x = v.Float()
	case types.KindInterval:
		if a.kind != "avg" {
			return nil
		}
		return a.addInterval(v, 1)
	default:
		return nil
	}
	a.addFloat(x)
	return nil
}

// addFloat adds the number x.
func (a *statsAcc) addFloat(x float64) {
	a.n++
	a.sum += x
	d := x - a.mean
	a.mean += d / a.n
	a.m2 += d * (x - a.mean)
}

// addInterval adds n intervals summing to v.
func (a *statsAcc) addInterval(v types.Value, n float64) error {
	a.ivn += n
	var err error
	a.ivs, err = addToIntervalSum(a.ivs, v)
	return err
}

func (a *statsAcc) result() (types.Value, error) {
	switch a.kind {
	case "avg":
		if a.n == 0 {
			if a.ivn > 0 {
				// PostgreSQL's interval_avg: the sum divided by the count.
				return fn.Arith('/', a.ivs, types.Float(a.ivn))
			}
			return types.Null, nil
		}
		return types.Float(a.sum / a.n), nil
	case "var_pop", "stddev_pop":
		if a.n == 0 {
			return types.Null, nil
		}
		v := a.m2 / a.n
		if a.kind == "stddev_pop" {
			v = math.Sqrt(v)
		}
		return types.Float(v), nil
	}
	if a.n < 2 {
		return types.Null, nil
	}
	v := a.m2 / (a.n - 1)
	if strings.HasPrefix(a.kind, "stddev") {
		v = math.Sqrt(v)
	}
	return types.Float(v), nil
}

type minMaxAcc struct {
	min bool
	has bool
	v   types.Value
}

func (a *minMaxAcc) add(args []types.Value) error {
	v := args[0]
	if isNull(v) {
		return nil
	}
	if !a.has {
		a.has, a.v = true, own(v)
		return nil
	}
	c := types.Compare(v, a.v)
	if (a.min && c < 0) || (!a.min && c > 0) {
		a.v = own(v)
	}
	return nil
}

// addInt adds an int or a timestamp (kind) x, comparing int64s while the
// value held is of the same kind.
func (a *minMaxAcc) addInt(kind types.Kind, x int64) {
	if !a.has || a.v.Kind() != kind {
		_ = a.add([]types.Value{intOfKind(kind, x)})
		return
	}
	if y := a.v.Int(); a.min && x < y || !a.min && x > y {
		a.v = intOfKind(kind, x)
	}
}

// addFloat adds the float x, comparing float64s while the value held is a
// float and neither is NaN (which orders above every number).
func (a *minMaxAcc) addFloat(x float64) {
	if !a.has || a.v.Kind() != types.KindFloat || x != x || a.v.Float() != a.v.Float() {
		_ = a.add([]types.Value{types.Float(x)})
		return
	}
	if y := a.v.Float(); a.min && x < y || !a.min && x > y {
		a.v = types.Float(x)
	}
}

// intOfKind is the value of kind (int or timestamp) x.
func intOfKind(kind types.Kind, x int64) types.Value {
	if kind == types.KindTimestamp {
		return types.Timestamp(x)
	}
	return types.Int(x)
}

func (a *minMaxAcc) result() (types.Value, error) {
	if !a.has {
		return types.Null, nil
	}
	return a.v, nil
}

type byAcc struct {
	min bool
	has bool
	v   types.Value
	by  types.Value
}

func (a *byAcc) add(args []types.Value) error {
	if isNull(args[1]) {
		return nil
	}
	c := 0
	if a.has {
		c = types.Compare(args[1], a.by)
	}
	if !a.has || (a.min && c < 0) || (!a.min && c > 0) {
		a.has, a.v, a.by = true, own(args[0]), own(args[1])
	}
	return nil
}

func (a *byAcc) result() (types.Value, error) {
	if !a.has {
		return types.Null, nil
	}
	return a.v, nil
}

type boolAcc struct {
	and bool
	has bool
	v   bool
}

func (a *boolAcc) add(args []types.Value) error {
	v := args[0]
	if isNull(v) {
		return nil
	}
	if v.Kind() != types.KindBool {
		return sqlerr.New(sqlerr.DatatypeMismatch, "bool_and/bool_or expect booleans, got %s", v.Kind())
	}
	if !a.has {
		a.has, a.v = true, v.Bool()
	} else if a.and {
		a.v = a.v && v.Bool()
	} else {
		a.v = a.v || v.Bool()
	}
	return nil
}

func (a *boolAcc) result() (types.Value, error) {
	if !a.has {
		return types.Null, nil
	}
	return types.Bool(a.v), nil
}

type anyAcc struct {
	has bool
	v   types.Value
}

func (a *anyAcc) add(args []types.Value) error {
	if !a.has && !isNull(args[0]) {
		a.has, a.v = true, own(args[0])
	}
	return nil
}

func (a *anyAcc) result() (types.Value, error) {
	if !a.has {
		return types.Null, nil
	}
	return a.v, nil
}

// listAcc is ARRAY_AGG and STRING_AGG.
type listAcc struct {
	mem  *memAccount
	kind string
	vals []types.Value
	seps []string
	any  bool
}

func (a *listAcc) add(args []types.Value) error {
	v := args[0]
	if a.kind == "string" {
		if isNull(v) {
			return nil
		}
		s, err := fn.Cast(v, "string")
		if err != nil {
			return err
		}
		sep := ""
		if len(args) > 1 && args[1].Kind() == types.KindString {
			sep = args[1].Str()
		}
		a.vals = append(a.vals, own(s))
		a.seps = append(a.seps, strings.Clone(sep))
		return chargeEvery(a.mem, len(a.vals), 48)
	}
	a.any = true
	if v.IsUndefined() {
		v = types.Null
	}
	a.vals = append(a.vals, own(v))
	return chargeEvery(a.mem, len(a.vals), 32)
}

func (a *listAcc) result() (types.Value, error) {
	if a.kind == "string" {
		if len(a.vals) == 0 {
			return types.Null, nil
		}
		var b strings.Builder
		for i, v := range a.vals {
			if i > 0 {
				b.WriteString(a.seps[i])
			}
			b.WriteString(v.Str())
		}
		return types.String(b.String()), nil
	}
	if !a.any {
		return types.Null, nil
	}
	return types.Array(a.vals), nil
}

type percentileAcc struct {
	mem  *memAccount
	kind string
	desc bool // WITHIN GROUP (ORDER BY x DESC): disc sorts down, cont mirrors frac
	frac float64
	set  bool
	// fracs are the fractions of percentile_cont(ARRAY[…]): the answer is
	// an array, one result per fraction (NULL for a NULL one); multi marks
	// that form. nullFrac: the fraction is NULL, and so is the answer.
	fracs    []types.Value
	multi    bool
	nullFrac bool
	// fracErr is an array's bad fraction: as in PostgreSQL it fails the
	// query only when the group has a value to answer with.
	fracErr error
	vals    []float64
	raw     []types.Value
	// ivs are percentile_cont's intervals: its answer when no number came,
	// interpolated as PostgreSQL's interval_lerp does.
	ivs []types.Value
}

func (a *percentileAcc) add(args []types.Value) error {
	// percentile_cont(f) WITHIN GROUP (ORDER BY x): args = [f, x];
	// approx_percentile(x, f): args = [x, f].
	fv, xv := args[0], types.Undefined
	if len(args) > 1 {
		xv = args[1]
	}
	if a.kind == "approx_percentile" {
		xv, fv = args[0], args[1]
	}
	if !a.set {
		if err := a.setFraction(fv); err != nil {
			return err
		}
	}
	if isNull(xv) {
		return nil
	}
	if a.kind == "percentile_disc" {
		a.raw = append(a.raw, own(xv))
		return chargeEvery(a.mem, len(a.raw), 32)
	}
	switch xv.Kind() {
	case types.KindInt:
		a.vals = append(a.vals, float64(xv.Int()))
	case types.KindFloat:
		a.vals = append(a.vals, xv.Float())
	case types.KindInterval:
		if a.kind == "percentile_cont" {
			a.ivs = append(a.ivs, xv)
			return chargeEvery(a.mem, len(a.ivs), 40)
		}
	}
	return chargeEvery(a.mem, len(a.vals), 8)
}

// setFraction reads the fraction (from the group's first row: it is a
// constant of the query): a number, NULL, or, for percentile_cont and
// percentile_disc, an array of them. Each must lie in [0, 1] (22003, as
// PostgreSQL).
func (a *percentileAcc) setFraction(fv types.Value) error {
	a.set = true
	if isNull(fv) {
		a.nullFrac = true
		return nil
	}
	one := func(v types.Value) (float64, error) {
		f, err := fn.Cast(v, "float")
		if err != nil || f.Kind() != types.KindFloat || !(f.Float() >= 0 && f.Float() <= 1) {
			return 0, sqlerr.New(sqlerr.NumericOutOfRange, "percentile value %s is not between 0 and 1", v.JSON())
		}
		if a.desc && a.kind == "percentile_cont" {
			return 1 - f.Float(), nil // position f·(n-1) from the top
		}
		return f.Float(), nil
	}
	if fv.Kind() == types.KindArray && a.kind != "approx_percentile" {
		a.multi = true
		a.fracs = make([]types.Value, len(fv.Elems()))
		for i, e := range fv.Elems() {
			if isNull(e) {
				a.fracs[i] = types.Null
				continue
			}
			if e.Kind() == types.KindArray {
				return sqlerr.New(sqlerr.FeatureNotSupported, "%s of a multidimensional array of fractions is not supported", a.kind)
			}
			f, err := one(e)
			if err != nil {
				a.fracErr = err
				return nil
			}
			a.fracs[i] = types.Float(f)
		}
		return nil
	}
	f, err := one(fv)
	a.frac = f
	return err
}

// intervalResult is percentile_cont of intervals: lo + (hi - lo) × the
// fraction between them, in interval arithmetic.
func (a *percentileAcc) intervalResult() (types.Value, error) {
	// In the order asked for, at the fraction asked for: equal spans may
	// still differ in their parts, and PostgreSQL interpolates from the
	// first of the order.
	frac := a.frac
	slices.SortFunc(a.ivs, types.Compare)
	if a.desc {
		slices.Reverse(a.ivs)
		frac = 1 - a.frac // add mirrored it
	}
	pos := frac * float64(len(a.ivs)-1)
	lo := int(math.Floor(pos))
	x, y := a.ivs[lo], a.ivs[int(math.Ceil(pos))]
	d, err := fn.Arith('-', y, x)
	if err != nil {
		return types.Value{}, err
	}
	if d, err = fn.Arith('*', d, types.Float(pos-float64(lo))); err != nil {
		return types.Value{}, err
	}
	return fn.Arith('+', d, x)
}

func (a *percentileAcc) result() (types.Value, error) {
	if a.nullFrac || !a.multi {
		if a.nullFrac {
			return types.Null, nil
		}
		return a.resultAt()
	}
	// An array of fractions: NULL when no value came (as for one
	// fraction), else an array of the answers at each.
	if len(a.vals) == 0 && len(a.raw) == 0 && len(a.ivs) == 0 {
		return types.Null, nil
	}
	if a.fracErr != nil {
		return types.Value{}, a.fracErr
	}
	out := make([]types.Value, len(a.fracs))
	for i, f := range a.fracs {
		if isNull(f) {
			out[i] = types.Null
			continue
		}
		a.frac = f.Float()
		v, err := a.resultAt()
		if err != nil {
			return types.Value{}, err
		}
		out[i] = v
	}
	return types.Array(out), nil
}

// resultAt is the answer at the fraction a.frac.
func (a *percentileAcc) resultAt() (types.Value, error) {
	if a.kind == "percentile_disc" {
		if len(a.raw) == 0 {
			return types.Null, nil
		}
		sort.SliceStable(a.raw, func(i, j int) bool {
			c := types.Compare(a.raw[i], a.raw[j])
			return c < 0 && !a.desc || c > 0 && a.desc
		})
		i := int(math.Ceil(a.frac*float64(len(a.raw)))) - 1
		if i < 0 {
			i = 0
		}
		return a.raw[i], nil
	}
	if len(a.vals) == 0 {
		if len(a.ivs) > 0 {
			return a.intervalResult()
		}
		return types.Null, nil
	}
	pos := a.frac * float64(len(a.vals)-1)
	lo := int(math.Floor(pos))
	hi := int(math.Ceil(pos))
	selectFloat(a.vals, lo)
	x, y := a.vals[lo], a.vals[lo]
	if hi > lo {
		// The next order statistic is the least value after lo.
		y = a.vals[hi]
		for _, v := range a.vals[lo+1:] {
			if floatLess(v, y) {
				y = v
			}
		}
	}
	return types.Float(x + (y-x)*(pos-float64(lo))), nil
}

// distinctAcc feeds its aggregate each distinct value once (COUNT has
// countDistinctAcc).
type distinctAcc struct {
	in   accumulator
	seen map[string]bool
	buf  []byte
}

func newDistinctAcc(in accumulator) *distinctAcc {
	return &distinctAcc{in: in, seen: map[string]bool{}}
}

func (a *distinctAcc) add(args []types.Value) error {
	a.buf = rowKey(a.buf[:0], args[:1])
	if a.seen[string(a.buf)] {
		return nil
	}
	a.seen[string(a.buf)] = true
	return a.in.add(args)
}
func (a *distinctAcc) result() (types.Value, error) { return a.in.result() }

// orderedAcc buffers the arguments and feeds them in ORDER BY order.
type orderedAcc struct {
	mem  *memAccount
	in   accumulator
	keys []plan.SortKey
	rows [][]types.Value
}

func (a *orderedAcc) add(args []types.Value) error {
	c := make([]types.Value, len(args))
	for i, v := range args {
		c[i] = own(v)
	}
	a.rows = append(a.rows, c)
	return chargeEvery(a.mem, len(a.rows), 32*len(c)+24)
}

func (a *orderedAcc) result() (types.Value, error) {
	nk := len(a.keys)
	sort.SliceStable(a.rows, func(i, j int) bool {
		ri, rj := a.rows[i], a.rows[j]
		return compareKeys(ri[len(ri)-nk:], rj[len(rj)-nk:], a.keys) < 0
	})
	for _, r := range a.rows {
		if err := a.in.add(r[:len(r)-nk+boolToInt(a.withinGroup())]); err != nil {
			return types.Value{}, err
		}
	}
	return a.in.result()
}

// withinGroup: percentile accumulators read the ordered value itself as
// their second argument.
func (a *orderedAcc) withinGroup() bool {
	_, ok := a.in.(*percentileAcc)
	return ok
}

func boolToInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

type errAcc struct{ name string }

func (a *errAcc) add([]types.Value) error {
	return sqlerr.New(sqlerr.FeatureNotSupported, "aggregate %s is not supported", a.name)
}
func (a *errAcc) result() (types.Value, error) { return types.Value{}, a.add(nil) }
