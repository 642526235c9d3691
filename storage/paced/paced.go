// Package paced syncs files in small steps as they are written.
//
// A sync flushes the disk's write cache whatever file it names. The
// commit path syncs its row log for every group, and every writer waits
// for that sync; a background writer (a seal, a Pebble flush) that asks
// only for write-back leaves its data in that cache, and the next commit's
// sync flushes it: megabytes of it made commits wait 10-130 ms. Syncing
// the background file every few hundred kilobytes, on the background
// writer's time, leaves each commit's sync little to carry.
//
// Measured with a throwaway program (a 130 KiB append and fdatasync every
// 20 ms beside a file written flat out): with sync_file_range write-back
// every MiB the appends' syncs took p90 20 ms and p99 33 ms; with an
// fdatasync of the other file every 512 KiB p99 4.1 ms, as with nothing
// alongside; every MiB p99 7 ms.
//
// Every step starts its write-back at once (StartWriteback), without
// waiting for the disk; a step that is not paced does nothing more.
// Segment files were paced over Pebble's syncing file, which asked for
// write-back at every step too and waited for the write-back under way
// first: a goroutine blocked in a system call keeps its core from the
// others until the runtime takes it back, 147 ms of the two cores' 10 s in
// an execution trace of an insert run.
package paced

import (
	"strings"

	"github.com/cockroachdb/pebble/v2/vfs"
)

// Step is the bytes written between syncs: see the package comment.
const Step = 512 << 10

// startWriteback is StartWriteback; tests watch it.
var startWriteback = StartWriteback

// File syncs the file under it every Step bytes written, while its pace
// function (nil: always) returns true. Each sync runs on a goroutine of
// its own, and a step waits for the sync before it, so at most two steps
// are ever unsynced. Each step starts its write-back at once
// (StartWriteback); when pace returns false that is all it does. Write,
// Sync and Close are for one goroutine.
type File struct {
	vfs.File
	pace     func() bool
	written  int64 // bytes written through p
	unsynced int
	syncing  chan error // the sync under way, if any
}

// NewFile paces f while pace (nil: always) returns true; pace is asked at
// each step.
func NewFile(f vfs.File, pace func() bool) *File {
	return &File{File: f, pace: pace}
}

// SetPace replaces the pace function.
func (p *File) SetPace(pace func() bool) { p.pace = pace }

func (p *File) Write(b []byte) (int, error) {
	n, err := p.File.Write(b)
	p.written += int64(n)
	p.unsynced += n
	if err != nil || p.unsynced < Step {
		return n, err
	}
	// The disk starts on the step now, paced or not: the goroutine below
	// that syncs it runs once this one's core is free, as a rule only
	// when the next step waits for it.
	startWriteback(p.File, p.written-int64(p.unsynced), int64(p.unsynced))
	p.unsynced = 0
	if p.pace != nil && !p.pace() {
		return n, nil
	}
	if err = p.wait(); err == nil {
		ch := make(chan error, 1)
		go func() { ch <- p.File.SyncData() }()
		p.syncing = ch
	}
	return n, err
}

// wait returns the result of the sync under way, if any.
func (p *File) wait() error {
	if p.syncing == nil {
		return nil
	}
	err := <-p.syncing
	p.syncing = nil
	return err
}

// Sync waits for the step's sync under way, then syncs the whole file.
func (p *File) Sync() error {
	if err := p.wait(); err != nil {
		return err
	}
	return p.File.Sync()
}

// SyncData is Sync for the file's data.
func (p *File) SyncData() error {
	if err := p.wait(); err != nil {
		return err
	}
	return p.File.SyncData()
}

// Close waits for the sync under way, then closes the file.
func (p *File) Close() error {
	err := p.wait()
	if cerr := p.File.Close(); err == nil {
		err = cerr
	}
	return err
}

// NewFS returns fs whose files created with a name ending in one of
// suffixes are paced (always).
func NewFS(fs vfs.FS, suffixes ...string) vfs.FS {
	return pacedFS{FS: fs, suffixes: suffixes}
}

type pacedFS struct {
	vfs.FS
	suffixes []string
}

func (fs pacedFS) Create(name string, category vfs.DiskWriteCategory) (vfs.File, error) {
	f, err := fs.FS.Create(name, category)
	if err != nil {
		return f, err
	}
	for _, s := range fs.suffixes {
		if strings.HasSuffix(name, s) {
			return NewFile(f, nil), nil
		}
	}
	return f, nil
}
