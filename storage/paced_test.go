package storage

import (
	"context"
	"encoding/base64"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/basaltdb/basalt/catalog"
	"github.com/basaltdb/basalt/storage/paced"
	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/cockroachdb/pebble/v2/vfs/errorfs"
	"github.com/prometheus/client_golang/prometheus"
)

// TestSealSyncsInSteps: a seal with no other segment waiting syncs its
// segment file every paced.Step as it writes it, not only at the end (a
// commit's row-log sync otherwise flushed the seal's megabytes from the
// disk's cache: package paced).
func TestSealSyncsInSteps(t *testing.T) {
	var syncs, written atomic.Int64
	fs := errorfs.Wrap(vfs.Default, errorfs.InjectorFunc(func(op errorfs.Op) error {
		if !strings.HasSuffix(op.Path, ".seg.tmp") {
			return nil
		}
		switch op.Kind {
		case errorfs.OpFileSyncData:
			syncs.Add(1)
		case errorfs.OpFileWrite:
			written.Add(1)
		}
		return nil
	}))
	e, err := Open(Options{Dir: t.TempDir(), FS: fs, Logger: testLogger(t), Registerer: prometheus.NewRegistry()})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	if _, err := e.CreateCollection("commons", catalog.CollectionSpec{Name: "c"}); err != nil {
		t.Fatal(err)
	}
	// Random text compresses little: a segment of several steps.
	rng := rand.New(rand.NewPCG(5, 6))
	raw := make([]byte, 1500)
	ctx := context.Background()
	for b := range 4 {
		ops := make([]WriteOp, 1000)
		for i := range ops {
			for j := range raw {
				raw[j] = byte(rng.Uint32())
			}
			ops[i] = WriteOp{Doc: mustDoc(t, fmt.Sprintf(`{"_id":"d%d","text":%q}`, b*1000+i, base64.StdEncoding.EncodeToString(raw)))}
		}
		if _, _, err := e.Write(ctx, "commons", "c", ops); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.Flush(ctx, "commons", "c"); err != nil {
		t.Fatal(err)
	}
	// 4,000 rows of ~2 KB of base64: well over 4 MB, twice (column and
	// rows), so at least 8 steps, each followed by a sync.
	if n := syncs.Load(); n < 8 {
		t.Fatalf("the seal synced its segment file %d times (%d writes), want a sync every %d bytes", n, written.Load(), paced.Step)
	}
}
