// Package exec runs logical plans (sql/plan). Operators pull batches of rows
// (Next returns up to BatchRows rows; the slice is invalid after the next
// call); scans read segment columns batch by batch through the storage read
// API, answer index lookups with row bitmaps, prune blocks by zone maps and
// filter the column batches (vecfilter.go: typed kernels for comparisons
// with constants and LIKE; exprkernel.go: a conjunct of one column over its
// vector, once per dictionary entry where the vector has one; row
// evaluation for the rest) before materializing a row.
//
// Where a plan reads a collection to reduce it, the reduction is fused with
// the scan and run by a worker per core, each taking segments in turn and
// reading rows in place, without copying them out of the column batches:
// aggregates (aggscan.go, with typed loops over vectors for keys, COUNT, SUM
// and percentiles, and partial states merged at the end, groups in the
// order a serial scan makes them), ORDER BY … LIMIT (topnscan.go), and
// aggregates over a hash join probed by a scan (aggjoin.go). Hash join build
// sides that are scans are read in parallel too (parallel.go), and kept
// between queries while their collection holds the same documents, with
// the rows of each sealed segment kept until the segment goes
// (buildcache.go); index lookup joins (lookupjoin.go) read only the right
// rows matching each batch of left keys.
//
// A WITH RECURSIVE query (recursive.go) builds its recursive term's
// operators afresh for each step, over the rows the step before kept.
//
// Expressions are compiled once per operator (per worker) into closures over
// a row layout; the closures keep scratch state, so workers never share
// them. Values are dynamically typed (types.Value); the scalar semantics
// live in sql/fn.
package exec
