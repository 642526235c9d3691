package kv

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/basaltdb/basalt/storage/paced"
	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/cockroachdb/pebble/v2/vfs/errorfs"
)

// TestTablesSyncedInSteps: a memtable flush syncs its table every
// paced.Step as it writes it (package paced), not only at the end.
func TestTablesSyncedInSteps(t *testing.T) {
	var syncs atomic.Int64
	fs := errorfs.Wrap(vfs.Default, errorfs.InjectorFunc(func(op errorfs.Op) error {
		if op.Kind == errorfs.OpFileSyncData && strings.HasSuffix(op.Path, ".sst") {
			syncs.Add(1)
		}
		return nil
	}))
	s, err := Open(Options{FS: fs, Dir: t.TempDir(), MemTableBytes: 64 << 20})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	rng := rand.New(rand.NewPCG(1, 2))
	val := make([]byte, 1024)
	const n = 6 << 10 // 6 MiB of values, uncompressed (Open turns compression off)
	b := s.DB.NewBatch()
	for i := range n {
		for j := range val {
			val[j] = byte(rng.Uint32())
		}
		if err := b.Set([]byte(fmt.Sprintf("k%08d", i)), val, nil); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.Commit(pebble.NoSync); err != nil {
		t.Fatal(err)
	}
	if err := s.DB.Flush(); err != nil {
		t.Fatal(err)
	}
	if got, want := syncs.Load(), int64(n*len(val)/paced.Step); got < want {
		t.Fatalf("the flush synced its tables %d times, want at least %d (one every %d bytes)", got, want, paced.Step)
	}
}
