package file

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"testing"
)

// fuzzReader checks what every reader promises on any input: no panic,
// documents that are JSON objects, positions that grow, and an end.
func fuzzReader(t *testing.T, data []byte, mk func(*bufio.Reader) docReader) {
	r := mk(bufio.NewReaderSize(bytes.NewReader(data), 64))
	last := int64(-1)
	for range len(data) + 2 {
		doc, pos, err := r.next()
		var de *DocError
		switch {
		case err == io.EOF:
			return
		case errors.As(err, &de):
		case err != nil:
			return // the object stops
		default:
			if !json.Valid(doc) || doc[0] != '{' {
				t.Fatalf("document %q is not a JSON object", doc)
			}
		}
		if err == nil || de != nil {
			if pos.Offset <= last {
				t.Fatalf("offset %d after %d", pos.Offset, last)
			}
			last = pos.Offset
		}
	}
	t.Fatal("the reader does not end")
}

func FuzzNDJSON(f *testing.F) {
	f.Add([]byte("{\"a\":1}\n\nnot json\n[1]\n{\"b\":\"x\"}"))
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzReader(t, data, func(br *bufio.Reader) docReader { return newNDJSONReader(br, "f", -1) })
	})
}

func FuzzJSON(f *testing.F) {
	f.Add([]byte("[{\"a\":1}, 5, {\"b\":[1,2]}]"))
	f.Add([]byte("{\"a\":1} {\"a\":2}"))
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzReader(t, data, func(br *bufio.Reader) docReader { return newJSONReader(br, "f", -1) })
	})
}

func FuzzCSV(f *testing.F) {
	f.Add([]byte("id,zip,n\nc1,02139,42\nc2,\"a,b\",1e3\nc3\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzReader(t, data, func(br *bufio.Reader) docReader { return newCSVReader(br, "f", -1) })
	})
}
