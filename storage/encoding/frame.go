package encoding

import "fmt"

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
