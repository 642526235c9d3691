package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/basaltdb/basalt/sql/sqlerr"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/basaltdb/basalt/catalog"
	"github.com/basaltdb/basalt/ingest/transform"
)

// collectionJSON is Rockset's Collection.
type collectionJSON struct {
	Name                        string                 `json:"name"`
	Workspace                   string                 `json:"workspace"`
	Description                 string                 `json:"description"`
	Status                      string                 `json:"status"`
	CreatedAt                   string                 `json:"created_at"`
	CreatedBy                   string                 `json:"created_by"`
	RetentionSecs               *int64                 `json:"retention_secs"`
	EventTimeInfo               *catalog.EventTimeInfo `json:"event_time_info,omitempty"`
	TimePartitionResolutionSecs int64                  `json:"time_partition_resolution_secs"`
	Sources                     []sourceJSON           `json:"sources"`
	InsertOnly                  bool                   `json:"insert_only"`
	ReadOnly                    bool                   `json:"read_only"`
	StorageCompressionType      string                 `json:"storage_compression_type"`
	FieldMappingQuery           *fieldMappingQueryJSON `json:"field_mapping_query,omitempty"`
	Stats                       collectionStatsJSON    `json:"stats"`
}

// fieldMappingQueryJSON is Rockset's FieldMappingQuery.
type fieldMappingQueryJSON struct {
	SQL string `json:"sql"`
}

// collectionStatsJSON is Rockset's CollectionStats.
type collectionStatsJSON struct {
	DocCount       int64   `json:"doc_count"`
	TotalSize      int64   `json:"total_size"`
	FillProgress   float64 `json:"fill_progress"`
	PurgedDocCount int64   `json:"purged_doc_count"`
	Segments       int     `json:"segment_count"`
	MutableSegs    int     `json:"mutable_segment_count"`
}

func (a *API) collectionJSON(col catalog.Collection, status string) collectionJSON {
	out := collectionJSON{
		Name:                        col.Name,
		Workspace:                   col.Workspace,
		Description:                 col.Description,
		Status:                      status,
		CreatedAt:                   isoTime(col.CreatedAt),
		EventTimeInfo:               col.EventTimeInfo,
		TimePartitionResolutionSecs: int64(col.PartitionResolution / time.Second),
		Sources:                     a.sourcesJSON(col),
		StorageCompressionType:      storageCompression,
		Stats:                       collectionStatsJSON{FillProgress: 1},
	}
	if col.FieldMappingQuery != "" {
		out.FieldMappingQuery = &fieldMappingQueryJSON{SQL: col.FieldMappingQuery}
	}
	if col.RetentionSecs > 0 {
		r := col.RetentionSecs
		out.RetentionSecs = &r
	}
	if status != "DELETED" {
		if st, err := a.eng.Stats(col.Workspace, col.Name); err == nil {
			out.Stats.DocCount = st.DocCount
			out.Stats.TotalSize = st.TotalBytes
			out.Stats.Segments = st.Segments
			out.Stats.MutableSegs = st.Mutable
		}
	}
	return out
}

func (a *API) listAllCollections(w http.ResponseWriter, r *http.Request) {
	p := principalOf(r)
	list := a.eng.Catalog().Collections("")
	a.writeCollections(w, slices.DeleteFunc(list, func(c catalog.Collection) bool { return !p.SeesWorkspace(c.Workspace) }))
}

func (a *API) listCollections(w http.ResponseWriter, r *http.Request) {
	ws := r.PathValue("ws")
	if _, err := a.eng.Catalog().Workspace(ws); err != nil {
		writeError(w, classify(err))
		return
	}
	a.writeCollections(w, a.eng.Catalog().Collections(ws))
}

func (a *API) writeCollections(w http.ResponseWriter, list []catalog.Collection) {
	out := make([]collectionJSON, len(list))
	for i, c := range list {
		out[i] = a.collectionJSON(c, "READY")
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": out})
}

func (a *API) getCollection(w http.ResponseWriter, r *http.Request) {
	col, err := a.eng.Catalog().Collection(r.PathValue("ws"), r.PathValue("coll"))
	if err != nil {
		writeError(w, classify(err))
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": a.collectionJSON(col, "READY")})
}

func (a *API) deleteCollection(w http.ResponseWriter, r *http.Request) {
	if old, err := a.eng.Catalog().Collection(r.PathValue("ws"), r.PathValue("coll")); err == nil && a.cfg.Sources != nil {
		// Stop its sources first, so nothing writes while it goes.
		a.cfg.Sources.StopCollection(old.ID)
	}
	col, err := a.eng.DropCollection(r.PathValue("ws"), r.PathValue("coll"))
	if err != nil {
		writeError(w, classify(err))
		return
	}
	a.transforms.Forget(col.ID)
	writeJSON(w, http.StatusOK, map[string]any{"data": a.collectionJSON(col, "DELETED")})
}

// createCollectionRequest is Rockset's CreateCollectionRequest, plus
// time_partition_resolution_secs. Unknown fields are ignored.
type createCollectionRequest struct {
	Name                        *string                `json:"name"`
	Description                 string                 `json:"description"`
	RetentionSecs               *int64                 `json:"retention_secs"`
	EventTimeInfo               *catalog.EventTimeInfo `json:"event_time_info"`
	TimePartitionResolutionSecs *int64                 `json:"time_partition_resolution_secs"`
	Sources                     json.RawMessage        `json:"sources"`
	FieldMappingQuery           json.RawMessage        `json:"field_mapping_query"`
	// Options Basalt does not honour yet: refused with NOTIMPLEMENTEDYET
	// when they ask for something other than their default, rather than
	// silently ignored (an answer saying "insert_only": false to a
	// request for true).
	FieldMappings          json.RawMessage `json:"field_mappings"`
	ClusteringKey          json.RawMessage `json:"clustering_key"`
	FieldPartitioning      json.RawMessage `json:"field_partitioning"`
	FieldSchemas           json.RawMessage `json:"field_schemas"`
	InsertOnly             *bool           `json:"insert_only"`
	ReadOnly               *bool           `json:"read_only"`
	StorageCompressionType *string         `json:"storage_compression_type"`
}

// storageCompression is the storage_compression_type Basalt reports and
// the only one it accepts: it chooses each column block's compression itself
// (zstd, or s2 for a sealed block until compaction rewrites it with zstd).
const storageCompression = "ZSTD"

func isEmptyJSON(m json.RawMessage) bool {
	s := strings.TrimSpace(string(m))
	return s == "" || s == "null" || s == "[]" || s == "{}"
}

func (a *API) createCollection(w http.ResponseWriter, r *http.Request) {
	var req createCollectionRequest
	if err := a.decodeBody(w, r, &req); err != nil {
		writeError(w, err)
		return
	}
	if req.Name == nil {
		writeError(w, apiError(ErrInvalidInput, "field name is required"))
		return
	}
	compression := storageCompression
	if req.StorageCompressionType != nil {
		compression = *req.StorageCompressionType
	}
	for _, opt := range []struct {
		name string
		set  bool // asks for something other than the default
		why  string
	}{
		{"field_mappings", !isEmptyJSON(req.FieldMappings), "the legacy field_mappings are not supported; use field_mapping_query"},
		{"clustering_key", !isEmptyJSON(req.ClusteringKey), "clustering keys are not available"},
		{"field_partitioning", !isEmptyJSON(req.FieldPartitioning), "field partitioning is not available; collections are partitioned by event time only"},
		{"field_schemas", !isEmptyJSON(req.FieldSchemas), "per-field index settings are not available; every field is indexed"},
		{"insert_only", req.InsertOnly != nil && *req.InsertOnly, "insert-only collections are not available; documents can always be replaced, patched and deleted"},
		{"read_only", req.ReadOnly != nil && *req.ReadOnly, "read-only collections are not available; use a read-only API key instead"},
		{"storage_compression_type", !strings.EqualFold(compression, storageCompression),
			fmt.Sprintf("%q is not available; only %s, the default, is accepted", compression, storageCompression)},
	} {
		if opt.set {
			writeError(w, apiError(ErrNotImplemented, fmt.Sprintf("option %s is not implemented yet: %s", opt.name, opt.why)))
			return
		}
	}
	srcs, aerr := parseSources(req.Sources)
	if aerr != nil {
		writeError(w, aerr)
		return
	}
	spec := catalog.CollectionSpec{Name: *req.Name, Description: req.Description, EventTimeInfo: req.EventTimeInfo, Sources: srcs}
	if !isEmptyJSON(req.FieldMappingQuery) {
		q, aerr := fieldMappingQuery(req.FieldMappingQuery)
		if aerr != nil {
			writeError(w, aerr)
			return
		}
		if req.EventTimeInfo != nil {
			writeError(w, apiError(ErrInvalidInput, "event_time_info cannot be combined with field_mapping_query: compute _event_time in the query (e.g. PARSE_TIMESTAMP_ISO8601(ts) AS _event_time)"))
			return
		}
		spec.FieldMappingQuery = q
	}
	if req.RetentionSecs != nil {
		spec.RetentionSecs = *req.RetentionSecs
	}
	if req.TimePartitionResolutionSecs != nil {
		if *req.TimePartitionResolutionSecs <= 0 {
			writeError(w, apiError(ErrInvalidInput, "time_partition_resolution_secs must be positive"))
			return
		}
		spec.PartitionResolution = time.Duration(*req.TimePartitionResolutionSecs) * time.Second
	}
	col, err := a.eng.CreateCollection(r.PathValue("ws"), spec)
	if err != nil {
		writeError(w, classify(err))
		return
	}
	if len(col.Sources) > 0 && a.cfg.Sources != nil {
		a.cfg.Sources.Sync()
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": a.collectionJSON(col, "READY")})
}

// fieldMappingQuery reads and validates Rockset's
// `"field_mapping_query": {"sql": "SELECT … FROM _input …"}`.
func fieldMappingQuery(raw json.RawMessage) (string, *APIError) {
	var fmq struct {
		SQL *string `json:"sql"`
	}
	if err := json.Unmarshal(raw, &fmq); err != nil || fmq.SQL == nil {
		return "", apiError(ErrInvalidInput, `field_mapping_query must be {"sql": "SELECT … FROM _input"}`)
	}
	if _, err := transform.Compile(*fmq.SQL); err != nil {
		ae := apiError(ErrInvalidInput, "field_mapping_query: "+strings.TrimPrefix(err.Error(), transform.ErrInvalid.Error()+": "))
		if se := (*sqlerr.Error)(nil); errors.As(err, &se) && se.Line > 0 {
			ae.Line, ae.Column = se.Line, se.Column
		}
		return "", ae
	}
	return *fmq.SQL, nil
}

// readBody reads the request body under the size limit.
func (a *API) readBody(w http.ResponseWriter, r *http.Request) ([]byte, *APIError) {
	if r.ContentLength > a.cfg.MaxBodyBytes {
		return nil, apiError(ErrContentTooLarge, fmt.Sprintf("request body is %d bytes, over the limit of %d bytes", r.ContentLength, a.cfg.MaxBodyBytes))
	}
	body := http.MaxBytesReader(w, r.Body, a.cfg.MaxBodyBytes)
	var buf bytes.Buffer
	if r.ContentLength > 0 {
		buf.Grow(int(r.ContentLength) + 1)
	}
	if _, err := io.Copy(&buf, body); err != nil {
		if ae := classify(err); ae.Type == ErrContentTooLarge {
			return nil, ae
		}
		return nil, apiError(ErrInvalidInput, "read request body: "+err.Error())
	}
	return buf.Bytes(), nil
}

// decodeBody decodes a small JSON request body into v.
func (a *API) decodeBody(w http.ResponseWriter, r *http.Request, v any) *APIError {
	b, aerr := a.readBody(w, r)
	if aerr != nil {
		return aerr
	}
	if len(bytes.TrimSpace(b)) == 0 {
		return apiError(ErrInvalidInput, "request body is empty; expected a JSON object")
	}
	if err := json.Unmarshal(b, v); err != nil {
		return apiError(ErrInvalidInput, "invalid request body: "+err.Error())
	}
	return nil
}

// updateCollection is Rockset's Update Collection (PUT, description and
// field_mapping_query), which the JS client exposes as updateCollection.
// Basalt cannot change a collection after creating it yet: the answer is
// NOTIMPLEMENTEDYET rather than METHODNOTALLOWED, and NOTFOUND first when
// the collection does not exist.
func (a *API) updateCollection(w http.ResponseWriter, r *http.Request) {
	if _, err := a.eng.Catalog().Collection(r.PathValue("ws"), r.PathValue("coll")); err != nil {
		writeError(w, classify(err))
		return
	}
	writeError(w, apiError(ErrNotImplemented, "updating a collection is not implemented yet; its settings are fixed at creation"))
}

// collectionOffsets is Rockset's Get Collection Commit (POST
// .../offsets/commit), the JS client's getCollectionOffsets. Not served yet;
// without this route the catch-all would answer NOTFOUND, which reads as
// "no such collection". Basalt answers a write only once it is visible to
// reads, so a fence (last_offset) it returned has always passed.
func (a *API) collectionOffsets(w http.ResponseWriter, r *http.Request) {
	if _, err := a.eng.Catalog().Collection(r.PathValue("ws"), r.PathValue("coll")); err != nil {
		writeError(w, classify(err))
		return
	}
	writeError(w, apiError(ErrNotImplemented, "offsets/commit is not implemented yet; every acknowledged write is already visible to reads, so a last_offset Basalt returned has passed"))
}
