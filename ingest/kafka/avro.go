package kafka

import (
	"context"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/basaltdb/basalt/catalog"
	"github.com/basaltdb/basalt/ingest"
	"github.com/basaltdb/basalt/types"
	"github.com/hamba/avro/v2"
)

// registry fetches and caches Avro schemas from a Confluent-compatible
// schema registry by id.
type registry struct {
	cfg    catalog.SchemaRegistry
	client *http.Client

	mu      sync.Mutex
	schemas map[uint32]avro.Schema
}

func newAvroDecoder(cfg *catalog.SchemaRegistry) (decodeFunc, error) {
	if cfg == nil || cfg.URL == "" {
		return nil, fmt.Errorf("Avro records need the integration's schema_registry_config.url")
	}
	r := &registry{cfg: *cfg, client: &http.Client{Timeout: 10 * time.Second}, schemas: map[uint32]avro.Schema{}}
	return r.decode, nil
}

func (r *registry) schema(id uint32) (avro.Schema, error) {
	r.mu.Lock()
	s, ok := r.schemas[id]
	r.mu.Unlock()
	if ok {
		return s, nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	url := strings.TrimRight(r.cfg.URL, "/") + "/schemas/ids/" + strconv.FormatUint(uint64(id), 10)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	if r.cfg.Key != "" {
		req.SetBasicAuth(r.cfg.Key, r.cfg.Secret)
	}
	resp, err := r.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("schema registry %s: %w", r.cfg.URL, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("schema registry %s: schema id %d: HTTP %d: %s", r.cfg.URL, id, resp.StatusCode, strings.TrimSpace(string(body)))
	}
	var out struct {
		Schema string `json:"schema"`
	}
	if err := json.Unmarshal(body, &out); err != nil {
		return nil, fmt.Errorf("schema registry %s: schema id %d: %w", r.cfg.URL, id, err)
	}
	s, err = avro.Parse(out.Schema)
	if err != nil {
		return nil, fmt.Errorf("schema id %d from %s: %w", id, r.cfg.URL, err)
	}
	r.mu.Lock()
	r.schemas[id] = s
	r.mu.Unlock()
	return s, nil
}

// decode reads a record in the Confluent wire format: a zero magic byte, a
// 4-byte big-endian schema id, then the Avro binary encoding.
func (r *registry) decode(_ *types.Decoder, value []byte, pos string, recs []ingest.Record) []ingest.Record {
	bad := func(format string, args ...any) []ingest.Record {
		return append(recs, ingest.Record{Err: fmt.Errorf("record %s: "+format, append([]any{pos}, args...)...), Raw: value, Position: pos})
	}
	if len(value) < 5 || value[0] != 0 {
		return bad("not in the schema registry's Avro wire format (magic byte 0 and a 4-byte schema id)")
	}
	id := binary.BigEndian.Uint32(value[1:5])
	s, err := r.schema(id)
	if err != nil {
		return bad("%v", err)
	}
	var v any
	if err := avro.Unmarshal(s, value[5:], &v); err != nil {
		return bad("does not decode with Avro schema id %d: %v", id, err)
	}
	doc := avroValue(s, v)
	if doc.Kind() != types.KindObject {
		return bad("Avro schema id %d is a %s, not a record", id, doc.Kind())
	}
	return append(recs, ingest.Record{Doc: doc, Position: pos})
}

// avroValue converts a value hamba/avro decoded into `any`, guided by its
// schema: records keep their fields in schema order, and a union's
// {"TypeName": value} wrapper (hamba's form for unions of named types) is
// unwrapped to the value.
func avroValue(s avro.Schema, v any) types.Value {
	if v == nil {
		return types.Null
	}
	switch sc := s.(type) {
	case *avro.RecordSchema:
		m, ok := v.(map[string]any)
		if !ok {
			break
		}
		fields := make([]types.Field, 0, len(sc.Fields()))
		for _, f := range sc.Fields() {
			if fv, ok := m[f.Name()]; ok {
				fields = append(fields, types.Field{Name: f.Name(), Value: avroValue(f.Type(), fv)})
			}
		}
		return types.Object(fields)
	case *avro.UnionSchema:
		if m, ok := v.(map[string]any); ok && len(m) == 1 {
			for name, inner := range m {
				for _, t := range sc.Types() {
					if typeName(t) == name {
						return avroValue(t, inner)
					}
				}
			}
		}
		for _, t := range sc.Types() {
			if t.Type() != avro.Null {
				return avroValue(t, v)
			}
		}
	case *avro.ArraySchema:
		if a, ok := v.([]any); ok {
			elems := make([]types.Value, len(a))
			for i, e := range a {
				elems[i] = avroValue(sc.Items(), e)
			}
			return types.Array(elems)
		}
	case *avro.MapSchema:
		if m, ok := v.(map[string]any); ok {
			return sortedObject(m, func(e any) types.Value { return avroValue(sc.Values(), e) })
		}
	}
	return avroScalar(v)
}

// typeName is how hamba/avro names a union member in its wrapper.
func typeName(s avro.Schema) string {
	if n, ok := s.(avro.NamedSchema); ok {
		return n.FullName()
	}
	return string(s.Type())
}

func avroScalar(v any) types.Value {
	switch x := v.(type) {
	case bool:
		return types.Bool(x)
	case int:
		return types.Int(int64(x))
	case int32:
		return types.Int(int64(x))
	case int64:
		return types.Int(x)
	case float32:
		return types.Float(float64(x))
	case float64:
		return types.Float(x)
	case string:
		return types.String(x)
	case []byte:
		return types.String(base64.StdEncoding.EncodeToString(x))
	case time.Time:
		return types.TimestampOf(x)
	case time.Duration:
		return types.Int(x.Microseconds())
	case *big.Rat:
		f, _ := x.Float64()
		return types.Float(f)
	case []any:
		elems := make([]types.Value, len(x))
		for i, e := range x {
			elems[i] = avroScalar(e)
		}
		return types.Array(elems)
	case map[string]any:
		return sortedObject(x, avroScalar)
	}
	return types.String(fmt.Sprint(v))
}

// sortedObject converts an Avro map (or a record decoded without its
// schema) into an object with its keys in order.
func sortedObject(m map[string]any, conv func(any) types.Value) types.Value {
	names := make([]string, 0, len(m))
	for k := range m {
		names = append(names, k)
	}
	slices.Sort(names)
	fields := make([]types.Field, len(names))
	for i, k := range names {
		fields[i] = types.Field{Name: k, Value: conv(m[k])}
	}
	return types.Object(fields)
}
