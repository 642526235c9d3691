package index

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/RoaringBitmap/roaring/v2"
	"github.com/basaltdb/basalt/types"
)

// entry is one term of a test index with a value it stands for and its rows.
type entry struct {
	term []byte
	val  types.Value
	rows []uint32
}

// randEntries returns n distinct random terms in ascending order, each with
// one row (stored inline) or a few to many (stored as a bitmap).
func randEntries(r *rand.Rand, n int) []entry {
	byTerm := map[string]entry{}
	for len(byTerm) < n {
		v := randTermValue(r)
		if r.IntN(4) == 0 {
			// Dense ints make range lookups cross many blocks.
			v = types.Int(int64(r.IntN(4 * n)))
		}
		t := AppendTerm(nil, v)
		if _, ok := byTerm[string(t)]; ok {
			continue
		}
		var rows []uint32
		switch r.IntN(3) {
		case 0:
			rows = []uint32{r.Uint32()}
		case 1:
			rows = []uint32{r.Uint32N(1000)}
		default:
			set := map[uint32]bool{}
			for range 2 + r.IntN(50) {
				set[r.Uint32N(1<<20)] = true
			}
			for row := range set {
				rows = append(rows, row)
			}
			slices.Sort(rows)
		}
		byTerm[string(t)] = entry{term: t, val: v, rows: rows}
	}
	es := make([]entry, 0, n)
	for _, e := range byTerm {
		es = append(es, e)
	}
	slices.SortFunc(es, func(a, b entry) int { return bytes.Compare(a.term, b.term) })
	return es
}

func buildRegion(t testing.TB, es []entry) []byte { return buildRegionAs(t, es, false) }

// buildRegionAs builds the region with its term blocks stored as they are
// (raw) or, when worth it, Huffman-coded.
func buildRegionAs(t testing.TB, es []entry, raw bool) []byte {
	w := NewInvertedWriter()
	w.raw = raw
	for _, e := range es {
		if err := w.Add(e.term, e.rows); err != nil {
			t.Fatalf("Add(%x): %v", e.term, err)
		}
	}
	if w.Terms() != len(es) {
		t.Fatalf("Terms() = %d, want %d", w.Terms(), len(es))
	}
	return w.Finish()
}

// openInBuffer places region at a non-zero offset inside a larger buffer.
func openInBuffer(t testing.TB, region []byte) *InvertedReader {
	prefix := bytes.Repeat([]byte{0xee}, 37)
	buf := append(append(append([]byte(nil), prefix...), region...), "trailing junk"...)
	ir, err := OpenInverted(bytes.NewReader(buf), int64(len(prefix)), int64(len(region)))
	if err != nil {
		t.Fatalf("OpenInverted: %v", err)
	}
	return ir
}

func bruteForce(es []entry, p Predicate) *roaring.Bitmap {
	bm := roaring.New()
	for _, e := range es {
		if p.Match(e.val) {
			bm.AddMany(e.rows)
		}
	}
	return bm
}

// predicateFor returns a random predicate that often hits terms of es.
func predicateFor(r *rand.Rand, es []entry) Predicate {
	pick := func() types.Value {
		if len(es) == 0 || r.IntN(4) == 0 {
			return randTermValue(r)
		}
		return es[r.IntN(len(es))].val
	}
	switch r.IntN(5) {
	case 0:
		return Eq(pick())
	case 1:
		vs := make([]types.Value, r.IntN(6))
		for k := range vs {
			vs[k] = pick()
		}
		return In(vs...)
	case 2, 3:
		lo, hi := pick(), pick()
		if types.Compare(lo, hi) > 0 && r.IntN(4) > 0 {
			lo, hi = hi, lo
		}
		switch r.IntN(5) {
		case 0:
			lo = types.Undefined
		case 1:
			hi = types.Undefined
		}
		if lo.IsUndefined() && hi.IsUndefined() {
			lo = pick()
		}
		return Range(lo, r.IntN(2) == 0, hi, r.IntN(2) == 0)
	}
	if v := pick(); v.Kind() == types.KindString {
		return Prefix(v.Str()[:r.IntN(len(v.Str())+1)])
	}
	return Prefix(randStr(r))
}

// regionMagic returns the magic a region ends with: coded or not.
func regionMagic(region []byte) uint32 {
	return binary.LittleEndian.Uint32(region[len(region)-4:])
}

func TestInvertedLookupMatchesBruteForce(t *testing.T) {
	r := newRand(t)
	for _, raw := range []bool{false, true} {
		for _, n := range []int{0, 1, 2, termsPerBlock - 1, termsPerBlock, termsPerBlock + 1, 3 * termsPerBlock, 1000} {
			t.Run(fmt.Sprintf("raw=%v/terms=%d", raw, n), func(t *testing.T) { checkLookups(t, r, n, raw) })
		}
	}
}

// checkLookups compares random lookups in a region of n random terms with
// brute force.
func checkLookups(t *testing.T, r *rand.Rand, n int, raw bool) {
	es := randEntries(r, n)
	region := buildRegionAs(t, es, raw)
	if want := uint32(codedMagic); n >= 1000 && (regionMagic(region) == want) == raw {
		t.Fatalf("region of %d terms, raw %v: magic %x", n, raw, regionMagic(region))
	}
	ir := openInBuffer(t, region)
	if ir.NumTerms() != n {
		t.Fatalf("NumTerms() = %d, want %d", ir.NumTerms(), n)
	}
	for range 400 {
		p := predicateFor(r, es)
		if p.Validate() != nil {
			continue
		}
		got := roaring.New()
		got.Add(1<<31 + 7) // Lookup adds to dst; it must not clear it.
		if err := ir.Lookup(p, got, roaring.New()); err != nil {
			t.Fatalf("Lookup(%s): %v", p, err)
		}
		want := bruteForce(es, p)
		want.Add(1<<31 + 7)
		if !got.Equals(want) {
			t.Fatalf("Lookup(%s):\n got %v\nwant %v", p, got.ToArray(), want.ToArray())
		}
	}
}

func TestInvertedEachTerm(t *testing.T) {
	r := newRand(t)
	es := randEntries(r, 300)
	for _, raw := range []bool{false, true} {
		checkEachTerm(t, es, openInBuffer(t, buildRegionAs(t, es, raw)))
	}
}

func checkEachTerm(t *testing.T, es []entry, ir *InvertedReader) {
	k := 0
	err := ir.EachTerm(func(term []byte, count int) {
		if k >= len(es) {
			t.Fatalf("EachTerm gave more than %d terms", len(es))
		}
		if !bytes.Equal(term, es[k].term) || count != len(es[k].rows) {
			t.Fatalf("term %d = %x (%d rows), want %x (%d rows)", k, term, count, es[k].term, len(es[k].rows))
		}
		k++
	})
	if err != nil || k != len(es) {
		t.Fatalf("EachTerm: %d terms, %v", k, err)
	}
}

// TestInvertedLive checks EachPosting's counts and first rows, and the
// live rows and first live row Live gives each term's PostingRef, against
// the entries with a random half of their rows deleted: single rows,
// inline lists and bitmaps alike.
func TestInvertedLive(t *testing.T) {
	r := newRand(t)
	es := randEntries(r, 300)
	ir := openInBuffer(t, buildRegion(t, es))
	k := 0
	if err := ir.EachPosting(true, func(term []byte, count int, first uint32) bool {
		if !bytes.Equal(term, es[k].term) || count != len(es[k].rows) || first != es[k].rows[0] {
			t.Fatalf("term %d: %x, %d rows from %d; want %x, %d from %d", k, term, count, first, es[k].term, len(es[k].rows), es[k].rows[0])
		}
		k++
		return true
	}); err != nil || k != len(es) {
		t.Fatalf("EachPosting: %d terms, %v", k, err)
	}
	refs, err := ir.PostingRefs()
	if err != nil || len(refs) != len(es) {
		t.Fatalf("PostingRefs: %d refs for %d terms, %v", len(refs), len(es), err)
	}
	deleted := roaring.New()
	for _, e := range es {
		for _, row := range e.rows {
			if r.IntN(2) == 0 {
				deleted.Add(row)
			}
		}
	}
	for i, e := range es {
		want, wantFirst := 0, uint32(0)
		for _, row := range e.rows {
			if !deleted.Contains(row) {
				if want == 0 {
					wantFirst = row
				}
				want++
			}
		}
		live, first, err := ir.Live(refs[i], deleted)
		if err != nil || live != want || first != wantFirst {
			t.Fatalf("term %d (%d rows): %d live from %d, %v; want %d from %d", i, len(e.rows), live, first, err, want, wantFirst)
		}
		if live, first, _ := ir.Live(refs[i], nil); live != len(e.rows) || first != e.rows[0] {
			t.Fatalf("term %d, nothing deleted: %d live from %d; want %d from %d", i, live, first, len(e.rows), e.rows[0])
		}
	}
}

func TestInvertedWriterErrors(t *testing.T) {
	w := NewInvertedWriter()
	if err := w.Add([]byte("b"), []uint32{1}); err != nil {
		t.Fatal(err)
	}
	if err := w.Add([]byte("a"), []uint32{1}); err == nil {
		t.Fatal("out-of-order term accepted")
	}
	if err := w.Add([]byte("b"), []uint32{2}); err == nil {
		t.Fatal("repeated term accepted")
	}
	if err := w.Add([]byte("c"), nil); err == nil {
		t.Fatal("term without rows accepted")
	}
	if err := w.Add([]byte("d"), []uint32{3, 3}); err == nil {
		t.Fatal("duplicate rows accepted")
	}
	if err := w.Add([]byte("e"), []uint32{5, 4}); err == nil {
		t.Fatal("descending rows accepted")
	}
	// Out-of-order detection across a block boundary.
	w = NewInvertedWriter()
	for k := range termsPerBlock {
		if err := w.Add([]byte{byte(10 + k)}, []uint32{uint32(k)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Add([]byte{5}, []uint32{1}); err == nil {
		t.Fatal("out-of-order term accepted as a block's first")
	}
	// The failed adds left the writer usable.
	if err := w.Add([]byte{200}, []uint32{1, 2}); err != nil {
		t.Fatal(err)
	}
	ir := openInBuffer(t, w.Finish())
	if ir.NumTerms() != termsPerBlock+1 {
		t.Fatalf("NumTerms() = %d", ir.NumTerms())
	}
}

func TestOpenInvertedCorrupt(t *testing.T) {
	r := newRand(t)
	region := buildRegion(t, randEntries(r, 200))
	for _, tc := range []struct {
		name string
		b    []byte
	}{
		{"short", region[len(region)-10:]},
		{"bad magic", append(append([]byte(nil), region[:len(region)-1]...), 0)},
		{"truncated front", region[len(region)/2:]},
	} {
		_, err := OpenInverted(bytes.NewReader(tc.b), 0, int64(len(tc.b)))
		if !errors.Is(err, ErrCorruptIndex) {
			t.Errorf("%s: OpenInverted = %v, want ErrCorruptIndex", tc.name, err)
		}
	}
	// A region beyond the reader's end is an I/O error.
	if _, err := OpenInverted(bytes.NewReader(region), 10, int64(len(region))); err == nil {
		t.Error("OpenInverted past the end succeeded")
	}
}

// handRegion assembles a region from raw parts, for corruptions the writer
// cannot produce.
func handRegion(postings, blocks, index []byte, terms, nblocks uint32) []byte {
	out := append(append(append([]byte(nil), postings...), blocks...), index...)
	out = binary.LittleEndian.AppendUint32(out, terms)
	out = binary.LittleEndian.AppendUint32(out, nblocks)
	out = binary.LittleEndian.AppendUint32(out, uint32(len(postings)+len(blocks)))
	return binary.LittleEndian.AppendUint32(out, invertedMagic)
}

func TestInvertedCorruptOffsets(t *testing.T) {
	uv := func(xs ...uint64) []byte {
		var b []byte
		for _, x := range xs {
			b = binary.AppendUvarint(b, x)
		}
		return b
	}
	term := AppendTerm(nil, types.Int(1))
	oneTermBlock := func(post []byte) []byte {
		return append(append(uv(0, uint64(len(term))), term...), post...)
	}
	blk := oneTermBlock(uv(1, 7))
	for _, tc := range []struct {
		name   string
		region []byte
	}{
		// Block offset + length wrap around 2^64 to pass a sum check.
		{"block span wraps", handRegion(nil, blk, uv(0, 1<<63, 1<<63), 1, 1)},
		{"block offset wraps", handRegion(nil, blk, uv(0, 1<<64-1, 2), 1, 1)},
		{"block past index", handRegion(nil, blk, uv(0, 0, uint64(len(blk)+1)), 1, 1)},
		// Posting offset + length wrap (a count above maxInlineRows means a
		// bitmap reference).
		{"posting span wraps", handRegion(nil, oneTermBlock(uv(17, 1, 1<<64-1)), uv(0, 0, uint64(len(oneTermBlock(uv(17, 1, 1<<64-1))))), 1, 1)},
		{"posting offset wraps", handRegion(nil, oneTermBlock(uv(17, 1<<64-1, 2)), uv(0, 0, uint64(len(oneTermBlock(uv(17, 1<<64-1, 2))))), 1, 1)},
		{"posting in trailer", handRegion(nil, oneTermBlock(uv(17, 0, 20)), uv(0, 0, uint64(len(oneTermBlock(uv(17, 0, 20))))), 1, 1)},
		{"posting garbage", handRegion([]byte("garbage!"), oneTermBlock(uv(17, 0, 8)), uv(0, 8, uint64(len(oneTermBlock(uv(17, 0, 8))))), 1, 1)},
		// An inline list with a zero delta or a row past 2^32.
		{"inline repeats a row", handRegion(nil, oneTermBlock(uv(3, 5, 0, 1)), uv(0, 0, uint64(len(oneTermBlock(uv(3, 5, 0, 1))))), 1, 1)},
		{"inline row overflows", handRegion(nil, oneTermBlock(uv(2, 1<<32-1, 1)), uv(0, 0, uint64(len(oneTermBlock(uv(2, 1<<32-1, 1))))), 1, 1)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ir, err := OpenInverted(bytes.NewReader(tc.region), 0, int64(len(tc.region)))
			if err != nil {
				if !errors.Is(err, ErrCorruptIndex) {
					t.Fatalf("OpenInverted: %v, want ErrCorruptIndex", err)
				}
				return
			}
			err = ir.Lookup(Eq(types.Int(1)), roaring.New(), roaring.New())
			if !errors.Is(err, ErrCorruptIndex) {
				t.Fatalf("Lookup = %v, want ErrCorruptIndex", err)
			}
		})
	}
}

// lookupAll exercises a reader that opened, returning the first error.
func lookupAll(ir *InvertedReader) error {
	var terms [][]byte
	if err := ir.EachTerm(func(term []byte, count int) {
		if len(terms) < 16 {
			terms = append(terms, bytes.Clone(term))
		}
	}); err != nil {
		return err
	}
	preds := []Predicate{
		Range(types.Int(-1<<62), true, types.Undefined, false),
		Range(types.Undefined, false, types.Timestamp(1<<62), true),
		Range(types.Bool(false), true, types.Undefined, false),
		Prefix(""),
		Eq(types.Null),
	}
	for _, term := range terms {
		if v, ok := DecodeTerm(term); ok {
			preds = append(preds, Eq(v))
		}
	}
	for _, p := range preds {
		if err := ir.Lookup(p, roaring.New(), roaring.New()); err != nil {
			return err
		}
	}
	return nil
}

func FuzzOpenInverted(f *testing.F) {
	f.Add([]byte(nil))
	es := randEntries(rand.New(rand.NewPCG(1, 2)), 300)
	for _, raw := range []bool{false, true} {
		f.Add(buildRegionAs(f, es, raw))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		ir, err := OpenInverted(bytes.NewReader(b), 0, int64(len(b)))
		if err != nil {
			return
		}
		if err := lookupAll(ir); err != nil && !errors.Is(err, ErrCorruptIndex) && !strings.Contains(err.Error(), "read ") {
			t.Fatalf("unexpected error class: %v", err)
		}
	})
}

// BenchmarkInvertedLookup: lookups in a region of 100,000 int terms, its
// term blocks Huffman-coded (raw=false) or stored as they are.
func BenchmarkInvertedLookup(b *testing.B) {
	for _, raw := range []bool{false, true} {
		b.Run(fmt.Sprintf("raw=%v", raw), func(b *testing.B) { benchLookups(b, raw) })
	}
}

func benchLookups(b *testing.B, raw bool) {
	const n = 100000
	w := NewInvertedWriter()
	w.raw = raw
	rows := make([]uint32, 0, 64)
	for k := range n {
		// Every fourth term is a bitmap of 32 rows; others hold one row,
		// as ids and timestamps do.
		rows = rows[:0]
		if k%4 == 0 {
			for j := range 32 {
				rows = append(rows, uint32(k*32+j))
			}
		} else {
			rows = append(rows, uint32(k))
		}
		if err := w.Add(AppendTerm(nil, types.Int(int64(k))), rows); err != nil {
			b.Fatal(err)
		}
	}
	region := w.Finish()
	if (regionMagic(region) == codedMagic) == raw {
		b.Fatalf("raw %v: region magic %x", raw, regionMagic(region))
	}
	ir, err := OpenInverted(bytes.NewReader(region), 0, int64(len(region)))
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("region: %d terms in %d bytes", n, len(region))
	for _, bc := range []struct {
		name string
		p    Predicate
	}{
		{"pred=eq-inline", Eq(types.Int(n/2 + 1))},
		{"pred=eq-bitmap", Eq(types.Int(n / 2))},
		{"pred=in-8", In(types.Int(1), types.Int(5000), types.Int(9), types.Int(77777), types.Int(123), types.Int(4), types.Int(60000), types.Int(99999))},
		{"pred=range-1000", Range(types.Int(40000), true, types.Int(41000), false)},
		{"pred=miss", Eq(types.String("nope"))},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			dst := roaring.New()
			var found uint64
			for b.Loop() {
				dst.Clear()
				if err := ir.Lookup(bc.p, dst, roaring.New()); err != nil {
					b.Fatal(err)
				}
				found = dst.GetCardinality()
			}
			b.ReportMetric(float64(found), "rows/op")
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "lookups/s")
		})
	}
}

func TestCommonPrefix(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for i := 0; i < 20000; i++ {
		a := make([]byte, rng.IntN(40))
		for k := range a {
			a[k] = byte('a' + rng.IntN(2))
		}
		b := append([]byte(nil), a[:rng.IntN(len(a)+1)]...)
		for k := rng.IntN(20); k > 0; k-- {
			b = append(b, byte('a'+rng.IntN(2)))
		}
		want := 0
		for want < len(a) && want < len(b) && a[want] == b[want] {
			want++
		}
		if got := commonPrefix(a, b); got != want {
			t.Fatalf("commonPrefix(%q, %q) = %d, want %d", a, b, got, want)
		}
	}
}

// TestInvertedWriterReset: a writer reset and reused writes, for each
// region, the bytes a fresh writer writes, and AppendRegion keeps what dst
// held.
func TestInvertedWriterReset(t *testing.T) {
	r := newRand(t)
	w := NewInvertedWriter()
	for round, n := range []int{1000, 3, 300, 0, 1000} {
		es := randEntries(r, n)
		w.Reset()
		for _, e := range es {
			if err := w.Add(e.term, e.rows); err != nil {
				t.Fatal(err)
			}
		}
		got := w.AppendRegion([]byte("head"))
		want := buildRegion(t, es)
		if string(got[:4]) != "head" || !bytes.Equal(got[4:], want) {
			t.Fatalf("round %d (%d terms): reused writer's region differs from a fresh one's (%d and %d bytes)", round, n, len(got)-4, len(want))
		}
	}
}

// TestInvertedIncompressibleStaysRaw: term blocks that Huffman coding
// would not shrink by a sixteenth (terms of random bytes) are written in
// the uncoded format, which reads without a decode.
func TestInvertedIncompressibleStaysRaw(t *testing.T) {
	r := newRand(t)
	byTerm := map[string]bool{}
	for len(byTerm) < 2000 {
		b := make([]byte, 24)
		for i := range b {
			b[i] = byte(r.Uint32())
		}
		byTerm[string(AppendTerm(nil, types.String(string(b))))] = true
	}
	var es []entry
	for term := range byTerm {
		es = append(es, entry{term: []byte(term), rows: []uint32{r.Uint32N(1 << 16)}})
	}
	slices.SortFunc(es, func(a, b entry) int { return bytes.Compare(a.term, b.term) })
	region := buildRegion(t, es)
	if m := regionMagic(region); m != invertedMagic {
		t.Fatalf("random-byte terms: region magic %x, want the uncoded %x", m, uint32(invertedMagic))
	}
	checkEachTerm(t, es, openInBuffer(t, region))
}

// TestInvertedCodedCorrupt: a coded region whose Huffman table does not
// parse, or whose block does not decode to the length its index says,
// is refused as corrupt, not read as other terms.
func TestInvertedCodedCorrupt(t *testing.T) {
	r := newRand(t)
	es := randEntries(r, 1000)
	region := buildRegion(t, es)
	if regionMagic(region) != codedMagic {
		t.Fatalf("1,000 random terms: region magic %x, want coded", regionMagic(region))
	}
	trailer := region[len(region)-codedTrailer:]
	indexOff := int(binary.LittleEndian.Uint32(trailer[8:]))
	tableOff := int(binary.LittleEndian.Uint32(trailer[12:]))

	badTable := bytes.Clone(region)
	badTable[tableOff] = 0 // a table header announcing no weights
	if _, err := OpenInverted(bytes.NewReader(badTable), 0, int64(len(badTable))); !errors.Is(err, ErrCorruptIndex) {
		t.Errorf("bad Huffman table: OpenInverted = %v, want ErrCorruptIndex", err)
	}

	// The first coded block's decoded length, one more than it is.
	idx := region[indexOff : len(region)-codedTrailer]
	var out []byte
	bumped := false
	uv := func() uint64 {
		v, n := binary.Uvarint(idx)
		if n <= 0 {
			t.Fatal("block index does not parse")
		}
		idx = idx[n:]
		return v
	}
	for len(idx) > 0 {
		l := uv()
		out = binary.AppendUvarint(out, l)
		out = append(out, idx[:l]...)
		idx = idx[l:]
		off, stored, decoded := uv(), uv(), uv()
		if !bumped && decoded > 0 {
			decoded++
			bumped = true
		}
		out = binary.AppendUvarint(out, off)
		out = binary.AppendUvarint(out, stored)
		out = binary.AppendUvarint(out, decoded)
	}
	if !bumped {
		t.Fatal("no coded block")
	}
	badBlock := append(append(bytes.Clone(region[:indexOff]), out...), trailer...)
	ir, err := OpenInverted(bytes.NewReader(badBlock), 0, int64(len(badBlock)))
	if err != nil {
		t.Fatal(err)
	}
	if err := ir.EachTerm(func([]byte, int) {}); !errors.Is(err, ErrCorruptIndex) {
		t.Fatalf("block that decodes short: EachTerm = %v, want ErrCorruptIndex", err)
	}
}
