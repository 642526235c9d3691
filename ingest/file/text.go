package file

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/basaltdb/basalt/types"
)

// docReader reads one object's documents in order. next returns a
// document's JSON text, valid until the next call, with its position; a
// *DocError for a bad document (the reader goes on); io.EOF at the end; or
// another error, which stops the object. Documents at or before skip (an
// offset; -1 for none) are read past without a word.
type docReader interface {
	next() ([]byte, Position, error)
}

// CheckDoc says why b cannot be sent as a document, or "" if it can. A
// server rejects a body holding anything but JSON whole, so each document
// is checked before it joins a batch; a caller that leaves the check to the
// server (Config.NoSyntaxCheck) words a refused line with it.
func CheckDoc(b []byte) string {
	if !json.Valid(b) {
		var v json.RawMessage
		if err := json.Unmarshal(b, &v); err != nil {
			return "invalid JSON: " + err.Error()
		}
		return "invalid JSON"
	}
	if b[0] != '{' {
		return "a document must be a JSON object, got " + jsonKind(b[0])
	}
	return ""
}

func jsonKind(c byte) string {
	switch c {
	case '[':
		return "array"
	case '"':
		return "string"
	case 't', 'f':
		return "bool"
	case 'n':
		return "null"
	}
	return "number"
}

// docChecker is CheckDoc with the server's own JSON decoder doing the
// syntax check: json.Valid took 60% of the CPU of `basalt load` on NDJSON,
// which shares the machine with the server it feeds. A text the decoder
// reads to its end is a text the server's request parser takes; for the
// rare text it refuses, encoding/json words the message when it can.
type docChecker struct{ dec *types.Decoder }

// checkLimits are loose: limits are for the server to apply (a document
// over them fails alone there).
var checkLimits = types.Limits{MaxDepth: 10000, MaxDocBytes: 1 << 40, MaxFieldNameBytes: 1 << 40}

// check says why b (trimmed of white space) cannot be sent as a document,
// or "" if it can.
func (c *docChecker) check(b []byte) string {
	if c.dec == nil {
		c.dec = types.NewDecoder(checkLimits)
	}
	c.dec.Reset()
	_, end, err := c.dec.DecodeAt(b, 0)
	if err != nil && !types.IsSyntaxError(err) {
		// A content error (a field name that is not UTF-8): the decoder
		// stepped over the rest loosely, so encoding/json decides. Rare.
		return CheckDoc(b)
	}
	if err == nil && end != len(b) {
		err = &types.SyntaxError{Offset: end, Msg: "unexpected data after the value"}
	}
	if err != nil {
		if msg := CheckDoc(b); msg != "" {
			return msg
		}
		return "invalid JSON: " + err.Error()
	}
	if b[0] != '{' {
		return "a document must be a JSON object, got " + jsonKind(b[0])
	}
	return ""
}

// ndjsonReader reads one document per line; blank lines are skipped, and a
// line that is not a JSON object is a *DocError alone.
type ndjsonReader struct {
	br        *bufio.Reader
	name      string
	off, line int64
	skip      int64
	long      []byte // a line longer than br's buffer
	check     docChecker
	// noSyntaxCheck: Config.NoSyntaxCheck.
	noSyntaxCheck bool
}

func newNDJSONReader(br *bufio.Reader, name string, skip int64) *ndjsonReader {
	return &ndjsonReader{br: br, name: name, skip: skip}
}

func (r *ndjsonReader) next() ([]byte, Position, error) {
	for {
		start := r.off
		b, err := r.br.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			r.long = append(r.long[:0], b...)
			for err == bufio.ErrBufferFull {
				b, err = r.br.ReadSlice('\n')
				r.long = append(r.long, b...)
			}
			b = r.long
		}
		r.off += int64(len(b))
		r.line++
		pos := Position{Object: r.name, Offset: start, Line: r.line}
		if err != nil && err != io.EOF {
			return nil, pos, err
		}
		if t := bytes.TrimSpace(b); len(t) > 0 && start > r.skip {
			msg := ""
			if r.noSyntaxCheck {
				if t[0] != '{' {
					msg = CheckDoc(t)
				}
			} else {
				msg = r.check.check(t)
			}
			if msg != "" {
				return nil, pos, &DocError{Pos: pos, Msg: msg, Raw: rawCopy(t)}
			}
			return t, pos, nil
		}
		if err == io.EOF {
			return nil, pos, io.EOF
		}
	}
}

// lineTracker keeps the bytes a json.Decoder has read but whose lines are
// not yet counted, so a document's line can be told from the decoder's
// offset.
type lineTracker struct {
	r    io.Reader
	buf  []byte
	base int64 // offset of buf[0]
	line int64 // line at base
}

func (t *lineTracker) Read(p []byte) (int, error) {
	n, err := t.r.Read(p)
	t.buf = append(t.buf, p[:n]...)
	return n, err
}

// lineAt returns the line of offset off (not before the last asked).
func (t *lineTracker) lineAt(off int64) int64 {
	k := int(off - t.base)
	k = min(max(k, 0), len(t.buf))
	t.line += int64(bytes.Count(t.buf[:k], []byte{'\n'}))
	t.buf = append(t.buf[:0], t.buf[k:]...)
	t.base += int64(k)
	return t.line
}

// jsonReader reads a single document, an array of documents, or
// documents one after another. A value that is not an object is a
// *DocError alone; JSON that cannot be read stops the object, as the next
// document cannot be found reliably.
type jsonReader struct {
	br      *bufio.Reader
	name    string
	skip    int64
	lt      *lineTracker
	dec     *json.Decoder
	base    int64 // white space read before the decoder started
	started bool
	inArray bool
	done    bool
	buf     bytes.Buffer
}

func newJSONReader(br *bufio.Reader, name string, skip int64) *jsonReader {
	lt := &lineTracker{r: br, line: 1}
	return &jsonReader{br: br, name: name, skip: skip, lt: lt, dec: json.NewDecoder(lt)}
}

func (r *jsonReader) next() ([]byte, Position, error) {
	at := Position{Object: r.name}
	if !r.started {
		r.started = true
		c, n, nl, err := peekNonSpace(r.br)
		r.base, r.lt.line = n, 1+nl
		if err == io.EOF {
			r.done = true
		} else if err != nil {
			return nil, at, err
		} else if c == '[' {
			if _, err := r.dec.Token(); err != nil {
				return nil, at, r.jsonErr(err)
			}
			r.inArray = true
		}
	}
	for !r.done {
		if r.inArray && !r.dec.More() {
			r.done = true
			if _, err := r.dec.Token(); err != nil {
				return nil, at, r.jsonErr(err)
			}
			break
		}
		start := r.base + r.dec.InputOffset()
		var raw json.RawMessage
		if err := r.dec.Decode(&raw); err != nil {
			r.done = true
			if err == io.EOF && !r.inArray {
				break
			}
			return nil, at, r.jsonErr(err)
		}
		end := r.lt.lineAt(r.dec.InputOffset())
		pos := Position{Object: r.name, Offset: start, Line: end - int64(bytes.Count(raw, []byte{'\n'}))}
		if start <= r.skip {
			continue
		}
		if msg := CheckDoc(raw); msg != "" {
			return nil, pos, &DocError{Pos: pos, Msg: msg, Raw: rawCopy(raw)}
		}
		r.buf.Reset()
		if json.Compact(&r.buf, raw) != nil {
			r.buf.Reset()
			r.buf.Write(raw)
		}
		return r.buf.Bytes(), pos, nil
	}
	return nil, at, io.EOF
}

func (r *jsonReader) jsonErr(err error) error {
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("JSON ends in the middle of a document")
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Errorf("bad JSON at line %d: %v", r.lt.lineAt(se.Offset), err)
	}
	return err
}

// peekNonSpace returns the first byte that is not white space, unread,
// and how many bytes and newlines of white space it read past.
func peekNonSpace(br *bufio.Reader) (c byte, n, nl int64, err error) {
	for ; ; n++ {
		c, err = br.ReadByte()
		if err != nil {
			return 0, n, nl, err
		}
		switch c {
		case '\n':
			nl++
			continue
		case ' ', '\t', '\r':
			continue
		}
		return c, n, nl, br.UnreadByte()
	}
}

// csvReader reads a header row, then one document per row, typing cells
// as COPY does (types.InferText): integers and floats become numbers (a
// zero-led 007 stays a string), true/false booleans, an empty cell null,
// everything else strings. A row with the wrong number of cells is a
// *DocError alone; CSV that cannot be read (a stray quote) stops the
// object.
type csvReader struct {
	r    *csv.Reader
	name string
	skip int64
	keys [][]byte // `"name":` per column
	doc  []byte
}

func newCSVReader(br *bufio.Reader, name string, skip int64) *csvReader {
	r := csv.NewReader(br)
	r.FieldsPerRecord = -1
	r.ReuseRecord = true
	return &csvReader{r: r, name: name, skip: skip}
}

func (c *csvReader) header() error {
	header, err := c.r.Read()
	if err != nil {
		if err == io.EOF {
			return err
		}
		return fmt.Errorf("bad CSV header: %w", err)
	}
	if len(header) > 0 {
		header[0] = string(bytes.TrimPrefix([]byte(header[0]), []byte("\xEF\xBB\xBF")))
	}
	seen := map[string]bool{}
	c.keys = make([][]byte, len(header))
	for i, h := range header {
		if h == "" {
			return fmt.Errorf("the header's column %d has no name", i+1)
		}
		if seen[h] {
			return fmt.Errorf("the header names %q twice", h)
		}
		seen[h] = true
		c.keys[i] = append(types.AppendJSONString(nil, h), ':')
	}
	return nil
}

func (c *csvReader) next() ([]byte, Position, error) {
	at := Position{Object: c.name}
	if c.keys == nil {
		if err := c.header(); err != nil {
			c.keys = [][]byte{}
			if err != io.EOF {
				at.Line = 1
			}
			return nil, at, err
		}
		if len(c.keys) == 0 {
			return nil, at, io.EOF
		}
	}
	if len(c.keys) == 0 {
		return nil, at, io.EOF // after a header that could not be read
	}
	for {
		start := c.r.InputOffset()
		rec, err := c.r.Read()
		if err == io.EOF {
			return nil, at, io.EOF
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				at.Line = int64(pe.StartLine)
				return nil, at, fmt.Errorf("bad CSV at line %d: %v", pe.StartLine, pe.Err)
			}
			return nil, at, err
		}
		line, _ := c.r.FieldPos(0)
		pos := Position{Object: c.name, Offset: start, Line: int64(line)}
		if start <= c.skip {
			continue
		}
		if len(rec) != len(c.keys) {
			return nil, pos, &DocError{Pos: pos, Msg: fmt.Sprintf("%d fields where the header names %d", len(rec), len(c.keys)), Raw: rawCopy([]byte(strings.Join(rec, ",")))}
		}
		doc := append(c.doc[:0], '{')
		for i, s := range rec {
			if i > 0 {
				doc = append(doc, ',')
			}
			doc = append(doc, c.keys[i]...)
			if s == "" {
				doc = append(doc, "null"...)
			} else {
				v := types.InferText(s)
				if t := v.IntegerText(); t != "" {
					// Its digits, for the server's decoder to keep.
					doc = append(doc, t...)
				} else {
					doc = types.AppendJSON(doc, v)
				}
			}
		}
		doc = append(doc, '}')
		c.doc = doc
		return doc, pos, nil
	}
}
