// Package sqllogic runs sqllogictest files: SQL statements and queries with
// their expected results, in the dialect DuckDB (test/sql/**/*.test) and
// CockroachDB (pkg/sql/logictest/testdata/logic_test/) use. The same file
// runs against Basalt and against PostgreSQL (PGX over a pgoracle server),
// so PostgreSQL serves as the oracle for Basalt's SQL semantics.
//
// # File format
//
// A file is a sequence of records separated by blank lines. Lines starting
// with # between records are comments.
//
//	# A comment.
//	statement ok
//	CREATE TABLE t (a int, b text)
//
//	statement error 42P01
//	SELECT * FROM missing
//
//	statement error division by zero
//	SELECT 1/0
//
//	query IT rowsort
//	SELECT a, b FROM t
//	----
//	1 hello world
//	2 NULL
//
// The SQL of a record runs to the first blank line (or, for a query, to the
// ---- line); it is sent as is, trailing semicolon included.
//
// "statement ok" expects success. "statement error <pattern>" and
// "query error <pattern>" expect an error: the pattern passes when it equals
// the error's SQLSTATE (see SQLState) or, as a regular expression, matches
// the error's text; an empty pattern accepts any error.
//
// "query <types> [sort] [colnames] [label]" expects results. <types> has one
// letter per column: I integer, R float, T text, B bool; any other letter is
// compared as text. The column count must match. The optional words:
//
//   - nosort (the default) compares rows in order;
//   - rowsort sorts the rows (expected and actual) before comparing;
//   - valuesort sorts all values of all rows before comparing;
//   - colnames makes the first result line the column names;
//   - any other word is a label: every query with the same label must
//     produce the same results.
//
// The results follow a ---- line, one row per line, up to the next blank
// line. A query without ---- expects no rows, unless it has a label: then
// it is only compared with the other queries of its label.
//
// # Result lines
//
// A row is written as its values joined by single spaces, and compared as a
// line of text. NULL is written NULL, the empty string (empty), and a B
// column true or false (PostgreSQL's t and f are accepted from the engine).
// Other values are written exactly as the engine returns them (PostgreSQL's
// text format), so a text value may contain spaces; that is unambiguous
// because the whole line is compared. When no value of the row contains
// whitespace, the expected line may separate values by any whitespace (for
// alignment). A value in an R column matches any number within a relative
// 1e-9 of the actual one (so 2.5 matches 2.500 and 0.3 matches
// 0.30000000000000004).
//
// Under valuesort the expected values may be written any number per line:
// both sides are split at whitespace into words, sorted and compared, R
// tolerance applying to any word that parses as a number when the query has
// an R column. Rewriting writes one value per line.
//
// # Engines and control lines
//
// "skipif <engine>" and "onlyif <engine>" lines before a record skip it for
// (or run it only on) an engine: basalt or postgresql, as DB.Engine reports.
// "halt" ends the file early; it takes skipif and onlyif too. A header line
// other than an error expectation may end in a " #" comment.
//
// # Rewriting
//
// Running the tests with -rewrite replaces the expected results of every
// executed query record with the actual ones, leaving every other byte of
// the file as it was; statement and error expectations are never rewritten.
// The -rewrite flag is the one github.com/cockroachdb/datadriven defines, so
// one flag regenerates both kinds of golden file. Review the diff.
package sqllogic
