package storage

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/basaltdb/basalt/catalog"
	"github.com/cockroachdb/pebble/v2/vfs"
	"golang.org/x/sys/unix"
)

// threadNice returns the niceness of the calling OS thread (the raw
// getpriority system call answers 20 - nice).
func threadNice(t *testing.T) int {
	t.Helper()
	p, err := unix.Getpriority(unix.PRIO_PROCESS, unix.Gettid())
	if err != nil {
		t.Fatal(err)
	}
	return 20 - p
}

// TestSegmentWorkersRunNiced: a seal's workers run on threads of their own
// at backgroundNice, and the threads that run other goroutines keep their
// priority once those workers are done.
func TestSegmentWorkersRunNiced(t *testing.T) {
	ctx := context.Background()
	e, err := Open(Options{Dir: "data", FS: vfs.NewMem(), Logger: testLogger(t), DisableBackground: true})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	base := threadNice(t)
	var mu sync.Mutex
	var seen []int
	e.segmentWorkerStarted = func() {
		n := threadNice(t)
		mu.Lock()
		seen = append(seen, n)
		mu.Unlock()
	}
	if _, err := e.CreateCollection("commons", catalog.CollectionSpec{Name: "c"}); err != nil {
		t.Fatal(err)
	}
	var ops []WriteOp
	for i := range 100 {
		ops = append(ops, WriteOp{Doc: mustDoc(t, fmt.Sprintf(`{"_id":"d%d","n":%d,"s":"x%d"}`, i, i, i))})
	}
	if _, _, err := e.Write(ctx, "commons", "c", ops); err != nil {
		t.Fatal(err)
	}
	if err := e.Flush(ctx, "commons", "c"); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(seen) == 0 {
		t.Fatal("no segment worker started")
	}
	for _, n := range seen {
		if n != min(base+backgroundNice, 19) {
			t.Errorf("a segment worker ran at nice %d, want %d", n, min(base+backgroundNice, 19))
		}
	}
	// Goroutines started after the seal run on threads of normal priority:
	// the niced threads exited with their workers.
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if n := threadNice(t); n != base {
				t.Errorf("a goroutine after the seal ran at nice %d, want %d", n, base)
			}
		}()
	}
	wg.Wait()
}
