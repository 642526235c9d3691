package file

import (
	"bytes"
	"context"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// startS3 serves an in-memory S3 on 127.0.0.1 holding objects in bucket
// "hist", and returns the config that reaches it.
func startS3(t *testing.T, objects map[string][]byte) S3Config {
	t.Helper()
	srv := httptest.NewServer(gofakes3.New(s3mem.New()).Server())
	t.Cleanup(srv.Close)
	cfg := S3Config{Endpoint: srv.URL, AccessKey: "test-access", SecretKey: "test-secret", Region: "us-east-1"}
	mc, err := minio.New(strings.TrimPrefix(srv.URL, "http://"), &minio.Options{
		Creds: credentials.NewStaticV4(cfg.AccessKey, cfg.SecretKey, ""), Region: cfg.Region})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := mc.MakeBucket(ctx, "hist", minio.MakeBucketOptions{}); err != nil {
		t.Fatal(err)
	}
	for k, v := range objects {
		if _, err := mc.PutObject(ctx, "hist", k, bytes.NewReader(v), int64(len(v)), minio.PutObjectOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	return cfg
}

func TestS3(t *testing.T) {
	cfg := startS3(t, map[string][]byte{
		"2024/01.ndjson":    []byte("{\"m\":1}\n{\"m\":1.5}\n"),
		"2024/02.ndjson.gz": gz([]byte("{\"m\":2}\n")),
		"2024/03.csv":       []byte("m\n3\n"),
		"2024/04.parquet":   parquetOf(t, 3),
		"2024/sub/x.ndjson": []byte("{\"m\":\"sub\"}\n"),
		"2023/01.ndjson":    []byte("{\"m\":0}\n"),
	})
	ctx := context.Background()
	for _, tc := range []struct {
		loc  string
		want string
	}{
		{"s3://hist/2024/01.ndjson", "2024/01.ndjson"},
		{"s3://hist/2024/", "2024/01.ndjson 2024/02.ndjson.gz 2024/03.csv 2024/04.parquet 2024/sub/x.ndjson"},
		{"s3://hist/2024", "2024/01.ndjson 2024/02.ndjson.gz 2024/03.csv 2024/04.parquet 2024/sub/x.ndjson"},
		{"s3://hist/2024/*.ndjson*", "2024/01.ndjson 2024/02.ndjson.gz"},
		{"s3://hist/*/01.ndjson", "2023/01.ndjson 2024/01.ndjson"},
		{"s3://hist", "2023/01.ndjson 2024/01.ndjson 2024/02.ndjson.gz 2024/03.csv 2024/04.parquet 2024/sub/x.ndjson"},
	} {
		objs, err := List(ctx, Config{S3: cfg}, tc.loc)
		if err != nil {
			t.Fatalf("%s: %v", tc.loc, err)
		}
		var names []string
		for _, o := range objs {
			names = append(names, strings.TrimPrefix(o.Name, "s3://hist/"))
		}
		if got := strings.Join(names, " "); got != tc.want {
			t.Errorf("%s: %s, want %s", tc.loc, got, tc.want)
		}
	}
	if _, err := List(ctx, Config{S3: cfg}, "s3://hist/nope/"); err == nil || !strings.Contains(err.Error(), "no object matches") {
		t.Fatalf("empty prefix: %v", err)
	}
	if _, err := List(ctx, Config{S3: S3Config{Endpoint: cfg.Endpoint, AccessKey: "x", SecretKey: "y"}}, "s3://missing/"); err == nil {
		t.Fatal("a missing bucket listed")
	}

	it, err := Open(ctx, Config{S3: cfg}, "s3://hist/2024/")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, l := range drain(t, it) {
		got = append(got, l)
	}
	want := []string{`1@0: {"m":1}`, `2@8: {"m":1.5}`, `1@0: {"m":2}`, `2@2: {"m":3}`,
		`0@0: {"i":0}`, `0@1: {"i":1}`, `0@2: {"i":2}`, `1@0: {"m":"sub"}`}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("documents:\n got %q\nwant %q", got, want)
	}
	if read, total := it.Progress(); read != total {
		t.Fatalf("progress %d of %d", read, total)
	}
	// Resume inside the Parquet object.
	it, err = Open(ctx, Config{S3: cfg, After: &Position{Object: "s3://hist/2024/04.parquet", Offset: 0}}, "s3://hist/2024/")
	if err != nil {
		t.Fatal(err)
	}
	if got := drain(t, it); fmt.Sprint(got) != fmt.Sprint(want[5:]) {
		t.Fatalf("resumed: %q", got)
	}
}
