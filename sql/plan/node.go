package plan

import (
	"sync/atomic"

	"github.com/basaltdb/basalt/index"
	"github.com/basaltdb/basalt/types"
)

// Node is a logical plan operator. Cols lists its output columns in order.
type Node interface {
	Cols() []ColID
	Inputs() []Node
}

// ScanCol is one column a Scan produces: a field path of the collection.
// When the path has leaf columns below it (an object), the scan rebuilds
// the object from Children.
type ScanCol struct {
	ID       ColID
	Path     string
	Children []string
	// Leaf is set when the path has Children and is a leaf column too:
	// some documents hold an object there, others a scalar, null or array.
	// A document holds one or the other, so a defined leaf value wins.
	Leaf bool
}

// IndexPred is a predicate answered by the inverted index: the rows whose
// value at Path satisfies Pred. Array membership uses the element path
// (`tags[*]`).
type IndexPred struct {
	Path string
	Pred index.Predicate
	// Exact reports that the lookup alone decides the predicate, so no
	// residual filter is needed for it.
	Exact bool
}

// Scan reads a collection.
type Scan struct {
	Table   Table
	Alias   string
	Columns []ScanCol
	// Filter is evaluated on every row the access path yields.
	Filter Expr
	// Index lookups intersected to choose the rows to read.
	Index []IndexPred
	// TimeLo/TimeHi bound `_event_time` (micros, inclusive) for zone-map
	// pruning; HasTime says they are set.
	HasTime        bool
	TimeLo, TimeHi int64
	// IDs, when not nil, restricts the scan to these `_id`s, looked up in
	// the row store.
	IDs []string
	// Limit, when > 0, lets the scan stop after that many rows (no
	// ordering required above it).
	Limit int64
	// execMemo holds what the executor derives from the scan alone (which
	// vectors to read, how to rebuild objects), made once for a plan the
	// plan cache runs many times.
	execMemo atomic.Value
}

// ExecMemo returns what SetExecMemo stored, nil before.
func (s *Scan) ExecMemo() any { return s.execMemo.Load() }

// SetExecMemo stores v, derived from the scan's fields alone: every run of
// the plan may use it, concurrently.
func (s *Scan) SetExecMemo(v any) { s.execMemo.Store(v) }

// Values produces constant rows.
type Values struct {
	Out  []ColID
	Rows [][]Expr
}

// Filter keeps rows where Cond is true.
type Filter struct {
	Input Node
	Cond  Expr
}

// Project computes expressions.
type Project struct {
	Input Node
	Exprs []Expr
	Out   []ColID
}

// AggCall is one aggregate of an Aggregate node.
type AggCall struct {
	Name     string // count, sum, avg, min, max, …
	Args     []Expr
	Star     bool
	Distinct bool
	Filter   Expr
	OrderBy  []SortKey // ARRAY_AGG/STRING_AGG order, WITHIN GROUP order
	Out      ColID
}

// Aggregate groups its input by Keys (output first, in order) and computes
// Aggs after them.
type Aggregate struct {
	Input   Node
	Keys    []Expr
	KeyCols []ColID
	Aggs    []AggCall
}

// SortKey is one ordering key.
type SortKey struct {
	Expr       Expr
	Desc       bool
	NullsFirst bool
}

// Sort orders rows; with Limit > 0 it keeps only the top Limit+Offset (a
// top-N sort).
type Sort struct {
	Input Node
	Keys  []SortKey
	Limit int64
}

// Limit skips Offset rows then passes at most Count (-1: all).
type Limit struct {
	Input         Node
	Count, Offset int64
}

// Distinct removes duplicate rows; with On set (DISTINCT ON), rows with
// equal On values after the first are removed.
type Distinct struct {
	Input Node
	On    []Expr
}

// Join joins two inputs. Kind: INNER, LEFT, RIGHT, FULL, CROSS, SEMI,
// ANTI. EqL/EqR are equi-join keys (hash join); Cond is the rest.
type Join struct {
	Kind     string
	Left     Node
	Right    Node
	EqL, EqR []Expr
	Cond     Expr
	// LookupPath, when set, makes this an index lookup join: Right is a
	// Scan, and for each batch of left rows it reads only the rows whose
	// LookupPath (the one right key, a scan column) equals a left key,
	// from the row store for `_id`, else through the inverted index.
	LookupPath string
}

// Unnest expands an array expression of its input row into one row per
// element (a lateral cross join): Out gets the element (and the 1-based
// ordinality when Ordinality is set). Cond, the ON condition of
// JOIN UNNEST(…) ON …, keeps only the element rows it holds for. With
// Outer (LEFT JOIN), an input row without such an element (its array
// empty or missing included) is kept once, with a NULL element. Spread,
// when set, are columns after Elem (and Ord) taking the values of an
// element that is itself an array: a LATERAL subquery's row.
type Unnest struct {
	Input      Node
	Array      Expr
	Elem       ColID
	Ord        ColID
	Ordinality bool
	Cond       Expr
	Outer      bool
	Spread     []ColID
}

// SetOp is UNION / INTERSECT / EXCEPT [ALL]; the output columns are Out
// and rows are matched positionally.
type SetOp struct {
	Op          string
	All         bool
	Left, Right Node
	Out         []ColID
}

// WorkTable names the working table of a recursive CTE: the rows its last
// step produced, which the recursive term's WorkScan reads.
type WorkTable struct {
	Name string
}

// RecursiveUnion is a WITH RECURSIVE query, run as PostgreSQL runs it: the
// rows of Init, then the rows of Recur run again and again, each time over
// the rows the step before produced (WorkScan of Work), until a step
// produces none. Without All, a row already produced is dropped (and does
// not feed the next step). Rows are matched positionally to Out.
//
// With Search or Cycle (the SEARCH and CYCLE clauses), Out ends with their
// columns (the search sequence, then the cycle mark and path), which the
// union computes: Init gives the CTE's own columns, Recur those and then
// the added columns of the working-table row it extends (passed through
// unchanged), as PostgreSQL's rewrite of the clauses arranges.
type RecursiveUnion struct {
	Init, Recur Node
	Work        *WorkTable
	All         bool
	Out         []ColID
	Search      *SearchSeq
	Cycle       *CycleMark
}

// SearchSeq is a SEARCH clause: the sequence column orders rows depth
// first (the array of the search columns' rows along the path, each row an
// array) or breadth first (the array of the depth, from 0, and the row's
// search columns).
type SearchSeq struct {
	BreadthFirst bool
	Cols         []int // indexes of the search columns among the CTE's
}

// CycleMark is a CYCLE clause: the path column is the array of the cycle
// columns' rows (each an array) along the path; the mark is Mark when a
// row's cycle columns are already on its path (equal as whole rows, NULLs
// equal), else Default, and a row whose mark is not distinct from Mark
// (mark <> Mark is not true) is not extended.
type CycleMark struct {
	Cols          []int
	Mark, Default types.Value
}

// WorkScan reads the working table of the RecursiveUnion whose Work is
// Table: the rows of its previous step, in the union's column order.
type WorkScan struct {
	Table *WorkTable
	Out   []ColID
}

// WindowFunc is one window function computation.
type WindowFunc struct {
	Name        string
	Args        []Expr
	Distinct    bool
	PartitionBy []Expr
	OrderBy     []SortKey
	Frame       *WindowFrame
	Out         ColID
}

// WindowFrame is a resolved frame. Offsets are nil for UNBOUNDED; Start
// and End kinds as in ast.FrameBound.
type WindowFrame struct {
	Mode               string
	StartKind, EndKind string
	StartOff, EndOff   Expr
}

// Window computes window functions over its input, appending one column
// per function.
type Window struct {
	Input Node
	Funcs []WindowFunc
}

// Cols returns the output columns.
func (n *Scan) Cols() []ColID {
	out := make([]ColID, len(n.Columns))
	for i, c := range n.Columns {
		out[i] = c.ID
	}
	return out
}
func (n *Values) Cols() []ColID  { return n.Out }
func (n *Filter) Cols() []ColID  { return n.Input.Cols() }
func (n *Project) Cols() []ColID { return n.Out }
func (n *Aggregate) Cols() []ColID {
	out := append([]ColID(nil), n.KeyCols...)
	for _, a := range n.Aggs {
		out = append(out, a.Out)
	}
	return out
}
func (n *Sort) Cols() []ColID     { return n.Input.Cols() }
func (n *Limit) Cols() []ColID    { return n.Input.Cols() }
func (n *Distinct) Cols() []ColID { return n.Input.Cols() }
func (n *Join) Cols() []ColID {
	if n.Kind == "SEMI" || n.Kind == "ANTI" {
		return n.Left.Cols()
	}
	return append(append([]ColID(nil), n.Left.Cols()...), n.Right.Cols()...)
}
func (n *Unnest) Cols() []ColID {
	out := append(append([]ColID(nil), n.Input.Cols()...), n.Elem)
	if n.Ordinality {
		out = append(out, n.Ord)
	}
	return append(out, n.Spread...)
}
func (n *SetOp) Cols() []ColID          { return n.Out }
func (n *RecursiveUnion) Cols() []ColID { return n.Out }
func (n *WorkScan) Cols() []ColID       { return n.Out }
func (n *Window) Cols() []ColID {
	out := append([]ColID(nil), n.Input.Cols()...)
	for _, f := range n.Funcs {
		out = append(out, f.Out)
	}
	return out
}

func (n *Scan) Inputs() []Node      { return nil }
func (n *Values) Inputs() []Node    { return nil }
func (n *Filter) Inputs() []Node    { return []Node{n.Input} }
func (n *Project) Inputs() []Node   { return []Node{n.Input} }
func (n *Aggregate) Inputs() []Node { return []Node{n.Input} }
func (n *Sort) Inputs() []Node      { return []Node{n.Input} }
func (n *Limit) Inputs() []Node     { return []Node{n.Input} }
func (n *Distinct) Inputs() []Node  { return []Node{n.Input} }
func (n *Join) Inputs() []Node      { return []Node{n.Left, n.Right} }
func (n *Unnest) Inputs() []Node    { return []Node{n.Input} }
func (n *SetOp) Inputs() []Node     { return []Node{n.Left, n.Right} }
func (n *Window) Inputs() []Node    { return []Node{n.Input} }
func (n *RecursiveUnion) Inputs() []Node {
	return []Node{n.Init, n.Recur}
}
func (n *WorkScan) Inputs() []Node { return nil }
