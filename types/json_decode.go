package types

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/bits"
	"strconv"
	"strings"
	"unicode/utf8"
	"unsafe"
)

// Limits bound what one document may be. A document over a limit is refused
// with a DocError naming the limit and where it was crossed.
type Limits struct {
	// MaxDepth is the deepest nesting of arrays and objects (the document
	// itself is depth 1). Default 100.
	MaxDepth int
	// MaxDocBytes is the largest JSON text of one document. Default 16 MiB.
	MaxDocBytes int
	// MaxFieldNameBytes is the longest field name. Default 1,024.
	MaxFieldNameBytes int
}

// DefaultLimits are the limits a server applies unless configured otherwise.
var DefaultLimits = Limits{MaxDepth: 100, MaxDocBytes: 16 << 20, MaxFieldNameBytes: 1024}

// EnsureDefaults fills zero fields with DefaultLimits.
func (l *Limits) EnsureDefaults() {
	if l.MaxDepth <= 0 {
		l.MaxDepth = DefaultLimits.MaxDepth
	}
	if l.MaxDocBytes <= 0 {
		l.MaxDocBytes = DefaultLimits.MaxDocBytes
	}
	if l.MaxFieldNameBytes <= 0 {
		l.MaxFieldNameBytes = DefaultLimits.MaxFieldNameBytes
	}
}

// SyntaxError is malformed JSON: the input is not JSON at all, so nothing in
// it can be trusted.
type SyntaxError struct {
	Offset int // byte offset in the input
	Msg    string
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("invalid JSON at byte %d: %s", e.Offset, e.Msg)
}

// DocError is a well-formed JSON value that is not an acceptable document (too
// deep, bad field name, number out of range...). Path is the JSON pointer of
// the offending place ("" for the document itself).
type DocError struct {
	Path string
	Msg  string
}

func (e *DocError) Error() string {
	if e.Path == "" {
		return e.Msg
	}
	return fmt.Sprintf("%s at %s", e.Msg, e.Path)
}

// IsSyntaxError reports whether err is (or wraps) a *SyntaxError.
func IsSyntaxError(err error) bool {
	var se *SyntaxError
	return errors.As(err, &se)
}

// Decoder parses JSON into Values. It allocates arrays and objects from
// chunked slabs to keep garbage low at ingest rates.
//
// Ownership: strings without escapes alias the input buffer, so the input must
// not be modified while the returned Values are in use. Call Value.Clone to
// detach a value. A Decoder is not safe for concurrent use.
type Decoder struct {
	limits Limits

	valStack   []Value
	fieldStack []Field
	nameKeys   []uint64 // nameKey of each fieldStack entry
	valSlab    []Value
	fieldSlab  []Field
	// Full chunks, kept so Reset can reuse them.
	valChunks   [][]Value
	fieldChunks [][]Field
	nextVal     int // index in valChunks of the next chunk to reuse
	nextField   int
}

// NewDecoder returns a decoder enforcing limits (zero fields take defaults).
func NewDecoder(limits Limits) *Decoder {
	limits.EnsureDefaults()
	return &Decoder{limits: limits}
}

// Limits returns the limits the decoder enforces.
func (d *Decoder) Limits() Limits { return d.limits }

// Decode parses b, which must hold exactly one JSON value (surrounded by
// optional white space). A syntax error is a *SyntaxError; a limit or
// content error is a *DocError.
func (d *Decoder) Decode(b []byte) (Value, error) {
	i := skipSpace(b, 0)
	v, end, err := d.DecodeAt(b, i)
	if err != nil {
		return Value{}, err
	}
	end = skipSpace(b, end)
	if end != len(b) {
		return Value{}, &SyntaxError{Offset: end, Msg: "unexpected data after the value"}
	}
	return v, nil
}

// DecodeAt parses the JSON value that starts at b[i] (no leading white
// space) and returns it with the offset just past it. The document-size
// limit applies to the value's text. On a *DocError the returned offset is
// still the end of the value when the value is well-formed, so a caller can
// report the document and go on with its neighbours.
func (d *Decoder) DecodeAt(b []byte, i int) (Value, int, error) {
	v, end, err := d.value(b, i, 1)
	if err != nil {
		var de *DocError
		if errors.As(err, &de) {
			// Find the end of the offending value without limits so
			// the caller can continue after it.
			e, serr := SkipValue(b, i)
			if serr != nil {
				return Value{}, i, serr
			}
			return Value{}, e, err
		}
		return Value{}, i, err
	}
	if end-i > d.limits.MaxDocBytes {
		return Value{}, end, &DocError{Msg: fmt.Sprintf("document is %d bytes, over the limit of %d bytes", end-i, d.limits.MaxDocBytes)}
	}
	return v, end, nil
}

func (d *Decoder) value(b []byte, i, depth int) (Value, int, error) {
	if i >= len(b) {
		return Value{}, i, &SyntaxError{Offset: i, Msg: "unexpected end of input"}
	}
	switch c := b[i]; c {
	case '{':
		return d.object(b, i, depth)
	case '[':
		return d.array(b, i, depth)
	case '"':
		s, end, err := d.str(b, i)
		if err != nil {
			return Value{}, i, err
		}
		return String(s), end, nil
	case 't':
		if hasLiteral(b, i, "true") {
			return Bool(true), i + 4, nil
		}
	case 'f':
		if hasLiteral(b, i, "false") {
			return Bool(false), i + 5, nil
		}
	case 'n':
		if hasLiteral(b, i, "null") {
			return Null, i + 4, nil
		}
	default:
		if c == '-' || (c >= '0' && c <= '9') {
			return number(b, i)
		}
	}
	return Value{}, i, &SyntaxError{Offset: i, Msg: fmt.Sprintf("unexpected character %s", quoteChar(b[i]))}
}

func (d *Decoder) object(b []byte, i, depth int) (Value, int, error) {
	if depth > d.limits.MaxDepth {
		return Value{}, i, &DocError{Msg: fmt.Sprintf("nesting depth exceeds the limit of %d", d.limits.MaxDepth)}
	}
	i = skipSpace(b, i+1)
	base := len(d.fieldStack)
	defer func() {
		d.fieldStack = d.fieldStack[:base]
		d.nameKeys = d.nameKeys[:base]
	}()
	if i < len(b) && b[i] == '}' {
		return Object(nil), i + 1, nil
	}
	// names indexes the field names once an object is wide: scanning the
	// fields for duplicates is quadratic, and a 400 KB object of short
	// names took 5 s to decode.
	var names map[string]struct{}
	for {
		if i >= len(b) || b[i] != '"' {
			return Value{}, i, &SyntaxError{Offset: i, Msg: "expected a string field name"}
		}
		name, end, err := d.str(b, i)
		if err != nil {
			return Value{}, i, nameError(err, b, i)
		}
		// A name without escapes has no control characters (they are
		// syntax errors in JSON strings) and was checked for UTF-8 by
		// str: only its length is left to check. Every escape is longer
		// than what it decodes to, so a name as long as its text has none.
		if len(name) == 0 || len(name) > d.limits.MaxFieldNameBytes || len(name) != end-i-2 {
			if err := d.checkName(name); err != nil {
				return Value{}, i, err
			}
		}
		i = skipSpace(b, end)
		if i >= len(b) || b[i] != ':' {
			return Value{}, i, &SyntaxError{Offset: i, Msg: "expected ':' after field name"}
		}
		i = skipSpace(b, i+1)
		v, end, err := d.value(b, i, depth+1)
		if err != nil {
			return Value{}, i, prefixPath(err, escapePointer(name))
		}
		dup := false
		if names != nil {
			_, dup = names[name]
			names[name] = struct{}{}
		} else {
			// Compare packed keys (length and first bytes) before names:
			// 8 contiguous bytes per field instead of 56-byte Fields.
			key := nameKey(name)
			for j, k := range d.nameKeys[base:] {
				if k == key && d.fieldStack[base+j].Name == name {
					dup = true
					break
				}
			}
			if !dup && len(d.fieldStack)-base >= wideObject {
				names = make(map[string]struct{}, 4*wideObject)
				for _, f := range d.fieldStack[base:] {
					names[f.Name] = struct{}{}
				}
				names[name] = struct{}{}
			}
		}
		if dup {
			return Value{}, i, &DocError{Path: "/" + escapePointer(name), Msg: fmt.Sprintf("duplicate field name %q", name)}
		}
		d.fieldStack = append(d.fieldStack, Field{Name: name, Value: v})
		d.nameKeys = append(d.nameKeys, nameKey(name))
		i = skipSpace(b, end)
		if i < len(b) && b[i] == ',' {
			i = skipSpace(b, i+1)
			continue
		}
		if i < len(b) && b[i] == '}' {
			i++
			break
		}
		return Value{}, i, &SyntaxError{Offset: i, Msg: "expected ',' or '}' in object"}
	}
	return Object(d.allocFields(d.fieldStack[base:])), i, nil
}

func (d *Decoder) array(b []byte, i, depth int) (Value, int, error) {
	if depth > d.limits.MaxDepth {
		return Value{}, i, &DocError{Msg: fmt.Sprintf("nesting depth exceeds the limit of %d", d.limits.MaxDepth)}
	}
	i = skipSpace(b, i+1)
	base := len(d.valStack)
	defer func() { d.valStack = d.valStack[:base] }()
	if i < len(b) && b[i] == ']' {
		return Array(nil), i + 1, nil
	}
	for n := 0; ; n++ {
		v, end, err := d.value(b, i, depth+1)
		if err != nil {
			return Value{}, i, prefixPath(err, strconv.Itoa(n))
		}
		d.valStack = append(d.valStack, v)
		i = skipSpace(b, end)
		if i < len(b) && b[i] == ',' {
			i = skipSpace(b, i+1)
			continue
		}
		if i < len(b) && b[i] == ']' {
			i++
			break
		}
		return Value{}, i, &SyntaxError{Offset: i, Msg: "expected ',' or ']' in array"}
	}
	return Array(d.allocVals(d.valStack[base:])), i, nil
}

// wideObject is the field count from which duplicate names are found with a
// map instead of a scan of the fields so far.
const wideObject = 32

// slabChunk is the largest slab allocation; 512 values is 20 KiB, large
// enough that a typical document's arrays and objects share a few chunks. A
// decoder's first chunks are smaller (firstChunk, doubling): a decoder used
// for one document, as a read by _id, zeroed 30 KiB of slabs for a 1 KiB
// document, a tenth of a point query's time.
const (
	slabChunk  = 512
	firstChunk = 32
)

// chunkCap is the capacity of a decoder's i-th slab chunk.
func chunkCap(i int) int { return min(slabChunk, firstChunk<<min(i, 8)) }

func (d *Decoder) allocVals(src []Value) []Value {
	vals := d.reserveVals(len(src))
	copy(vals, src)
	return vals
}

// reserveVals returns n values from the slab, to be filled in.
func (d *Decoder) reserveVals(n int) []Value {
	if n > cap(d.valSlab)-len(d.valSlab) {
		// Chunks grow: skip those too small for n values.
		for d.nextVal < len(d.valChunks) && n > cap(d.valChunks[d.nextVal]) && n <= slabChunk {
			d.nextVal++
		}
		switch {
		case d.nextVal < len(d.valChunks) && n <= cap(d.valChunks[d.nextVal]):
			d.valSlab = d.valChunks[d.nextVal][:0]
			d.nextVal++
		case d.nextVal == len(d.valChunks) && n <= slabChunk:
			d.valSlab = make([]Value, 0, max(n, chunkCap(d.nextVal)))
			d.valChunks = append(d.valChunks, d.valSlab)
			d.nextVal++
		default: // too large for a chunk: an allocation of its own
			d.valSlab = make([]Value, 0, n)
		}
	}
	at := len(d.valSlab)
	d.valSlab = d.valSlab[:at+n]
	return d.valSlab[at : at+n : at+n]
}

func (d *Decoder) allocFields(src []Field) []Field {
	if len(src) > cap(d.fieldSlab)-len(d.fieldSlab) {
		// Chunks grow: skip those too small for src.
		for d.nextField < len(d.fieldChunks) && len(src) > cap(d.fieldChunks[d.nextField]) && len(src) <= slabChunk/2 {
			d.nextField++
		}
		switch {
		case d.nextField < len(d.fieldChunks) && len(src) <= cap(d.fieldChunks[d.nextField]):
			d.fieldSlab = d.fieldChunks[d.nextField][:0]
			d.nextField++
		case d.nextField == len(d.fieldChunks) && len(src) <= slabChunk/2:
			d.fieldSlab = make([]Field, 0, max(len(src), chunkCap(d.nextField)/2))
			d.fieldChunks = append(d.fieldChunks, d.fieldSlab)
			d.nextField++
		default: // too large for a chunk: an allocation of its own
			d.fieldSlab = make([]Field, 0, len(src))
		}
	}
	n := len(d.fieldSlab)
	d.fieldSlab = append(d.fieldSlab, src...)
	return d.fieldSlab[n:len(d.fieldSlab):len(d.fieldSlab)]
}

// Reset makes the decoder reuse the memory of every value it returned so
// far: those values become invalid. Servers pool decoders and reset them once
// a request is done with its documents, so decoding allocates (and the
// garbage collector scans) nothing new at steady state.
//
// The chunks used are cleared: their values point into the inputs they
// were decoded from (strings alias them), and a kept chunk would keep an
// input alive, a Kafka fetch of megabytes for one stale string. Of the
// chunks, at most maxKeptChunkBytes of each kind are kept for reuse (a
// request of 1,000 RockBench documents takes 2.5 MB, a Kafka partition's
// commit of 2 MiB of JSON 5): a decoder that once decoded a huge batch does
// not hold its memory for good. A Kafka source's sixteen decoders held
// 370 MB, and the fetches their stale strings pointed into 280 more.
func (d *Decoder) Reset() {
	d.valChunks = resetChunks(d.valChunks, d.nextVal, d.valSlab, maxKeptChunkBytes/int(unsafe.Sizeof(Value{})))
	d.fieldChunks = resetChunks(d.fieldChunks, d.nextField, d.fieldSlab, maxKeptChunkBytes/int(unsafe.Sizeof(Field{})))
	d.valSlab, d.fieldSlab = nil, nil
	d.nextVal, d.nextField = 0, 0
	// The stacks are scratch, empty between values, but their arrays
	// still hold the entries of the widest array and object decoded.
	d.valStack = resetStack(d.valStack)
	d.fieldStack = resetStack(d.fieldStack)
	d.nameKeys = d.nameKeys[:0]
}

// resetStack clears a scratch stack's array, or drops it when it grew
// past a chunk (one huge array or object).
func resetStack[T any](s []T) []T {
	if cap(s) > slabChunk {
		return nil
	}
	clear(s[:cap(s)])
	return s[:0]
}

// maxKeptChunkBytes bounds the slab chunks of each kind a decoder keeps
// across Reset.
const maxKeptChunkBytes = 8 << 20

// resetChunks clears the chunks used since the last Reset (the current one,
// slab, only as far as it was filled) and keeps chunks up to keep elements
// in all, dropping the rest. Unused chunks were cleared and counted by an
// earlier Reset: chunks are only added once all the kept ones are used.
func resetChunks[T any](chunks [][]T, used int, slab []T, keep int) [][]T {
	n := 0
	for i, c := range chunks[:used] {
		if i == used-1 && cap(slab) > 0 && cap(c) > 0 && &slab[:1][0] == &c[:1][0] {
			clear(slab)
		} else {
			clear(c[:cap(c)])
		}
		if n += cap(c); n > keep {
			clear(chunks[i:])
			return chunks[:i]
		}
	}
	return chunks
}

// CheckFieldName applies the field-name rules: non-empty, valid UTF-8, no
// NUL or other control characters, at most MaxFieldNameBytes bytes.
func (d *Decoder) checkName(name string) error {
	if err := CheckFieldName(name, d.limits.MaxFieldNameBytes); err != nil {
		return &DocError{Path: "/" + escapePointer(name), Msg: err.Error()}
	}
	return nil
}

// CheckFieldName reports why name is not an acceptable field name, or nil.
func CheckFieldName(name string, maxBytes int) error {
	if name == "" {
		return errors.New("field name must not be empty")
	}
	if maxBytes > 0 && len(name) > maxBytes {
		return fmt.Errorf("field name is %d bytes, over the limit of %d bytes", len(name), maxBytes)
	}
	for i := 0; i < len(name); i++ {
		if name[i] < 0x20 || name[i] == 0x7f {
			return fmt.Errorf("field name %q contains control character %#x", name, name[i])
		}
	}
	if !utf8.ValidString(name) {
		return fmt.Errorf("field name %q is not valid UTF-8", name)
	}
	return nil
}

func prefixPath(err error, seg string) error {
	var de *DocError
	if errors.As(err, &de) {
		return &DocError{Path: "/" + seg + de.Path, Msg: de.Msg}
	}
	return err
}

// escapePointer escapes a field name as a JSON-pointer segment (RFC 6901).
func escapePointer(s string) string {
	if !strings.ContainsAny(s, "~/") {
		return s
	}
	return strings.NewReplacer("~", "~0", "/", "~1").Replace(s)
}

func hasLiteral(b []byte, i int, lit string) bool {
	return len(b)-i >= len(lit) && string(b[i:i+len(lit)]) == lit
}

func quoteChar(c byte) string {
	if c >= 0x20 && c < 0x7f {
		return strconv.QuoteRune(rune(c))
	}
	return fmt.Sprintf("byte %#02x", c)
}

func skipSpace(b []byte, i int) int {
	for i < len(b) {
		switch b[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

// str parses the string starting at the quote b[i]. A string without escapes
// aliases b.
func (d *Decoder) str(b []byte, i int) (string, int, error) {
	start := i + 1
	j := start
	high := false // a non-ASCII byte was seen: validate UTF-8 at the end
	for {
		// Eight bytes at a time while none of them ends the plain run: a
		// quote, a backslash, a control character or (until one was
		// seen) a non-ASCII byte; long text fields are most of an
		// event's bytes. The lowest byte flagged is the first stop, so
		// the scan jumps to it instead of stepping there a byte at a time.
		if j+8 <= len(b) {
			m := plainStops(binary.LittleEndian.Uint64(b[j:]), high)
			if m == 0 {
				j += 8
				continue
			}
			j += bits.TrailingZeros64(m) >> 3
		} else if j >= len(b) {
			return "", j, &SyntaxError{Offset: i, Msg: "unterminated string"}
		}
		switch c := b[j]; {
		case c == '"':
			s := b[start:j]
			if high && !utf8.Valid(s) {
				return "", i, &DocError{Msg: "string is not valid UTF-8"}
			}
			if len(s) == 0 {
				return "", j + 1, nil
			}
			return unsafe.String(&s[0], len(s)), j + 1, nil
		case c == '\\':
			return unescape(b, i, j)
		case c < 0x20:
			return "", j, &SyntaxError{Offset: j, Msg: "control character in string"}
		case c >= 0x80:
			high = true
		}
		j++
	}
}

// nameError says that a field name's string error (b[i] its quote) is a
// field name's, and which, as checkName's rules do. Apart from object, its
// caller, which runs for every object decoded.
//
//go:noinline
func nameError(err error, b []byte, i int) error {
	var de *DocError
	if !errors.As(err, &de) {
		return err
	}
	raw := rawString(b, i)
	return &DocError{Path: "/" + escapePointer(strings.ToValidUTF8(raw, "\uFFFD")), Msg: fmt.Sprintf("field name %q is not valid UTF-8", raw)}
}

// rawString returns the bytes of the JSON string starting at b[i] (its
// quote) up to its closing quote, escapes as written: for messages.
func rawString(b []byte, i int) string {
	j := i + 1
	for j < len(b) && b[j] != '"' {
		if b[j] == '\\' {
			j++
		}
		j++
	}
	return string(b[i+1 : min(j, len(b))])
}

// plainStops flags (bit 7 of each byte) the bytes of w that end a plain
// run of a string: a quote, a backslash, a control character, and unless
// nonASCIISeen a byte of 0x80 or more. SWAR: a byte b is zero in x^b when x
// holds it, and x - 0x01… borrows into bit 7 of each zero byte; a borrow
// can flag bytes above a true stop, never below, so the lowest flag is
// exact.
func plainStops(w uint64, nonASCIISeen bool) uint64 {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	hasZero := func(x uint64) uint64 { return (x - ones) &^ x & highs }
	m := hasZero(w^(ones*'"')) | hasZero(w^(ones*'\\')) | (w-ones*0x20)&^w&highs
	if !nonASCIISeen {
		m |= w & highs
	}
	return m
}

// unescape decodes a string with escapes; b[i] is the opening quote and b[j]
// the first backslash.
func unescape(b []byte, i, j int) (string, int, error) {
	out := make([]byte, 0, j-i+16)
	out = append(out, b[i+1:j]...)
	for j < len(b) {
		c := b[j]
		switch {
		case c == '"':
			if !utf8.Valid(out) {
				return "", i, &DocError{Msg: "string is not valid UTF-8"}
			}
			return string(out), j + 1, nil
		case c < 0x20:
			return "", j, &SyntaxError{Offset: j, Msg: "control character in string"}
		case c != '\\':
			out = append(out, c)
			j++
			continue
		}
		if j+1 >= len(b) {
			break
		}
		e := b[j+1]
		j += 2
		switch e {
		case '"', '\\', '/':
			out = append(out, e)
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			r, ok := hex4(b, j)
			if !ok {
				return "", j, &SyntaxError{Offset: j - 2, Msg: "invalid \\u escape"}
			}
			j += 4
			if utf16IsSurrogate(r) {
				// A high surrogate must be followed by a low one; a
				// lone surrogate becomes U+FFFD, as encoding/json does.
				if r < 0xdc00 && j+6 <= len(b) && b[j] == '\\' && b[j+1] == 'u' {
					if r2, ok := hex4(b, j+2); ok && r2 >= 0xdc00 && r2 < 0xe000 {
						r = 0x10000 + (r-0xd800)<<10 + (r2 - 0xdc00)
						j += 6
					} else {
						r = utf8.RuneError
					}
				} else {
					r = utf8.RuneError
				}
			}
			out = utf8.AppendRune(out, r)
		default:
			return "", j, &SyntaxError{Offset: j - 2, Msg: fmt.Sprintf("invalid escape \\%c", e)}
		}
	}
	return "", j, &SyntaxError{Offset: i, Msg: "unterminated string"}
}

func utf16IsSurrogate(r rune) bool { return r >= 0xd800 && r < 0xe000 }

func hex4(b []byte, j int) (rune, bool) {
	if j+4 > len(b) {
		return 0, false
	}
	var r rune
	for _, c := range b[j : j+4] {
		switch {
		case c >= '0' && c <= '9':
			r = r<<4 | rune(c-'0')
		case c >= 'a' && c <= 'f':
			r = r<<4 | rune(c-'a'+10)
		case c >= 'A' && c <= 'F':
			r = r<<4 | rune(c-'A'+10)
		default:
			return 0, false
		}
	}
	return r, true
}

// number parses a JSON number. Integers that fit int64 become ints; all
// others (fractions, exponents, larger integers) become floats. A larger
// integer keeps its literal (Value.IntegerText), so that an _id such as
// 12345678901234567890 keeps its digits; this is the rare path, past
// ParseInt's failure, and costs the common ones nothing.
func number(b []byte, i int) (Value, int, error) {
	j := i
	if b[j] == '-' {
		j++
	}
	intStart := j
	for j < len(b) && b[j] >= '0' && b[j] <= '9' {
		j++
	}
	if j == intStart {
		return Value{}, i, &SyntaxError{Offset: i, Msg: "invalid number"}
	}
	if b[intStart] == '0' && j-intStart > 1 {
		return Value{}, i, &SyntaxError{Offset: i, Msg: "invalid number: leading zero"}
	}
	isFloat := false
	if j < len(b) && b[j] == '.' {
		isFloat = true
		j++
		s := j
		for j < len(b) && b[j] >= '0' && b[j] <= '9' {
			j++
		}
		if j == s {
			return Value{}, i, &SyntaxError{Offset: i, Msg: "invalid number: no digits after '.'"}
		}
	}
	if j < len(b) && (b[j] == 'e' || b[j] == 'E') {
		isFloat = true
		j++
		if j < len(b) && (b[j] == '+' || b[j] == '-') {
			j++
		}
		s := j
		for j < len(b) && b[j] >= '0' && b[j] <= '9' {
			j++
		}
		if j == s {
			return Value{}, i, &SyntaxError{Offset: i, Msg: "invalid number: no digits in exponent"}
		}
	}
	text := unsafe.String(&b[i], j-i)
	if !isFloat && j-intStart <= 18 {
		// Up to 18 digits always fit in an int64.
		var n int64
		for _, c := range b[intStart:j] {
			n = n*10 + int64(c-'0')
		}
		if b[i] == '-' {
			n = -n
		}
		return Int(n), j, nil
	}
	if !isFloat {
		if n, err := strconv.ParseInt(text, 10, 64); err == nil {
			return Int(n), j, nil
		}
	}
	f, err := strconv.ParseFloat(text, 64)
	if err != nil || math.IsInf(f, 0) {
		return Value{}, i, &DocError{Msg: fmt.Sprintf("number %s is out of range", text)}
	}
	if !isFloat {
		return Value{kind: KindFloat, num: math.Float64bits(f), str: text}, j, nil
	}
	return Float(f), j, nil
}

// SkipValue returns the offset just past the JSON value starting at b[i]. It
// checks syntax loosely (brackets, strings, literals) but has no depth limit
// and no recursion, so it can step over any document a DocError refused.
func SkipValue(b []byte, i int) (int, error) {
	depth := 0
	for {
		i = skipSpace(b, i)
		if i >= len(b) {
			return i, &SyntaxError{Offset: i, Msg: "unexpected end of input"}
		}
		switch c := b[i]; {
		case c == '{' || c == '[':
			depth++
			i++
			continue
		case c == '}' || c == ']':
			if depth == 0 {
				return i, &SyntaxError{Offset: i, Msg: fmt.Sprintf("unexpected %s", quoteChar(c))}
			}
			depth--
			i++
		case c == '"':
			j := i + 1
			for j < len(b) && b[j] != '"' {
				if b[j] == '\\' {
					j++
				}
				j++
			}
			if j >= len(b) {
				return i, &SyntaxError{Offset: i, Msg: "unterminated string"}
			}
			i = j + 1
		case c == ',' || c == ':':
			if depth == 0 {
				return i, &SyntaxError{Offset: i, Msg: fmt.Sprintf("unexpected %s", quoteChar(c))}
			}
			i++
			continue
		default:
			j := i
			for j < len(b) && (b[j] == '-' || b[j] == '+' || b[j] == '.' || (b[j] >= '0' && b[j] <= '9') || (b[j] >= 'a' && b[j] <= 'z') || (b[j] >= 'A' && b[j] <= 'Z')) {
				j++
			}
			if j == i {
				return i, &SyntaxError{Offset: i, Msg: fmt.Sprintf("unexpected character %s", quoteChar(c))}
			}
			i = j
		}
		if depth == 0 {
			return i, nil
		}
	}
}

// nameKey packs a name's length and first seven bytes: equal names have equal
// keys, and most different names in one object have different keys.
func nameKey(name string) uint64 {
	k := uint64(len(name)) << 56
	for i := 0; i < len(name) && i < 7; i++ {
		k |= uint64(name[i]) << (8 * i)
	}
	return k
}
