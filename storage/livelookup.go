package storage

import (
	"encoding/binary"
	"sync"
	"sync/atomic"

	"github.com/RoaringBitmap/roaring/v2"
	"github.com/basaltdb/basalt/index"
	"github.com/basaltdb/basalt/types"
)

// liveLookups keeps, per index lookup of a sealed segment, its rows less
// the deletions of a prefix of the segment's deletion log. A later lookup
// takes out only the deletions appended since, instead of subtracting the
// whole deletion bitmap from the posting list again: under 10,000 upserts a
// second that subtraction was 70% of a filtered COUNT(*) answered from the
// index (a merge of two sorted arrays per segment, every query).
type liveLookups struct {
	m sync.Map // lookupKey → *atomic.Pointer[liveLookup]
	n atomic.Int32
}

// maxLiveLookups bounds the lookups kept per segment.
const maxLiveLookups = 64

// liveLookup is a lookup's rows less the rows deleted by dels.entries[:n].
// It is immutable once stored.
type liveLookup struct {
	n    int
	rows *roaring.Bitmap
}

// lookupKey names an index lookup: the path and the predicate, values as
// their index terms (which tell kinds apart: a timestamp and the string of
// its ISO form are different keys).
func lookupKey(ipath string, p index.Predicate) string {
	b := make([]byte, 0, len(ipath)+32)
	b = binary.AppendUvarint(b, uint64(len(ipath)))
	b = append(b, ipath...)
	b = append(b, byte(p.Op))
	term := func(v types.Value) {
		if !index.Indexable(v) {
			// Undefined (an open range end), or nothing an index holds.
			b = append(b, 0, byte(v.Kind()))
			return
		}
		t := index.AppendTerm(nil, v)
		b = append(b, 1)
		b = binary.AppendUvarint(b, uint64(len(t)))
		b = append(b, t...)
	}
	b = binary.AppendUvarint(b, uint64(len(p.Values)))
	for _, v := range p.Values {
		term(v)
	}
	term(p.Lo)
	term(p.Hi)
	flags := byte(0)
	if p.LoInclusive {
		flags |= 1
	}
	if p.HiInclusive {
		flags |= 2
	}
	b = append(b, flags)
	b = binary.AppendUvarint(b, uint64(len(p.Prefix)))
	b = append(b, p.Prefix...)
	return string(b)
}

// lookupLive returns the rows of a sealed segment's lookup less those
// deleted by entries[:ndel], owned by the caller. posting computes the
// lookup's rows, deletions included, when nothing kept serves.
func (l *liveLookups) lookupLive(key string, dels *delLog, entries []delEntry, ndel int, posting func() (*roaring.Bitmap, error)) (*roaring.Bitmap, error) {
	var slot *atomic.Pointer[liveLookup]
	if s, ok := l.m.Load(key); ok {
		slot = s.(*atomic.Pointer[liveLookup])
	} else if l.n.Load() < maxLiveLookups {
		s, loaded := l.m.LoadOrStore(key, new(atomic.Pointer[liveLookup]))
		if !loaded {
			l.n.Add(1)
		}
		slot = s.(*atomic.Pointer[liveLookup])
	}
	var rows *roaring.Bitmap
	if slot != nil {
		if c := slot.Load(); c != nil && c.n <= ndel {
			rows = c.rows.Clone()
			for _, e := range entries[c.n:ndel] {
				rows.Remove(e.row)
			}
		}
	}
	if rows == nil {
		bm, err := posting()
		if err != nil {
			return nil, err
		}
		if bm.GetCardinality() > 0 && ndel > 0 {
			bm.AndNot(dels.bitmap(entries, ndel))
		}
		rows = bm
	}
	if slot != nil {
		// Keep the newest prefix: snapshots mostly ask for it.
		for {
			c := slot.Load()
			if c != nil && c.n >= ndel {
				break
			}
			if slot.CompareAndSwap(c, &liveLookup{n: ndel, rows: rows.Clone()}) {
				break
			}
		}
	}
	return rows, nil
}
