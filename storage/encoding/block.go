package encoding

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/basaltdb/basalt/coldata"
	"github.com/basaltdb/basalt/types"
)

// ErrCorrupt is wrapped by every error DecodeBlock and BlockRows return.
var ErrCorrupt = errors.New("corrupt column block")

// MaxBlockRows is the most rows a block holds. A segment cuts its columns
// into blocks of at most this many rows; the bound also caps what a decoder
// allocates for a block it has not validated yet.
const MaxBlockRows = 1 << 16

// formatVersion is the first byte of every block. A reader refuses versions
// it does not know rather than guessing.
const formatVersion = 1

// flagZstd in the flags byte marks a zstd-compressed body, flagS2 an
// s2-compressed one. At most one is set; the other bits are reserved and
// must be zero.
const (
	flagZstd = 1
	flagS2   = 2
)

// AppendBlock appends the encoding of rows [0, v.Len()) of v to dst, its
// body compressed with zstd where that saves 1/8 of it. It panics if v has
// more than MaxBlockRows rows or a row of an unknown kind, both broken
// invariants of the caller.
func AppendBlock(dst []byte, v *coldata.Vec) []byte {
	return AppendBlockCodec(dst, v, CodecZstd)
}

// AppendBlockCodec is AppendBlock with a choice of compression. CodecZstd
// compresses as AppendBlock does. CodecS2, for blocks written on the ingest
// path, first tries s2 and keeps it when it shrinks the body at least 3
// times, else falls back to zstd: text of many short repeats (sentences, a
// block of 2.9 MB of them) has zstd find match after match at 50-200 MB/s
// here, while s2 runs at 400 and is then at most a few percent of the body
// larger; bodies s2 cannot shrink that much (hex ids, random tokens) still
// get zstd's entropy coding, after an s2 attempt that gives up fast on them.
// Compaction rewrites with zstd.
func AppendBlockCodec(dst []byte, v *coldata.Vec, c Codec) []byte {
	n := v.Len()
	if n > MaxBlockRows {
		panic(fmt.Sprintf("encoding: block of %d rows exceeds %d", n, MaxBlockRows))
	}
	e := getEncoder()
	defer putEncoder(e)

	dst = append(dst, formatVersion, 0)
	flagsAt := len(dst) - 1
	dst = binary.AppendUvarint(dst, uint64(n))
	var counts [types.NumKinds]int
	dst = e.appendLayout(dst, v, &counts)

	bodyStart := len(dst)
	for k := types.KindBool; k < types.NumKinds; k++ {
		if counts[k] == 0 {
			continue
		}
		secStart := len(dst)
		dst = e.appendSection(dst, v, k, counts[k])
		dst = prefixLength(dst, secStart)
	}
	if z, flag := e.compress(dst[bodyStart:], c); z != nil {
		rawLen := len(dst) - bodyStart
		dst = binary.AppendUvarint(dst[:bodyStart], uint64(rawLen))
		dst = append(dst, z...)
		dst[flagsAt] |= flag
	}
	return dst
}

// FellBackToZstd reports whether block, written by AppendBlockCodec with
// CodecS2, is compressed with zstd: s2 was tried and did not shrink it
// enough.
func FellBackToZstd(block []byte) bool {
	return len(block) > 1 && block[1]&flagZstd != 0
}

// prefixLength inserts the uvarint length of dst[start:] at start. Sections
// carry their length so that a reader can skip to the kinds it needs and so
// that each section is decoded within its own bounds.
func prefixLength(dst []byte, start int) []byte {
	length := len(dst) - start
	var buf [binary.MaxVarintLen64]byte
	k := binary.PutUvarint(buf[:], uint64(length))
	dst = append(dst, buf[:k]...)
	copy(dst[start+k:], dst[start:start+length])
	copy(dst[start:], buf[:k])
	return dst
}

// appendSection appends the payloads of the count rows of kind k, in row
// order.
func (e *encoder) appendSection(dst []byte, v *coldata.Vec, k types.Kind, count int) []byte {
	switch k {
	case types.KindBool:
		return appendBools(dst, gather(&e.i64, v, k, count, v.I64))
	case types.KindInt, types.KindTimestamp:
		return e.appendInts(dst, gather(&e.i64, v, k, count, v.I64), true)
	case types.KindFloat:
		return e.appendFloats(dst, gather(&e.f64, v, k, count, v.F64))
	case types.KindString:
		return e.appendStrings(dst, gather(&e.str, v, k, count, v.Str))
	case types.KindArray, types.KindObject:
		return e.appendNested(dst, gather(&e.any, v, k, count, v.Any))
	}
	panic(fmt.Sprintf("encoding: no section for kind %s", k))
}

// gather returns the payloads of the count rows of kind k: the Vec's own
// slice when every row has kind k, else a copy into *buf.
func gather[T any](buf *[]T, v *coldata.Vec, k types.Kind, count int, payload []T) []T {
	n := v.Len()
	if count == n {
		return payload[:n]
	}
	out := reuse(*buf, count)
	*buf = out
	j := 0
	for i, rk := range v.Kinds() {
		if rk == k {
			out[j] = payload[i]
			j++
		}
	}
	return out
}

// header is the uncompressed prefix of a block, up to the kind layout.
type header struct {
	flags byte
	rows  int
}

func readHeader(r *reader) (header, error) {
	version, err := r.readByte()
	if err != nil {
		return header{}, err
	}
	if version != formatVersion {
		return header{}, fmt.Errorf("%w: unknown format version %d", ErrCorrupt, version)
	}
	flags, err := r.readByte()
	if err != nil {
		return header{}, err
	}
	if flags&^(flagZstd|flagS2) != 0 || flags == flagZstd|flagS2 {
		return header{}, fmt.Errorf("%w: unknown flags %#x", ErrCorrupt, flags)
	}
	rows, err := r.count(MaxBlockRows)
	if err != nil {
		return header{}, err
	}
	return header{flags: flags, rows: rows}, nil
}

// BlockRows returns the number of rows of an encoded block without decoding
// it.
func BlockRows(src []byte) (int, error) {
	r := reader{b: src}
	h, err := readHeader(&r)
	if err != nil {
		return 0, fmt.Errorf("block header: %w", err)
	}
	return h.rows, nil
}
