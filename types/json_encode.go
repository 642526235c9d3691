package types

import (
	"math"
	"strconv"
	"time"
	"unicode/utf8"
)

// TimestampLayout is how timestamps render in JSON: ISO-8601 in UTC with
// microseconds and a Z, as Rockset rendered them.
const TimestampLayout = "2006-01-02T15:04:05.000000Z"

// AppendJSON appends the JSON text of v to dst. Timestamps render as ISO-8601
// strings, intervals as ISO-8601 durations; floats that happen to be integral keep a ".0" so that the text
// decodes back to a float; NaN and infinities, which JSON cannot express,
// render as null. Undefined renders as null too (it only reaches here inside
// arrays built by queries).
func AppendJSON(dst []byte, v Value) []byte {
	switch v.kind {
	case KindUndefined, KindNull:
		return append(dst, "null"...)
	case KindBool:
		if v.num != 0 {
			return append(dst, "true"...)
		}
		return append(dst, "false"...)
	case KindInt:
		return strconv.AppendInt(dst, int64(v.num), 10)
	case KindFloat:
		return appendFloat(dst, v.Float())
	case KindString:
		return AppendJSONString(dst, v.str)
	case KindTimestamp:
		dst = append(dst, '"')
		dst = time.UnixMicro(int64(v.num)).UTC().AppendFormat(dst, TimestampLayout)
		return append(dst, '"')
	case KindArray:
		dst = append(dst, '[')
		for i, e := range v.Elems() {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = AppendJSON(dst, e)
		}
		return append(dst, ']')
	case KindObject:
		dst = append(dst, '{')
		for i, f := range v.Fields() {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = AppendJSONString(dst, f.Name)
			dst = append(dst, ':')
			dst = AppendJSON(dst, f.Value)
		}
		return append(dst, '}')
	case KindInterval: // last: rare, and the common kinds keep their order
		dst = append(dst, '"')
		dst = AppendISODuration(dst, v)
		return append(dst, '"')
	}
	return append(dst, "null"...)
}

// JSON returns the JSON text of v.
func (v Value) JSON() string { return string(AppendJSON(nil, v)) }

// String returns the JSON text of v, for debugging and test output.
func (v Value) String() string { return v.JSON() }

func appendFloat(dst []byte, f float64) []byte {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return append(dst, "null"...)
	}
	n := len(dst)
	dst = strconv.AppendFloat(dst, f, 'g', -1, 64)
	for _, c := range dst[n:] {
		if c == '.' || c == 'e' || c == 'n' || c == 'N' {
			return dst
		}
	}
	return append(dst, ".0"...)
}

const hexDigits = "0123456789abcdef"

// AppendJSONString appends s as a quoted JSON string.
func AppendJSONString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}
