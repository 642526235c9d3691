package sql

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/basaltdb/basalt/catalog"
	"github.com/basaltdb/basalt/index"
	"github.com/basaltdb/basalt/sql/ast"
	"github.com/basaltdb/basalt/sql/exec"
	"github.com/basaltdb/basalt/sql/fn"
	"github.com/basaltdb/basalt/sql/plan"
	"github.com/basaltdb/basalt/sql/sqlerr"
	"github.com/basaltdb/basalt/storage"
	"github.com/basaltdb/basalt/types"
)

// DefaultWorkspace is where bare collection names resolve.
const DefaultWorkspace = "commons"

// Limits bound every statement of a session.
type Limits struct {
	Timeout     time.Duration // 0: none
	MaxRows     int64         // result rows; 0: none
	MemoryBytes int64         // operator memory; 0: none
}

// Session runs statements against an engine.
type Session struct {
	eng    *storage.Engine
	Limits Limits
	// Settings holds SET values (SHOW reads them).
	Settings map[string]string
	// Workspace is where bare collection names resolve; "" means
	// DefaultWorkspace.
	Workspace string
	// Auth, when set, is asked before each collection a statement reads or
	// writes (see Authorizer); nil allows everything.
	Auth Authorizer
	// Transformer applies field_mapping_query to INSERTs into collections
	// that have one; nil refuses such INSERTs.
	Transformer Transformer
	now         func() time.Time
	// noPlanCache makes every plan afresh (tests compare with it).
	noPlanCache bool
	// noBuildCache makes every hash join build its table (exec.Query).
	noBuildCache bool
	// scanCounts makes counts scan rather than read an index
	// (exec.Query.ScanCounts; tests compare with it).
	scanCounts bool
}

func (s *Session) workspace() string {
	if s.Workspace != "" {
		return s.Workspace
	}
	return DefaultWorkspace
}

// NewSession returns a session over eng.
// Transformer applies a collection's field_mapping_query to documents
// written through SQL (INSERT) and COPY. The transformation lives in
// ingest/transform, above this package; server/ hands it in.
type Transformer interface {
	// Transform returns the operations that write docs into col, and for
	// each input document the index of its operation in ops, or -1 when
	// the query's WHERE dropped it. Documents the query fails on have an
	// operation with Err set.
	Transform(ctx context.Context, col catalog.Collection, docs []types.Value) (ops []storage.WriteOp, of []int, err error)
}

func NewSession(eng *storage.Engine, limits Limits) *Session {
	return &Session{eng: eng, Limits: limits, Settings: map[string]string{}, now: time.Now}
}

// Column is a result column; Type is the kind its values share ("int",
// "string", …), "null" when all are null, or "mixed".
type Column struct {
	Name string
	Type string
}

// Result is a statement's answer.
type Result struct {
	Columns     []Column
	Rows        [][]types.Value
	Collections []string
	// Tag is the command tag: SELECT, INSERT, SET, …
	Tag string
	// RowsAffected for INSERT.
	RowsAffected int64
}

// Params are a statement's parameter values.
type Params = plan.Params

// Query parses and runs one statement.
func (s *Session) Query(ctx context.Context, text string, params Params) (*Result, error) {
	res, err := s.query(ctx, text, params)
	if err != nil {
		return nil, locate(err, text)
	}
	return res, nil
}

// locate turns byte positions carried in errors into line and column.
func locate(err error, text string) error {
	var e *sqlerr.Error
	if errors.As(err, &e) && e.Line == 0 && e.Column < 0 {
		e.Line, e.Column = sqlerr.Position(text, -e.Column-1)
	}
	return err
}

func (s *Session) query(ctx context.Context, text string, params Params) (*Result, error) {
	stmt, err := parseCached(text)
	if err != nil {
		return nil, err
	}
	if s.Limits.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, s.Limits.Timeout)
		defer cancel()
	}
	return s.Statement(ctx, stmt, params)
}

// Statement runs a parsed statement.
func (s *Session) Statement(ctx context.Context, stmt ast.Statement, params Params) (*Result, error) {
	switch st := stmt.(type) {
	case *ast.Select:
		return s.selectStmt(ctx, st, params, false, false)
	case *ast.Explain:
		sel, ok := st.Stmt.(*ast.Select)
		if !ok {
			return nil, sqlerr.New(sqlerr.FeatureNotSupported, "EXPLAIN supports SELECT only")
		}
		return s.selectStmt(ctx, sel, params, true, st.Analyze)
	case *ast.Describe:
		return s.describe(ctx, st)
	case *ast.Insert:
		return s.insert(ctx, st, params)
	case *ast.Set:
		if st.Value == nil {
			delete(s.Settings, strings.ToLower(st.Name))
		} else {
			var vals []string
			for _, v := range st.Value {
				if l, ok := v.(*ast.Literal); ok {
					if l.Value.Kind() == types.KindString {
						vals = append(vals, l.Value.Str())
					} else {
						vals = append(vals, l.Value.JSON())
					}
				} else if c, ok := v.(*ast.ColumnRef); ok {
					vals = append(vals, strings.Join(c.Parts, "."))
				}
			}
			s.Settings[strings.ToLower(st.Name)] = strings.Join(vals, ", ")
		}
		return &Result{Tag: "SET"}, nil
	case *ast.Show:
		name := strings.ToLower(st.Name)
		v, ok := s.Settings[name]
		if !ok {
			v = defaultSetting(name)
		}
		return &Result{Tag: "SHOW", Columns: []Column{{Name: name, Type: "string"}}, Rows: [][]types.Value{{types.String(v)}}}, nil
	case *ast.Transaction:
		return &Result{Tag: st.Op}, nil
	case *ast.Empty:
		return &Result{Tag: "EMPTY"}, nil
	}
	return nil, sqlerr.New(sqlerr.FeatureNotSupported, "statement %T is not supported", stmt)
}

func defaultSetting(name string) string {
	switch name {
	case "server_version":
		return "15.0"
	case "timezone":
		return "UTC"
	case "datestyle":
		return "ISO, MDY"
	case "client_encoding", "server_encoding":
		return "UTF8"
	case "standard_conforming_strings":
		return "on"
	case "transaction_isolation":
		return "repeatable read"
	case "search_path":
		return DefaultWorkspace
	}
	return ""
}

// snapshots opens one snapshot per collection a statement reads, so that
// every scan of a collection sees the same commit.
type snapshots struct {
	s    *Session
	open map[string]*table
}

func (c *snapshots) Table(ws, name string) (plan.Table, error) {
	if ws == "" {
		ws = c.s.workspace()
	}
	key := ws + "." + name
	if t, ok := c.open[key]; ok {
		return t, nil
	}
	if err := c.s.CheckRead(ws, name); err != nil {
		return nil, err
	}
	snap, err := c.s.eng.Snapshot(ws, name)
	if err != nil {
		if errors.Is(err, catalog.ErrNotFound) {
			return nil, sqlerr.New(sqlerr.UndefinedTable, "relation %q does not exist", key)
		}
		return nil, err
	}
	t := &table{ws: ws, name: name, snap: snap}
	c.open[key] = t
	return t, nil
}

// snapshot returns the snapshot of ws.name the statement opened.
func (c *snapshots) snapshot(ws, name string) (*storage.Snapshot, bool) {
	t, ok := c.open[ws+"."+name]
	if !ok {
		return nil, false
	}
	return t.snap, true
}

func (c *snapshots) close() {
	for _, t := range c.open {
		t.snap.Close()
		// A cached plan keeps its tables: not their segments.
		t.snap = nil
	}
}

// table adapts a storage snapshot to plan.Table and exec.SnapshotTable.
type table struct {
	ws, name string
	snap     *storage.Snapshot
	// What the binder asked, kept for the plan cache's checks.
	paths    []string
	kinds    map[string]plan.Kinds
	children map[string]pathChildren
}

// pathChildren is what PathChildren answered for a path.
type pathChildren struct {
	exists bool
	below  []string
}

// PathChildren answers for the snapshot, once per path.
func (t *table) PathChildren(path string) (bool, []string) {
	if c, ok := t.children[path]; ok {
		return c.exists, c.below
	}
	exists, below := t.snap.PathChildren(path)
	if t.children == nil {
		t.children = map[string]pathChildren{}
	}
	t.children[path] = pathChildren{exists, below}
	return exists, below
}

func (t *table) PathKinds(path string) plan.Kinds {
	if s, ok := t.kinds[path]; ok {
		return s
	}
	var s plan.Kinds
	for k, ok := range t.snap.PathKinds(path) {
		if ok {
			s |= plan.KindsOf(types.Kind(k))
		}
	}
	if t.kinds == nil {
		t.kinds = map[string]plan.Kinds{}
	}
	t.kinds[path] = s
	return s
}

func (t *table) Workspace() string { return t.ws }
func (t *table) Name() string      { return t.name }
func (t *table) Paths() []string {
	if t.paths == nil {
		// Never nil once asked: the plan cache tells "no paths" from
		// "not asked".
		t.paths = append([]string{}, t.snap.Paths()...)
	}
	return t.paths
}
func (t *table) RowCount() int64             { return t.snap.DocCount() }
func (t *table) Snapshot() *storage.Snapshot { return t.snap }

// CountIndex counts the live rows an index predicate selects, segment by
// segment (plan.IndexCounter).
func (t *table) CountIndex(path string, p index.Predicate) (int64, bool) {
	var n int64
	for _, v := range t.snap.Segments() {
		bm, err := v.Lookup(context.Background(), path, p)
		if err != nil {
			return 0, false
		}
		n += int64(bm.GetCardinality())
	}
	return n, true
}

func (s *Session) fnCtx() *fn.Ctx { return &fn.Ctx{Now: s.now().UnixMicro()} }

func (s *Session) selectStmt(ctx context.Context, sel *ast.Select, params Params, explain, analyze bool) (*Result, error) {
	defer s.eng.Foreground()()
	snaps := &snapshots{s: s, open: map[string]*table{}}
	defer snaps.close()
	fctx := s.fnCtx()
	q, colls, err := s.planOf(sel, params, snaps, fctx, !explain && !s.noPlanCache)
	if err != nil {
		return nil, err
	}
	res := &Result{Tag: "SELECT", Collections: colls}
	if explain && !analyze {
		return explainResult(res, plan.Explain(q.Root, nil)), nil
	}
	run := exec.NewQuery(fctx, exec.Limits{MaxRows: s.Limits.MaxRows, MemoryBytes: s.Limits.MemoryBytes})
	run.ScanCounts = s.scanCounts
	run.NoBuildCache = s.noBuildCache
	run.SetSnapshots(snaps.snapshot)
	start := time.Now()
	rows, err := run.Run(ctx, q.Root)
	if err != nil {
		return nil, err
	}
	if explain {
		text := plan.Explain(q.Root, func(n plan.Node) string {
			st := run.Stats(n)
			if st == nil {
				return ""
			}
			if _, ok := n.(*plan.Scan); ok {
				s := fmt.Sprintf("rows=%d segments=%d pruned=%d blocks=%d scanned=%d", st.Rows, st.Segments, st.SegmentsPruned, st.BlocksRead, st.RowsScanned)
				if st.SegmentsKept > 0 {
					s += fmt.Sprintf(" kept=%d", st.SegmentsKept)
				}
				if st.TopGroups > 0 {
					s += fmt.Sprintf(" top-groups=%d", st.TopGroups)
				}
				if st.DocsRead > 0 {
					s += fmt.Sprintf(" docs=%d", st.DocsRead)
				}
				if st.CachedBuild {
					// The counts are those of the build this
					// query reused.
					s += " build=cached"
				}
				return s
			}
			if st.Folded {
				return fmt.Sprintf("rows=%d folded", st.Rows)
			}
			return fmt.Sprintf("rows=%d", st.Rows)
		})
		text += fmt.Sprintf("Execution time: %.3f ms\n", float64(time.Since(start).Microseconds())/1000)
		return explainResult(res, text), nil
	}
	// Rows come out in the root's column order; reorder to the SELECT list.
	pos := map[plan.ColID]int{}
	for i, c := range q.Root.Cols() {
		pos[c] = i
	}
	res.Rows = make([][]types.Value, len(rows))
	for i, r := range rows {
		out := make([]types.Value, len(q.Out))
		for j, c := range q.Out {
			out[j] = r[pos[c.ID]]
		}
		res.Rows[i] = out
	}
	for j, c := range q.Out {
		res.Columns = append(res.Columns, Column{Name: c.Name, Type: columnType(res.Rows, j)})
	}
	return res, nil
}

// planOf returns the optimized plan of sel and the collections it reads,
// from the plan cache when it holds one (cache: look there and keep the
// plan made).
func (s *Session) planOf(sel *ast.Select, params Params, snaps *snapshots, fctx *fn.Ctx, cache bool) (*plan.Query, []string, error) {
	var key planKey
	if cache {
		key = s.planKeyOf(sel, params)
		p, err := plans.get(key, snaps)
		if err != nil {
			return nil, nil, err
		}
		if p != nil {
			return p.q, slices.Clone(p.colls), nil // a Result is the caller's
		}
	}
	b := plan.NewBinder(snaps, params, fctx)
	q, err := b.Bind(sel)
	if err != nil {
		return nil, nil, err
	}
	q.Root = plan.Optimize(q.Root, fctx)
	colls := dedupe(b.Collections)
	if cache && !b.Volatile {
		plans.misses.Add(1)
		plans.put(key, q, colls, snaps)
	}
	return q, colls, nil
}

func explainResult(res *Result, text string) *Result {
	res.Tag = "EXPLAIN"
	res.Columns = []Column{{Name: "QUERY PLAN", Type: "string"}}
	for _, line := range strings.Split(strings.TrimRight(text, "\n"), "\n") {
		res.Rows = append(res.Rows, []types.Value{types.String(line)})
	}
	return res
}

func columnType(rows [][]types.Value, j int) string {
	kind := types.KindNull
	for _, r := range rows {
		k := r[j].Kind()
		if k == types.KindNull || k == types.KindUndefined {
			continue
		}
		if kind == types.KindNull {
			kind = k
		} else if kind != k {
			return "mixed"
		}
	}
	return kind.String()
}

func dedupe(s []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, x := range s {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}

func (s *Session) describe(ctx context.Context, d *ast.Describe) (*Result, error) {
	snaps := &snapshots{s: s, open: map[string]*table{}}
	defer snaps.close()
	t, err := snaps.Table(d.Table.Schema, d.Table.Name)
	if err != nil {
		return nil, err
	}
	fields, err := t.(*table).snap.Schema(ctx)
	if err != nil {
		return nil, err
	}
	res := &Result{Tag: "DESCRIBE", Columns: []Column{{"field", "array"}, {"type", "string"}, {"occurrences", "int"}, {"total", "int"}}}
	total := t.RowCount()
	for _, f := range fields {
		p, err := types.ParsePath(f.Path)
		if err == nil && len(p) > 0 && !p[0].Wildcard && p[0].Name == plan.MetaField {
			continue // Basalt's own metadata, not the user's schema
		}
		var parts []types.Value
		if err == nil {
			for _, e := range p {
				if e.Wildcard {
					parts = append(parts, types.String("*"))
				} else {
					parts = append(parts, types.String(e.Name))
				}
			}
		} else {
			parts = []types.Value{types.String(f.Path)}
		}
		for k, n := range f.Counts {
			if n == 0 || types.Kind(k) == types.KindUndefined {
				continue
			}
			res.Rows = append(res.Rows, []types.Value{types.Array(parts), types.String(types.Kind(k).String()), types.Int(int64(n)), types.Int(total)})
		}
	}
	return res, nil
}

func (s *Session) insert(ctx context.Context, ins *ast.Insert, params Params) (*Result, error) {
	ws := ins.Table.Schema
	if ws == "" {
		ws = s.workspace()
	}
	if err := s.CheckWrite(ws, ins.Table.Name); err != nil {
		return nil, err
	}
	if ins.Query != nil && ins.Query.Values != nil && len(ins.Columns) == 0 {
		// PostgreSQL fills a table's columns in their order; a
		// collection's fields have none, and column1, column2 … would be
		// fields nobody asked for.
		return nil, sqlerr.New(sqlerr.Syntax, "INSERT INTO %s VALUES needs a column list, e.g. INSERT INTO %s (_id, a) VALUES ('x', 1): a collection's fields have no order", ins.Table.Name, ins.Table.Name)
	}
	col, err := s.eng.Catalog().Collection(ws, ins.Table.Name)
	transformed := err == nil && col.FieldMappingQuery != ""
	if transformed && s.Transformer == nil {
		// Rather than store rows that bypass the transformation (raw rows
		// in a rollup), refuse.
		return nil, sqlerr.New(sqlerr.FeatureNotSupported, "INSERT into %s.%s is not supported here: the collection has a field_mapping_query", ws, ins.Table.Name)
	}
	res, err := s.selectStmt(ctx, ins.Query, params, false, false)
	if err != nil {
		return nil, err
	}
	names := make([]string, len(res.Columns))
	for i, c := range res.Columns {
		names[i] = c.Name
	}
	if len(ins.Columns) > 0 {
		if len(ins.Columns) != len(names) {
			return nil, sqlerr.New(sqlerr.Syntax, "INSERT has %d target columns but %d expressions", len(ins.Columns), len(names))
		}
		names = ins.Columns
	}
	ops := make([]storage.WriteOp, 0, len(res.Rows))
	for _, r := range res.Rows {
		var fields []types.Field
		for i, v := range r {
			if v.IsUndefined() {
				continue
			}
			// A document holds no intervals: they are stored as their
			// ISO-8601 text, as they render.
			fields = append(fields, types.Field{Name: names[i], Value: types.Storable(v)})
		}
		ops = append(ops, storage.WriteOp{Kind: storage.OpUpsert, Doc: types.Object(fields)})
	}
	kept := int64(len(ops))
	if transformed {
		docs := make([]types.Value, len(ops))
		for i, op := range ops {
			docs[i] = op.Doc
		}
		tops, of, err := s.Transformer.Transform(ctx, col, docs)
		if err != nil {
			return nil, err
		}
		kept = 0
		for _, j := range of {
			if j >= 0 {
				kept++
			}
		}
		ops = tops
	}
	// All rows or none, as an INSERT is in PostgreSQL.
	results, _, err := s.eng.WriteAll(ctx, ws, ins.Table.Name, ops)
	if err != nil {
		var de *storage.DocError
		switch {
		case errors.Is(err, catalog.ErrNotFound):
			return nil, sqlerr.New(sqlerr.UndefinedTable, "relation %q does not exist", ws+"."+ins.Table.Name)
		case errors.As(err, &de):
			return nil, sqlerr.New(sqlerr.DataException, "INSERT into %s.%s wrote nothing: %s", ws, ins.Table.Name, err)
		}
		return nil, err
	}
	for _, r := range results {
		if r.Err != nil {
			return nil, sqlerr.New(sqlerr.DataException, "document %q: %s", r.ID, r.Err.Message)
		}
	}
	// Rows a transformation's WHERE dropped are not counted; a rollup's
	// rows count once each, though they fold into fewer documents.
	return &Result{Tag: "INSERT", RowsAffected: kept, Collections: []string{ws + "." + ins.Table.Name}}, nil
}

// JoinBuildCacheStats returns the counts of the hash join build cache
// (exec.BuildCacheStats) for /metrics.
func JoinBuildCacheStats() (sideHits, segmentHits, kept, bytes int64) {
	return exec.BuildCacheStats()
}

// SetJoinBuildCacheBytes bounds the memory of the hash join build sides
// kept between queries, for the whole process (0: keep none).
func SetJoinBuildCacheBytes(n int64) { exec.SetBuildCacheBytes(n) }
