package storage

import (
	"fmt"
	"sync"

	"github.com/basaltdb/basalt/types"
)

// A row value is a document in the binary encoding behind a one-byte
// header, 0x00; other headers are reserved for encodings to come. It is
// what the row log writes and a mutable segment stores until the row is
// sealed (the segment file's row section then compresses rows in blocks).
//
// Rows were s2-compressed one by one while they went through Pebble. Out
// of it, compressing each row cost more than it saved: alternating
// benchmark runs gave 62.8 and 62.2 µs of server CPU per inserted
// document with s2, 58.4 and 56.4 without, for twice the row log's bytes
// and the unsealed rows' memory.
const rowRaw byte = 0x00

// encodeRow appends the row value of doc to dst.
func encodeRow(dst []byte, doc types.Value) []byte {
	return types.AppendBinary(append(dst, rowRaw), doc)
}

// rowScratch holds the buffers documents are encoded in before they are
// copied into a buffer of their exact size: growing a fresh buffer per
// document cost more than encoding it.
var rowScratch = sync.Pool{New: func() any { return new([]byte) }}

// docRow returns the row value of doc, in a buffer of its own.
func docRow(doc types.Value) []byte {
	bp := rowScratch.Get().(*[]byte)
	enc := encodeRow((*bp)[:0], doc)
	row := append(make([]byte, 0, len(enc)), enc...)
	if cap(enc) <= 1<<20 {
		*bp = enc
		rowScratch.Put(bp)
	}
	return row
}

// rowSlab encodes the row values of a write's documents one after the
// other in shared chunks: encoded in a scratch buffer and copied into one
// of its own, a document cost an allocation and a copy (1.2% of the
// server's CPU on ingest). A row value is only read until its write
// commits (the row log and the mutable segment copy it), so a chunk lives
// as long as the write.
type rowSlab struct {
	buf []byte
}

// rowSlabChunk is the size of a slab's chunks; a chunk with less than an
// eighth of it left is left for a new one (a larger document grows the
// chunk it starts in).
const rowSlabChunk = 256 << 10

// row returns the row value of doc, from s, or in a buffer of its own when
// s is nil.
func (s *rowSlab) row(doc types.Value) []byte {
	if s == nil {
		return docRow(doc)
	}
	if cap(s.buf)-len(s.buf) < rowSlabChunk/8 {
		s.buf = make([]byte, 0, rowSlabChunk)
	}
	start := len(s.buf)
	s.buf = encodeRow(s.buf, doc)
	return s.buf[start:len(s.buf):len(s.buf)]
}

// rowBinary returns the binary document of a row value: a slice of v.
func rowBinary(v []byte) ([]byte, error) {
	if len(v) == 0 {
		return nil, fmt.Errorf("%w: empty row value", types.ErrCorruptValue)
	}
	if v[0] != rowRaw {
		return nil, fmt.Errorf("%w: unknown row value header %#x", types.ErrCorruptValue, v[0])
	}
	return v[1:], nil
}
