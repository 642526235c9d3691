package catalog

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/basaltdb/basalt/storage/kv"
	"github.com/cockroachdb/pebble/v2"
)

// Integration is a named connection to an external system that collection
// sources use (Rockset's integrations): a Kafka cluster or S3-compatible
// object storage. Exactly one kind is set.
type Integration struct {
	Name        string            `json:"name"`
	Description string            `json:"description,omitempty"`
	CreatedAt   time.Time         `json:"created_at"`
	Kafka       *KafkaIntegration `json:"kafka,omitempty"`
	S3          *S3Integration    `json:"s3,omitempty"`
}

// Integration kinds, which name the connector that runs their sources.
const (
	KindKafka = "kafka"
	KindS3    = "s3"
	// KindFile is the kind of a source of files on the server's own
	// machine; it needs no integration.
	KindFile = "file"
)

// Kind returns the integration's kind (KindKafka or KindS3).
func (in Integration) Kind() string {
	switch {
	case in.Kafka != nil:
		return KindKafka
	case in.S3 != nil:
		return KindS3
	}
	return ""
}

// S3Integration is how to reach S3 or an S3-compatible server (MinIO,
// Ceph, R2...), shaped like Rockset's S3 integration plus Basalt's
// endpoint, region and insecure.
type S3Integration struct {
	// AccessKey signs requests; nil means anonymous access (public
	// buckets).
	AccessKey *AWSAccessKey `json:"aws_access_key,omitempty"`
	// Role is accepted for Rockset compatibility and not used: Basalt does
	// not assume IAM roles.
	Role *AWSRole `json:"aws_role,omitempty"`
	// Endpoint is host:port (or an http:// or https:// URL) of an
	// S3-compatible server; empty means AWS.
	Endpoint string `json:"endpoint,omitempty"`
	Region   string `json:"region,omitempty"`
	// Insecure talks plain HTTP to an Endpoint given without a scheme.
	Insecure bool `json:"insecure,omitempty"`
}

// AWSAccessKey is an access key id and its secret.
type AWSAccessKey struct {
	ID     string `json:"aws_access_key_id"`
	Secret string `json:"aws_secret_access_key"`
}

// AWSRole is Rockset's cross-account role (unused by Basalt).
type AWSRole struct {
	ARN        string `json:"aws_role_arn"`
	ExternalID string `json:"aws_external_id,omitempty"`
}

// KafkaIntegration is how to reach a Kafka cluster.
type KafkaIntegration struct {
	// BootstrapServers is a comma-separated host:port list.
	BootstrapServers string `json:"bootstrap_servers"`
	// SecurityConfig holds SASL/PLAIN credentials (Confluent Cloud's API
	// key and secret); nil means no authentication.
	SecurityConfig *KafkaSecurity `json:"security_config,omitempty"`
	// SchemaRegistry is where Avro records' schemas are looked up.
	SchemaRegistry *SchemaRegistry `json:"schema_registry_config,omitempty"`
	// DataFormat is the default record format of the integration's sources
	// (JSON or AVRO).
	DataFormat string `json:"kafka_data_format,omitempty"`
}

// KafkaSecurity is SASL/PLAIN credentials.
type KafkaSecurity struct {
	APIKey string `json:"api_key"`
	Secret string `json:"secret"`
}

// SchemaRegistry is a Confluent-compatible schema registry.
type SchemaRegistry struct {
	URL    string `json:"url"`
	Key    string `json:"key,omitempty"`
	Secret string `json:"secret,omitempty"`
}

// Validate checks an integration before it is created.
func (in *Integration) Validate() error {
	if err := CheckName("integration", in.Name); err != nil {
		return err
	}
	switch {
	case in.Kafka != nil && in.S3 != nil:
		return fmt.Errorf("%w: integration %q has both a kafka and an s3 section; give one", ErrInvalid, in.Name)
	case in.S3 != nil:
		return in.S3.validate()
	case in.Kafka == nil:
		return fmt.Errorf("%w: integration %q needs a kafka or an s3 section (the kinds Basalt has)", ErrInvalid, in.Name)
	}
	k := in.Kafka
	if strings.TrimSpace(k.BootstrapServers) == "" {
		return fmt.Errorf("%w: kafka.bootstrap_servers is required", ErrInvalid)
	}
	for _, s := range strings.Split(k.BootstrapServers, ",") {
		if s = strings.TrimSpace(s); !strings.Contains(s, ":") {
			return fmt.Errorf("%w: kafka.bootstrap_servers entry %q is not host:port", ErrInvalid, s)
		}
	}
	switch strings.ToUpper(k.DataFormat) {
	case "", "JSON", "AVRO":
		k.DataFormat = strings.ToUpper(k.DataFormat)
	default:
		return fmt.Errorf("%w: kafka.kafka_data_format %q is not JSON or AVRO", ErrInvalid, k.DataFormat)
	}
	if k.SchemaRegistry != nil && k.SchemaRegistry.URL == "" {
		return fmt.Errorf("%w: kafka.schema_registry_config.url is required", ErrInvalid)
	}
	return nil
}

func (s *S3Integration) validate() error {
	if k := s.AccessKey; k != nil && (k.ID == "") != (k.Secret == "") {
		return fmt.Errorf("%w: s3.aws_access_key needs both aws_access_key_id and aws_secret_access_key", ErrInvalid)
	}
	if e := s.Endpoint; e != "" {
		host := e
		if scheme, rest, ok := strings.Cut(e, "://"); ok {
			if scheme != "http" && scheme != "https" {
				return fmt.Errorf("%w: s3.endpoint %q: want host:port, http://host:port or https://host:port", ErrInvalid, e)
			}
			host = strings.TrimSuffix(rest, "/")
		}
		if host == "" || strings.ContainsAny(host, "/ ") {
			return fmt.Errorf("%w: s3.endpoint %q: want host:port without a path", ErrInvalid, e)
		}
	}
	return nil
}

func (c *Catalog) loadIntegrations() error {
	c.integrations = map[string]Integration{}
	start, end := kv.IntegrationSpan()
	return kv.Scan(c.db, start, end, func(_, v []byte) error {
		var in Integration
		if err := json.Unmarshal(v, &in); err != nil {
			return fmt.Errorf("decode integration record: %w", err)
		}
		c.integrations[in.Name] = in
		return nil
	})
}

// CreateIntegration creates an integration.
func (c *Catalog) CreateIntegration(in Integration) (Integration, error) {
	if err := in.Validate(); err != nil {
		return Integration{}, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.integrations[in.Name]; ok {
		return Integration{}, fmt.Errorf("%w: integration %q", ErrAlreadyExists, in.Name)
	}
	in.CreatedAt = c.now().UTC().Truncate(time.Second)
	rec, _ := json.Marshal(in)
	if err := c.commit(func(b *pebble.Batch) error { return b.Set(kv.IntegrationKey(in.Name), rec, nil) }); err != nil {
		return Integration{}, fmt.Errorf("create integration %q: %w", in.Name, err)
	}
	c.integrations[in.Name] = in
	return in, nil
}

// Integration returns an integration.
func (c *Catalog) Integration(name string) (Integration, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	in, ok := c.integrations[name]
	if !ok {
		return Integration{}, fmt.Errorf("%w: integration %q", ErrNotFound, name)
	}
	return in, nil
}

// Integrations lists integrations by name.
func (c *Catalog) Integrations() []Integration {
	c.mu.RLock()
	defer c.mu.RUnlock()
	out := make([]Integration, 0, len(c.integrations))
	for _, in := range c.integrations {
		out = append(out, in)
	}
	slices.SortFunc(out, func(a, b Integration) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// IntegrationUsers lists the collections ("ws.name") with a source that
// uses the integration.
func (c *Catalog) IntegrationUsers(name string) []string {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.integrationUsersLocked(name)
}

func (c *Catalog) integrationUsersLocked(name string) []string {
	var out []string
	for ws, m := range c.collections {
		for _, col := range m {
			for _, s := range col.Sources {
				if s.IntegrationName == name {
					out = append(out, ws+"."+col.Name)
					break
				}
			}
		}
	}
	slices.Sort(out)
	return out
}

// DropIntegration deletes an integration no collection source uses, as
// Rockset refuses to delete one in use.
func (c *Catalog) DropIntegration(name string) (Integration, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	in, ok := c.integrations[name]
	if !ok {
		return Integration{}, fmt.Errorf("%w: integration %q", ErrNotFound, name)
	}
	if users := c.integrationUsersLocked(name); len(users) > 0 {
		return Integration{}, fmt.Errorf("%w: integration %q is used by the sources of %s; drop those collections first", ErrDependent, name, strings.Join(users, ", "))
	}
	if err := c.commit(func(b *pebble.Batch) error { return b.Delete(kv.IntegrationKey(name), nil) }); err != nil {
		return Integration{}, fmt.Errorf("drop integration %q: %w", name, err)
	}
	delete(c.integrations, name)
	return in, nil
}
