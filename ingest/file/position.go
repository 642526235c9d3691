package file

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
)

// Position names one document of a load for good.
type Position struct {
	// Object is the Object.Name the document is in.
	Object string `json:"object"`
	// Offset is the byte offset where the document starts in the
	// (decompressed) object, or its row index for Parquet. Offsets grow
	// through an object.
	Offset int64 `json:"offset"`
	// Line is the line where the document starts, from 1, for people; 0
	// for Parquet.
	Line int64 `json:"line,omitempty"`
}

// String writes the position for people: file:line, or file:row N.
func (p Position) String() string {
	if p.Line > 0 {
		return p.Object + ":" + strconv.FormatInt(p.Line, 10)
	}
	return fmt.Sprintf("%s:row %d", p.Object, p.Offset+1)
}

// IDPrefix is the part of a derived _id that names the object: 20 hex
// digits of the SHA-256 of its name (80 bits, so two objects of a load do
// not share one by chance).
func IDPrefix(object string) string {
	h := sha256.Sum256([]byte(object))
	return hex.EncodeToString(h[:10])
}

// AppendDerivedID appends the _id derived from a document's position,
// IDPrefix(object) + "-" + offset: the same document gets the same _id
// every time it is read, so writing it again replaces it.
func AppendDerivedID(dst []byte, prefix string, offset int64) []byte {
	dst = append(dst, prefix...)
	dst = append(dst, '-')
	return strconv.AppendInt(dst, offset, 10)
}

// DerivedID is AppendDerivedID as a string.
func DerivedID(p Position) string {
	return string(AppendDerivedID(nil, IDPrefix(p.Object), p.Offset))
}

// DocError is a document that cannot be loaded (not JSON, not an object,
// a CSV row of the wrong width). The Iterator goes on with the next one.
type DocError struct {
	Pos Position
	Msg string
	// Raw is the document's text (its first maxRawBytes), a copy, for a
	// caller that keeps bad documents (a collection source's _meta.bad).
	Raw []byte
}

// maxRawBytes bounds DocError.Raw.
const maxRawBytes = 64 << 10

// rawCopy copies what a DocError keeps of a bad document.
func rawCopy(b []byte) []byte { return bytes.Clone(b[:min(len(b), maxRawBytes)]) }

func (e *DocError) Error() string { return e.Pos.String() + ": " + e.Msg }

// ObjectError is an object that cannot be read (past Pos, when Pos.Offset
// or Pos.Line is set): it could not be opened, or its JSON, CSV or Parquet
// is broken so that the next document cannot be found. The Iterator goes
// on with the next object.
type ObjectError struct {
	Pos Position
	Err error
}

func (e *ObjectError) Error() string { return e.Pos.Object + ": " + e.Err.Error() }
func (e *ObjectError) Unwrap() error { return e.Err }
