// Package ast is Basalt's own SQL syntax tree. sql/parse builds it from
// PostgreSQL's grammar (pg_query_go); the planner binds it. Keeping our own
// tree isolates the cgo parser in one package and lets the planner see only
// what Basalt supports.
//
// Positions (Pos) are 0-based byte offsets into the query text, -1 when
// unknown; sqlerr.Position turns them into line and column.
package ast

import "github.com/basaltdb/basalt/types"

// Statement is a parsed statement.
type Statement interface{ stmt() }

// Expr is a scalar expression.
type Expr interface{ expr() }

// TableExpr is an item of a FROM clause.
type TableExpr interface{ tableExpr() }

// Select is a query: a SELECT block, a VALUES list, or a set operation
// (SetOp != "") of two queries, with the clauses that apply to the whole
// (WITH, ORDER BY, LIMIT, OFFSET).
type Select struct {
	With []CTE

	// A SELECT block.
	Distinct   bool
	DistinctOn []Expr
	Targets    []Target
	From       []TableExpr
	Where      Expr
	GroupBy    []Expr
	// GroupingSets, when set, replaces GroupBy: GROUP BY ROLLUP, CUBE and
	// GROUPING SETS expanded into the sets of keys, each grouped apart.
	GroupingSets [][]Expr
	Having       Expr
	Windows      []WindowDef // WINDOW w AS (...)

	// VALUES (...), (...) when not nil (Targets and From empty).
	Values [][]Expr

	// A set operation: "UNION", "INTERSECT" or "EXCEPT" of Left and Right.
	SetOp       string
	SetAll      bool
	Left, Right *Select

	OrderBy []OrderItem
	Limit   Expr // nil: none; LIMIT ALL is nil too
	Offset  Expr
	Pos     int
}

// CTE is one WITH item. Recursive is set on every item of a WITH
// RECURSIVE clause; an item that reads its own name is then a recursive
// query (non-recursive term UNION [ALL] recursive term).
type CTE struct {
	Name      string
	Columns   []string
	Query     *Select
	Recursive bool
	Pos       int
	// Search and Cycle are the item's SEARCH and CYCLE clauses, nil when
	// absent.
	Search *CTESearch
	Cycle  *CTECycle
}

// CTESearch is `SEARCH DEPTH|BREADTH FIRST BY cols SET seq` of a
// recursive WITH item.
type CTESearch struct {
	BreadthFirst bool
	Cols         []string
	Seq          string
	Pos          int
}

// CTECycle is `CYCLE cols SET mark [TO value DEFAULT other] USING path`
// of a recursive WITH item. Mark and Default are constants (true and false
// when the clause names none).
type CTECycle struct {
	Cols          []string
	MarkCol       string
	Mark, Default Expr
	PathCol       string
	Pos           int
}

// Target is one item of the SELECT list. Star targets have Star set and Expr
// nil (`*` or `t.*` with StarTable set).
type Target struct {
	Expr      Expr
	Alias     string // "" when none given
	Star      bool
	StarTable string
	Pos       int
}

// OrderItem is one ORDER BY key.
type OrderItem struct {
	Expr Expr
	Desc bool
	// NullsFirst is nil for the default (PostgreSQL: NULLS LAST ascending,
	// NULLS FIRST descending).
	NullsFirst *bool
}

// WindowDef is a named window or an OVER clause.
type WindowDef struct {
	Name        string // for WINDOW w AS (...)
	Ref         string // OVER (w ...) refers to a named window
	PartitionBy []Expr
	OrderBy     []OrderItem
	Frame       *Frame
}

// Frame is a window frame: ROWS|RANGE|GROUPS BETWEEN Start AND End.
type Frame struct {
	Mode       string // "ROWS", "RANGE", "GROUPS"
	Start, End FrameBound
}

// FrameBound is one end of a frame.
type FrameBound struct {
	// Kind: "UNBOUNDED PRECEDING", "PRECEDING", "CURRENT ROW", "FOLLOWING",
	// "UNBOUNDED FOLLOWING".
	Kind   string
	Offset Expr // for PRECEDING / FOLLOWING
}

// ---- FROM items ----

// TableName names a collection (Schema = workspace, "" for the default) or a
// CTE.
type TableName struct {
	Schema     string
	Name       string
	Alias      string
	ColAliases []string
	Pos        int
}

// Join is a join of two FROM items.
type Join struct {
	Kind    string // "INNER", "LEFT", "RIGHT", "FULL", "CROSS"
	Left    TableExpr
	Right   TableExpr
	On      Expr
	Using   []string
	Natural bool
}

// SubqueryTable is a parenthesized query in FROM.
type SubqueryTable struct {
	Query      *Select
	Alias      string
	ColAliases []string
	Lateral    bool
}

// FuncTable is a function in FROM: UNNEST(expr, ...) [WITH ORDINALITY]
// [AS alias(col, ...)], or another set-returning function such as
// generate_series.
type FuncTable struct {
	Func           *Func
	Alias          string
	ColAliases     []string
	WithOrdinality bool
	Lateral        bool
	Pos            int
}

func (*TableName) tableExpr()     {}
func (*Join) tableExpr()          {}
func (*SubqueryTable) tableExpr() {}
func (*FuncTable) tableExpr()     {}

// ---- expressions ----

// Literal is a constant: numbers, strings, booleans and NULL. Typed string
// literals (`TIMESTAMP '…'`) are parsed as Cast of a string Literal.
type Literal struct {
	Value types.Value
	Pos   int
}

// IntervalLit is `INTERVAL '1 hour'` or `INTERVAL '5' MINUTE`: Text and the
// optional Unit ("" or "YEAR", "MONTH", "DAY", "HOUR", "MINUTE", "SECOND").
type IntervalLit struct {
	Text string
	Unit string
	Pos  int
}

// Param is a query parameter: `$1` (Index 1, Name "") or Rockset's named
// `:name` (Name set, Index 0).
type Param struct {
	Index int
	Name  string
	Pos   int
}

// ColumnRef is a dotted name: `a`, `t.a`, `a.b.c`, `ws.t.a`. Which prefix
// names a table and which part is a field path is decided by the binder.
type ColumnRef struct {
	Parts []string
	Pos   int
}

// Subscript is `x[i]` (1-based) on an array expression.
type Subscript struct {
	X     Expr
	Index Expr
	Pos   int
}

// FieldAccess is `(x).name`, and the field steps after a subscript
// (`a[1].b`).
type FieldAccess struct {
	X    Expr
	Name string
	Pos  int
}

// Unary is a prefix operator: "-", "+", "NOT".
type Unary struct {
	Op  string
	X   Expr
	Pos int
}

// Binary is an infix operator: arithmetic "+ - * / % ^", comparison
// "= <> < <= > >=", logic "AND OR", "||", and the PostgreSQL regex
// operators "~ ~* !~ !~*".
type Binary struct {
	Op   string
	L, R Expr
	Pos  int
}

// IsTest is `x IS [NOT] NULL`, `x IS [NOT] UNDEFINED`, `x IS [NOT] TRUE`,
// `x IS [NOT] FALSE`, `x IS [NOT] UNKNOWN`.
type IsTest struct {
	X    Expr
	What string // "NULL", "UNDEFINED", "TRUE", "FALSE", "UNKNOWN"
	Not  bool
	Pos  int
}

// IsDistinct is `l IS [NOT] DISTINCT FROM r`.
type IsDistinct struct {
	L, R Expr
	Not  bool
	Pos  int
}

// Between is `x [NOT] BETWEEN [SYMMETRIC] lo AND hi`.
type Between struct {
	X, Lo, Hi Expr
	Not       bool
	Symmetric bool
	Pos       int
}

// InList is `x [NOT] IN (a, b, …)`.
type InList struct {
	X    Expr
	List []Expr
	Not  bool
	Pos  int
}

// InSubquery is `x [NOT] IN (SELECT …)`.
type InSubquery struct {
	X     Expr
	Query *Select
	Not   bool
	Pos   int
}

// Exists is `[NOT] EXISTS (SELECT …)`.
type Exists struct {
	Query *Select
	Not   bool
	Pos   int
}

// Subquery is a scalar subquery `(SELECT …)`.
type Subquery struct {
	Query *Select
	Pos   int
}

// Quantified is `x op ANY|ALL (array)` or `x op ANY|ALL (SELECT …)` (Query
// set instead of Array).
type Quantified struct {
	X     Expr
	Op    string // comparison operator
	All   bool
	Array Expr
	Query *Select
	Pos   int
}

// Like is `x [NOT] LIKE|ILIKE pattern [ESCAPE e]`; SIMILAR TO is not
// supported.
type Like struct {
	X, Pattern Expr
	Escape     Expr
	Not        bool
	ILike      bool
	Pos        int
}

// Case is `CASE [operand] WHEN … THEN … [ELSE …] END`.
type Case struct {
	Operand Expr
	Whens   []When
	Else    Expr
	Pos     int
}

// When is one branch of a Case.
type When struct {
	Cond, Then Expr
}

// Cast is `CAST(x AS type)`, `x::type`, `TRY_CAST(x AS type)` and typed
// literals `TIMESTAMP '…'`. Type is the type name, lower case, with a
// `pg_catalog.` qualifier dropped (`int4`, `timestamptz`, `float8`), array
// types ending in "[]".
type Cast struct {
	X    Expr
	Type string
	Try  bool
	Pos  int
}

// Func is a function call, an aggregate or a window function. Name is lower
// case (schema-qualified names keep only the last part unless the schema is
// not pg_catalog, then "schema.name"). COALESCE, NULLIF, GREATEST, LEAST,
// EXTRACT(field FROM x) (as extract('field', x)), POSITION, SUBSTRING,
// TRIM, CURRENT_TIMESTAMP, CURRENT_DATE etc. all become Funcs.
type Func struct {
	Name        string
	Args        []Expr
	Star        bool // COUNT(*)
	Distinct    bool
	Filter      Expr
	OrderBy     []OrderItem // ARRAY_AGG(x ORDER BY y), STRING_AGG(…)
	WithinGroup []OrderItem // PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY x)
	Over        *WindowDef
	Pos         int
}

// ArrayLit is `ARRAY[a, b]`.
type ArrayLit struct {
	Elems []Expr
	Pos   int
}

// ArraySubquery is `ARRAY(SELECT …)`.
type ArraySubquery struct {
	Query *Select
	Pos   int
}

// RowExpr is `ROW(a, b)` or `(a, b)`.
type RowExpr struct {
	Elems []Expr
	Pos   int
}

func (*Literal) expr()       {}
func (*IntervalLit) expr()   {}
func (*Param) expr()         {}
func (*ColumnRef) expr()     {}
func (*Subscript) expr()     {}
func (*FieldAccess) expr()   {}
func (*Unary) expr()         {}
func (*Binary) expr()        {}
func (*IsTest) expr()        {}
func (*IsDistinct) expr()    {}
func (*Between) expr()       {}
func (*InList) expr()        {}
func (*InSubquery) expr()    {}
func (*Exists) expr()        {}
func (*Subquery) expr()      {}
func (*Quantified) expr()    {}
func (*Like) expr()          {}
func (*Case) expr()          {}
func (*Cast) expr()          {}
func (*Func) expr()          {}
func (*ArrayLit) expr()      {}
func (*ArraySubquery) expr() {}
func (*RowExpr) expr()       {}

// ---- other statements ----

// Insert is `INSERT INTO t [(cols)] SELECT … | VALUES …`.
type Insert struct {
	Table   *TableName
	Columns []string
	Query   *Select
}

// Explain is `EXPLAIN [ANALYZE] stmt`.
type Explain struct {
	Stmt    Statement
	Analyze bool
}

// Describe is Rockset's `DESCRIBE coll` (the inferred schema).
type Describe struct {
	Table *TableName
}

// Set is `SET [SESSION|LOCAL] name = value | TO value` and `RESET name`
// (Value nil).
type Set struct {
	Name  string
	Value []Expr
	Local bool
}

// Show is `SHOW name` (`SHOW ALL` has Name "all").
type Show struct {
	Name string
}

// Transaction is BEGIN, START TRANSACTION, COMMIT, END, ROLLBACK, ABORT;
// Op is one of "BEGIN", "COMMIT", "ROLLBACK".
type Transaction struct {
	Op string
}

// Empty is an empty statement (`;` alone or only comments).
type Empty struct{}

func (*Select) stmt()      {}
func (*Insert) stmt()      {}
func (*Explain) stmt()     {}
func (*Describe) stmt()    {}
func (*Set) stmt()         {}
func (*Show) stmt()        {}
func (*Transaction) stmt() {}
func (*Empty) stmt()       {}

// ExprPos returns the position of an expression (a 0-based byte offset
// into the query text), -1 when it has none.
func ExprPos(e Expr) int {
	switch e := e.(type) {
	case *Literal:
		return e.Pos
	case *IntervalLit:
		return e.Pos
	case *Param:
		return e.Pos
	case *ColumnRef:
		return e.Pos
	case *Subscript:
		return e.Pos
	case *FieldAccess:
		return e.Pos
	case *Unary:
		return e.Pos
	case *Binary:
		return e.Pos
	case *IsTest:
		return e.Pos
	case *IsDistinct:
		return e.Pos
	case *Between:
		return e.Pos
	case *InList:
		return e.Pos
	case *InSubquery:
		return e.Pos
	case *Exists:
		return e.Pos
	case *Subquery:
		return e.Pos
	case *Quantified:
		return e.Pos
	case *Like:
		return e.Pos
	case *Case:
		return e.Pos
	case *Cast:
		return e.Pos
	case *Func:
		return e.Pos
	case *ArrayLit:
		return e.Pos
	case *ArraySubquery:
		return e.Pos
	case *RowExpr:
		return e.Pos
	}
	return -1
}
