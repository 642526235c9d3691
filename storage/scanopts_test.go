package storage

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/basaltdb/basalt/catalog"
	"github.com/basaltdb/basalt/coldata"
	"github.com/cockroachdb/pebble/v2/vfs"
)

// TestScanOptions checks Reverse (blocks last first, each block's rows as
// a forward scan gives them), DeletedApart (every row of a block kept,
// the deleted ones listed) and Recycle (a scanner taking over another's
// buffers reads another segment, with other paths, as a new one does),
// over a sealed segment of three blocks with deleted rows and the
// mutable segment.
func TestScanOptions(t *testing.T) {
	ctx := context.Background()
	e, err := Open(Options{Dir: "data", FS: vfs.NewMem(), DisableBackground: true, SealRows: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	if _, err := e.CreateCollection("commons", catalog.CollectionSpec{Name: "c"}); err != nil {
		t.Fatal(err)
	}
	write := func(lo, hi int) {
		var ops []WriteOp
		for i := lo; i < hi; i++ {
			ops = append(ops, WriteOp{Doc: mustDoc(t, fmt.Sprintf(`{"_id":"d%05d","n":%d,"s":"s%d"}`, i, i, i%7))})
		}
		if _, _, err := e.Write(ctx, "commons", "c", ops); err != nil {
			t.Fatal(err)
		}
	}
	write(0, 20000) // blocks of 8,192, 8,192 and 3,616 rows
	if err := e.Flush(ctx, "commons", "c"); err != nil {
		t.Fatal(err)
	}
	write(20000, 21000)
	var del []WriteOp
	for i := 0; i < 21000; i += 9 {
		del = append(del, WriteOp{Kind: OpDelete, ID: fmt.Sprintf("d%05d", i)})
	}
	if _, _, err := e.Write(ctx, "commons", "c", del); err != nil {
		t.Fatal(err)
	}
	snap, err := e.Snapshot("commons", "c")
	if err != nil {
		t.Fatal(err)
	}
	defer snap.Close()

	// scan returns, per batch, its start and the n values of its rows
	// (less those Deleted lists).
	type batch struct {
		start int
		n     []int64
	}
	scan := func(sc *Scanner, col int) []batch {
		var out []batch
		eachBatch(t, ctx, sc, func(b *coldata.Batch) {
			dead := sc.Deleted()
			bt := batch{start: b.Start}
			each := func(i int) {
				if !slices.Contains(dead, i) {
					bt.n = append(bt.n, b.Vecs[col].I64[i])
				}
			}
			if b.Sel == nil {
				for i := range b.Length {
					each(i)
				}
			} else {
				for _, i := range b.Sel {
					each(i)
				}
			}
			out = append(out, bt)
		})
		return out
	}
	var recycled *Scanner
	for _, v := range snap.Segments() {
		fwd := scan(v.NewScanner(ScanOptions{Paths: []string{"n"}}), 0)
		if v.Sealed() && len(fwd) != 3 {
			t.Fatalf("sealed segment: %d batches, want 3", len(fwd))
		}
		rev := scan(v.NewScanner(ScanOptions{Paths: []string{"n"}, Reverse: true}), 0)
		if !slices.EqualFunc(rev, reversed(fwd), func(a, b batch) bool { return a.start == b.start && slices.Equal(a.n, b.n) }) {
			t.Errorf("segment %d: a reverse scan's batches are not a forward scan's, last first", v.ID())
		}
		sc := v.NewScanner(ScanOptions{Paths: []string{"n"}, DeletedApart: true})
		apart := scan(sc, 0)
		if !slices.EqualFunc(apart, fwd, func(a, b batch) bool { return a.start == b.start && slices.Equal(a.n, b.n) }) {
			t.Errorf("segment %d: rows less Deleted differ from a scan's live rows", v.ID())
		}
		// A scanner recycled from the last segment's, reading another
		// column first.
		recycled = v.NewScanner(ScanOptions{Paths: []string{"s", "n"}, Recycle: recycled})
		if got := scan(recycled, 1); !slices.EqualFunc(got, fwd, func(a, b batch) bool { return a.start == b.start && slices.Equal(a.n, b.n) }) {
			t.Errorf("segment %d: a recycled scanner read other rows than a new one", v.ID())
		}
	}
}

func reversed[T any](s []T) []T {
	out := slices.Clone(s)
	slices.Reverse(out)
	return out
}
