package main

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/basaltdb/basalt/types"
)

// emitFunc takes one document (JSON text of an object, which it keeps) and
// where it came from; it fails only when the load is cancelled.
type emitFunc func(doc []byte, where string) error

// rejectFunc records a document that cannot be sent.
type rejectFunc func(where, msg string)

// checkDoc says why b cannot be sent as a document, or "" if it can. The
// server would reject a body holding anything but JSON whole, so each
// document is checked before it joins a batch.
func checkDoc(b []byte) string {
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

// readNDJSON reads one document per line; blank lines are skipped, and a
// line that is not a JSON object is rejected alone.
func readNDJSON(br *bufio.Reader, name string, emit emitFunc, reject rejectFunc) error {
	for line := 1; ; line++ {
		b, err := br.ReadBytes('\n')
		if t := bytes.TrimSpace(b); len(t) > 0 {
			where := fmt.Sprintf("%s:%d", name, line)
			if msg := checkDoc(t); msg != "" {
				reject(where, msg)
			} else if err := emit(t, where); err != nil {
				return err
			}
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
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
	line int   // line at base
}

func (t *lineTracker) Read(p []byte) (int, error) {
	n, err := t.r.Read(p)
	t.buf = append(t.buf, p[:n]...)
	return n, err
}

// lineAt returns the line of offset off (not before the last asked).
func (t *lineTracker) lineAt(off int64) int {
	k := int(off - t.base)
	k = min(max(k, 0), len(t.buf))
	t.line += bytes.Count(t.buf[:k], []byte{'\n'})
	t.buf = append(t.buf[:0], t.buf[k:]...)
	t.base += int64(k)
	return t.line
}

// readJSON reads an array of documents, or documents one after another. A
// value that is not an object is rejected alone; JSON that cannot be read
// stops the file, as the next document cannot be found reliably.
func readJSON(br *bufio.Reader, name string, emit emitFunc, reject rejectFunc) error {
	lt := &lineTracker{r: br, line: 1}
	dec := json.NewDecoder(lt)
	where := func(doc []byte) string {
		end := lt.lineAt(dec.InputOffset())
		return fmt.Sprintf("%s:%d", name, end-bytes.Count(doc, []byte{'\n'}))
	}
	one := func() error {
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return err
		}
		w := where(raw)
		if msg := checkDoc(raw); msg != "" {
			reject(w, msg)
			return nil
		}
		var buf bytes.Buffer
		if json.Compact(&buf, raw) != nil {
			buf.Reset()
			buf.Write(raw)
		}
		return emit(buf.Bytes(), w)
	}
	if c, err := peekNonSpace(br); err != nil || c != '[' {
		if err == io.EOF {
			return nil
		}
		for {
			if err := one(); err == io.EOF {
				return nil
			} else if err != nil {
				return jsonErr(err, lt, dec)
			}
		}
	}
	if _, err := dec.Token(); err != nil {
		return jsonErr(err, lt, dec)
	}
	for dec.More() {
		if err := one(); err != nil {
			return jsonErr(err, lt, dec)
		}
	}
	if _, err := dec.Token(); err != nil {
		return jsonErr(err, lt, dec)
	}
	return nil
}

func jsonErr(err error, lt *lineTracker, dec *json.Decoder) error {
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("JSON ends in the middle of a document")
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Errorf("bad JSON at line %d: %v", lt.lineAt(se.Offset), err)
	}
	return err
}

// peekNonSpace returns the first byte that is not white space, unread.
func peekNonSpace(br *bufio.Reader) (byte, error) {
	for {
		c, err := br.ReadByte()
		if err != nil {
			return 0, err
		}
		switch c {
		case ' ', '\t', '\r', '\n':
			continue
		}
		return c, br.UnreadByte()
	}
}

// readCSV reads a header row, then one document per row, typing cells as
// COPY does (types.InferText); an empty cell is null. A row with the wrong
// number of cells is rejected alone; CSV that cannot be read (a stray
// quote) stops the file.
func readCSV(br *bufio.Reader, name string, emit emitFunc, reject rejectFunc) error {
	r := csv.NewReader(br)
	r.FieldsPerRecord = -1
	header, err := r.Read()
	if err == io.EOF {
		return nil
	}
	if err != nil {
		return fmt.Errorf("bad CSV header: %w", err)
	}
	if len(header) > 0 {
		header[0] = string(bytes.TrimPrefix([]byte(header[0]), []byte("\xEF\xBB\xBF")))
	}
	seen := map[string]bool{}
	keys := make([][]byte, len(header))
	for i, h := range header {
		if h == "" {
			return fmt.Errorf("the header's column %d has no name", i+1)
		}
		if seen[h] {
			return fmt.Errorf("the header names %q twice", h)
		}
		seen[h] = true
		keys[i] = append(types.AppendJSONString(nil, h), ':')
	}
	for {
		rec, err := r.Read()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return fmt.Errorf("bad CSV at line %d: %v", pe.StartLine, pe.Err)
			}
			return err
		}
		line, _ := r.FieldPos(0)
		where := fmt.Sprintf("%s:%d", name, line)
		if len(rec) != len(header) {
			reject(where, fmt.Sprintf("%d fields where the header names %d", len(rec), len(header)))
			continue
		}
		doc := []byte{'{'}
		for i, s := range rec {
			if i > 0 {
				doc = append(doc, ',')
			}
			doc = append(doc, keys[i]...)
			if s == "" {
				doc = append(doc, "null"...)
			} else {
				doc = types.AppendJSON(doc, types.InferText(s))
			}
		}
		doc = append(doc, '}')
		if err := emit(doc, where); err != nil {
			return err
		}
	}
}
