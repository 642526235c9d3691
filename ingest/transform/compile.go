package transform

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/basaltdb/basalt/sql/ast"
	"github.com/basaltdb/basalt/sql/exec"
	"github.com/basaltdb/basalt/sql/fn"
	"github.com/basaltdb/basalt/sql/parse"
	"github.com/basaltdb/basalt/sql/plan"
	"github.com/basaltdb/basalt/sql/sqlerr"
	"github.com/basaltdb/basalt/storage"
	"github.com/basaltdb/basalt/types"
)

// InputName is the relation a field mapping query reads: the documents
// being written.
const InputName = "_input"

// MetaRollup is the field of `_meta` where a rollup document keeps its
// aggregate states.
const MetaRollup = "rollup"

// ErrInvalid marks a field mapping query that cannot be a transformation;
// its message names the problem.
var ErrInvalid = errors.New("invalid field mapping query")

// Transform is a compiled field mapping query. It is immutable and safe for
// concurrent use: Apply compiles its own evaluators.
type Transform struct {
	sql string

	// star: the output starts from the input document, less except.
	star   bool
	except map[string]bool

	// cols are the input columns the expressions read: a field path of the
	// input document each.
	cols  []plan.ColID
	paths []types.Path
	// etCol is the position in cols of `_event_time`, or -1.
	etCol int
	where plan.Expr // nil: none

	// outNames and outExprs are the named targets; for a rollup they read
	// aggCols.
	outNames []string
	outExprs []plan.Expr

	rollup  bool
	keys    []plan.Expr
	aggs    []plan.AggCall
	aggCols []plan.ColID // the aggregate's output: keys, then aggregates
}

// SQL returns the query the transformation was compiled from.
func (t *Transform) SQL() string { return t.sql }

// IsRollup reports whether the query aggregates (GROUP BY or aggregate
// functions): the collection keeps one document per group.
func (t *Transform) IsRollup() bool { return t.rollup }

func invalidf(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalid, fmt.Sprintf(format, args...))
}

// Compile parses and checks a field mapping query. Errors wrap ErrInvalid
// and say what is wrong.
func Compile(query string) (*Transform, error) {
	t, err := compile(query)
	if err != nil {
		var se *sqlerr.Error
		if errors.As(err, &se) {
			// Wrapped whole, so callers can read the position (the HTTP
			// API's line and column); its text carries it too.
			located := *se
			if se.Line == 0 && se.Column < 0 {
				located.Line, located.Column = sqlerr.Position(query, -se.Column-1)
			}
			return nil, fmt.Errorf("%w: %w", ErrInvalid, &located)
		}
		if !errors.Is(err, ErrInvalid) {
			return nil, invalidf("%v", err)
		}
		return nil, err
	}
	return t, nil
}

func compile(query string) (*Transform, error) {
	if strings.TrimSpace(query) == "" {
		return nil, invalidf("the query is empty")
	}
	text, except, err := cutStarExcept(query)
	if err != nil {
		return nil, invalidf("%v", err)
	}
	stmt, err := parse.ParseOne(text)
	if err != nil {
		return nil, err
	}
	sel, ok := stmt.(*ast.Select)
	if !ok {
		return nil, invalidf("expected SELECT … FROM %s, got %T", InputName, stmt)
	}
	if err := checkShape(sel); err != nil {
		return nil, err
	}
	t := &Transform{sql: query, etCol: -1}
	if len(except) > 0 {
		t.except = map[string]bool{}
		for _, n := range except {
			t.except[n] = true
		}
	}
	// `*` is the input document itself; the binder would expand it to the
	// fields of a collection, and _input has none until documents arrive.
	alias := sel.From[0].(*ast.TableName).Alias
	var targets []ast.Target
	seen := map[string]bool{}
	for _, tg := range sel.Targets {
		if tg.Star {
			if tg.StarTable != "" && tg.StarTable != InputName && tg.StarTable != alias {
				return nil, invalidf("%s.* does not name %s", tg.StarTable, InputName)
			}
			if t.star {
				return nil, invalidf("* appears twice in the select list")
			}
			t.star = true
			continue
		}
		targets = append(targets, tg)
	}
	if t.except != nil && !t.star {
		return nil, invalidf("EXCEPT (…) needs *")
	}
	bound := *sel
	bound.Targets = targets
	b := plan.NewBinder(inputCatalog{}, plan.Params{}, &fn.Ctx{Now: time.Now().UnixMicro()})
	q, err := b.Bind(&bound)
	if err != nil {
		return nil, err
	}
	for _, o := range q.Out {
		if seen[o.Name] {
			return nil, invalidf("field %q is computed twice", o.Name)
		}
		seen[o.Name] = true
		if o.Name == storage.FieldMeta {
			return nil, invalidf("field %s is reserved for Basalt's own metadata", o.Name)
		}
	}
	if err := t.fromPlan(q); err != nil {
		return nil, err
	}
	if t.rollup {
		if t.star {
			return nil, invalidf("a rollup (GROUP BY or aggregates) cannot select *: name the keys and aggregates")
		}
		for _, n := range t.outNames {
			switch n {
			case storage.FieldID:
				return nil, invalidf("a rollup derives _id from its GROUP BY key; do not compute _id")
			case storage.FieldOp:
				return nil, invalidf("a rollup cannot compute _op")
			}
		}
		for _, a := range t.aggs {
			if err := exec.CheckRollupAgg(a); err != nil {
				return nil, err
			}
		}
	}
	// Compile once now, so that what would fail at the first write fails
	// at creation instead.
	if _, err := t.newEval(time.Now()); err != nil {
		return nil, err
	}
	return t, nil
}

// checkShape rejects what a transformation of single documents cannot do.
func checkShape(sel *ast.Select) error {
	switch {
	case len(sel.With) > 0:
		return invalidf("WITH is not supported in a field mapping query")
	case sel.SetOp != "":
		return invalidf("%s is not supported in a field mapping query", sel.SetOp)
	case sel.Values != nil:
		return invalidf("VALUES is not supported in a field mapping query; select FROM %s", InputName)
	case sel.Distinct || len(sel.DistinctOn) > 0:
		return invalidf("DISTINCT is not supported in a field mapping query")
	case len(sel.Windows) > 0:
		return invalidf("window functions are not supported in a field mapping query")
	case len(sel.OrderBy) > 0:
		return invalidf("ORDER BY is not supported in a field mapping query")
	case sel.Limit != nil || sel.Offset != nil:
		return invalidf("LIMIT and OFFSET are not supported in a field mapping query")
	case sel.Having != nil:
		return invalidf("HAVING is not supported in a rollup: a group's aggregates change with every batch")
	case len(sel.From) == 0:
		return invalidf("the query must read FROM %s", InputName)
	case len(sel.From) > 1:
		return invalidf("a field mapping query reads only FROM %s: joins are not supported", InputName)
	}
	switch f := sel.From[0].(type) {
	case *ast.TableName:
		if f.Schema != "" || f.Name != InputName {
			name := f.Name
			if f.Schema != "" {
				name = f.Schema + "." + name
			}
			return invalidf("a field mapping query reads FROM %s, not FROM %s", InputName, name)
		}
	case *ast.Join:
		return invalidf("a field mapping query reads only FROM %s: joins are not supported", InputName)
	default:
		return invalidf("a field mapping query reads FROM %s, not from a %T", InputName, f)
	}
	return nil
}

// fromPlan reads the bound plan: Project over [Aggregate over] [Filter
// over] Scan of _input.
func (t *Transform) fromPlan(q *plan.Query) error {
	p, ok := q.Root.(*plan.Project)
	if !ok {
		return invalidf("unsupported query shape (%T)", q.Root)
	}
	for i, o := range q.Out {
		t.outNames = append(t.outNames, o.Name)
		t.outExprs = append(t.outExprs, p.Exprs[i])
	}
	n := p.Input
	if a, ok := n.(*plan.Aggregate); ok {
		t.rollup = true
		t.keys, t.aggs, t.aggCols = a.Keys, a.Aggs, a.Cols()
		n = a.Input
	}
	if f, ok := n.(*plan.Filter); ok {
		t.where = f.Cond
		n = f.Input
	}
	s, ok := n.(*plan.Scan)
	if !ok {
		return invalidf("unsupported query shape (%T)", n)
	}
	for i, c := range s.Columns {
		path, err := types.ParsePath(c.Path)
		if err != nil {
			return invalidf("field path %q: %v", c.Path, err)
		}
		t.cols = append(t.cols, c.ID)
		t.paths = append(t.paths, path)
		if c.Path == storage.FieldEventTime {
			t.etCol = i
		}
	}
	var bad error
	check := func(e plan.Expr) {
		plan.Walk(e, func(x plan.Expr) bool {
			if _, ok := x.(*plan.SubqueryExpr); ok && bad == nil {
				bad = invalidf("subqueries are not supported in a field mapping query")
			}
			return true
		})
	}
	check(t.where)
	for _, e := range t.outExprs {
		check(e)
	}
	for _, e := range t.keys {
		check(e)
	}
	for _, a := range t.aggs {
		for _, e := range a.Args {
			check(e)
		}
		check(a.Filter)
	}
	return bad
}

// inputCatalog resolves _input, a collection of no known fields: every
// column reference is a path into the input document.
type inputCatalog struct{}

func (inputCatalog) Table(ws, name string) (plan.Table, error) {
	if ws != "" || name != InputName {
		return nil, invalidf("a field mapping query reads FROM %s, not FROM %s", InputName, name)
	}
	return inputTable{}, nil
}

type inputTable struct{}

func (inputTable) Workspace() string                    { return "" }
func (inputTable) Name() string                         { return InputName }
func (inputTable) Paths() []string                      { return nil }
func (inputTable) PathChildren(string) (bool, []string) { return false, nil }
func (inputTable) RowCount() int64                      { return 0 }
func (inputTable) PathKinds(path string) plan.Kinds     { return 0 }
