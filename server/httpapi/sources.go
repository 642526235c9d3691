package httpapi

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/basaltdb/basalt/catalog"
	"github.com/basaltdb/basalt/ingest"
)

// Sources is the running side of collection sources that the API reports
// on and controls (ingest.Manager).
type Sources interface {
	// Sync starts and stops sources to match the catalog.
	Sync()
	// StopCollection stops a collection's sources and waits for them.
	StopCollection(colID uint64)
	// Status reports a source.
	Status(sourceID string) (ingest.Status, bool)
}

// sourceJSON is Rockset's Source.
type sourceJSON struct {
	ID              string               `json:"id"`
	IntegrationName string               `json:"integration_name"`
	Kafka           *kafkaSourceJSON     `json:"kafka,omitempty"`
	S3              *s3SourceJSON        `json:"s3,omitempty"`
	File            *fileSourceJSON      `json:"file,omitempty"`
	FormatParams    catalog.FormatParams `json:"format_params"`
	Status          sourceStatusJSON     `json:"status"`
	SuspendedAt     *string              `json:"suspended_at"`
}

type kafkaSourceJSON struct {
	TopicName         string                 `json:"kafka_topic_name"`
	OffsetResetPolicy string                 `json:"offset_reset_policy"`
	Status            *kafkaSourceStatusJSON `json:"status,omitempty"`
}

type kafkaSourceStatusJSON struct {
	State                 string                   `json:"state"` // ACTIVE, NO_DOCS_YET, DORMANT
	LastConsumedTime      *string                  `json:"last_consumed_time"`
	NumDocumentsProcessed int64                    `json:"num_documents_processed"`
	Partitions            []ingest.PartitionStatus `json:"kafka_partitions"`
	// Basalt's: records polled and not yet committed (bounded by the
	// source's byte budget while the collection writes slower than the
	// topic delivers).
	InFlightBytes   int64 `json:"in_flight_bytes"`
	InFlightRecords int64 `json:"in_flight_records"`
}

// s3SourceJSON is Rockset's SourceS3 with its read-only progress counts.
type s3SourceJSON struct {
	Bucket  string `json:"bucket"`
	Prefix  string `json:"prefix,omitempty"`
	Pattern string `json:"pattern,omitempty"`
	Region  string `json:"region,omitempty"`
	objectCountsJSON
}

// fileSourceJSON is Basalt's source of files on the server's machine.
type fileSourceJSON struct {
	Path string `json:"path"`
	objectCountsJSON
}

// objectCountsJSON is how far an S3 or file source is through the objects
// it listed last.
type objectCountsJSON struct {
	ObjectCountDownloaded int64 `json:"object_count_downloaded"`
	ObjectCountTotal      int64 `json:"object_count_total"`
	ObjectBytesDownloaded int64 `json:"object_bytes_downloaded"`
	ObjectBytesTotal      int64 `json:"object_bytes_total"`
}

// sourceStatusJSON is Rockset's Status, plus Basalt's counts of records
// that did not decode and documents the transformation or the write
// refused (both kept in _meta.bad).
type sourceStatusJSON struct {
	State               string  `json:"state"`
	Since               *string `json:"since"`
	Message             string  `json:"message"`
	LastProcessedAt     *string `json:"last_processed_at"`
	LastErrorAt         *string `json:"last_error_at"`
	TotalProcessedItems int64   `json:"total_processed_items"`
	BadRecords          int64   `json:"bad_records"`
	ErrorDocuments      int64   `json:"error_documents"`
	// DetectedSizeBytes (Rockset's) and BytesRead (Basalt's) are an S3 or
	// file source's progress through the objects it listed.
	DetectedSizeBytes *int64 `json:"detected_size_bytes,omitempty"`
	BytesRead         *int64 `json:"bytes_read,omitempty"`
	// DocumentsDeleted (Basalt's) counts documents an S3 or file source
	// deleted because the object they came from was rewritten shorter.
	DocumentsDeleted *int64 `json:"documents_deleted,omitempty"`
}

func optTime(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	s := isoTime(t)
	return &s
}

func (a *API) sourceJSON(s catalog.Source) sourceJSON {
	out := sourceJSON{ID: s.ID, IntegrationName: s.IntegrationName, FormatParams: s.FormatParams}
	st := ingest.Status{State: ingest.StateInitializing}
	if a.cfg.Sources != nil {
		if got, ok := a.cfg.Sources.Status(s.ID); ok {
			st = got
		}
	}
	if s.Suspended() {
		st.State = ingest.StateSuspended
		out.SuspendedAt = optTime(*s.SuspendedAt)
	}
	out.Status = sourceStatusJSON{
		State: st.State, Since: optTime(st.Since), Message: st.Message,
		LastProcessedAt: optTime(st.LastProcessedAt), LastErrorAt: optTime(st.LastErrorAt),
		TotalProcessedItems: st.Records, BadRecords: st.BadRecords, ErrorDocuments: st.ErrorDocuments,
	}
	counts := objectCountsJSON{
		ObjectCountDownloaded: st.ObjectsDone, ObjectCountTotal: st.ObjectsTotal,
		ObjectBytesDownloaded: st.BytesRead, ObjectBytesTotal: st.BytesTotal,
	}
	if s.S3 != nil || s.File != nil {
		out.Status.DetectedSizeBytes, out.Status.BytesRead = &st.BytesTotal, &st.BytesRead
		out.Status.DocumentsDeleted = &st.Deleted
	}
	if f := s.S3; f != nil {
		out.S3 = &s3SourceJSON{Bucket: f.Bucket, Prefix: f.Prefix, Pattern: f.Pattern, Region: f.Region, objectCountsJSON: counts}
	}
	if f := s.File; f != nil {
		out.File = &fileSourceJSON{Path: f.Path, objectCountsJSON: counts}
	}
	if k := s.Kafka; k != nil {
		ks := &kafkaSourceStatusJSON{State: "NO_DOCS_YET", LastConsumedTime: optTime(st.LastProcessedAt), NumDocumentsProcessed: st.Documents, Partitions: st.Partitions,
			InFlightBytes: st.InFlightBytes, InFlightRecords: st.InFlightRecords}
		if ks.Partitions == nil {
			ks.Partitions = []ingest.PartitionStatus{}
		}
		switch {
		case s.Suspended() || st.State == ingest.StateError:
			ks.State = "DORMANT"
		case st.Records > 0:
			ks.State = "ACTIVE"
		}
		out.Kafka = &kafkaSourceJSON{TopicName: k.TopicName, OffsetResetPolicy: k.OffsetResetPolicy, Status: ks}
	}
	return out
}

func (a *API) sourcesJSON(col catalog.Collection) []sourceJSON {
	out := make([]sourceJSON, len(col.Sources))
	for i, s := range col.Sources {
		out[i] = a.sourceJSON(s)
	}
	return out
}

// sourceRequest is a source in a create-collection request.
type sourceRequest struct {
	IntegrationName string               `json:"integration_name"`
	Kafka           *catalog.KafkaSource `json:"kafka"`
	S3              *catalog.S3Source    `json:"s3"`
	File            *catalog.FileSource  `json:"file"`
	FormatParams    catalog.FormatParams `json:"format_params"`
}

// parseSources reads the sources of a create-collection request.
func parseSources(raw json.RawMessage) ([]catalog.Source, *APIError) {
	if isEmptyJSON(raw) {
		return nil, nil
	}
	var reqs []sourceRequest
	var kinds []map[string]json.RawMessage
	if err := json.Unmarshal(raw, &reqs); err != nil {
		return nil, apiError(ErrInvalidInput, "invalid sources: "+err.Error())
	}
	_ = json.Unmarshal(raw, &kinds)
	out := make([]catalog.Source, len(reqs))
	for i, r := range reqs {
		if r.Kafka == nil && r.S3 == nil && r.File == nil {
			for _, k := range []string{"gcs", "azure_blob_storage", "kinesis", "dynamodb", "mongodb", "file_upload", "snowflake", "azure_event_hubs", "azure_service_bus"} {
				if i < len(kinds) && !isEmptyJSON(kinds[i][k]) {
					return nil, apiError(ErrNotImplemented, fmt.Sprintf("sources[%d]: %s sources are not implemented yet; Kafka, S3 and file sources are, and files load with basalt load", i, k))
				}
			}
			return nil, apiError(ErrInvalidInput, fmt.Sprintf("sources[%d] needs a kafka, s3 or file section, the kinds of source Basalt reads", i))
		}
		out[i] = catalog.Source{IntegrationName: r.IntegrationName, Kafka: r.Kafka, S3: r.S3, File: r.File, FormatParams: r.FormatParams}
	}
	return out, nil
}

func (a *API) listSources(w http.ResponseWriter, r *http.Request) {
	col, err := a.eng.Catalog().Collection(r.PathValue("ws"), r.PathValue("coll"))
	if err != nil {
		writeError(w, classify(err))
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": a.sourcesJSON(col)})
}

func (a *API) getSource(w http.ResponseWriter, r *http.Request) {
	col, err := a.eng.Catalog().Collection(r.PathValue("ws"), r.PathValue("coll"))
	if err != nil {
		writeError(w, classify(err))
		return
	}
	i := col.SourceIndex(r.PathValue("source"))
	if i < 0 {
		writeError(w, apiError(ErrNotFound, fmt.Sprintf("source %q of collection %q not found", r.PathValue("source"), col.Name)))
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": a.sourceJSON(col.Sources[i])})
}

func (a *API) suspendSource(w http.ResponseWriter, r *http.Request) { a.setSuspended(w, r, true) }
func (a *API) resumeSource(w http.ResponseWriter, r *http.Request)  { a.setSuspended(w, r, false) }

func (a *API) setSuspended(w http.ResponseWriter, r *http.Request, suspend bool) {
	src, err := a.eng.Catalog().SetSourceSuspended(r.PathValue("ws"), r.PathValue("coll"), r.PathValue("source"), suspend)
	if err != nil {
		writeError(w, classify(err))
		return
	}
	if a.cfg.Sources != nil {
		a.cfg.Sources.Sync()
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": a.sourceJSON(src)})
}
