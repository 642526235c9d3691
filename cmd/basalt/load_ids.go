package main

import (
	"bytes"
	"encoding/json"

	"github.com/basaltdb/basalt/ingest/file"
)

// hasTopLevelID reports whether doc, a valid JSON object, has an _id field
// of its own (not one inside a nested object). It was 29% of a bulk load's
// CPU: documents without "_id" anywhere are now answered without a scan,
// and the scan skips strings, most of a document's bytes, with IndexByte.
func hasTopLevelID(doc []byte) bool {
	// A key "_id" is written as such, unless with escapes: most documents
	// are told apart without a scan. Both searches look for a byte rare in
	// JSON first ('_', '\\'); a search for `"_id"` stopped at every quote.
	if !bytes.Contains(doc, []byte(`_id"`)) && bytes.IndexByte(doc, '\\') < 0 {
		return false
	}
	depth, key := 0, false
	for i := 0; i < len(doc); {
		q := bytes.IndexByte(doc[i:], '"')
		end := len(doc)
		if q >= 0 {
			end = i + q
		}
		// Between strings: punctuation, numbers and literals.
		for _, c := range doc[i:end] {
			switch c {
			case '{':
				depth++
				key = depth == 1
			case '[':
				depth++
			case '}', ']':
				depth--
			case ',':
				key = depth == 1
			}
		}
		if q < 0 {
			return false
		}
		closeAt := stringEnd(doc, end)
		if closeAt < 0 {
			return false
		}
		if depth == 1 && key {
			s := doc[end : closeAt+1]
			if bytes.Equal(s, []byte(`"_id"`)) {
				return true
			}
			if bytes.IndexByte(s, '\\') >= 0 {
				var k string
				if json.Unmarshal(s, &k) == nil && k == "_id" {
					return true
				}
			}
			key = false
		}
		i = closeAt + 1
	}
	return false
}

// stringEnd returns the offset of the quote that closes the JSON string
// opened at doc[open], or -1.
func stringEnd(doc []byte, open int) int {
	for j := open + 1; ; {
		k := bytes.IndexByte(doc[j:], '"')
		if k < 0 {
			return -1
		}
		j += k
		// Escaped if an odd number of backslashes precede it.
		n := 0
		for p := j - 1; p > open && doc[p] == '\\'; p-- {
			n++
		}
		if n%2 == 0 {
			return j
		}
		j++
	}
}

// appendWithID appends doc with an _id derived from its position put
// first.
func appendWithID(dst, doc []byte, prefix string, offset int64) []byte {
	dst = append(dst, `{"_id":"`...)
	dst = file.AppendDerivedID(dst, prefix, offset)
	dst = append(dst, '"')
	rest := bytes.TrimLeft(doc[1:], " \t\r\n")
	if len(rest) > 0 && rest[0] != '}' {
		dst = append(dst, ',')
	}
	return append(dst, rest...)
}
