// Package segment writes and reads immutable segment files: the sealed form
// of a mutable segment, and the output of compaction.
//
//	+----------------------------+
//	| magic "BSLTSEG1"           |  8 bytes
//	+----------------------------+
//	| column blocks              |  per column path, per block of index.BlockRows
//	|                            |  rows: a storage/encoding block
//	| inverted index regions     |  per index path: an index.InvertedWriter region
//	+----------------------------+
//	| footer (zstd)              |  rows, event-time range, row ids (delta varints),
//	|                            |  per column: path, kind counts, per block
//	|                            |  (offset, length, zone); per index path:
//	|                            |  (path, offset, length, terms)
//	+----------------------------+
//	| u32 footer length          |
//	| u32 CRC-32C of the footer  |
//	| magic "BSLTEND1"           |  8 bytes
//	+----------------------------+
//
// A file is written under a temporary name, synced, and renamed, so a file
// with the final name is always whole; the footer checksum catches the rest.
// See docs/format/segment.md.
package segment
