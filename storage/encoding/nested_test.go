package encoding

import (
	"testing"

	"github.com/basaltdb/basalt/types"
)

func TestNestedKeepsKinds(t *testing.T) {
	vals := []types.Value{
		types.Array([]types.Value{types.Int(5), types.Float(5), types.Timestamp(5), types.String("5"), types.Null, types.Undefined}),
		types.Array(nil),
		types.Array([]types.Value{types.Array([]types.Value{types.Array([]types.Value{types.Bool(true)})})}),
	}
	e := getEncoder()
	sec := e.appendNested(nil, vals)
	putEncoder(e)
	var d Decoder
	got := make([]types.Value, len(vals))
	r := reader{b: sec}
	if err := d.decodeNested(&r, got, types.KindArray); err != nil || r.done() != nil {
		t.Fatal(err)
	}
	for i := range vals {
		if !identical(got[i], vals[i]) {
			t.Fatalf("value %d: %s, want %s", i, show(got[i]), show(vals[i]))
		}
	}
	// The same bytes are not an object section.
	r = reader{b: sec}
	requireCorrupt(t, d.decodeNested(&r, got, types.KindObject))
}

func TestDecodeNestedCorrupt(t *testing.T) {
	var d Decoder
	for i, sec := range [][]byte{
		{},
		{intConstant, 4, 8},             // length 2, one byte
		{intConstant, 2, 8},             // array of one element, missing
		{intConstant, 4, 8, 1, 0xee},    // unknown tag inside
		{intConstant, 3, 8},             // negative length
		{intConstant, 2, 5, 0, 0, 0, 0}, // length 1 but a float tag
	} {
		r := reader{b: sec}
		if err := d.decodeNested(&r, make([]types.Value, 1), types.KindArray); err == nil {
			t.Fatalf("case %d decoded", i)
		} else {
			requireCorrupt(t, err)
		}
	}
}
