package catalog

import (
	"errors"
	"fmt"
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

// TestKafkaValidation: Kafka integrations and sources are checked at
// creation, each mistake named; nothing is created by a refused request.
func TestKafkaValidation(t *testing.T) {
	c, closeDB := openTestCatalog(t, vfs.NewMem())
	defer closeDB()
	for _, tc := range []struct {
		in   Integration
		want string
	}{
		{Integration{Name: "empty", Kafka: &KafkaIntegration{BootstrapServers: " "}}, "bootstrap_servers is required"},
		{Integration{Name: "noport", Kafka: &KafkaIntegration{BootstrapServers: "h:9092,broker2"}}, `"broker2" is not host:port`},
		{Integration{Name: "fmt", Kafka: &KafkaIntegration{BootstrapServers: "h:1", DataFormat: "xml"}}, `"xml" is not JSON or AVRO`},
		{Integration{Name: "reg", Kafka: &KafkaIntegration{BootstrapServers: "h:1", SchemaRegistry: &SchemaRegistry{}}}, "schema_registry_config.url is required"},
		{Integration{Name: "bad name!", Kafka: &KafkaIntegration{BootstrapServers: "h:1"}}, "integration name"},
	} {
		if _, err := c.CreateIntegration(tc.in); err == nil || !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("integration %q: %v, want %q", tc.in.Name, err, tc.want)
		}
		if _, err := c.Integration(tc.in.Name); !errors.Is(err, ErrNotFound) {
			t.Errorf("refused integration %q exists: %v", tc.in.Name, err)
		}
	}
	if _, err := c.CreateIntegration(Integration{Name: "k", Kafka: &KafkaIntegration{BootstrapServers: "h:1"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateIntegration(Integration{Name: "k", Kafka: &KafkaIntegration{BootstrapServers: "h:2"}}); !errors.Is(err, ErrAlreadyExists) {
		t.Errorf("second integration k: %v", err)
	}
	for i, tc := range []struct {
		src  Source
		want string
	}{
		{Source{IntegrationName: "nope", Kafka: &KafkaSource{TopicName: "t"}}, `integration "nope", which does not exist`},
		{Source{IntegrationName: "k", Kafka: &KafkaSource{TopicName: " "}}, "kafka_topic_name is required"},
		{Source{IntegrationName: "k", Kafka: &KafkaSource{TopicName: "t", OffsetResetPolicy: "middle"}}, `"middle" is not EARLIEST or LATEST`},
		{Source{IntegrationName: "k", Kafka: &KafkaSource{TopicName: "t"}, FormatParams: FormatParams{Avro: true}}, "no schema_registry_config.url"},
	} {
		name := fmt.Sprintf("k%d", i)
		if _, err := c.CreateCollection("commons", CollectionSpec{Name: name, Sources: []Source{tc.src}}); err == nil || !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("source %d: %v, want %q", i, err, tc.want)
		}
		if _, err := c.Collection("commons", name); !errors.Is(err, ErrNotFound) {
			t.Errorf("refused collection %s exists: %v", name, err)
		}
	}
	col, err := c.CreateCollection("commons", CollectionSpec{Name: "ok", Sources: []Source{{IntegrationName: "k", Kafka: &KafkaSource{TopicName: "t", OffsetResetPolicy: "latest"}}}})
	if err != nil || col.Sources[0].Kafka.OffsetResetPolicy != "LATEST" {
		t.Fatalf("valid source: %+v %v", col.Sources, err)
	}
	if _, err := c.DropIntegration("k"); !errors.Is(err, ErrDependent) || !strings.Contains(err.Error(), "commons.ok") {
		t.Errorf("drop integration in use: %v", err)
	}
}
