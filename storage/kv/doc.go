// Package kv owns Basalt's use of Pebble: how the store is opened and tuned,
// and the layout of every key. Pebble is the write-ahead log, the row store,
// the primary-key index, the deletion marks, the segment list, source offsets
// and the catalog; one Pebble batch is one atomic, durable commit.
//
// Keys (cid = collection id, 8 bytes big-endian; rowid likewise):
//
//	'C' 'w' name                    → catalog: workspace record (JSON)
//	'C' 'c' ws 0x00 name            → catalog: collection record (JSON)
//	'C' 'n'                         → catalog: next collection id
//	'C' 'i' name                    → catalog: integration record (JSON)
//	'r' cid rowid                   → row store: the document (types binary)
//	'p' cid _id                     → primary key: rowid (uvarint)
//	'd' cid rowid                   → deletion mark of a row kept in a segment
//	's' cid segid                   → sealed segment record
//	'm' cid 'n'                     → next rowid (written by every commit)
//	'm' cid 'l'                     → replay low-water rowid (written by seals)
//	'o' cid source                  → source offsets (exactly-once ingest)
//
// Row ids grow with every write, so new rows append at the end of the row
// store's key space and Pebble moves them down the tree without rewriting.
// See docs/format/keys.md.
package kv
