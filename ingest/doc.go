// Package ingest runs the sources that stream documents into collections
// (Kafka topics, S3 objects, files on the server) and owns what every
// source shares: turning records into write operations (`_op`, derived
// `_id`, the collection's transformation), committing them together with
// the source's position (exactly-once), keeping the records it cannot
// store (they do not decode, or the transformation or the write refuses
// their document) in the error collection `_meta.bad`, and each source's
// status and metrics.
//
// Connectors (ingest/kafka, ingest/filesource, …) only read their system
// and hand records to a Job; they never import each other. The Manager
// starts a job per collection source that is not suspended (its connector
// chosen by the source's kind), restarts it after a failure with backoff,
// and stops it when the source is suspended or its collection dropped.
//
//	connector ──records──▶ Job.Write ──ops + positions + pending──▶ storage.Engine.WriteAt
//	                          │                                         (one atomic batch)
//	                          └─once committed: undecodable + refused──▶ _meta.bad
//
// The records kept in `_meta.bad` live in another collection, so another
// commit: they first commit with the batch, as a pending entry among the
// source's checkpoints made from the write's results (a failure only the
// commit finds, such as an `_op: REPLACE` of a missing `_id`, included),
// and go to `_meta.bad` once it committed, under an _id made of the source
// and the record's position. The next write deletes the entry; one a crash
// left behind is written to `_meta.bad` again before the connector
// restarts, overwriting rather than doubling (bad.go).
package ingest
