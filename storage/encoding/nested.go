package encoding

import (
	"fmt"

	"github.com/basaltdb/basalt/types"
)

// An array or object section holds its values in the binary value encoding
// of package types (docs/format/values.md), which keeps every nested kind:
//
//	int section of the n encoded lengths, the n encodings concatenated
//
// The lengths let each value be decoded on its own; nested columns are rare
// and mostly read whole, so they get no columnar treatment of their own.

func (e *encoder) appendNested(dst []byte, vals []types.Value) []byte {
	buf := e.nbuf[:0]
	lens := resize(e.lens, len(vals))
	e.lens = lens
	for i, v := range vals {
		start := len(buf)
		buf = types.AppendBinary(buf, v)
		lens[i] = int64(len(buf) - start)
	}
	e.nbuf = buf
	dst = e.appendInts(dst, lens, false)
	return append(dst, buf...)
}

// decodeNested decodes a section of values of kind into dst. Their strings
// alias r's bytes, which the Decoder owns.
func (d *Decoder) decodeNested(r *reader, dst []types.Value, kind types.Kind) error {
	lens := resize(d.lens, len(dst))
	d.lens = lens
	if err := d.decodeInts(r, lens, false, nil); err != nil {
		return err
	}
	for i, l := range lens {
		if uint64(l) > uint64(r.remaining()) {
			return fmt.Errorf("%w: value length %d", ErrCorrupt, l)
		}
		b, _ := r.next(int(l))
		v, err := d.values.DecodeBinary(b)
		if err != nil {
			return fmt.Errorf("%w: %w", ErrCorrupt, err)
		}
		if v.Kind() != kind {
			return fmt.Errorf("%w: %s in %s section", ErrCorrupt, v.Kind(), kind)
		}
		dst[i] = v
	}
	return nil
}
