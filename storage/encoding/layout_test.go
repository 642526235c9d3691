package encoding

import (
	"testing"

	"github.com/basaltdb/basalt/types"
)

func TestLayoutChoice(t *testing.T) {
	const n = 4096
	g := newGen(11)
	runs := make(rows, 0, n)
	alternating := make(rows, 0, n)
	for i := range n {
		if i/100%2 == 0 {
			runs.add(types.Int(1))
		} else {
			runs.add(types.Undefined)
		}
		alternating.add(g.value([]types.Kind{types.KindInt, types.KindNull, types.KindUndefined}[g.rng.IntN(3)], 0))
	}
	for _, c := range []struct {
		name    string
		rows    rows
		layout  byte
		maxSize int
	}{
		{"runs", runs, layoutRuns, 41*2 + 1},
		{"alternating", alternating, layoutCodes, 3 + packedLen(n, 2)},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := getEncoder()
			defer putEncoder(e)
			var counts [types.NumKinds]int
			v := c.rows.vec()
			layout := e.appendLayout(nil, v, &counts)
			if layout[0] != c.layout || len(layout) > c.maxSize {
				t.Fatalf("layout %#x of %d bytes, want %#x of at most %d", layout[0], len(layout), c.layout, c.maxSize)
			}
			var d Decoder
			var got [types.NumKinds]int
			kinds := make([]types.Kind, n)
			r := reader{b: layout}
			if _, mixed, err := d.readLayout(&r, n, kinds, &got); err != nil || !mixed || r.done() != nil {
				t.Fatalf("mixed=%v, %v", mixed, err)
			}
			if got != counts {
				t.Fatalf("counts %v, want %v", got, counts)
			}
			for i, k := range kinds {
				if k != v.Kind(i) {
					t.Fatalf("row %d: %s, want %s", i, k, v.Kind(i))
				}
			}
		})
	}
}

func TestReadLayoutCorrupt(t *testing.T) {
	var d Decoder
	kinds := make([]types.Kind, 4)
	for i, b := range [][]byte{
		{},
		{9},                       // kind 9 does not exist
		{0x42},                    // unknown layout
		{layoutRuns},              // runs missing
		{layoutRuns, 0x31},        // fine: one run of 4 nulls
		{layoutRuns, 0x49},        // run longer than the block (5 rows)
		{layoutRuns, 0x0b},        // kind 11
		{layoutCodes, 0, 0},       // empty mask
		{layoutCodes, 0, 2},       // kind 9 in mask
		{layoutCodes, 3, 0},       // codes missing
		{layoutCodes, 3, 0, 0xf0}, // fine
		{layoutCodes, 7, 0, 0xff}, // code 3 of 3 kinds
	} {
		var counts [types.NumKinds]int
		r := reader{b: b}
		_, _, err := d.readLayout(&r, 4, kinds, &counts)
		valid := i == 4 || i == 10
		if valid != (err == nil) {
			t.Fatalf("case %d: %v", i, err)
		}
		if err != nil {
			requireCorrupt(t, err)
		}
	}
}
