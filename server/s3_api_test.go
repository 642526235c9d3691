package server

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// TestS3SourceAPI creates an S3 integration and collections with an s3 and
// a file source through the Rockset-shaped HTTP API, and reads their
// status (state, items, detected_size_bytes, bytes_read, object counts)
// once they have loaded. The integration never shows its secret.
func TestS3SourceAPI(t *testing.T) {
	srv := httptest.NewServer(gofakes3.New(s3mem.New()).Server())
	defer srv.Close()
	host := strings.TrimPrefix(srv.URL, "http://")
	mc, err := minio.New(host, &minio.Options{Creds: credentials.NewStaticV4("AKID", "s3cr3t-key", ""), Region: "us-east-1"})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := mc.MakeBucket(ctx, "lake", minio.MakeBucketOptions{}); err != nil {
		t.Fatal(err)
	}
	var size int64
	for i := range 3 {
		var b bytes.Buffer
		for j := range 100 {
			fmt.Fprintf(&b, "{\"v\":%d}\n", i*100+j)
		}
		size += int64(b.Len())
		if _, err := mc.PutObject(ctx, "lake", fmt.Sprintf("events/%d.ndjson", i), &b, int64(b.Len()), minio.PutObjectOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "a.csv"), []byte("v\n1\n2\n3\n"), 0o644); err != nil {
		t.Fatal(err)
	}

	s, err := Start(Config{DataDir: t.TempDir(), HTTPAddr: "127.0.0.1:0", Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Shutdown()
	base := "http://" + s.HTTPAddr()

	if code := httpJSON(t, "POST", base+"/v1/orgs/self/integrations", fmt.Sprintf(`{"name":"lake","s3":{"aws_access_key":{"aws_access_key_id":"AKID","aws_secret_access_key":"s3cr3t-key"},"endpoint":%q,"region":"us-east-1","insecure":true}}`, host), nil); code != 200 {
		t.Fatalf("create integration: %d", code)
	}
	b, _ := io.ReadAll(mustGet(t, base+"/v1/orgs/self/integrations/lake"))
	if strings.Contains(string(b), "s3cr3t") || !strings.Contains(string(b), `"aws_access_key_id":"AKID"`) || !strings.Contains(string(b), `"endpoint":"`+host) {
		t.Fatalf("integration shows its secret or lacks its key: %s", b)
	}
	var col struct {
		Data struct {
			Sources []struct {
				ID string `json:"id"`
			} `json:"sources"`
		} `json:"data"`
	}
	if code := httpJSON(t, "POST", base+"/v1/orgs/self/ws/commons/collections", `{"name":"events","sources":[{"integration_name":"lake","s3":{"bucket":"lake","prefix":"events/"},"format_params":{"json":true}}]}`, &col); code != 200 || len(col.Data.Sources) != 1 {
		t.Fatalf("create collection: %d %+v", code, col)
	}
	srcURL := base + "/v1/orgs/self/ws/commons/collections/events/sources/" + col.Data.Sources[0].ID
	if code := httpJSON(t, "POST", base+"/v1/orgs/self/ws/commons/collections", fmt.Sprintf(`{"name":"local","sources":[{"file":{"path":%q},"format_params":{"csv":{"firstLineAsColumnNames":true,"separator":","}}}]}`, filepath.Join(dir, "*.csv")), &col); code != 200 {
		t.Fatalf("create collection with a file source: %d", code)
	}
	fileURL := base + "/v1/orgs/self/ws/commons/collections/local/sources/" + col.Data.Sources[0].ID
	// Refusals: an integration that does not exist, a relative path, a CSV
	// dialect Basalt does not read, a Kafka source of an S3 integration,
	// Avro from S3.
	for body, want := range map[string]string{
		`{"name":"x","sources":[{"integration_name":"nope","s3":{"bucket":"b"}}]}`:                               "does not exist",
		`{"name":"x","sources":[{"file":{"path":"data/*.ndjson"}}]}`:                                             "absolute path",
		`{"name":"x","sources":[{"file":{"path":"/d/x.csv"},"format_params":{"csv":{"separator":";"}}}]}`:        "comma-separated",
		`{"name":"x","sources":[{"integration_name":"lake","kafka":{"kafka_topic_name":"t"}}]}`:                  "not a Kafka integration",
		`{"name":"x","sources":[{"integration_name":"lake","s3":{"bucket":"b"},"format_params":{"avro":true}}]}`: "Avro",
	} {
		var e map[string]any
		if code := httpJSON(t, "POST", base+"/v1/orgs/self/ws/commons/collections", body, &e); code != 400 || !strings.Contains(fmt.Sprint(e), want) {
			t.Errorf("%s: %d %v, want 400 %q", body, code, e, want)
		}
	}

	type srcJSON struct {
		Data struct {
			Status struct {
				State    string `json:"state"`
				Total    int64  `json:"total_processed_items"`
				Detected *int64 `json:"detected_size_bytes"`
				Read     *int64 `json:"bytes_read"`
			} `json:"status"`
			S3 *struct {
				Bucket     string `json:"bucket"`
				Prefix     string `json:"prefix"`
				Downloaded int64  `json:"object_count_downloaded"`
				Objects    int64  `json:"object_count_total"`
				BytesTotal int64  `json:"object_bytes_total"`
			} `json:"s3"`
			File *struct {
				Path       string `json:"path"`
				Downloaded int64  `json:"object_count_downloaded"`
			} `json:"file"`
		} `json:"data"`
	}
	var st srcJSON
	deadline := time.Now().Add(10 * time.Second)
	for {
		b, _ := io.ReadAll(mustGet(t, srcURL))
		st = srcJSON{}
		if err := json.Unmarshal(b, &st); err != nil {
			t.Fatal(err)
		}
		if st.Data.Status.State == "WATCHING" && st.Data.Status.Total == 300 {
			t.Logf("%s", b)
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("source never caught up: %s", b)
		}
		time.Sleep(20 * time.Millisecond)
	}
	d := st.Data
	if d.S3 == nil || d.S3.Bucket != "lake" || d.S3.Prefix != "events/" || d.S3.Downloaded != 3 || d.S3.Objects != 3 || d.S3.BytesTotal != size ||
		d.Status.Detected == nil || *d.Status.Detected != size || d.Status.Read == nil || *d.Status.Read != size {
		t.Fatalf("source %+v (size %d)", d, size)
	}
	deadline = time.Now().Add(10 * time.Second)
	for {
		b, _ := io.ReadAll(mustGet(t, fileURL))
		st = srcJSON{}
		json.Unmarshal(b, &st)
		if st.Data.Status.State == "WATCHING" && st.Data.Status.Total == 3 && st.Data.File != nil && st.Data.File.Downloaded == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("file source never caught up: %s", b)
		}
		time.Sleep(20 * time.Millisecond)
	}
	var q struct {
		Results []map[string]any `json:"results"`
	}
	if code := httpJSON(t, "POST", base+"/v1/orgs/self/queries", `{"sql":{"query":"SELECT count(*) AS n, sum(v) AS s FROM events"}}`, &q); code != 200 || len(q.Results) != 1 || fmt.Sprint(q.Results[0]["n"], q.Results[0]["s"]) != "300 44850" {
		t.Fatalf("query: %d %+v", code, q)
	}
}

// TestFileSourceTransformErrorAPI: through the HTTP API, a file source
// whose collection's field mapping query fails on one of three documents
// stores the other two, counts the third in error_documents, keeps it in
// _meta.bad with its position and the failing field and expression, and
// logs it at WARN.
func TestFileSourceTransformErrorAPI(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "a.ndjson"), []byte(`{"_id":"a","p":"1"}`+"\n"+`{"_id":"b","p":"zz"}`+"\n"+`{"_id":"c","p":"3"}`+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	logs := &warnLines{}
	s, err := Start(Config{DataDir: t.TempDir(), HTTPAddr: "127.0.0.1:0", Logger: slog.New(&warnHandler{w: logs})})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Shutdown()
	base := "http://" + s.HTTPAddr()
	var col struct {
		Data struct {
			Sources []struct {
				ID string `json:"id"`
			} `json:"sources"`
		} `json:"data"`
	}
	body := fmt.Sprintf(`{"name":"fstx","sources":[{"file":{"path":%q},"format_params":{"json":true}}],"field_mapping_query":{"sql":"SELECT _id, CAST(p AS int) AS p FROM _input"}}`, filepath.Join(dir, "*.ndjson"))
	if code := httpJSON(t, "POST", base+"/v1/orgs/self/ws/commons/collections", body, &col); code != 200 || len(col.Data.Sources) != 1 {
		t.Fatalf("create collection: %d %+v", code, col)
	}
	srcURL := base + "/v1/orgs/self/ws/commons/collections/fstx/sources/" + col.Data.Sources[0].ID
	var st struct {
		Data struct {
			Status struct {
				State  string `json:"state"`
				Total  int64  `json:"total_processed_items"`
				Bad    int64  `json:"bad_records"`
				Errors int64  `json:"error_documents"`
			} `json:"status"`
		} `json:"data"`
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		b, _ := io.ReadAll(mustGet(t, srcURL))
		if err := json.Unmarshal(b, &st); err != nil {
			t.Fatal(err)
		}
		if st.Data.Status.State == "WATCHING" && st.Data.Status.Total == 3 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("file source never caught up: %s", b)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if s := st.Data.Status; s.Errors != 1 || s.Bad != 0 {
		t.Fatalf("status: %d error documents, %d bad records; want 1 and 0", s.Errors, s.Bad)
	}
	var q struct {
		Results []map[string]any `json:"results"`
	}
	query := func(sql string) []map[string]any {
		t.Helper()
		q.Results = nil
		b, _ := json.Marshal(map[string]any{"sql": map[string]string{"query": sql}})
		if code := httpJSON(t, "POST", base+"/v1/orgs/self/queries", string(b), &q); code != 200 {
			t.Fatalf("%s: %d", sql, code)
		}
		return q.Results
	}
	if docs := query(`SELECT _id, p FROM commons.fstx ORDER BY _id`); fmt.Sprint(docs) != "[map[_id:a p:1] map[_id:c p:3]]" {
		t.Fatalf("documents: %v", docs)
	}
	bad := query(`SELECT position, error, record FROM _meta.bad WHERE collection = 'fstx'`)
	if len(bad) != 1 || !strings.Contains(fmt.Sprint(bad[0]["error"]), `field "p" (CAST(p AS int))`) || !strings.Contains(fmt.Sprint(bad[0]["record"]), `"zz"`) {
		t.Fatalf("_meta.bad: %v", bad)
	}
	if msg := logs.text(); !strings.Contains(msg, "fstx") || !strings.Contains(msg, "CAST") {
		t.Fatalf("WARN lines %q; want one naming the collection and the CAST", msg)
	} else {
		t.Log(msg)
	}
}

// warnLines keeps the WARN lines a server logs about records kept in
// _meta.bad, with their attributes.
type warnLines struct {
	mu    sync.Mutex
	lines []string
}

func (w *warnLines) text() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return strings.Join(w.lines, "\n")
}

// warnHandler is the slog.Handler that feeds a warnLines.
type warnHandler struct {
	w     *warnLines
	attrs []slog.Attr
}

func (h *warnHandler) Enabled(_ context.Context, l slog.Level) bool { return l >= slog.LevelWarn }
func (h *warnHandler) WithGroup(string) slog.Handler                { return h }
func (h *warnHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return &warnHandler{w: h.w, attrs: append(slices.Clone(h.attrs), as...)}
}

func (h *warnHandler) Handle(_ context.Context, r slog.Record) error {
	if !strings.Contains(r.Message, "_meta.bad") {
		return nil
	}
	line := r.Level.String() + " " + r.Message
	for _, a := range h.attrs {
		line += " " + a.String()
	}
	r.Attrs(func(a slog.Attr) bool {
		line += " " + a.String()
		return true
	})
	h.w.mu.Lock()
	h.w.lines = append(h.w.lines, line)
	h.w.mu.Unlock()
	return nil
}
