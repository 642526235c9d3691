package exec

import (
	"context"
	"runtime"

	"github.com/basaltdb/basalt/sql/plan"
	"github.com/basaltdb/basalt/types"
)

// joinOp is a hash join on the equi-keys (a nested-loop join without
// them): the right input is built into a hash table, the left probes it.
// Outer joins track unmatched rows; RIGHT and FULL emit the build side's
// unmatched rows at the end.
type joinOp struct {
	q        *Query
	kind     string
	left     Operator
	right    Operator
	lkeys    []evalFn
	rkeys    []evalFn
	rexprs   []plan.Expr // the build side's keys
	rcols    []int       // the build row's key columns, when the keys are columns
	cond     evalFn
	lw, rw   int
	built    bool
	table    *joinTable
	rrows    []Row
	rmatched []bool
	out      []Row
	finished bool
	kbuf     []byte
	kv       []types.Value
	pending  []Row
}

func (q *Query) newJoin(n *plan.Join) (Operator, error) {
	if n.LookupPath != "" {
		return q.newLookupJoin(n)
	}
	return q.newHashJoin(n)
}

// newHashJoin builds the inputs of n and compiles its keys and condition;
// the right input is nil for an index lookup join, which supplies one per
// batch.
func (q *Query) newHashJoin(n *plan.Join) (*joinOp, error) {
	l, err := q.build(n.Left)
	if err != nil {
		return nil, err
	}
	var r Operator
	if n.LookupPath == "" {
		if r, err = q.build(n.Right); err != nil {
			return nil, err
		}
	}
	o := &joinOp{q: q, kind: n.Kind, left: l, right: r, lw: len(n.Left.Cols()), rw: len(n.Right.Cols()), rexprs: n.EqR}
	ll, rl := layoutOf(n.Left.Cols()), layoutOf(n.Right.Cols())
	for i := range n.EqL {
		f, err := q.compile(n.EqL[i], ll)
		if err != nil {
			return nil, err
		}
		g, err := q.compile(n.EqR[i], rl)
		if err != nil {
			return nil, err
		}
		o.lkeys = append(o.lkeys, f)
		o.rkeys = append(o.rkeys, g)
	}
	o.rcols = keyColumns(n.EqR, rl)
	if n.Cond != nil {
		both := append(append([]plan.ColID(nil), n.Left.Cols()...), n.Right.Cols()...)
		f, err := q.compile(n.Cond, layoutOf(both))
		if err != nil {
			return nil, err
		}
		o.cond = f
	}
	return o, nil
}

// key returns the join key of r, or false when a key is NULL (never
// equal to anything).
func (o *joinOp) key(r Row, fs []evalFn) (bool, error) {
	var ok bool
	var err error
	o.kbuf, o.kv, ok, err = joinKey(o.kbuf[:0], o.kv[:0], r, fs)
	return ok, err
}

// joinKey appends the encoded join key of r to dst (kv is scratch); false
// when a key is NULL.
func joinKey(dst []byte, kv []types.Value, r Row, fs []evalFn) ([]byte, []types.Value, bool, error) {
	for _, f := range fs {
		v, err := f(r)
		if err != nil {
			return dst, kv, false, err
		}
		if isNull(v) {
			return dst, kv, false, nil
		}
		kv = append(kv, v)
	}
	return rowKey(dst, kv), kv, true, nil
}

// hashSide is the build side of a hash join: its rows, and their
// positions by join key. Read-only once built, so probes may share it.
type hashSide struct {
	rows  []Row
	table *joinTable
}

// keyColumns returns the positions in lay of the join keys exprs when each
// is a plain column, else nil: such keys are read straight from a row, by
// any number of goroutines at once (compiled expressions are not safe for
// concurrent use).
func keyColumns(exprs []plan.Expr, lay layout) []int {
	var cols []int
	for _, e := range exprs {
		c, ok := e.(*plan.ColRef)
		if !ok {
			return nil
		}
		i, ok := lay[c.ID]
		if !ok {
			return nil
		}
		cols = append(cols, i)
	}
	return cols
}

// buildHash reads the build side and makes its join table, keyed by keys
// (cols, when not nil, the key columns, as keyColumns gives them).
// The side of a whole-collection scan is kept (buildcache.go) and, while
// the collection holds the same documents, probed again by the next join
// that reads it alike (keyExprs are keys' expressions).
func (q *Query) buildHash(ctx context.Context, in Operator, keyExprs []plan.Expr, keys []evalFn, cols []int) (*hashSide, error) {
	s, key, scanFP, cacheable := cachedBuild(in, keyExprs)
	cacheable = cacheable && !q.NoBuildCache
	if cacheable {
		if e := joinBuilds.get(key, s.snap.Version()); e != nil {
			// Added: an index lookup join's scans share their stats.
			s.st.Segments += e.stats.Segments
			s.st.addScan(&e.stats)
			s.st.CachedBuild = true
			return e.side, q.mem.grow(e.bytes)
		}
		cacheable = joinBuilds.admit(key)
	}
	if !cacheable {
		scanFP = ""
	}
	var before NodeStats
	if cacheable {
		before = *s.st
	}
	h, err := q.buildHashOf(ctx, in, keys, cols, scanFP)
	if err != nil || !cacheable {
		return h, err
	}
	size := h.table.bytes()
	for _, r := range h.rows {
		size += rowBytes(r)
	}
	// This build's counts alone: an index lookup join's scans of every
	// batch add up in one NodeStats.
	stats := *s.st
	stats.subScan(&before)
	stats.Segments -= before.Segments
	joinBuilds.put(&buildEntry{key: key, seq: s.snap.Version().Seq, side: h, bytes: size, stats: stats})
	return h, nil
}

// buildHashOf reads in and builds its hash table; keep is scanAll's.
func (q *Query) buildHashOf(ctx context.Context, in Operator, keys []evalFn, cols []int, keep string) (*hashSide, error) {
	rows, ok, err := q.scanAll(ctx, in, keep)
	if err != nil {
		return nil, err
	}
	if !ok {
		if rows, err = q.drain(ctx, in); err != nil {
			return nil, err
		}
	}
	parts := 1
	if len(rows) >= parallelBuildRows {
		for parts*2 <= runtime.GOMAXPROCS(0) {
			parts *= 2
		}
	}
	t := newJoinTable(len(rows), parts)
	// The keys first, one after another in one arena (a worker per run
	// of rows when the keys are columns); then the table, a worker per
	// part.
	offs := make([]uint32, len(rows)+1)
	hashes := make([]uint64, len(rows))
	var arena []byte
	if cols != nil && parts > 1 {
		arena, err = t.columnKeys(ctx, rows, cols, parts, offs, hashes)
	} else {
		var kv []types.Value
		for i, r := range rows {
			off := len(arena)
			var ok bool
			if arena, kv, ok, err = joinKey(arena, kv[:0], r, keys); err != nil {
				return nil, err
			}
			if ok {
				hashes[i] = t.hash(arena[off:])
			} else {
				arena = arena[:off]
			}
			offs[i+1] = uint32(len(arena))
		}
	}
	if err != nil {
		return nil, err
	}
	if err := t.build(ctx, arena, offs, hashes); err != nil {
		return nil, err
	}
	return &hashSide{rows: rows, table: t}, q.mem.grow(t.bytes())
}

// columnKeys encodes the keys of rows (the values at cols) into one arena,
// setting offs and hashes as build wants them, with a worker per run of
// rows: each encodes its run into an arena of its own, and the runs are
// then laid end to end.
func (t *joinTable) columnKeys(ctx context.Context, rows []Row, cols []int, workers int, offs []uint32, hashes []uint64) ([]byte, error) {
	runs := make([][]byte, workers)
	per := (len(rows) + workers - 1) / workers
	err := runWorkers(ctx, workers, workers, func(_, w int) error {
		lo, hi := min(w*per, len(rows)), min((w+1)*per, len(rows))
		var arena []byte
		for i := lo; i < hi; i++ {
			off, ok := len(arena), true
			for _, c := range cols {
				if ok = !isNull(rows[i][c]); !ok {
					arena = arena[:off] // a NULL: no key
					break
				}
				arena = appendKey(arena, rows[i][c])
			}
			if ok {
				hashes[i] = t.hash(arena[off:])
			}
			offs[i+1] = uint32(len(arena)) // relative to the run, for now
		}
		runs[w] = arena
		return nil
	})
	if err != nil {
		return nil, err
	}
	total := 0
	for _, r := range runs {
		total += len(r)
	}
	arena := make([]byte, 0, total)
	for w, r := range runs {
		base := uint32(len(arena))
		for i := min(w*per, len(rows)) + 1; i <= min((w+1)*per, len(rows)); i++ {
			offs[i] += base
		}
		arena = append(arena, r...)
	}
	return arena, nil
}

// parallelBuildRows is the fewest build rows for which a hash table is
// filled by a worker per core, each inserting the keys of its part of the
// hash space.
const parallelBuildRows = 1 << 14

func (o *joinOp) build(ctx context.Context) error {
	h, err := o.q.buildHash(ctx, o.right, o.rexprs, o.rkeys, o.rcols)
	if err != nil {
		return err
	}
	o.rrows, o.table = h.rows, h.table
	o.rmatched = make([]bool, len(h.rows))
	o.built = true
	return nil
}

// nextCandidate returns the build row to try after ri, -1 at the end.
func (o *joinOp) nextCandidate(ri int32) int32 {
	if len(o.lkeys) > 0 {
		return o.table.next[ri]
	}
	if int(ri)+1 < len(o.rrows) {
		return ri + 1
	}
	return -1
}

func (o *joinOp) combine(l, r Row) Row {
	row := make(Row, o.lw+o.rw)
	if l == nil {
		for i := 0; i < o.lw; i++ {
			row[i] = types.Null
		}
	} else {
		copy(row, l)
	}
	if r == nil {
		for i := o.lw; i < o.lw+o.rw; i++ {
			row[i] = types.Null
		}
	} else {
		copy(row[o.lw:], r)
	}
	return row
}

func (o *joinOp) Next(ctx context.Context) ([]Row, error) {
	if !o.built {
		if err := o.build(ctx); err != nil {
			return nil, err
		}
	}
	for !o.finished {
		b, err := o.left.Next(ctx)
		if err != nil {
			return nil, err
		}
		if b == nil {
			o.finished = true
			break
		}
		o.out = o.out[:0]
		for _, l := range b {
			// One left batch can pair with millions of rows: stay
			// cancellable within it.
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			// A nested-loop join (no keys) tries every build row.
			ri := int32(min(len(o.rrows), 1) - 1)
			if len(o.lkeys) > 0 {
				ok, err := o.key(l, o.lkeys)
				if err != nil {
					return nil, err
				}
				ri = -1
				if ok {
					ri = o.table.first(o.kbuf)
				}
			}
			matched := false
			for ; ri >= 0; ri = o.nextCandidate(ri) {
				row := o.combine(l, o.rrows[ri])
				if o.cond != nil {
					v, err := o.cond(row)
					if err != nil {
						return nil, err
					}
					if !truthy(v) {
						continue
					}
				}
				matched = true
				o.rmatched[ri] = true
				switch o.kind {
				case "SEMI", "ANTI":
				default:
					o.out = append(o.out, row)
				}
				if o.kind == "SEMI" || o.kind == "ANTI" {
					break
				}
			}
			switch {
			case o.kind == "SEMI" && matched, o.kind == "ANTI" && !matched:
				o.out = append(o.out, l)
			case !matched && (o.kind == "LEFT" || o.kind == "FULL"):
				o.out = append(o.out, o.combine(l, nil))
			}
		}
		if len(o.out) > 0 {
			return o.out, nil
		}
	}
	if o.kind == "RIGHT" || o.kind == "FULL" {
		var rest []Row
		for i, m := range o.rmatched {
			if !m {
				rest = append(rest, o.combine(nil, o.rrows[i]))
			}
		}
		o.kind = "done"
		if len(rest) > 0 {
			return rest, nil
		}
	}
	return nil, nil
}

// setOp is UNION / INTERSECT / EXCEPT [ALL] by row keys.
type setOp struct {
	q           *Query
	op          string
	all         bool
	left, right Operator
	out         *rowsOp
}

func (q *Query) newSetOp(n *plan.SetOp) (Operator, error) {
	l, err := q.build(n.Left)
	if err != nil {
		return nil, err
	}
	r, err := q.build(n.Right)
	if err != nil {
		return nil, err
	}
	return &setOp{q: q, op: n.Op, all: n.All, left: l, right: r}, nil
}

func (o *setOp) Next(ctx context.Context) ([]Row, error) {
	if o.out != nil {
		return o.out.Next(ctx)
	}
	ls, err := o.q.drain(ctx, o.left)
	if err != nil {
		return nil, err
	}
	rs, err := o.q.drain(ctx, o.right)
	if err != nil {
		return nil, err
	}
	var out []Row
	var buf []byte
	key := func(r Row) string {
		buf = rowKey(buf[:0], r)
		return string(buf)
	}
	switch o.op {
	case "UNION":
		if o.all {
			out = append(ls, rs...)
			break
		}
		seen := map[string]bool{}
		for _, r := range append(ls, rs...) {
			k := key(r)
			if !seen[k] {
				seen[k] = true
				out = append(out, r)
			}
		}
	case "INTERSECT", "EXCEPT":
		counts := map[string]int{}
		for _, r := range rs {
			counts[key(r)]++
		}
		emitted := map[string]bool{}
		for _, r := range ls {
			k := key(r)
			in := counts[k] > 0
			if o.op == "INTERSECT" {
				if !in {
					continue
				}
				if o.all {
					counts[k]--
				} else if emitted[k] {
					continue
				}
			} else {
				if o.all {
					if in {
						counts[k]--
						continue
					}
				} else if in || emitted[k] {
					continue
				}
			}
			emitted[k] = true
			out = append(out, r)
		}
	}
	o.out = &rowsOp{rows: out}
	return o.out.Next(ctx)
}
