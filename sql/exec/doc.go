// Package exec runs logical plans (sql/plan). Operators pull batches of rows
// (Next returns up to BatchRows rows; the slice is invalid after the next
// call); scans read segment columns batch by batch through the storage read
// API, answer index lookups with row bitmaps, prune blocks by zone maps and
// evaluate the residual filter before materializing a row.
//
// Expressions are compiled once per operator into closures over a row
// layout. Values are dynamically typed (types.Value); the scalar semantics
// live in sql/fn.
package exec
