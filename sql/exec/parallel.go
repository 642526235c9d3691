package exec

import (
	"context"
	"runtime/debug"
	"sync"

	"github.com/basaltdb/basalt/sql/sqlerr"
)

// runWorkers calls work(w, item) for items 0…items-1, handing each item to
// the next free of workers goroutines (w is the worker's index, so each can
// keep its own state). It stops handing out items after the first error or
// when ctx ends, and returns that error. With one worker everything runs on
// the caller's goroutine.
func runWorkers(ctx context.Context, workers, items int, work func(w, item int) error) error {
	var (
		mu    sync.Mutex
		next  int
		first error
	)
	take := func() int {
		mu.Lock()
		defer mu.Unlock()
		if next >= items || first != nil || ctx.Err() != nil {
			return -1
		}
		next++
		return next - 1
	}
	fail := func(err error) {
		mu.Lock()
		defer mu.Unlock()
		if first == nil {
			first = err
		}
	}
	loop := func(w int) {
		for it := take(); it >= 0; it = take() {
			if err := work(w, it); err != nil {
				fail(err)
				return
			}
		}
	}
	if workers <= 1 {
		loop(0)
	} else {
		var wg sync.WaitGroup
		for w := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				// A panic here would not reach Query.Run's recover.
				defer func() {
					if r := recover(); r != nil {
						fail(sqlerr.New(sqlerr.Internal, "internal error: %v\n%s", r, debug.Stack()))
					}
				}()
				loop(w)
			}()
		}
		wg.Wait()
	}
	if first != nil {
		return first
	}
	return ctx.Err()
}
