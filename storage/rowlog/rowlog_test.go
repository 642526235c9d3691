package rowlog

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"math/rand/v2"
	"path/filepath"
	"runtime"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/cockroachdb/pebble/v2/vfs/errorfs"
)

func rowData(id uint64, version int) []byte {
	return []byte(fmt.Sprintf("row %d version %d %s", id, version, bytes.Repeat([]byte{'x'}, int(id%37))))
}

func group(first, n uint64, version int) []Row {
	rows := make([]Row, n)
	for i := range rows {
		id := first + uint64(i)
		rows[i] = Row{ID: id, Data: rowData(id, version)}
	}
	return rows
}

// replayAll reopens the log in fs and returns what Replay yields for
// [from, to), checking the order.
func replayAll(t *testing.T, fs vfs.FS, from, to uint64) (*Log, map[uint64]string) {
	t.Helper()
	l, err := Open(fs, "log", 1<<10)
	if err != nil {
		t.Fatal(err)
	}
	got := map[uint64]string{}
	var last uint64
	err = l.Replay(from, to, func(id uint64, data []byte) error {
		if id < from || id >= to {
			t.Errorf("row %d outside [%d, %d)", id, from, to)
		}
		if len(got) > 0 && id <= last {
			t.Errorf("row %d after %d", id, last)
		}
		last = id
		got[id] = string(data)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return l, got
}

func TestAppendReplay(t *testing.T) {
	fs := vfs.NewMem()
	l, err := Open(fs, "log", 1<<10) // small files: many rolls
	if err != nil {
		t.Fatal(err)
	}
	next := uint64(1)
	for g := 0; g < 50; g++ {
		n := uint64(1 + g%7)
		if err := l.Append(group(next, n, 0)); err != nil {
			t.Fatal(err)
		}
		next += n
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	_, got := replayAll(t, fs, 20, next)
	if len(got) != int(next-20) {
		t.Fatalf("replayed %d rows, want %d", len(got), next-20)
	}
	for id := uint64(20); id < next; id++ {
		if got[id] != string(rowData(id, 0)) {
			t.Fatalf("row %d: %q", id, got[id])
		}
	}
}

// TestLastAppendWins: a group that never committed leaves its rows in the
// log; the group that reuses its row ids appends them again, and replay
// must give the later version, in the same file or after a restart.
func TestLastAppendWins(t *testing.T) {
	fs := vfs.NewMem()
	l, _ := Open(fs, "log", 1<<20)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(l.Append(group(1, 10, 0)))
	must(l.Append(group(11, 10, 0))) // its Pebble commit fails
	must(l.Append(group(11, 5, 1)))  // the next group reuses 11..15
	must(l.Close())
	l, got := replayAll(t, fs, 1, 16)
	for id := uint64(1); id < 16; id++ {
		want := rowData(id, 0)
		if id >= 11 {
			want = rowData(id, 1)
		}
		if got[id] != string(want) {
			t.Fatalf("row %d: %q, want %q", id, got[id], want)
		}
	}
	// A restart at next row id 16: rows 16..20 of the failed group are
	// ignored, then reused by a group in a new file.
	must(l.Append(group(16, 3, 2)))
	must(l.Close())
	_, got = replayAll(t, fs, 1, 19)
	for id := uint64(16); id < 19; id++ {
		if got[id] != string(rowData(id, 2)) {
			t.Fatalf("row %d after restart: %q", id, got[id])
		}
	}
}

// TestCrash appends synced groups to a crashable file system, crashes it
// keeping a random part of what was not synced (a torn record), and
// checks that replay yields every synced row and stops at the tear.
func TestCrash(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for round := 0; round < 50; round++ {
		mem := vfs.NewCrashableMem()
		l, err := Open(mem, "log", int64(512+rng.IntN(4096)))
		if err != nil {
			t.Fatal(err)
		}
		next := uint64(1)
		for g := rng.IntN(20); g > 0; g-- {
			n := uint64(1 + rng.IntN(9))
			if err := l.Append(group(next, n, 0)); err != nil {
				t.Fatal(err)
			}
			next += n
		}
		synced := next
		// A torn append: written, never synced. Over several 4 KiB
		// blocks the crash may keep a later block and not an earlier
		// one, which reads back as zeros; as the first record of a new
		// file, the file's header was never synced either.
		if l.cur == nil || rng.IntN(3) == 0 {
			if err := l.rollLocked(next); err != nil {
				t.Fatal(err)
			}
		}
		size := 200 + rng.IntN(12000)
		rec := binary.LittleEndian.AppendUint32(nil, uint32(size))
		rec = append(rec, 1, 2, 3, 4)
		rec = append(rec, bytes.Repeat([]byte{7}, size)...)
		if _, err := l.cur.Write(rec); err != nil {
			t.Fatal(err)
		}
		crashed := mem.CrashClone(vfs.CrashCloneCfg{UnsyncedDataPercent: rng.IntN(101), RNG: rand.New(rand.NewPCG(rng.Uint64(), 3))})
		l2, got := replayAll(t, crashed, 1, synced)
		if len(got) != int(synced-1) {
			t.Fatalf("round %d: replayed %d rows, want %d", round, len(got), synced-1)
		}
		// The log accepts appends after the crash, in a new file.
		if err := l2.Append(group(synced, 2, 1)); err != nil {
			t.Fatal(err)
		}
		l2.Close()
		_, got = replayAll(t, crashed, 1, synced+2)
		if got[synced+1] != string(rowData(synced+1, 1)) {
			t.Fatalf("round %d: appended row after crash: %q", round, got[synced+1])
		}
	}
}

func TestRelease(t *testing.T) {
	fs := vfs.NewMem()
	l, _ := Open(fs, "log", 600)
	next := uint64(1)
	for g := 0; g < 40; g++ {
		if err := l.Append(group(next, 4, 0)); err != nil {
			t.Fatal(err)
		}
		next += 4
	}
	files := func() int {
		names, _ := fs.List("log")
		return len(names)
	}
	before, bytesBefore := files(), l.Bytes()
	if before < 5 {
		t.Fatalf("only %d files", before)
	}
	below := next / 2
	if err := l.Release(below); err != nil {
		t.Fatal(err)
	}
	if files() >= before || l.Bytes() >= bytesBefore {
		t.Fatalf("release kept %d of %d files, %d of %d bytes", files(), before, l.Bytes(), bytesBefore)
	}
	l.Close()
	// Every row from below on is still there.
	l, got := replayAll(t, fs, below, next)
	if len(got) != int(next-below) {
		t.Fatalf("after release: %d rows, want %d", len(got), next-below)
	}
	// Once everything is sealed, only the file being appended to stays.
	if err := l.Append(group(next, 1, 0)); err != nil {
		t.Fatal(err)
	}
	if err := l.Release(next + 1); err != nil {
		t.Fatal(err)
	}
	if n := files(); n != 1 {
		t.Fatalf("%d files after releasing everything", n)
	}
}

func TestCorruptRecord(t *testing.T) {
	fs := vfs.NewMem()
	l, _ := Open(fs, "log", 1<<20)
	l.Append(group(1, 3, 0))
	// A record whose checksum holds but whose rows do not parse.
	payload := []byte{5, 1} // five rows announced, one byte of them
	rec := make([]byte, 8, 8+len(payload))
	rec[0] = byte(len(payload))
	sum := crcOf(payload)
	rec[4], rec[5], rec[6], rec[7] = byte(sum), byte(sum>>8), byte(sum>>16), byte(sum>>24)
	rec = append(rec, payload...)
	l.cur.Write(rec)
	l.Close()
	l2, _ := Open(fs, "log", 1<<20)
	err := l2.Replay(1, 10, func(uint64, []byte) error { return nil })
	if err == nil {
		t.Fatal("replay of a corrupt record succeeded")
	}
}

func crcOf(b []byte) uint32 { return crc32.Checksum(b, castagnoli) }

// TestReleaseBeforeReplay: files a log finds at Open are unknown until
// Replay reads them, and no release may remove them before.
func TestReleaseBeforeReplay(t *testing.T) {
	fs := vfs.NewMem()
	l, _ := Open(fs, "log", 1<<20)
	if err := l.Append(group(1, 5, 0)); err != nil {
		t.Fatal(err)
	}
	l.Close()
	l, _ = Open(fs, "log", 1<<20)
	if err := l.Release(1 << 40); err != nil {
		t.Fatal(err)
	}
	l.Close()
	_, got := replayAll(t, fs, 1, 6)
	if len(got) != 5 {
		t.Fatalf("%d rows after a release before replay, want 5", len(got))
	}
}

// TestReleaseRemovesBesideAppends: a release removes its files without
// holding the log, so appends (every commit) go on while a removal is slow;
// a removal that fails keeps its files for the next release.
func TestReleaseRemovesBesideAppends(t *testing.T) {
	var block atomic.Bool
	var fail atomic.Bool
	entered, unblock := make(chan struct{}, 16), make(chan struct{})
	fs := errorfs.Wrap(vfs.NewMem(), errorfs.InjectorFunc(func(op errorfs.Op) error {
		if op.Kind != errorfs.OpRemove {
			return nil
		}
		if fail.Load() {
			return errors.New("injected remove failure")
		}
		if block.Load() {
			entered <- struct{}{}
			<-unblock
		}
		return nil
	}))
	l, err := Open(fs, "log", 600)
	if err != nil {
		t.Fatal(err)
	}
	next := uint64(1)
	appendGroups := func(n int) {
		t.Helper()
		for g := 0; g < n; g++ {
			if err := l.Append(group(next, 4, 0)); err != nil {
				t.Fatal(err)
			}
			next += 4
		}
	}
	appendGroups(40)
	files := func() int {
		names, _ := fs.List("log")
		return len(names)
	}

	// A failed removal: the error is returned, and the files and their
	// bytes are the log's again.
	before, bytesBefore := files(), l.Bytes()
	fail.Store(true)
	if err := l.Release(next / 2); err == nil {
		t.Fatal("a release whose removals fail returned no error")
	}
	fail.Store(false)
	if files() != before || l.Bytes() != bytesBefore {
		t.Fatalf("after a failed release: %d files and %d bytes, want %d and %d", files(), l.Bytes(), before, bytesBefore)
	}

	// A slow removal: appends go on while it waits.
	block.Store(true)
	released := make(chan error, 1)
	below := next / 2
	go func() { released <- l.Release(below) }()
	<-entered
	appended := make(chan struct{})
	go func() {
		defer close(appended)
		appendGroups(5)
	}()
	select {
	case <-appended:
	case <-time.After(10 * time.Second):
		t.Fatal("an append waited for a release's file removal")
	}
	block.Store(false)
	close(unblock)
	if err := <-released; err != nil {
		t.Fatal(err)
	}
	if files() >= before || l.Bytes() >= bytesBefore {
		t.Fatalf("the release after a failed one kept %d of %d files, %d of %d bytes", files(), before, l.Bytes(), bytesBefore)
	}
	l.Close()
	l, got := replayAll(t, fs, below, next)
	defer l.Close()
	if len(got) != int(next-below) {
		t.Fatalf("after release: %d rows, want %d", len(got), next-below)
	}
}

// TestReleaseOnDisk releases files of tens of megabytes on the operating
// system's file system, where they are truncated in steps before they are
// removed: the released files go, the others keep every row.
func TestReleaseOnDisk(t *testing.T) {
	if testing.Short() {
		t.Skip("writes 60 MB")
	}
	fs := vfs.Default
	dir := filepath.Join(t.TempDir(), "log")
	l, err := Open(fs, dir, 20<<20)
	if err != nil {
		t.Fatal(err)
	}
	data := bytes.Repeat([]byte("r"), 64<<10)
	next := uint64(1)
	for next <= 900 { // 900 rows of 64 KiB: three files
		rows := make([]Row, 10)
		for i := range rows {
			rows[i] = Row{ID: next, Data: data}
			next++
		}
		if err := l.Append(rows); err != nil {
			t.Fatal(err)
		}
	}
	names, _ := fs.List(dir)
	if len(names) < 3 {
		t.Fatalf("%d files, want at least 3", len(names))
	}
	below := next - 100
	if err := l.Release(below); err != nil {
		t.Fatal(err)
	}
	left, _ := fs.List(dir)
	if len(left) >= len(names) {
		t.Fatalf("release kept %d of %d files", len(left), len(names))
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	l, err = Open(fs, dir, 20<<20)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	got := 0
	if err := l.Replay(below, next, func(id uint64, d []byte) error {
		if id < below || id >= next || !bytes.Equal(d, data) {
			return fmt.Errorf("row %d of %d bytes", id, len(d))
		}
		got++
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if got != int(next-below) {
		t.Fatalf("%d rows after the release, want %d", got, next-below)
	}
}

// TestCommits: the commits of records come back after a restart in append
// order, over many files; records without one yield nothing; Replay after
// Commits still yields every row.
func TestCommits(t *testing.T) {
	fs := vfs.NewMem()
	l, err := Open(fs, "log", 1<<10) // small files: many rolls
	if err != nil {
		t.Fatal(err)
	}
	next := uint64(1)
	var want []string
	for g := 0; g < 60; g++ {
		n := uint64(1 + g%5)
		var commit []byte
		if g%4 != 3 {
			commit = []byte(fmt.Sprintf("commit %d up to %d", g, next+n))
			want = append(want, string(commit))
		}
		if err := l.AppendCommit(group(next, n, 0), commit); err != nil {
			t.Fatal(err)
		}
		next += n
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	l, err = Open(fs, "log", 1<<10)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	if err := l.Commits(func(c []byte) error {
		got = append(got, string(c))
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, want) {
		t.Fatalf("commits:\n%q\nwant\n%q", got, want)
	}
	rows := 0
	if err := l.Replay(1, next, func(id uint64, data []byte) error {
		if string(data) != string(rowData(id, 0)) {
			t.Fatalf("row %d: %q", id, data)
		}
		rows++
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if rows != int(next-1) {
		t.Fatalf("replayed %d rows, want %d", rows, next-1)
	}
	if err := l.Append(group(next, 1, 0)); err != nil {
		t.Fatal(err)
	}
	if err := l.Commits(func([]byte) error { return nil }); err == nil {
		t.Fatal("Commits after Append succeeded")
	}
	// fn's error ends Commits with it.
	l.Close()
	l, _ = Open(fs, "log", 1<<10)
	stop := errors.New("stop")
	if err := l.Commits(func([]byte) error { return stop }); !errors.Is(err, stop) {
		t.Fatalf("Commits with a failing fn: %v", err)
	}
}

// TestFormat1: a file written before records carried commits (magic
// BSLROW01, rows only) replays its rows and yields no commit.
func TestFormat1(t *testing.T) {
	fs := vfs.NewMem()
	if err := fs.MkdirAll("log", 0o755); err != nil {
		t.Fatal(err)
	}
	f, err := fs.Create(fs.PathJoin("log", fileName(1)), vfs.WriteCategoryUnspecified)
	if err != nil {
		t.Fatal(err)
	}
	b := binary.LittleEndian.AppendUint64(nil, magicV1)
	b = binary.LittleEndian.AppendUint64(b, 5)
	for _, rows := range [][]Row{group(5, 3, 0), group(8, 2, 0)} {
		p := binary.AppendUvarint(nil, uint64(len(rows)))
		for _, r := range rows {
			p = binary.AppendUvarint(p, r.ID)
			p = binary.AppendUvarint(p, uint64(len(r.Data)))
			p = append(p, r.Data...)
		}
		b = binary.LittleEndian.AppendUint32(b, uint32(len(p)))
		b = binary.LittleEndian.AppendUint32(b, crcOf(p))
		b = append(b, p...)
	}
	if _, err := f.Write(b); err != nil {
		t.Fatal(err)
	}
	f.Close()
	l, err := Open(fs, "log", 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Commits(func(c []byte) error {
		t.Fatalf("a format-1 file yielded commit %q", c)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	var ids []uint64
	if err := l.Replay(1, 100, func(id uint64, data []byte) error {
		if string(data) != string(rowData(id, 0)) {
			t.Fatalf("row %d: %q", id, data)
		}
		ids = append(ids, id)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(ids, []uint64{5, 6, 7, 8, 9}) {
		t.Fatalf("rows %v", ids)
	}
}

// TestStartAppendCommit checks the two halves of an append: the record is
// durable only once its wait returned, a second append before that wait is
// refused (the log's buffer and file are the first one's until then), and
// a failed sync breaks the log.
func TestStartAppendCommit(t *testing.T) {
	mem := vfs.NewCrashableMem()
	var failing atomic.Bool
	inj := errorfs.InjectorFunc(func(op errorfs.Op) error {
		if failing.Load() && op.Kind == errorfs.OpFileSyncData {
			return errorfs.ErrInjected
		}
		return nil
	})
	l, err := Open(errorfs.Wrap(mem, inj), "log", 1<<10)
	if err != nil {
		t.Fatal(err)
	}
	next := uint64(1)
	for i := 0; i < 8; i++ {
		wait := l.StartAppendCommit(group(next, 3, 0), []byte{byte(i)})
		if err := wait(); err != nil {
			t.Fatal(err)
		}
		next += 3
	}
	first := l.StartAppendCommit(group(next, 1, 0), []byte("first"))
	if err := l.StartAppendCommit(group(next+1, 1, 0), []byte("second"))(); err == nil {
		t.Fatal("an append before the previous one's wait was accepted")
	}
	if err := first(); err != nil {
		t.Fatalf("the append in flight: %v", err)
	}
	if err := l.AppendCommit(group(next+2, 1, 0), nil); err == nil {
		t.Fatal("the log took appends after refusing one out of turn")
	}
	l.Close()
	l2, got := replayAll(t, mem, 1, next+3)
	if len(got) != int(next) {
		t.Fatalf("replayed %d rows, want %d (the refused appends must not be there)", len(got), next)
	}
	var commits []string
	if err := l2.Commits(func(c []byte) error { commits = append(commits, string(c)); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(commits) != 9 || commits[8] != "first" {
		t.Fatalf("commits %q", commits)
	}
	l2.Close()

	// A failed sync is reported by the wait, and breaks the log.
	l3, err := Open(errorfs.Wrap(mem, inj), "log", 1<<10)
	if err != nil {
		t.Fatal(err)
	}
	failing.Store(true)
	if err := l3.StartAppendCommit(group(next+1, 1, 0), nil)(); err == nil {
		t.Fatal("a failed sync was not reported")
	}
	failing.Store(false)
	if err := l3.AppendCommit(group(next+2, 1, 0), nil); err == nil {
		t.Fatal("the log took an append after a failed sync")
	}
	l3.Close()
}

// TestStartAppendCommitWritesAtOnce: the record reaches the file before
// StartAppendCommit returns, so that the disk starts on it while the
// committer works; only the sync runs in the background. With one P a
// goroutine started for the write would not have run yet. A failed write
// is reported by the wait and breaks the log.
func TestStartAppendCommitWritesAtOnce(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	mem := vfs.NewMem()
	var writes atomic.Int64
	var failWrite, holdSync atomic.Bool
	release := make(chan struct{})
	inj := errorfs.InjectorFunc(func(op errorfs.Op) error {
		switch op.Kind {
		case errorfs.OpFileWrite:
			writes.Add(1)
			if failWrite.Load() {
				return errorfs.ErrInjected
			}
		case errorfs.OpFileSyncData:
			if holdSync.Load() {
				<-release
			}
		}
		return nil
	})
	l, err := Open(errorfs.Wrap(mem, inj), "log", 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	// The first append creates the file (and writes its header).
	if err := l.AppendCommit(group(1, 1, 0), nil); err != nil {
		t.Fatal(err)
	}
	holdSync.Store(true)
	before := writes.Load()
	wait := l.StartAppendCommit(group(2, 2, 0), []byte("c"))
	if n := writes.Load() - before; n != 1 {
		t.Errorf("%d writes when StartAppendCommit returned, want the record's one", n)
	}
	close(release)
	if err := wait(); err != nil {
		t.Fatal(err)
	}
	failWrite.Store(true)
	if err := l.StartAppendCommit(group(4, 1, 0), nil)(); !errors.Is(err, errorfs.ErrInjected) {
		t.Fatalf("a failed write: wait returned %v", err)
	}
	failWrite.Store(false)
	if err := l.AppendCommit(group(5, 1, 0), nil); err == nil {
		t.Fatal("the log took an append after a failed write")
	}
	l.Close()
}
