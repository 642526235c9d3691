// Package kv owns Basalt's use of Pebble: how the store is opened and tuned,
// and the layout of every key. Pebble holds the primary-key index, the
// deletion marks, the segment list, source offsets and the catalog; one
// Pebble batch is one atomic, durable commit. Rows are not here: until they
// are sealed into segment files they live in the row log (storage/rowlog).
//
// Keys (cid = collection id, 8 bytes big-endian; rowid likewise):
//
//	'C' 'w' name                    → catalog: workspace record (JSON)
//	'C' 'c' ws 0x00 name            → catalog: collection record (JSON)
//	'C' 'n'                         → catalog: next collection id
//	'C' 'i' name                    → catalog: integration record (JSON)
//	'r' cid rowid                   → reserved (rows were kept here once)
//	'p' cid _id                     → primary key: rowid (uvarint)
//	'd' cid rowid                   → deletion mark of a row kept in a segment
//	's' cid segid                   → sealed segment record
//	'm' cid 'n'                     → next rowid (written by every commit)
//	'm' cid 'l'                     → replay low-water rowid (written by seals)
//	'o' cid source                  → source offsets (exactly-once ingest)
//
// See docs/format/keys.md.
package kv
