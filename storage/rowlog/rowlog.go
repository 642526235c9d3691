package rowlog

import (
	"cmp"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/basaltdb/basalt/storage/paced"
	"github.com/cockroachdb/pebble/v2/vfs"
)

const (
	// magicV1 files (before commits rode in the log) hold rows only;
	// magicV2 records end with a commit (AppendCommit; empty for Append).
	magicV1     = 0x42534c52_4f573031 // "BSLROW01"
	magicV2     = 0x42534c52_4f573032 // "BSLROW02"
	headerBytes = 16
	recordHead  = 8
	fileSuffix  = ".rlog"
	// DefaultFileBytes is the size at which appends move to a new file:
	// large enough that creating files (and syncing the directory) is
	// rare, small enough that a sealed stretch of rows frees its disk
	// soon.
	DefaultFileBytes = 64 << 20
)

// ErrCorrupt marks a log that cannot be read back: a bad header, or a bad
// record followed by good ones.
var ErrCorrupt = errors.New("rowlog: corrupt")

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// Row is one row of a record.
type Row struct {
	ID   uint64
	Data []byte
}

type fileInfo struct {
	seq   uint64
	first uint64 // the first row id the file was created for
	maxID uint64 // the largest row id in it (0: none yet)
	size  int64
}

// Log is the row log of one collection. Append is for one goroutine (the
// committer); Release, Bytes and Close may run beside it.
type Log struct {
	fs        vfs.FS
	dir       string
	fileBytes int64

	mu      sync.Mutex
	files   []fileInfo // in sequence order; the last is cur's when cur != nil
	cur     vfs.File
	nextSeq uint64
	bytes   int64
	buf     []byte
	// broken is set when a write or sync failed: what reached the file is
	// unknown, so no later record may follow it.
	broken error
	// pending is set while an append's record is being written and synced.
	pending bool
	// read keeps the files Commits read for Replay; they take no appends
	// (every open starts a new file).
	read map[uint64][]byte
}

// Open opens (creating if needed) the log in dir. Until Replay has read
// them, the files found here are never released.
func Open(fs vfs.FS, dir string, fileBytes int64) (*Log, error) {
	if fileBytes <= 0 {
		fileBytes = DefaultFileBytes
	}
	if err := fs.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("rowlog: create %q: %w", dir, err)
	}
	// The directory itself must survive a crash, with the files that
	// will be created in it.
	if err := syncDir(fs, fs.PathDir(dir)); err != nil {
		return nil, err
	}
	names, err := fs.List(dir)
	if err != nil {
		return nil, fmt.Errorf("rowlog: list %q: %w", dir, err)
	}
	l := &Log{fs: fs, dir: dir, fileBytes: fileBytes, nextSeq: 1}
	for _, n := range names {
		seq, ok := parseName(n)
		if !ok {
			continue
		}
		st, err := fs.Stat(fs.PathJoin(dir, n))
		if err != nil {
			return nil, fmt.Errorf("rowlog: %w", err)
		}
		// Unknown until Replay reads the file: nothing releases it.
		l.files = append(l.files, fileInfo{seq: seq, first: math.MaxUint64, maxID: math.MaxUint64, size: st.Size()})
		l.bytes += st.Size()
		l.nextSeq = max(l.nextSeq, seq+1)
	}
	slices.SortFunc(l.files, func(a, b fileInfo) int { return cmp.Compare(a.seq, b.seq) })
	return l, nil
}

func fileName(seq uint64) string { return fmt.Sprintf("%020d%s", seq, fileSuffix) }

func parseName(n string) (uint64, bool) {
	if !strings.HasSuffix(n, fileSuffix) {
		return 0, false
	}
	seq, err := strconv.ParseUint(strings.TrimSuffix(n, fileSuffix), 10, 64)
	return seq, err == nil
}

func (l *Log) path(seq uint64) string { return l.fs.PathJoin(l.dir, fileName(seq)) }

// Replay calls fn, in ascending row-id order, with every row whose id is in
// [from, to) — the rows committed and not yet sealed, when to is the next
// row id of the last committed group. A row id appended more than once
// (its first group never committed) yields its last data. data is a slice
// of the file as read, never reused: the caller may keep it. Files whose
// rows are all below from are removed. Records appended since Open are
// read too.
func (l *Log) Replay(from, to uint64, fn func(id uint64, data []byte) error) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	var rows []Row
	for i := range l.files {
		f := &l.files[i]
		// Unknown until the header is read: a file whose header never
		// reached the disk must not release the one before it.
		f.first, f.maxID = math.MaxUint64, 0
		data, ok := l.read[f.seq]
		if !ok {
			var err error
			if data, err = l.readFile(f.seq); err != nil {
				return err
			}
		}
		first, records, commits, err := fileRecords(f.seq, data)
		if err != nil {
			return err
		}
		if records == nil {
			continue
		}
		f.first = first
		err = parseRecords(records, commits, func(id uint64, row []byte) {
			f.maxID = max(f.maxID, id)
			if id >= from && id < to {
				rows = append(rows, Row{ID: id, Data: row})
			}
		}, nil)
		if err != nil {
			return fmt.Errorf("%s: %w", fileName(f.seq), err)
		}
	}
	l.read = nil
	// Stable: of equal ids the one appended last ends last.
	slices.SortStableFunc(rows, func(a, b Row) int { return cmp.Compare(a.ID, b.ID) })
	for i := range rows {
		if i+1 < len(rows) && rows[i+1].ID == rows[i].ID {
			continue
		}
		if err := fn(rows[i].ID, rows[i].Data); err != nil {
			return err
		}
	}
	kept, err := l.removeFiles(l.takeReleasable(from))
	l.restore(kept)
	return err
}

// Commits calls fn with the commit of every record that has one, in the
// order they were appended. It reads the files there were at Open, before
// any Append.
func (l *Log) Commits(fn func(commit []byte) error) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.cur != nil {
		return errors.New("rowlog: Commits after Append")
	}
	l.read = map[uint64][]byte{}
	for _, f := range l.files {
		data, err := l.readFile(f.seq)
		if err != nil {
			return err
		}
		l.read[f.seq] = data
		_, records, commits, err := fileRecords(f.seq, data)
		if err != nil {
			return err
		}
		if !commits {
			continue
		}
		var ferr error
		err = parseRecords(records, true, func(uint64, []byte) {}, func(commit []byte) {
			if ferr == nil && len(commit) > 0 {
				ferr = fn(commit)
			}
		})
		if err != nil {
			return fmt.Errorf("%s: %w", fileName(f.seq), err)
		}
		if ferr != nil {
			return ferr
		}
	}
	return nil
}

// fileRecords checks a file's header and returns its first row id, its
// records (nil for a file whose header never reached the disk) and whether
// they end with commits (format 2).
func fileRecords(seq uint64, data []byte) (first uint64, records []byte, commits bool, err error) {
	if len(data) < headerBytes || (binary.LittleEndian.Uint64(data) == 0 && binary.LittleEndian.Uint64(data[8:]) == 0) {
		// A file whose header never reached the disk holds no synced
		// record: the header is synced with the first one. (Zeros: a
		// later block of an unsynced first record did.)
		return 0, nil, false, nil
	}
	m := binary.LittleEndian.Uint64(data)
	if m != magicV1 && m != magicV2 {
		return 0, nil, false, fmt.Errorf("%w: %s: bad magic", ErrCorrupt, fileName(seq))
	}
	return binary.LittleEndian.Uint64(data[8:]), data[headerBytes:], m == magicV2, nil
}

func (l *Log) readFile(seq uint64) ([]byte, error) {
	f, err := l.fs.Open(l.path(seq))
	if err != nil {
		return nil, fmt.Errorf("rowlog: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(f)
	if err != nil {
		return nil, fmt.Errorf("rowlog: read %s: %w", fileName(seq), err)
	}
	return data, nil
}

// parseRecords calls fn for every row of the records in b. A record that
// is cut short or fails its checksum ends the file: it, and anything
// after it, was never synced. So does an empty record, which Append never
// writes: after a crash, blocks past the synced end that never reached
// the disk read as zeros when a later block did, and a zero head is an
// empty record whose checksum (of nothing) holds. Only a well-formed
// record whose rows (or commit) do not parse is corruption. commits says
// the records end with a commit (format 2); commitFn may be nil.
func parseRecords(b []byte, commits bool, fn func(id uint64, row []byte), commitFn func(commit []byte)) error {
	for len(b) >= recordHead {
		n := binary.LittleEndian.Uint32(b)
		sum := binary.LittleEndian.Uint32(b[4:])
		if n == 0 || uint64(len(b)-recordHead) < uint64(n) {
			return nil
		}
		payload := b[recordHead : recordHead+int(n)]
		if crc32.Checksum(payload, castagnoli) != sum {
			return nil
		}
		count, k := binary.Uvarint(payload)
		if k <= 0 {
			return fmt.Errorf("%w: record row count", ErrCorrupt)
		}
		p := payload[k:]
		for range count {
			id, k1 := binary.Uvarint(p)
			if k1 <= 0 {
				return fmt.Errorf("%w: row id", ErrCorrupt)
			}
			size, k2 := binary.Uvarint(p[k1:])
			if k2 <= 0 || uint64(len(p)-k1-k2) < size {
				return fmt.Errorf("%w: row %d length", ErrCorrupt, id)
			}
			start := k1 + k2
			fn(id, p[start:start+int(size):start+int(size)])
			p = p[start+int(size):]
		}
		if commits {
			size, k := binary.Uvarint(p)
			if k <= 0 || uint64(len(p)-k) < size {
				return fmt.Errorf("%w: commit length", ErrCorrupt)
			}
			if commitFn != nil {
				commitFn(p[k : k+int(size) : k+int(size)])
			}
			p = p[k+int(size):]
		}
		if len(p) != 0 {
			return fmt.Errorf("%w: %d bytes after the rows of a record", ErrCorrupt, len(p))
		}
		b = b[recordHead+int(n):]
	}
	return nil
}

// Append writes rows as one record and syncs it. The rows are durable when
// it returns nil. After an error the log refuses further appends: what
// part of the record reached the disk is unknown.
func (l *Log) Append(rows []Row) error { return l.AppendCommit(rows, nil) }

// AppendCommit is Append with a commit: opaque bytes that Commits gives
// back after a restart, in append order, with the record's rows. A caller
// whose commit is the whole of a group's durable state (storage: the
// group's Pebble batch) needs no other sync.
func (l *Log) AppendCommit(rows []Row, commit []byte) error {
	return l.StartAppendCommit(rows, commit)()
}

// StartAppendCommit is AppendCommit in two halves: it builds and writes
// the record, starts its write-back and syncs it in the background, and the
// function it returns waits for the sync and says whether the rows are
// durable. The caller works meanwhile (storage: it adds the rows to the
// mutable segment while the disk syncs) and must wait before its next
// append. rows and commit are copied before it returns.
func (l *Log) StartAppendCommit(rows []Row, commit []byte) (wait func() error) {
	if len(rows) == 0 {
		return func() error { return nil }
	}
	l.mu.Lock()
	if l.broken == nil && l.pending {
		l.broken = errors.New("rowlog: an append started before the previous one was waited for")
	}
	if l.broken != nil {
		err := l.broken
		l.mu.Unlock()
		return func() error { return err }
	}
	f, b, err := l.record(rows, commit)
	if err != nil {
		l.broken = fmt.Errorf("rowlog: an earlier append failed: %w", err)
		l.mu.Unlock()
		return func() error { return err }
	}
	l.pending = true
	end := l.files[len(l.files)-1].size
	l.mu.Unlock()
	// The file and the buffer are the committer's until it waits: rolling
	// to a new file and the next record both come after the wait.
	done := make(chan error, 1)
	if _, err := f.Write(b); err != nil {
		done <- fmt.Errorf("rowlog: write: %w", err)
	} else {
		// The disk starts on the record now; the sync below waits for
		// it. A goroutine started here runs only once the committer's
		// core is free (the other one is a seal's, as a rule): it had
		// waited 9 ms a commit on average (an execution trace of an
		// insert run), and the disk with it.
		paced.StartWriteback(f, end-int64(len(b)), int64(len(b)))
		go func() {
			if err := f.SyncData(); err != nil {
				done <- fmt.Errorf("rowlog: sync: %w", err)
				return
			}
			done <- nil
		}()
	}
	return func() error {
		err := <-done
		l.mu.Lock()
		defer l.mu.Unlock()
		l.pending = false
		if err != nil && l.broken == nil {
			l.broken = fmt.Errorf("rowlog: an earlier append failed: %w", err)
		}
		return err
	}
}

// record rolls to a new file if the current one is full and encodes the
// record of rows and commit into l.buf, accounting for it in the file's
// size. l.mu held.
func (l *Log) record(rows []Row, commit []byte) (vfs.File, []byte, error) {
	if l.cur == nil || l.files[len(l.files)-1].size >= l.fileBytes {
		if err := l.rollLocked(rows[0].ID); err != nil {
			return nil, nil, err
		}
	}
	b := append(l.buf[:0], 0, 0, 0, 0, 0, 0, 0, 0) // the record head, filled below
	b = binary.AppendUvarint(b, uint64(len(rows)))
	var maxID uint64
	for _, r := range rows {
		b = binary.AppendUvarint(b, r.ID)
		b = binary.AppendUvarint(b, uint64(len(r.Data)))
		b = append(b, r.Data...)
		maxID = max(maxID, r.ID)
	}
	b = binary.AppendUvarint(b, uint64(len(commit)))
	b = append(b, commit...)
	payload := b[recordHead:]
	if uint64(len(payload)) > 1<<32-1 {
		return nil, nil, fmt.Errorf("rowlog: record of %d bytes", len(payload))
	}
	binary.LittleEndian.PutUint32(b, uint32(len(payload)))
	binary.LittleEndian.PutUint32(b[4:], crc32.Checksum(payload, castagnoli))
	l.buf = b
	f := &l.files[len(l.files)-1]
	f.size += int64(len(b))
	f.maxID = max(f.maxID, maxID)
	l.bytes += int64(len(b))
	return l.cur, b, nil
}

// rollLocked starts a new file for rows from first on.
func (l *Log) rollLocked(first uint64) error {
	if l.cur != nil {
		if err := l.cur.Close(); err != nil {
			return fmt.Errorf("rowlog: close: %w", err)
		}
		l.cur = nil
	}
	seq := l.nextSeq
	f, err := l.fs.Create(l.path(seq), vfs.WriteCategoryUnspecified)
	if err != nil {
		return fmt.Errorf("rowlog: create: %w", err)
	}
	var h [headerBytes]byte
	binary.LittleEndian.PutUint64(h[:], magicV2)
	binary.LittleEndian.PutUint64(h[8:], first)
	if _, err := f.Write(h[:]); err != nil {
		f.Close()
		return fmt.Errorf("rowlog: write header: %w", err)
	}
	// The file's name must survive a crash with the records synced into
	// it.
	if err := syncDir(l.fs, l.dir); err != nil {
		f.Close()
		return err
	}
	l.nextSeq++
	l.cur = f
	l.files = append(l.files, fileInfo{seq: seq, first: first, size: headerBytes})
	l.bytes += headerBytes
	return nil
}

func syncDir(fs vfs.FS, dir string) error {
	d, err := fs.OpenDir(dir)
	if err != nil {
		return fmt.Errorf("rowlog: open directory: %w", err)
	}
	if err := d.Sync(); err != nil {
		d.Close()
		return fmt.Errorf("rowlog: sync directory: %w", err)
	}
	return d.Close()
}

// Release removes the files whose rows all have ids below below: the rows
// sealed into segment files, once the seal is durable. The file being
// appended to stays.
func (l *Log) Release(below uint64) error {
	l.mu.Lock()
	done := l.takeReleasable(below)
	l.mu.Unlock()
	// Removing a file of tens of megabytes took ~70 ms here: outside the
	// lock, so the appends of the commits go on meanwhile.
	kept, err := l.removeFiles(done)
	if len(kept) > 0 {
		l.mu.Lock()
		l.restore(kept)
		l.mu.Unlock()
	}
	return err
}

// removeFiles removes the files, stopping at the first that fails; it
// returns those not removed.
func (l *Log) removeFiles(files []fileInfo) ([]fileInfo, error) {
	for i, f := range files {
		l.shrink(f)
		if err := l.fs.Remove(l.path(f.seq)); err != nil {
			return files[i:], fmt.Errorf("rowlog: remove %s: %w", fileName(f.seq), err)
		}
	}
	return nil, nil
}

// restore puts files taken for removal back among the log's, for the next
// release to try again. l.mu held.
func (l *Log) restore(files []fileInfo) {
	for _, k := range files {
		at, _ := slices.BinarySearchFunc(l.files, k.seq, func(f fileInfo, seq uint64) int { return cmp.Compare(f.seq, seq) })
		l.files = slices.Insert(l.files, at, k)
		l.bytes += k.size
	}
}

// takeReleasable removes from the log's files those holding only rows
// below below, and returns them. l.mu held.
func (l *Log) takeReleasable(below uint64) []fileInfo {
	keep := l.files[:0]
	var done []fileInfo
	for i, f := range l.files {
		last := i == len(l.files)-1
		// Rows of f still needed have ids under the next file's first:
		// that file was created for the next row id, or after a restart
		// for the next committed one.
		if !(last && l.cur != nil) && (f.maxID < below || (!last && l.files[i+1].first <= below)) {
			done = append(done, f)
			l.bytes -= f.size
			continue
		}
		keep = append(keep, f)
	}
	l.files = keep
	return done
}

// Bytes returns the size of the log's files.
func (l *Log) Bytes() int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.bytes
}

// Close closes the file being appended to.
func (l *Log) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.cur == nil {
		return nil
	}
	err := l.cur.Close()
	l.cur = nil
	l.broken = errors.New("rowlog: closed")
	return err
}
