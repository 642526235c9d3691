// Package rowlog is the write-ahead log of a collection's unsealed rows.
//
// A row lives in the log from its commit until its mutable segment is
// sealed into a segment file, seconds later. Keeping those rows out of
// Pebble is the point: in Pebble they went through the memtable, were
// flushed to L0 before the seal's range deletion reached them (a row
// lives longer than a memtable), and were compacted again before being
// dropped — 8% of the ingest CPU and, right after a load, as many bytes
// on disk as the segments themselves. Here a row costs one sequential
// write, and a file goes whole once every row in it is sealed.
//
// The log is not the commit point. The committer appends a group's rows
// and syncs the log before it commits the group's Pebble batch (primary
// keys, deletion marks, the next row id); a group is committed iff that
// batch is. Records past Pebble's next row id are from groups that never
// committed, and a later group that reuses their row ids appends them
// again: on replay the last record holding a row id wins.
//
// File layout (see docs/format/rowlog.md):
//
//	+-------------------------------------------+
//	| u64 magic | u64 first row id              |  header
//	+-------------------------------------------+
//	| u32 payload length | u32 crc32c(payload)  |  record, one per commit group
//	| payload: uvarint n, then n times          |
//	|   uvarint row id, uvarint len, row bytes  |
//	+-------------------------------------------+
//	| …                                         |
//	+-------------------------------------------+
//
// Files are named by a sequence number; each new file (at 64 MiB, and at
// every open) records the first row id it was created for. A torn or
// corrupt record ends its file: everything after it was never synced, so
// never acknowledged.
package rowlog
