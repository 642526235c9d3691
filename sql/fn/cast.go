package fn

import (
	"math"
	"strconv"
	"strings"

	"github.com/basaltdb/basalt/sql/sqlerr"
	"github.com/basaltdb/basalt/types"
)

// Normalized type names: what NormalizeType returns and Cast accepts.
const (
	TypeInt       = "int"
	TypeFloat     = "float"
	TypeBool      = "bool"
	TypeString    = "string"
	TypeTimestamp = "timestamp"
	TypeDate      = "date"
	TypeJSON      = "json"
	TypeArray     = "array"
	TypeInterval  = "interval"
)

var typeNames = map[string]string{
	"int": TypeInt, "int2": TypeInt, "int4": TypeInt, "int8": TypeInt, "integer": TypeInt,
	"bigint": TypeInt, "smallint": TypeInt,

	"float": TypeFloat, "float4": TypeFloat, "float8": TypeFloat, "real": TypeFloat,
	"double precision": TypeFloat, "double": TypeFloat, "numeric": TypeFloat, "decimal": TypeFloat,

	"bool": TypeBool, "boolean": TypeBool,

	"string": TypeString, "text": TypeString, "varchar": TypeString, "character varying": TypeString,
	"char": TypeString, "character": TypeString, "bpchar": TypeString,

	"timestamp": TypeTimestamp, "timestamptz": TypeTimestamp, "datetime": TypeTimestamp,
	"timestamp with time zone": TypeTimestamp, "timestamp without time zone": TypeTimestamp,

	"date": TypeDate,
	"json": TypeJSON, "jsonb": TypeJSON,
	"array":    TypeArray,
	"interval": TypeInterval,
}

// NormalizeType maps a PostgreSQL type name ("int8", "pg_catalog.int4",
// "double precision", "character varying(10)", "timestamp with time zone",
// "text[]") to one of the Type* names. Case, a pg_catalog. qualifier, a
// type modifier in parentheses and repeated spaces do not matter; any array
// type is TypeArray. An unknown name is error 42704.
func NormalizeType(pgName string) (string, error) {
	s := strings.ToLower(strings.TrimSpace(pgName))
	s = strings.TrimPrefix(s, "pg_catalog.")
	if strings.HasSuffix(s, "[]") {
		return TypeArray, nil
	}
	// Drop a type modifier: numeric(10,2), varchar(10), timestamp(3) with time zone.
	if i := strings.IndexByte(s, '('); i >= 0 {
		if j := strings.IndexByte(s[i:], ')'); j >= 0 {
			s = s[:i] + " " + s[i+j+1:]
		}
	}
	s = strings.Join(strings.Fields(s), " ")
	if t, ok := typeNames[s]; ok {
		return t, nil
	}
	return "", sqlerr.New(codeUndefinedObject, "type %q does not exist", pgName)
}

// Cast converts v to typeName (a PostgreSQL name, normalized by
// NormalizeType) with PostgreSQL's rules. NULL and undefined cast to NULL.
//
//   - int: from a float rounding half away from zero (as numeric does), out
//     of range 22003; from a string of optional sign and digits with
//     surrounding spaces, else 22P02; from a bool 1 or 0.
//   - float: from an int; from a string as float8in reads it ("1e3", "NaN",
//     "-Infinity"), else 22P02, out of range 22003.
//   - bool: from an int (0 is false); from a string as boolin reads it ("t",
//     "yes", "on", "1", unique prefixes), else 22P02.
//   - string: ints in decimal, floats as float8out prints them (FormatFloat),
//     bools as "true"/"false", timestamps by FormatTimestamp, arrays and
//     objects as their JSON text.
//   - timestamp: from a string by ParseTimestamp (22007, or 22008 for a field
//     out of range). date: the same, truncated to midnight UTC.
//   - json: the value unchanged.
//   - array: an array unchanged, or a string holding PostgreSQL's array text
//     (`{1,2}`, ParseArrayText) or a JSON array; `int[]` and the like cast
//     each element.
//
// Any other conversion is 42846.
func Cast(v types.Value, typeName string) (types.Value, error) {
	t, err := NormalizeType(typeName)
	if err != nil {
		return types.Value{}, err
	}
	if isNull(v) {
		return types.Null, nil
	}
	k := v.Kind()
	switch t {
	case TypeInt:
		switch k {
		case types.KindInt:
			return v, nil
		case types.KindFloat:
			i, ok := floatToInt(math.Round(v.Float()))
			if !ok {
				return types.Value{}, errOutOfRange("bigint")
			}
			return types.Int(i), nil
		case types.KindString:
			i, err := parseInt(v.Str())
			if err != nil {
				return types.Value{}, err
			}
			return types.Int(i), nil
		case types.KindBool:
			if v.Bool() {
				return types.Int(1), nil
			}
			return types.Int(0), nil
		}
	case TypeFloat:
		switch k {
		case types.KindInt:
			return types.Float(v.Float()), nil
		case types.KindFloat:
			return v, nil
		case types.KindString:
			f, err := parseFloat(v.Str())
			if err != nil {
				return types.Value{}, err
			}
			return types.Float(f), nil
		}
	case TypeBool:
		switch k {
		case types.KindBool:
			return v, nil
		case types.KindInt:
			return types.Bool(v.Int() != 0), nil
		case types.KindString:
			b, ok := parseBool(v.Str())
			if !ok {
				return types.Value{}, sqlerr.New(sqlerr.InvalidText, "invalid input syntax for type boolean: %q", v.Str())
			}
			return types.Bool(b), nil
		}
	case TypeString:
		if k == types.KindBool {
			if v.Bool() {
				return types.String("true"), nil
			}
			return types.String("false"), nil
		}
		return types.String(textOut(v)), nil
	case TypeTimestamp, TypeDate:
		var us int64
		switch k {
		case types.KindTimestamp:
			us = v.Micros()
		case types.KindString:
			us, err = ParseTimestamp(v.Str())
			if err != nil {
				return types.Value{}, err
			}
		default:
			return types.Value{}, errCannotCast(v, t)
		}
		if t == TypeDate {
			us = floorDiv(us, microsPerDay) * microsPerDay
		}
		return types.Timestamp(us), nil
	case TypeJSON:
		// Text becomes the JSON value it spells, as PostgreSQL's
		// '{"a": 1}'::json does; other values already are JSON values.
		if k == types.KindString {
			return parseJSON(v.Str())
		}
		return v, nil
	case TypeInterval:
		switch k {
		case types.KindInterval:
			return v, nil
		case types.KindString:
			iv, err := ParseInterval(v.Str(), "")
			if err != nil {
				return types.Value{}, err
			}
			return IntervalValue(iv)
		}
	case TypeArray:
		// int[] and the like cast the elements too; array (Basalt's own
		// name) keeps them.
		var elem string
		if base, ok := strings.CutSuffix(strings.TrimSpace(typeName), "[]"); ok {
			if elem, err = NormalizeType(base); err != nil {
				return types.Value{}, err
			}
			if elem == TypeArray || elem == TypeJSON {
				elem = ""
			}
		}
		if k == types.KindArray || k == types.KindString {
			return castArray(v, elem)
		}
	}
	return types.Value{}, errCannotCast(v, t)
}

// TryCast is Cast returning NULL instead of an error.
func TryCast(v types.Value, typeName string) types.Value {
	r, err := Cast(v, typeName)
	if err != nil {
		return types.Null
	}
	return r
}

func errCannotCast(v types.Value, t string) error {
	return sqlerr.New(codeCannotCoerce, "cannot cast type %s to %s", v.Kind(), t)
}

// floatToInt converts an integral float to an int64 when it is in range.
func floatToInt(f float64) (int64, bool) {
	// -2^63 is exact as a float; 2^63 is the first float past MaxInt64.
	if math.IsNaN(f) || f < -9223372036854775808.0 || f >= 9223372036854775808.0 {
		return 0, false
	}
	return int64(f), true
}

// parseInt reads a bigint the way PostgreSQL 15's int8in does: optional
// surrounding white space, an optional sign, decimal digits.
func parseInt(s string) (int64, error) {
	t := strings.TrimSpace(s)
	digits := strings.TrimLeft(t, "+-")
	if len(t)-len(digits) > 1 || digits == "" || strings.TrimLeft(digits, "0123456789") != "" {
		return 0, sqlerr.New(sqlerr.InvalidText, "invalid input syntax for type bigint: %q", s)
	}
	i, err := strconv.ParseInt(t, 10, 64)
	if err != nil {
		return 0, sqlerr.New(sqlerr.NumericOutOfRange, "value %q is out of range for type bigint", s)
	}
	return i, nil
}

// parseFloat reads a float8 the way PostgreSQL's float8in does: decimal or
// exponent notation, NaN, Infinity and inf in any case, surrounding spaces.
func parseFloat(s string) (float64, error) {
	t := strings.TrimSpace(s)
	bad := t == ""
	for i := 0; i < len(t) && !bad; i++ {
		// strconv also accepts hex floats and digit separators; float8in
		// does not.
		if c := t[i]; c == '_' || c == 'x' || c == 'X' || c == 'p' || c == 'P' {
			bad = true
		}
	}
	if !bad {
		f, err := strconv.ParseFloat(t, 64)
		if err == nil {
			return f, nil
		}
		if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
			return 0, sqlerr.New(sqlerr.NumericOutOfRange, "%q is out of range for type double precision", s)
		}
	}
	return 0, sqlerr.New(sqlerr.InvalidText, "invalid input syntax for type double precision: %q", s)
}

// parseBool reads a boolean the way PostgreSQL's boolin does.
func parseBool(s string) (val, ok bool) {
	t := strings.ToLower(strings.TrimSpace(s))
	if t == "" {
		return false, false
	}
	switch {
	case strings.HasPrefix("true", t), strings.HasPrefix("yes", t), t == "1":
		return true, true
	case strings.HasPrefix("false", t), strings.HasPrefix("no", t), t == "0":
		return false, true
	case t == "on":
		return true, true
	case t == "of" || t == "off":
		return false, true
	}
	return false, false
}

// FormatFloat renders f as PostgreSQL's float8out does with the default
// extra_float_digits: the shortest text that reads back exactly, in
// positional notation when the decimal exponent is in [-4, 15) and in
// exponent notation (1e+20, 1.5e-05) otherwise; NaN, Infinity, -Infinity.
func FormatFloat(f float64) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	case f == 0:
		if math.Signbit(f) {
			return "-0"
		}
		return "0"
	}
	// The shortest exponent form gives the decimal exponent exactly.
	e := strconv.FormatFloat(f, 'e', -1, 64)
	exp := 0
	if i := strings.LastIndexByte(e, 'e'); i >= 0 {
		exp, _ = strconv.Atoi(e[i+1:])
	}
	if exp >= -4 && exp < 15 {
		return strconv.FormatFloat(f, 'f', -1, 64)
	}
	return e
}

// textOut is the text form of a value as PostgreSQL's output functions
// produce it, used by CONCAT, || and array_to_string. Bools are "t"/"f"
// (boolout); the cast to string spells them out instead.
func textOut(v types.Value) string {
	switch v.Kind() {
	case types.KindString:
		return v.Str()
	case types.KindInt:
		return strconv.FormatInt(v.Int(), 10)
	case types.KindFloat:
		return FormatFloat(v.Float())
	case types.KindBool:
		if v.Bool() {
			return "t"
		}
		return "f"
	case types.KindTimestamp:
		return FormatTimestamp(v.Micros())
	case types.KindInterval:
		return FormatInterval(v)
	case types.KindArray, types.KindObject:
		return v.JSON()
	}
	return ""
}

// FormatInterval writes an interval as PostgreSQL's default output style
// does: `1 year 2 mons 3 days 04:05:06.5`, `-1 days +02:00:00`,
// `00:00:00` for zero.
func FormatInterval(v types.Value) string {
	y, mo, d, h, mi, us := types.IntervalParts(v)
	var b []byte
	zero, before := true, false
	part := func(n int64, unit string) {
		if n == 0 {
			return
		}
		if !zero {
			b = append(b, ' ')
		}
		if before && n > 0 {
			b = append(b, '+')
		}
		b = strconv.AppendInt(b, n, 10)
		b = append(b, ' ')
		b = append(b, unit...)
		if n != 1 {
			b = append(b, 's')
		}
		before, zero = n < 0, false
	}
	part(y, "year")
	part(mo, "mon")
	part(d, "day")
	if zero || h != 0 || mi != 0 || us != 0 {
		if !zero {
			b = append(b, ' ')
		}
		switch {
		case h < 0 || mi < 0 || us < 0:
			b = append(b, '-')
		case before:
			b = append(b, '+')
		}
		two := func(n int64) {
			b = append(b, byte('0'+n/10), byte('0'+n%10))
		}
		if h = max(h, -h); h < 10 {
			b = append(b, '0')
		}
		b = strconv.AppendInt(b, h, 10) // hours are not bounded by a day
		b = append(b, ':')
		two(max(mi, -mi))
		b = append(b, ':')
		us = max(us, -us)
		if us < 10_000_000 {
			b = append(b, '0')
		}
		b = types.AppendSeconds(b, us)
	}
	return string(b)
}
