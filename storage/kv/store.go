package kv

import (
	"errors"
	"fmt"
	"io"
	"log/slog"

	"github.com/basaltdb/basalt/storage/paced"
	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/bloom"
	"github.com/cockroachdb/pebble/v2/vfs"
)

// Options tune the Pebble store.
type Options struct {
	FS     vfs.FS
	Dir    string
	Logger *slog.Logger
	// CacheBytes is the block cache. Default 256 MiB.
	CacheBytes int64
	// MemTableBytes is the size of one memtable. Default 32 MiB: rows are
	// not here (storage/rowlog), only primary keys, deletion marks and
	// records, ~70 bytes per written document.
	MemTableBytes uint64
}

// EnsureDefaults fills zero fields.
func (o *Options) EnsureDefaults() {
	if o.FS == nil {
		o.FS = vfs.Default
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.CacheBytes == 0 {
		o.CacheBytes = 256 << 20
	}
	if o.MemTableBytes == 0 {
		o.MemTableBytes = 32 << 20
	}
}

// Store is the opened Pebble database.
type Store struct {
	DB    *pebble.DB
	cache *pebble.Cache
}

// Open opens (creating if needed) the store in dir.
func Open(opts Options) (*Store, error) {
	opts.EnsureDefaults()
	cache := pebble.NewCache(opts.CacheBytes)
	po := &pebble.Options{
		// Tables are synced in steps as flushes and compactions write
		// them, so that a commit's row-log sync does not flush them
		// (package paced). Write-ahead logs Pebble syncs itself.
		FS:                          paced.NewFS(opts.FS, ".sst"),
		Cache:                       cache,
		MemTableSize:                opts.MemTableBytes,
		MemTableStopWritesThreshold: 4,
		L0CompactionThreshold:       8,
		L0StopWritesThreshold:       32,
		LBaseMaxBytes:               256 << 20,
		CompactionConcurrencyRange:  func() (int, int) { return 1, 1 },
		Logger:                      pebbleLogger{opts.Logger},
		FormatMajorVersion:          pebble.FormatNewest,
	}
	// No block compression: what Pebble holds (primary keys of random
	// _ids, row ids, deletion marks) compresses little.
	po.ApplyCompressionSettings(func() pebble.DBCompressionSettings { return pebble.DBCompressionNone })
	for i := range po.Levels {
		po.Levels[i].BlockSize = 32 << 10
		// Every write looks up its _id, and most are new: bloom filters
		// answer those misses without reading data blocks.
		po.Levels[i].FilterPolicy = bloom.FilterPolicy(10)
		po.Levels[i].FilterType = pebble.TableFilter
	}
	po.EnsureDefaults()
	db, err := pebble.Open(opts.Dir, po)
	cache.Unref()
	if err != nil {
		return nil, fmt.Errorf("open key-value store in %q: %w", opts.Dir, err)
	}
	return &Store{DB: db}, nil
}

// Close closes the database.
func (s *Store) Close() error { return s.DB.Close() }

// Get returns a copy of the value of key, or (nil, false) when absent.
func Get(r pebble.Reader, key []byte) ([]byte, bool, error) {
	v, closer, err := r.Get(key)
	if errors.Is(err, pebble.ErrNotFound) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	out := append([]byte(nil), v...)
	closer.Close()
	return out, true, nil
}

// Scan calls fn for every key in [start, end) in order; key and value are
// only valid during the call. fn returning an error stops the scan.
func Scan(r pebble.Reader, start, end []byte, fn func(key, value []byte) error) error {
	it, err := r.NewIter(&pebble.IterOptions{LowerBound: start, UpperBound: end})
	if err != nil {
		return err
	}
	for it.First(); it.Valid(); it.Next() {
		v, err := it.ValueAndErr()
		if err != nil {
			it.Close()
			return err
		}
		if err := fn(it.Key(), v); err != nil {
			it.Close()
			return err
		}
	}
	if err := it.Error(); err != nil {
		it.Close()
		return err
	}
	return it.Close()
}

type pebbleLogger struct{ l *slog.Logger }

func (p pebbleLogger) Infof(format string, args ...any) {
	p.l.Debug(fmt.Sprintf(format, args...), "component", "pebble")
}
func (p pebbleLogger) Errorf(format string, args ...any) {
	p.l.Error(fmt.Sprintf(format, args...), "component", "pebble")
}
func (p pebbleLogger) Fatalf(format string, args ...any) {
	p.l.Error(fmt.Sprintf(format, args...), "component", "pebble")
	panic(fmt.Sprintf(format, args...))
}

var _ io.Closer = (*Store)(nil)
