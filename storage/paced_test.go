package storage

import (
	"encoding/base64"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/basaltdb/basalt/storage/paced"
	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/cockroachdb/pebble/v2/vfs/errorfs"
	"github.com/prometheus/client_golang/prometheus"
)

// TestSealSyncsInSteps: a seal with no other segment waiting syncs its
// segment file every paced.Step as it writes it, not only at the end (a
// commit's row-log sync otherwise flushed the seal's megabytes from the
// disk's cache: package paced); a seal with more segments queued behind it
// only asks for write-back, as pacing makes it slower. Three segments are
// frozen while the first seal is held: the first two seals have a backlog,
// the last has none.
func TestSealSyncsInSteps(t *testing.T) {
	var mu sync.Mutex
	syncs := map[string]int{} // SyncData calls per segment file
	fs := errorfs.Wrap(vfs.Default, errorfs.InjectorFunc(func(op errorfs.Op) error {
		if op.Kind == errorfs.OpFileSyncData && strings.HasSuffix(op.Path, ".seg.tmp") {
			mu.Lock()
			syncs[op.Path]++
			mu.Unlock()
		}
		return nil
	}))
	e, c := openWithCollection(t, Options{Dir: t.TempDir(), FS: fs, Logger: testLogger(t), DisableBackground: true,
		MaxPendingSeals: 8, Registerer: prometheus.NewRegistry()}, "c")
	// Random text compresses little: 1,500 documents of ~2 KB of base64
	// make a segment of several megabytes, columns and rows.
	rng := rand.New(rand.NewPCG(5, 6))
	raw := make([]byte, 1500)
	const segments = 3
	sealHeld(t, e, c, segments, 1500, func(n int) string {
		for j := range raw {
			raw[j] = byte(rng.Uint32())
		}
		return fmt.Sprintf(`{"_id":"d%d","text":%q}`, n, base64.StdEncoding.EncodeToString(raw))
	})
	mu.Lock()
	defer mu.Unlock()
	var counts []int
	for _, n := range syncs {
		counts = append(counts, n)
	}
	slices.Sort(counts)
	// Paced: at least a sync every paced.Step of ~6 MB; the others only
	// Finish's sync (their steps only ask for write-back:
	// paced.StartWriteback).
	if len(counts) != segments || counts[0] > 1 || counts[1] > 1 || counts[2] < 8 {
		t.Fatalf("SyncData calls per segment file %v, want two seals with a backlog synced once and one paced (every %d bytes)", counts, paced.Step)
	}
}
