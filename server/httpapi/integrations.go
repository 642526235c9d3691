package httpapi

import (
	"net/http"
	"strings"

	"github.com/basaltdb/basalt/catalog"
)

// integrationJSON is Rockset's Integration. Secrets are never shown.
type integrationJSON struct {
	Name        string                `json:"name"`
	Description string                `json:"description"`
	CreatedAt   string                `json:"created_at"`
	CreatedBy   string                `json:"created_by"`
	Kafka       *kafkaIntegrationJSON `json:"kafka,omitempty"`
	S3          *s3IntegrationJSON    `json:"s3,omitempty"`
	Collections []collectionRefJSON   `json:"collections"`
}

// s3IntegrationJSON is Rockset's S3Integration plus Basalt's endpoint,
// region and insecure (an S3-compatible server).
type s3IntegrationJSON struct {
	AccessKey *awsAccessKeyJSON `json:"aws_access_key,omitempty"`
	Role      *catalog.AWSRole  `json:"aws_role,omitempty"`
	Endpoint  string            `json:"endpoint,omitempty"`
	Region    string            `json:"region,omitempty"`
	Insecure  bool              `json:"insecure,omitempty"`
}

type awsAccessKeyJSON struct {
	ID     string `json:"aws_access_key_id"`
	Secret string `json:"aws_secret_access_key,omitempty"`
}

type kafkaIntegrationJSON struct {
	BootstrapServers string              `json:"bootstrap_servers"`
	KafkaDataFormat  string              `json:"kafka_data_format"`
	SecurityConfig   *kafkaSecurityJSON  `json:"security_config,omitempty"`
	SchemaRegistry   *schemaRegistryJSON `json:"schema_registry_config,omitempty"`
	UseV3            bool                `json:"use_v3"`
}

type kafkaSecurityJSON struct {
	APIKey string `json:"api_key"`
	Secret string `json:"secret,omitempty"`
}

type schemaRegistryJSON struct {
	URL    string `json:"url"`
	Key    string `json:"key,omitempty"`
	Secret string `json:"secret,omitempty"`
}

type collectionRefJSON struct {
	Workspace string `json:"workspace"`
	Name      string `json:"name"`
}

func (a *API) integrationJSON(in catalog.Integration) integrationJSON {
	out := integrationJSON{Name: in.Name, Description: in.Description, CreatedAt: isoTime(in.CreatedAt), Collections: []collectionRefJSON{}}
	if k := in.Kafka; k != nil {
		kj := &kafkaIntegrationJSON{BootstrapServers: k.BootstrapServers, KafkaDataFormat: k.DataFormat, UseV3: true}
		if kj.KafkaDataFormat == "" {
			kj.KafkaDataFormat = catalog.FormatJSON
		}
		if sc := k.SecurityConfig; sc != nil {
			kj.SecurityConfig = &kafkaSecurityJSON{APIKey: sc.APIKey}
		}
		if sr := k.SchemaRegistry; sr != nil {
			kj.SchemaRegistry = &schemaRegistryJSON{URL: sr.URL, Key: sr.Key}
		}
		out.Kafka = kj
	}
	if s := in.S3; s != nil {
		sj := &s3IntegrationJSON{Role: s.Role, Endpoint: s.Endpoint, Region: s.Region, Insecure: s.Insecure}
		if k := s.AccessKey; k != nil {
			sj.AccessKey = &awsAccessKeyJSON{ID: k.ID} // the secret is never shown
		}
		out.S3 = sj
	}
	for _, c := range a.eng.Catalog().IntegrationUsers(in.Name) {
		ws, name, _ := strings.Cut(c, ".")
		out.Collections = append(out.Collections, collectionRefJSON{Workspace: ws, Name: name})
	}
	return out
}

// createIntegrationRequest is Rockset's CreateIntegrationRequest (its Kafka
// and S3 parts).
type createIntegrationRequest struct {
	Name        *string               `json:"name"`
	Description string                `json:"description"`
	Kafka       *kafkaIntegrationJSON `json:"kafka"`
	S3          *s3IntegrationJSON    `json:"s3"`
}

func (a *API) createIntegration(w http.ResponseWriter, r *http.Request) {
	var req createIntegrationRequest
	if err := a.decodeBody(w, r, &req); err != nil {
		writeError(w, err)
		return
	}
	if req.Name == nil {
		writeError(w, apiError(ErrInvalidInput, "field name is required"))
		return
	}
	in := catalog.Integration{Name: *req.Name, Description: req.Description}
	if k := req.Kafka; k != nil {
		in.Kafka = &catalog.KafkaIntegration{BootstrapServers: k.BootstrapServers, DataFormat: k.KafkaDataFormat}
		if sc := k.SecurityConfig; sc != nil {
			in.Kafka.SecurityConfig = &catalog.KafkaSecurity{APIKey: sc.APIKey, Secret: sc.Secret}
		}
		if sr := k.SchemaRegistry; sr != nil {
			in.Kafka.SchemaRegistry = &catalog.SchemaRegistry{URL: sr.URL, Key: sr.Key, Secret: sr.Secret}
		}
	}
	if s := req.S3; s != nil {
		in.S3 = &catalog.S3Integration{Role: s.Role, Endpoint: s.Endpoint, Region: s.Region, Insecure: s.Insecure}
		if k := s.AccessKey; k != nil {
			in.S3.AccessKey = &catalog.AWSAccessKey{ID: k.ID, Secret: k.Secret}
		}
	}
	created, err := a.eng.Catalog().CreateIntegration(in)
	if err != nil {
		writeError(w, classify(err))
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": a.integrationJSON(created)})
}

func (a *API) listIntegrations(w http.ResponseWriter, r *http.Request) {
	list := a.eng.Catalog().Integrations()
	out := make([]integrationJSON, len(list))
	for i, in := range list {
		out[i] = a.integrationJSON(in)
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": out})
}

func (a *API) getIntegration(w http.ResponseWriter, r *http.Request) {
	in, err := a.eng.Catalog().Integration(r.PathValue("integration"))
	if err != nil {
		writeError(w, classify(err))
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": a.integrationJSON(in)})
}

func (a *API) deleteIntegration(w http.ResponseWriter, r *http.Request) {
	in, err := a.eng.Catalog().DropIntegration(r.PathValue("integration"))
	if err != nil {
		writeError(w, classify(err))
		return
	}
	out := a.integrationJSON(in)
	writeJSON(w, http.StatusOK, map[string]any{"data": out})
}
