// Package storage is Basalt's storage engine: collections of schemaless
// documents, durable and mutable, with every field indexed.
//
// Write path: Engine.Write prepares documents in the caller's goroutine
// (ids, event times, binary encoding), then hands them to the collection's
// committer goroutine, which groups concurrent requests and resolves primary
// keys; it appends the group's rows and its Pebble batch (primary keys,
// deletion marks, the next row id) to the collection's row log
// (storage/rowlog) as one record and syncs it: the commit point. It then
// commits the batch to Pebble unsynced (a restart reapplies what Pebble
// lost: logcommit.go). Only then
// does it apply the rows to the mutable segments (which keep their stored
// values until they seal), mark superseded rows deleted, publish the new
// commit sequence number and answer: what a client saw acknowledged is
// durable and already visible (read-your-writes).
//
// Read path: Snapshot captures, under a short read lock, the segment list,
// each mutable segment's row watermark, each segment's deletion-log length
// and a Pebble snapshot at the same commit. Nothing it refers to changes
// afterwards, so readers never block writers.
//
// Background: a sealer turns full or aged mutable segments into segment
// files; a maintenance loop compacts small segments of a time partition into
// larger ones (dropping deleted rows) and enforces retention.
//
// Files: engine.go (lifecycle), collection.go (per-collection state),
// write.go and commit.go (write path), snapshot.go (read API), seal.go,
// compact.go, retention.go, recover.go (startup), deletions.go.
package storage
