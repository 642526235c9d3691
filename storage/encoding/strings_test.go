package encoding

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/basaltdb/basalt/coldata"
	"github.com/basaltdb/basalt/types"
)

func encodeStrings(t testing.TB, vals []string) []byte {
	t.Helper()
	e := getEncoder()
	sec := e.appendStrings(nil, vals)
	putEncoder(e)
	var d Decoder
	got := make([]string, len(vals))
	r := reader{b: sec}
	if err := d.decodeStrings(&r, got, nil); err != nil {
		t.Fatal(err)
	}
	if err := r.done(); err != nil {
		t.Fatal(err)
	}
	for i := range vals {
		if got[i] != vals[i] {
			t.Fatalf("value %d: %q, want %q", i, got[i], vals[i])
		}
	}
	return sec
}

func TestStringCodecs(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	gen := func(n int, f func(i int) string) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = f(i)
		}
		return out
	}
	five := []string{"GET", "POST", "PUT", "DELETE", "PATCH"}
	for _, c := range []struct {
		name      string
		vals      []string
		codec     byte
		maxPerRow float64
	}{
		{"five values", gen(1000, func(int) string { return five[rng.IntN(5)] }), strDict, 0.45},
		{"two long values", gen(1000, func(i int) string { return strings.Repeat("ab", 100+i%2) }), strDict, 0.6},
		{"empty", gen(1000, func(int) string { return "" }), strPlain, 0.01},
		{"unique", gen(1000, func(i int) string { return fmt.Sprintf("request-%d", i) }), strPlain, 13},
		{"unique after a repetitive start", gen(5000, func(i int) string {
			if i < 2000 {
				return "x"
			}
			return fmt.Sprint(i)
		}), strPlain, 4},
		{"single", []string{"only"}, strPlain, 7},
	} {
		t.Run(c.name, func(t *testing.T) {
			sec := encodeStrings(t, c.vals)
			if sec[0] != c.codec {
				t.Fatalf("codec %s, want %s", stringCodecNames[sec[0]], stringCodecNames[c.codec])
			}
			if perRow := float64(len(sec)) / float64(len(c.vals)); perRow > c.maxPerRow {
				t.Fatalf("%.3f bytes a value, want at most %.3f", perRow, c.maxPerRow)
			}
		})
	}
}

func TestStringDictIsSorted(t *testing.T) {
	vals := []string{"pear", "apple", "fig", "apple", "pear", "fig", "apple", "fig"}
	sec := encodeStrings(t, vals)
	if sec[0] != strDict {
		t.Fatalf("codec %s, want dict", stringCodecNames[sec[0]])
	}
	if !strings.Contains(string(sec), "applefigpear") {
		t.Fatalf("entries not sorted: %q", sec)
	}
}

func TestDecodeStringsCorrupt(t *testing.T) {
	var d Decoder
	for i, sec := range [][]byte{
		{},
		{5},                                  // unknown codec
		{strPlain, intConstant, 6, 'a', 'b'}, // lengths 3 but 2 bytes
		{strPlain, intConstant, 1},           // negative length
		{strDict, 0},                         // empty dictionary
		{strDict, 5},                         // more entries than values
		{strDict, 1, intConstant, 4, 'a'},    // entry bytes missing
		{strDict, 3, intConstant, 2, 'a', 'b', 'c', 0xff}, // code out of range
	} {
		r := reader{b: sec}
		if err := d.decodeStrings(&r, make([]string, 4), nil); err == nil {
			t.Fatalf("case %d decoded", i)
		} else {
			requireCorrupt(t, err)
		}
	}
}

// TestDecodeBlockDictionary checks that a dictionary-coded string block
// hands its dictionary and codes to the Vec (Str[i] == Dict[Codes[i]]),
// that a plain or mixed block does not, and that reuse clears them.
func TestDecodeBlockDictionary(t *testing.T) {
	var d Decoder
	var v coldata.Vec
	decode := func(vals []types.Value) {
		t.Helper()
		var src coldata.Vec
		for _, x := range vals {
			src.Append(x)
		}
		if err := d.DecodeBlock(AppendBlock(nil, &src), &v); err != nil {
			t.Fatal(err)
		}
	}
	var low []types.Value
	for i := range 5000 {
		low = append(low, types.String(fmt.Sprintf("country-%d", i%30)))
	}
	decode(low)
	if v.Dict == nil || len(v.Codes) != len(low) {
		t.Fatalf("low-cardinality block: dict %d entries, %d codes", len(v.Dict), len(v.Codes))
	}
	for i := range low {
		if v.Str[i] != low[i].Str() || v.Dict[v.Codes[i]] != v.Str[i] {
			t.Fatalf("row %d: %q, dict says %q, want %q", i, v.Str[i], v.Dict[v.Codes[i]], low[i].Str())
		}
	}
	var unique []types.Value
	for i := range 5000 {
		unique = append(unique, types.String(fmt.Sprintf("session-%08d", i*7919)))
	}
	decode(unique)
	if v.Dict != nil || v.Codes != nil {
		t.Fatal("a plain block kept a dictionary")
	}
	mixed := append(append([]types.Value(nil), low[:100]...), types.Int(1))
	decode(mixed)
	if v.Dict != nil {
		t.Fatal("a mixed block has a dictionary")
	}
}
