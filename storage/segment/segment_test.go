package segment

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/RoaringBitmap/roaring/v2"
	"github.com/basaltdb/basalt/coldata"
	"github.com/basaltdb/basalt/index"
	"github.com/basaltdb/basalt/storage/encoding"
	"github.com/basaltdb/basalt/storage/paced"
	"github.com/basaltdb/basalt/types"
	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/cockroachdb/pebble/v2/vfs/errorfs"
)

// testRows returns n documents with a few columns of mixed kinds.
func testRows(rng *rand.Rand, n int) []types.Value {
	docs := make([]types.Value, n)
	for i := range docs {
		f := []types.Field{{Name: "_id", Value: types.String(fmt.Sprintf("id%05d", i))}}
		switch rng.IntN(4) {
		case 0:
			f = append(f, types.Field{Name: "a", Value: types.Int(int64(rng.IntN(50)))})
		case 1:
			f = append(f, types.Field{Name: "a", Value: types.String(fmt.Sprintf("s%d", rng.IntN(20)))})
		case 2:
			f = append(f, types.Field{Name: "a", Value: types.Null})
		}
		f = append(f, types.Field{Name: "tags", Value: types.Array([]types.Value{types.String("x"), types.Int(int64(i % 7))})})
		docs[i] = types.Object(f)
	}
	return docs
}

// writeTestSegment writes docs with every column's index built by the
// writer, except "a" whose index is written with AddIndex.
func writeTestSegment(t *testing.T, fs vfs.FS, name string, docs []types.Value) int64 {
	t.Helper()
	return writeTestSegmentWith(t, fs, name, docs, nil)
}

// writeTestSegmentWith is writeTestSegment with setup applied to the
// writer first.
func writeTestSegmentWith(t *testing.T, fs vfs.FS, name string, docs []types.Value, setup func(*Writer)) int64 {
	t.Helper()
	w, err := Create(fs, name)
	if err != nil {
		t.Fatal(err)
	}
	if setup != nil {
		setup(w)
	}
	for _, path := range []string{"_id", "a", "tags"} {
		var col *Column
		if path == "a" {
			col = w.BeginColumnValues(path)
		} else {
			col = w.BeginColumn(path)
		}
		for _, d := range docs {
			col.Append(types.FieldPath(path).Eval(d))
		}
		if err := col.End(); err != nil {
			t.Fatal(err)
		}
	}
	// The prebuilt index of "a".
	byTerm := map[string][]uint32{}
	for i, d := range docs {
		if v := d.Get("a"); index.Indexable(v) {
			byTerm[index.Term(v)] = append(byTerm[index.Term(v)], uint32(i))
		}
	}
	var terms [][]byte
	for t := range byTerm {
		terms = append(terms, []byte(t))
	}
	sortBytes(terms)
	rows := make([][]uint32, len(terms))
	for i, tm := range terms {
		rows[i] = byTerm[string(tm)]
	}
	if err := w.AddIndex("a", terms, rows); err != nil {
		t.Fatal(err)
	}
	ids := make([]uint64, len(docs))
	for i, d := range docs {
		ids[i] = uint64(10 + 3*i)
		if err := w.AddRow(types.AppendBinary(nil, d)); err != nil {
			t.Fatal(err)
		}
	}
	size, err := w.Finish(Meta{Rows: len(docs), MinEventTime: 1, MaxEventTime: 2, RowIDs: ids})
	if err != nil {
		t.Fatal(err)
	}
	return size
}

func sortBytes(b [][]byte) {
	for i := 1; i < len(b); i++ {
		for j := i; j > 0 && bytes.Compare(b[j], b[j-1]) < 0; j-- {
			b[j], b[j-1] = b[j-1], b[j]
		}
	}
}

func TestSegmentRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	fs := vfs.NewMem()
	docs := testRows(rng, 3*index.BlockRows+17)
	writeTestSegment(t, fs, "seg", docs)
	r, err := Open(fs, "seg")
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if r.NumRows() != len(docs) || r.RowIDs()[5] != 25 {
		t.Fatalf("rows %d, row id 5 = %d", r.NumRows(), r.RowIDs()[5])
	}
	// Columns read back value by value, within and across blocks.
	for _, path := range []string{"_id", "a", "tags", "absent"} {
		var v coldata.Vec
		lo, hi := index.BlockRows-3, 2*index.BlockRows+5
		if err := r.ReadColumn(path, lo, hi, &v); err != nil {
			t.Fatal(err)
		}
		for i := lo; i < hi; i++ {
			want := types.FieldPath(path).Eval(docs[i])
			if got := v.Value(i - lo); !types.Equal(got, want) && !(got.IsUndefined() && want.IsUndefined()) {
				t.Fatalf("%s row %d: %s, want %s", path, i, got, want)
			}
		}
	}
	// Lookups agree with brute force, for the writer-built and the
	// prebuilt index alike.
	for _, tc := range []struct {
		ipath string
		pred  index.Predicate
	}{
		{"a", index.Eq(types.Int(7))},
		{"a", index.Eq(types.Float(7))},
		{"a", index.Range(types.Int(10), true, types.Int(20), false)},
		{"a", index.Prefix("s1")},
		{"a", index.Eq(types.Null)},
		{"tags[*]", index.Eq(types.Int(3))},
		{"_id", index.In(types.String("id00003"), types.String("id09999"))},
	} {
		got := roaring.New()
		if err := r.Lookup(tc.ipath, tc.pred, got); err != nil {
			t.Fatal(err)
		}
		want := roaring.New()
		for i, d := range docs {
			for _, v := range valuesAt(d, tc.ipath) {
				if tc.pred.Match(v) {
					want.Add(uint32(i))
				}
			}
		}
		if !got.Equals(want) {
			t.Fatalf("%s %s: %d rows, want %d", tc.ipath, tc.pred, got.GetCardinality(), want.GetCardinality())
		}
	}
	// Documents come back from the row section.
	for _, row := range []int{0, 1, 400, len(docs) - 1, 3} {
		b, err := r.Doc(row)
		if err != nil {
			t.Fatal(err)
		}
		got, err := types.DecodeBinary(b)
		if err != nil || !types.Equal(got, docs[row]) {
			t.Fatalf("row %d: %s (%v), want %s", row, got, err, docs[row])
		}
	}
}

// valuesAt returns the scalars an index path holds in d.
func valuesAt(d types.Value, ipath string) []types.Value {
	var out []types.Value
	types.Flatten(d, nil, func(path []byte, v types.Value) {
		types.IndexTerms(path, v, func(ip []byte, e types.Value) {
			if string(ip) == ipath {
				out = append(out, e)
			}
		})
	})
	return out
}

// TestSegmentCorruption flips bytes and truncates files: opening or reading
// must fail with an error, never panic or return wrong data silently where a
// checksum covers it.
func TestSegmentCorruption(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	fs := vfs.NewMem()
	docs := testRows(rng, 500)
	size := writeTestSegment(t, fs, "seg", docs)
	orig := readAll(t, fs, "seg")
	for i := 0; i < 300; i++ {
		b := append([]byte(nil), orig...)
		switch i % 3 {
		case 0:
			b[rng.IntN(len(b))] ^= byte(1 + rng.IntN(255))
		case 1:
			b = b[:rng.IntN(len(b))]
		case 2:
			// Footer region: the checksum must catch it.
			b[int(size)-20-rng.IntN(40)] ^= 0xff
		}
		writeAll(t, fs, "bad", b)
		r, err := Open(fs, "bad")
		if err != nil {
			continue
		}
		// Reads may fail, but not panic.
		var v coldata.Vec
		var dec encoding.Decoder
		for _, p := range []string{"_id", "a", "tags"} {
			for blk := 0; blk < r.NumBlocks(); blk++ {
				_ = r.ReadBlock(p, blk, &dec, &v)
			}
			_ = r.Lookup(p, index.Eq(types.Int(1)), roaring.New())
		}
		for row := 0; row < r.NumRows(); row += 50 {
			_, _ = r.Doc(row)
		}
		r.Close()
	}
}

func readAll(t *testing.T, fs vfs.FS, name string) []byte {
	f, err := fs.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, _ := f.Stat()
	b := make([]byte, st.Size())
	if _, err := f.ReadAt(b, 0); err != nil {
		t.Fatal(err)
	}
	return b
}

func writeAll(t *testing.T, fs vfs.FS, name string, b []byte) {
	f, err := fs.Create(name, vfs.WriteCategoryUnspecified)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write(b); err != nil {
		t.Fatal(err)
	}
	f.Close()
}

// FuzzOpenSegment opens arbitrary bytes as a segment file.
func FuzzOpenSegment(f *testing.F) {
	rng := rand.New(rand.NewPCG(5, 6))
	fs := vfs.NewMem()
	t := &testing.T{}
	writeTestSegment(t, fs, "seed", testRows(rng, 40))
	f.Add(readAll(t, fs, "seed"))
	f.Fuzz(func(t *testing.T, b []byte) {
		fs := vfs.NewMem()
		writeAll(t, fs, "x", b)
		r, err := Open(fs, "x")
		if err != nil {
			return
		}
		defer r.Close()
		var v coldata.Vec
		var dec encoding.Decoder
		for _, fsd := range r.Fields() {
			for blk := 0; blk < r.NumBlocks(); blk++ {
				_ = r.ReadBlock(fsd.Path, blk, &dec, &v)
			}
		}
		for _, p := range r.IndexPaths() {
			_ = r.Lookup(p, index.Range(types.Int(0), true, types.Undefined, false), roaring.New())
		}
		if r.HasRows() {
			_, _ = r.Doc(0)
		}
	})
}

// TestSparseColumns writes the same data with every column dense and with
// every column sparse; both read back identically.
func TestSparseColumns(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	rows := 2*index.BlockRows + 100
	docs := make([]types.Value, rows)
	for i := range docs {
		f := []types.Field{{Name: "_id", Value: types.String(fmt.Sprint(i))}}
		if rng.IntN(40) == 0 {
			f = append(f, types.Field{Name: "rare", Value: types.String(fmt.Sprintf("v%d", rng.IntN(5)))})
		}
		if rng.IntN(60) == 0 {
			f = append(f, types.Field{Name: "arr", Value: types.Array([]types.Value{types.Int(int64(rng.IntN(3))), types.Null})})
		}
		docs[i] = types.Object(f)
	}
	fs := vfs.NewMem()
	write := func(name string, sparse bool) *Reader {
		w, err := Create(fs, name)
		if err != nil {
			t.Fatal(err)
		}
		for _, path := range []string{"_id", "arr", "rare"} {
			col := w.BeginColumn(path)
			if sparse && path != "_id" {
				col.Sparse()
			}
			for _, d := range docs {
				col.Append(types.FieldPath(path).Eval(d))
			}
			if err := col.End(); err != nil {
				t.Fatal(err)
			}
		}
		ids := make([]uint64, rows)
		for i := range ids {
			ids[i] = uint64(i + 1)
		}
		if _, err := w.Finish(Meta{Rows: rows, RowIDs: ids}); err != nil {
			t.Fatal(err)
		}
		r, err := Open(fs, name)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { r.Close() })
		return r
	}
	dense, sparse := write("dense", false), write("sparse", true)
	if dense.Size() <= sparse.Size() {
		t.Fatalf("sparse file is %d bytes, dense %d: sparse should be smaller", sparse.Size(), dense.Size())
	}
	for _, path := range []string{"arr", "rare", "absent"} {
		var a, b coldata.Vec
		if err := dense.ReadColumn(path, 0, rows, &a); err != nil {
			t.Fatal(err)
		}
		if err := sparse.ReadColumn(path, 0, rows, &b); err != nil {
			t.Fatal(err)
		}
		for i := 0; i < rows; i++ {
			x, y := a.Value(i), b.Value(i)
			if x.Kind() != y.Kind() || !types.Equal(x, y) && x.Kind() != types.KindUndefined && x.Kind() != types.KindNull {
				t.Fatalf("%s row %d: dense %s, sparse %s", path, i, x, y)
			}
		}
		if fmt.Sprint(dense.DefinedPerBlock(path)) != fmt.Sprint(sparse.DefinedPerBlock(path)) {
			t.Fatalf("%s: defined per block %v vs %v", path, dense.DefinedPerBlock(path), sparse.DefinedPerBlock(path))
		}
		zd, zs := dense.Zones(path), sparse.Zones(path)
		for b := range zd {
			if zd[b].Undefined != zs[b].Undefined {
				t.Fatalf("%s block %d: undefined %d vs %d", path, b, zd[b].Undefined, zs[b].Undefined)
			}
		}
	}
	for _, tc := range []struct {
		ipath string
		p     index.Predicate
	}{{"rare", index.Eq(types.String("v3"))}, {"arr[*]", index.Eq(types.Int(2))}, {"rare", index.Prefix("v")}} {
		a, b := roaring.New(), roaring.New()
		if err := dense.Lookup(tc.ipath, tc.p, a); err != nil {
			t.Fatal(err)
		}
		if err := sparse.Lookup(tc.ipath, tc.p, b); err != nil {
			t.Fatal(err)
		}
		if !a.Equals(b) || a.IsEmpty() {
			t.Fatalf("%s %s: dense %d rows, sparse %d", tc.ipath, tc.p, a.GetCardinality(), b.GetCardinality())
		}
	}
}

// TestRowSectionAcrossChunks: the row section is built in 1 MiB chunks; a
// few MiB of incompressible documents, some bigger than a row block, span
// several chunks and every one reads back whole.
// textDocs returns n documents with random text of up to 4,000 bytes, and
// every hundredth over a row block.
func textDocs(rng *rand.Rand, n int) []types.Value {
	const letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	docs := make([]types.Value, n)
	for i := range docs {
		n := 1 + rng.IntN(4000)
		if i%100 == 7 {
			n = 3 * rowBlockBytes // a document over a row block
		}
		b := make([]byte, n)
		for j := range b {
			b[j] = letters[rng.IntN(len(letters))]
		}
		docs[i] = types.Object([]types.Field{
			{Name: "_id", Value: types.String(fmt.Sprintf("id%05d", i))},
			{Name: "text", Value: types.String(string(b))},
		})
	}
	return docs
}

func TestRowSectionAcrossChunks(t *testing.T) {
	docs := textDocs(rand.New(rand.NewPCG(5, 6)), 1500)
	fs := vfs.NewMem()
	writeTestSegment(t, fs, "seg", docs)
	r, err := Open(fs, "seg")
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if r.NumRows() != len(docs) {
		t.Fatalf("%d rows, want %d", r.NumRows(), len(docs))
	}
	for row := range docs {
		b, err := r.Doc(row)
		if err != nil {
			t.Fatalf("row %d: %v", row, err)
		}
		got, err := types.DecodeBinary(b)
		if err != nil || !types.Equal(got, docs[row]) {
			t.Fatalf("row %d does not read back (%v)", row, err)
		}
	}
}

// TestSegmentWritesBackAsItGoes: a segment of several megabytes is synced
// every paced.Step as it is written, big regions included, while its
// pace function says so, and not otherwise (see package paced).
func TestSegmentWritesBackAsItGoes(t *testing.T) {
	for _, pace := range []bool{true, false} {
		t.Run(fmt.Sprintf("paced=%v", pace), func(t *testing.T) {
			// On a real file, the file under the paced one asks for
			// write-back with SyncTo (sync_file_range); the paced
			// syncs, and Finish's one, are SyncData.
			var syncs atomic.Int64
			fs := errorfs.Wrap(vfs.Default, errorfs.InjectorFunc(func(op errorfs.Op) error {
				if op.Kind == errorfs.OpFileSyncData && strings.HasSuffix(op.Path, ".tmp") {
					syncs.Add(1)
				}
				return nil
			}))
			var asked atomic.Int64
			size := writeTestSegmentWith(t, fs, filepath.Join(t.TempDir(), "seg"), textDocs(rand.New(rand.NewPCG(7, 8)), 1500), func(w *Writer) {
				w.PaceSyncs(func() bool { asked.Add(1); return pace })
			})
			if size < 3*paced.Step {
				t.Fatalf("a segment of %d bytes proves nothing", size)
			}
			// Writes are at most writeBufBytes: a sync follows every
			// paced.Step, give or take one write.
			n, want := syncs.Load(), size/(paced.Step+writeBufBytes)
			if pace && n < want {
				t.Fatalf("a segment of %d bytes was synced %d times while written, want at least %d", size, n, want)
			}
			if !pace && (n > 1 || asked.Load() < want) {
				t.Fatalf("a segment of %d bytes not to be paced was synced %d times (pace asked %d times)", size, n, asked.Load())
			}
		})
	}
}

// TestColumnCodec writes a column of sentences with each column codec: both
// read back the same values, and the ingest codec (s2 where it shrinks
// enough) makes a different, somewhat larger file than zstd.
func TestColumnCodec(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	words := strings.Fields("lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt ut labore")
	docs := make([]types.Value, 2*index.BlockRows+9)
	for i := range docs {
		var b strings.Builder
		for j := range 30 + rng.IntN(20) {
			if j > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(words[rng.IntN(len(words))])
		}
		docs[i] = types.Object([]types.Field{{Name: "text", Value: types.String(b.String())}})
	}
	fs := vfs.NewMem()
	sizes := map[encoding.Codec]int64{}
	for _, codec := range []encoding.Codec{encoding.CodecZstd, encoding.CodecS2} {
		name := fmt.Sprintf("seg-%c", codec)
		w, err := Create(fs, name)
		if err != nil {
			t.Fatal(err)
		}
		w.ColumnCodec(codec)
		col := w.BeginColumn("text")
		for _, d := range docs {
			col.Append(d.Get("text"))
		}
		if err := col.End(); err != nil {
			t.Fatal(err)
		}
		for _, d := range docs {
			if err := w.AddRow(types.AppendBinary(nil, d)); err != nil {
				t.Fatal(err)
			}
		}
		ids := make([]uint64, len(docs))
		for i := range ids {
			ids[i] = uint64(i + 1)
		}
		if sizes[codec], err = w.Finish(Meta{Rows: len(docs), MinEventTime: 1, MaxEventTime: 2, RowIDs: ids}); err != nil {
			t.Fatal(err)
		}
		r, err := Open(fs, name)
		if err != nil {
			t.Fatal(err)
		}
		var v coldata.Vec
		if err := r.ReadColumn("text", 0, len(docs), &v); err != nil {
			t.Fatal(err)
		}
		for i, d := range docs {
			if got := v.Value(i); !types.Equal(got, d.Get("text")) {
				t.Fatalf("codec %c, row %d: %s, want %s", codec, i, got, d.Get("text"))
			}
		}
		r.Close()
	}
	z, s := sizes[encoding.CodecZstd], sizes[encoding.CodecS2]
	if s <= z || s > z*3/2 {
		t.Fatalf("file of %d bytes with s2 columns, %d with zstd", s, z)
	}
}

// TestColumnGivesUpOnS2: once a block of a column written with CodecS2
// falls back to zstd (random tokens), the column's next blocks go to zstd
// without an s2 attempt, even where s2 would do (sentences); a column that
// starts with sentences keeps s2.
func TestColumnGivesUpOnS2(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	const letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	token := func() types.Value {
		b := make([]byte, 14)
		for i := range b {
			b[i] = letters[rng.IntN(len(letters))]
		}
		return types.String(string(b))
	}
	words := strings.Fields("lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt ut labore")
	sentence := func() types.Value {
		var b strings.Builder
		for j := range 30 + rng.IntN(20) {
			if j > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(words[rng.IntN(len(words))])
		}
		return types.String(b.String())
	}
	fallbacks := func(first, then func() types.Value) []bool {
		w, err := Create(vfs.NewMem(), "seg")
		if err != nil {
			t.Fatal(err)
		}
		defer w.Abort()
		w.ColumnCodec(encoding.CodecS2)
		c := w.NewColumn("v", false)
		for range index.BlockRows {
			c.Append(first())
		}
		for range 2 * index.BlockRows {
			c.Append(then())
		}
		var zstd []bool
		for _, b := range c.meta.blocks {
			zstd = append(zstd, encoding.FellBackToZstd(c.out[b.off:b.off+b.len]))
		}
		return zstd
	}
	if got := fallbacks(token, sentence); !slices.Equal(got, []bool{true, true, true}) {
		t.Errorf("tokens, then sentences: blocks in zstd %v, want all", got)
	}
	if got := fallbacks(sentence, sentence); !slices.Equal(got, []bool{false, false, false}) {
		t.Errorf("sentences: blocks in zstd %v, want none", got)
	}
}

// TestRowBlocksUnder16KiB: row blocks stay under rowBlockBytes (s2 then
// uses its small table), but for a document larger than that, alone in
// its block.
func TestRowBlocksUnder16KiB(t *testing.T) {
	w, err := Create(vfs.NewMem(), "seg")
	if err != nil {
		t.Fatal(err)
	}
	defer w.Abort()
	rng := rand.New(rand.NewPCG(11, 12))
	var sizes []int
	for i := range 300 {
		n := 200 + rng.IntN(2000)
		if i == 100 {
			n = 3 * rowBlockBytes
		}
		doc := types.AppendBinary(nil, types.Object([]types.Field{{Name: "s", Value: types.String(strings.Repeat("x", n))}}))
		sizes = append(sizes, len(doc))
		if err := w.AddRow(doc); err != nil {
			t.Fatal(err)
		}
	}
	if len(w.rowBlocks) < 10 {
		t.Fatalf("%d row blocks", len(w.rowBlocks))
	}
	for i, b := range w.rowBlocks {
		next := uint64(w.rows)
		if i+1 < len(w.rowBlocks) {
			next = w.rowBlocks[i+1].first
		}
		alone := b.first == 100 && next == 101
		if b.raw >= rowBlockBytes && !alone {
			t.Errorf("row block %d (rows %d to %d) holds %d bytes", i, b.first, next, b.raw)
		}
		if b.first <= 100 && next > 100 && !alone {
			t.Errorf("the document of %d bytes shares row block %d (rows %d to %d)", sizes[100], i, b.first, next)
		}
	}
}
