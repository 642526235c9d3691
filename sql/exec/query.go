package exec

import (
	"context"
	"fmt"
	"runtime/debug"
	"sync/atomic"

	"github.com/basaltdb/basalt/sql/fn"
	"github.com/basaltdb/basalt/sql/plan"
	"github.com/basaltdb/basalt/sql/sqlerr"
	"github.com/basaltdb/basalt/storage"
	"github.com/basaltdb/basalt/types"
)

// BatchRows is the most rows an operator returns per Next.
const BatchRows = 1024

// Operator is a running plan node.
type Operator interface {
	// Next returns the next rows, or nil at the end. The slice and the rows
	// are invalid after the next call.
	Next(ctx context.Context) ([]Row, error)
}

// SnapshotTable is implemented by the plan.Table values the session gives
// the binder: the collection as of one consistent snapshot.
type SnapshotTable interface {
	plan.Table
	Snapshot() *storage.Snapshot
}

// Limits bound a query's resources.
type Limits struct {
	// MaxRows stops the query when its result exceeds it (0: none).
	MaxRows int64
	// MemoryBytes bounds what operators hold (sorts, hash tables,
	// aggregates); 0 means unlimited.
	MemoryBytes int64
}

// Query runs a plan.
type Query struct {
	fnCtx  *fn.Ctx
	limits Limits
	outer  map[plan.ColID]*types.Value
	mem    *memAccount
	// Stats per node for EXPLAIN ANALYZE.
	stats map[plan.Node]*NodeStats
	ctx   context.Context
	// work holds the working table of each recursive query's current
	// step (recursive.go).
	work map[*plan.WorkTable][]Row
	// aggTops are the hints top-N sorts leave the aggregates under them.
	aggTops map[*plan.Aggregate]*aggTop
	// snapshots, when set, gives the snapshot a scan reads, by collection:
	// plans may be shared between statements, their tables not.
	snapshots func(ws, name string) (*storage.Snapshot, bool)
	// ScanCounts makes grouped counts scan every segment rather than read
	// them from an index (tests compare the two).
	ScanCounts bool
	// NoBuildCache makes every hash join build its table, neither
	// reusing a kept one nor keeping its own (tests compare the paths
	// of a build).
	NoBuildCache bool
}

// SetSnapshots makes scans read the snapshots f gives by collection rather
// than their plan.Table's: a cached plan's tables are another statement's.
func (q *Query) SetSnapshots(f func(ws, name string) (*storage.Snapshot, bool)) {
	q.snapshots = f
}

// NodeStats are what EXPLAIN ANALYZE reports per node.
type NodeStats struct {
	Rows    int64
	Batches int64
	// For scans.
	Segments, SegmentsPruned, BlocksRead, RowsScanned int64
	// CachedBuild: the scan is a hash join's build side, kept from an
	// earlier query over the same documents; the counts are that build's.
	CachedBuild bool
	// SegmentsKept counts the sealed segments whose rows a build side's
	// scan took from the build cache.
	SegmentsKept int64
	// TopGroups: the scan read only the rows of these many groups, those a
	// top-N sort by their count can keep (preselectTop).
	TopGroups int64
	// DocsRead counts the rows a top-N read whole, from their documents,
	// once it knew its winners (late materialization).
	DocsRead int64
	// Folded: the node's rows were folded into the aggregate above it as
	// workers made them, never handed up (aggUnnestOp).
	Folded bool
}

// NewQuery returns a runner.
func NewQuery(ctx *fn.Ctx, limits Limits) *Query {
	return &Query{fnCtx: ctx, limits: limits, outer: map[plan.ColID]*types.Value{}, mem: &memAccount{limit: limits.MemoryBytes}, stats: map[plan.Node]*NodeStats{}}
}

// Stats returns the statistics of node n after Run.
func (q *Query) Stats(n plan.Node) *NodeStats { return q.stats[n] }

// Run executes root and returns all its rows. A panic inside an operator is
// turned into an internal error: a query never crashes the server.
func (q *Query) Run(ctx context.Context, root plan.Node) (rows []Row, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = sqlerr.New(sqlerr.Internal, "internal error: %v\n%s", r, debug.Stack())
		}
	}()
	q.ctx = ctx
	op, err := q.build(root)
	if err != nil {
		return nil, err
	}
	for {
		b, err := op.Next(ctx)
		if err != nil {
			return nil, ctxErr(ctx, err)
		}
		if b == nil {
			return rows, nil
		}
		for _, r := range b {
			rows = append(rows, append(Row(nil), r...))
		}
		if q.limits.MaxRows > 0 && int64(len(rows)) > q.limits.MaxRows {
			return nil, sqlerr.New(sqlerr.ProgramLimit, "query result exceeds the limit of %d rows", q.limits.MaxRows)
		}
	}
}

// ctxErr turns a context error into the SQL error clients expect.
func ctxErr(ctx context.Context, err error) error {
	if ctx.Err() == nil {
		return err
	}
	if ctx.Err() == context.DeadlineExceeded {
		return &sqlerr.Error{Code: sqlerr.QueryCanceled, Message: "canceling statement due to statement timeout", Timeout: true}
	}
	return sqlerr.New(sqlerr.QueryCanceled, "canceling statement due to user request")
}

// memAccount tracks bytes held by operators against the query's budget.
// Workers of one operator share it.
type memAccount struct {
	used  atomic.Int64
	limit int64
}

// pressed reports whether the query holds half its budget or more:
// operators that buffer to save work then buffer less.
func (m *memAccount) pressed() bool {
	return m != nil && m.limit > 0 && m.used.Load() > m.limit/2
}

func (m *memAccount) grow(n int64) error {
	if m == nil {
		return nil
	}
	if used := m.used.Add(n); m.limit > 0 && used > m.limit {
		return sqlerr.New(sqlerr.OutOfMemory, "query exceeds its memory budget of %d bytes", m.limit)
	}
	return nil
}

// rowBytes estimates the memory of a row.
func rowBytes(r Row) int64 {
	n := int64(40 * len(r))
	for _, v := range r {
		switch v.Kind() {
		case types.KindString:
			n += int64(len(v.Str()))
		case types.KindArray, types.KindObject:
			n += int64(len(v.JSON()))
		}
	}
	return n
}

func (q *Query) build(n plan.Node) (Operator, error) {
	// A node built again (a recursive query's steps) adds to its counts.
	st := q.stats[n]
	if st == nil {
		st = &NodeStats{}
		q.stats[n] = st
	}
	op, err := q.buildNode(n)
	if err != nil {
		return nil, err
	}
	return &counting{in: op, st: st}, nil
}

func (q *Query) buildNode(n plan.Node) (Operator, error) {
	switch n := n.(type) {
	case *plan.Scan:
		return q.newScan(n)
	case *plan.Values:
		return q.newValues(n)
	case *plan.Filter:
		return q.newFilter(n)
	case *plan.Project:
		return q.newProject(n)
	case *plan.Aggregate:
		return q.newAggregate(n)
	case *plan.Sort:
		return q.newSort(n)
	case *plan.Limit:
		in, err := q.build(n.Input)
		if err != nil {
			return nil, err
		}
		return &limitOp{in: in, count: n.Count, offset: n.Offset}, nil
	case *plan.Distinct:
		return q.newDistinct(n)
	case *plan.Join:
		return q.newJoin(n)
	case *plan.Unnest:
		return q.newUnnest(n)
	case *plan.SetOp:
		return q.newSetOp(n)
	case *plan.Window:
		return q.newWindow(n)
	case *plan.RecursiveUnion:
		return q.newRecursive(n)
	case *plan.WorkScan:
		return q.newWorkScan(n)
	}
	return nil, fmt.Errorf("exec: unknown plan node %T", n)
}

type counting struct {
	in Operator
	st *NodeStats
}

func (c *counting) Next(ctx context.Context) ([]Row, error) {
	b, err := c.in.Next(ctx)
	if b != nil {
		c.st.Rows += int64(len(b))
		c.st.Batches++
	}
	return b, err
}

// drain reads all rows of op, copying them.
func (q *Query) drain(ctx context.Context, op Operator) ([]Row, error) {
	var out []Row
	for {
		b, err := op.Next(ctx)
		if err != nil {
			return nil, err
		}
		if b == nil {
			return out, nil
		}
		for _, r := range b {
			c := append(Row(nil), r...)
			if err := q.mem.grow(rowBytes(c)); err != nil {
				return nil, err
			}
			out = append(out, c)
		}
	}
}

// rowsOp returns materialized rows batch by batch.
type rowsOp struct {
	rows []Row
	pos  int
}

func (o *rowsOp) Next(ctx context.Context) ([]Row, error) {
	if o.pos >= len(o.rows) {
		return nil, nil
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	end := min(o.pos+BatchRows, len(o.rows))
	b := o.rows[o.pos:end]
	o.pos = end
	return b, nil
}
