// Package memseg is the mutable segment: where every write lands, readable by
// queries the moment a commit applies it.
//
// Documents are appended in commit order. Each column path keeps its values
// sparsely (row number, kind, payload), strings and nested values in an
// append-only arena. Nothing else is built as documents arrive: a path's
// postings are built on its first equality or IN lookup and brought up to
// date at later ones, and zone maps of full blocks on first use (see Lookup
// and Zones); sealing builds the segment file's inverted index.
//
// Concurrency: one writer (the collection's commit pipeline) appends under a
// write lock; readers take a read lock per call and read only rows below the
// watermark of their snapshot, so what they see never changes under them.
// Nothing is ever modified in place, only appended, which is what makes a
// snapshot just a row count. Deletions are not the segment's business: the
// storage engine tracks them per row.
//
// When the segment reaches its size or age threshold the engine freezes it,
// writes it as an immutable segment file, and swaps the two.
package memseg
