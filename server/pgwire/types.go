package pgwire

import (
	"encoding/binary"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/basaltdb/basalt/sql"
	"github.com/basaltdb/basalt/sql/fn"
	"github.com/basaltdb/basalt/sql/sqlerr"
	"github.com/basaltdb/basalt/types"
)

// PostgreSQL type OIDs (pg_type.oid) Basalt sends or accepts.
const (
	oidBool        = 16
	oidBytea       = 17
	oidName        = 19
	oidInt8        = 20
	oidInt2        = 21
	oidInt4        = 23
	oidText        = 25
	oidOID         = 26
	oidJSON        = 114
	oidFloat4      = 700
	oidFloat8      = 701
	oidUnknown     = 705
	oidBPChar      = 1042
	oidVarchar     = 1043
	oidDate        = 1082
	oidTimestamp   = 1114
	oidTimestamptz = 1184
	oidInterval    = 1186
	oidNumeric     = 1700
	oidUUID        = 2950
	oidJSONB       = 3802
)

// pgEpochMicros is 2000-01-01 00:00:00 UTC, the epoch of PostgreSQL's
// binary timestamps, in Unix microseconds.
const pgEpochMicros = 946684800 * 1_000_000

// typeLen is pg_type.typlen for the OIDs Basalt describes columns with.
func typeLen(oid uint32) int16 {
	switch oid {
	case oidBool:
		return 1
	case oidInt2:
		return 2
	case oidInt4, oidFloat4, oidOID:
		return 4
	case oidInt8, oidFloat8, oidTimestamptz, oidTimestamp:
		return 8
	case oidInterval:
		return 16
	}
	return -1
}

// columnOID chooses the type a result column is described with, from the
// kinds its values hold (sql.Column.Type). Ints and floats together are
// float8; other mixtures are text, or jsonb when arrays or objects are
// among them, so that every value still has one faithful rendering.
func columnOID(typ string) uint32 {
	switch typ {
	case "bool":
		return oidBool
	case "int":
		return oidInt8
	case "float":
		return oidFloat8
	case "timestamp":
		return oidTimestamptz
	case "interval":
		return oidInterval
	case "array", "object":
		return oidJSONB
	}
	return oidText
}

// resultOIDs describes the columns of a result computed already: the kinds
// its rows hold decide, so "mixed" is refined here (ints with floats are
// float8; arrays or objects among others are jsonb).
func resultOIDs(res *sql.Result) []uint32 {
	oids := make([]uint32, len(res.Columns))
	for j, c := range res.Columns {
		if c.Type != "mixed" {
			oids[j] = columnOID(c.Type)
			continue
		}
		var seen [types.NumKinds]bool
		for _, r := range res.Rows {
			seen[r[j].Kind()] = true
		}
		switch {
		case seen[types.KindArray] || seen[types.KindObject]:
			oids[j] = oidJSONB
		case (seen[types.KindInt] || seen[types.KindFloat]) && !seen[types.KindBool] && !seen[types.KindString] && !seen[types.KindTimestamp]:
			oids[j] = oidFloat8
		default:
			oids[j] = oidText
		}
	}
	return oids
}

// errTypeChanged is returned when a value does not fit the type a prepared
// statement's Describe promised. PostgreSQL says the same (with the same
// code) when a table changes under a cached plan, and drivers drop their
// cached description on it and prepare again: pgx on the code, pgjdbc only
// when the error names PostgreSQL's routine too (see typeChangedError).
func errTypeChanged(col string, oid uint32, v types.Value) error {
	return &typeChangedError{sqlerr.New(sqlerr.FeatureNotSupported, "cached plan must not change result type (column %q was described as %s, now holds a %s value); prepare the statement again", col, typeName(oid), v.Kind())}
}

// typeChangedError marks errTypeChanged's error, which the ErrorResponse
// attributes to PostgreSQL's RevalidateCachedQuery: pgjdbc retries a
// statement, prepared afresh, only on an error from that routine
// (QueryExecutorBase.willHealViaReparse).
type typeChangedError struct{ err *sqlerr.Error }

func (e *typeChangedError) Error() string { return e.err.Error() }
func (e *typeChangedError) Unwrap() error { return e.err }

// appendValue appends v encoded as type oid in format (0 text, 1 binary),
// with its int32 length prefix (-1 for NULL). ok is false when v does not
// fit oid.
func appendValue(buf []byte, v types.Value, oid uint32, format int16) ([]byte, bool) {
	k := v.Kind()
	if k == types.KindNull || k == types.KindUndefined {
		return binary.BigEndian.AppendUint32(buf, math.MaxUint32), true
	}
	at := len(buf)
	buf = append(buf, 0, 0, 0, 0)
	var ok bool
	if format == 1 {
		buf, ok = appendBinary(buf, v, oid)
	} else {
		buf, ok = appendText(buf, v, oid)
	}
	binary.BigEndian.PutUint32(buf[at:], uint32(len(buf)-at-4))
	return buf, ok
}

func appendText(buf []byte, v types.Value, oid uint32) ([]byte, bool) {
	k := v.Kind()
	switch oid {
	case oidText, oidVarchar, oidName, oidBPChar, oidUnknown:
		if k == types.KindString {
			return append(buf, v.Str()...), true
		}
		s, _ := sql.TextValue(v)
		return append(buf, s...), true
	case oidJSONB, oidJSON:
		return types.AppendJSON(buf, v), true
	case oidInt8, oidInt4, oidInt2, oidOID:
		i, ok := asInt(v)
		return strconv.AppendInt(buf, i, 10), ok
	case oidFloat8, oidFloat4, oidNumeric:
		if k != types.KindInt && k != types.KindFloat {
			return buf, false
		}
		if k == types.KindInt && oid == oidNumeric {
			return strconv.AppendInt(buf, v.Int(), 10), true
		}
		return append(buf, fn.FormatFloat(v.Float())...), true
	case oidBool:
		if k != types.KindBool {
			return buf, false
		}
		if v.Bool() {
			return append(buf, 't'), true
		}
		return append(buf, 'f'), true
	case oidTimestamptz:
		if k != types.KindTimestamp {
			return buf, false
		}
		return append(buf, sql.FormatTimestamptz(v.Micros())...), true
	case oidTimestamp:
		if k != types.KindTimestamp {
			return buf, false
		}
		s := sql.FormatTimestamptz(v.Micros())
		return append(buf, s[:len(s)-3]...), true
	case oidInterval:
		if k != types.KindInterval {
			return buf, false
		}
		return append(buf, fn.FormatInterval(v)...), true
	}
	s, _ := sql.TextValue(v)
	return append(buf, s...), true
}

func asInt(v types.Value) (int64, bool) {
	switch v.Kind() {
	case types.KindInt:
		return v.Int(), true
	case types.KindFloat:
		f := v.Float()
		if f == math.Trunc(f) && f >= -9.2e18 && f <= 9.2e18 {
			return int64(f), true
		}
	}
	return 0, false
}

func appendBinary(buf []byte, v types.Value, oid uint32) ([]byte, bool) {
	k := v.Kind()
	switch oid {
	case oidInt8:
		i, ok := asInt(v)
		return binary.BigEndian.AppendUint64(buf, uint64(i)), ok
	case oidInt4:
		i, ok := asInt(v)
		return binary.BigEndian.AppendUint32(buf, uint32(int32(i))), ok && i >= math.MinInt32 && i <= math.MaxInt32
	case oidOID:
		i, ok := asInt(v)
		return binary.BigEndian.AppendUint32(buf, uint32(i)), ok && i >= 0 && i <= math.MaxUint32
	case oidInt2:
		i, ok := asInt(v)
		return binary.BigEndian.AppendUint16(buf, uint16(int16(i))), ok && i >= math.MinInt16 && i <= math.MaxInt16
	case oidFloat8:
		if k != types.KindInt && k != types.KindFloat {
			return buf, false
		}
		return binary.BigEndian.AppendUint64(buf, math.Float64bits(v.Float())), true
	case oidFloat4:
		if k != types.KindInt && k != types.KindFloat {
			return buf, false
		}
		return binary.BigEndian.AppendUint32(buf, math.Float32bits(float32(v.Float()))), true
	case oidBool:
		if k != types.KindBool {
			return buf, false
		}
		if v.Bool() {
			return append(buf, 1), true
		}
		return append(buf, 0), true
	case oidTimestamptz, oidTimestamp:
		if k != types.KindTimestamp {
			return buf, false
		}
		return binary.BigEndian.AppendUint64(buf, uint64(v.Micros()-pgEpochMicros)), true
	case oidInterval:
		if k != types.KindInterval {
			return buf, false
		}
		// time (microseconds), days, months.
		buf = binary.BigEndian.AppendUint64(buf, uint64(v.Micros()))
		buf = binary.BigEndian.AppendUint32(buf, uint32(v.IntervalDays()))
		return binary.BigEndian.AppendUint32(buf, uint32(v.IntervalMonths())), true
	case oidJSONB:
		return types.AppendJSON(append(buf, 1), v), true
	}
	// Text-like types have the same binary and text forms.
	return appendText(buf, v, oid)
}

// paramValue decodes a parameter sent in format (0 text, 1 binary) for a
// parameter of type oid (0: unspecified). Text parameters of unspecified or
// text types stay strings: the binder casts a string compared with a typed
// field to the field's kind, as PostgreSQL types an untyped literal.
func paramValue(b []byte, oid uint32, format int16) (types.Value, error) {
	if b == nil {
		return types.Null, nil
	}
	if format == 0 {
		s := string(b)
		switch oid {
		case oidInt8, oidInt4, oidInt2, oidOID:
			i, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
			if err != nil {
				return types.Value{}, sqlerr.New(sqlerr.InvalidText, "invalid input syntax for type %s: %q", typeName(oid), s)
			}
			return types.Int(i), nil
		case oidFloat8, oidFloat4, oidNumeric:
			f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
			if err != nil {
				return types.Value{}, sqlerr.New(sqlerr.InvalidText, "invalid input syntax for type %s: %q", typeName(oid), s)
			}
			if oid == oidNumeric {
				if i, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64); err == nil {
					return types.Int(i), nil
				}
			}
			return types.Float(f), nil
		case oidBool:
			switch strings.ToLower(strings.TrimSpace(s)) {
			case "t", "true", "on", "yes", "y", "1":
				return types.Bool(true), nil
			case "f", "false", "off", "no", "n", "0":
				return types.Bool(false), nil
			}
			return types.Value{}, sqlerr.New(sqlerr.InvalidText, "invalid input syntax for type boolean: %q", s)
		case oidTimestamptz, oidTimestamp, oidDate:
			t, err := parseTimestamp(s)
			if err != nil {
				return types.Value{}, sqlerr.New(sqlerr.InvalidDatetime, "invalid input syntax for type %s: %q", typeName(oid), s)
			}
			return types.TimestampOf(t), nil
		case oidJSON, oidJSONB:
			v, err := types.NewDecoder(types.DefaultLimits).Decode(b)
			if err != nil {
				return types.Value{}, sqlerr.New(sqlerr.InvalidText, "invalid input syntax for type json: %s", err)
			}
			return v.Clone(), nil
		}
		return types.String(s), nil
	}
	bad := func() (types.Value, error) {
		return types.Value{}, sqlerr.New("22P03", "incorrect binary data format in a parameter of type %s (%d bytes)", typeName(oid), len(b))
	}
	switch oid {
	case oidInt8:
		if len(b) != 8 {
			return bad()
		}
		return types.Int(int64(binary.BigEndian.Uint64(b))), nil
	case oidInt4:
		if len(b) != 4 {
			return bad()
		}
		return types.Int(int64(int32(binary.BigEndian.Uint32(b)))), nil
	case oidOID:
		if len(b) != 4 {
			return bad()
		}
		return types.Int(int64(binary.BigEndian.Uint32(b))), nil
	case oidInt2:
		if len(b) != 2 {
			return bad()
		}
		return types.Int(int64(int16(binary.BigEndian.Uint16(b)))), nil
	case oidFloat8:
		if len(b) != 8 {
			return bad()
		}
		return types.Float(math.Float64frombits(binary.BigEndian.Uint64(b))), nil
	case oidFloat4:
		if len(b) != 4 {
			return bad()
		}
		return types.Float(float64(math.Float32frombits(binary.BigEndian.Uint32(b)))), nil
	case oidBool:
		if len(b) != 1 {
			return bad()
		}
		return types.Bool(b[0] != 0), nil
	case oidTimestamptz, oidTimestamp:
		if len(b) != 8 {
			return bad()
		}
		return types.Timestamp(int64(binary.BigEndian.Uint64(b)) + pgEpochMicros), nil
	case oidDate:
		if len(b) != 4 {
			return bad()
		}
		days := int64(int32(binary.BigEndian.Uint32(b)))
		return types.Timestamp(pgEpochMicros + days*86400*1_000_000), nil
	case oidUUID:
		if len(b) != 16 {
			return bad()
		}
		return types.String(fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])), nil
	case oidJSONB:
		if len(b) < 1 || b[0] != 1 {
			return bad()
		}
		return paramValue(b[1:], oidJSON, 0)
	case oidText, oidVarchar, oidName, oidBPChar, oidUnknown, oidJSON, oidBytea, 0:
		if oid == oidJSON {
			return paramValue(b, oidJSON, 0)
		}
		return types.String(string(b)), nil
	}
	return types.Value{}, sqlerr.New(sqlerr.FeatureNotSupported, "binary parameters of type %d are not supported; send them as text", oid)
}

// parseTimestamp reads the timestamp spellings clients send: ISO 8601 and
// PostgreSQL's own output ("2024-01-02 03:04:05.5+00"); no zone means UTC.
func parseTimestamp(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	layouts := []string{
		time.RFC3339Nano,
		"2006-01-02 15:04:05.999999999Z07:00",
		"2006-01-02 15:04:05.999999999Z07",
		"2006-01-02 15:04:05.999999999-07",
		"2006-01-02 15:04:05.999999999",
		"2006-01-02T15:04:05.999999999",
		"2006-01-02",
	}
	for _, l := range layouts {
		if t, err := time.Parse(l, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("not a timestamp: %q", s)
}

// typeName is the PostgreSQL name of a type OID, for messages and
// format_type.
func typeName(oid uint32) string {
	for _, t := range pgTypes {
		if t.oid == oid {
			return t.name
		}
	}
	return strconv.FormatUint(uint64(oid), 10)
}

// pgType is one row of the emulated pg_type.
type pgType struct {
	oid      uint32
	name     string // typname
	format   string // format_type
	len      int16
	category string
}

// pgTypes are the types Basalt's catalog lists: those its columns are
// described with and those clients commonly send parameters as.
var pgTypes = []pgType{
	{oidBool, "bool", "boolean", 1, "B"},
	{oidBytea, "bytea", "bytea", -1, "U"},
	{oidName, "name", "name", 64, "S"},
	{oidInt8, "int8", "bigint", 8, "N"},
	{oidInt2, "int2", "smallint", 2, "N"},
	{oidInt4, "int4", "integer", 4, "N"},
	{oidText, "text", "text", -1, "S"},
	{oidOID, "oid", "oid", 4, "N"},
	{oidJSON, "json", "json", -1, "U"},
	{oidFloat4, "float4", "real", 4, "N"},
	{oidFloat8, "float8", "double precision", 8, "N"},
	{oidUnknown, "unknown", "unknown", -2, "X"},
	{oidBPChar, "bpchar", "character", -1, "S"},
	{oidVarchar, "varchar", "character varying", -1, "S"},
	{oidDate, "date", "date", 4, "D"},
	{oidTimestamp, "timestamp", "timestamp without time zone", 8, "D"},
	{oidTimestamptz, "timestamptz", "timestamp with time zone", 8, "D"},
	{oidInterval, "interval", "interval", 16, "T"},
	{oidNumeric, "numeric", "numeric", -1, "N"},
	{oidUUID, "uuid", "uuid", 16, "U"},
	{oidJSONB, "jsonb", "jsonb", -1, "U"},
}
