package encoding

import (
	"encoding/binary"
	"fmt"
)

// Decoding errors without context are preallocated so that a fuzzer or a
// corrupt file does not pay for formatting on every failed varint; the
// section decoders wrap them with the kind and codec they were reading.
var (
	errTruncated = fmt.Errorf("%w: truncated", ErrCorrupt)
	errVarint    = fmt.Errorf("%w: bad varint", ErrCorrupt)
	errTrailing  = fmt.Errorf("%w: trailing bytes", ErrCorrupt)
)

// reader consumes an encoded block front to back. Every method checks the
// remaining length before it reads, so truncated input becomes errTruncated
// instead of a panic.
type reader struct {
	b   []byte
	off int
}

func (r *reader) remaining() int { return len(r.b) - r.off }

func (r *reader) readByte() (byte, error) {
	if r.off >= len(r.b) {
		return 0, errTruncated
	}
	c := r.b[r.off]
	r.off++
	return c, nil
}

func (r *reader) uvarint() (uint64, error) {
	x, n := binary.Uvarint(r.b[r.off:])
	if n <= 0 {
		if n == 0 {
			return 0, errTruncated
		}
		return 0, errVarint
	}
	r.off += n
	return x, nil
}

func (r *reader) varint() (int64, error) {
	x, n := binary.Varint(r.b[r.off:])
	if n <= 0 {
		if n == 0 {
			return 0, errTruncated
		}
		return 0, errVarint
	}
	r.off += n
	return x, nil
}

// count reads a uvarint that counts something and checks it against limit,
// so that no caller sizes an allocation from an unchecked number.
func (r *reader) count(limit int) (int, error) {
	x, err := r.uvarint()
	if err != nil {
		return 0, err
	}
	if x > uint64(limit) {
		return 0, fmt.Errorf("%w: count %d exceeds %d", ErrCorrupt, x, limit)
	}
	return int(x), nil
}

// next returns the next n bytes; n must not be negative.
func (r *reader) next(n int) ([]byte, error) {
	if n > r.remaining() {
		return nil, errTruncated
	}
	b := r.b[r.off : r.off+n : r.off+n]
	r.off += n
	return b, nil
}

// rest returns the unread bytes and consumes them.
func (r *reader) rest() []byte {
	b := r.b[r.off:]
	r.off = len(r.b)
	return b
}

// done returns errTrailing unless every byte was consumed: a section that
// decodes without using all its bytes was not written by AppendBlock.
func (r *reader) done() error {
	if r.off != len(r.b) {
		return errTrailing
	}
	return nil
}

func uvarintLen(x uint64) int {
	n := 1
	for x >= 0x80 {
		x >>= 7
		n++
	}
	return n
}

func varintLen(x int64) int {
	return uvarintLen(uint64(x<<1) ^ uint64(x>>63))
}
