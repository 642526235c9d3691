package storage

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/basaltdb/basalt/types"
)

// TestRowSlab: row values from a slab equal docRow's, each stays as it was
// while later ones are encoded (across chunks, and a document larger than
// a chunk), and none can be appended to over its neighbour.
func TestRowSlab(t *testing.T) {
	var s rowSlab
	var docs []types.Value
	var rows [][]byte
	for i := range 2000 {
		text := strings.Repeat("x", i%300)
		if i == 700 {
			text = strings.Repeat("y", 2*rowSlabChunk)
		}
		doc := types.Object([]types.Field{{Name: "_id", Value: types.String(fmt.Sprint(i))}, {Name: "t", Value: types.String(text)}})
		docs = append(docs, doc)
		rows = append(rows, s.row(doc))
	}
	for i, doc := range docs {
		if !bytes.Equal(rows[i], docRow(doc)) {
			t.Fatalf("row %d differs from docRow's", i)
		}
		if cap(rows[i]) != len(rows[i]) {
			t.Fatalf("row %d has room past its end (%d of %d)", i, len(rows[i]), cap(rows[i]))
		}
	}
	var nilSlab *rowSlab
	if !bytes.Equal(nilSlab.row(docs[0]), docRow(docs[0])) {
		t.Fatal("a nil slab's row differs from docRow's")
	}
}
