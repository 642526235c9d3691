package encoding

import (
	"fmt"
	"testing"

	"github.com/basaltdb/basalt/coldata"
	"github.com/basaltdb/basalt/types"
)

// TestUncompressed checks that a compressed block's uncompressed image
// decodes to the same values, and that other blocks have none.
func TestUncompressed(t *testing.T) {
	var strs, ints coldata.Vec
	for i := range 4000 {
		strs.Append(types.String(fmt.Sprintf("user-%06d", i*7919%100000)))
		ints.Append(types.Int(int64(i)))
	}
	strs.Append(types.Null)
	var d Decoder
	for _, tc := range []struct {
		v          *coldata.Vec
		compressed bool
	}{{&strs, true}, {&ints, false}} {
		block := AppendBlock(nil, tc.v)
		img, ok, err := d.Uncompressed(block)
		if err != nil || ok != tc.compressed {
			t.Fatalf("Uncompressed: %v %v, want compressed=%v", ok, err, tc.compressed)
		}
		if !ok {
			continue
		}
		if len(img) <= len(block) {
			t.Errorf("image of %d bytes for a compressed block of %d", len(img), len(block))
		}
		var a, b coldata.Vec
		var d1, d2 Decoder
		if err := d1.DecodeBlock(block, &a); err != nil {
			t.Fatal(err)
		}
		if err := d2.DecodeBlock(img, &b); err != nil {
			t.Fatal(err)
		}
		if a.Len() != b.Len() {
			t.Fatalf("%d rows, want %d", b.Len(), a.Len())
		}
		for i := range a.Len() {
			if types.Compare(a.Value(i), b.Value(i)) != 0 || a.Kind(i) != b.Kind(i) {
				t.Fatalf("row %d: %v, want %v", i, b.Value(i), a.Value(i))
			}
		}
		if _, again, _ := d.Uncompressed(img); again {
			t.Error("the image claims a compressed body")
		}
	}
}
