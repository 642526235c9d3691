package storage

import (
	"context"
	"fmt"
	"os"
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

// TestSegmentWorkersRunNiced: a seal's workers run on threads backgroundNice
// nicer than the rest, threads that outlive them (a thread that exits
// kills the child processes it started with Pdeathsig), while other
// goroutines keep their priority.
func TestSegmentWorkersRunNiced(t *testing.T) {
	ctx := context.Background()
	e, err := Open(Options{Dir: "data", FS: vfs.NewMem(), Logger: testLogger(t), DisableBackground: true})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	base := threadNice(t)
	want := min(base+backgroundNice, 19)
	var mu sync.Mutex
	tids := map[int]bool{}
	e.segmentWorkerStarted = func() {
		if n := threadNice(t); n != want {
			t.Errorf("a segment worker ran at nice %d, want %d", n, want)
		}
		mu.Lock()
		tids[unix.Gettid()] = true
		mu.Unlock()
	}
	if _, err := e.CreateCollection("commons", catalog.CollectionSpec{Name: "c"}); err != nil {
		t.Fatal(err)
	}
	seal := func(from int) {
		t.Helper()
		var ops []WriteOp
		for i := from; i < from+100; i++ {
			ops = append(ops, WriteOp{Doc: mustDoc(t, fmt.Sprintf(`{"_id":"d%d","n":%d,"s":"x%d"}`, i, i, i))})
		}
		if _, _, err := e.Write(ctx, "commons", "c", ops); err != nil {
			t.Fatal(err)
		}
		if err := e.Flush(ctx, "commons", "c"); err != nil {
			t.Fatal(err)
		}
	}
	seal(0)
	mu.Lock()
	first := len(tids)
	mu.Unlock()
	if first == 0 {
		t.Fatal("no segment worker started")
	}
	seal(100)
	mu.Lock()
	defer mu.Unlock()
	for tid := range tids {
		if _, err := os.Stat(fmt.Sprintf("/proc/self/task/%d", tid)); err != nil {
			t.Errorf("segment worker thread %d exited: %v", tid, err)
		}
	}
	// Goroutines started meanwhile run on threads of normal priority.
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if n := threadNice(t); n != base {
				t.Errorf("a goroutine after the seals ran at nice %d, want %d", n, base)
			}
		}()
	}
	wg.Wait()
}
