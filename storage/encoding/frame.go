package encoding

import (
	"fmt"
	"slices"

	"github.com/klauspost/compress/s2"
)

// AppendFrame appends src compressed with the process-wide zstd encoder, for
// other formats (segment row blocks) that want the same codec as column
// blocks.
func AppendFrame(dst, src []byte) []byte {
	return zstdEncoder().EncodeAll(src, dst)
}

// DecodeFrame decompresses a frame written by AppendFrame whose source was
// rawLen bytes long, appending to dst (which it grows to fit rawLen; the
// decoder never decodes past the capacity it is given).
func DecodeFrame(dst, frame []byte, rawLen int) ([]byte, error) {
	if rawLen < 0 || rawLen > maxCompressBody {
		return nil, fmt.Errorf("%w: frame length %d", ErrCorrupt, rawLen)
	}
	if cap(dst)-len(dst) < rawLen {
		grown := make([]byte, len(dst), len(dst)+rawLen)
		copy(grown, dst)
		dst = grown
	}
	n := len(dst)
	out, err := zstdDecoder().DecodeAll(frame, dst[:n:n+rawLen])
	if err != nil {
		return nil, errZstd(err)
	}
	if len(out)-n != rawLen {
		return nil, fmt.Errorf("%w: frame decodes to %d bytes, want %d", ErrCorrupt, len(out)-n, rawLen)
	}
	return out, nil
}

// Codec names a frame compression.
type Codec byte

const (
	// CodecS2 is fast (about 4x zstd's speed here) with a lower ratio: for
	// data written on the ingest path.
	CodecS2 Codec = 's'
	// CodecZstd compresses about 25% smaller: for data rewritten in the
	// background (compaction).
	CodecZstd Codec = 'z'
)

// AppendCodecFrame appends a codec byte and src compressed with that codec.
func AppendCodecFrame(dst, src []byte, c Codec) []byte {
	dst = append(dst, byte(c))
	if c == CodecS2 {
		n := len(dst)
		dst = slices.Grow(dst, s2.MaxEncodedLen(len(src)))
		out := s2.Encode(dst[n:cap(dst)], src)
		return dst[:n+len(out)]
	}
	return AppendFrame(dst, src)
}

// DecodeCodecFrame decodes a frame written by AppendCodecFrame whose source
// was rawLen bytes, appending to dst.
func DecodeCodecFrame(dst, frame []byte, rawLen int) ([]byte, error) {
	if len(frame) == 0 {
		return nil, fmt.Errorf("%w: empty frame", ErrCorrupt)
	}
	switch Codec(frame[0]) {
	case CodecZstd:
		return DecodeFrame(dst, frame[1:], rawLen)
	case CodecS2:
		n, err := s2.DecodedLen(frame[1:])
		if err != nil || n != rawLen || rawLen > maxCompressBody {
			return nil, fmt.Errorf("%w: s2 frame of %d bytes, want %d", ErrCorrupt, n, rawLen)
		}
		start := len(dst)
		dst = slices.Grow(dst, rawLen)[:start+rawLen]
		if _, err := s2.Decode(dst[start:], frame[1:]); err != nil {
			return nil, fmt.Errorf("%w: s2: %w", ErrCorrupt, err)
		}
		return dst, nil
	}
	return nil, fmt.Errorf("%w: unknown frame codec %#x", ErrCorrupt, frame[0])
}
