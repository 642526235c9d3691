package encoding

import (
	"encoding/binary"
	"errors"
	"math"
	"testing"
)

func TestReader(t *testing.T) {
	b := binary.AppendUvarint(nil, 300)
	b = binary.AppendVarint(b, -5)
	b = append(b, 7, 1, 2, 3)
	r := reader{b: b}
	if x, err := r.uvarint(); x != 300 || err != nil {
		t.Fatal(x, err)
	}
	if x, err := r.varint(); x != -5 || err != nil {
		t.Fatal(x, err)
	}
	if c, err := r.readByte(); c != 7 || err != nil {
		t.Fatal(c, err)
	}
	if _, err := r.next(4); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("next past the end: %v", err)
	}
	if r.done() == nil {
		t.Fatal("done with bytes left")
	}
	if got := r.rest(); string(got) != "\x01\x02\x03" || r.done() != nil {
		t.Fatalf("rest %q", got)
	}
	for _, f := range []func() error{
		func() error { _, err := r.readByte(); return err },
		func() error { _, err := r.uvarint(); return err },
		func() error { _, err := r.varint(); return err },
	} {
		if err := f(); !errors.Is(err, ErrCorrupt) {
			t.Fatalf("read past the end: %v", err)
		}
	}
	over := reader{b: []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}}
	if _, err := over.uvarint(); !errors.Is(err, errVarint) {
		t.Fatalf("overlong varint: %v", err)
	}
	big := reader{b: binary.AppendUvarint(nil, 1<<40)}
	if _, err := big.count(1 << 16); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("count above its limit: %v", err)
	}
}

func TestVarintLen(t *testing.T) {
	for _, x := range []int64{0, 1, -1, 63, -64, 64, math.MaxInt64, math.MinInt64} {
		if got, want := varintLen(x), len(binary.AppendVarint(nil, x)); got != want {
			t.Fatalf("varintLen(%d) = %d, want %d", x, got, want)
		}
	}
	for _, x := range []uint64{0, 127, 128, 1<<63 + 5} {
		if got, want := uvarintLen(x), len(binary.AppendUvarint(nil, x)); got != want {
			t.Fatalf("uvarintLen(%d) = %d, want %d", x, got, want)
		}
	}
}
