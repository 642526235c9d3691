package storage

import (
	"context"
	"fmt"
	"testing"

	"github.com/basaltdb/basalt/catalog"
	"github.com/basaltdb/basalt/coldata"
	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/prometheus/client_golang/prometheus"
)

// TestBlockCacheMetric checks that the engine's scans read compressed
// column blocks through its block cache, and that
// basalt_storage_block_cache_bytes reports what the cache holds.
func TestBlockCacheMetric(t *testing.T) {
	ctx := context.Background()
	reg := prometheus.NewRegistry()
	e, err := Open(Options{Dir: "data", FS: vfs.NewMem(), DisableBackground: true, SealRows: 1000, Registerer: reg})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	if _, err := e.CreateCollection("commons", catalog.CollectionSpec{Name: "c"}); err != nil {
		t.Fatal(err)
	}
	var ops []WriteOp
	for i := range 1000 {
		ops = append(ops, WriteOp{Doc: mustDoc(t, fmt.Sprintf(`{"_id":"doc-%04d","s":"a string that repeats, %d"}`, i, i%13))})
	}
	if _, _, err := e.Write(ctx, "commons", "c", ops); err != nil {
		t.Fatal(err)
	}
	if err := e.Flush(ctx, "commons", "c"); err != nil {
		t.Fatal(err)
	}
	gauge := func() float64 {
		mfs, err := reg.Gather()
		if err != nil {
			t.Fatal(err)
		}
		for _, mf := range mfs {
			if mf.GetName() == "basalt_storage_block_cache_bytes" {
				return mf.GetMetric()[0].GetGauge().GetValue()
			}
		}
		t.Fatal("no basalt_storage_block_cache_bytes")
		return 0
	}
	if got := gauge(); got != 0 {
		t.Fatalf("cache holds %v bytes before any read", got)
	}
	snap, err := e.Snapshot("commons", "c")
	if err != nil {
		t.Fatal(err)
	}
	defer snap.Close()
	rows := 0
	for _, v := range snap.Segments() {
		if !v.Sealed() {
			continue
		}
		sc := v.NewScanner(ScanOptions{Paths: []string{"s"}})
		eachBatch(t, ctx, sc, func(b *coldata.Batch) {
			rows += b.Selected()
		})
	}
	if rows != 1000 {
		t.Fatalf("scanned %d sealed rows, want 1000", rows)
	}
	if got := gauge(); got == 0 {
		t.Fatal("a scan of a compressed column left nothing in the cache")
	}
}
