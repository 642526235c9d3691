package filesource

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/basaltdb/basalt/catalog"
	"github.com/basaltdb/basalt/ingest"
	"github.com/basaltdb/basalt/internal/ingesttest"
	"github.com/basaltdb/basalt/storage"
)

// TestS3SourceRewrittenObject rewrites an object in place (same key, new
// ETag and size) after it was read: the source reads it again from its
// start, and the documents its earlier version left under derived _ids
// are deleted, so the collection holds the new version once, whether it
// is shorter (fewer records at other offsets) or longer. A document with
// its own _id is replaced by it, and stays when the new version lacks it.
// An object left alone is not read again, and a restart, mid-way through
// reading a rewritten object or after, neither repeats nor loses a
// document.
func TestS3SourceRewrittenObject(t *testing.T) {
	s3 := startS3(t)
	own := func(v int) []byte { return []byte(fmt.Sprintf("{\"_id\":\"own\",\"v\":%d}\n", v)) }
	s3.put("rw/a.ndjson", append(ndjson(0, 100), own(5000)...))
	s3.put("rw/b.ndjson", ndjson(100, 110))
	dir := t.TempDir()
	// Rewritten objects' old documents beyond 16 are deleted ahead of the
	// first batch, 16 at a time.
	opts := Options{BatchDocs: 25, staleDeletes: 16}
	n := openNode(t, dir, opts)
	n.createS3Source(s3, "rw", catalog.S3Source{Bucket: "hist", Prefix: "rw/"}, catalog.FormatParams{})
	expect := func(what string, docs, sum int64) {
		t.Helper()
		ingesttest.WaitFor(t, what, 10*time.Second, func() bool {
			c, s := n.Count("rw")
			return c == docs && s == sum && n.Status("rw").State == ingest.StateWatching
		})
		time.Sleep(150 * time.Millisecond) // three more listings: nothing else may come
		if c, s := n.Count("rw"); c != docs || s != sum {
			t.Fatalf("%s: %d documents summing to %d, want %d and %d", what, c, s, docs, sum)
		}
	}
	expect("the first version", 111, sumRange(0, 110)+5000)

	// Shorter: 40 records at other offsets (the first one shares offset
	// 0, and so its _id, with the old first record), and the own _id.
	s3.put("rw/a.ndjson", append(ndjson(200, 240), own(6000)...))
	expect("the shorter second version", 51, sumRange(200, 240)+6000+sumRange(100, 110))
	if st := n.Status("rw"); st.Records != 111+41 || st.Deleted != 100 {
		t.Fatalf("after the rewrite: %d records read (b must not be read again), %d documents deleted (want 100): %+v", st.Records, st.Deleted, st)
	}

	// Longer, without the own _id, and the node closes mid-way through
	// reading it.
	const long = 6000
	s3.put("rw/a.ndjson", ndjson(1000, 1000+long))
	ingesttest.WaitFor(t, "the third version's first batch", 10*time.Second, func() bool { return n.Status("rw").Deleted == 140 })
	n.Close()
	n = openNode(t, dir, opts)
	c0, _ := n.Count("rw")
	if c0 >= long+11 {
		t.Fatal("the third version was read whole before the node closed; the restart is not mid-object")
	}
	t.Logf("closed after %d documents of the third version's %d (with the other object's 10 and the own _id)", c0, long+11)
	want := int64(long + 1 + 10)
	wantSum := sumRange(1000, 1000+long) + 6000 + sumRange(100, 110)
	expect("the third version after a restart", want, wantSum)
	if st := n.Status("rw"); st.Replaced != 0 || st.Deleted != 0 || st.Records != want-c0 {
		t.Fatalf("the reopened node replaced %d and deleted %d documents and read %d records (want 0, 0, %d): a batch was read twice", st.Replaced, st.Deleted, st.Records, want-c0)
	}
	n.Close()

	// Reopened once more, with every object read: nothing is read again.
	n = openNode(t, dir, opts)
	defer n.Close()
	expect("the same documents after another restart", want, wantSum)
	if st := n.Status("rw"); st.Records != 0 {
		t.Fatalf("a restart read %d records again", st.Records)
	}
}

// TestFileSourceRewrittenFile: a local file rewritten in place is read
// again, whether its size changed or only its modification time (same
// size, other values), and a restart does not read it again. A file read
// before versions were kept is not read again after the upgrade.
func TestFileSourceRewrittenFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "x.ndjson")
	mtime := time.Now().Add(-time.Hour)
	write := func(vals ...int) {
		t.Helper()
		var b strings.Builder
		for _, v := range vals {
			fmt.Fprintf(&b, "{\"v\":%d}\n", v)
		}
		// Written aside and renamed into place with its modification
		// time set: written in place, a listing between the write and
		// Chtimes saw a version of its own, and read it once more.
		tmp := filepath.Join(dir, "x.tmp")
		if err := os.WriteFile(tmp, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		// Each version a second apart, whatever the file system's clock
		// resolution.
		mtime = mtime.Add(time.Second)
		if err := os.Chtimes(tmp, mtime, mtime); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(tmp, path); err != nil {
			t.Fatal(err)
		}
	}
	write(1, 2, 3)
	data := t.TempDir()
	n := openNode(t, data, Options{})
	n.CreateCollection("f", catalog.Source{File: &catalog.FileSource{Path: filepath.Join(dir, "*.ndjson")}}, "")
	expect := func(what string, docs, sum int64) {
		t.Helper()
		ingesttest.WaitFor(t, what, 10*time.Second, func() bool {
			c, s := n.Count("f")
			return c == docs && s == sum && n.Status("f").State == ingest.StateWatching
		})
		time.Sleep(150 * time.Millisecond)
		if c, s := n.Count("f"); c != docs || s != sum {
			t.Fatalf("%s: %d documents summing to %d, want %d and %d", what, c, s, docs, sum)
		}
	}
	expect("the first version", 3, 6)

	// A checkpoint from before versions were kept: the file's version as
	// listed is taken for the one read, without reading it again.
	col, err := n.Eng.Catalog().Collection("commons", "f")
	if err != nil {
		t.Fatal(err)
	}
	versions := col.Sources[0].ID + "/" + versionPrefix
	n.Close()
	eng, err := storage.Open(storage.Options{Dir: data, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	if err := eng.DeleteCheckpoints(context.Background(), "commons", "f", versions); err != nil {
		t.Fatal(err)
	}
	if err := eng.Close(); err != nil {
		t.Fatal(err)
	}
	n = openNode(t, data, Options{})
	expect("the first version, after the upgrade", 3, 6)
	if ck, err := n.Eng.Checkpoints("commons", "f", versions); err != nil || len(ck) != 1 {
		t.Fatalf("version checkpoints after the first listing: %v %v", ck, err)
	}
	if st := n.Status("f"); st.Records != 0 {
		t.Fatalf("%d records read again after the upgrade", st.Records)
	}

	write(4, 5, 6) // the same size: only the modification time tells
	expect("the same-size rewrite", 3, 15)
	write(7) // shorter
	expect("the shorter rewrite", 1, 7)
	if st := n.Status("f"); st.Records != 4 || st.Deleted != 6 {
		t.Fatalf("%d records read, %d documents deleted; want 4 and 6", st.Records, st.Deleted)
	}
	n.Close()
	n = openNode(t, data, Options{})
	defer n.Close()
	expect("after a restart", 1, 7)
	if st := n.Status("f"); st.Records != 0 {
		t.Fatalf("a restart read %d records again", st.Records)
	}
}
