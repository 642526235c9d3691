// Package kafka is the Kafka connector of the ingest package: it consumes
// every partition of a collection source's topic with franz-go, without a
// consumer group, from the positions Basalt committed with the documents
// (never from a consumer-group offset), decodes records (JSON, or Avro
// through a schema registry) and hands them to the ingest job, which
// commits the documents and the next offsets in one atomic batch.
//
// Flow control: the poll loop hands each partition's records to that
// partition's worker, which decodes one batch while it commits the one
// before (partition.go); a worker holds at most workerQueue polled batches
// besides those two, the records polled and not committed are bounded by
// a byte budget across partitions (budget.go, Options.InFlightBytes), the
// decoded batches by the decoders the workers share (two per core; a small
// batch takes one of its own when they are all lent: decoders.go), and
// franz-go fetches at most FetchMaxBytes ahead of the poll. When the
// collection writes slower than the topic delivers the poll loop waits, so
// the backlog builds lag in Kafka, not memory here; the source's status
// shows the lag and the records in flight.
package kafka
