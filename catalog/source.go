package catalog

import (
	"encoding/json"
	"fmt"
	"path"
	"path/filepath"
	"strings"
	"time"

	"github.com/basaltdb/basalt/storage/kv"
	"github.com/cockroachdb/pebble/v2"
	"github.com/google/uuid"
)

// Source is where a collection's documents stream from (Rockset's
// collection sources): a Kafka topic or S3 objects of an integration, or
// files on the server's machine. Exactly one of Kafka, S3 and File is set.
type Source struct {
	ID              string       `json:"id"`
	IntegrationName string       `json:"integration_name"`
	Kafka           *KafkaSource `json:"kafka,omitempty"`
	S3              *S3Source    `json:"s3,omitempty"`
	File            *FileSource  `json:"file,omitempty"`
	FormatParams    FormatParams `json:"format_params"`
	// SuspendedAt is set while the source is suspended.
	SuspendedAt *time.Time `json:"suspended_at,omitempty"`
}

// KafkaSource is a topic to consume.
type KafkaSource struct {
	TopicName string `json:"kafka_topic_name"`
	// OffsetResetPolicy is where a partition without a committed position
	// starts: EARLIEST (the default) or LATEST.
	OffsetResetPolicy string `json:"offset_reset_policy"`
}

// S3Source is the objects of a bucket to load, and to keep loading as new
// ones arrive (Rockset's S3 source).
type S3Source struct {
	Bucket string `json:"bucket"`
	// Prefix keeps the objects whose keys start with it (a plain string
	// prefix, not a directory).
	Prefix string `json:"prefix,omitempty"`
	// Pattern keeps the objects whose keys match a glob (path.Match: *
	// does not cross a /).
	Pattern string `json:"pattern,omitempty"`
	// Region overrides the integration's.
	Region string `json:"region,omitempty"`
}

// FileSource is files on the machine the server runs on, read by the
// server process: a path or a glob.
type FileSource struct {
	Path string `json:"path"`
}

// FormatParams says how records decode. Kafka sources read json or avro;
// S3 and file sources json (NDJSON, or JSON arrays in .json objects), csv
// or parquet, and choose by each object's extension when none is set.
type FormatParams struct {
	JSON    bool       `json:"json,omitempty"`
	Avro    bool       `json:"avro,omitempty"`
	CSV     *CSVParams `json:"csv,omitempty"`
	Parquet bool       `json:"parquet,omitempty"`
}

// CSVParams is Rockset's CSV format. Basalt reads comma-separated UTF-8
// with a header row; the other settings are refused unless they say that.
type CSVParams struct {
	FirstLineAsColumnNames *bool    `json:"firstLineAsColumnNames,omitempty"`
	Separator              string   `json:"separator,omitempty"`
	Encoding               string   `json:"encoding,omitempty"`
	ColumnNames            []string `json:"columnNames,omitempty"`
	ColumnTypes            []string `json:"columnTypes,omitempty"`
	QuoteChar              string   `json:"quoteChar,omitempty"`
	EscapeChar             string   `json:"escapeChar,omitempty"`
}

// Kind returns the kind of the source (KindKafka, KindS3 or KindFile):
// the connector that runs it.
func (s Source) Kind() string {
	switch {
	case s.Kafka != nil:
		return KindKafka
	case s.S3 != nil:
		return KindS3
	case s.File != nil:
		return KindFile
	}
	return ""
}

// Record formats.
const (
	FormatJSON = "JSON"
	FormatAvro = "AVRO"
)

// Format returns the record format of a source of integration in.
func (s Source) Format(in Integration) string {
	switch {
	case s.FormatParams.Avro:
		return FormatAvro
	case s.FormatParams.JSON:
		return FormatJSON
	case in.Kafka != nil && in.Kafka.DataFormat == FormatAvro:
		return FormatAvro
	}
	return FormatJSON
}

// Suspended reports whether the source is suspended.
func (s Source) Suspended() bool { return s.SuspendedAt != nil }

// validateSources checks a new collection's sources against the
// integrations and gives each an id. Called with c.mu held.
func (c *Catalog) validateSources(srcs []Source) error {
	for i := range srcs {
		s := &srcs[i]
		where := fmt.Sprintf("sources[%d]", i)
		n := 0
		for _, set := range []bool{s.Kafka != nil, s.S3 != nil, s.File != nil} {
			if set {
				n++
			}
		}
		if n != 1 {
			return fmt.Errorf("%w: %s needs exactly one of a kafka, s3 or file section", ErrInvalid, where)
		}
		var err error
		switch s.Kind() {
		case KindKafka:
			err = c.validateKafkaSource(s, where)
		case KindS3:
			err = c.validateS3Source(s, where)
		case KindFile:
			err = validateFileSource(s, where)
		}
		if err != nil {
			return err
		}
		s.ID = uuid.NewString()
		s.SuspendedAt = nil
	}
	return nil
}

func (c *Catalog) validateKafkaSource(s *Source, where string) error {
	if s.IntegrationName == "" {
		return fmt.Errorf("%w: %s.integration_name is required", ErrInvalid, where)
	}
	in, ok := c.integrations[s.IntegrationName]
	if !ok {
		return fmt.Errorf("%w: %s names integration %q, which does not exist", ErrInvalid, where, s.IntegrationName)
	}
	if in.Kafka == nil {
		return fmt.Errorf("%w: %s has a kafka section, but integration %q is not a Kafka integration", ErrInvalid, where, s.IntegrationName)
	}
	if strings.TrimSpace(s.Kafka.TopicName) == "" {
		return fmt.Errorf("%w: %s.kafka.kafka_topic_name is required", ErrInvalid, where)
	}
	switch p := strings.ToUpper(s.Kafka.OffsetResetPolicy); p {
	case "":
		s.Kafka.OffsetResetPolicy = "EARLIEST"
	case "EARLIEST", "LATEST":
		s.Kafka.OffsetResetPolicy = p
	default:
		return fmt.Errorf("%w: %s.kafka.offset_reset_policy %q is not EARLIEST or LATEST", ErrInvalid, where, s.Kafka.OffsetResetPolicy)
	}
	if s.FormatParams.CSV != nil || s.FormatParams.Parquet {
		return fmt.Errorf("%w: %s.format_params: Kafka sources read json or avro", ErrInvalid, where)
	}
	if s.FormatParams.JSON && s.FormatParams.Avro {
		return fmt.Errorf("%w: %s.format_params names both json and avro", ErrInvalid, where)
	}
	if s.Format(in) == FormatAvro && (in.Kafka.SchemaRegistry == nil || in.Kafka.SchemaRegistry.URL == "") {
		return fmt.Errorf("%w: %s reads Avro, but integration %q has no schema_registry_config.url", ErrInvalid, where, s.IntegrationName)
	}
	return nil
}

func (c *Catalog) validateS3Source(s *Source, where string) error {
	if s.IntegrationName == "" {
		return fmt.Errorf("%w: %s.integration_name is required (an s3 integration)", ErrInvalid, where)
	}
	in, ok := c.integrations[s.IntegrationName]
	if !ok {
		return fmt.Errorf("%w: %s names integration %q, which does not exist", ErrInvalid, where, s.IntegrationName)
	}
	if in.S3 == nil {
		return fmt.Errorf("%w: %s has an s3 section, but integration %q is not an S3 integration", ErrInvalid, where, s.IntegrationName)
	}
	b := strings.TrimSpace(s.S3.Bucket)
	if b == "" || strings.ContainsAny(b, "/*?[ ") {
		return fmt.Errorf("%w: %s.s3.bucket %q is not a bucket name", ErrInvalid, where, s.S3.Bucket)
	}
	if p := s.S3.Pattern; p != "" {
		if _, err := path.Match(p, ""); err != nil {
			return fmt.Errorf("%w: %s.s3.pattern %q: %v", ErrInvalid, where, p, err)
		}
	}
	return validateFileFormat(s, where)
}

func validateFileSource(s *Source, where string) error {
	if s.IntegrationName != "" {
		return fmt.Errorf("%w: %s: a file source reads the server's own files and takes no integration_name", ErrInvalid, where)
	}
	p := s.File.Path
	if !filepath.IsAbs(p) {
		return fmt.Errorf("%w: %s.file.path %q must be an absolute path (or glob) on the server's machine", ErrInvalid, where, p)
	}
	if _, err := filepath.Match(p, ""); err != nil {
		return fmt.Errorf("%w: %s.file.path %q: %v", ErrInvalid, where, p, err)
	}
	return validateFileFormat(s, where)
}

// validateFileFormat checks the format_params of an S3 or file source.
func validateFileFormat(s *Source, where string) error {
	f := s.FormatParams
	n := 0
	for _, set := range []bool{f.JSON, f.CSV != nil, f.Parquet} {
		if set {
			n++
		}
	}
	if f.Avro {
		return fmt.Errorf("%w: %s.format_params: Avro is read from Kafka only; S3 and file sources read json, csv or parquet", ErrInvalid, where)
	}
	if n > 1 {
		return fmt.Errorf("%w: %s.format_params names more than one of json, csv and parquet", ErrInvalid, where)
	}
	if c := f.CSV; c != nil {
		switch {
		case c.FirstLineAsColumnNames != nil && !*c.FirstLineAsColumnNames, len(c.ColumnNames) > 0:
			return fmt.Errorf("%w: %s.format_params.csv: Basalt reads the column names from the first line only", ErrInvalid, where)
		case c.Separator != "" && c.Separator != ",":
			return fmt.Errorf("%w: %s.format_params.csv.separator %q: Basalt reads comma-separated CSV only", ErrInvalid, where, c.Separator)
		case c.Encoding != "" && !strings.EqualFold(c.Encoding, "UTF-8") && !strings.EqualFold(c.Encoding, "UTF8"):
			return fmt.Errorf("%w: %s.format_params.csv.encoding %q: Basalt reads UTF-8 only", ErrInvalid, where, c.Encoding)
		case c.QuoteChar != "" && c.QuoteChar != `"`, c.EscapeChar != "" && c.EscapeChar != `"`:
			return fmt.Errorf("%w: %s.format_params.csv: Basalt reads CSV quoted with \" only", ErrInvalid, where)
		case len(c.ColumnTypes) > 0:
			return fmt.Errorf("%w: %s.format_params.csv.columnTypes: Basalt types CSV cells itself", ErrInvalid, where)
		}
	}
	return nil
}

// SetSourceSuspended suspends or resumes a collection's source and returns
// the updated source.
func (c *Catalog) SetSourceSuspended(ws, name, id string, suspend bool) (Source, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	col, ok := c.collections[ws][name]
	if !ok {
		return Source{}, fmt.Errorf("%w: collection %q in workspace %q", ErrNotFound, name, ws)
	}
	i := col.SourceIndex(id)
	if i < 0 {
		return Source{}, fmt.Errorf("%w: source %q of collection %q", ErrNotFound, id, name)
	}
	srcs := append([]Source(nil), col.Sources...)
	if suspend {
		if srcs[i].SuspendedAt == nil {
			t := c.now().UTC().Truncate(time.Second)
			srcs[i].SuspendedAt = &t
		}
	} else {
		srcs[i].SuspendedAt = nil
	}
	col.Sources = srcs
	rec, _ := json.Marshal(col)
	if err := c.commit(func(b *pebble.Batch) error { return b.Set(kv.CollectionKey(ws, name), rec, nil) }); err != nil {
		return Source{}, fmt.Errorf("update source %q: %w", id, err)
	}
	c.collections[ws][name] = col
	return srcs[i], nil
}

// SourceIndex returns the index of the source with id, or -1.
func (col Collection) SourceIndex(id string) int {
	for i, s := range col.Sources {
		if s.ID == id {
			return i
		}
	}
	return -1
}
