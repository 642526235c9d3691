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
// A record may carry a commit, opaque bytes given back by Commits after a
// restart: storage puts the group's Pebble batch there, which makes the
// record the group's commit point and its only sync (storage/logcommit.go).
// Files of format 1, from before, hold rows only; in them a row id could
// be appended more than once (a group whose Pebble commit failed, then the
// group that reused its ids), and on replay the last record holding a row
// id wins.
//
// File layout (see docs/format/rowlog.md):
//
//	+-------------------------------------------+
//	| u64 magic | u64 first row id              |  header
//	+-------------------------------------------+
//	| u32 payload length | u32 crc32c(payload)  |  record, one per commit group
//	| payload: uvarint n, then n times          |
//	|   uvarint row id, uvarint len, row bytes  |
//	|   uvarint len, commit (format 2)          |
//	+-------------------------------------------+
//	| …                                         |
//	+-------------------------------------------+
//
// Files are named by a sequence number; each new file (at 64 MiB, and at
// every open) records the first row id it was created for. A torn or
// corrupt record ends its file: everything after it was never synced, so
// never acknowledged.
package rowlog
