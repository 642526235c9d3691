package storage

import "sync"

// niced is a pool of goroutines, each locked for good to an OS thread of
// lower priority (lowerThreadPriority), that run a segment write's
// workers: when the machine is short of CPU, the kernel gives it to
// commits, decoding, queries and other processes first. A goroutine goes
// back to the pool when its function returns; the pool grows to the most
// workers ever running at once (a seal's and a compaction's, a few) and
// its threads never exit.
var niced struct {
	mu   sync.Mutex
	idle []chan func()
}

// runNiced runs f on a niced thread, starting one if none is idle, and
// returns at once.
func runNiced(f func()) {
	niced.mu.Lock()
	if n := len(niced.idle); n > 0 {
		ch := niced.idle[n-1]
		niced.idle = niced.idle[:n-1]
		niced.mu.Unlock()
		ch <- f
		return
	}
	niced.mu.Unlock()
	ch := make(chan func(), 1)
	ch <- f
	go nicedThread(ch)
}

func nicedThread(ch chan func()) {
	lowerThreadPriority()
	for f := range ch {
		f()
		niced.mu.Lock()
		niced.idle = append(niced.idle, ch)
		niced.mu.Unlock()
	}
}
