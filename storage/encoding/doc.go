// Package encoding owns the column block codec of Basalt's immutable segment
// files: how up to MaxBlockRows rows of one column (one field path) are laid
// out on disk. AppendBlock encodes a coldata.Vec, a Decoder decodes it back
// with every row's kind and payload exactly as they were: an int stays an
// int, 5.0 stays a float, NaN payloads and -0.0 keep their bits, and an
// absent field (undefined) stays distinct from null. The segment writer and
// reader (storage/segment) frame, index and checksum the blocks; this
// package knows nothing of files.
//
// A block is a small uncompressed header, then one section per kind present
// with the payloads of that kind's rows in row order, the whole body
// optionally compressed with zstd or s2 (AppendBlockCodec):
//
//	+---------+-------+------+--------+-------------------------------+
//	| version | flags | rows | layout | body, or uvarint raw length + |
//	|  byte   | byte  | uvar | kinds  | zstd frame if flags&1, s2     |
//	|         |       |      |        | block if flags&2              |
//	+---------+-------+------+--------+-------------------------------+
//
//	layout:  byte < 9                 uniform: every row has this kind
//	         0x40, runs               uvarint (run length-1)<<4 | kind ...
//	         0x41, mask, codes        uint16 kinds present, packed index
//	                                  of each row's kind among them
//
//	body:    +-----------+-----------+-----------+---------+
//	         | section   | section   | section   |   ...   |   kinds in
//	         | bool      | int       | float     |         |   Kind order,
//	         +-----------+-----------+-----------+---------+   present only
//
//	section: uvarint length, codec byte, codec payload
//
// Undefined and null rows have no payload and hence no section. Per kind:
//
//	bool             bit-packed
//	int, timestamp   constant | frame of reference | delta | dictionary
//	float            raw | decimal (m / 10^e, m with the int codecs)
//	                 | bits (IEEE-754 bits with the int codecs)
//	string           plain (lengths + bytes) | dictionary (sorted distinct
//	                 strings + bit-packed codes)
//	array, object    lengths + types.AppendBinary encodings
//
// Each codec lives in its own file (constant.go, for.go, delta.go, dict.go,
// decimal.go, ...) with the layout of its payload; the encoder computes the
// exact size of each candidate and writes the smallest. docs/format/
// column-block.md is the byte-level reference.
//
// Decoding trusts nothing: every count is checked against the row count or
// the bytes left before anything is allocated, every section must be
// consumed exactly, and every failure is an error wrapping ErrCorrupt.
// FuzzDecodeBlock holds it to that.
package encoding
