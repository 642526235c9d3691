package types

import (
	"bytes"
	"errors"
	"math"
	"strings"
	"testing"
)

func TestBinaryRoundTrip(t *testing.T) {
	r := newRand(t)
	var d Decoder
	for range 5000 {
		v := randValue(r, 5, genOpts{})
		b := AppendBinary([]byte("xx"), v)[2:]
		w, err := d.DecodeBinary(b)
		if err != nil {
			t.Fatalf("DecodeBinary(%s): %v", debug(v), err)
		}
		if !identical(v, w) {
			t.Fatalf("round trip:\n got %s\nwant %s", debug(w), debug(v))
		}
		n, err := BinaryLen(append(b, 0xde, 0xad))
		if err != nil || n != len(b) {
			t.Fatalf("BinaryLen = %d, %v; want %d", n, err, len(b))
		}
		if again := AppendBinary(nil, w); !bytes.Equal(again, b) {
			t.Fatalf("re-encoding differs: %x vs %x", again, b)
		}
	}
}

func TestBinaryKindsExact(t *testing.T) {
	nan := math.Float64frombits(0x7ff8000000000abc)
	for _, v := range []Value{
		Undefined, Null, Bool(false), Bool(true), Int(math.MinInt64), Int(math.MaxInt64), Int(-1),
		Float(math.Copysign(0, -1)), Float(nan), Float(math.Inf(-1)), Float(1), Float(5e-324),
		Timestamp(math.MinInt64), Timestamp(0), String(""), String("x\x00\xff"),
		Array([]Value{Undefined, Int(1), Float(1)}), Object(nil),
		Object([]Field{{"", Null}, {"a", Object([]Field{{"b", Timestamp(7)}})}}),
	} {
		w, err := DecodeBinary(AppendBinary(nil, v))
		if err != nil || !identical(v, w) {
			t.Errorf("round trip of %s = %s, %v", debug(v), debug(w), err)
		}
	}
}

func TestBinaryStringsAlias(t *testing.T) {
	b := AppendBinary(nil, Object([]Field{{"name", String("value")}}))
	v, err := DecodeBinary(b)
	if err != nil {
		t.Fatal(err)
	}
	copy(b[bytes.Index(b, []byte("value")):], "VALUE")
	if v.Get("name").Str() != "VALUE" {
		t.Fatalf("DecodeBinary strings should alias the input (documented)")
	}
}

func TestDecodeBinaryCorrupt(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   []byte
	}{
		{"empty", nil},
		{"unknown tag", []byte{10}},
		{"trailing", []byte{tagNull, 0}},
		{"truncated int", []byte{tagInt, 0x80}},
		{"truncated float", []byte{tagFloat, 1, 2, 3}},
		{"string too long", []byte{tagString, 5, 'a'}},
		{"array count too big", []byte{tagArray, 3, tagNull}},
		{"object truncated", []byte{tagObject, 1, 1, 'a'}},
		{"huge count", []byte{tagArray, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}},
		{"overlong varint", []byte{tagInt, 0x80, 0x00}},
		{"overlong length", []byte{tagString, 0x81, 0x00, 'a'}},
		{"overlong count", []byte{tagArray, 0x80, 0x80, 0x00}},
		{"too deep", append(bytes.Repeat([]byte{tagArray, 1}, maxBinaryDepth+2), tagNull)},
	} {
		_, err := DecodeBinary(tc.in)
		if !errors.Is(err, ErrCorruptValue) {
			t.Errorf("%s: DecodeBinary(%x) = %v, want ErrCorruptValue", tc.name, tc.in, err)
		}
	}
	// Depth at the bound still decodes.
	deep := append(bytes.Repeat([]byte{tagArray, 1}, maxBinaryDepth), tagNull)
	if _, err := DecodeBinary(deep); err != nil {
		t.Fatalf("depth %d: %v", maxBinaryDepth, err)
	}
}

func TestBinaryLenPrefix(t *testing.T) {
	a := AppendBinary(nil, mustDecode(t, `{"a":[1,"xyz",{"b":null}],"c":2.5}`))
	b := AppendBinary(nil, String(strings.Repeat("s", 300)))
	buf := append(append([]byte(nil), a...), b...)
	n, err := BinaryLen(buf)
	if err != nil || n != len(a) {
		t.Fatalf("BinaryLen = %d, %v; want %d", n, err, len(a))
	}
	m, err := BinaryLen(buf[n:])
	if err != nil || m != len(b) {
		t.Fatalf("BinaryLen = %d, %v; want %d", m, err, len(b))
	}
	if _, err := BinaryLen(a[:len(a)-1]); !errors.Is(err, ErrCorruptValue) {
		t.Fatalf("BinaryLen of a truncated value = %v", err)
	}
}

func FuzzDecodeBinary(f *testing.F) {
	f.Add(AppendBinary(nil, Int(-5)))
	f.Fuzz(func(t *testing.T, b []byte) {
		var d Decoder
		v, err := d.DecodeBinary(b)
		if err != nil {
			if !errors.Is(err, ErrCorruptValue) {
				t.Fatalf("error %v is not ErrCorruptValue", err)
			}
			return
		}
		if got := AppendBinary(nil, v); !bytes.Equal(got, b) {
			t.Fatalf("re-encoding of %s:\n got %x\nwant %x", debug(v), got, b)
		}
		if n, err := BinaryLen(b); err != nil || n != len(b) {
			t.Fatalf("BinaryLen = %d, %v; want %d", n, err, len(b))
		}
	})
}

// rockBenchBinary returns the RockBench event and its binary encoding.
func rockBenchBinary(b *testing.B) (Value, []byte) {
	v, err := NewDecoder(Limits{}).Decode([]byte(rockBenchEvent))
	if err != nil {
		b.Fatal(err)
	}
	return v, AppendBinary(nil, v)
}

func BenchmarkAppendBinary(b *testing.B) {
	v, buf := rockBenchBinary(b)
	b.ReportAllocs()
	b.SetBytes(int64(len(buf)))
	for b.Loop() {
		buf = AppendBinary(buf[:0], v)
	}
	b.ReportMetric(float64(len(buf)), "B/doc")
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "docs/s")
}

func BenchmarkDecodeBinary(b *testing.B) {
	_, buf := rockBenchBinary(b)
	var d Decoder
	b.ReportAllocs()
	b.SetBytes(int64(len(buf)))
	for b.Loop() {
		if _, err := d.DecodeBinary(buf); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "docs/s")
}

// BenchmarkDecodeBinaryOnce decodes each document with a new decoder, as a
// read by _id does.
func BenchmarkDecodeBinaryOnce(b *testing.B) {
	_, buf := rockBenchBinary(b)
	b.ReportAllocs()
	b.SetBytes(int64(len(buf)))
	for b.Loop() {
		if _, err := DecodeBinary(buf); err != nil {
			b.Fatal(err)
		}
	}
}
