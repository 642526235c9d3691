package paced

import (
	"errors"
	"sync/atomic"
	"testing"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/cockroachdb/pebble/v2/vfs/errorfs"
)

// countingFS counts SyncData calls on a MemFS, failing them with fail.
func countingFS(syncs *atomic.Int64, fail error) vfs.FS {
	return errorfs.Wrap(vfs.NewMem(), errorfs.InjectorFunc(func(op errorfs.Op) error {
		if op.Kind == errorfs.OpFileSyncData {
			syncs.Add(1)
			return fail
		}
		return nil
	}))
}

// writeAll writes n bytes in writes of 100,000.
func writeAll(t *testing.T, f vfs.File, n int) error {
	t.Helper()
	buf := make([]byte, 100_000)
	for n > 0 {
		k := min(n, len(buf))
		if _, err := f.Write(buf[:k]); err != nil {
			return err
		}
		n -= k
	}
	return nil
}

func TestFileSyncsEveryStep(t *testing.T) {
	for _, pace := range []bool{true, false} {
		var syncs atomic.Int64
		fs := countingFS(&syncs, nil)
		f, err := fs.Create("f", vfs.WriteCategoryUnspecified)
		if err != nil {
			t.Fatal(err)
		}
		var asked int
		p := NewFile(f, func() bool { asked++; return pace })
		const size = 10 * Step
		if err := writeAll(t, p, size); err != nil {
			t.Fatal(err)
		}
		if err := p.Close(); err != nil {
			t.Fatal(err)
		}
		// A sync follows each Step written, give or take one write.
		want := int64(size / (Step + 100_000))
		if n := syncs.Load(); pace && (n < want || n > size/Step) {
			t.Errorf("paced: %d syncs over %d bytes, want %d to %d", n, size, want, size/Step)
		}
		if n := syncs.Load(); !pace && (n != 0 || asked < int(want)) {
			t.Errorf("not paced: %d syncs, pace asked %d times", n, asked)
		}
	}
}

func TestFSPacesMatchingNames(t *testing.T) {
	var syncs atomic.Int64
	fs := NewFS(countingFS(&syncs, nil), ".sst")
	for _, c := range []struct {
		name   string
		synced bool
	}{{"000001.sst", true}, {"000002.log", false}, {"MANIFEST-000001", false}} {
		syncs.Store(0)
		f, err := fs.Create(c.name, vfs.WriteCategoryUnspecified)
		if err != nil {
			t.Fatal(err)
		}
		if err := writeAll(t, f, 4*Step); err != nil {
			t.Fatal(err)
		}
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
		if got := syncs.Load() > 0; got != c.synced {
			t.Errorf("%s: synced while written %v (%d syncs), want %v", c.name, got, syncs.Load(), c.synced)
		}
	}
}

// TestSyncErrorReported: a step's sync fails in the background; the next
// call that waits for it reports the failure.
func TestSyncErrorReported(t *testing.T) {
	boom := errors.New("injected sync failure")
	var syncs atomic.Int64
	fs := countingFS(&syncs, boom)
	f, err := fs.Create("f", vfs.WriteCategoryUnspecified)
	if err != nil {
		t.Fatal(err)
	}
	p := NewFile(f, nil)
	err = writeAll(t, p, 3*Step)
	if err == nil {
		err = p.Sync()
	}
	if !errors.Is(err, boom) {
		t.Fatalf("got %v, want the injected sync failure", err)
	}
	p.Close()
}

// TestStepsStartWriteback: while not paced, each step asks for the
// write-back of the bytes written since the last one, and nothing else;
// paced, it asks for it too, then syncs.
func TestStepsStartWriteback(t *testing.T) {
	type span struct{ off, n int64 }
	var spans []span
	defer func(f func(vfs.File, int64, int64)) { startWriteback = f }(startWriteback)
	startWriteback = func(_ vfs.File, off, n int64) { spans = append(spans, span{off, n}) }

	var syncs atomic.Int64
	f, err := countingFS(&syncs, nil).Create("f", vfs.WriteCategoryUnspecified)
	if err != nil {
		t.Fatal(err)
	}
	pace := false
	p := NewFile(f, func() bool { return pace })
	const size = 10 * Step
	if err := writeAll(t, p, size); err != nil {
		t.Fatal(err)
	}
	var next int64
	for _, s := range spans {
		if s.off != next || s.n < Step || s.n >= Step+100_000 {
			t.Fatalf("write-back spans %v: want each to start where the last ended and hold one step", spans)
		}
		next = s.off + s.n
	}
	if next <= size-Step-100_000 || syncs.Load() != 0 {
		t.Fatalf("write-back up to %d of %d bytes, %d syncs", next, size, syncs.Load())
	}
	// Paced steps start their write-back too, and sync.
	spans, pace = nil, true
	if err := writeAll(t, p, 4*Step); err != nil {
		t.Fatal(err)
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if len(spans) == 0 || spans[0].off != next || syncs.Load() == 0 {
		t.Fatalf("paced: write-back spans %v (want the first at %d), %d syncs", spans, next, syncs.Load())
	}
}
