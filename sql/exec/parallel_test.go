package exec

import (
	"context"
	"errors"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/basaltdb/basalt/sql/sqlerr"
)

// TestRunWorkers checks that every item is worked once, by no more workers
// than asked for, and that a panic on any worker, the caller's included,
// comes back as an internal error after the others stopped.
func TestRunWorkers(t *testing.T) {
	ctx := context.Background()
	for _, workers := range []int{1, 2, 4} {
		var done [100]atomic.Int32
		var used [4]atomic.Bool
		err := runWorkers(ctx, workers, len(done), func(w, item int) error {
			if w >= workers {
				t.Errorf("worker %d of %d", w, workers)
			}
			used[w].Store(true)
			done[item].Add(1)
			// The other workers hold on to their first items until the
			// caller took one: trivial items, all taken by goroutines
			// already running before the caller asked, made the check
			// below flaky on a busy machine.
			for w != 0 && !used[0].Load() {
				runtime.Gosched()
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		for i := range done {
			if n := done[i].Load(); n != 1 {
				t.Fatalf("%d workers: item %d worked %d times", workers, i, n)
			}
		}
		if !used[0].Load() {
			t.Fatalf("%d workers: the caller worked no item", workers)
		}
	}
	for _, panicker := range []int{0, 1} {
		var running atomic.Int32
		err := runWorkers(ctx, 2, 1000, func(w, item int) error {
			running.Add(1)
			defer running.Add(-1)
			if w == panicker {
				panic("boom")
			}
			time.Sleep(time.Millisecond) // leave the other worker items to take
			return nil
		})
		var se *sqlerr.Error
		if !errors.As(err, &se) || se.Code != sqlerr.Internal || !strings.Contains(se.Error(), "boom") {
			t.Fatalf("panic on worker %d: got %v, want an internal error", panicker, err)
		}
		if n := running.Load(); n != 0 {
			t.Fatalf("panic on worker %d: %d workers still running after return", panicker, n)
		}
	}
}
