package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/basaltdb/basalt/ingest/file"
)

// resumeState is the content of a --resume-file: the position up to which
// every document of the load is acknowledged by the server.
type resumeState struct {
	Version   int            `json:"version"`
	Position  *file.Position `json:"position"`
	Documents int64          `json:"documents"` // documents acknowledged up to Position
	Updated   time.Time      `json:"updated"`
}

// readResume reads a resume file; a missing one is a fresh start.
func readResume(path string) (resumeState, error) {
	var st resumeState
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return st, nil
	}
	if err != nil {
		return st, fmt.Errorf("--resume-file: %w", err)
	}
	if err := json.Unmarshal(b, &st); err != nil || st.Version != 1 {
		return st, fmt.Errorf("--resume-file %s is not a resume file of basalt load (delete it to start over)", path)
	}
	return st, nil
}

// writeResume replaces the resume file atomically: a crash leaves the old
// position or the new one, never a torn file.
func writeResume(path string, st resumeState) error {
	b, err := json.Marshal(st)
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("--resume-file: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(append(b, '\n')); err != nil {
		tmp.Close()
		return fmt.Errorf("--resume-file: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("--resume-file: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("--resume-file: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("--resume-file: %w", err)
	}
	return nil
}

// ackTracker keeps the low-water mark of acknowledged batches. Batches are
// numbered in the order they were read, and several are in flight at
// once, so they come back out of order: the resume position is the last
// document of the longest run of acknowledged batches from the first, and
// it moves only when that run grows.
type ackTracker struct {
	path string // the resume file, or "" for none
	// every, when set, spaces the file's writes (each synced) by at least
	// that much: a position a crash loses is sent again, and documents of
	// derived ids replace themselves. flush writes the last one.
	every     time.Duration
	written   time.Time
	unwritten bool

	mu    sync.Mutex
	low   uint64 // every batch below is acknowledged
	ahead map[uint64]ackedBatch
	docs  int64          // documents acknowledged up to last
	last  *file.Position // the resume position
	n     int            // batches acknowledged
}

type ackedBatch struct {
	last file.Position
	docs int64
}

// ack records that batch seq, of docs documents ending at last, is
// acknowledged, and writes the resume file when the low-water mark moves.
// It returns how many batches are acknowledged.
func (a *ackTracker) ack(seq uint64, last file.Position, docs int64) (int, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.n++
	if a.ahead == nil {
		a.ahead = map[uint64]ackedBatch{}
	}
	a.ahead[seq] = ackedBatch{last: last, docs: docs}
	moved := false
	for {
		b, ok := a.ahead[a.low]
		if !ok {
			break
		}
		delete(a.ahead, a.low)
		a.low++
		p := b.last
		a.last, a.docs, moved = &p, a.docs+b.docs, true
	}
	if moved && a.path != "" {
		a.unwritten = true
		if now := time.Now(); a.every == 0 || now.Sub(a.written) >= a.every {
			if err := a.write(now); err != nil {
				return a.n, err
			}
		}
	}
	return a.n, nil
}

// flush writes the resume position if a write is pending.
func (a *ackTracker) flush() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if !a.unwritten || a.path == "" {
		return nil
	}
	return a.write(time.Now())
}

// write writes the resume file. Called with mu held.
func (a *ackTracker) write(now time.Time) error {
	if err := writeResume(a.path, resumeState{Version: 1, Position: a.last, Documents: a.docs, Updated: now.UTC()}); err != nil {
		return err
	}
	a.written, a.unwritten = now, false
	return nil
}
