package catalog

import (
	"errors"
	"strings"
	"testing"

	"github.com/cockroachdb/pebble/v2/vfs"
)

// TestSourceKinds validates S3 integrations and kafka, s3 and file
// sources, and keeps S3 integrations across a reopen.
func TestSourceKinds(t *testing.T) {
	fs := vfs.NewMem()
	c, closeDB := openTestCatalog(t, fs)
	for _, tc := range []struct {
		in   Integration
		want string // "" for success
	}{
		{Integration{Name: "lake", S3: &S3Integration{AccessKey: &AWSAccessKey{ID: "AK", Secret: "SK"}, Endpoint: "127.0.0.1:9000", Insecure: true}}, ""},
		{Integration{Name: "pub", S3: &S3Integration{Endpoint: "https://s3.example.com"}}, ""},
		{Integration{Name: "k", Kafka: &KafkaIntegration{BootstrapServers: "h:9092"}}, ""},
		{Integration{Name: "both", Kafka: &KafkaIntegration{BootstrapServers: "h:9092"}, S3: &S3Integration{}}, "both"},
		{Integration{Name: "none"}, "kafka or an s3"},
		{Integration{Name: "half", S3: &S3Integration{AccessKey: &AWSAccessKey{ID: "AK"}}}, "both aws_access_key_id"},
		{Integration{Name: "path", S3: &S3Integration{Endpoint: "http://h:9000/bucket"}}, "without a path"},
		{Integration{Name: "ftp", S3: &S3Integration{Endpoint: "ftp://h"}}, "want host:port"},
	} {
		_, err := c.CreateIntegration(tc.in)
		if (err == nil) != (tc.want == "") || (err != nil && (!errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tc.want))) {
			t.Errorf("integration %s: %v, want %q", tc.in.Name, err, tc.want)
		}
	}
	no := false
	for i, tc := range []struct {
		src  Source
		kind string
		want string
	}{
		{Source{IntegrationName: "lake", S3: &S3Source{Bucket: "b", Prefix: "logs/"}}, KindS3, ""},
		{Source{IntegrationName: "lake", S3: &S3Source{Bucket: "b", Pattern: "logs/*/*.csv"}, FormatParams: FormatParams{CSV: &CSVParams{Separator: ","}}}, KindS3, ""},
		{Source{File: &FileSource{Path: "/data/*.ndjson"}, FormatParams: FormatParams{JSON: true}}, KindFile, ""},
		{Source{IntegrationName: "k", Kafka: &KafkaSource{TopicName: "t"}}, KindKafka, ""},
		{Source{IntegrationName: "k", S3: &S3Source{Bucket: "b"}}, KindS3, "not an S3 integration"},
		{Source{IntegrationName: "lake", Kafka: &KafkaSource{TopicName: "t"}}, KindKafka, "not a Kafka integration"},
		{Source{S3: &S3Source{Bucket: "b"}}, KindS3, "integration_name is required"},
		{Source{IntegrationName: "lake", S3: &S3Source{Bucket: ""}}, KindS3, "not a bucket name"},
		{Source{IntegrationName: "lake", S3: &S3Source{Bucket: "b", Pattern: "[x"}}, KindS3, "pattern"},
		{Source{IntegrationName: "lake", S3: &S3Source{Bucket: "b"}, File: &FileSource{Path: "/x"}}, KindS3, "exactly one"},
		{Source{File: &FileSource{Path: "data/x.csv"}}, KindFile, "absolute"},
		{Source{IntegrationName: "lake", File: &FileSource{Path: "/x"}}, KindFile, "no integration_name"},
		{Source{File: &FileSource{Path: "/x"}, FormatParams: FormatParams{Avro: true}}, KindFile, "Avro"},
		{Source{File: &FileSource{Path: "/x"}, FormatParams: FormatParams{JSON: true, Parquet: true}}, KindFile, "more than one"},
		{Source{File: &FileSource{Path: "/x"}, FormatParams: FormatParams{CSV: &CSVParams{FirstLineAsColumnNames: &no}}}, KindFile, "first line"},
		{Source{File: &FileSource{Path: "/x"}, FormatParams: FormatParams{CSV: &CSVParams{Encoding: "latin1"}}}, KindFile, "UTF-8"},
		{Source{IntegrationName: "k", Kafka: &KafkaSource{TopicName: "t"}, FormatParams: FormatParams{Parquet: true}}, KindKafka, "json or avro"},
	} {
		if got := tc.src.Kind(); got != tc.kind {
			t.Errorf("%d: kind %q, want %q", i, got, tc.kind)
		}
		col, err := c.CreateCollection("commons", CollectionSpec{Name: "c" + string(rune('a'+i)), Sources: []Source{tc.src}})
		if (err == nil) != (tc.want == "") || (err != nil && (!errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tc.want))) {
			t.Errorf("%d: %v, want %q", i, err, tc.want)
		}
		if err == nil && col.Sources[0].ID == "" {
			t.Errorf("%d: no source id", i)
		}
	}
	closeDB()
	c, closeDB = openTestCatalog(t, fs)
	defer closeDB()
	in, err := c.Integration("lake")
	if err != nil || in.Kind() != KindS3 || in.S3.AccessKey.Secret != "SK" || in.S3.Endpoint != "127.0.0.1:9000" || !in.S3.Insecure {
		t.Fatalf("after reopen: %+v %v", in, err)
	}
	col, err := c.Collection("commons", "cc")
	if err != nil || col.Sources[0].File == nil || col.Sources[0].Kind() != KindFile {
		t.Fatalf("after reopen: %+v %v", col, err)
	}
}
