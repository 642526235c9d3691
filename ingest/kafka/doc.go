// Package kafka is the Kafka connector of the ingest package: it consumes
// every partition of a collection source's topic with franz-go, without a
// consumer group, from the positions Basalt committed with the documents
// (never from a consumer-group offset), decodes records (JSON, or Avro
// through a schema registry) and hands them to the ingest job, which
// commits the documents and the next offsets in one atomic batch.
//
// Flow control is the poll loop itself: a batch is decoded and committed
// before the next poll, and franz-go fetches at most FetchMaxBytes ahead,
// so a topic faster than Basalt builds lag in Kafka, not memory here.
package kafka
