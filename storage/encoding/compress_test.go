package encoding

import (
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
