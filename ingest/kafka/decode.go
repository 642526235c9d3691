package kafka

import (
	"fmt"
	"strconv"

	"github.com/basaltdb/basalt/catalog"
	"github.com/basaltdb/basalt/ingest"
	"github.com/basaltdb/basalt/types"
)

// decodeFunc appends the documents of one record's value to recs.
type decodeFunc func(dec *types.Decoder, value []byte, pos string, recs []ingest.Record) []ingest.Record

func newDecoder(j *ingest.Job) (decodeFunc, error) {
	switch f := j.Source.Format(j.Integration); f {
	case catalog.FormatJSON:
		return decodeJSON, nil
	case catalog.FormatAvro:
		return newAvroDecoder(j.Integration.Kafka.SchemaRegistry)
	default:
		return nil, fmt.Errorf("source %s: record format %s is not supported", j.Source.ID, f)
	}
}

// decodeJSON reads a record holding one JSON object, or an array of them
// (each its own document).
func decodeJSON(dec *types.Decoder, value []byte, pos string, recs []ingest.Record) []ingest.Record {
	v, err := dec.Decode(value)
	if err != nil {
		return append(recs, ingest.Record{Err: fmt.Errorf("record %s is not valid JSON: %w", pos, err), Raw: value, Position: pos})
	}
	switch v.Kind() {
	case types.KindObject:
		return append(recs, ingest.Record{Doc: v, Position: pos})
	case types.KindArray:
		for i, e := range v.Elems() {
			recs = append(recs, ingest.Record{Doc: e, Position: pos + "#" + strconv.Itoa(i)})
		}
		return recs
	}
	return append(recs, ingest.Record{Err: fmt.Errorf("record %s holds a JSON %s; want an object or an array of objects", pos, v.Kind()), Raw: value, Position: pos})
}
