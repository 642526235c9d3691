package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/basaltdb/basalt/ingest/file"
	"github.com/basaltdb/basalt/internal/rockbench"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
	"github.com/klauspost/compress/gzip"
	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
	"github.com/parquet-go/parquet-go"
)

// sqlOne runs a query and returns its CSV output without the header.
func sqlOne(t *testing.T, q string) string {
	t.Helper()
	out, errOut, err := runBasalt("sql", "--format", "csv", "-c", q)
	if err != nil {
		t.Fatalf("%s: %v %s", q, err, errOut)
	}
	_, body, _ := strings.Cut(strings.TrimSpace(out), "\n")
	return body
}

// writeNumbered writes n documents {"i": from..from+n-1, "s": "v<i>"}
// without _id, gzip-compressed when the name ends in .gz.
func writeNumbered(t *testing.T, path string, from, n int) {
	t.Helper()
	var b bytes.Buffer
	for i := from; i < from+n; i++ {
		fmt.Fprintf(&b, "{\"i\":%d,\"s\":\"v%d\"}\n", i, i)
	}
	data := b.Bytes()
	if strings.HasSuffix(path, ".gz") {
		var z bytes.Buffer
		w := gzip.NewWriter(&z)
		w.Write(data)
		w.Close()
		data = z.Bytes()
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// checkNumbered checks that coll holds exactly the documents 0..n-1, once
// each, with their values.
func checkNumbered(t *testing.T, coll string, n int) {
	t.Helper()
	want := fmt.Sprintf("%d,%d,%d,%d", n, n, n*(n-1)/2, n)
	got := sqlOne(t, "SELECT count(*) AS n, count(DISTINCT i) AS d, sum(i) AS s, count(*) FILTER (WHERE s = 'v' || CAST(i AS text)) AS ok FROM "+coll)
	if got != want {
		t.Fatalf("%s: count, distinct, sum, matching = %s, want %s", coll, got, want)
	}
}

// TestLoadGlobGzipParquet loads a glob of NDJSON, gzip'd NDJSON, CSV and
// Parquet files.
func TestLoadGlobGzipParquet(t *testing.T) {
	startServer(t)
	dir := t.TempDir()
	writeNumbered(t, filepath.Join(dir, "a.ndjson"), 0, 100)
	writeNumbered(t, filepath.Join(dir, "b.ndjson.gz"), 100, 100)
	var csv strings.Builder
	csv.WriteString("i,s\n")
	for i := 200; i < 250; i++ {
		fmt.Fprintf(&csv, "%d,v%d\n", i, i)
	}
	os.WriteFile(filepath.Join(dir, "c.csv"), []byte(csv.String()), 0o644)
	type row struct {
		I  int64     `parquet:"i"`
		S  string    `parquet:"s"`
		TS time.Time `parquet:"ts,timestamp(millisecond)"`
	}
	var pq bytes.Buffer
	w := parquet.NewGenericWriter[row](&pq)
	for i := 250; i < 300; i++ {
		w.Write([]row{{I: int64(i), S: fmt.Sprintf("v%d", i), TS: time.Date(2024, 1, 1, 0, 0, i, 0, time.UTC)}})
	}
	w.Close()
	os.WriteFile(filepath.Join(dir, "d.parquet"), pq.Bytes(), 0o644)
	os.WriteFile(filepath.Join(dir, "skip.txt"), []byte("not matched"), 0o644)

	_, errOut, err := runBasalt("load", filepath.Join(dir, "*.[cnp]*"), "--collection", "hist.mixed", "--create", "--batch", "30")
	if err != nil || !strings.Contains(errOut, "300 documents written") {
		t.Fatalf("load: %v\n%s", err, errOut)
	}
	checkNumbered(t, "hist.mixed", 300)
	if got := sqlOne(t, "SELECT ts FROM hist.mixed WHERE i = 251"); got != "2024-01-01T00:04:11Z" {
		t.Fatalf("parquet timestamp %q", got)
	}
}

// TestLoadS3 loads from an in-process S3 server with keys from the
// environment and from flags.
func TestLoadS3(t *testing.T) {
	startServer(t)
	srv := httptest.NewServer(gofakes3.New(s3mem.New()).Server())
	defer srv.Close()
	mc, err := minio.New(strings.TrimPrefix(srv.URL, "http://"), &minio.Options{Creds: credentials.NewStaticV4("ak", "sk", "")})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := mc.MakeBucket(ctx, "hist", minio.MakeBucketOptions{}); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for k := range 3 {
		p := filepath.Join(dir, fmt.Sprintf("part-%d.ndjson.gz", k))
		writeNumbered(t, p, k*100, 100)
		if _, err := mc.FPutObject(ctx, "hist", "events/"+filepath.Base(p), p, minio.PutObjectOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("AWS_ACCESS_KEY_ID", "ak")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "sk")
	_, errOut, err := runBasalt("load", "s3://hist/events/", "--s3-endpoint", srv.URL, "--collection", "hist.s3", "--create")
	if err != nil || !strings.Contains(errOut, "300 documents written") {
		t.Fatalf("load: %v\n%s", err, errOut)
	}
	checkNumbered(t, "hist.s3", 300)
	// A glob, keys from flags, host:port with --s3-insecure; resumable.
	t.Setenv("AWS_ACCESS_KEY_ID", "")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "")
	rf := filepath.Join(dir, "s3.resume")
	_, errOut, err = runBasalt("load", "s3://hist/events/part-[01]*", "--s3-endpoint", strings.TrimPrefix(srv.URL, "http://"), "--s3-insecure",
		"--s3-access-key", "ak", "--s3-secret-key", "sk", "--collection", "hist.s3b", "--create", "--resume-file", rf)
	if err != nil || !strings.Contains(errOut, "200 documents written") {
		t.Fatalf("glob load: %v\n%s", err, errOut)
	}
	st, err := readResume(rf)
	if err != nil || st.Position == nil || st.Position.Object != "s3://hist/events/part-1.ndjson.gz" || st.Documents != 200 {
		t.Fatalf("resume file: %+v %v", st, err)
	}
}

// TestLoadResume stops a load after some batches, loses the record of the
// last acknowledged ones (a crash between a write and the resume file's
// update), and checks that the restarted load leaves every document once.
func TestLoadResume(t *testing.T) {
	cl := startServer(t)
	dir := t.TempDir()
	writeNumbered(t, filepath.Join(dir, "p1.ndjson"), 0, 2000)
	writeNumbered(t, filepath.Join(dir, "p2.ndjson.gz"), 2000, 2000)
	writeNumbered(t, filepath.Join(dir, "p3.ndjson"), 4000, 1000)
	rf := filepath.Join(dir, "load.resume")
	glob := filepath.Join(dir, "p*")

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var snapshot []byte
	var errOut bytes.Buffer
	ld := &loader{apiClient: apiClient{url: cl.url, http: &http.Client{}}, ws: "hist", coll: "resumed", format: "auto",
		batch: 100, concurrency: 3, create: true, errOut: &errOut, resumeFile: rf, derivedIDs: true,
		afterBatch: func(n int) {
			if n == 8 {
				snapshot, _ = os.ReadFile(rf)
			}
			if n == 25 {
				cancel()
			}
		}}
	if err := ld.run(ctx, nil, []string{glob}); err == nil {
		t.Fatalf("a cancelled load succeeded:\n%s", errOut.String())
	}
	st, err := readResume(rf)
	// Up to --concurrency batches may still be unacknowledged below the
	// 25th: the low-water mark is at least 22 batches.
	if err != nil || st.Position == nil || st.Documents < 2200 {
		t.Fatalf("resume file after 25 batches: %+v %v", st, err)
	}
	written := sqlOne(t, "SELECT count(*) FROM hist.resumed")
	if written == "0" || written == "5000" {
		t.Fatalf("%s documents after the cancelled load", written)
	}
	// The acknowledgements of batches 9 to 25 are lost.
	if err := os.WriteFile(rf, snapshot, 0o644); err != nil {
		t.Fatal(err)
	}
	_, out, err := runBasalt("load", glob, "--collection", "hist.resumed", "--resume-file", rf, "--batch", "100")
	if err != nil || !strings.Contains(out, "resuming after ") {
		t.Fatalf("resumed load: %v\n%s", err, out)
	}
	checkNumbered(t, "hist.resumed", 5000)
	// Once done, the same command loads nothing more.
	_, out, err = runBasalt("load", glob, "--collection", "hist.resumed", "--resume-file", rf)
	if err != nil || !strings.Contains(out, "0 documents written") {
		t.Fatalf("load after the end: %v\n%s", err, out)
	}
	checkNumbered(t, "hist.resumed", 5000)
	// A resume file of other files is refused.
	if _, _, err := runBasalt("load", filepath.Join(dir, "p1.ndjson"), "--collection", "hist.resumed", "--resume-file", rf); err == nil || !strings.Contains(err.Error(), "not among") {
		t.Fatalf("foreign resume file: %v", err)
	}
}

// TestLoadKilled kills a `basalt load` child process with SIGKILL in the
// middle of its load and starts it again with the same resume file.
func TestLoadKilled(t *testing.T) {
	if args := os.Getenv("BASALT_TEST_LOAD_CHILD"); args != "" {
		_, errOut, err := runBasalt(strings.Split(args, "\x1f")...)
		if err != nil {
			fmt.Fprintln(os.Stderr, err, errOut)
			os.Exit(1)
		}
		os.Exit(0)
	}
	startServer(t)
	dir := t.TempDir()
	const n = 100000
	writeNumbered(t, filepath.Join(dir, "big.ndjson"), 0, n)
	rf := filepath.Join(dir, "load.resume")
	// One request at a time, and killed at its first acknowledged
	// batches: with four in flight a busy machine let the whole load
	// finish between two looks at the resume file.
	args := []string{"load", filepath.Join(dir, "big.ndjson"), "--collection", "hist.killed", "--create", "--resume-file", rf, "--batch", "50", "--concurrency", "1"}
	child := exec.Command(os.Args[0], "-test.run=^TestLoadKilled$")
	child.Env = append(os.Environ(), "BASALT_TEST_LOAD_CHILD="+strings.Join(args, "\x1f"))
	var childOut bytes.Buffer
	child.Stderr = &childOut
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		st, _ := readResume(rf)
		if st.Documents >= 200 {
			break
		}
		if time.Now().After(deadline) {
			child.Process.Kill()
			t.Fatalf("the child did not get going: %s", childOut.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err := child.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	child.Wait()
	st, err := readResume(rf)
	if err != nil || st.Documents >= n {
		t.Fatalf("the child was killed too late to tell: %+v %v", st, err)
	}
	_, out, err := runBasalt(args...)
	if err != nil || !strings.Contains(out, "resuming after ") {
		t.Fatalf("resumed load: %v\n%s", err, out)
	}
	checkNumbered(t, "hist.killed", n)
}

func TestHasTopLevelID(t *testing.T) {
	for doc, want := range map[string]bool{
		`{"_id":"a"}`:                           true,
		`{"a":1,"_id":2}`:                       true,
		`{ "b" : {"_id":1}, "c": [{"_id":2}] }`: false,
		`{"x":"_id","y":"\"_id\""}`:             false,
		`{"\u005fid":"a"}`:                      true,
		`{"a":{"b":1},"_id":null}`:              true,
		`{"id":1}`:                              false,
	} {
		if got := hasTopLevelID([]byte(doc)); got != want {
			t.Errorf("%s: %v, want %v", doc, got, want)
		}
	}
	for doc, want := range map[string]string{
		`{"a":1}`: `{"_id":"p-7","a":1}`,
		`{ }`:     `{"_id":"p-7"}`,
		`{}`:      `{"_id":"p-7"}`,
	} {
		if got := string(appendWithID(nil, []byte(doc), "p", 7)); got != want {
			t.Errorf("%s: %s, want %s", doc, got, want)
		}
	}
}

// TestLoadProgressLine checks the periodic progress line printed when
// stderr is not a terminal.
func TestLoadProgressLine(t *testing.T) {
	startServer(t)
	dir := t.TempDir()
	writeNumbered(t, filepath.Join(dir, "a.ndjson"), 0, 3000)
	_, errOut, err := runBasalt("load", filepath.Join(dir, "a.ndjson"), "--collection", "p.line", "--create", "--batch", "10",
		"--concurrency", "1", "--progress-interval", "1ms")
	if err != nil || !strings.Contains(errOut, "load: ") || !strings.Contains(errOut, "docs/s") || !strings.Contains(errOut, "MiB of") {
		t.Fatalf("progress line: %v\n%s", err, errOut)
	}
}

// TestAckTrackerSpacedWrites: with a spacing, the resume file is written at
// the first acknowledgement and then not again within the spacing, flush
// writes the latest low-water mark, and out-of-order acknowledgements move
// it only when the run from the first batch grows.
func TestAckTrackerSpacedWrites(t *testing.T) {
	rf := filepath.Join(t.TempDir(), "load.resume")
	a := &ackTracker{path: rf, every: time.Hour}
	pos := func(off int64) file.Position { return file.Position{Object: "/f.ndjson", Offset: off, Line: off + 1} }
	read := func() resumeState {
		t.Helper()
		st, err := readResume(rf)
		if err != nil {
			t.Fatal(err)
		}
		return st
	}
	for _, b := range []struct {
		seq uint64
		off int64
	}{{0, 10}, {2, 30}, {1, 20}, {3, 40}} {
		if _, err := a.ack(b.seq, pos(b.off), 10); err != nil {
			t.Fatal(err)
		}
	}
	if st := read(); st.Position == nil || st.Position.Offset != 10 || st.Documents != 10 {
		t.Fatalf("after four acknowledgements within the spacing: %+v, want the first batch's", st)
	}
	if err := a.flush(); err != nil {
		t.Fatal(err)
	}
	if st := read(); st.Position == nil || st.Position.Offset != 40 || st.Documents != 40 {
		t.Fatalf("after flush: %+v, want the fourth batch's", st)
	}
	// Without spacing, every move of the low-water mark is written.
	b := &ackTracker{path: rf}
	if _, err := b.ack(1, pos(70), 5); err != nil {
		t.Fatal(err)
	}
	if st := read(); st.Position.Offset != 40 {
		t.Fatalf("batch 1 before batch 0 moved the mark: %+v", st)
	}
	if _, err := b.ack(0, pos(60), 5); err != nil {
		t.Fatal(err)
	}
	if st := read(); st.Position.Offset != 70 || st.Documents != 10 {
		t.Fatalf("after batches 0 and 1: %+v", st)
	}
}

// TestHasTopLevelIDMatchesDecoding compares hasTopLevelID with decoding
// the document, over random objects: nested objects and arrays, keys and
// strings with escapes, quotes and backslashes, and _id at any depth.
func TestHasTopLevelIDMatchesDecoding(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 9))
	keys := []string{"_id", "id", "Guid", `\u005fid`, `_i\u0064`, `a\"_id`, `\\`, `_id\\`, "x", "_idx", ""}
	strs := []string{`_id`, `"_id"`, `\"_id\":1`, `\\`, `\\\"`, `{"_id":1}`, `[`, `}`, `plain`}
	var value func(b []byte, depth int) []byte
	object := func(b []byte, depth int) []byte {
		b = append(b, '{')
		for i, n := 0, rng.IntN(5); i < n; i++ {
			if i > 0 {
				b = append(b, ", "[:1+rng.IntN(2)]...)
			}
			b = append(b, '"')
			b = append(b, keys[rng.IntN(len(keys))]...)
			b = append(b, `":`...)
			b = value(b, depth+1)
		}
		return append(b, '}')
	}
	value = func(b []byte, depth int) []byte {
		switch r := rng.IntN(7); {
		case r == 0 && depth < 4:
			return object(b, depth)
		case r == 1 && depth < 4:
			b = append(b, '[')
			for i, n := 0, rng.IntN(4); i < n; i++ {
				if i > 0 {
					b = append(b, ',')
				}
				b = value(b, depth+1)
			}
			return append(b, ']')
		case r == 2:
			return strconv.AppendInt(b, rng.Int64N(1000)-500, 10)
		case r == 3:
			return append(b, []string{"true", "false", "null"}[rng.IntN(3)]...)
		default:
			b = append(b, '"')
			b = append(b, strs[rng.IntN(len(strs))]...)
			return append(b, '"')
		}
	}
	checked := 0
	for i := 0; i < 20000; i++ {
		doc := object(nil, 0)
		var m map[string]json.RawMessage
		if err := json.Unmarshal(doc, &m); err != nil {
			continue // a generated key or string that is not valid JSON
		}
		_, want := m["_id"]
		if got := hasTopLevelID(doc); got != want {
			t.Fatalf("%s: %v, want %v", doc, got, want)
		}
		checked++
	}
	if checked < 10000 {
		t.Fatalf("only %d valid documents checked", checked)
	}
}

// BenchmarkHasTopLevelID: a RockBench document without an _id, the bulk
// load's common case (every byte is looked at).
func BenchmarkHasTopLevelID(b *testing.B) {
	doc := rockbench.AppendDoc(nil, rand.New(rand.NewPCG(1, 2)), "", 1764201600123456)
	b.SetBytes(int64(len(doc)))
	for b.Loop() {
		if hasTopLevelID(doc) {
			b.Fatal("found an _id")
		}
	}
}

// TestLoadBadAnswer: a server whose answer to a documents request cannot be
// read, or does not give one status per document, fails the load with an
// error that says so, and nothing is counted as written.
func TestLoadBadAnswer(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "a.ndjson")
	writeNumbered(t, p, 0, 3)
	for answer, want := range map[string]string{
		`not json`:                      "the server's answer",
		`{"x":1}`:                       `the server's answer: no "data" array`,
		`{"data":[{"status":"ADDED"}]}`: "the server answered 1 statuses for 3 documents",
	} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == "POST" && strings.HasSuffix(r.URL.Path, "/docs") {
				w.Write([]byte(answer))
				return
			}
			w.Write([]byte(`{"data":{}}`))
		}))
		_, errOut, err := runBasalt("load", p, "--url", srv.URL, "--collection", "commons.c")
		srv.Close()
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("answer %s: %v, want an error with %q\n%s", answer, err, want, errOut)
		}
		if strings.Contains(errOut, "documents written") && !strings.Contains(errOut, "0 documents written") {
			t.Errorf("answer %s: documents counted as written:\n%s", answer, errOut)
		}
	}
}
