package filesource

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/basaltdb/basalt/catalog"
	"github.com/basaltdb/basalt/ingest"
	"github.com/basaltdb/basalt/ingest/file"
	"github.com/basaltdb/basalt/internal/ingesttest"
	"github.com/basaltdb/basalt/sql"
	"github.com/basaltdb/basalt/storage"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
	"github.com/klauspost/compress/gzip"
	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
	"github.com/parquet-go/parquet-go"
)

// testNode is an engine with an ingest manager running this connector,
// reopened on the same directory to simulate restarts.
type testNode struct{ *ingesttest.Node }

func openNode(t testing.TB, dir string, opts Options) *testNode {
	t.Helper()
	if opts.Interval == 0 {
		opts.Interval = 50 * time.Millisecond
	}
	conn := Connector(opts)
	return &testNode{ingesttest.Open(t, dir, map[string]ingest.Connector{catalog.KindS3: conn, catalog.KindFile: conn})}
}

// fakeS3 is an in-process S3 server on 127.0.0.1 with bucket "hist".
type fakeS3 struct {
	t        testing.TB
	endpoint string // host:port
	mc       *minio.Client
}

func startS3(t testing.TB) *fakeS3 {
	t.Helper()
	srv := httptest.NewServer(gofakes3.New(s3mem.New()).Server())
	t.Cleanup(srv.Close)
	host := strings.TrimPrefix(srv.URL, "http://")
	mc, err := minio.New(host, &minio.Options{Creds: credentials.NewStaticV4("test-access", "test-secret", ""), Region: "us-east-1"})
	if err != nil {
		t.Fatal(err)
	}
	if err := mc.MakeBucket(context.Background(), "hist", minio.MakeBucketOptions{}); err != nil {
		t.Fatal(err)
	}
	return &fakeS3{t: t, endpoint: host, mc: mc}
}

func (s *fakeS3) put(key string, b []byte) {
	s.t.Helper()
	// Over plain HTTP, minio-go signs a large upload in aws-chunked
	// streaming form, which gofakes3 stores undecoded (chunk headers in
	// the object); an unsigned payload is stored as sent.
	if _, err := s.mc.PutObject(context.Background(), "hist", key, bytes.NewReader(b), int64(len(b)), minio.PutObjectOptions{DisableContentSha256: true}); err != nil {
		s.t.Fatal(err)
	}
}

// createS3Source makes the integration for s (once) and a collection with
// an s3 source.
func (n *testNode) createS3Source(s *fakeS3, coll string, src catalog.S3Source, fp catalog.FormatParams) catalog.Collection {
	n.T.Helper()
	cat := n.Eng.Catalog()
	if _, err := cat.Integration("lake"); err != nil {
		in := catalog.Integration{Name: "lake", S3: &catalog.S3Integration{
			AccessKey: &catalog.AWSAccessKey{ID: "test-access", Secret: "test-secret"},
			Endpoint:  s.endpoint, Region: "us-east-1", Insecure: true,
		}}
		if _, err := cat.CreateIntegration(in); err != nil {
			n.T.Fatal(err)
		}
	}
	return n.CreateCollection(coll, catalog.Source{IntegrationName: "lake", S3: &src, FormatParams: fp}, "")
}

// ndjson returns documents {"v": from} … {"v": to-1}, one a line.
func ndjson(from, to int) []byte {
	var b bytes.Buffer
	for i := from; i < to; i++ {
		fmt.Fprintf(&b, "{\"v\":%d,\"pad\":\"%s\"}\n", i, strings.Repeat("x", i%17))
	}
	return b.Bytes()
}

func gz(b []byte) []byte {
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	w.Write(b)
	w.Close()
	return buf.Bytes()
}

func csvOf(from, to int) []byte {
	var b bytes.Buffer
	b.WriteString("v,name\n")
	for i := from; i < to; i++ {
		fmt.Fprintf(&b, "%d,n%d\n", i, i)
	}
	return b.Bytes()
}

func parquetOf(t testing.TB, from, to int) []byte {
	t.Helper()
	type row struct {
		V int64 `parquet:"v"`
	}
	var buf bytes.Buffer
	w := parquet.NewGenericWriter[row](&buf, parquet.MaxRowsPerRowGroup(16))
	for i := from; i < to; i++ {
		if _, err := w.Write([]row{{V: int64(i)}}); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func sumRange(from, to int) int64 {
	var s int64
	for i := from; i < to; i++ {
		s += int64(i)
	}
	return s
}

// TestS3Source loads NDJSON (with a bad line), gzip NDJSON, CSV and
// Parquet objects under a prefix, leaves the others alone, reports its
// progress, and picks up an object added later.
func TestS3Source(t *testing.T) {
	s3 := startS3(t)
	a := ndjson(0, 100)
	// Bad lines: not JSON at all, and lines that open an object but are
	// not JSON, which the iterator leaves to the loader's own decoding.
	a = append(a[:len(a):len(a)], "this is not json\n{\"v\": 7,\n{\"v\": 8} trailing\n"...)
	s3.put("ev/a.ndjson", a)
	s3.put("ev/b.ndjson.gz", gz(ndjson(100, 200)))
	s3.put("ev/c.csv", csvOf(200, 250))
	s3.put("ev/d.parquet", parquetOf(t, 250, 300))
	s3.put("evil/x.ndjson", ndjson(1000, 1001)) // shares the string "ev", not the prefix "ev/"
	s3.put("other/y.ndjson", ndjson(1000, 1001))

	n := openNode(t, t.TempDir(), Options{BatchDocs: 16})
	defer n.Close()
	n.createS3Source(s3, "events", catalog.S3Source{Bucket: "hist", Prefix: "ev/"}, catalog.FormatParams{})
	ingesttest.WaitFor(t, "300 documents, watching", 10*time.Second, func() bool {
		c, _ := n.Count("events")
		return c == 300 && n.Status("events").State == ingest.StateWatching
	})
	if c, sum := n.Count("events"); c != 300 || sum != sumRange(0, 300) {
		t.Fatalf("count %d sum %d, want 300 and %d", c, sum, sumRange(0, 300))
	}
	st := n.Status("events")
	if st.BadRecords != 3 || st.ObjectsDone != 4 || st.ObjectsTotal != 4 || st.BytesRead != st.BytesTotal || st.BytesTotal == 0 || st.Replaced != 0 {
		t.Fatalf("status %+v", st)
	}
	res, err := sql.NewSession(n.Eng, sql.Limits{}).Query(context.Background(), "SELECT error, record FROM _meta.bad ORDER BY error", sql.Params{})
	if err != nil || len(res.Rows) != 3 {
		t.Fatalf("_meta.bad: %v %v", res, err)
	}
	for i, want := range []struct{ where, msg, record string }{
		{"s3://hist/ev/a.ndjson:101", "invalid JSON", "this is not json"},
		{"s3://hist/ev/a.ndjson:102", "invalid JSON: unexpected end of JSON input", `{"v": 7,`},
		{"s3://hist/ev/a.ndjson:103", "invalid JSON: invalid character 't' after top-level value", `{"v": 8} trailing`},
	} {
		if msg, rec := res.Rows[i][0].Str(), res.Rows[i][1].Str(); !strings.Contains(msg, want.where+": "+want.msg) || rec != want.record {
			t.Errorf("_meta.bad row %d: error %q, record %q; want %q at %s, record %q", i, msg, rec, want.msg, want.where, want.record)
		}
	}

	// A new object is loaded at the next listing.
	s3.put("ev/e.ndjson", ndjson(300, 310))
	ingesttest.WaitFor(t, "the new object", 10*time.Second, func() bool { c, _ := n.Count("events"); return c == 310 })
	if _, sum := n.Count("events"); sum != sumRange(0, 310) {
		t.Fatalf("sum %d", sum)
	}
	ingesttest.WaitFor(t, "watching", 5*time.Second, func() bool { return n.Status("events").State == ingest.StateWatching })
}

// TestS3SourceRestart closes the node in the middle of a load and opens it
// again: the load resumes where it committed, and every document is there
// once (none was replaced by a replay either).
func TestS3SourceRestart(t *testing.T) {
	s3 := startS3(t)
	const per, objects, total = 3000, 3, 9000
	for i := range objects {
		s3.put(fmt.Sprintf("big/%d.ndjson", i), ndjson(i*per, (i+1)*per))
	}
	dir := t.TempDir()
	opts := Options{BatchDocs: 25}
	n := openNode(t, dir, opts)
	n.createS3Source(s3, "big", catalog.S3Source{Bucket: "hist", Pattern: "big/*.ndjson"}, catalog.FormatParams{JSON: true})
	ingesttest.WaitFor(t, "the load to start", 10*time.Second, func() bool { c, _ := n.Count("big"); return c >= per/2 })
	n.Close()

	n = openNode(t, dir, opts)
	defer n.Close()
	c0, _ := n.Count("big")
	if c0 >= total {
		t.Fatalf("the first node loaded everything before it closed; the restart is not mid-load")
	}
	ingesttest.WaitFor(t, "the whole load", 20*time.Second, func() bool { c, _ := n.Count("big"); return c >= total })
	ingesttest.WaitFor(t, "watching", 5*time.Second, func() bool { return n.Status("big").State == ingest.StateWatching })
	c, sum := n.Count("big")
	if c != total || sum != sumRange(0, total) {
		t.Fatalf("count %d sum %d, want %d and %d", c, sum, total, sumRange(0, total))
	}
	st := n.Status("big")
	if st.Replaced != 0 {
		t.Fatalf("%d documents were replaced: a batch was loaded twice", st.Replaced)
	}
	if st.Records != total-c0 {
		t.Fatalf("the second node read %d records; %d were left after the %d committed", st.Records, total-c0, c0)
	}
	t.Logf("closed after %d of %d documents; the second node read the other %d", c0, total, st.Records)
}

// TestS3SourceBrokenObject gives up the rest of an object that stops at
// the same place every time it is read (a truncated gzip stream), keeps
// what came before it and the error in _meta.bad, and goes on.
func TestS3SourceBrokenObject(t *testing.T) {
	s3 := startS3(t)
	z := gz(ndjson(0, 2000))
	s3.put("a.ndjson.gz", z[:len(z)/2])
	s3.put("b.ndjson", ndjson(5000, 5010))
	n := openNode(t, t.TempDir(), Options{})
	defer n.Close()
	n.createS3Source(s3, "broken", catalog.S3Source{Bucket: "hist"}, catalog.FormatParams{})
	ingesttest.WaitFor(t, "watching after the broken object", 10*time.Second, func() bool {
		st := n.Status("broken")
		return st.State == ingest.StateWatching && st.ObjectsDone == 2
	})
	c, sum := n.Count("broken")
	if c < 10 || c >= 2010 {
		t.Fatalf("%d documents", c)
	}
	if want := sumRange(0, int(c-10)) + sumRange(5000, 5010); sum != want {
		t.Fatalf("sum %d, want %d: the documents before the break and all of b", sum, want)
	}
	res, err := sql.NewSession(n.Eng, sql.Limits{}).Query(context.Background(), "SELECT error FROM _meta.bad", sql.Params{})
	if err != nil || len(res.Rows) != 1 || !strings.Contains(res.Rows[0][0].Str(), "given up") {
		t.Fatalf("_meta.bad: %v %v", res, err)
	}
	t.Log(res.Rows[0][0].Str())
}

// TestFileSource loads local files by a glob (NDJSON, a JSON array, CSV)
// and a file added later.
func TestFileSource(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, b []byte) {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("1.ndjson", ndjson(0, 10))
	write("2.json", []byte(`[{"v":10},{"v":11},{"_id":"twelve","v":12}]`))
	write("3.csv", csvOf(13, 20))
	write("skip.txt", []byte("not matched"))
	n := openNode(t, t.TempDir(), Options{})
	defer n.Close()
	n.CreateCollection("local", catalog.Source{File: &catalog.FileSource{Path: filepath.Join(dir, "*.*sv")}}, "")
	n.CreateCollection("local2", catalog.Source{File: &catalog.FileSource{Path: filepath.Join(dir, "[0-9]*")}}, "")
	ingesttest.WaitFor(t, "the files", 10*time.Second, func() bool {
		c, _ := n.Count("local2")
		return c == 20 && n.Status("local2").State == ingest.StateWatching
	})
	if c, sum := n.Count("local2"); c != 20 || sum != sumRange(0, 20) {
		t.Fatalf("count %d sum %d", c, sum)
	}
	if c, _ := n.Count("local"); c != 7 {
		t.Fatalf("the *.*sv glob loaded %d documents, want the CSV's 7", c)
	}
	write("4.ndjson.gz", gz(ndjson(20, 25)))
	// The status counts a batch after its commit: wait for both.
	ingesttest.WaitFor(t, "the new file", 10*time.Second, func() bool {
		c, _ := n.Count("local2")
		return c == 25 && n.Status("local2").ObjectsDone == 4
	})
	if st := n.Status("local2"); st.ObjectsDone != 4 || st.Replaced != 0 {
		t.Fatalf("status %+v", st)
	}

	// A suspended source loads nothing; resumed, it catches up.
	col, err := n.Eng.Catalog().Collection("commons", "local2")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := n.Eng.Catalog().SetSourceSuspended("commons", "local2", col.Sources[0].ID, true); err != nil {
		t.Fatal(err)
	}
	n.Mgr.Sync()
	ingesttest.WaitFor(t, "suspended", 5*time.Second, func() bool { return n.Status("local2").State == ingest.StateSuspended })
	write("5.ndjson", ndjson(25, 30))
	time.Sleep(200 * time.Millisecond) // four listing intervals
	if c, _ := n.Count("local2"); c != 25 {
		t.Fatalf("a suspended source loaded: %d documents", c)
	}
	if _, err := n.Eng.Catalog().SetSourceSuspended("commons", "local2", col.Sources[0].ID, false); err != nil {
		t.Fatal(err)
	}
	n.Mgr.Sync()
	ingesttest.WaitFor(t, "the file written while suspended", 10*time.Second, func() bool { c, _ := n.Count("local2"); return c == 30 })
	if _, sum := n.Count("local2"); sum != sumRange(0, 30) {
		t.Fatalf("sum %d", sum)
	}
}

// TestS3SourceMissingBucket reports a bucket that does not exist as an
// error, and loads once it is created.
func TestS3SourceMissingBucket(t *testing.T) {
	s3 := startS3(t)
	n := openNode(t, t.TempDir(), Options{})
	defer n.Close()
	n.createS3Source(s3, "nob", catalog.S3Source{Bucket: "nobucket"}, catalog.FormatParams{})
	ingesttest.WaitFor(t, "the error state", 10*time.Second, func() bool {
		st := n.Status("nob")
		return st.State == ingest.StateError && strings.Contains(st.Message, "bucket")
	})
	t.Log(n.Status("nob").Message)
	if err := s3.mc.MakeBucket(context.Background(), "nobucket", minio.MakeBucketOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := s3.mc.PutObject(context.Background(), "nobucket", "a.ndjson", bytes.NewReader(ndjson(0, 5)), -1, minio.PutObjectOptions{}); err != nil {
		t.Fatal(err)
	}
	ingesttest.WaitFor(t, "the load after the bucket appeared", 10*time.Second, func() bool { c, _ := n.Count("nob"); return c == 5 })
}

// TestS3SourceUnreachable reports an endpoint where nothing listens as an
// error that names it.
func TestS3SourceUnreachable(t *testing.T) {
	ln := httptest.NewServer(nil)
	addr := strings.TrimPrefix(ln.URL, "http://")
	ln.Close() // nothing listens there now
	n := openNode(t, t.TempDir(), Options{})
	defer n.Close()
	n.createS3Source(&fakeS3{t: t, endpoint: addr}, "gone", catalog.S3Source{Bucket: "hist"}, catalog.FormatParams{})
	start := time.Now()
	ingesttest.WaitFor(t, "the error state", 20*time.Second, func() bool {
		st := n.Status("gone")
		return st.State == ingest.StateError && strings.Contains(st.Message, addr)
	})
	t.Logf("after %s: %s", time.Since(start).Round(time.Millisecond), n.Status("gone").Message)
}

// TestFileSourceTransformErrorKeptInBad: a document the collection's field
// mapping query fails on is counted, kept in _meta.bad with its position
// and the failing field and expression, and its object goes on. Read again
// (its position forgotten), it replaces its _meta.bad record rather than
// adding a second one.
func TestFileSourceTransformErrorKeptInBad(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "a.ndjson")
	first := `{"_id":"a","p":"1"}` + "\n"
	if err := os.WriteFile(path, []byte(first+`{"_id":"b","p":"zz"}`+"\n"+`{"_id":"c","p":"3"}`+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	data := t.TempDir()
	n := openNode(t, data, Options{})
	col := n.CreateCollection("fstx", catalog.Source{File: &catalog.FileSource{Path: filepath.Join(dir, "*.ndjson")}, FormatParams: catalog.FormatParams{JSON: true}},
		`SELECT _id, CAST(p AS int) AS p FROM _input`)
	// The error collection names the record by file and line; its _id
	// is the source and the record's derived position, so a replay
	// overwrites it.
	wantPos := path + ":2"
	wantID := col.Sources[0].ID + ":" + file.DerivedID(file.Position{Object: path, Offset: int64(len(first))})
	check := func(when string) {
		t.Helper()
		ingesttest.WaitFor(t, "the file to be loaded "+when, 10*time.Second, func() bool {
			st := n.Status("fstx")
			return st.State == ingest.StateWatching && st.Records >= 3 && len(n.BadRows("fstx")) > 0
		})
		time.Sleep(150 * time.Millisecond) // a second _meta.bad record would show now
		if got, want := ingesttest.RowsText(n.Query(`SELECT _id, p FROM fstx ORDER BY _id`)), "\"a\" 1\n\"c\" 3\n"; got != want {
			t.Fatalf("%s: documents\n%s\nwant\n%s", when, got, want)
		}
		if st := n.Status("fstx"); st.Records != 3 || st.Documents != 2 || st.ErrorDocuments != 1 || st.BadRecords != 0 {
			t.Fatalf("%s: status %d records, %d documents, %d error documents, %d bad records; want 3, 2, 1, 0",
				when, st.Records, st.Documents, st.ErrorDocuments, st.BadRecords)
		}
		bad := n.BadRows("fstx")
		if len(bad) != 1 {
			t.Fatalf("%s: %d _meta.bad records, want 1:\n%s", when, len(bad), ingesttest.RowsText(bad))
		}
		pos, msg, rec := bad[0][0].Str(), bad[0][1].Str(), bad[0][2].Str()
		if pos != wantPos || !strings.Contains(msg, `field "p"`) || !strings.Contains(msg, "CAST") || !strings.Contains(rec, `"zz"`) {
			t.Fatalf("%s: _meta.bad record %s(want position %s)", when, ingesttest.RowsText(bad), wantPos)
		}
		if ids := ingesttest.RowsText(n.Query(`SELECT _id FROM _meta.bad`)); ids != fmt.Sprintf("%q\n", wantID) {
			t.Fatalf("%s: _meta.bad _ids\n%swant %q", when, ids, wantID)
		}
		if !strings.Contains(msg, "record "+wantPos+":") {
			t.Fatalf("%s: error %q does not name the record as %s", when, msg, wantPos)
		}
		t.Logf("%s: %s", when, msg)
	}
	check("at first")

	// Read the file again, as a crash before its position committed would.
	n.Close()
	eng, err := storage.Open(storage.Options{Dir: data, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	if err := eng.DeleteCheckpoints(context.Background(), "commons", "fstx", col.Sources[0].ID+"/"); err != nil {
		t.Fatal(err)
	}
	if err := eng.Close(); err != nil {
		t.Fatal(err)
	}
	n = openNode(t, data, Options{})
	defer n.Close()
	check("after the file was read again")
	if st := n.Status("fstx"); st.Replaced != 2 {
		t.Fatalf("%d documents replaced on the second reading, want 2", st.Replaced)
	}
}

// TestFileSourceBadRecordsKept: without a field mapping query (records are
// prepared one by one as they are decoded), a line that is not JSON and a
// document the write refuses are kept in _meta.bad under their own
// positions, and their neighbours are written.
func TestFileSourceBadRecordsKept(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "a.ndjson")
	lines := []string{`{"_id":"a","v":1}`, `{"_id":"b",`, `{"_id":"c","v":3}`, `{"_id":"d","_op":"nope"}`, `{"_id":"e","v":5}`}
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	n := openNode(t, t.TempDir(), Options{})
	defer n.Close()
	n.CreateCollection("fsbad", catalog.Source{File: &catalog.FileSource{Path: path}}, "")
	ingesttest.WaitFor(t, "the file", 10*time.Second, func() bool {
		st := n.Status("fsbad")
		return st.State == ingest.StateWatching && len(n.BadRows("fsbad")) == 2
	})
	if got, want := ingesttest.RowsText(n.Query(`SELECT _id, v FROM fsbad ORDER BY _id`)), "\"a\" 1\n\"c\" 3\n\"e\" 5\n"; got != want {
		t.Fatalf("documents\n%s\nwant\n%s", got, want)
	}
	bad := n.BadRows("fsbad")
	byPos := map[string]string{}
	for _, r := range bad {
		byPos[r[0].Str()] = r[1].Str()
	}
	if msg := byPos[path+":2"]; msg == "" {
		t.Fatalf("the line that is not JSON is not kept at %s:2: %s", path, ingesttest.RowsText(bad))
	}
	if msg := byPos[path+":4"]; !strings.Contains(msg, "_op") {
		t.Fatalf("the refused document is not kept at %s:4 with its reason: %s", path, ingesttest.RowsText(bad))
	}
}
