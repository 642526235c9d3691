package file

import (
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/big"
	"sort"
	"strconv"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/basaltdb/basalt/types"
	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/deprecated"
	"github.com/parquet-go/parquet-go/format"
)

// parquetReader reads a Parquet file's rows as JSON objects: groups become
// objects, LIST and repeated fields arrays, MAP objects; timestamps become
// RFC 3339 strings (UTC, with Z, when the column is adjusted to UTC),
// dates 2006-01-02, times 15:04:05.999999999, decimals numbers, UUIDs
// their text form, JSON columns the JSON itself, and binary that is not
// UTF-8 base64. A document's position is its row index.
type parquetReader struct {
	name   string
	r      *parquet.Reader
	schema *parquet.Schema
	row    int64 // index of the next row
	rows   int64
	done   *atomic.Int64 // rows read, for progress
	doc    []byte
}

func newParquetReader(ra io.ReaderAt, size int64, name string, skip int64, done *atomic.Int64) (pr *parquetReader, err error) {
	// parquet-go panics on some malformed input; a bad file must stop only
	// itself.
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("bad Parquet: %v", p)
		}
	}()
	f, err := parquet.OpenFile(ra, size, parquet.SkipPageIndex(true), parquet.SkipBloomFilters(true))
	if err != nil {
		return nil, fmt.Errorf("bad Parquet: %w", err)
	}
	r := parquet.NewReader(f)
	pr = &parquetReader{name: name, r: r, schema: r.Schema(), rows: r.NumRows(), done: done}
	if skip >= 0 {
		pr.row = min(skip+1, pr.rows)
		if err := r.SeekToRow(pr.row); err != nil {
			return nil, fmt.Errorf("seek to row %d: %w", pr.row, err)
		}
		done.Store(pr.row)
	}
	return pr, nil
}

func (p *parquetReader) next() (doc []byte, pos Position, err error) {
	pos = Position{Object: p.name, Offset: p.row}
	if p.row >= p.rows {
		return nil, pos, io.EOF
	}
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("bad Parquet at row %d: %v", p.row+1, r)
		}
	}()
	m := map[string]any{}
	if err := p.r.Read(&m); err != nil {
		if err == io.EOF {
			return nil, pos, io.EOF
		}
		return nil, pos, fmt.Errorf("bad Parquet at row %d: %w", p.row+1, err)
	}
	p.row++
	p.done.Store(p.row)
	p.doc = appendGroup(p.doc[:0], p.schema, m)
	return p.doc, pos, nil
}

// appendGroup appends a group's fields, in schema order, as an object.
func appendGroup(dst []byte, n parquet.Node, v any) []byte {
	m, _ := v.(map[string]any)
	dst = append(dst, '{')
	for i, f := range n.Fields() {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = types.AppendJSONString(dst, f.Name())
		dst = append(dst, ':')
		dst = appendField(dst, f, m[f.Name()])
	}
	return append(dst, '}')
}

// appendField appends a field's value: an array for a repeated field.
func appendField(dst []byte, n parquet.Node, v any) []byte {
	if !n.Repeated() {
		return appendValue(dst, n, v)
	}
	dst = append(dst, '[')
	if a, ok := v.([]any); ok {
		for i, e := range a {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendValue(dst, n, e)
		}
	}
	return append(dst, ']')
}

func appendValue(dst []byte, n parquet.Node, v any) []byte {
	if v == nil {
		return append(dst, "null"...)
	}
	var lt format.LogicalTypeValue
	if l := n.Type().LogicalType(); l != nil {
		lt = l.Value
	}
	if !n.Leaf() {
		switch lt.(type) {
		case *format.ListType:
			return appendList(dst, n, v)
		case *format.MapType:
			return appendMap(dst, n, v)
		}
		return appendGroup(dst, n, v)
	}
	switch t := lt.(type) {
	case *format.TimestampType:
		if i, ok := asInt64(v); ok {
			return appendTime(dst, time.Unix(0, 0).Add(time.Duration(i)*t.Unit.Value.Duration()).UTC(), t.IsAdjustedToUTC)
		}
	case *format.DateType:
		if i, ok := asInt64(v); ok {
			return strconv.AppendQuote(dst, time.Unix(i*86400, 0).UTC().Format(time.DateOnly))
		}
	case *format.TimeType:
		if i, ok := asInt64(v); ok {
			d := time.Duration(i) * t.Unit.Value.Duration()
			return strconv.AppendQuote(dst, time.Unix(0, 0).UTC().Add(d).Format("15:04:05.999999999"))
		}
	case *format.DecimalType:
		var x *big.Int
		switch w := v.(type) {
		case string:
			x = new(big.Int).SetBytes([]byte(w))
			if len(w) > 0 && w[0]&0x80 != 0 { // two's complement
				x.Sub(x, new(big.Int).Lsh(big.NewInt(1), uint(8*len(w))))
			}
		case []byte:
			return appendValue(dst, n, string(w))
		default:
			if i, ok := asInt64(v); ok {
				x = big.NewInt(i)
			}
		}
		if x != nil {
			return append(dst, decimalText(x, int(t.Scale))...)
		}
	case *format.UUIDType:
		if b := asBytes(v); len(b) == 16 {
			h := hex.EncodeToString(b)
			return strconv.AppendQuote(dst, h[:8]+"-"+h[8:12]+"-"+h[12:16]+"-"+h[16:20]+"-"+h[20:])
		}
	case *format.JsonType:
		if b := asBytes(v); b != nil && json.Valid(b) {
			return appendCompact(dst, b)
		}
	}
	switch w := v.(type) {
	case bool:
		return strconv.AppendBool(dst, w)
	case float32:
		return appendFloat(dst, float64(w), 32)
	case float64:
		return appendFloat(dst, w, 64)
	case string:
		return appendBinary(dst, []byte(w))
	case []byte:
		return appendBinary(dst, w)
	case deprecated.Int96:
		// Spark's legacy timestamps: nanoseconds of the day, then the
		// Julian day.
		nanos := int64(uint64(w[1])<<32 | uint64(w[0]))
		days := int64(w[2]) - 2440588
		return appendTime(dst, time.Unix(days*86400, nanos).UTC(), true)
	}
	if i, ok := asInt64(v); ok {
		return strconv.AppendInt(dst, i, 10)
	}
	if u, ok := v.(uint64); ok {
		return strconv.AppendUint(dst, u, 10)
	}
	b, err := json.Marshal(v)
	if err != nil {
		return types.AppendJSONString(dst, fmt.Sprint(v))
	}
	return append(dst, b...)
}

// appendList appends a LIST group: group (LIST) { repeated group list {
// element } }, or the legacy two-level form whose repeated field is the
// element itself.
func appendList(dst []byte, n parquet.Node, v any) []byte {
	elem := parquet.Node(n)
	if fs := n.Fields(); len(fs) == 1 {
		elem = fs[0]
		if !elem.Leaf() && len(elem.Fields()) == 1 {
			elem = elem.Fields()[0]
		}
	}
	a, _ := v.([]any)
	dst = append(dst, '[')
	for i, e := range a {
		if i > 0 {
			dst = append(dst, ',')
		}
		if elem.Repeated() {
			dst = appendField(dst, elem, e)
		} else {
			dst = appendValue(dst, elem, e)
		}
	}
	return append(dst, ']')
}

// appendMap appends a MAP group as an object, keys sorted.
func appendMap(dst []byte, n parquet.Node, v any) []byte {
	m, ok := v.(map[string]any)
	if !ok {
		b, _ := json.Marshal(v)
		return append(dst, b...)
	}
	var val parquet.Node
	if fs := n.Fields(); len(fs) == 1 && len(fs[0].Fields()) == 2 {
		val = fs[0].Fields()[1]
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	dst = append(dst, '{')
	for i, k := range keys {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = types.AppendJSONString(dst, k)
		dst = append(dst, ':')
		if val == nil {
			b, _ := json.Marshal(m[k])
			dst = append(dst, b...)
		} else {
			dst = appendField(dst, val, m[k])
		}
	}
	return append(dst, '}')
}

func appendTime(dst []byte, t time.Time, utc bool) []byte {
	if utc {
		return strconv.AppendQuote(dst, t.Format(time.RFC3339Nano))
	}
	return strconv.AppendQuote(dst, t.Format("2006-01-02T15:04:05.999999999"))
}

func appendFloat(dst []byte, f float64, bits int) []byte {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return append(dst, "null"...)
	}
	return strconv.AppendFloat(dst, f, 'g', -1, bits)
}

// appendBinary appends bytes as a string when they are UTF-8, else as
// base64.
func appendBinary(dst, b []byte) []byte {
	if utf8.Valid(b) {
		return types.AppendJSONString(dst, string(b))
	}
	return strconv.AppendQuote(dst, base64.StdEncoding.EncodeToString(b))
}

func appendCompact(dst, b []byte) []byte {
	var m json.RawMessage = b
	out, err := json.Marshal(m)
	if err != nil {
		return append(dst, "null"...)
	}
	return append(dst, out...)
}

func asInt64(v any) (int64, bool) {
	switch w := v.(type) {
	case int:
		return int64(w), true
	case int8:
		return int64(w), true
	case int16:
		return int64(w), true
	case int32:
		return int64(w), true
	case int64:
		return w, true
	case uint8:
		return int64(w), true
	case uint16:
		return int64(w), true
	case uint32:
		return int64(w), true
	}
	return 0, false
}

func asBytes(v any) []byte {
	switch w := v.(type) {
	case string:
		return []byte(w)
	case []byte:
		return w
	case [16]byte:
		return w[:]
	}
	return nil
}

// decimalText writes an unscaled integer with scale digits after the
// point.
func decimalText(x *big.Int, scale int) string {
	s := x.String()
	if scale <= 0 {
		return s
	}
	neg := s[0] == '-'
	if neg {
		s = s[1:]
	}
	for len(s) <= scale {
		s = "0" + s
	}
	s = s[:len(s)-scale] + "." + s[len(s)-scale:]
	if neg {
		s = "-" + s
	}
	return s
}
