package types

import (
	"encoding/json"
	"math"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func TestAppendJSONScalars(t *testing.T) {
	ts := time.Date(2024, 3, 5, 7, 8, 9, 123456000, time.UTC)
	for _, tc := range []struct {
		v    Value
		want string
	}{
		{Undefined, `null`},
		{Null, `null`},
		{Bool(true), `true`},
		{Bool(false), `false`},
		{Int(0), `0`},
		{Int(math.MinInt64), `-9223372036854775808`},
		{Int(math.MaxInt64), `9223372036854775807`},
		{Float(1), `1.0`},
		{Float(-3), `-3.0`},
		{Float(math.Copysign(0, -1)), `-0.0`},
		{Float(0), `0.0`},
		{Float(1.5), `1.5`},
		{Float(1e20), `1e+20`},
		{Float(1e21), `1e+21`},
		{Float(123456789), `1.23456789e+08`},
		{Float(1e-7), `1e-07`},
		{Float(math.NaN()), `null`},
		{Float(math.Inf(1)), `null`},
		{Float(math.Inf(-1)), `null`},
		{String(""), `""`},
		{String("a\"b\\c/d"), `"a\"b\\c/d"`},
		{String("<a>&"), `"\u003ca\u003e\u0026"`},
		{String("\u2028\u2029"), `"\u2028\u2029"`},
		{String("x\xffy"), `"x\ufffdy"`},
		{String("\xe2\x82"), `"\ufffd\ufffd"`}, // truncated sequence: one U+FFFD per byte
		{String("é中😀\x7f"), "\"é中😀\x7f\""},
		{TimestampOf(ts), `"2024-03-05T07:08:09.123456Z"`},
		{Timestamp(0), `"1970-01-01T00:00:00.000000Z"`},
		{Timestamp(-1), `"1969-12-31T23:59:59.999999Z"`},
		{Array(nil), `[]`},
		{Object(nil), `{}`},
		{Array([]Value{Int(1), Undefined, Float(2)}), `[1,null,2.0]`},
		{Object([]Field{{"b", Int(1)}, {"a\n", Array(nil)}}), `{"b":1,"a\n":[]}`},
	} {
		if got := v2s(tc.v); got != tc.want {
			t.Errorf("AppendJSON(%s) = %s, want %s", debug(tc.v), got, tc.want)
		}
	}
}

func v2s(v Value) string { return string(AppendJSON([]byte("prefix"), v))[len("prefix"):] }

func TestAppendJSONControlCharacters(t *testing.T) {
	var b strings.Builder
	for c := range 0x20 {
		b.WriteByte(byte(c))
	}
	b.WriteString("\x7f")
	s := b.String()
	text := AppendJSON(nil, String(s))
	for _, c := range text[1 : len(text)-1] {
		if c < 0x20 {
			t.Fatalf("raw control character %#x in %q", c, text)
		}
	}
	var std string
	if err := json.Unmarshal(text, &std); err != nil || std != s {
		t.Fatalf("encoding/json reads %q as %q, %v", text, std, err)
	}
	v := mustDecode(t, string(text))
	if v.Str() != s {
		t.Fatalf("round trip: %q", v.Str())
	}
}

// sanitize replaces each byte of invalid UTF-8 with U+FFFD, as AppendJSON does.
func sanitize(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 {
			b.WriteString("\ufffd")
		} else {
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

func TestAppendJSONInvalidUTF8(t *testing.T) {
	r := newRand(t)
	for range 2000 {
		s := randString(r, false)
		text := AppendJSON(nil, String(s))
		if !json.Valid(text) || !utf8.Valid(text) {
			t.Fatalf("AppendJSON(%q) = %q, not valid", s, text)
		}
		v := mustDecode(t, string(text))
		if v.Str() != sanitize(s) {
			t.Fatalf("AppendJSON(%q) decodes to %q, want %q", s, v.Str(), sanitize(s))
		}
	}
}

// jsonView maps what JSON cannot carry to what AppendJSON writes: timestamps
// to strings, NaN, infinities and undefined to null.
func jsonView(v Value) Value {
	switch v.kind {
	case KindUndefined:
		return Null
	case KindFloat:
		if f := v.Float(); math.IsNaN(f) || math.IsInf(f, 0) {
			return Null
		}
	case KindString:
		return String(sanitize(v.str))
	case KindTimestamp:
		return String(v.Time().Format(TimestampLayout))
	case KindArray:
		out := make([]Value, v.Len())
		for i, e := range v.Elems() {
			out[i] = jsonView(e)
		}
		return Array(out)
	case KindObject:
		out := make([]Field, v.Len())
		for i, f := range v.Fields() {
			out[i] = Field{f.Name, jsonView(f.Value)}
		}
		return Object(out)
	}
	return v
}

func TestAppendJSONRoundTrip(t *testing.T) {
	r := newRand(t)
	d := NewDecoder(Limits{})
	for range 3000 {
		// Field names stay valid (the decoder refuses others); values are
		// anything.
		v := randObject(r, 5, 1+r.IntN(5), genOpts{})
		v = fixNames(v)
		text := AppendJSON(nil, v)
		if !json.Valid(text) {
			t.Fatalf("invalid JSON %q for %s", text, debug(v))
		}
		w, err := d.Decode(text)
		if err != nil {
			t.Fatalf("Decode(%s): %v", text, err)
		}
		want := jsonView(v)
		if !Equal(w, want) {
			t.Fatalf("round trip through %s:\n got %s\nwant %s", text, debug(w), debug(want))
		}
		// Equal treats 1 and 1.0 alike; the kinds must survive too.
		if !identical(w, want) {
			t.Fatalf("kinds changed through %s:\n got %s\nwant %s", text, debug(w), debug(want))
		}
	}
}

// fixNames makes every field name of v valid and unique.
func fixNames(v Value) Value {
	switch v.kind {
	case KindArray:
		out := make([]Value, v.Len())
		for i, e := range v.Elems() {
			out[i] = fixNames(e)
		}
		return Array(out)
	case KindObject:
		out := make([]Field, 0, v.Len())
		seen := map[string]bool{}
		for _, f := range v.Fields() {
			name := sanitize(f.Name)
			if CheckFieldName(name, 0) != nil || seen[name] {
				continue
			}
			seen[name] = true
			out = append(out, Field{name, fixNames(f.Value)})
		}
		return Object(out)
	}
	return v
}

func TestTimestampLayoutParses(t *testing.T) {
	r := newRand(t)
	for range 1000 {
		// Years 0001-9999, where the layout round trips.
		us := int64(r.Uint64N(uint64(253402300799999999+62135596800000000))) - 62135596800000000
		text := AppendJSON(nil, Timestamp(us))
		tm, err := time.Parse(`"`+TimestampLayout+`"`, string(text))
		if err != nil {
			t.Fatalf("%s: %v", text, err)
		}
		if tm.UnixMicro() != us {
			t.Fatalf("%s parses to %d µs, want %d", text, tm.UnixMicro(), us)
		}
	}
}
