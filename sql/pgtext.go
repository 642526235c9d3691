package sql

import (
	"strconv"
	"time"

	"github.com/basaltdb/basalt/sql/fn"
	"github.com/basaltdb/basalt/types"
)

// TextValue renders v in PostgreSQL's text output format, as the wire
// protocol sends it and psql shows it: bools as t/f, floats as float8out
// prints them, timestamps as timestamptz in UTC ("2024-01-01
// 10:00:00.5+00"), intervals as PostgreSQL's default style shows them ("1
// day 03:04:05"), arrays and objects as JSON. null reports SQL NULL, which
// undefined also is on the wire.
func TextValue(v types.Value) (text string, null bool) {
	switch v.Kind() {
	case types.KindUndefined, types.KindNull:
		return "", true
	case types.KindBool:
		if v.Bool() {
			return "t", false
		}
		return "f", false
	case types.KindInt:
		return strconv.FormatInt(v.Int(), 10), false
	case types.KindFloat:
		return fn.FormatFloat(v.Float()), false
	case types.KindString:
		return v.Str(), false
	case types.KindTimestamp:
		return FormatTimestamptz(v.Micros()), false
	case types.KindInterval:
		return fn.FormatInterval(v), false
	default:
		return v.JSON(), false
	}
}

// FormatTimestamptz prints micros since the epoch as PostgreSQL prints a
// timestamptz with TimeZone UTC: fractional seconds only when non-zero,
// without trailing zeros, and the offset "+00".
func FormatTimestamptz(micros int64) string {
	return time.UnixMicro(micros).UTC().Format("2006-01-02 15:04:05.999999") + "+00"
}
