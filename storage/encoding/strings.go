package encoding

import (
	"encoding/binary"
	"fmt"
	"slices"
	"strings"
	"unsafe"
)

// A string section is a codec byte and its payload:
//
//	0 plain: int section of the n lengths, the n strings' bytes concatenated
//	1 dict:  uvarint entries, int section of the entry lengths, the sorted
//	         distinct strings' bytes, packed(n, bits.Len(entries-1)) codes
//
// The dictionary is chosen whenever it is smaller, which for low-cardinality
// columns (countries, levels, enum-like tags) is by an order of magnitude;
// sorted entries let a predicate be turned into a code range once per block.
// Lengths never use an int dictionary: the string dictionary already covers
// the repetitive columns, and it keeps one dict plan alive at a time.
const (
	strPlain byte = iota
	strDict
)

var stringCodecNames = [...]string{"plain", "dict"}

func (e *encoder) appendStrings(dst []byte, vals []string) []byte {
	n := len(vals)
	lens := resize(e.lens, n)
	e.lens = lens
	total := 0
	for i, s := range vals {
		lens[i] = int64(len(s))
		total += len(s)
	}
	lp := planInts(lens)
	if e.planStringDict(vals, 1+lp.size+total) {
		return e.appendStringDict(dst)
	}
	dst = e.appendIntPlan(append(dst, strPlain), lens, lp)
	dst = slices.Grow(dst, total)
	for _, s := range vals {
		dst = append(dst, s...)
	}
	return dst
}

// planStringDict reports whether a dictionary encodes vals in fewer than
// plainSize bytes; if so e.sdict, e.slens, e.codes and e.remap describe it.
func (e *encoder) planStringDict(vals []string, plainSize int) bool {
	n := len(vals)
	limit := dictLimit(n)
	if limit < 2 {
		return false
	}
	if e.smap == nil {
		e.smap = make(map[string]uint32)
	}
	m := e.smap
	clear(m)
	defer clear(m) // the map must not keep the caller's strings alive
	sdict := reuse(e.sdict, 0)
	codes := resize(e.codes, n)
	e.codes = codes
	dictBytes := 0
	for i, s := range vals {
		id, ok := m[s]
		if !ok {
			dictBytes += len(s)
			if len(sdict) == limit || dictBytes >= plainSize ||
				(i < dictProbeRows && len(sdict) >= dictProbeDistinct) {
				e.sdict = sdict
				return false
			}
			id = uint32(len(sdict))
			m[s] = id
			sdict = append(sdict, s)
		}
		codes[i] = uint64(id)
	}
	remap := e.sortedOrder(len(sdict), func(a, b uint32) int { return strings.Compare(sdict[a], sdict[b]) })
	sorted := reuse(e.stmp, len(sdict))
	for id, code := range remap {
		sorted[code] = sdict[id]
	}
	e.sdict, e.stmp = sorted, sdict
	slens := resize(e.slens, len(sorted))
	e.slens = slens
	for i, s := range sorted {
		slens[i] = int64(len(s))
	}
	size := 1 + uvarintLen(uint64(len(sorted))) + planInts(slens).size + dictBytes + packedLen(n, codeWidth(len(sorted)))
	return size < plainSize
}

func (e *encoder) appendStringDict(dst []byte) []byte {
	sdict := e.sdict
	dst = binary.AppendUvarint(append(dst, strDict), uint64(len(sdict)))
	dst = e.appendIntPlan(dst, e.slens, planInts(e.slens))
	for _, s := range sdict {
		dst = append(dst, s...)
	}
	return e.appendCodes(dst, len(sdict))
}

// decodeStrings decodes a string section into dst. The strings alias r's
// bytes, which the Decoder owns.
func (d *Decoder) decodeStrings(r *reader, dst []string, sel []int) error {
	codec, err := r.readByte()
	if err != nil {
		return err
	}
	d.dictCoded = false
	switch codec {
	case strPlain:
		return d.decodeStringList(r, dst, sel)
	case strDict:
		entries, err := r.count(len(dst))
		if err != nil {
			return err
		}
		if entries == 0 {
			return fmt.Errorf("%w: empty dictionary", ErrCorrupt)
		}
		sdict := resize(d.sdict, entries)
		d.sdict = sdict
		if err := d.decodeStringList(r, sdict, nil); err != nil {
			return err
		}
		w := codeWidth(entries)
		packed, err := r.next(packedLen(len(dst), w))
		if err != nil {
			return err
		}
		codes := resize(d.codes, len(dst))
		d.codes = codes
		unpack(codes, packed, w)
		if uint64(entries) < 1<<w {
			// Only a corrupt block has codes past the dictionary.
			var top uint32
			for _, c := range codes {
				top = max(top, c)
			}
			if int(top) >= entries {
				return fmt.Errorf("%w: dictionary code %d of %d", ErrCorrupt, top, entries)
			}
		}
		if sel != nil {
			for _, i := range sel {
				dst[i] = sdict[codes[i]]
			}
		} else {
			for i, c := range codes {
				dst[i] = sdict[c]
			}
		}
		// The dictionary and codes stay valid, as the strings do, until
		// the next block: decodeSection hands them to a uniform Vec.
		d.dictCoded = true
		return nil
	}
	return fmt.Errorf("%w: bad string codec %d", ErrCorrupt, codec)
}

// decodeStringList decodes len(dst) lengths and then the strings' bytes
// (into dst at the rows of sel only, unless it is nil).
func (d *Decoder) decodeStringList(r *reader, dst []string, sel []int) error {
	lens := resize(d.lens, len(dst))
	d.lens = lens
	if err := d.decodeInts(r, lens, false, nil); err != nil {
		return err
	}
	if sel != nil {
		return decodeStringsAt(r, dst, lens, sel)
	}
	for i, l := range lens {
		// The unsigned comparison rejects negative lengths too.
		if uint64(l) > uint64(r.remaining()) {
			return fmt.Errorf("%w: string length %d", ErrCorrupt, l)
		}
		dst[i] = ""
		if l > 0 {
			dst[i] = unsafe.String(&r.b[r.off], int(l))
			r.off += int(l)
		}
	}
	return nil
}

// decodeStringsAt cuts the strings of rows sel out of r, whose strings have
// the lengths lens, and moves r past them all. The lengths between two
// selected rows are only summed: a tight loop, where cutting every string
// was the cost of a sparse read.
func decodeStringsAt(r *reader, dst []string, lens []int64, sel []int) error {
	rem := int64(r.remaining())
	// or collects every length's bits: a negative length, or one past any
	// body (the decoder never holds 2 GiB), is corrupt. Sums of at most
	// MaxBlockRows such lengths cannot overflow.
	var total, or int64
	start := 0
	for _, i := range sel {
		for _, l := range lens[start:i] {
			total += l
			or |= l
		}
		l := lens[i]
		or |= l
		if or < 0 || or >= 1<<31 || total+l > rem {
			return fmt.Errorf("%w: string length %d", ErrCorrupt, l)
		}
		dst[i] = ""
		if l > 0 {
			dst[i] = unsafe.String(&r.b[r.off+int(total)], int(l))
		}
		total += l
		start = i + 1
	}
	for _, l := range lens[start:] {
		total += l
		or |= l
	}
	if or < 0 || or >= 1<<31 || total > rem {
		return fmt.Errorf("%w: string lengths past the section", ErrCorrupt)
	}
	r.off += int(total)
	return nil
}
