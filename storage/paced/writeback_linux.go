package paced

import (
	"github.com/cockroachdb/pebble/v2/vfs"
	"golang.org/x/sys/unix"
)

// StartWriteback asks the kernel to start writing n bytes of f at off to
// the disk, and does not wait for them (nor for any write-back already
// under way, as Pebble's syncing files do: the goroutine waiting in that
// system call keeps its core from the others for as long). Best effort: a
// sync is what makes the bytes durable.
func StartWriteback(f vfs.File, off, n int64) {
	if fd := f.Fd(); fd != vfs.InvalidFd && n > 0 {
		_ = unix.SyncFileRange(int(fd), off, n, unix.SYNC_FILE_RANGE_WRITE)
	}
}
