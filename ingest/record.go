package ingest

import (
	"fmt"
	"strings"

	"github.com/basaltdb/basalt/storage"
	"github.com/basaltdb/basalt/types"
)

// Record is one document a source read, or why it could not be read.
type Record struct {
	// Doc is the decoded document; ignored when Err is set.
	Doc types.Value
	// Err is why the record could not be decoded. The record is kept in
	// the error collection and counted; its neighbours go on.
	Err error
	// Raw is the record's bytes, kept with a decoding error. A record
	// whose document fails is kept with Raw when set, else with Doc as
	// JSON.
	Raw []byte
	// Position names the record in its source ("topic/partition/offset",
	// with "#i" for the i-th document of an array record). A document
	// without _id gets one derived from it, so a record read again lands
	// on the same document.
	Position string
	// Where names the record for people when Position does not (a file
	// source's file:line); the error collection shows it.
	Where string
}

// where names the record for people.
func (r *Record) where() string {
	if r.Where != "" {
		return r.Where
	}
	return r.Position
}

// toOp turns a decoded document into a write operation: `_op` chooses the
// kind (as Rockset's CDC does) and a missing `_id` is derived from the
// record's position. Its errors do not name the record: the error
// collection keeps them with its position.
func toOp(r *Record, prefix string) storage.WriteOp {
	doc := r.Doc
	if doc.Kind() != types.KindObject {
		return storage.WriteOp{Err: fmt.Errorf("a document must be a JSON object, got %s", doc.Kind())}
	}
	kind, err := storage.OpFromDocument(doc)
	if err != nil {
		return storage.WriteOp{Err: err}
	}
	// The derived _id travels beside the document: the engine adds it
	// as it adds _event_time, where a copy of the document to hold it
	// was a kilobyte a RockBench document.
	id := ""
	if doc.Get(storage.FieldID).IsUndefined() {
		if err := needsOwnID(doc); err != nil {
			return storage.WriteOp{Err: err}
		}
		id = prefix + r.Position
	}
	return storage.WriteOp{Kind: kind, Doc: doc, ID: id}
}

// needsOwnID refuses a document without an _id whose `_op` names an
// existing document (DELETE, UPDATE, REPLACE).
func needsOwnID(doc types.Value) error {
	if op := doc.Get(storage.FieldOp); op.Kind() == types.KindString {
		switch strings.ToUpper(op.Str()) {
		case "DELETE", "UPDATE", "REPLACE":
			return fmt.Errorf("_op %s needs an _id", op.Str())
		}
	}
	return nil
}

// withID checks that a record is an object and gives it the _id derived
// from its position when it has none. A record that names an existing
// document by `_op` (DELETE, UPDATE, REPLACE) must carry its _id.
func withID(r *Record, prefix string) (types.Value, error) {
	doc := r.Doc
	if doc.Kind() != types.KindObject {
		return types.Value{}, fmt.Errorf("a document must be a JSON object, got %s", doc.Kind())
	}
	if !doc.Get(storage.FieldID).IsUndefined() {
		return doc, nil
	}
	if err := needsOwnID(doc); err != nil {
		return types.Value{}, err
	}
	fields := make([]types.Field, 0, doc.Len()+1)
	fields = append(fields, types.Field{Name: storage.FieldID, Value: types.String(prefix + r.Position)})
	fields = append(fields, doc.Fields()...)
	return types.Object(fields), nil
}
