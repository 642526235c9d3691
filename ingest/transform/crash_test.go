package transform

import (
	"context"
	"math/rand/v2"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/basaltdb/basalt/catalog"
	"github.com/basaltdb/basalt/storage"
	"github.com/basaltdb/basalt/types"
	"github.com/cockroachdb/pebble/v2/vfs"
)

// TestRollupCrashReplay crashes the machine (unsynced data lost) while a
// source delivers batches to a rollup, restarts, and lets the source resume
// from the offset committed with the last batch that made it: a batch whose
// commit was not acknowledged is either wholly in the rollup, offset
// included, and skipped, or wholly absent and replayed. The rollup must
// then equal one fed every batch exactly once.
func TestRollupCrashReplay(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	r := rand.New(rand.NewPCG(seed, 9))
	tr, err := Compile(rollupSQL)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2024, 3, 1, 11, 0, 0, 0, time.UTC)
	var batches [][]types.Value
	for i := 0; i < 60; i++ {
		var b []types.Value
		for range 1 + r.IntN(30) {
			b = append(b, randomEvent(r, len(batches)*100+len(b)))
		}
		batches = append(batches, b)
	}
	open := func(fs vfs.FS, create bool) *storage.Engine {
		e, err := storage.Open(storage.Options{Dir: "data", FS: fs, DisableBackground: true, SealRows: 50})
		if err != nil {
			t.Fatal(err)
		}
		if create {
			if _, err := e.CreateCollection("commons", catalog.CollectionSpec{Name: "roll", FieldMappingQuery: rollupSQL}); err != nil {
				t.Fatal(err)
			}
		}
		return e
	}
	// The reference: every batch once.
	ref := open(vfs.NewMem(), true)
	defer ref.Close()
	refSrc := &source{t: t, e: ref, tr: tr, now: now}
	for i, b := range batches {
		refSrc.deliver(int64(i), b)
	}
	want := queryRows(t, ref, rolledSQL)

	mem := vfs.NewCrashableMem()
	e := open(mem, true)
	src := &source{t: t, e: e, tr: tr, now: now}
	var acked atomic.Int64
	acked.Store(-1)
	done := make(chan struct{})
	stop := make(chan struct{})
	go func() {
		defer close(done)
		for i, b := range batches {
			select {
			case <-stop:
				return
			default:
			}
			src.deliver(int64(i), b)
			acked.Store(int64(i))
			if i%7 == 0 {
				_ = e.Flush(context.Background(), "commons", "roll")
			}
		}
	}()
	// Crash while batch k+1 or so is being written.
	k := int64(r.IntN(len(batches) - 5))
	for acked.Load() < k {
		time.Sleep(50 * time.Microsecond)
	}
	crashed := mem.CrashClone(vfs.CrashCloneCfg{UnsyncedDataPercent: 50, RNG: rand.New(rand.NewPCG(seed, 1))})
	close(stop)
	<-done
	e.Close()

	e = open(crashed, false)
	defer e.Close()
	src = &source{t: t, e: e, tr: tr, now: now}
	from := src.committed()
	if from < acked.Load()-1 {
		// A batch acknowledged before the crash began is durable.
		t.Fatalf("committed offset %d after the crash, but %d was acknowledged", from, acked.Load())
	}
	t.Logf("crash after %d acknowledged batches; resuming after offset %d", acked.Load()+1, from)
	for i, b := range batches {
		src.deliver(int64(i), b) // the committed ones are skipped
	}
	if got := queryRows(t, e, rolledSQL); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("rollup after crash and replay:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
