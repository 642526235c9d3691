package storage

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/basaltdb/basalt/catalog"
	"github.com/basaltdb/basalt/types"
	"github.com/google/uuid"
)

// OpKind is what a write operation does with its document.
type OpKind uint8

const (
	// OpUpsert inserts the document, or replaces the one with its _id
	// (Rockset's default, `_op: REPSERT`).
	OpUpsert OpKind = iota
	// OpInsert inserts; an existing _id is an error (`_op: INSERT`).
	OpInsert
	// OpReplace replaces an existing document; a missing one is an error
	// (`_op: REPLACE`).
	OpReplace
	// OpUpdate merges the document's top-level fields into an existing
	// document; a missing one is an error (`_op: UPDATE`).
	OpUpdate
	// OpMerge merges into an existing document or inserts (`_op: UPSERT`).
	OpMerge
	// OpPatch applies a JSON patch to an existing document.
	OpPatch
	// OpDelete deletes by _id (`_op: DELETE`).
	OpDelete
	// opExpire deletes a row that retention expired, unless its _id has
	// moved on to a newer row since.
	opExpire
)

// Reserved top-level fields.
const (
	FieldID        = "_id"
	FieldEventTime = "_event_time"
	FieldMeta      = "_meta"
	FieldOp        = "_op"
)

// MaxIDBytes bounds an _id.
const MaxIDBytes = 2048

// WriteOp is one document operation of a write request.
type WriteOp struct {
	Kind OpKind
	// ID is required for OpPatch and OpDelete. For the others the _id is
	// read from Doc, and ID is the _id of a document that has none (a
	// source's id derived from the record's position), which spares
	// copying the document to add it.
	ID    string
	Doc   types.Value // the document, for all but OpPatch and OpDelete
	Patch []types.PatchOp
	// Err, when set, is the result of this op: a document that failed before
	// it reached the engine (e.g. it did not decode). Its neighbours are
	// still written.
	Err error
	// Fold computes the new document of ID from its current one (OpFold,
	// fold.go).
	Fold FoldFunc

	rowid uint64 // opExpire: the row retention expired
}

// Status is the outcome of one operation.
type Status uint8

const (
	StatusError Status = iota
	StatusAdded
	StatusReplaced
	StatusPatched
	StatusDeleted
	// StatusSkipped: an ingest transformation's WHERE dropped the document;
	// nothing was written and that is not an error.
	StatusSkipped
)

func (s Status) String() string {
	return [...]string{"ERROR", "ADDED", "REPLACED", "PATCHED", "DELETED", "SKIPPED"}[s]
}

// ErrorType classifies a per-document error in Rockset's vocabulary.
type ErrorType string

const (
	ErrInvalidInput  ErrorType = "INVALIDINPUT"
	ErrNotFound      ErrorType = "NOTFOUND"
	ErrAlreadyExists ErrorType = "ALREADYEXISTS"
	ErrInternal      ErrorType = "INTERNALERROR"
)

// DocError is why one operation failed.
type DocError struct {
	Type    ErrorType
	Message string
}

func (e *DocError) Error() string { return e.Message }

func invalid(format string, args ...any) *DocError {
	return &DocError{Type: ErrInvalidInput, Message: fmt.Sprintf(format, args...)}
}

// AsDocError converts err into a DocError (INVALIDINPUT unless it is one).
func AsDocError(err error) *DocError {
	var de *DocError
	if errors.As(err, &de) {
		return de
	}
	return &DocError{Type: ErrInvalidInput, Message: err.Error()}
}

// WriteResult is the outcome of one operation, in request order.
type WriteResult struct {
	ID     string
	Status Status
	Err    *DocError
}

// prepared is an operation after the checks that need no existing state.
type prepared struct {
	kind      OpKind
	id        string
	doc       types.Value // normalized: _id and _event_time first, _op dropped
	enc       []byte      // doc's row-store value (rowvalue.go), made in the caller's goroutine
	eventTime int64       // micros; valid when doc is set
	patch     []types.PatchOp
	fold      FoldFunc
	rowid     uint64
	err       *DocError

	// prefetched is the document at prefetchedRow, read before the commit
	// (see collection.prefetch).
	prefetched    types.Value
	prefetchedRow uint64
	// premerged is the document the op makes of prefetched, and preEnc its
	// row-store encoding, computed with the prefetch: the committer uses
	// them when prefetched is still current.
	premerged types.Value
	preEnc    []byte
	// idHash is hashID(id), computed at the prefetch.
	idHash pkHash
}

// OpFromDocument reads `_op` from a document to choose its kind. A missing
// `_op` is an upsert.
func OpFromDocument(doc types.Value) (OpKind, error) {
	op := doc.Get(FieldOp)
	if op.IsUndefined() {
		return OpUpsert, nil
	}
	if op.Kind() != types.KindString {
		return 0, invalid("field %s must be a string, got %s", FieldOp, op.Kind())
	}
	switch strings.ToUpper(op.Str()) {
	case "REPSERT":
		return OpUpsert, nil
	case "INSERT":
		return OpInsert, nil
	case "REPLACE":
		return OpReplace, nil
	case "UPDATE":
		return OpUpdate, nil
	case "UPSERT":
		return OpMerge, nil
	case "DELETE":
		return OpDelete, nil
	}
	return 0, invalid("field %s is %q; want INSERT, UPDATE, UPSERT, DELETE, REPLACE or REPSERT", FieldOp, op.Str())
}

// NormalizeID returns the string form of an _id value: strings as they are,
// numbers in their shortest decimal form, and an integer literal out of the
// int64 range in its exact digits (12345678901234567890, not the
// 1.2345678901234567e+19 of the float it decodes to, which would merge
// neighbouring ids into one).
func NormalizeID(v types.Value) (string, error) {
	var id string
	switch v.Kind() {
	case types.KindString:
		id = v.Str()
	case types.KindInt:
		id = strconv.FormatInt(v.Int(), 10)
	case types.KindFloat:
		f := v.Float()
		switch text := v.IntegerText(); {
		case text != "":
			// An integer literal past int64 (a float has lost its last
			// digits). A literal with a fraction or an exponent past
			// int64 (1e19) keeps its float form, as before.
			id = text
		case f == math.Trunc(f) && f >= -9223372036854775808.0 && f < 9223372036854775808.0:
			// An integral float names the same document as the equal
			// int (1e15 and 1000000000000000 are one _id).
			id = strconv.FormatInt(int64(f), 10)
		default:
			id = strconv.FormatFloat(f, 'g', -1, 64)
		}
	default:
		return "", invalid("field %s must be a string or a number, got %s", FieldID, v.Kind())
	}
	if id == "" {
		return "", invalid("field %s must not be empty", FieldID)
	}
	if len(id) > MaxIDBytes {
		return "", invalid("field %s is %d bytes, over the limit of %d", FieldID, len(id), MaxIDBytes)
	}
	return id, nil
}

// prepare checks an operation and normalizes its document, in the caller's
// goroutine so that this work runs in parallel across requests. Row values
// are encoded in rows (nil: each in a buffer of its own).
func prepare(col catalog.Collection, op WriteOp, now time.Time, limits types.Limits, rows *rowSlab) prepared {
	p := prepared{kind: op.Kind, rowid: op.rowid, patch: op.Patch}
	fail := func(err error) prepared {
		p.err = AsDocError(err)
		return p
	}
	if op.Err != nil {
		p.id = op.ID
		return fail(op.Err)
	}
	if op.Kind == OpFold {
		return prepareFold(p, op, now)
	}
	switch op.Kind {
	case OpPatch, OpDelete, opExpire:
		if op.ID == "" && !op.Doc.IsUndefined() {
			id, err := NormalizeID(op.Doc.Get(FieldID))
			if err != nil {
				return fail(err)
			}
			op.ID = id
		}
		if op.ID == "" {
			return fail(invalid("field %s is required", FieldID))
		}
		p.id = op.ID
		if op.Kind == OpPatch {
			if len(op.Patch) == 0 {
				return fail(invalid("patch has no operations"))
			}
			for i, po := range op.Patch {
				for _, ptr := range []string{po.Path, po.From} {
					if f := topField(ptr); f == FieldID || f == FieldEventTime || f == FieldMeta {
						return fail(invalid("patch operation %d (%s): field %s cannot be patched", i, strings.ToLower(po.Op), f))
					}
				}
			}
		}
		return p
	}
	doc := op.Doc
	if doc.Kind() != types.KindObject {
		return fail(invalid("a document must be a JSON object, got %s", doc.Kind()))
	}
	if idv := doc.Get(FieldID); !idv.IsUndefined() {
		id, err := NormalizeID(idv)
		if err != nil {
			return fail(err)
		}
		p.id = id
	} else if op.ID != "" {
		p.id = op.ID
	} else if op.Kind == OpUpsert || op.Kind == OpInsert || op.Kind == OpMerge {
		p.id = newID()
	} else {
		return fail(invalid("field %s is required for this operation", FieldID))
	}
	if !doc.Get(FieldMeta).IsUndefined() {
		return fail(invalid("field %s is reserved for Basalt's own metadata", FieldMeta))
	}
	if op.Kind == OpDelete {
		return p
	}
	et, err := eventTime(col, doc, now)
	if err != nil {
		return fail(err)
	}
	p.eventTime = et
	p.doc = normalizeDoc(doc, p.id, et)
	if op.Kind == OpUpsert || op.Kind == OpInsert || op.Kind == OpReplace {
		// The committer is one goroutine per collection; encoding here
		// spreads the work over the requests' goroutines.
		p.enc = rows.row(p.doc)
	}
	return p
}

// topField returns the first token of a JSON pointer.
func topField(ptr string) string {
	if len(ptr) < 2 || ptr[0] != '/' {
		return ""
	}
	ptr = ptr[1:]
	if i := strings.IndexByte(ptr, '/'); i >= 0 {
		ptr = ptr[:i]
	}
	return strings.ReplaceAll(strings.ReplaceAll(ptr, "~1", "/"), "~0", "~")
}

// normalizeDoc puts _id and _event_time first and drops _op.
func normalizeDoc(doc types.Value, id string, et int64) types.Value {
	fields := make([]types.Field, 0, doc.Len()+2)
	fields = append(fields, types.Field{Name: FieldID, Value: types.String(id)})
	fields = append(fields, types.Field{Name: FieldEventTime, Value: types.Timestamp(et)})
	for _, f := range doc.Fields() {
		switch f.Name {
		case FieldID, FieldEventTime, FieldOp:
			continue
		}
		fields = append(fields, f)
	}
	return types.Object(fields)
}

// eventTime returns the document's event time in microseconds: from the
// mapped field, from `_event_time`, or the ingest time.
func eventTime(col catalog.Collection, doc types.Value, now time.Time) (int64, error) {
	if eti := col.EventTimeInfo; eti != nil {
		v := doc.Get(eti.Field)
		if v.IsUndefined() || v.IsNull() {
			return now.UnixMicro(), nil
		}
		return parseEventTime(v, eti.Format, eti.TimeZone, eti.Field)
	}
	v := doc.Get(FieldEventTime)
	if v.IsUndefined() || v.IsNull() {
		return now.UnixMicro(), nil
	}
	return parseEventTime(v, catalog.FormatMicros, "UTC", FieldEventTime)
}

func parseEventTime(v types.Value, format, tz, field string) (int64, error) {
	switch v.Kind() {
	case types.KindTimestamp:
		return v.Micros(), nil
	case types.KindString:
		loc, err := location(tz)
		if err != nil {
			return 0, invalid("unknown time zone %q", tz)
		}
		s := v.Str()
		if us, ok := parseISO8601(s, loc); ok {
			return us, nil
		}
		if format != catalog.FormatISO8601 {
			// A number in a string, e.g. "1700000000".
			if f, err := strconv.ParseFloat(s, 64); err == nil {
				return epochMicros(f, format, field)
			}
		}
		return 0, invalid("field %s: %q is not an ISO-8601 timestamp", field, s)
	case types.KindInt, types.KindFloat:
		if format == catalog.FormatISO8601 {
			return 0, invalid("field %s must be an ISO-8601 string, got %s", field, v.Kind())
		}
		return epochMicros(v.Float(), format, field)
	}
	return 0, invalid("field %s must be a timestamp, got %s", field, v.Kind())
}

// locations caches time zones by name: time.LoadLocation reads the zone
// database on every call, which cost each document of a collection whose
// event times are local times.
var locations sync.Map // string -> *time.Location

func location(tz string) (*time.Location, error) {
	if tz == "" || tz == "UTC" {
		return time.UTC, nil
	}
	if loc, ok := locations.Load(tz); ok {
		return loc.(*time.Location), nil
	}
	loc, err := time.LoadLocation(tz)
	if err != nil {
		return nil, err
	}
	locations.Store(tz, loc)
	return loc, nil
}

func epochMicros(f float64, format, field string) (int64, error) {
	var m float64
	switch format {
	case catalog.FormatSeconds:
		m = f * 1e6
	case catalog.FormatMillis:
		m = f * 1e3
	default:
		m = f
	}
	// Years 0001 to 9999 are what ISO-8601 output can render.
	if math.IsNaN(m) || m < -62135596800e6 || m > 253402300799e6 {
		return 0, invalid("field %s: %v is out of the supported time range", field, f)
	}
	return int64(m), nil
}

// mergeTop merges the top-level fields of upd into old (for _op UPDATE and
// UPSERT), keeping old's _id and _event_time.
func mergeTop(old, upd types.Value) types.Value {
	out := old
	for _, f := range upd.Fields() {
		if f.Name == FieldID || f.Name == FieldEventTime {
			continue
		}
		out = out.WithField(f.Name, f.Value)
	}
	return out
}

// newID returns a generated _id: a version 7 UUID (RFC 9562), whose
// leading 48 bits are the time in milliseconds and the next 12 a
// sequence, so that ids generated one after another sort in that order.
// The primary-key table then takes each new id at its end, as it takes
// ids numbered by the client: random (version 4) ids cost a bulk load
// of documents without _id about a seventh more server CPU a document,
// in the key table's memtable inserts and in sorting each batch's keys.
func newID() string { return uuid.Must(uuid.NewV7()).String() }
