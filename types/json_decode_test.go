package types

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/bits"
	"math/rand/v2"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
	"unsafe"
)

func mustDecode(t testing.TB, s string) Value {
	t.Helper()
	v, err := NewDecoder(Limits{}).Decode([]byte(s))
	if err != nil {
		t.Fatalf("Decode(%q): %v", s, err)
	}
	return v
}

func TestDecodeValid(t *testing.T) {
	obj := func(fs ...Field) Value { return Object(fs) }
	arr := func(vs ...Value) Value { return Array(vs) }
	negZero := math.Copysign(0, -1)
	for _, tc := range []struct {
		in   string
		want Value
	}{
		{`null`, Null},
		{` true `, Bool(true)},
		{"\t\r\nfalse\n", Bool(false)},
		{`0`, Int(0)},
		{`-0`, Int(0)},
		{`-0.0`, Float(negZero)},
		{`42`, Int(42)},
		{`-42`, Int(-42)},
		{`999999999999999999`, Int(999999999999999999)},
		{`-999999999999999999`, Int(-999999999999999999)},
		{`9223372036854775807`, Int(math.MaxInt64)},
		{`-9223372036854775808`, Int(math.MinInt64)},
		{`9223372036854775808`, Float(1 << 63)},
		{`-9223372036854775809`, Float(-1 << 63)},
		{`123456789012345678901234567890`, Float(1.2345678901234568e29)},
		{`1.0`, Float(1)},
		{`1e3`, Float(1000)},
		{`1E3`, Float(1000)},
		{`1e+3`, Float(1000)},
		{`1.5e-3`, Float(0.0015)},
		{`0.1`, Float(0.1)},
		{`0e5`, Float(0)},
		{`1e308`, Float(1e308)},
		{`1.7976931348623157e308`, Float(math.MaxFloat64)},
		{`4.9e-324`, Float(5e-324)},
		{`1e-400`, Float(0)}, // underflow rounds to zero; only overflow is an error
		{`-1e-400`, Float(negZero)},
		{`""`, String("")},
		{`"abc"`, String("abc")},
		{`"\"\\\/\b\f\n\r\t"`, String("\"\\/\b\f\n\r\t")},
		{`"\u0041\u00e9\u4e2D"`, String("Aé中")},
		{`"\ud83d\ude00"`, String("😀")},
		{`"\uD834\uDD1E x"`, String("𝄞 x")},
		{`"\ud83d"`, String("\ufffd")},              // lone high surrogate
		{`"\ude00"`, String("\ufffd")},              // lone low surrogate
		{`"\ud83dx"`, String("\ufffdx")},            // high surrogate then a letter
		{`"\ud83d\u0041"`, String("\ufffdA")},       // high surrogate then a non-surrogate escape
		{`"\ud83d\ud83d\ude00"`, String("\ufffd😀")}, // two highs then a low
		{`"\u0000"`, String("\x00")},
		{"\"é中😀\u2028\x7f\"", String("é中😀\u2028\x7f")},
		{`[]`, Array(nil)},
		{`[ 1 , "a" , null ]`, arr(Int(1), String("a"), Null)},
		{`[[[]]]`, arr(arr(arr()))},
		{`{}`, Object(nil)},
		{`{ "a" : 1 , "b" : [ true , { } ] }`, obj(Field{"a", Int(1)}, Field{"b", arr(Bool(true), obj())})},
		{`{"a\u002eb":{"c":-1.5}}`, obj(Field{"a.b", obj(Field{"c", Float(-1.5)})})},
		{`{"A":1,"a":2}`, obj(Field{"A", Int(1)}, Field{"a", Int(2)})},
	} {
		v := mustDecode(t, tc.in)
		if !identical(v, tc.want) {
			t.Errorf("Decode(%q) = %s, want %s", tc.in, debug(v), debug(tc.want))
		}
	}
}

// TestDecodeIntegerText: an integer literal out of the int64 range decodes
// to its nearest float and keeps its digits (IntegerText); every other
// number has none. The text is not a string payload, not JSON output, not
// stored, and Clone detaches it from the input.
func TestDecodeIntegerText(t *testing.T) {
	for _, tc := range []struct{ in, text string }{
		{`12345678901234567890`, `12345678901234567890`},
		{`-12345678901234567890`, `-12345678901234567890`},
		{`9223372036854775808`, `9223372036854775808`},
		{`-9223372036854775809`, `-9223372036854775809`},
		{`123456789012345678901234567890`, `123456789012345678901234567890`},
		{`9223372036854775807`, ``},
		{`-9223372036854775808`, ``},
		{`100`, ``},
		{`1e19`, ``},
		{`12345678901234567890.0`, ``},
		{`1.2345678901234567890e19`, ``},
		{`1.5`, ``},
		{`"12345678901234567890"`, ``},
	} {
		v := mustDecode(t, tc.in)
		if got := v.IntegerText(); got != tc.text {
			t.Errorf("Decode(%s).IntegerText() = %q, want %q", tc.in, got, tc.text)
		}
		if tc.text == "" {
			continue
		}
		f, _ := strconv.ParseFloat(tc.in, 64)
		if v.Kind() != KindFloat || v.Float() != f || v.Str() != "" || v.JSON() != Float(f).JSON() {
			t.Errorf("Decode(%s) = %s %s (Str %q), want the float %v", tc.in, v.Kind(), v.JSON(), v.Str(), f)
		}
		if w, err := DecodeBinary(AppendBinary(nil, v)); err != nil || w.IntegerText() != "" || w.Float() != f {
			t.Errorf("Decode(%s) stored and read back: %s (text %q), %v", tc.in, w, w.IntegerText(), err)
		}
	}
	// In a document, and cloned: the text no longer aliases the input.
	in := []byte(`{"_id":12345678901234567890,"n":[18446744073709551615]}`)
	v, err := NewDecoder(Limits{}).Decode(in)
	if err != nil {
		t.Fatal(err)
	}
	c := v.Clone()
	for i := range in {
		if in[i] >= '0' && in[i] <= '9' {
			in[i] = '0'
		}
	}
	if got := c.Get("_id").IntegerText(); got != "12345678901234567890" {
		t.Errorf("cloned _id text %q", got)
	}
	if got := c.Get("n").Index(0).IntegerText(); got != "18446744073709551615" {
		t.Errorf("cloned n[0] text %q", got)
	}
}

func TestDecodeSyntaxErrors(t *testing.T) {
	for _, tc := range []struct {
		in     string
		offset int
	}{
		{``, 0},
		{`   `, 3},
		{`[1,2] x`, 6},
		{`{} {}`, 3},
		{`1 2`, 2},
		{`truex`, 4},
		{`"abc`, 0},
		{`["abc`, 1},
		{`"a\`, 0},
		{`"a\n`, 0},
		{`tru`, 0},
		{`[nul]`, 1},
		{`{"a":fals}`, 5},
		{`[True]`, 1},
		{`01`, 0},
		{`[-01]`, 1},
		{`00`, 0},
		{`-`, 0},
		{`+1`, 0},
		{`.5`, 0},
		{`1.`, 0},
		{`1.e5`, 0},
		{`[1e]`, 1},
		{`1e+`, 0},
		{`[NaN]`, 1},
		{"\"a\x01b\"", 2},
		{"\"a\\n\x1f\"", 4},
		{"[\"\n\"]", 2},
		{`"\x"`, 1},
		{`"ab\u12"`, 3},
		{`"\u12G4"`, 1},
		{`{"a" 1}`, 5},
		{`{"a":1,}`, 7},
		{`{a:1}`, 1},
		{`{"a":1 "b":2}`, 7},
		{`[1,]`, 3},
		{`[1 2]`, 3},
		{`[`, 1},
		{`{`, 1},
		{`{"a":`, 5},
		{`]`, 0},
		{`'a'`, 0},
	} {
		_, err := NewDecoder(Limits{}).Decode([]byte(tc.in))
		var se *SyntaxError
		if !errors.As(err, &se) {
			t.Errorf("Decode(%q) = %v, want a *SyntaxError", tc.in, err)
			continue
		}
		if !IsSyntaxError(err) {
			t.Errorf("IsSyntaxError(%v) = false", err)
		}
		if se.Offset != tc.offset {
			t.Errorf("Decode(%q): offset %d, want %d (%v)", tc.in, se.Offset, tc.offset, err)
		}
	}
}

func TestDecodeDocErrors(t *testing.T) {
	deep := func(n int) string { return strings.Repeat("[", n) + strings.Repeat("]", n) }
	for _, tc := range []struct {
		name   string
		in     string
		limits Limits
		path   string
		msg    string
	}{
		{"depth", `{"a":{"b":[[1]]}}`, Limits{MaxDepth: 3}, "/a/b/0", "nesting depth"},
		{"depth ok at limit", `{"a":{"b":[1]}}`, Limits{MaxDepth: 3}, "", ""},
		{"depth object", `[{"x":{}}]`, Limits{MaxDepth: 2}, "/0/x", "nesting depth"},
		{"default depth", deep(101), Limits{}, strings.Repeat("/0", 100), "nesting depth"},
		{"default depth ok", deep(100), Limits{}, "", ""},
		{"duplicate", `{"a":1,"b":2,"a":3}`, Limits{}, "/a", "duplicate field name"},
		{"duplicate nested", `{"x":[{"y":{"b":1,"b":1}}]}`, Limits{}, "/x/0/y/b", "duplicate field name"},
		{"duplicate after escape", `{"ab":1,"a\u0062":2}`, Limits{}, "/ab", "duplicate field name"},
		{"duplicate pointer escape", `{"q":{"a/~b":1,"a/~b":2}}`, Limits{}, "/q/a~1~0b", "duplicate field name"},
		{"empty name", `{"a":{"":1}}`, Limits{}, "/a/", "must not be empty"},
		{"control char in name", `{"a":[{"b\u0001c":1}]}`, Limits{}, "/a/0/b\x01c", "control character"},
		{"DEL in name", `{"b\u007f":1}`, Limits{}, "/b\x7f", "control character"},
		{"NUL in name", `{"\u0000":1}`, Limits{}, "/\x00", "control character"},
		{"long name", `{"abcde":1}`, Limits{MaxFieldNameBytes: 4}, "/abcde", "over the limit"},
		{"name at limit", `{"abcd":1}`, Limits{MaxFieldNameBytes: 4}, "", ""},
		{"invalid UTF-8", "{\"a\":[\"ok\",\"x\xffy\"]}", Limits{}, "/a/1", "not valid UTF-8"},
		{"invalid UTF-8 field name", "{\"o\":{\"a\xffb\":1}}", Limits{}, "/o/a\uFFFDb", `field name "a\xffb" is not valid UTF-8`},
		{"invalid UTF-8 escaped", "{\"a\":\"\\n\xc3\"}", Limits{}, "/a", "not valid UTF-8"},
		{"number out of range", `{"n":[1,1e400]}`, Limits{}, "/n/1", "out of range"},
		{"negative out of range", `-1e400`, Limits{}, "", "out of range"},
		{"huge integer out of range", "1" + strings.Repeat("0", 400), Limits{}, "", "out of range"},
		{"doc bytes", `{"a":"0123456789"}`, Limits{MaxDocBytes: 17}, "", "over the limit of 17 bytes"},
		{"doc bytes ok", `{"a":"0123456789"}`, Limits{MaxDocBytes: 18}, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewDecoder(tc.limits).Decode([]byte(tc.in))
			if tc.msg == "" {
				if err != nil {
					t.Fatalf("Decode: %v", err)
				}
				return
			}
			var de *DocError
			if !errors.As(err, &de) {
				t.Fatalf("Decode = %v, want a *DocError", err)
			}
			if IsSyntaxError(err) {
				t.Fatalf("IsSyntaxError(%v) = true", err)
			}
			if de.Path != tc.path {
				t.Errorf("path %q, want %q", de.Path, tc.path)
			}
			if !strings.Contains(de.Msg, tc.msg) {
				t.Errorf("message %q does not contain %q", de.Msg, tc.msg)
			}
			if tc.path != "" && !strings.HasSuffix(err.Error(), " at "+tc.path) {
				t.Errorf("Error() = %q does not name the path", err.Error())
			}
		})
	}
}

func wideObjectText(n int, dupAt int) []byte {
	b := []byte{'{'}
	for k := range n {
		if k > 0 {
			b = append(b, ',')
		}
		name := k
		if k == dupAt {
			name = 0
		}
		b = append(b, `"f`...)
		b = strconv.AppendInt(b, int64(name), 10)
		b = append(b, `":0`...)
	}
	return append(b, '}')
}

func TestDecodeWideObjects(t *testing.T) {
	d := NewDecoder(Limits{})
	for _, n := range []int{wideObject - 1, wideObject, wideObject + 1, 5 * wideObject} {
		v, err := d.Decode(wideObjectText(n, -1))
		if err != nil || v.Len() != n {
			t.Fatalf("%d fields: %d, %v", n, v.Len(), err)
		}
		for _, dupAt := range []int{1, n / 2, n - 1} {
			if dupAt < 1 {
				continue
			}
			_, err := d.Decode(wideObjectText(n, dupAt))
			var de *DocError
			if !errors.As(err, &de) || de.Path != "/f0" || !strings.Contains(de.Msg, "duplicate") {
				t.Fatalf("%d fields, duplicate at %d: %v", n, dupAt, err)
			}
		}
	}
	// Duplicate detection must not be quadratic: 200,000 fields (2.5 MB)
	// took minutes with a scan of the earlier fields per field.
	text := wideObjectText(200000, 199999)
	start := time.Now()
	if _, err := d.Decode(text); err == nil {
		t.Fatal("duplicate not found")
	}
	if el := time.Since(start); el > 10*time.Second {
		t.Fatalf("decoding a %d-byte object took %v", len(text), el)
	}
}

func TestDecodeAtContinuesAfterDocError(t *testing.T) {
	docs := []string{
		`{"id":1}`,
		`{"id":2,"id":3}`,                 // duplicate
		`{"id":4,"deep":[[[[[["x"]]]]]]}`, // too deep
		`{"id":5,"s":"a\"}b","n":1e999}`,  // out of range, with a brace inside a string
		`{"id":6,"big":"` + strings.Repeat("z", 100) + `"}`,
		`[7]`,
		`{"id":8}`,
		"{\"id\":9,\"s\":\"h\u00e9llo w\u00f6rld, long past a word \xff then more\"}", // invalid UTF-8 after valid non-ASCII
		`{"id":10,"s":"日本語のテキスト、八バイトより長い"}`,
	}
	in := []byte(strings.Join(docs, "\n  "))
	d := NewDecoder(Limits{MaxDepth: 5, MaxDocBytes: 100})
	i := 0
	var got []string
	for k := 0; ; k++ {
		i = skipSpace(in, i)
		if i == len(in) {
			break
		}
		start := i
		v, end, err := d.DecodeAt(in, i)
		if end <= start {
			t.Fatalf("doc %d: DecodeAt returned offset %d, not past %d (err %v)", k, end, start, err)
		}
		if string(in[start:end]) != docs[k] {
			t.Fatalf("doc %d: DecodeAt consumed %q, want %q", k, in[start:end], docs[k])
		}
		if err != nil {
			var de *DocError
			if !errors.As(err, &de) {
				t.Fatalf("doc %d: %v, want a *DocError", k, err)
			}
			if k == 7 && err.Error() != "string is not valid UTF-8 at /s" {
				t.Fatalf("doc %d: %q, want the invalid UTF-8 named with its field", k, err)
			}
			got = append(got, "error")
		} else {
			got = append(got, v.JSON())
		}
		i = end
	}
	want := []string{`{"id":1}`, "error", "error", "error", "error", `[7]`, `{"id":8}`, "error", `{"id":10,"s":"日本語のテキスト、八バイトより長い"}`}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("got %q, want %q", got, want)
	}

	// A syntax error leaves the offset where the value started.
	_, end, err := d.DecodeAt([]byte(`  [1,}`), 2)
	if !IsSyntaxError(err) || end != 2 {
		t.Fatalf("DecodeAt on bad syntax = %d, %v", end, err)
	}
	// A DocError inside a value whose end is malformed is reported as a syntax error.
	_, _, err = d.DecodeAt([]byte(`{"a":1,"a":2`), 0)
	if !IsSyntaxError(err) {
		t.Fatalf("DecodeAt on an unterminated doc with a duplicate = %v, want a syntax error", err)
	}
}

// TestDecodeAliasing checks the documented ownership: strings without escapes
// alias the input, escaped ones do not, and values decoded earlier stay valid
// after the decoder parses more documents.
func TestDecodeAliasing(t *testing.T) {
	d := NewDecoder(Limits{})
	buf := []byte(`{"plain":"abc","esc":"a\nc","arr":[1,2,3]}`)
	v, err := d.Decode(buf)
	if err != nil {
		t.Fatal(err)
	}
	copy(buf[bytes.Index(buf, []byte("abc")):], "XYZ")
	if got := v.Get("plain").Str(); got != "XYZ" {
		t.Errorf("unescaped string should alias the input: got %q", got)
	}
	copy(buf[bytes.Index(buf, []byte(`a\nc`)):], "QQQQ")
	if got := v.Get("esc").Str(); got != "a\nc" {
		t.Errorf("escaped string must not alias the input: got %q", got)
	}

	// Decode many more documents with the same decoder; earlier values must
	// not be overwritten by slab reuse.
	r := newRand(t)
	var vals []Value
	var texts []string
	for range 300 {
		doc := randValue(r, 4, genOpts{JSONSafe: true})
		text := AppendJSON(nil, doc)
		v, err := d.Decode(text)
		if err != nil {
			t.Fatalf("Decode(%s): %v", text, err)
		}
		vals = append(vals, v)
		texts = append(texts, string(text))
	}
	for i, v := range vals {
		if got := v.JSON(); got != texts[i] {
			t.Fatalf("value %d changed after later decodes:\n got %s\nwant %s", i, got, texts[i])
		}
	}
}

// randGo returns a random Go value of the shapes encoding/json produces.
func randGo(r *rand.Rand, depth int) any {
	if depth > 0 && r.IntN(3) == 0 {
		if r.IntN(2) == 0 {
			a := make([]any, r.IntN(5))
			for i := range a {
				a[i] = randGo(r, depth-1)
			}
			return a
		}
		m := map[string]any{}
		for range r.IntN(5) {
			m[randName(r, true)] = randGo(r, depth-1)
		}
		return m
	}
	switch r.IntN(6) {
	case 0:
		return nil
	case 1:
		return r.IntN(2) == 0
	case 2:
		return randInt(r)
	case 3:
		return randFloat(r, true)
	case 4:
		return json.Number(randNumberText(r))
	}
	return randString(r, true)
}

// randNumberText returns valid JSON number text, including forms
// encoding/json never writes.
func randNumberText(r *rand.Rand) string {
	var b strings.Builder
	if r.IntN(2) == 0 {
		b.WriteByte('-')
	}
	if r.IntN(4) == 0 {
		b.WriteByte('0')
	} else {
		b.WriteByte(byte('1' + r.IntN(9)))
		for range r.IntN(22) {
			b.WriteByte(byte('0' + r.IntN(10)))
		}
	}
	if r.IntN(3) == 0 {
		b.WriteByte('.')
		for range 1 + r.IntN(5) {
			b.WriteByte(byte('0' + r.IntN(10)))
		}
	}
	if r.IntN(3) == 0 {
		b.WriteByte("eE"[r.IntN(2)])
		b.WriteString([]string{"", "+", "-"}[r.IntN(3)])
		// Exponents stay small enough that no number overflows float64.
		b.WriteString(strconv.Itoa(r.IntN(280)))
	}
	return b.String()
}

// checkAgainstStd compares our decoding with encoding/json's (UseNumber).
func checkAgainstStd(t *testing.T, text []byte, v Value, std any) {
	t.Helper()
	var walk func(path string, v Value, std any)
	walk = func(path string, v Value, std any) {
		fail := func(why string) {
			t.Fatalf("%s at %q: %s\nours %s\nstd  %#v\ntext %s", why, path, debug(v), debug(v), std, text)
		}
		switch s := std.(type) {
		case nil:
			if v.Kind() != KindNull {
				fail("want null")
			}
		case bool:
			if v.Kind() != KindBool || v.Bool() != s {
				fail("want bool")
			}
		case string:
			if v.Kind() != KindString || v.Str() != s {
				fail("want string")
			}
		case json.Number:
			if i, err := strconv.ParseInt(string(s), 10, 64); err == nil {
				if v.Kind() != KindInt || v.Int() != i {
					fail("want int " + string(s))
				}
				return
			}
			f, err := strconv.ParseFloat(string(s), 64)
			if err != nil {
				fail("std number does not parse: " + err.Error())
			}
			if v.Kind() != KindFloat || math.Float64bits(v.Float()) != math.Float64bits(f) {
				fail("want float " + string(s))
			}
		case []any:
			if v.Kind() != KindArray || v.Len() != len(s) {
				fail("want array")
			}
			for i, e := range s {
				walk(path+"/"+strconv.Itoa(i), v.Index(i), e)
			}
		case map[string]any:
			if v.Kind() != KindObject || v.Len() != len(s) {
				fail("want object")
			}
			for k, e := range s {
				walk(path+"/"+k, v.Get(k), e)
			}
		default:
			fail("unexpected std type")
		}
	}
	walk("", v, std)
}

func TestDecodeMatchesEncodingJSON(t *testing.T) {
	r := newRand(t)
	d := NewDecoder(Limits{})
	for i := range 3000 {
		g := randGo(r, 5)
		var text []byte
		var err error
		if i%3 == 0 {
			text, err = json.MarshalIndent(g, " ", "\t")
		} else {
			text, err = json.Marshal(g)
		}
		if err != nil {
			t.Fatal(err)
		}
		v, err := d.Decode(text)
		if err != nil {
			t.Fatalf("Decode(%s): %v", text, err)
		}
		dec := json.NewDecoder(bytes.NewReader(text))
		dec.UseNumber()
		var std any
		if err := dec.Decode(&std); err != nil {
			t.Fatal(err)
		}
		checkAgainstStd(t, text, v, std)
	}
}

func FuzzDecodeJSON(f *testing.F) {
	for _, s := range []string{
		`{"name":"x","tags":["a","b"],"n":1.5,"i":-3,"ok":true,"z":null}`,
		`[1e400]`, `"\ud83d\ude00"`, `{"a":1,"a":2}`, `-0.0`, `[[[[]]]]`, `9223372036854775808`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		d := NewDecoder(Limits{MaxDepth: 20})
		v, err := d.Decode(b)
		if err != nil {
			var de *DocError
			if !IsSyntaxError(err) && !errors.As(err, &de) {
				t.Fatalf("error of type %T: %v", err, err)
			}
			return
		}
		// Whatever decodes is re-encoded and decodes to an equal value.
		text := AppendJSON(nil, v)
		w, err := d.Decode(text)
		if err != nil {
			t.Fatalf("re-decoding %s: %v", text, err)
		}
		if !identical(v, w) {
			t.Fatalf("round trip through %s:\n got %s\nwant %s", text, debug(w), debug(v))
		}
		if !json.Valid(text) {
			t.Fatalf("AppendJSON wrote invalid JSON %q", text)
		}
	})
}

// rockBenchEvent is shaped like a RockBench event: identity fields, a nested
// address, tags, an array of friend objects, numbers, bools and a long text.
const rockBenchEvent = `{
  "_id": "64b7f0c2a1e3d9b8c7f60a1e",
  "_event_time": 1689776322123456,
  "guid": "0c5e8a5b-7f1d-4e53-9a6f-3b2d1c4e5f60",
  "isActive": true,
  "balance": 3245.22,
  "age": 31,
  "eyeColor": "green",
  "name": "Hayes Whitfield",
  "gender": "male",
  "company": "ZILLACOM",
  "email": "hayes.whitfield@zillacom.example",
  "phone": "+1 (912) 555-3410",
  "address": {
    "street": "742 Evergreen Terrace",
    "city": "Springfield",
    "state": "Oregon",
    "zipcode": 97403,
    "coordinates": {"lat": 44.052069, "long": -123.086754}
  },
  "about": "Laboris nisi ut aliquip ex ea commodo consequat. Duis aute irure dolor in reprehenderit in voluptate velit esse cillum dolore eu fugiat nulla pariatur. Excepteur sint occaecat cupidatat non proident, sunt in culpa qui officia deserunt mollit anim id est laborum.\n",
  "registered": "2016-03-14T09:26:53.000000Z",
  "tags": ["dolor", "anim", "veniam", "consequat", "esse", "occaecat", "tempor"],
  "friends": [
    {"id": 0, "name": "Carla Mendez", "score": 0.873, "verified": false},
    {"id": 1, "name": "Otis Brennan", "score": 12.5, "verified": true},
    {"id": 2, "name": "Mae Thornton", "score": 3.25e2, "verified": true}
  ],
  "greeting": "Hello, Hayes! You have 7 unread messages.",
  "favoriteFruit": "banana",
  "rating": 4.75,
  "visits": 1024,
  "optIn": null
}`

func BenchmarkDecodeJSON(b *testing.B) {
	doc := []byte(rockBenchEvent)
	// reused: the decoder is reset between documents, as the server's
	// pooled decoders are (the parser's own cost, without the garbage
	// collector's).
	for _, reused := range []bool{false, true} {
		b.Run(fmt.Sprintf("impl=basalt/reused=%t", reused), func(b *testing.B) {
			d := NewDecoder(Limits{})
			b.ReportAllocs()
			b.SetBytes(int64(len(doc)))
			for b.Loop() {
				if _, err := d.Decode(doc); err != nil {
					b.Fatal(err)
				}
				if reused {
					d.Reset()
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "docs/s")
		})
	}
	b.Run("impl=encoding-json", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(doc)))
		for b.Loop() {
			var m map[string]any
			if err := json.Unmarshal(doc, &m); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "docs/s")
	})
}

// TestDecoderResetReusesMemory: a pooled decoder decodes without allocating
// once its chunks exist, and values decoded after Reset are correct.
func TestDecoderResetReusesMemory(t *testing.T) {
	doc := []byte(`{"a":[1,2,{"b":"x","c":[true,null]}],"d":{"e":1.5,"f":"y"},"g":"z"}`)
	d := NewDecoder(Limits{})
	want, err := d.Decode(doc)
	if err != nil {
		t.Fatal(err)
	}
	want = want.Clone()
	allocs := testing.AllocsPerRun(100, func() {
		d.Reset()
		v, err := d.Decode(doc)
		if err != nil || !Equal(v, want) {
			t.Fatalf("after Reset: %s, %v", v, err)
		}
	})
	if allocs != 0 {
		t.Fatalf("%.1f allocations per decode after Reset, want 0", allocs)
	}
}

// TestPlainStops: the lowest byte plainStops flags is the first byte of
// the word that ends a plain run, for every byte at every position after
// plain ones, and for random words mixing stops and plain bytes (where a
// borrow may flag bytes above the first stop, never below).
func TestPlainStops(t *testing.T) {
	isStop := func(c byte, nonASCIISeen bool) bool {
		return c == '"' || c == '\\' || c < 0x20 || (c >= 0x80 && !nonASCIISeen)
	}
	check := func(buf [8]byte, nonASCIISeen bool) {
		t.Helper()
		want := 8
		for i, c := range buf {
			if isStop(c, nonASCIISeen) {
				want = i
				break
			}
		}
		m := plainStops(binary.LittleEndian.Uint64(buf[:]), nonASCIISeen)
		got := 8
		if m != 0 {
			got = bits.TrailingZeros64(m) >> 3
		}
		if got != want {
			t.Fatalf("% x (non-ASCII seen %v): first stop at %d, want %d", buf[:], nonASCIISeen, got, want)
		}
	}
	for _, seen := range []bool{false, true} {
		for c := 0; c < 256; c++ {
			for pos := 0; pos < 8; pos++ {
				buf := [8]byte{'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a'}
				buf[pos] = byte(c)
				check(buf, seen)
			}
		}
		rng := rand.New(rand.NewPCG(7, uint64(len(fmt.Sprint(seen)))))
		special := []byte{'"', '\\', 0, 0x01, 0x1f, 0x20, 0x21, 0x7f, 0x80, 0xc3, 0xff, '!', '#', '[', ']'}
		for range 200_000 {
			var buf [8]byte
			for i := range buf {
				if rng.IntN(3) == 0 {
					buf[i] = special[rng.IntN(len(special))]
				} else {
					buf[i] = byte(rng.IntN(256))
				}
			}
			check(buf, seen)
		}
	}
}

// TestDecodeStringsMatchEncodingJSON decodes strings built of plain runs
// of every length, escapes, multi-byte and invalid UTF-8, control
// characters and stray quotes, so that each kind of stop falls at every
// position of the eight-byte words the scanner reads: syntax errors where
// encoding/json finds them, invalid UTF-8 refused, the value otherwise
// encoding/json's.
func TestDecodeStringsMatchEncodingJSON(t *testing.T) {
	pieces := []string{"a", "Hello world ", "0123456789abcdef", "é", "日本語", "\xff", "\xc3", "\x01", "\x1f", "\t",
		`\"`, `\\`, `\n`, `\u00e9`, `"`, "~\x7f"}
	r := newRand(t)
	d := NewDecoder(Limits{})
	for range 20_000 {
		var body strings.Builder
		for range r.IntN(12) {
			body.WriteString(pieces[r.IntN(len(pieces))])
		}
		text := []byte(`"` + body.String() + `"`)
		v, err := d.Decode(text)
		var want string
		switch {
		case !json.Valid(text):
			// A stray quote ends the string early: invalid UTF-8 before
			// it is reported first, as a document error.
			var de *DocError
			if !IsSyntaxError(err) && !errors.As(err, &de) {
				t.Fatalf("Decode(%q): %v, want an error", text, err)
			}
		case !utf8.ValidString(body.String()):
			var de *DocError
			if !errors.As(err, &de) {
				t.Fatalf("Decode(%q): %v, want invalid UTF-8 refused", text, err)
			}
		case json.Unmarshal(text, &want) != nil:
			t.Fatalf("encoding/json refuses %q", text)
		case err != nil:
			t.Fatalf("Decode(%q): %v", text, err)
		case v.Kind() != KindString || v.Str() != want:
			t.Fatalf("Decode(%q) = %s, want %q", text, v, want)
		}
	}
}

// TestResetDropsInputs: after Reset, a decoder neither keeps the inputs it
// decoded alive (its chunks held their strings) nor more than
// maxKeptChunkBytes of chunks, however large a batch it once decoded; and
// it decodes alike afterwards.
func TestResetDropsInputs(t *testing.T) {
	d := NewDecoder(Limits{})
	var b strings.Builder
	b.WriteByte('[')
	for i := range 100_000 {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"name":"user-%d","tags":["a","b"],"n":%d}`, i, i)
	}
	b.WriteByte(']')
	freed := make(chan struct{})
	func() {
		in := []byte(b.String())
		runtime.AddCleanup(&in[0], func(ch chan struct{}) { close(ch) }, freed)
		v, err := d.Decode(in)
		if err != nil || v.Len() != 100_000 {
			t.Fatalf("decoded %d values: %v", v.Len(), err)
		}
	}()
	d.Reset()
	kept := 0
	for _, c := range d.valChunks {
		kept += cap(c) * int(unsafe.Sizeof(Value{}))
	}
	for _, c := range d.fieldChunks {
		kept += cap(c) * int(unsafe.Sizeof(Field{}))
	}
	if kept > 2*maxKeptChunkBytes+slabChunk*int(unsafe.Sizeof(Field{})) {
		t.Errorf("%d bytes of chunks kept after Reset", kept)
	}
	gone := false
	for range 20 {
		runtime.GC()
		select {
		case <-freed:
			gone = true
		case <-time.After(10 * time.Millisecond):
		}
		if gone {
			break
		}
	}
	if !gone {
		t.Error("the decoded input is still reachable after Reset")
	}
	v, err := d.Decode([]byte(`{"a":[1,{"b":"c"}],"d":"e"}`))
	if err != nil || v.Get("d").Str() != "e" || v.Get("a").Len() != 2 {
		t.Fatalf("after Reset: %v, %v", v, err)
	}
	runtime.KeepAlive(d)
}
