package main

import (
	"bytes"
	"encoding/json"

	"github.com/basaltdb/basalt/ingest/file"
)

// hasTopLevelID reports whether doc, a valid JSON object, has an _id field
// of its own (not one inside a nested object).
func hasTopLevelID(doc []byte) bool {
	if !bytes.Contains(doc, []byte(`id"`)) { // also catches an escaped "\u005fid"
		return false
	}
	depth, key := 0, false
	for i := 0; i < len(doc); i++ {
		switch c := doc[i]; c {
		case '"':
			j := i + 1
			esc := false
			for ; j < len(doc) && doc[j] != '"'; j++ {
				if doc[j] == '\\' {
					esc = true
					j++
				}
			}
			if depth == 1 && key {
				s := doc[i : j+1]
				if bytes.Equal(s, []byte(`"_id"`)) {
					return true
				}
				if esc {
					var k string
					if json.Unmarshal(s, &k) == nil && k == "_id" {
						return true
					}
				}
				key = false
			}
			i = j
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
	return false
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
