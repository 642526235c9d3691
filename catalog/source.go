package catalog

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/basaltdb/basalt/storage/kv"
	"github.com/cockroachdb/pebble/v2"
	"github.com/google/uuid"
)

// Source is where a collection's documents stream from (Rockset's
// collection sources): today a Kafka topic of an integration.
type Source struct {
	ID              string       `json:"id"`
	IntegrationName string       `json:"integration_name"`
	Kafka           *KafkaSource `json:"kafka,omitempty"`
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

// FormatParams says how records decode.
type FormatParams struct {
	JSON bool `json:"json,omitempty"`
	Avro bool `json:"avro,omitempty"`
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
		if s.IntegrationName == "" {
			return fmt.Errorf("%w: %s.integration_name is required", ErrInvalid, where)
		}
		in, ok := c.integrations[s.IntegrationName]
		if !ok {
			return fmt.Errorf("%w: %s names integration %q, which does not exist", ErrInvalid, where, s.IntegrationName)
		}
		if s.Kafka == nil || in.Kafka == nil {
			return fmt.Errorf("%w: %s needs a kafka section (kafka_topic_name) for Kafka integration %q", ErrInvalid, where, s.IntegrationName)
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
		if s.FormatParams.JSON && s.FormatParams.Avro {
			return fmt.Errorf("%w: %s.format_params names both json and avro", ErrInvalid, where)
		}
		if s.Format(in) == FormatAvro && (in.Kafka.SchemaRegistry == nil || in.Kafka.SchemaRegistry.URL == "") {
			return fmt.Errorf("%w: %s reads Avro, but integration %q has no schema_registry_config.url", ErrInvalid, where, s.IntegrationName)
		}
		s.ID = uuid.NewString()
		s.SuspendedAt = nil
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
