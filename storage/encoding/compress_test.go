package encoding

import (
	"encoding/binary"
	"fmt"
	"runtime"
	"strings"
	"testing"

	"github.com/basaltdb/basalt/coldata"
	"github.com/basaltdb/basalt/types"
)

func TestCompressOnlyWhenWorthIt(t *testing.T) {
	g := newGen(12)
	var logs, random, tiny rows
	for i := range 2000 {
		logs.add(types.String(fmt.Sprintf("GET /api/v1/users/%d/orders?page=%d 200 OK", i%97, i%13)))
		random.add(types.Int(int64(g.rng.Uint64())))
	}
	tiny.add(types.String("a short string that repeats, a short string that repeats"))
	for _, c := range []struct {
		name string
		rows rows
		want bool
	}{
		{"logs", logs, true},
		{"random ints", random, false},
		{"tiny", tiny, false},
	} {
		block := roundTrip(t, c.rows.vec())
		if got := blockCodecs(t, block)["zstd"]; got != c.want {
			t.Fatalf("%s: compressed = %v, want %v", c.name, got, c.want)
		}
	}
}

// TestS2WhereItShrinksEnough checks AppendBlockCodec(…, CodecS2): s2 for a
// body it shrinks at least s2MinRatio times (sentences of a small
// vocabulary), zstd for one it does not (random tokens), nothing for one
// neither compresses; every block decodes to its rows, and its
// uncompressed image too.
func TestS2WhereItShrinksEnough(t *testing.T) {
	g := newGen(13)
	words := strings.Fields("lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor")
	const letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	var text, tokens, ints rows
	for range 3000 {
		var b strings.Builder
		for j := range 40 + g.rng.IntN(20) {
			if j > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(words[g.rng.IntN(len(words))])
		}
		text.add(types.String(b.String()))
		tok := make([]byte, 14)
		for j := range tok {
			tok[j] = letters[g.rng.IntN(len(letters))]
		}
		tokens.add(types.String(string(tok)))
		ints.add(types.Int(int64(g.rng.Uint64())))
	}
	text.add(types.Null)
	for _, c := range []struct {
		name string
		rows rows
		want string
	}{
		{"sentences", text, "s2"},
		{"random tokens", tokens, "zstd"},
		{"random ints", ints, ""},
	} {
		v := c.rows.vec()
		block := AppendBlockCodec(nil, v, CodecS2)
		codecs := blockCodecs(t, block)
		got := ""
		if codecs["s2"] {
			got = "s2"
		} else if codecs["zstd"] {
			got = "zstd"
		}
		if got != c.want {
			t.Fatalf("%s: compressed with %q, want %q", c.name, got, c.want)
		}
		var d Decoder
		var out coldata.Vec
		if err := d.DecodeBlock(block, &out); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		requireSameVec(t, v, &out)
		if img, ok, err := d.Uncompressed(block); err != nil || ok != (got != "") {
			t.Fatalf("%s: Uncompressed = %v, %v", c.name, ok, err)
		} else if ok {
			if err := d.DecodeBlock(img, &out); err != nil {
				t.Fatalf("%s: image: %v", c.name, err)
			}
			requireSameVec(t, v, &out)
		}
		// s2 is taken where it costs little size against zstd.
		if zblock := AppendBlock(nil, v); c.want == "s2" && len(block) > len(zblock)*3/2 {
			t.Fatalf("%s: s2 block of %d bytes, zstd's %d", c.name, len(block), len(zblock))
		}
	}
}

func TestDecompressRejectsLyingLength(t *testing.T) {
	var v rows
	for i := range 1000 {
		v.add(types.String(strings.Repeat("abc", i%10)))
	}
	block := AppendBlock(nil, v.vec())
	// Header: version, flags, rows (2 bytes), layout; then the raw length.
	if block[1] != flagZstd {
		t.Fatal("test block is not compressed")
	}
	var d Decoder
	var got coldata.Vec
	for _, rawLen := range [][]byte{
		{0},                            // shorter than the frame decodes to
		{0xff, 0xff, 0xff, 0x7f},       // 256 MiB: beyond maxZstdExpansion of the frame
		{0x80, 0x80, 0x80, 0x80, 0x02}, // above maxCompressBody
	} {
		r := reader{b: block[5:]}
		if _, err := r.uvarint(); err != nil {
			t.Fatal(err)
		}
		bad := append(append(append([]byte(nil), block[:5]...), rawLen...), r.rest()...)
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		err := d.DecodeBlock(bad, &got)
		runtime.ReadMemStats(&after)
		requireCorrupt(t, err)
		if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 8<<20 {
			t.Fatalf("raw length %x: allocated %d bytes", rawLen, alloc)
		}
	}
}

func TestS2RejectsLyingLength(t *testing.T) {
	var v rows
	for i := range 1000 {
		v.add(types.String(strings.Repeat("abc", 20+i%10)))
	}
	block := AppendBlockCodec(nil, v.vec(), CodecS2)
	if block[1] != flagS2 {
		t.Fatal("test block is not s2-compressed")
	}
	r := reader{b: block[5:]}
	raw, err := r.uvarint()
	if err != nil {
		t.Fatal(err)
	}
	var d Decoder
	var got coldata.Vec
	for _, rawLen := range []uint64{raw - 1, raw + 1, 1 << 40} {
		bad := binary.AppendUvarint(append([]byte(nil), block[:5]...), rawLen)
		requireCorrupt(t, d.DecodeBlock(append(bad, r.rest()...), &got))
	}
	both := append([]byte(nil), block...)
	both[1] = flagZstd | flagS2
	requireCorrupt(t, d.DecodeBlock(both, &got))
	flipped := append([]byte(nil), block...)
	flipped[len(flipped)-3] ^= 0x55
	if err := d.DecodeBlock(flipped, &got); err != nil {
		requireCorrupt(t, err)
	}
}
