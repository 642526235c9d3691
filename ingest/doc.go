// Package ingest runs the sources that stream documents into collections
// (Kafka topics, S3 objects, files on the server) and owns what every
// source shares: turning records into write operations (`_op`, derived
// `_id`), committing them together with the source's position
// (exactly-once), keeping records that cannot be decoded in the error
// collection `_meta.bad`, and each source's status and metrics.
//
// Connectors (ingest/kafka, ingest/filesource, …) only read their system
// and hand records to a Job; they never import each other. The Manager
// starts a job per collection source that is not suspended (its connector
// chosen by the source's kind), restarts it after a failure with backoff,
// and stops it when the source is suspended or its collection dropped.
//
//	connector ──records──▶ Job.Write ──ops + checkpoints──▶ storage.Engine.WriteAt
//	                          │
//	                          └─undecodable──▶ _meta.bad
package ingest
