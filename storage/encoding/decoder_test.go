package encoding

import (
	"errors"
	"strings"
	"testing"

	"github.com/basaltdb/basalt/coldata"
	"github.com/basaltdb/basalt/types"
)

// corpusBlocks returns real encodings of every layout, kind and codec, small
// enough to mutate byte by byte.
func corpusBlocks(t testing.TB) map[string][]byte {
	g := newGen(13)
	out := map[string][]byte{}
	for _, k := range payloadKinds() {
		for trial := 0; trial < 4; {
			// Small blocks keep the byte-by-byte tests and fuzzing fast.
			if b := AppendBlock(nil, g.vec(k, 40, 0.2)); len(b) <= 2048 {
				out[k.String()+"/"+itoa(trial)] = b
				trial++
			}
		}
	}
	out["mixed/runs"] = AppendBlock(nil, g.mixedVec(60, true))
	out["mixed/codes"] = AppendBlock(nil, g.mixedVec(60, false))
	var logs rows
	for i := range 30 {
		logs.add(types.String("GET /index.html HTTP/1.1 " + itoa(i%4)))
	}
	out["compressed"] = AppendBlock(nil, logs.vec())
	if !blockCodecs(t, out["compressed"])["zstd"] {
		t.Fatal("corpus lacks a compressed block")
	}
	var text rows
	for i := range 40 {
		text.add(types.String(strings.Repeat("lorem ipsum dolor sit amet ", 2+i%5) + itoa(i)))
	}
	out["s2"] = AppendBlockCodec(nil, text.vec(), CodecS2)
	if !blockCodecs(t, out["s2"])["s2"] {
		t.Fatal("corpus lacks an s2 block")
	}
	out["empty"] = AppendBlock(nil, rows{}.vec())
	return out
}

func TestDecodeTruncated(t *testing.T) {
	var d Decoder
	var v coldata.Vec
	for name, block := range corpusBlocks(t) {
		for i := range len(block) {
			err := d.DecodeBlock(block[:i], &v)
			if err == nil {
				t.Fatalf("%s: prefix of %d/%d bytes decoded", name, i, len(block))
			}
			requireCorrupt(t, err)
			if v.Len() != 0 {
				t.Fatalf("%s: failed decode left %d rows", name, v.Len())
			}
		}
		err := d.DecodeBlock(append(block[:len(block):len(block)], 0), &v)
		if err == nil {
			t.Fatalf("%s: trailing byte accepted", name)
		}
		requireCorrupt(t, err)
	}
}

func TestDecodeMutated(t *testing.T) {
	// Every byte flipped in several ways: an error must wrap ErrCorrupt, and
	// whatever decodes must encode again to a block that decodes the same.
	var d, d2 Decoder
	var v, v2 coldata.Vec
	decoded := 0
	for name, block := range corpusBlocks(t) {
		for i := range len(block) {
			for _, mask := range []byte{0x01, 0x80, 0xff, 0x10} {
				bad := append([]byte(nil), block...)
				bad[i] ^= mask
				err := d.DecodeBlock(bad, &v)
				if err != nil {
					if !errors.Is(err, ErrCorrupt) {
						t.Fatalf("%s: byte %d ^ %#x: %v", name, i, mask, err)
					}
					continue
				}
				decoded++
				if err := d2.DecodeBlock(AppendBlock(nil, &v), &v2); err != nil {
					t.Fatalf("%s: byte %d ^ %#x: re-encoding fails: %v", name, i, mask, err)
				}
				requireSameVec(t, &v, &v2)
			}
		}
	}
	t.Logf("%d mutations decoded", decoded)
}

func TestDecodeRejectsBadHeader(t *testing.T) {
	var d Decoder
	var v coldata.Vec
	for i, b := range [][]byte{
		{formatVersion, 0, 2, byte(types.KindInt)},         // sections missing
		{formatVersion, 0, 0, byte(types.KindInt), 0},      // a section no row needs
		{formatVersion, flagZstd, 1, byte(types.KindNull)}, // no raw length
		{formatVersion, flagZstd, 1, byte(types.KindNull), 4, 1, 2, 3, 4},
	} {
		if err := d.DecodeBlock(b, &v); err == nil {
			t.Fatalf("case %d decoded", i)
		} else {
			requireCorrupt(t, err)
		}
	}
	// And what is valid: rows with no payload need no body at all.
	if err := d.DecodeBlock([]byte{formatVersion, 0, 3, byte(types.KindNull)}, &v); err != nil || v.Len() != 3 {
		t.Fatalf("3 nulls: %d rows, %v", v.Len(), err)
	}
}

// TestDecodeBlockRows checks that decoding the rows of a selection gives,
// at those rows, what decoding the whole block gives, and every row its
// kind, over every kind and codec, selections from none to all, and one
// decoder and Vec reused from block to block as a scanner reuses them.
func TestDecodeBlockRows(t *testing.T) {
	g := newGen(21)
	var full, part Decoder
	var want, got coldata.Vec
	check := func(name string, src []byte, sel []int) {
		t.Helper()
		if err := full.DecodeBlock(src, &want); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if err := part.DecodeBlockRows(src, &got, sel); err != nil {
			t.Fatalf("%s: rows %v: %v", name, sel, err)
		}
		if got.Len() != want.Len() {
			t.Fatalf("%s: %d rows, want %d", name, got.Len(), want.Len())
		}
		for i := range want.Len() {
			if got.Kind(i) != want.Kind(i) {
				t.Fatalf("%s: row %d kind %s, want %s", name, i, got.Kind(i), want.Kind(i))
			}
		}
		for _, i := range sel {
			if !identical(got.Value(i), want.Value(i)) {
				t.Fatalf("%s: row %d of %d selected: %s, want %s", name, i, len(sel), show(got.Value(i)), show(want.Value(i)))
			}
		}
	}
	selections := func(n int) [][]int {
		out := [][]int{{}}
		if n == 0 {
			return out
		}
		out = append(out, []int{0}, []int{n - 1})
		for _, every := range []int{2, 7, 37} {
			var s []int
			for i := g.rng.IntN(every); i < n; i += every {
				s = append(s, i)
			}
			out = append(out, s)
		}
		all := make([]int, n)
		for i := range all {
			all[i] = i
		}
		return append(out, all)
	}
	for trial := range 30 {
		n := []int{1, 9, 100, 1000, 8192}[trial%5]
		for _, k := range append(payloadKinds(), types.KindUndefined) {
			for _, holes := range []float64{0, 0.3} {
				src := AppendBlock(nil, g.vec(k, n, holes))
				for _, sel := range selections(n) {
					check(k.String(), src, sel)
				}
			}
		}
		src := AppendBlock(nil, g.mixedVec(n, trial%2 == 0))
		for _, sel := range selections(n) {
			check("mixed", src, sel)
		}
	}
	// A selection past the block's rows is not the block's: every row is
	// decoded.
	src := AppendBlock(nil, g.vec(types.KindString, 10, 0))
	if err := full.DecodeBlock(src, &want); err != nil {
		t.Fatal(err)
	}
	if err := part.DecodeBlockRows(src, &got, []int{3, 10}); err != nil {
		t.Fatal(err)
	}
	for i := range 10 {
		if !identical(got.Value(i), want.Value(i)) {
			t.Fatalf("past the end: row %d: %s, want %s", i, show(got.Value(i)), show(want.Value(i)))
		}
	}
}
