package storage

import (
	"runtime"

	"golang.org/x/sys/unix"
)

// backgroundNice is how much nicer than the process a segment write's
// workers run.
const backgroundNice = 10

// lowerThreadPriority runs the calling goroutine, for the rest of its life,
// on an OS thread of its own, backgroundNice nicer than the process (as
// `nice -n 10` would), so that the kernel gives the CPU to foreground work
// — commits, decoding, queries, other processes on the machine — first
// when both want it. The goroutine must exit without unlocking: the thread
// then exits with it instead of going back, niced, to the runtime's pool.
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
