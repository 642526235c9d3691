package storage

import (
	"runtime"

	"golang.org/x/sys/unix"
)

// backgroundNice is how much nicer than the process a segment write's
// workers run.
const backgroundNice = 10

// lowerThreadPriority locks the calling goroutine to its OS thread, for
// good, and makes the thread backgroundNice nicer than the process (as
// `nice -n 10` would). The goroutine must never exit: a thread exits with
// the locked goroutine that ends, and a child process started with
// Pdeathsig from that thread would be killed with it (the PostgreSQL
// oracle of the tests was); nor unlock, or other goroutines would run
// niced.
func lowerThreadPriority() {
	runtime.LockOSThread()
	tid := unix.Gettid()
	// The raw system call answers 20 - nice.
	p, err := unix.Getpriority(unix.PRIO_PROCESS, tid)
	if err != nil {
		return
	}
	_ = unix.Setpriority(unix.PRIO_PROCESS, tid, min(20-p+backgroundNice, 19))
}
