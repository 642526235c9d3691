// Package transform owns ingest transformations: a collection's
// field_mapping_query, `SELECT … FROM _input [WHERE …] [GROUP BY …]`,
// applied to every document written to the collection before it is
// stored (Rockset's semantics).
//
// A transformation without aggregates maps each input document to at most
// one stored document: `*` keeps every input field (`* EXCEPT (a, b)` all
// but some), each other target adds or replaces the field it is named
// after (an undefined value removes it), `_id` and `_event_time` may be
// computed, and WHERE drops documents. An expression that fails (a CAST,
// VECTOR_ENFORCE) fails that document only.
//
// A transformation with GROUP BY or aggregates makes the collection a
// rollup: each group is one document whose `_id` is derived from the group
// key, and each batch's partial aggregates are folded into it by a
// storage.OpFold inside the collection's committer. The aggregate states
// (exact sum and count for AVG, a HyperLogLog sketch for
// APPROX_COUNT_DISTINCT) are kept in the document under `_meta.rollup`
// (which `SELECT *` leaves out: sql/plan.MetaField), so
// a fold is a pure function of the stored document and the batch, and
// lands in the same atomic commit as the batch (and the source offsets an
// ingest source commits with it): a batch is counted once or not at all.
//
// Parsing, binding and evaluation are the SQL engine's (sql/parse,
// sql/plan, sql/exec): a transformation computes what the same SELECT
// computes over the same documents.
package transform
