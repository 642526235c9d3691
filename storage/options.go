package storage

import (
	"fmt"
	"log/slog"
	"time"

	"github.com/basaltdb/basalt/types"
	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/prometheus/client_golang/prometheus"
)

// Options configure an Engine.
type Options struct {
	// Dir is the data directory; FS the file system it lives on.
	Dir string
	FS  vfs.FS
	// Logger receives structured logs.
	Logger *slog.Logger
	// Registerer receives the engine's metrics (nil: not registered).
	Registerer prometheus.Registerer
	// Now is the clock (tests substitute it).
	Now func() time.Time
	// Limits bound documents.
	Limits types.Limits

	// SealRows and SealBytes make a mutable segment seal once it holds that
	// many rows or bytes; SealAge once its oldest row is that old.
	SealRows  int
	SealBytes int64
	SealAge   time.Duration
	// RowLogBytes bounds a collection's row log: past it, the mutable
	// segment holding the oldest row is sealed early, so that a partition
	// receiving few late events does not keep minutes of rows of every
	// partition on disk (the log frees a file only once all its rows are
	// sealed). Default 512 MiB.
	RowLogBytes int64
	// MaxPendingSeals is how many frozen segments of one collection may wait
	// for the sealer before writers wait (backpressure, not unbounded memory).
	MaxPendingSeals int
	// CompactMinSegments is how many small segments in one partition
	// trigger a merge; CompactMaxRows caps the merged segment (default
	// SealRows; segments under half of it count as small).
	CompactMinSegments int
	CompactMaxRows     int
	// MaintenanceInterval is how often compaction and retention run.
	MaintenanceInterval time.Duration
	// DisableBackground turns off the sealer timer checks, compaction and
	// retention loops, for tests that drive them by hand.
	DisableBackground bool

	// MaxGroupOps bounds the operations one commit groups together.
	MaxGroupOps int
	// CacheBytes and MemTableBytes tune Pebble.
	CacheBytes    int64
	MemTableBytes uint64
	// BlockCacheBytes bounds the decompressed column and row blocks and
	// the index blocks of segment files kept for repeated reads
	// (segment.BlockCache). Default 256 MiB; negative: none.
	BlockCacheBytes int64
}

// EnsureDefaults fills zero fields with defaults.
func (o *Options) EnsureDefaults() {
	if o.FS == nil {
		o.FS = vfs.Default
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	o.Limits.EnsureDefaults()
	if o.BlockCacheBytes == 0 {
		o.BlockCacheBytes = 256 << 20
	}
	if o.SealRows == 0 {
		o.SealRows = 1 << 16
	}
	if o.SealBytes == 0 {
		o.SealBytes = 128 << 20
	}
	if o.RowLogBytes == 0 {
		o.RowLogBytes = 512 << 20
	}
	if o.SealAge == 0 {
		o.SealAge = 5 * time.Minute
	}
	if o.MaxPendingSeals == 0 {
		o.MaxPendingSeals = 4
	}
	if o.CompactMinSegments == 0 {
		o.CompactMinSegments = 4
	}
	if o.CompactMaxRows == 0 {
		o.CompactMaxRows = o.SealRows
	}
	if o.MaintenanceInterval == 0 {
		o.MaintenanceInterval = 10 * time.Second
	}
	if o.MaxGroupOps == 0 {
		o.MaxGroupOps = 8192
	}
}

// Validate reports options that cannot work.
func (o *Options) Validate() error {
	if o.Dir == "" {
		return fmt.Errorf("storage: Options.Dir is required")
	}
	if o.SealRows < 1 || o.SealRows > 1<<24 {
		return fmt.Errorf("storage: SealRows %d out of range", o.SealRows)
	}
	if o.CompactMinSegments < 2 {
		return fmt.Errorf("storage: CompactMinSegments must be at least 2")
	}
	return nil
}
