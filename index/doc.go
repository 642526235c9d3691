// Package index owns the converged index's lookup structures: the
// order-preserving term encoding every inverted index keys on, predicates
// (equality, IN, range, prefix) and how they map to term ranges, zone maps
// (per-block min/max) and the on-disk inverted index (sorted term dictionary
// with roaring posting lists) that sealed segments embed.
//
// The mutable segment keeps its own in-memory postings but encodes terms and
// evaluates predicates with this package, so both segment kinds answer
// lookups identically.
package index
