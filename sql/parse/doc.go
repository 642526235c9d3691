// Package parse turns SQL text into Basalt's AST (sql/ast). It is the only
// package that imports pg_query_go, the cgo build of PostgreSQL's own
// parser, so the rest of the SQL layer never sees PostgreSQL's parse nodes
// and only this package pays the cgo build.
//
// # Pipeline
//
//	text ──Scan──▶ tokens ──rewrite──▶ PostgreSQL text ──pg_query.Parse──▶ parse tree ──translate──▶ []ast.Statement
//	                                        │                                                   ▲
//	                                        └──── position map, parameter names, markers ───────┘
//
// # Rewrite
//
// Rockset spellings that PostgreSQL's grammar lacks are rewritten before
// parsing, on the tokens of pg_query's own scanner (pg_query.Scan), never by
// searching the raw text: string literals, quoted identifiers and comments
// are single tokens (or skipped), so text inside them is never touched.
// Every edit replaces a token range; the translator recognizes the result by
// its location in the rewritten text, never by its spelling, so a user who
// writes the rewritten form directly gets its PostgreSQL meaning.
//
//   - `x IS [NOT] UNDEFINED`: the identifier UNDEFINED after IS or IS NOT
//     becomes NULL. The grammar puts a NullTest's location on its IS token,
//     so a NullTest whose IS is a recorded offset becomes
//     ast.IsTest{What: "UNDEFINED"}; precedence is exactly that of IS NULL.
//   - `:name` (a ':' token immediately followed by a name token): becomes
//     `$N`, numbered after the largest positional `$N` in the text, the same
//     number for every use of a name; ParamRefs with those numbers become
//     ast.Param{Name: name}. Names keep their case as written (a quoted
//     `:"x y"` loses its quotes). `::` is a separate token and is never
//     touched. Inside a subscript `a[1:2]` a ':' separates slice bounds and
//     is left alone; inside ARRAY[...] or parentheses it is a parameter.
//   - `TRY_CAST(x AS t)`: the TRY_CAST identifier (unquoted, unqualified,
//     followed by '(') becomes CAST; the grammar puts a TypeCast's location
//     on the CAST token, so that cast becomes ast.Cast{Try: true}.
//   - `DESCRIBE name` / `DESCRIBE ws.name` as the first token of a
//     statement: parsed here from the tokens (unquoted names are folded to
//     lower case like any identifier) and replaced by a stand-in statement
//     (SHOW basalt_describe) so that statements keep their order; the
//     RawStmt whose range holds the stand-in becomes the ast.Describe.
//
// A position map records each edit, so AST positions and syntax error
// positions (pg_query reports a 1-based character offset into the text it
// parsed) are mapped back to byte offsets of the original text; a syntax
// error that quotes a rewritten token quotes what the user wrote instead.
//
// # Errors
//
// All errors are *sqlerr.Error: 42601 for syntax errors, with Line and
// Column; 0A000 for constructs Basalt does not support, naming the construct
// (SIMILAR TO, WITH RECURSIVE, COLLATE, array slices, GROUPING SETS, INSERT
// … ON CONFLICT, and statements other than SELECT, VALUES, INSERT, EXPLAIN,
// SET, RESET, SHOW, transaction control and DESCRIBE); 22003 for a numeric
// literal out of float64 range.
//
// # Normalizations
//
// Type names lose a pg_catalog. qualifier and typmods (int → int4,
// varchar(10) → varchar, timestamp with time zone → timestamptz) and gain
// "[]" per array dimension. Function names are lower case, pg_catalog.
// dropped. CURRENT_TIMESTAMP becomes now(), the other SQL value functions
// (CURRENT_DATE, LOCALTIMESTAMP, CURRENT_USER …) functions of their own
// lower-case name, a precision becoming an argument. A cast of a string
// constant to interval (INTERVAL '1' HOUR, '1 hour'::interval) becomes
// ast.IntervalLit; field ranges (DAY TO SECOND) are not supported. LIMIT ALL
// is no limit. NOT IN and NOT EXISTS over subqueries fold into the node.
package parse
