// Package fn owns the scalar semantics of Basalt's SQL engine: operators
// (arithmetic, comparison, ||, LIKE, three-valued logic), casts, interval
// constants and the registry of scalar functions. Aggregates and window
// functions live elsewhere; so does vectorization, which calls into this
// package one value at a time or through the kernels built on it.
//
// # Typing rules
//
// Values are dynamically typed (types.Value): a field may hold an int in one
// document and a string in the next, so the rules below apply per row, at run
// time, rather than at bind time as in PostgreSQL.
//
//   - Where PostgreSQL defines a behaviour, this package does what PostgreSQL
//     15 does: integer division truncates, % takes the sign of the dividend,
//     ROUND rounds half away from zero, CONCAT skips NULLs while || with a NULL
//     is NULL, AND/OR/NOT are three-valued, bigint overflow is an error.
//   - Floats are treated as PostgreSQL numeric where the two differ (ROUND,
//     casts to int round half away from zero, division by zero is an error),
//     because a JSON number such as 2.5 is written as a numeric literal in SQL.
//   - Undefined (an absent field) behaves like NULL in every operator and
//     function; only IS UNDEFINED, which the engine evaluates, tells them apart.
//   - Comparing values of incompatible kinds (a string with an int) is not an
//     error and not NULL: =, <, <=, >, >= yield false and <> yields true, as in
//     Rockset. Ints and floats compare as numbers, exactly.
//   - Int op int is int (division truncates); int op float is float.
//   - Applying a function or an arithmetic operator to a kind it does not
//     accept (ABS('x'), 1 + 'x') is error 42883, as PostgreSQL reports a
//     missing function or operator.
//   - TIMESTAMP and TIMESTAMPTZ are one kind: microseconds since the epoch in
//     UTC. A DATE is a timestamp at midnight. Timestamps render as ISO-8601
//     with a Z (FormatTimestamp), not in PostgreSQL's "2024-01-01 00:00:00+00".
//
// Errors are *sqlerr.Error carrying PostgreSQL's SQLSTATE for the condition.
package fn
