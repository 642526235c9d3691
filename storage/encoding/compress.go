package encoding

import (
	"fmt"
	"runtime"
	"slices"
	"sync"

	"github.com/klauspost/compress/s2"
	"github.com/klauspost/compress/zstd"
)

// The body of a block (everything after the header) is compressed with zstd
// when that saves at least 1/8 of its bytes. The column codecs remove most
// redundancy already; zstd catches what they cannot see: repeated substrings
// in plain strings and nested values, runs of bools, repeating patterns of
// codes.
const (
	// minCompressBody is the smallest body worth a try: a zstd frame costs
	// about a dozen bytes of header, more than 1/8 of anything shorter.
	minCompressBody = 64
	// maxCompressBody is the largest body that is compressed; larger bodies
	// are stored as they are. It bounds what the decoder must allocate for a
	// compressed body before it can check it, and is far above the blocks a
	// segment writer cuts for scan granularity.
	maxCompressBody = 1 << 28
	// maxZstdExpansion is the most a zstd frame can expand: a block of at
	// most 128 KiB output takes at least 4 bytes of input (an RLE block).
	// A declared raw length beyond it is a lie, rejected before allocating.
	maxZstdExpansion = (128 << 10) / 4
)

// The zstd encoder and decoder are shared by the whole process: each is
// expensive to create (an encoder allocates its match tables) and both are
// safe for concurrent EncodeAll and DecodeAll calls, up to GOMAXPROCS at a
// time, without starting goroutines.
var (
	zstdEncoder = sync.OnceValue(func() *zstd.Encoder {
		enc, err := zstd.NewWriter(nil,
			zstd.WithEncoderLevel(zstd.SpeedFastest),
			// SpeedFastest skips entropy coding of input where it finds no
			// matches. Column bodies without matches are often still skewed
			// (hex ids, digits, words), and Huffman literals bring the uuids
			// of TestEncodedSizes from 36 to under 19 bytes a row.
			zstd.WithAllLitEntropyCompression(true),
			zstd.WithEncoderConcurrency(runtime.GOMAXPROCS(0)),
			// The segment file checksums its blocks, compressed or not.
			zstd.WithEncoderCRC(false))
		if err != nil {
			panic("encoding: zstd encoder: " + err.Error())
		}
		return enc
	})
	zstdDecoder = sync.OnceValue(func() *zstd.Decoder {
		dec, err := zstd.NewReader(nil,
			zstd.WithDecoderConcurrency(0),
			zstd.WithDecoderMaxMemory(maxCompressBody),
			zstd.WithDecodeAllCapLimit(true))
		if err != nil {
			panic("encoding: zstd decoder: " + err.Error())
		}
		return dec
	})
)

var errRawLen = fmt.Errorf("%w: bad compressed length", ErrCorrupt)

func errZstd(err error) error { return fmt.Errorf("%w: zstd: %w", ErrCorrupt, err) }

// compress returns the compressed body and the flag that says how, or nil
// when compression does not save at least 1/8 of its bytes (counting the raw
// length the block stores with it). With CodecS2 an s2 encoding that
// shrinks the body at least s2MinRatio times is taken as it is.
func (e *encoder) compress(body []byte, c Codec) ([]byte, byte) {
	if len(body) < minCompressBody || len(body) > maxCompressBody {
		return nil, 0
	}
	if c == CodecS2 {
		e.zbuf = slices.Grow(e.zbuf[:0], s2.MaxEncodedLen(len(body)))
		out := s2.Encode(e.zbuf[:cap(e.zbuf)], body)
		if len(out)*s2MinRatio <= len(body) {
			return out, flagS2
		}
	}
	e.zbuf = zstdEncoder().EncodeAll(body, e.zbuf[:0])
	if uvarintLen(uint64(len(body)))+len(e.zbuf) > len(body)-len(body)/8 {
		return nil, 0
	}
	return e.zbuf, flagZstd
}

// s2MinRatio is how many times s2 must shrink a body for CodecS2 to keep
// it rather than try zstd.
const s2MinRatio = 3

// decompress decodes a compressed body of rawLen bytes (a zstd frame, or an
// s2 block when flags has flagS2) into d.buf.
func (d *Decoder) decompress(frame []byte, rawLen uint64, flags byte) ([]byte, error) {
	if flags&flagS2 != 0 {
		n, err := s2.DecodedLen(frame)
		if err != nil || uint64(n) != rawLen || rawLen > maxCompressBody {
			return nil, errRawLen
		}
		d.buf = resize(d.buf, int(rawLen))
		out, err := s2.Decode(d.buf, frame)
		if err != nil {
			return nil, fmt.Errorf("%w: s2: %w", ErrCorrupt, err)
		}
		d.buf = out
		return out, nil
	}
	if rawLen > maxCompressBody || rawLen > uint64(len(frame))*maxZstdExpansion {
		return nil, errRawLen
	}
	d.buf = resize(d.buf, int(rawLen))
	out, err := zstdDecoder().DecodeAll(frame, d.buf[:0])
	if err != nil {
		return nil, errZstd(err)
	}
	if uint64(len(out)) != rawLen {
		return nil, errRawLen
	}
	d.buf = out
	return out, nil
}
